// Issue 13, item 1: provenance, not identical content, decides which target version is the copy of a source version.
// Sync changes only versions it made; each source version has its own copy; a run settles everything at once; and
// sync never leaves two target versions in production.
import { describe, expect, it } from "vitest";
import type { ModelRegistry, ModelVersion } from "modelreg";
import { SYNC_TAGS, applySyncPlan, describeSyncItem, originOf, planSync, syncRegistries, type SyncPlanItem } from "modelreg/sync";
import { seedVersion, twoRegistries } from "./support/helpers.js";

const SAME = { "model.bin": "identical weights", "conf/params.json": '{"depth":6}' };

/** Everything about a version its owner would notice changing, including when it last changed. */
const ownersView = (v: ModelVersion) => ({
  description: v.description,
  metrics: v.metrics,
  tags: v.tags,
  aliases: [...v.aliases].sort(),
  stage: v.stage,
  lineage: v.lineage,
  updatedAt: v.updatedAt.getTime(),
});

const inProduction = async (registry: ModelRegistry, model: string) =>
  (await registry.listVersions(model).toArray())
    .filter((v) => v.stage === "production")
    .map((v) => v.version)
    .sort();

const codes = (item: SyncPlanItem | undefined) => item?.warnings.map((w) => [w.code, w.subject]);

describe("sync matches copies by provenance only", () => {
  it("gives two identical source versions their own copies and leaves the target's identical version alone; the next run is a no-op", async () => {
    const { source, target } = await twoRegistries();
    const s1 = await seedVersion(source, "twin", SAME, { metrics: { auc: 0.9 } });
    const s2 = await seedVersion(source, "twin", SAME, { metrics: { auc: 0.92 } });
    const theirs = await seedVersion(target, "twin", SAME, { metrics: { auc: 0.5 }, description: "theirs", tags: { owner: "risk-team" }, aliases: ["mine"] });
    expect([s1.artifacts.digest, s2.artifacts.digest]).toEqual([theirs.artifacts.digest, theirs.artifacts.digest]);
    const before = ownersView(await target.getVersion(theirs));

    const plan = await planSync({ source, target, models: ["twin"] });
    expect(plan.summary).toEqual({ create: 2, update: 0, skip: 0, conflict: 0 });
    expect(plan.items.map(describeSyncItem)).toEqual(["copy twin/1 -> (new)", "copy twin/2 -> (new)"]);
    // Version 1 has theirs' number and content; version 2 its content. Both are told why the target gains versions.
    expect(codes(plan.items[0])).toEqual([["untracked-target-version", theirs.version]]);
    expect(codes(plan.items[1])).toEqual([["untracked-target-version", theirs.version]]);
    expect(plan.items[1]?.warnings[0]?.message).toMatch(/identical content/);

    const report = await applySyncPlan(plan);
    expect(report.counts).toMatchObject({ created: 2, updated: 0, failed: 0 });
    const [t1, t2] = report.results.map((r) => r.targetVersion);
    expect(new Set([t1, t2, theirs.version]).size).toBe(3);
    expect(ownersView(await target.getVersion(theirs))).toEqual(before);
    expect(originOf(await target.getVersion(theirs))).toBeUndefined();
    expect((await target.getVersion({ model: "twin", version: t1 as string })).metrics).toEqual({ auc: 0.9 });
    expect((await target.getVersion({ model: "twin", version: t2 as string })).metrics).toEqual({ auc: 0.92 });

    const again = await syncRegistries({ source, target, models: ["twin"] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.plan.items.map(describeSyncItem)).toEqual([`skip twin/1 -> ${t1}: already-synced`, `skip twin/2 -> ${t2}: already-synced`]);
    expect(ownersView(await target.getVersion(theirs))).toEqual(before);
  });

  it("treats another source's copy with identical content as someone else's", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "twin", SAME);
    await syncRegistries({ source, target, models: ["twin"], sourceName: "laptop" });
    const laptops = (await target.listVersions("twin").toArray())[0] as ModelVersion;
    const before = ownersView(laptops);

    const plan = await planSync({ source, target, models: ["twin"], sourceName: "ci" });
    expect(plan.items.map(describeSyncItem)).toEqual(["copy twin/1 -> (new)"]);
    expect(plan.items[0]?.warnings[0]?.message).toMatch(/copy from "laptop", not from this source and holds identical content/);
    await applySyncPlan(plan);
    expect(ownersView(await target.getVersion(laptops))).toEqual(before);
    expect(originOf(await target.getVersion(laptops))?.registry).toBe("laptop");
  });

  it("settles three identical source versions in one run, with one version in production", async () => {
    const { source, target } = await twoRegistries();
    for (const auc of [0.9, 0.91, 0.92]) await seedVersion(source, "twin", SAME, { metrics: { auc } });
    await source.transitionStage("twin/1", "production");
    await source.transitionStage("twin/2", "staging");
    await source.transitionStage("twin/3", "production", { archiveExisting: true });
    const theirs = await seedVersion(target, "twin", SAME, { metrics: { auc: 0.5 }, description: "theirs" });
    const before = ownersView(await target.getVersion(theirs));

    const first = await syncRegistries({ source, target, models: ["twin"] });
    expect(first.counts).toMatchObject({ created: 3, failed: 0 });
    const copyOf = new Map(first.results.map((r) => [r.item.sourceVersion, r.targetVersion as string]));
    expect(new Set([...copyOf.values(), theirs.version]).size).toBe(4);
    expect(await inProduction(target, "twin")).toEqual([copyOf.get("3")]);
    expect(ownersView(await target.getVersion(theirs))).toEqual(before);
    expect((await syncRegistries({ source, target, models: ["twin"] })).counts).toEqual({
      created: 0,
      updated: 0,
      skipped: 3,
      conflicts: 0,
      failed: 0,
      notStarted: 0,
    });
  });
});

describe("sync never leaves two target versions in production", () => {
  it("carries production only to the newest of several source versions there, and moves an older copy out of it", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "1" });
    await seedVersion(source, "fraud", { "m.bin": "2" });
    await source.transitionStage("fraud/1", "production");
    await syncRegistries({ source, target, models: ["fraud"] });
    expect(await inProduction(target, "fraud")).toEqual(["1"]);

    // The source now has both in production (stages as tags allow it); the target must not.
    await source.transitionStage("fraud/2", "production");
    const plan = await planSync({ source, target, models: ["fraud"] });
    expect(plan.items.map(describeSyncItem)).toEqual(["update fraud/1 -> 1: stage archived", "update fraud/2 -> 2: stage production"]);
    expect(codes(plan.items[0])).toEqual([["stage-limited", "production"]]);
    const report = await applySyncPlan(plan);
    expect(report.failures).toEqual([]);
    expect(await inProduction(target, "fraud")).toEqual(["2"]);
    expect((await syncRegistries({ source, target, models: ["fraud"] })).counts).toMatchObject({ created: 0, updated: 0, skipped: 2 });
  });

  it("moves production back (a rollback at the source) by taking the newer copy out first", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "1" });
    await seedVersion(source, "fraud", { "m.bin": "2" });
    await source.transitionStage("fraud/2", "production");
    await syncRegistries({ source, target, models: ["fraud"] });
    await source.transitionStage("fraud/1", "production", { archiveExisting: true });

    const order: string[] = [];
    const report = await syncRegistries({ source, target, models: ["fraud"], onEvent: (e) => e.type === "version.done" && order.push(e.version) });
    expect(report.failures).toEqual([]);
    expect(order).toEqual(["2", "1"]);
    // Results stay in plan order.
    expect(report.results.map((r) => r.item.sourceVersion)).toEqual(["1", "2"]);
    expect(await inProduction(target, "fraud")).toEqual(["1"]);
  });

  it("does not put a copy in production while a version it did not make is there, and leaves that version alone", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "source weights" });
    await source.transitionStage("fraud/1", "production");
    const theirs = await seedVersion(target, "fraud", { "m.bin": "their weights" });
    await target.transitionStage(theirs, "production");
    const before = ownersView(await target.getVersion(theirs));

    const plan = await planSync({ source, target, models: ["fraud"] });
    expect(plan.items.map(describeSyncItem)).toEqual(["copy fraud/1 -> (new)"]);
    expect(codes(plan.items[0])).toEqual([
      ["untracked-target-version", "1"],
      ["stage-held", "production"],
    ]);
    await applySyncPlan(plan);
    expect(await inProduction(target, "fraud")).toEqual([theirs.version]);
    expect(ownersView(await target.getVersion(theirs))).toEqual(before);

    // Once its owner takes theirs out of production, the copy goes in.
    await target.transitionStage(theirs, "archived");
    const next = await syncRegistries({ source, target, models: ["fraud"] });
    expect(next.plan.items.map(describeSyncItem)).toEqual(["update fraud/1 -> 2: stage production"]);
    expect(await inProduction(target, "fraud")).toEqual(["2"]);
  });

  it("counts a copy in conflict, which it leaves alone, as a version it does not manage", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "1" });
    await source.transitionStage("fraud/1", "production");
    await syncRegistries({ source, target, models: ["fraud"] });
    await target.updateVersion("fraud/1", { tags: { [SYNC_TAGS.digest]: "sha256:tampered" } });
    await seedVersion(source, "fraud", { "m.bin": "2" });
    await source.transitionStage("fraud/2", "production", { archiveExisting: true });

    const report = await syncRegistries({ source, target, models: ["fraud"] });
    expect(report.plan.items.map((i) => i.action)).toEqual(["conflict", "create"]);
    expect(codes(report.plan.items[1])).toEqual([["stage-held", "production"]]);
    expect(report.failures).toEqual([]);
    expect(await inProduction(target, "fraud")).toEqual(["1"]);
  });

  it("refuses to promote when someone put a version in production after planning", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "source weights" });
    await source.transitionStage("fraud/1", "production");
    const theirs = await seedVersion(target, "fraud", { "m.bin": "their weights" });
    const plan = await planSync({ source, target, models: ["fraud"] });
    await target.transitionStage(theirs, "production");

    const report = await applySyncPlan(plan);
    expect(report.counts).toMatchObject({ created: 0, failed: 1 });
    expect(report.failures[0]?.error.name).toBe("ConflictError");
    expect(report.failures[0]?.error.message).toMatch(/target version 1 of fraud is in production/);
    expect(await inProduction(target, "fraud")).toEqual([theirs.version]);
    // The copy exists with its provenance; it is simply not in production.
    const copy = (await target.listVersions("fraud").toArray()).find((v) => v.tags[SYNC_TAGS.version] === "1");
    expect(copy?.stage).toBe("draft");
  });
});

describe("describeSyncItem", () => {
  it("names the target version of updates, skips and conflicts, and none for versions filtered out", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "1" });
    await seedVersion(source, "fraud", { "m.bin": "2" }, { aliases: ["champion"] });
    await syncRegistries({ source, target, models: ["fraud"] });
    await source.updateVersion("fraud/2", { description: "retrained" });
    await source.transitionStage("fraud/2", "staging");

    const plan = await planSync({ source, target, models: ["fraud"], versions: "aliased" });
    expect(plan.items.map(describeSyncItem)).toEqual(["skip fraud/1: filtered-out", "update fraud/2 -> 2: stage staging, metadata description"]);
  });
});
