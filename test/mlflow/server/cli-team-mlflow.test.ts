// The team's CLI against a real MLflow server, as a newcomer drives it from shell steps: put a version, show, list,
// diff, approve, promote --dry-run, get it twice through the cache, and read a version MLflow's Python client
// registered (which lists no digests, so get goes around the cache and says so).
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { io } from "../../cli/support/helpers.js";
import { PYTHON_TEST_TIMEOUT_MS, python, tempDir, unique } from "./support/helpers.js";

const [server] = inject("mlflowServers");

async function cli(cwd: string, ...argv: string[]) {
  const run = io({ env: {} });
  run.io.cwd = cwd;
  const code = await runCli(argv, run.io);
  return { code, out: run.out(), err: run.err(), lines: run.lines };
}

describe("the modelreg CLI on MLflow", () => {
  it(
    "puts, shows, lists, diffs, approves, checks a promotion and gets a version twice, once from the cache",
    async () => {
      if (!server) throw new Error("no MLflow server");
      const uri = `mlflow+${server.url}`;
      const model = unique("cli-team");
      const cwd = await tempDir("modelreg-cli-mlflow-");
      for (const [dir, weights] of [
        ["m1", "first weights"],
        ["m2", "second, longer weights"],
      ] as const) {
        await mkdir(join(cwd, dir));
        await writeFile(join(cwd, dir, "weights.bin"), weights);
        await writeFile(join(cwd, dir, "config.json"), "{}");
      }
      const put1 = await cli(cwd, "put", uri, model, "m1", "--metric", "auc=0.91", "--param", "lr=0.01", "--alias", "champion", "--no-git", "--json");
      expect(put1.code, put1.err).toBe(0);
      expect(put1.lines()[0]).toMatchObject({ type: "created", version: "1", aliases: ["champion"] });
      const put2 = await cli(cwd, "put", uri, model, "m2", "--metric", "auc=0.94", "--param", "lr=0.02", "--parent-version", "1", "--no-git");
      expect(put2.out).toBe(`created ${model}/2\n`);

      const show = await cli(cwd, "show", uri, `${model}@champion`);
      expect(show.code, show.err).toBe(0);
      expect(show.out).toMatch(/^ {2}weights\.bin {2}13 B {2}sha256:[0-9a-f]{64}$/m);
      const ls = await cli(cwd, "ls", uri, model, "--order-by", "auc", "--json");
      expect(ls.lines().map((l) => [l.version, (l.metrics as Record<string, number>).auc])).toEqual([
        ["2", 0.94],
        ["1", 0.91],
      ]);
      const diff = await cli(cwd, "diff", uri, `${model}/1`, `${model}/2`);
      expect(diff.out).toContain("  ~ auc  0.91 -> 0.94  (+0.03)");
      expect(diff.out).toMatch(/^ {2}~ weights\.bin {2}sha256:/m);

      const approved = await cli(cwd, "approve", uri, `${model}/2`, "--role", "risk", "--by", "alice", "--json");
      expect(approved.code, approved.err).toBe(0);
      const dry = await cli(cwd, "promote", uri, `${model}/2`, "--to", "staging", "--gate", "auc >= 0.95", "--dry-run", "--json");
      expect(dry.code).toBe(1);
      expect(dry.lines()[0]).toMatchObject({ allowed: false, approvals: [expect.objectContaining({ by: "alice", role: "risk" })] });
      expect((await cli(cwd, "show", uri, `${model}/2`, "--json")).lines()[0]).toMatchObject({ stage: "draft" });

      const first = await cli(cwd, "get", uri, `${model}@champion`, "out1", "--cache-dir", "cache", "--json");
      expect(first.code, first.err).toBe(0);
      expect(first.lines()[0]).toMatchObject({ source: "registry", totalBytes: 15 });
      const second = await cli(cwd, "get", uri, `${model}@champion`, "out2", "--cache-dir", "cache", "--json");
      expect(second.lines()[0]).toMatchObject({ source: "cache", totalBytes: 15 });
      expect(await readFile(join(cwd, "out2", "weights.bin"), "utf8")).toBe("first weights");
    },
    PYTHON_TEST_TIMEOUT_MS,
  );

  it(
    "gets a version MLflow's Python client registered from a runs:/ source, around the cache, saying why",
    async () => {
      if (!server) throw new Error("no MLflow server");
      const model = unique("cli-py");
      await python(
        server.python,
        `
import json, sys, mlflow
from mlflow.tracking import MlflowClient
mlflow.set_tracking_uri(sys.argv[1])
with mlflow.start_run() as run:
    mlflow.log_text("flavors: {}\\n", "model/MLmodel")
    mlflow.log_text("pickled", "model/model.pkl")
# The source as a runs:/ URI, which the server keeps unresolved (MLflow's client reads it under the run's artifacts).
c = MlflowClient()
c.create_registered_model(sys.argv[2])
v = c.create_model_version(sys.argv[2], f"runs:/{run.info.run_id}/model", run.info.run_id)
print(json.dumps({"version": v.version}))
`,
        server.url,
        model,
      );
      const cwd = await tempDir("modelreg-cli-mlflow-py-");
      const got = await cli(cwd, "get", `mlflow+${server.url}`, `${model}/1`, "out", "--cache-dir", "cache");
      expect(got.code, got.err).toBe(0);
      expect(got.err).toMatch(/^not cached: mlflow lists no digest for .*\/1/);
      expect(await readFile(join(cwd, "out", "model.pkl"), "utf8")).toBe("pickled");
      await expect(readdir(join(cwd, "cache"))).rejects.toThrow(/ENOENT/);
    },
    PYTHON_TEST_TIMEOUT_MS,
  );
});
