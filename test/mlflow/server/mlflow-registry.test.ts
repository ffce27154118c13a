import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { ConflictError, InvalidInputError, NotFoundError } from "modelreg";
import { CANARY } from "../../support/canary.js";
import { startCuttingProxy } from "./support/cutting-proxy.js";
import { PYTHON_TEST_TIMEOUT_MS, python, tempDir, unique } from "./support/helpers.js";

const servers = inject("mlflowServers");

describe("createMlflowRegistry settings", () => {
  it("needs a tracking URI, from settings or MLFLOW_TRACKING_URI", () => {
    expect(() => createMlflowRegistry({ env: {} })).toThrow(InvalidInputError);
    expect(() => createMlflowRegistry({ trackingUri: "databricks", env: {} })).toThrow(/http/);
    expect(createMlflowRegistry({ env: { MLFLOW_TRACKING_URI: "http://127.0.0.1:1/prefix" } }).trackingUri).toBe("http://127.0.0.1:1/prefix/");
  });

  it("sends Basic auth when user and password are set (and then ignores the token), else the bearer token", async () => {
    const seen: string[] = [];
    const fetch: typeof globalThis.fetch = async (_input, init) => {
      seen.push(new Headers(init?.headers).get("authorization") ?? "none");
      return new Response(JSON.stringify({ registered_model: { name: "m" } }), { headers: { "content-type": "application/json" } });
    };
    const { mlflowToken: token, mlflowUser: user, mlflowPassword: password } = CANARY;
    const env = { MLFLOW_TRACKING_URI: "http://127.0.0.1:1", MLFLOW_TRACKING_TOKEN: token, MLFLOW_TRACKING_USERNAME: user, MLFLOW_TRACKING_PASSWORD: password };
    await createMlflowRegistry({ env, fetch }).getModel("m");
    await createMlflowRegistry({ env: { ...env, MLFLOW_TRACKING_PASSWORD: undefined }, fetch }).getModel("m");
    expect(seen).toEqual([`Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`, `Bearer ${token}`]);
  });
});

describe.each(servers)("MLflow $version", (server) => {
  const registry = createMlflowRegistry({ trackingUri: server.url, actor: "tester" });

  it("maps MLflow's 400 RESOURCE_ALREADY_EXISTS to ConflictError and its 400 for an unknown alias to NotFoundError", async () => {
    const name = unique("dup");
    await registry.createModel({ name });
    const conflict = await registry.createModel({ name }).catch((e: unknown) => e);
    expect(ConflictError.isInstance(conflict)).toBe(true);
    expect((conflict as ConflictError).providerCode).toBe("RESOURCE_ALREADY_EXISTS");
    expect(NotFoundError.isInstance(await registry.resolveAlias(name, "nobody").catch((e: unknown) => e))).toBe(true);
  });

  it("keeps params and metrics on the run, lineage as tags MLflow users know, and files with digests", async () => {
    const name = unique("lineage");
    const v = await registry.createVersion(name, {
      artifacts: {
        entries: [
          { path: "MLmodel", content: "flavors: {}\n" },
          { path: "data/w.bin", content: new Uint8Array([1, 2, 3]) },
        ],
      },
      params: { lr: 0.01 },
      metrics: { auc: 0.93 },
      lineage: { codeCommit: "9f2c1e7", dataSnapshots: [{ uri: "s3://d/x", digest: "abc" }] },
    });
    expect(v).toMatchObject({
      params: { lr: "0.01" },
      metrics: { auc: 0.93 },
      lineage: { codeCommit: "9f2c1e7", dataSnapshots: [{ uri: "s3://d/x", digest: "abc" }] },
    });
    const raw = v.raw as { tags: Array<{ key: string; value: string }>; run_id: string };
    expect(raw.tags).toContainEqual({ key: "mlflow.source.git.commit", value: "9f2c1e7" });
    expect(v.lineage.sourceRun).toBe(raw.run_id);
    const uri = await registry.getDownloadUri(v);
    expect(uri).toMatch(/^mlflow-artifacts:\//);
    const out = await tempDir("modelreg-mlflow-dl-");
    await registry.downloadArtifacts(v, out);
    expect([...(await readFile(join(out, "data", "w.bin")))]).toEqual([1, 2, 3]);
  });

  it("returns from createVersion what a later read finds, and restores its experiment when it is deleted between creates", async () => {
    // createVersion builds its answer from its input instead of reading the version back: it must be what MLflow holds.
    const experimentName = unique("exp");
    const writer = createMlflowRegistry({ trackingUri: server.url, actor: "tester", experimentName, env: {} });
    const name = unique("readback");
    const made = await writer.createVersion(name, {
      artifacts: { entries: [{ path: "w.bin", content: "one" }] },
      params: { lr: 0.1, depth: 3, note: "a b" },
      metrics: { auc: 0.9, loss: 1e-7 },
      tags: { team: "fraud" },
      description: "first",
      aliases: ["champion", "candidate"],
    });
    const { raw: _made, ...mine } = made;
    const { raw: _read, ...read } = await createMlflowRegistry({ trackingUri: server.url, env: {} }).getVersion(made);
    expect(mine).toEqual(read);
    // The writer remembers the experiment's id; someone deletes the experiment; the next create restores it.
    const api = `${server.url}/api/2.0/mlflow/experiments`;
    const experiment = async () =>
      (
        (await (await fetch(`${api}/get-by-name?experiment_name=${experimentName}`)).json()) as {
          experiment: { experiment_id: string; lifecycle_stage: string };
        }
      ).experiment;
    const before = await experiment();
    const deleted = await fetch(`${api}/delete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ experiment_id: before.experiment_id }),
    });
    expect(deleted.ok).toBe(true);
    expect((await experiment()).lifecycle_stage).toBe("deleted");
    const second = await writer.createVersion(name, { artifacts: { entries: [{ path: "w.bin", content: "two" }] } });
    expect(second.version).toBe("2");
    expect(await experiment()).toMatchObject({ experiment_id: before.experiment_id, lifecycle_stage: "active" });
  });

  it("keeps the digests of a version with hundreds of files, whose manifest is longer than one MLflow tag holds", async () => {
    const name = unique("many-files");
    // A tag holds 100,000 characters on 3.x and 5,000 on 2.x. Long paths make the manifest outgrow a 3.x tag with 400
    // files instead of the 1,000 short ones this took (each file is one PUT: 1,000 of them were a tenth of the
    // requests npm test sends to MLflow); 100 outgrow a 2.x tag many times over.
    const count = server.version.startsWith("2.") ? 100 : 400;
    const dir = `shards/${"d".repeat(100)}/${"e".repeat(100)}`;
    const entries = Array.from({ length: count }, (_, i) => ({ path: `${dir}/part-${String(i).padStart(5, "0")}.bin`, content: `shard ${i}` }));
    const v = await registry.createVersion(name, { artifacts: { entries }, tags: { team: "risk" } });
    expect(v.tags).toEqual({ team: "risk" });
    const raw = (await (await fetch(`${server.url}/api/2.0/mlflow/model-versions/get?name=${name}&version=${v.version}`)).json()) as {
      model_version: { tags?: Array<{ key: string }> };
    };
    expect(raw.model_version.tags?.filter((t) => /^modelreg\.files\.\d+$/.test(t.key)).length).toBeGreaterThan(1);
    const files = await registry.listArtifacts(v);
    expect(files).toHaveLength(count);
    expect(files.every((f) => typeof f.sha256 === "string" && f.sha256.length === 64)).toBe(true);
    expect((await registry.getVersion(v)).tags).toEqual({ team: "risk" });
    const last = String(count - 1);
    const { stream } = await registry.openArtifact(v, `${dir}/part-${last.padStart(5, "0")}.bin`);
    expect(await new Response(stream).text()).toBe(`shard ${last}`);
  }, 120_000);

  it("does not leave two versions when the response to model-versions/create is lost and the call is retried", async () => {
    const proxy = await startCuttingProxy(server.url);
    try {
      const name = unique("lost");
      const viaProxy = createMlflowRegistry({ trackingUri: proxy.url, actor: "tester" });
      proxy.cutNext((req) => req.method === "POST" && (req.url ?? "").endsWith("/model-versions/create"));
      const v = await viaProxy.createVersion(name, { artifacts: { entries: [{ path: "model.bin", content: "once" }] } });
      expect(v.version).toBe("1");
      // The create reached the server once, its response was cut, and the adapter found the version by its token.
      expect(proxy.seen.filter((s) => s.includes("model-versions/create"))).toHaveLength(1);
      expect(proxy.seen.some((s) => s.includes("model-versions/search"))).toBe(true);
      expect((await registry.listVersions(name).toArray()).map((x) => x.version)).toEqual(["1"]);
    } finally {
      await proxy.close();
    }
  });

  // A timeout does not stop the server: a create it was slow to run lands after the client gave up. Seen in CI under
  // load (1.5 s timeout, faulted lifecycle seed 23): the retry made a second version of the same create.
  const isVersionCreate = (req: { method?: string; url?: string }) => req.method === "POST" && (req.url ?? "").endsWith("/model-versions/create");

  it("makes one version when the server runs model-versions/create after the client's timeout", async () => {
    const proxy = await startCuttingProxy(server.url);
    try {
      const name = unique("late");
      // The create lands 400 ms into the adapter's 3 s wait after its timeout: room for a loaded CI server to run it
      // (with a 1 s wait, a fresh-clone run saw the server take longer and the adapter resend).
      const viaProxy = createMlflowRegistry({ trackingUri: proxy.url, actor: "tester", timeoutMs: 3_000, retryBaseDelayMs: 10 });
      proxy.holdNext(isVersionCreate, { beforeForward: () => new Promise((r) => setTimeout(r, 3_400)) });
      const v = await viaProxy.createVersion(name, { artifacts: { entries: [{ path: "model.bin", content: "late" }] } });
      expect(v.version).toBe("1");
      expect((await registry.listVersions(name).toArray()).map((x) => x.version)).toEqual(["1"]);
      // The adapter waited for the late create instead of sending another.
      expect(proxy.seen.filter((s) => s.includes("model-versions/create"))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("keeps one version when a create given up on lands after its retry, and returns the one kept", async () => {
    const proxy = await startCuttingProxy(server.url);
    try {
      const name = unique("later");
      // Long enough that the retry is answered within it (its answer waits for the late create to land, which took over
      // 800 ms on a loaded CI machine): a retry that timed out too would settle before the late copy existed.
      const viaProxy = createMlflowRegistry({ trackingUri: proxy.url, actor: "tester", timeoutMs: 4_000, retryBaseDelayMs: 10 });
      let retryRan!: () => void;
      const retried = new Promise<void>((r) => {
        retryRan = r;
      });
      let lateLanded!: () => void;
      const landed = new Promise<void>((r) => {
        lateLanded = r;
      });
      // The first create reaches the server only after the retry ran there; the retry's answer waits for it.
      proxy.holdNext(isVersionCreate, { beforeForward: () => retried, beforeAnswer: async () => lateLanded() });
      proxy.holdNext(isVersionCreate, {
        beforeAnswer: async () => {
          retryRan();
          await landed;
        },
      });
      const v = await viaProxy.createVersion(name, { artifacts: { entries: [{ path: "model.bin", content: "later" }] } });
      expect(proxy.seen.filter((s) => s.includes("model-versions/create"))).toHaveLength(2);
      const left = await registry.listVersions(name).toArray();
      expect(left.map((x) => x.version)).toEqual([v.version]);
      expect(v.version).toBe("1");
    } finally {
      await proxy.close();
    }
  });

  it("renames a model, its versions and aliases following", async () => {
    const name = unique("rename");
    await registry.createVersion(name, { artifacts: { entries: [{ path: "m", content: "x" }] }, aliases: ["champion"] });
    const renamed = await registry.renameModel(name, `${name}-new`);
    expect(renamed.name).toBe(`${name}-new`);
    expect(await registry.resolveAlias(`${name}-new`, "champion")).toBe("1");
    await expect(registry.getModel(name)).rejects.toThrow(NotFoundError);
  });

  it("shows metrics on the logged model too, on MLflow 3", async () => {
    const name = unique("logged-metrics");
    const v = await registry.createVersion(name, { artifacts: { entries: [{ path: "m", content: "x" }] }, metrics: { auc: 0.77 }, params: { depth: 3 } });
    const source = (v.raw as { source: string }).source;
    if (!source.startsWith("models:/")) return; // MLflow 2 has no logged models: the run holds them (checked above).
    const res = await fetch(`${server.url}/api/2.0/mlflow/logged-models/${source.slice("models:/".length)}`);
    const body = (await res.json()) as { model: { data: { params: unknown[]; metrics: Array<{ key: string; value: number }> } } };
    expect(body.model.data.params).toContainEqual({ key: "depth", value: "3" });
    expect(body.model.data.metrics.map((m) => [m.key, m.value])).toContainEqual(["auc", 0.77]);
  });

  it("moves stages natively with archive_existing_versions", async () => {
    const name = unique("stages");
    const a = await registry.createVersion(name, { artifacts: { entries: [{ path: "m", content: "a" }] } });
    const b = await registry.createVersion(name, { artifacts: { entries: [{ path: "m", content: "b" }] } });
    await registry.transitionStage(a, "production");
    await registry.transitionStage(b, "production", { archiveExisting: true });
    expect((await registry.getVersion(a)).stage).toBe("archived");
    expect((await registry.getVersion(b)).stage).toBe("production");
    expect((await registry.getVersion(b).then((v) => v.raw as { current_stage: string })).current_stage).toBe("Production");
  });

  it(
    "registers versions MLflow's Python client can read and download",
    async () => {
      const name = unique("to-python");
      await registry.createVersion(name, {
        artifacts: {
          entries: [
            { path: "MLmodel", content: "flavors: {}\n" },
            { path: "weights.txt", content: "from typescript" },
          ],
        },
        params: { depth: 6 },
        metrics: { auc: 0.9 },
        aliases: ["champion"],
      });
      const dst = await tempDir("modelreg-py-dl-");
      const seen = (await python(
        server.python,
        `
import json, os, sys, mlflow
from mlflow import MlflowClient
url, name, dst = sys.argv[1:4]
mlflow.set_tracking_uri(url)
c = MlflowClient(url)
mv = c.get_model_version_by_alias(name, "champion")
run = c.get_run(mv.run_id)
path = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{name}/{mv.version}", dst_path=dst)
files = sorted(os.path.relpath(os.path.join(r, f), path) for r, _, fs in os.walk(path) for f in fs)
print(json.dumps({"version": mv.version, "params": run.data.params, "metrics": run.data.metrics, "files": files,
  "weights": open(os.path.join(path, "weights.txt")).read()}))
`,
        server.url,
        name,
        dst,
      )) as Record<string, unknown>;
      // The Python client adds its own registered_model_meta file to what it downloads from models:/ URIs.
      expect(seen).toEqual({
        version: "1",
        params: { depth: "6" },
        metrics: { auc: 0.9 },
        files: expect.arrayContaining(["MLmodel", "weights.txt"]),
        weights: "from typescript",
      });
    },
    PYTHON_TEST_TIMEOUT_MS,
  );

  it(
    "reads versions registered by MLflow's Python client, with their run's params and metrics and their files",
    async () => {
      const name = unique("from-python");
      const made = (await python(
        server.python,
        `
import json, sys, mlflow
url, name = sys.argv[1:3]
mlflow.set_tracking_uri(url)
with mlflow.start_run() as run:
    mlflow.log_param("alpha", "0.5")
    mlflow.log_metric("rmse", 0.42)
    mlflow.log_text("flavors: {}\\n", "model/MLmodel")
    mlflow.log_text("python weights", "model/sub/weights.txt")
mv = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
print(json.dumps({"version": mv.version, "run": run.info.run_id}))
`,
        server.url,
        name,
      )) as { version: string; run: string };
      const v = await registry.getVersion({ model: name, version: made.version });
      expect(v).toMatchObject({ params: { alpha: "0.5" }, metrics: { rmse: 0.42 }, lineage: { sourceRun: made.run } });
      expect((await registry.listArtifacts(v)).map((f) => f.path)).toEqual(["MLmodel", "sub/weights.txt"]);
      const file = await registry.openArtifact(v, "sub/weights.txt");
      expect(await new Response(file.stream).text()).toBe("python weights");
    },
    PYTHON_TEST_TIMEOUT_MS,
  );
});
