// Issue 13, item 1: an MLflow version that someone else made with the same files as a source version is not sync's
// to change. Identical content is no proof of a copy; only provenance is. Each source version gets its own copy, a
// second run is a no-op, and sync never leaves two versions in Production.
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { createMlflowRegistry } from "modelreg/mlflow";
import type { ModelRegistry, ModelVersion } from "modelreg";
import { describeSyncItem, originOf, syncRegistries } from "modelreg/sync";
import { tempDir, unique } from "./support/helpers.js";

const servers = inject("mlflowServers");

const files = () => [
  { path: "model.bin", content: new Uint8Array(64 * 1024).map((_, i) => (i * 7) % 253) },
  { path: "conf/params.json", content: '{"depth":6}' },
];

/** What a version's owner would notice changing: everything but the files, which never change. */
const ownersView = (v: ModelVersion) => ({
  description: v.description,
  metrics: v.metrics,
  params: v.params,
  tags: v.tags,
  aliases: [...v.aliases].sort(),
  stage: v.stage,
  lineage: v.lineage,
});

async function productionVersions(registry: ModelRegistry, model: string): Promise<string[]> {
  return (await registry.listVersions(model).toArray()).filter((v) => v.stage === "production").map((v) => v.version);
}

describe.each(servers)("sync leaves MLflow $version versions it did not make alone", (server) => {
  const mlflow = createMlflowRegistry({ trackingUri: server.url, actor: "sync-test" });
  // Someone else, using MLflow directly: not through sync, so no provenance.
  const colleague = createMlflowRegistry({ trackingUri: server.url, actor: "colleague" });

  async function localTwins(name: string, metrics: number[]) {
    const local = createLocalRegistry({ root: join(await tempDir("sync-twins-"), "r"), actor: "sync-test" });
    const made = [];
    for (const auc of metrics) made.push(await local.createVersion(name, { artifacts: { entries: files() }, metrics: { auc } }));
    return { local, made };
  }

  it("two identical local versions with other metrics each get their own copy; MLflow's own identical version is untouched; a second run is a no-op", async () => {
    const name = unique("twin");
    const { local, made } = await localTwins(name, [0.9, 0.92]);
    expect(made[0]?.artifacts.digest).toBe(made[1]?.artifacts.digest);
    const theirs = await colleague.createVersion(name, {
      artifacts: { entries: files() },
      metrics: { auc: 0.5 },
      description: "ours, trained on March data",
      tags: { owner: "risk-team" },
    });
    // The precondition of the bug: the target's version has exactly the source's content.
    expect(theirs.artifacts.digest).toBe(made[0]?.artifacts.digest);
    const before = await mlflow.getVersion(theirs);

    const dry = await syncRegistries({ source: local, target: mlflow, models: [name], dryRun: true });
    expect(dry.plan.items.map((i) => i.action)).toEqual(["create", "create"]);
    expect(dry.plan.items.map(describeSyncItem)).toEqual([`copy ${name}/1 -> (new)`, `copy ${name}/2 -> (new)`]);
    expect(dry.plan.items[0]?.warnings.map((w) => [w.code, w.subject])).toEqual([["untracked-target-version", theirs.version]]);

    const report = await syncRegistries({ source: local, target: mlflow, models: [name] });
    expect(report.failures).toEqual([]);
    expect(report.counts).toMatchObject({ created: 2, updated: 0, conflicts: 0 });
    const targets = report.results.map((r) => r.targetVersion);
    expect(new Set(targets).size).toBe(2);
    expect(targets).not.toContain(theirs.version);

    const after = await mlflow.getVersion(theirs);
    expect(ownersView(after)).toEqual(ownersView(before));
    expect(after).toMatchObject({ metrics: { auc: 0.5 }, description: "ours, trained on March data", tags: { owner: "risk-team" } });
    expect(originOf(after)).toBeUndefined();
    for (const [i, result] of report.results.entries()) {
      const copy = await mlflow.getVersion({ model: name, version: result.targetVersion as string });
      expect(originOf(copy)).toMatchObject({ registry: "local", model: name, version: String(i + 1) });
      expect(copy.metrics).toEqual(made[i]?.metrics);
    }

    const again = await syncRegistries({ source: local, target: mlflow, models: [name] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.plan.items.map(describeSyncItem)).toEqual(
      report.results.map((r) => `skip ${name}/${r.item.sourceVersion} -> ${r.targetVersion}: already-synced`),
    );
    expect(await mlflow.listVersions(name).toArray()).toHaveLength(3);
    expect(ownersView(await mlflow.getVersion(theirs))).toEqual(ownersView(before));
  });

  it("three identical local versions settle in one run with one version in Production, and MLflow's own version keeps its stage", async () => {
    const name = unique("twin3");
    const { local } = await localTwins(name, [0.9, 0.91, 0.92]);
    await local.transitionStage(`${name}/1`, "production");
    await local.transitionStage(`${name}/2`, "staging");
    await local.transitionStage(`${name}/3`, "production", { archiveExisting: true });
    const theirs = await colleague.createVersion(name, { artifacts: { entries: files() }, metrics: { auc: 0.5 }, description: "ours" });
    await colleague.transitionStage(theirs, "staging");
    const before = await mlflow.getVersion(theirs);

    const report = await syncRegistries({ source: local, target: mlflow, models: [name] });
    expect(report.failures).toEqual([]);
    expect(report.counts.created).toBe(3);
    const copyOf = new Map(report.results.map((r) => [r.item.sourceVersion, r.targetVersion as string]));
    expect(new Set(copyOf.values()).size).toBe(3);
    expect(await productionVersions(mlflow, name)).toEqual([copyOf.get("3")]);
    expect((await mlflow.getVersion({ model: name, version: copyOf.get("1") as string })).stage).toBe("archived");
    expect(ownersView(await mlflow.getVersion(theirs))).toEqual(ownersView(before));

    const again = await syncRegistries({ source: local, target: mlflow, models: [name] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });

    // Production moves back at the source: the copy of 3 leaves Production before the copy of 1 enters it.
    await local.transitionStage(`${name}/1`, "production", { archiveExisting: true });
    const rollback = await syncRegistries({ source: local, target: mlflow, models: [name] });
    expect(rollback.failures).toEqual([]);
    expect(rollback.counts).toMatchObject({ created: 0, updated: 2 });
    expect(await productionVersions(mlflow, name)).toEqual([copyOf.get("1")]);
    expect(ownersView(await mlflow.getVersion(theirs))).toEqual(ownersView(before));
  });

  it("does not put a copy in Production while a version it did not make is there, and says so", async () => {
    const name = unique("twin-prod");
    const { local } = await localTwins(name, [0.9]);
    await local.transitionStage(`${name}/1`, "production");
    const theirs = await colleague.createVersion(name, { artifacts: { entries: files() }, metrics: { auc: 0.5 } });
    await colleague.transitionStage(theirs, "production");
    const before = await mlflow.getVersion(theirs);

    const report = await syncRegistries({ source: local, target: mlflow, models: [name] });
    expect(report.failures).toEqual([]);
    expect(report.counts.created).toBe(1);
    expect(report.plan.items[0]?.warnings.map((w) => [w.code, w.subject])).toContainEqual(["stage-held", "production"]);
    expect(await productionVersions(mlflow, name)).toEqual([theirs.version]);
    expect(ownersView(await mlflow.getVersion(theirs))).toEqual(ownersView(before));
    expect((await syncRegistries({ source: local, target: mlflow, models: [name] })).counts).toMatchObject({ created: 0, updated: 0, skipped: 1 });
  });
});
