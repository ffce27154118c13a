// Sync between a real MLflow server and the in-process fakes of the other providers: MLflow -> Vertex (Vertex and
// Cloud Storage fakes) and W&B (fake) -> MLflow. One msw server holds every fake; requests it has no handler for
// (the loopback MLflow servers) pass through untouched.
import { createHash } from "node:crypto";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { createVertexRegistry } from "modelreg/vertex";
import { createWandbRegistry } from "modelreg/wandb";
import type { ModelVersion } from "modelreg";
import { SYNC_TAGS, originOf, planSync, syncRegistries, type SyncCreateItem, type SyncPlanItem } from "modelreg/sync";
import { GcsFake } from "../../vertex/support/gcs-fake.js";
import { LOCATION, PROJECT, VertexFake } from "../../vertex/support/vertex-fake.js";
import { CUSTOM_IMAGE } from "../../vertex/support/setup.js";
import { API_KEY, BASE, ENTITY, WandbFake } from "../../wandb/support/wandb-fake.js";
import { CANARY } from "../../support/canary.js";
import { unique } from "./support/helpers.js";
import { copiesBySource } from "../../sync/support/helpers.js";
import { expectSameFiles, sha256Of, weights } from "../../support/version-files.js";

const servers = inject("mlflowServers");
const BUCKET = "sync-pairs-bucket";
const MiB = 1024 * 1024;

const gcsFake = new GcsFake([BUCKET]);
const vertexFake = new VertexFake(gcsFake);
const wandbFake = new WandbFake();
const msw = setupServer(...vertexFake.handlers(), ...gcsFake.handlers(), ...wandbFake.handlers());
const passedThrough: string[] = [];
beforeAll(() => {
  msw.listen({ onUnhandledRequest: "bypass" });
  msw.events.on("request:unhandled", ({ request }) => passedThrough.push(new URL(request.url).host));
});
afterAll(() => msw.close());

// Small chunks, so the 3 MiB file goes to Cloud Storage as a resumable upload in several requests.
const vertex = createVertexRegistry({
  project: PROJECT,
  location: LOCATION,
  artifactRoot: `gs://${BUCKET}/models`,
  accessToken: CANARY.googleAccessToken,
  pollIntervalMs: 2,
  actor: "sync-test",
  // Synced files are whatever the source holds, so the target serves them with a custom image.
  containerImageUri: CUSTOM_IMAGE,
  multipartMaxBytes: MiB,
  uploadChunkBytes: MiB,
});
const wandb = createWandbRegistry({ apiKey: API_KEY, baseUrl: BASE, project: "models", entity: ENTITY, env: {}, actor: "sync-test" });

const signature = {
  inputs: [
    { name: "amount", type: "double" as const },
    { name: "country", type: "string" as const },
  ],
  outputs: [{ type: "boolean" as const }],
};
const modelCard = { summary: "flags fraud", owners: ["risk@example.com"], limitations: "card-present only" };

/** An entry that hands its bytes over in 256 KiB chunks, as a file read from disk would. */
const streamed = (path: string, bytes: Uint8Array) => ({
  path,
  size: bytes.byteLength,
  open: async function* () {
    for (let at = 0; at < bytes.byteLength; at += 256 * 1024) yield bytes.subarray(at, at + 256 * 1024);
  },
});

const provenance = (registry: string, model: string, version: string, digest: string) => ({
  [SYNC_TAGS.source]: registry,
  [SYNC_TAGS.model]: model,
  [SYNC_TAGS.version]: version,
  [SYNC_TAGS.digest]: digest,
});

const item = (items: SyncPlanItem[], version: string) => {
  const found = items.find((i) => i.sourceVersion === version);
  expect(found, `no plan item for version ${version}`).toBeDefined();
  return found as SyncPlanItem;
};

describe.each(servers)("sync pairs with MLflow $version", (server) => {
  const mlflow = createMlflowRegistry({ trackingUri: server.url, actor: "sync-test" });

  describe("MLflow -> Vertex", () => {
    it("copies files (one of 3 MiB, streamed), metadata, aliases and stages; a second run copies nothing", async () => {
      const model = unique("m2v");
      const big = weights(3 * MiB + 17, 3);
      const m1 = await mlflow.createVersion(model, {
        artifacts: {
          entries: [streamed("model.bin", big), { path: "MLmodel", content: "flavors: {}\n" }, { path: "conf/params.json", content: '{"depth":3}' }],
        },
        description: "first fraud model",
        params: { depth: 3, lr: 0.1 },
        metrics: { auc: 0.91, f1: 0.7 },
        tags: { team: "risk", "data.version": "2024-05" },
        lineage: { codeCommit: "abc123", dataSnapshots: [{ uri: "s3://data/train", role: "train" }] },
        signature,
        modelCard,
        aliases: ["champion"],
      });
      await mlflow.transitionStage(m1, "production");
      const m2 = await mlflow.createVersion(model, {
        artifacts: { entries: [{ path: "model.bin", content: "second weights" }] },
        description: "retrained",
        metrics: { auc: 0.93 },
        aliases: ["candidate"],
      });
      await mlflow.transitionStage(m2, "staging");
      const [s1, s2] = [await mlflow.getVersion(m1), await mlflow.getVersion(m2)];
      expect(s1.artifacts.digest).toMatch(/^sha256:/);

      const gcsBefore = gcsFake.requests.length;
      const report = await syncRegistries({ source: mlflow, target: vertex, models: [model] });
      expect(report.failures).toEqual([]);
      expect(report.counts).toEqual({ created: 2, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
      expect(report.bytesCopied).toBe(big.byteLength + 12 + 11 + 14);
      expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
      expect((item(report.plan.items, m1.version) as SyncCreateItem).changes).toEqual([
        { kind: "alias", alias: "champion" },
        { kind: "stage", from: "draft", to: "production" },
      ]);

      const copies = await copiesBySource(vertex, model);
      const c1 = copies.get(m1.version) as ModelVersion;
      const c2 = copies.get(m2.version) as ModelVersion;
      expect([c1.version, c2.version]).toEqual(["1", "2"]);
      await expectSameFiles(mlflow, m1, vertex, c1);
      await expectSameFiles(mlflow, m2, vertex, c2);
      // Cloud Storage holds exactly these bytes, uploaded in more than one chunk.
      const stored = gcsFake.objects.get(`${BUCKET}/models/${(c1.artifacts.uri ?? "").replace(`gs://${BUCKET}/models/`, "")}model.bin`);
      expect(stored && createHash("sha256").update(stored.bytes).digest("hex")).toBe(createHash("sha256").update(big).digest("hex"));
      // 3 MiB + 17 bytes in 1 MiB chunks: four PUTs to the session.
      expect(gcsFake.requests.slice(gcsBefore).filter((r) => r.startsWith("PUT session")).length).toBeGreaterThanOrEqual(4);

      expect(c1).toMatchObject({
        description: "first fraud model",
        params: { depth: "3", lr: "0.1" },
        metrics: { auc: 0.91, f1: 0.7 },
        signature,
        modelCard,
        aliases: ["champion"],
        stage: "production",
      });
      expect(c1.tags).toEqual({ ...s1.tags, ...provenance("mlflow", model, m1.version, s1.artifacts.digest as string) });
      expect(c1.tags.team).toBe("risk");
      expect(c1.lineage).toEqual({ ...s1.lineage, syncedFrom: { registry: "mlflow", model, version: m1.version, digest: s1.artifacts.digest } });
      expect(c1.lineage.codeCommit).toBe("abc123");
      expect(c1.artifacts.digest).toBe(s1.artifacts.digest);
      expect(c2).toMatchObject({ description: "retrained", metrics: { auc: 0.93 }, aliases: ["candidate"], stage: "staging" });
      expect(originOf(c2)).toEqual({ registry: "mlflow", model, version: m2.version, digest: s2.artifacts.digest });
      expect(await vertex.resolveAlias(model, "champion")).toBe("1");
      expect(await vertex.resolveAlias(model, "candidate")).toBe("2");
      // Vertex's own default alias stays Vertex's: on the first version, not in the user's aliases.
      expect((c1.raw as { versionAliases: string[] }).versionAliases.sort()).toEqual(["champion", "default", "production"]);
      expect((c2.raw as { versionAliases: string[] }).versionAliases.sort()).toEqual(["candidate", "staging"]);
      // The MLflow traffic went through msw's patched fetch untouched.
      expect(passedThrough).toContain(new URL(server.url).host);

      const uploads = vertexFake.requests.filter((r) => r.includes("models:upload")).length;
      const again = await syncRegistries({ source: mlflow, target: vertex, models: [model] });
      expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
      expect(again.bytesCopied).toBe(0);
      expect(vertexFake.requests.filter((r) => r.includes("models:upload")).length).toBe(uploads);
      expect(await vertex.listVersions(model).toArray()).toHaveLength(2);
    });

    it("moves an alias a Vertex version of its own holds, copies beside a same-numbered version, and reports a tampered copy as a conflict", async () => {
      const model = unique("m2v-conflict");
      const own = await vertex.createVersion(model, {
        artifacts: { entries: [{ path: "model.bin", content: "Vertex's own weights" }] },
        aliases: ["champion"],
        tags: { owner: "vertex" },
      });
      expect(own.version).toBe("1");
      const m1 = await mlflow.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "MLflow weights" }] }, aliases: ["champion"] });
      const m2 = await mlflow.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "MLflow weights 2" }] } });
      expect(m1.version).toBe("1");

      const plan = await planSync({ source: mlflow, target: vertex, models: [model] });
      expect(plan.summary).toEqual({ create: 2, update: 0, skip: 0, conflict: 0 });
      const p1 = item(plan.items, "1") as SyncCreateItem;
      expect(p1.warnings.map((w) => [w.code, w.subject])).toEqual([["untracked-target-version", "1"]]);
      expect(p1.changes).toEqual([{ kind: "alias", alias: "champion", previous: "1" }]);

      const report = await syncRegistries({ source: mlflow, target: vertex, models: [model] });
      expect(report.failures).toEqual([]);
      expect(report.results.map((r) => [r.status, r.targetVersion])).toEqual([
        ["created", "2"],
        ["created", "3"],
      ]);
      expect(report.results[0]?.movedAliases).toEqual([{ alias: "champion", previous: "1" }]);
      expect(await vertex.resolveAlias(model, "champion")).toBe("2");
      const kept = await vertex.getVersion(`${model}/1`);
      expect(kept).toMatchObject({ aliases: [], tags: { owner: "vertex" } });
      expect(originOf(kept)).toBeUndefined();
      expect(await sha256Of(vertex, kept, "model.bin")).toBe(createHash("sha256").update("Vertex's own weights").digest("hex"));

      // The copy of version 2 is tampered with: it now records other content. Sync leaves it alone and says so.
      const forged = `sha256:${"0".repeat(64)}`;
      await vertex.updateVersion(`${model}/3`, { tags: { [SYNC_TAGS.digest]: forged } });
      await mlflow.updateVersion(m2, { description: "changed at the source" });
      const before = await vertex.getVersion(`${model}/3`);
      const again = await syncRegistries({ source: mlflow, target: vertex, models: [model] });
      expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 1, conflicts: 1, failed: 0, notStarted: 0 });
      expect(item(again.plan.items, m2.version)).toMatchObject({ action: "conflict", targetVersion: "3", targetDigest: forged });
      const after = await vertex.getVersion(`${model}/3`);
      expect(after.description).toBe(before.description);
      expect(after.tags[SYNC_TAGS.digest]).toBe(forged);
      expect(await vertex.listVersions(model).toArray()).toHaveLength(3);
    });
  });

  describe("W&B -> MLflow", () => {
    it("copies W&B versions 0.. into MLflow versions 1.., with files (one of 3 MiB, streamed), metadata, aliases and stages; a second run copies nothing", async () => {
      const model = unique("w2m");
      const big = weights(3 * MiB + 5, 9);
      const w0 = await wandb.createVersion(model, {
        artifacts: {
          entries: [streamed("model.bin", big), { path: "conf/params.json", content: '{"depth":3}' }, { path: "deep/er/notes.txt", content: "notes" }],
        },
        description: "logged from a run",
        params: { depth: 3, optimizer: "adam" },
        metrics: { auc: 0.9 },
        tags: { team: "risk" },
        lineage: { sourceRun: `${ENTITY}/models/abc123`, codeCommit: "def456", dataSnapshots: [{ uri: "wandb-artifact://data:v3", role: "train" }] },
        signature,
        modelCard,
        aliases: ["champion"],
      });
      await wandb.transitionStage(w0, "production");
      const w1 = await wandb.createVersion(model, {
        artifacts: { entries: [{ path: "model.bin", content: "v1 weights" }] },
        aliases: ["candidate"],
        metrics: { auc: 0.92 },
        lineage: { sourceRun: `${ENTITY}/models/ghi789` },
      });
      await wandb.transitionStage(w1, "staging");
      expect([w0.version, w1.version]).toEqual(["0", "1"]);
      const [s0, s1] = [await wandb.getVersion(w0), await wandb.getVersion(w1)];

      const report = await syncRegistries({ source: wandb, target: mlflow, models: [model] });
      expect(report.failures).toEqual([]);
      expect(report.counts).toEqual({ created: 2, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
      expect(report.bytesCopied).toBe(big.byteLength + 11 + 5 + 10);
      expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);

      const copies = await copiesBySource(mlflow, model);
      const c0 = copies.get("0") as ModelVersion;
      const c1 = copies.get("1") as ModelVersion;
      expect([c0.version, c1.version]).toEqual(["1", "2"]);
      await expectSameFiles(wandb, w0, mlflow, c0);
      await expectSameFiles(wandb, w1, mlflow, c1);

      expect(c0).toMatchObject({
        description: "logged from a run",
        params: { depth: "3", optimizer: "adam" },
        metrics: { auc: 0.9 },
        signature,
        modelCard,
        aliases: ["champion"],
        stage: "production",
      });
      // MLflow also shows the commit under its own tag, as its UI reads it.
      expect(c0.tags).toEqual({ team: "risk", "mlflow.source.git.commit": "def456", ...provenance("wandb", model, "0", s0.artifacts.digest as string) });
      expect(c0.lineage).toEqual({ ...s0.lineage, syncedFrom: { registry: "wandb", model, version: "0", digest: s0.artifacts.digest } });
      expect(c1).toMatchObject({ aliases: ["candidate"], stage: "staging", metrics: { auc: 0.92 } });
      expect(originOf(c1)).toEqual({ registry: "wandb", model, version: "1", digest: s1.artifacts.digest });
      expect(await mlflow.resolveAlias(model, "champion")).toBe("1");
      expect(await mlflow.resolveAlias(model, "candidate")).toBe("2");
      // W&B's managed aliases (latest, the stage aliases) are not aliases in MLflow.
      expect(Object.keys((await mlflow.getModel(model)).aliases).sort()).toEqual(["candidate", "champion"]);

      const again = await syncRegistries({ source: wandb, target: mlflow, models: [model] });
      expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
      expect(again.bytesCopied).toBe(0);
      expect(await mlflow.listVersions(model).toArray()).toHaveLength(2);
    });

    it("moves an alias an MLflow version of its own holds, copies beside it, and reports a tampered copy as a conflict", async () => {
      const model = unique("w2m-conflict");
      const own = await mlflow.createVersion(model, {
        artifacts: { entries: [{ path: "model.bin", content: "MLflow's own" }] },
        aliases: ["champion"],
        tags: { owner: "mlflow" },
      });
      expect(own.version).toBe("1");
      await wandb.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "w0" }] } });
      await wandb.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "w1" }] }, aliases: ["champion"] });

      const plan = await planSync({ source: wandb, target: mlflow, models: [model] });
      expect(plan.summary).toEqual({ create: 2, update: 0, skip: 0, conflict: 0 });
      // W&B's version 1 and MLflow's version 1 share a number only: the target's is left alone, with a warning.
      expect(item(plan.items, "1").warnings.map((w) => [w.code, w.subject])).toEqual([["untracked-target-version", "1"]]);
      expect((item(plan.items, "1") as SyncCreateItem).changes).toEqual([{ kind: "alias", alias: "champion", previous: "1" }]);

      const report = await syncRegistries({ source: wandb, target: mlflow, models: [model] });
      expect(report.failures).toEqual([]);
      expect(report.results.map((r) => [r.item.sourceVersion, r.status, r.targetVersion])).toEqual([
        ["0", "created", "2"],
        ["1", "created", "3"],
      ]);
      expect(report.results[1]?.movedAliases).toEqual([{ alias: "champion", previous: "1" }]);
      expect(await mlflow.resolveAlias(model, "champion")).toBe("3");
      const kept = await mlflow.getVersion(`${model}/1`);
      expect(kept).toMatchObject({ aliases: [], tags: { owner: "mlflow" } });
      expect(originOf(kept)).toBeUndefined();
      expect(await sha256Of(mlflow, kept, "model.bin")).toBe(createHash("sha256").update("MLflow's own").digest("hex"));

      const forged = "0".repeat(32);
      await mlflow.updateVersion(`${model}/2`, { tags: { [SYNC_TAGS.digest]: forged } });
      const before = await mlflow.getVersion(`${model}/2`);
      await wandb.updateVersion(`${model}/0`, { description: "changed at the source" });
      const again = await syncRegistries({ source: wandb, target: mlflow, models: [model] });
      expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 1, conflicts: 1, failed: 0, notStarted: 0 });
      expect(item(again.plan.items, "0")).toMatchObject({ action: "conflict", targetVersion: "2", targetDigest: forged });
      const after = await mlflow.getVersion(`${model}/2`);
      expect(after.description).toBe(before.description);
      expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
      expect(await mlflow.listVersions(model).toArray()).toHaveLength(3);
    });
  });
});
