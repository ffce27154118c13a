// Sync against a real MLflow server, both ways, including a version made by MLflow's own Python client (no digest).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { createMlflowRegistry } from "modelreg/mlflow";
import type { ModelRegistry } from "modelreg";
import { SYNC_TAGS, syncRegistries } from "modelreg/sync";
import { PYTHON_TEST_TIMEOUT_MS, python, tempDir, unique } from "./support/helpers.js";

const servers = inject("mlflowServers");

async function bytesOf(registry: ModelRegistry, ref: { model: string; version: string }, path: string): Promise<string> {
  const { stream } = await registry.openArtifact(ref, path);
  return createHash("sha256")
    .update(new Uint8Array(await new Response(stream).arrayBuffer()))
    .digest("hex");
}

async function expectSameFiles(source: ModelRegistry, sv: { model: string; version: string }, target: ModelRegistry, tv: { model: string; version: string }) {
  const paths = (await source.listArtifacts(sv)).map((f) => f.path).sort();
  expect((await target.listArtifacts(tv)).map((f) => f.path).sort()).toEqual(paths);
  for (const path of paths) expect(await bytesOf(target, tv, path), path).toBe(await bytesOf(source, sv, path));
}

describe.each(servers)("sync with MLflow $version", (server) => {
  const mlflow = createMlflowRegistry({ trackingUri: server.url, actor: "sync-test" });

  it("local -> MLflow copies files, metadata, aliases and stages; a second run copies nothing", async () => {
    const local = createLocalRegistry({ root: join(await tempDir("sync-local-"), "r"), actor: "sync-test" });
    const name = unique("sync-l2m");
    const big = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    await local.createVersion(name, {
      artifacts: {
        entries: [
          { path: "model.bin", content: big },
          { path: "conf/a.json", content: "{}" },
        ],
      },
      metrics: { auc: 0.9 },
      params: { depth: 4 },
      lineage: { codeCommit: "abc" },
    });
    await local.createVersion(name, { artifacts: { entries: [{ path: "model.bin", content: "v2" }] }, aliases: ["champion"], description: "second" });
    await local.transitionStage(`${name}/2`, "staging");

    const report = await syncRegistries({ source: local, target: mlflow, models: [name], sourceName: "laptop" });
    expect(report.failures).toEqual([]);
    expect(report.counts.created).toBe(2);
    expect(report.bytesCopied).toBe(big.byteLength + 2 + 2);
    const copies = await mlflow.listVersions(name).toArray();
    expect(copies).toHaveLength(2);
    for (const copy of copies) {
      const from = copy.tags[SYNC_TAGS.version] as string;
      await expectSameFiles(local, { model: name, version: from }, mlflow, copy);
      expect(copy.lineage.syncedFrom).toMatchObject({ registry: "laptop", model: name, version: from });
    }
    const second = copies.find((c) => c.tags[SYNC_TAGS.version] === "2");
    expect(second).toMatchObject({ description: "second", stage: "staging", aliases: ["champion"] });
    const first = copies.find((c) => c.tags[SYNC_TAGS.version] === "1");
    expect(first).toMatchObject({ metrics: { auc: 0.9 }, params: { depth: "4" }, lineage: { codeCommit: "abc" } });

    const again = await syncRegistries({ source: local, target: mlflow, models: [name], sourceName: "laptop" });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, skipped: 2, failed: 0 });
    expect(await mlflow.listVersions(name).toArray()).toHaveLength(2);
  });

  it(
    "MLflow -> local copies a version made by MLflow's Python client, which has no digest (spooled and hashed)",
    async () => {
      const name = unique("sync-m2l");
      const made = (await python(
        server.python,
        `
import json, sys, mlflow
url, name = sys.argv[1:3]
mlflow.set_tracking_uri(url)
with mlflow.start_run() as run:
    mlflow.log_text("flavors: {}\\n", "model/MLmodel")
    mlflow.log_text("python weights", "model/sub/weights.txt")
mv = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
print(json.dumps({"version": mv.version}))
`,
        server.url,
        name,
      )) as { version: string };
      await mlflow.createVersion(name, { artifacts: { entries: [{ path: "w.bin", content: "modelreg weights" }] }, aliases: ["champion"] });
      const local = createLocalRegistry({ root: join(await tempDir("sync-local-"), "r"), actor: "sync-test" });

      const report = await syncRegistries({ source: mlflow, target: local, models: [name] });
      expect(report.failures).toEqual([]);
      expect(report.counts.created).toBe(2);
      const copies = await local.listVersions(name).toArray();
      const fromPython = copies.find((c) => c.tags[SYNC_TAGS.version] === made.version);
      expect(fromPython).toBeDefined();
      await expectSameFiles(mlflow, { model: name, version: made.version }, local, fromPython as { model: string; version: string });
      // The digest was computed while spooling, and recorded so the next run recognises the copy.
      expect(fromPython?.tags[SYNC_TAGS.digest]).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(fromPython?.tags[SYNC_TAGS.digest]).toBe(fromPython?.artifacts.digest);
      const champion = await local.resolveAlias(name, "champion");
      expect((await local.getVersion({ model: name, version: champion })).tags[SYNC_TAGS.source]).toBe("mlflow");

      const again = await syncRegistries({ source: mlflow, target: local, models: [name] });
      expect(again.counts).toMatchObject({ created: 0, skipped: 2, failed: 0 });
    },
    PYTHON_TEST_TIMEOUT_MS,
  );
});
