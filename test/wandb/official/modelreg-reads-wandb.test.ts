// modelreg reads what W&B's official Python client wrote to the W&B fake, served on loopback: a run logs two versions
// of a model artifact with aliases (wandb.init + run.log_artifact), and modelreg lists and gets them, resolves the
// aliases and downloads the files byte for byte. One Python process does all the writing.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTITY } from "../support/wandb-fake.js";
import { useWandbLoopback, WANDB_TEST_TIMEOUT_MS } from "./support/wandb-official.js";

const loop = useWandbLoopback();

const WRITE = `
import json, sys, wandb
entity, project, first, second = sys.argv[1:5]
run = wandb.init(entity=entity, project=project, job_type="train")
logged = []
for source, aliases in ((first, ["champion"]), (second, ["candidate"])):
    artifact = wandb.Artifact("churn", type="model", metadata={"auc": 0.8})
    artifact.add_dir(source)
    done = run.log_artifact(artifact, aliases=aliases)
    done.wait()
    logged.append({"id": done.id, "version": done.version, "aliases": sorted(done.aliases)})
run_id = run.id
run.finish()
print(json.dumps({"logged": logged, "run": run_id}))
`;

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

describe("modelreg reads what wandb (the official Python client) wrote", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "modelreg-wandb-src-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Writes files under `dir/name` and returns their sha256 by path. */
  async function source(name: string, files: Record<string, Uint8Array | string>): Promise<Record<string, string>> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name, path)), { recursive: true });
      await writeFile(join(dir, name, path), content);
    }
    return Object.fromEntries(Object.entries(files).map(([path, content]) => [path, sha256(content)]));
  }

  /** The sha256 of every file a download wrote, by path. */
  async function downloaded(root: string, paths: string[]): Promise<Record<string, string>> {
    return Object.fromEntries(await Promise.all(paths.map(async (p) => [p, sha256(await readFile(join(root, p)))] as const)));
  }

  it(
    "lists and gets the logged versions, resolves their aliases and downloads the files byte for byte",
    async () => {
      const weights = new Uint8Array(70_000).map((_, i) => (i * 7 + 3) % 256);
      const first = await source("v0", { "model.bin": weights, "meta/labels.txt": "churn\nstay\n" });
      const second = await source("v1", { "model.bin": weights.map((b) => b ^ 0x5a) });
      const wrote = (await loop.python(WRITE, ENTITY, "models", join(dir, "v0"), join(dir, "v1"))) as {
        logged: Array<{ id: string; version: string; aliases: string[] }>;
        run: string;
      };
      expect(loop.refused()).toEqual([]);
      expect(wrote.logged.map((l) => [l.version, l.aliases])).toEqual([
        ["v0", ["champion", "latest"]],
        ["v1", ["candidate", "latest"]],
      ]);
      // wandb finished its run through file_stream, as modelreg's own runs end.
      expect(loop.fake.finished.get(wrote.run)).toBe(0);

      const registry = loop.registry({ entity: ENTITY });
      const listed = [];
      for await (const v of registry.listVersions("churn")) listed.push({ version: v.version, aliases: [...v.aliases].sort() });
      expect(listed).toEqual([
        { version: "1", aliases: ["candidate"] },
        { version: "0", aliases: ["champion"] },
      ]);
      expect(await registry.resolveAlias("churn", "champion")).toBe("0");
      expect(await registry.resolveAlias("churn", "latest")).toBe("1");
      const champion = await registry.getVersion({ model: "churn", alias: "champion" });
      expect(champion).toMatchObject({ model: "churn", version: "0" });
      expect((await registry.listArtifacts(champion)).map((f) => f.path).sort()).toEqual(Object.keys(first).sort());

      const out = await mkdtemp(join(tmpdir(), "modelreg-wandb-dl-"));
      try {
        await registry.downloadArtifacts(champion, join(out, "v0"));
        await registry.downloadArtifacts({ model: "churn", version: "1" }, join(out, "v1"));
        expect(await downloaded(join(out, "v0"), Object.keys(first))).toEqual(first);
        expect(await downloaded(join(out, "v1"), Object.keys(second))).toEqual(second);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
    WANDB_TEST_TIMEOUT_MS,
  );
});
