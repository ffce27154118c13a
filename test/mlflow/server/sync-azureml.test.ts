// Sync MLflow -> Azure ML: publishing a champion from a real MLflow server to Azure ML. The ARM fake and an Azurite
// of this file's own (the azure project's global setup does not run in the mlflow project: useAzureFakes starts both
// in beforeAll) answer over loopback sockets. Only the version holding `champion` travels (a `versions` predicate);
// in Azure ML it becomes a model version whose container carries the alias as the tag modelreg.alias.champion, in a
// workspace and in an Azure ML registry; when MLflow crowns another version the next sync publishes that one and moves
// the tag. local <-> Azure ML is test/azureml/sync-azureml.test.ts.
import { createHash } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import type { ModelVersion } from "modelreg";
import { SYNC_TAGS, originOf, syncRegistries, type SyncVersionFilter } from "modelreg/sync";
import { useAzureFakes } from "../../azureml/support/setup.js";
import type { ModelScope } from "../../azureml/support/arm-fake-state.js";
import { unique } from "./support/helpers.js";
import { sha256Of, weights } from "../../support/version-files.js";

const servers = inject("mlflowServers");
const KiB = 1024;
const BLOCK = 64 * KiB;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

const fakes = useAzureFakes();
/** The champion only: the version MLflow's `champion` alias points at. */
const champion: SyncVersionFilter = (v) => v.aliases.includes("champion");
/** Requests that could change Azure: anything but GET and the POSTs that only read (datastore secrets, read SAS). */
const READ_POSTS = new Set(["Datastores_ListSecrets", "RegistryDataReferences_GetBlobReferenceSAS"]);
const writes = () => fakes.arm.requests.filter((r) => r.method !== "GET" && !READ_POSTS.has(r.operation ?? "")).length;
const workspaceScope = () => fakes.arm.state.workspace as ModelScope;
const containerTags = (scope: ModelScope, model: string) => (scope.containers.get(model)?.properties.tags ?? {}) as Record<string, string>;
const armVersion = (scope: ModelScope, model: string, version: string) => scope.containers.get(model)?.versions.get(version)?.properties ?? {};

describe.each(servers)("sync MLflow $version -> Azure ML", (server) => {
  const mlflow = createMlflowRegistry({ trackingUri: server.url, actor: "sync-test" });

  it("publishes the champion only, with the champion tag on its model, then the next champion; reruns write nothing", async () => {
    const workspace = fakes.workspace({ blockBytes: BLOCK });
    const model = unique("m2a");
    const big = weights(3 * BLOCK + 5, 7);
    await mlflow.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "an old candidate" }] }, metrics: { auc: 0.8 } });
    const m2 = await mlflow.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: big },
          { path: "MLmodel", content: "flavors: {}\n" },
        ],
      },
      description: "the champion",
      params: { depth: 3 },
      metrics: { auc: 0.91, f1: 0.7 },
      tags: { team: "risk" },
      lineage: { codeCommit: "abc123" },
      aliases: ["champion"],
    });
    await mlflow.transitionStage(m2, "production");
    const m3 = await mlflow.createVersion(model, {
      artifacts: { entries: [{ path: "model.bin", content: "a challenger" }] },
      metrics: { auc: 0.95 },
      aliases: ["challenger"],
    });
    const s2 = await mlflow.getVersion(m2);

    const report = await syncRegistries({ source: mlflow, target: workspace, models: [model], versions: champion });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 1, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.plan.items.map((i) => [i.sourceVersion, i.action, i.action === "skip" ? i.reason : undefined])).toEqual([
      ["1", "skip", "filtered-out"],
      [m2.version, "create", undefined],
      [m3.version, "skip", "filtered-out"],
    ]);
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
    expect(report.bytesCopied).toBe(big.byteLength + 12);

    // In Azure ML: one version, the champion's copy, with the champion tag on the model container and the production
    // stage on the version; an MLflow model (MLmodel among the files) is registered as mlflow_model.
    const versions = await workspace.listVersions(model).toArray();
    expect(versions.map((v) => v.version)).toEqual(["1"]);
    const c1 = versions[0] as ModelVersion;
    expect(c1).toMatchObject({
      description: "the champion",
      params: { depth: "3" },
      metrics: { auc: 0.91, f1: 0.7 },
      aliases: ["champion"],
      stage: "production",
    });
    const origin = { registry: "mlflow", model, version: m2.version, digest: s2.artifacts.digest as string };
    expect(originOf(c1)).toEqual(origin);
    expect(c1.tags).toMatchObject({ team: "risk", [SYNC_TAGS.source]: "mlflow", [SYNC_TAGS.version]: m2.version });
    expect(c1.lineage).toEqual({ ...s2.lineage, syncedFrom: origin });
    expect(c1.artifacts.digest).toBe(s2.artifacts.digest);
    expect(await sha256Of(workspace, c1, "model.bin")).toBe(sha256(big));
    expect(await sha256Of(workspace, c1, "MLmodel")).toBe(await sha256Of(mlflow, m2, "MLmodel"));
    expect(containerTags(workspaceScope(), model)).toEqual({ "modelreg.alias.champion": "1" });
    expect(armVersion(workspaceScope(), model, "1")).toMatchObject({ stage: "Production", isArchived: false, modelType: "mlflow_model" });

    let before = writes();
    const again = await syncRegistries({ source: mlflow, target: workspace, models: [model], versions: champion });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.bytesCopied).toBe(0);
    expect(writes()).toBe(before);

    // MLflow crowns the challenger: the next sync publishes it and moves the champion tag onto it; the old
    // champion's copy stays, in production, without the alias.
    await mlflow.setAlias(model, "champion", m3.version);
    const next = await syncRegistries({ source: mlflow, target: workspace, models: [model], versions: champion });
    expect(next.failures).toEqual([]);
    expect(next.counts).toMatchObject({ created: 1, updated: 0, failed: 0 });
    expect(next.bytesCopied).toBe(12);
    expect(next.results.find((r) => r.status === "created")).toMatchObject({ targetVersion: "2", movedAliases: [{ alias: "champion", previous: "1" }] });
    expect(await workspace.resolveAlias(model, "champion")).toBe("2");
    // The version travels with all its aliases: the challenger's too.
    expect(containerTags(workspaceScope(), model)).toEqual({ "modelreg.alias.champion": "2", "modelreg.alias.challenger": "2" });
    const c2 = await workspace.getVersion(`${model}/2`);
    expect(originOf(c2)).toMatchObject({ registry: "mlflow", model, version: m3.version });
    expect(c2).toMatchObject({ metrics: { auc: 0.95 }, aliases: ["challenger", "champion"], stage: "draft" });
    expect(await sha256Of(workspace, c2, "model.bin")).toBe(sha256("a challenger"));
    expect(await workspace.getVersion(`${model}/1`)).toMatchObject({ aliases: [], stage: "production" });

    before = writes();
    const last = await syncRegistries({ source: mlflow, target: workspace, models: [model], versions: champion });
    expect(last.counts).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(last.bytesCopied).toBe(0);
    expect(writes()).toBe(before);

    // The same champion into an Azure ML registry (long-running PUTs, files where startPendingUpload says).
    const registry = fakes.registry({ blockBytes: BLOCK });
    const shared = await syncRegistries({ source: mlflow, target: registry, models: [model], versions: champion });
    expect(shared.failures).toEqual([]);
    expect(shared.counts).toMatchObject({ created: 1, failed: 0 });
    const r1 = await registry.getVersion(`${model}@champion`);
    expect(r1).toMatchObject({ version: "1", aliases: ["challenger", "champion"] });
    expect(originOf(r1)).toMatchObject({ registry: "mlflow", model, version: m3.version });
    expect(containerTags(fakes.arm.state.registry as ModelScope, model)).toEqual({ "modelreg.alias.champion": "1", "modelreg.alias.challenger": "1" });
  });
});
