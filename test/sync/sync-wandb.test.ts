// Sync between the local registry and W&B (the in-process W&B fake): local -> W&B and W&B -> local, with W&B's
// rules in play: versions numbered from 0 (local from 1), `latest`, `staging` and `production` managed by W&B
// (stages become those aliases, and only one version can hold each), identical content deduplicated.
import { describe, expect, it } from "vitest";
import type { ModelVersion } from "modelreg";
import { SYNC_TAGS, originOf, planSync, syncRegistries, type SyncCreateItem, type SyncPlanItem } from "modelreg/sync";
import { freshRegistry } from "../local/support/helpers.js";
import { useWandbFake } from "../wandb/support/setup.js";
import { ENTITY } from "../wandb/support/wandb-fake.js";
import { copiesBySource, expectSameFiles, prng, randomBytes, readFile, seedVersion, sha256, wrap } from "./support/helpers.js";

const { fake, registry } = useWandbFake();
const MiB = 1024 * 1024;
let n = 0;
/** A collection name no other test in this file uses (the fake keeps its state for the whole file). */
const fresh = (prefix: string) => `${prefix}-${++n}`;

const signature = {
  inputs: [
    { name: "amount", type: "double" as const },
    { name: "country", type: "string" as const },
  ],
  outputs: [{ type: "boolean" as const }],
};
const modelCard = { summary: "flags fraud", owners: ["risk@example.com"], limitations: "card-present only" };

const item = (items: SyncPlanItem[], version: string) => {
  const found = items.find((i) => i.sourceVersion === version);
  expect(found, `no plan item for version ${version}`).toBeDefined();
  return found as SyncPlanItem;
};
const codes = (i: SyncPlanItem) => i.warnings.map((w) => [w.code, w.subject]);

/** How many versions the fake logged (CreateArtifact calls), to prove a run logged nothing. */
const creates = () => fake.requests.filter((r) => r.operation === "CreateArtifact").length;

describe("sync local -> W&B", () => {
  it("copies files (one of 3 MiB, streamed), metadata, aliases and stages; numbers start at 0; a second run copies nothing", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const wandb = registry({ entity: ENTITY });
    const model = fresh("l2w");
    const weights = randomBytes(prng(11), 3 * MiB + 123);
    const v1 = await seedVersion(
      local,
      model,
      { "model.bin": weights, "conf/params.json": '{"depth":3}', "README.md": "# fraud\n" },
      {
        description: "first fraud model",
        params: { depth: 3, lr: 0.1 },
        metrics: { auc: 0.91, f1: 0.7 },
        tags: { team: "risk", "data.version": "2024-05" },
        lineage: { codeCommit: "abc123", codeRepository: "https://git.example/fraud", dataSnapshots: [{ uri: "s3://data/train", role: "train" }] },
        signature,
        modelCard,
        aliases: ["champion"],
      },
    );
    await local.transitionStage(`${model}/1`, "production");
    const v2 = await seedVersion(
      local,
      model,
      { "model.bin": "second weights", "conf/params.json": '{"depth":4}' },
      { description: "retrained", metrics: { auc: 0.93 }, aliases: ["candidate"] },
    );
    await local.transitionStage(`${model}/2`, "staging");

    const bytes: number[] = [];
    const report = await syncRegistries({ source: local, target: wandb, models: [model], onEvent: (e) => e.type === "bytes" && bytes.push(e.bytes) });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 2, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.bytesCopied).toBe(weights.byteLength + 11 + 8 + 14 + 11);
    // Streamed: progress came in many steps for the big file, not one.
    expect(bytes.length).toBeGreaterThan(3);
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
    expect((report.plan.items[0] as SyncCreateItem).changes).toEqual([
      { kind: "alias", alias: "champion" },
      { kind: "stage", from: "draft", to: "production" },
    ]);

    const copies = await copiesBySource(wandb, model);
    expect([...copies.keys()].sort()).toEqual(["1", "2"]);
    const c1 = copies.get("1") as ModelVersion;
    const c2 = copies.get("2") as ModelVersion;
    // W&B numbers from 0, in the source's order.
    expect([c1.version, c2.version]).toEqual(["0", "1"]);
    expect(report.results.map((r) => r.targetVersion)).toEqual(["0", "1"]);
    await expectSameFiles(local, `${model}/1`, wandb, c1);
    await expectSameFiles(local, `${model}/2`, wandb, c2);
    expect(sha256(await readFile(wandb, c1, "model.bin"))).toBe(sha256(weights));

    const origin1 = { registry: "local", model, version: "1", digest: v1.artifacts.digest as string };
    expect(c1).toMatchObject({
      description: "first fraud model",
      params: { depth: "3", lr: "0.1" },
      metrics: { auc: 0.91, f1: 0.7 },
      signature,
      modelCard,
      aliases: ["champion"],
      stage: "production",
    });
    expect(c1.tags).toEqual({
      team: "risk",
      "data.version": "2024-05",
      [SYNC_TAGS.source]: "local",
      [SYNC_TAGS.model]: model,
      [SYNC_TAGS.version]: "1",
      [SYNC_TAGS.digest]: v1.artifacts.digest,
    });
    expect(c1.lineage).toEqual({ ...v1.lineage, syncedFrom: origin1 });
    expect(originOf(c1)).toEqual(origin1);
    expect(c2).toMatchObject({ description: "retrained", metrics: { auc: 0.93 }, aliases: ["candidate"], stage: "staging" });
    expect(originOf(c2)).toEqual({ registry: "local", model, version: "2", digest: v2.artifacts.digest });
    // The stages are W&B's managed aliases, on the right versions; `latest` is W&B's own, on the newest.
    expect(await wandb.resolveAlias(model, "champion")).toBe("0");
    expect(await wandb.resolveAlias(model, "production")).toBe("0");
    expect(await wandb.resolveAlias(model, "staging")).toBe("1");
    expect(await wandb.resolveAlias(model, "candidate")).toBe("1");
    expect(await wandb.resolveAlias(model, "latest")).toBe("1");

    const logged = creates();
    const again = await syncRegistries({ source: local, target: wandb, models: [model] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.bytesCopied).toBe(0);
    expect(again.plan.items.map((i) => [i.action, i.action === "skip" && i.reason])).toEqual([
      ["skip", "already-synced"],
      ["skip", "already-synced"],
    ]);
    expect(creates()).toBe(logged);
    expect(await wandb.listVersions(model).toArray()).toHaveLength(2);
  });

  it("never carries W&B's managed aliases: each is a warning with its name, stages become the aliases, one version per stage", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const wandb = registry({ entity: ENTITY });
    const model = fresh("reserved");
    // The local registry lets users name aliases staging and production; W&B does not.
    await seedVersion(local, model, { "m.bin": "one" }, { aliases: ["production", "champion"] });
    await local.transitionStage(`${model}/1`, "production");
    await seedVersion(local, model, { "m.bin": "two" }, { aliases: ["staging"] });
    await local.transitionStage(`${model}/2`, "production");
    await seedVersion(local, model, { "m.bin": "three" });
    await local.transitionStage(`${model}/3`, "staging");
    expect((await local.listVersions(model, { stage: "production" }).toArray()).map((v) => v.version).sort()).toEqual(["1", "2"]);

    const plan = await planSync({ source: local, target: wandb, models: [model] });
    expect(plan.summary).toEqual({ create: 3, update: 0, skip: 0, conflict: 0 });
    const [p1, p2, p3] = ["1", "2", "3"].map((v) => item(plan.items, v) as SyncCreateItem);
    expect(codes(p1 as SyncPlanItem)).toEqual([
      ["alias-reserved", "production"],
      ["stage-limited", "production"],
    ]);
    expect(p1?.warnings[1]?.message).toMatch(/version 2 carries it/);
    expect(p1?.changes).toEqual([{ kind: "alias", alias: "champion" }]);
    expect(codes(p2 as SyncPlanItem)).toEqual([["alias-reserved", "staging"]]);
    expect(p2?.changes).toEqual([{ kind: "stage", from: "draft", to: "production" }]);
    expect(codes(p3 as SyncPlanItem)).toEqual([]);
    expect(p3?.changes).toEqual([{ kind: "stage", from: "draft", to: "staging" }]);
    // Every source alias is either a change or a warning: none is dropped without a word.
    for (const i of plan.items as SyncCreateItem[]) {
      const carried = i.changes.flatMap((c) => (c.kind === "alias" ? [c.alias] : []));
      const warned = i.warnings.filter((w) => w.code === "alias-reserved").map((w) => w.subject);
      expect([...carried, ...warned].sort()).toEqual([...i.source.aliases].sort());
    }

    // `latest` is reserved everywhere; a source that reports it (another provider's) gets a warning for it too.
    const withLatest = wrap(local, {
      listVersions: (m: string, o?: object) => ({
        toArray: async () => (await local.listVersions(m, o).toArray()).map((v) => (v.version === "3" ? { ...v, aliases: ["latest"] } : v)),
      }),
    });
    const latestPlan = await planSync({ source: withLatest, target: wandb, models: [model] });
    expect(codes(item(latestPlan.items, "3"))).toEqual([["alias-reserved", "latest"]]);
    expect((item(latestPlan.items, "3") as SyncCreateItem).changes).toEqual([{ kind: "stage", from: "draft", to: "staging" }]);

    const report = await syncRegistries({ source: local, target: wandb, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts.created).toBe(3);
    const copies = await copiesBySource(wandb, model);
    expect([1, 2, 3].map((v) => copies.get(String(v))?.version)).toEqual(["0", "1", "2"]);
    expect(copies.get("1")).toMatchObject({ aliases: ["champion"], stage: "draft" });
    expect(copies.get("2")).toMatchObject({ aliases: [], stage: "production" });
    expect(copies.get("3")).toMatchObject({ aliases: [], stage: "staging" });
    expect(await wandb.resolveAlias(model, "production")).toBe("1");
    expect(await wandb.resolveAlias(model, "staging")).toBe("2");
    expect(await wandb.resolveAlias(model, "latest")).toBe("2");
    expect(Object.keys((await wandb.getModel(model)).aliases)).toEqual(["champion"]);

    // The next run agrees with what is there and still says what it could not carry.
    const again = await syncRegistries({ source: local, target: wandb, models: [model] });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, skipped: 3, failed: 0 });
    expect(codes(item(again.plan.items, "1"))).toEqual([
      ["alias-reserved", "production"],
      ["stage-limited", "production"],
    ]);
    expect(codes(item(again.plan.items, "2"))).toEqual([["alias-reserved", "staging"]]);
  });

  it("moves an alias a W&B version of its own holds to the copy, reports the previous holder, and leaves that version alone", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const wandb = registry({ entity: ENTITY });
    const model = fresh("alias-conflict");
    const own = await wandb.createVersion(model, {
      artifacts: { entries: [{ path: "m.bin", content: "W&B's own weights" }] },
      aliases: ["champion"],
      tags: { owner: "wandb" },
    });
    expect(own.version).toBe("0");
    await seedVersion(local, model, { "m.bin": "local weights" }, { aliases: ["champion"] });

    const plan = await planSync({ source: local, target: wandb, models: [model] });
    const p = item(plan.items, "1") as SyncCreateItem;
    expect(p.action).toBe("create");
    expect(p.changes).toEqual([{ kind: "alias", alias: "champion", previous: "0" }]);
    const report = await syncRegistries({ source: local, target: wandb, models: [model] });
    expect(report.counts.created).toBe(1);
    expect(report.results[0]).toMatchObject({ status: "created", targetVersion: "1", movedAliases: [{ alias: "champion", previous: "0" }] });
    expect(await wandb.resolveAlias(model, "champion")).toBe("1");
    const untouched = await wandb.getVersion(`${model}/0`);
    expect(untouched).toMatchObject({ aliases: [], tags: { owner: "wandb" } });
    expect(originOf(untouched)).toBeUndefined();
    expect(new TextDecoder().decode(await readFile(wandb, `${model}/0`, "m.bin"))).toBe("W&B's own weights");
    expect((await syncRegistries({ source: local, target: wandb, models: [model] })).counts).toMatchObject({ created: 0, skipped: 1 });
  });

  it("reports a W&B copy whose recorded digest no longer matches the source as a conflict and changes nothing", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const wandb = registry({ entity: ENTITY });
    const model = fresh("digest-conflict");
    await seedVersion(local, model, { "m.bin": "weights" }, { aliases: ["champion"] });
    expect((await syncRegistries({ source: local, target: wandb, models: [model] })).counts.created).toBe(1);
    // The copy is tampered with: it now claims other content.
    await wandb.updateVersion(`${model}/0`, { tags: { [SYNC_TAGS.digest]: `sha256:${"0".repeat(64)}` } });
    await local.updateVersion(`${model}/1`, { description: "changed at the source" });
    const before = await wandb.getVersion(`${model}/0`);
    const logged = creates();

    const report = await syncRegistries({ source: local, target: wandb, models: [model] });
    expect(report.counts).toEqual({ created: 0, updated: 0, skipped: 0, conflicts: 1, failed: 0, notStarted: 0 });
    const p = item(report.plan.items, "1");
    expect(p).toMatchObject({ action: "conflict", targetVersion: "0", targetDigest: `sha256:${"0".repeat(64)}` });
    const after = await wandb.getVersion(`${model}/0`);
    expect(after.description).toBe(before.description);
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    expect(creates()).toBe(logged);
  });
  it("W&B keeps one version per content: a source version whose bytes W&B already has is a typed failure that changes nothing, never an adoption or a phantom copy", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const wandb = registry({ entity: ENTITY });
    const model = fresh("dedup");
    await wandb.createVersion(model, {
      artifacts: { entries: [{ path: "m.bin", content: "W&B had these bytes first" }] },
      description: "logged by hand",
      metrics: { auc: 0.5 },
      tags: { owner: "wandb" },
    });
    const own = await wandb.getVersion(`${model}/0`);
    await seedVersion(local, model, { "m.bin": "same bytes" }, { description: "first", tags: { team: "risk" } });
    await seedVersion(local, model, { "m.bin": "same bytes" }, { description: "rebuilt, identical", aliases: ["rebuilt"] });
    await seedVersion(local, model, { "m.bin": "W&B had these bytes first" }, { description: "the same as W&B's", aliases: ["mine"], metrics: { auc: 0.8 } });

    const report = await syncRegistries({ source: local, target: wandb, models: [model] });
    expect(report.results.map((r) => [r.item.sourceVersion, r.status, r.targetVersion])).toEqual([
      ["1", "created", "1"],
      ["2", "failed", undefined],
      ["3", "failed", undefined],
    ]);
    expect(report.counts).toMatchObject({ created: 1, failed: 2 });
    expect(report.failures.map((f) => [f.version, f.error.name])).toEqual([
      ["2", "ConflictError"],
      ["3", "ConflictError"],
    ]);
    expect(report.failures[0]?.error.message).toMatch(/version 1, the copy of .*\/1 from "local" with identical content/);
    expect(report.failures[1]?.error.message).toMatch(/version 0, a version sync did not make with identical content.*version 0 is left as it is/);
    // W&B's own version is not sync's: its metadata, aliases and provenance are as its owner left them.
    const after = await wandb.getVersion(`${model}/0`);
    expect(after).toMatchObject({ description: "logged by hand", metrics: { auc: 0.5 } });
    expect(after.tags).toEqual(own.tags);
    expect(after.aliases).toEqual(own.aliases);
    expect(originOf(after)).toBeUndefined();
    expect(await wandb.getVersion(`${model}/1`)).toMatchObject({ description: "first", aliases: [], tags: { team: "risk", [SYNC_TAGS.version]: "1" } });
    expect(await wandb.listVersions(model).toArray()).toHaveLength(2);

    // The next run copies nothing, changes nothing, and says again why versions 2 and 3 are not there.
    const again = await syncRegistries({ source: local, target: wandb, models: [model] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 1, conflicts: 0, failed: 2, notStarted: 0 });
    expect(again.failures.map((f) => [f.version, f.error.name])).toEqual([
      ["2", "ConflictError"],
      ["3", "ConflictError"],
    ]);
    expect(await wandb.getVersion(`${model}/0`)).toMatchObject({ description: "logged by hand", metrics: { auc: 0.5 } });
    await expect(wandb.resolveAlias(model, "rebuilt")).rejects.toThrow();
    await expect(wandb.resolveAlias(model, "mine")).rejects.toThrow();
  });
});

describe("sync W&B -> local", () => {
  it("copies W&B versions 0.. into local versions 1.., stage aliases as stages, W&B's own aliases left behind; a second run copies nothing", async () => {
    const wandb = registry({ entity: ENTITY });
    const { registry: local } = await freshRegistry({ actor: "target" });
    const model = fresh("w2l");
    const weights = randomBytes(prng(5), 3 * MiB + 7);
    const w0 = await wandb.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: weights },
          { path: "conf/params.json", content: '{"depth":3}' },
          { path: "deep/er/notes.txt", content: "notes" },
        ],
      },
      description: "logged from a run",
      params: { depth: 3 },
      metrics: { auc: 0.9 },
      tags: { team: "risk" },
      lineage: { sourceRun: "test-team/models/abc123", dataSnapshots: [{ uri: "wandb-artifact://data:v3", role: "train" }] },
      signature,
      modelCard,
      aliases: ["champion"],
    });
    await wandb.transitionStage(w0, "production");
    const w1 = await wandb.createVersion(model, {
      artifacts: { entries: [{ path: "model.bin", content: "v1 weights" }] },
      aliases: ["candidate"],
      metrics: { auc: 0.92 },
    });
    await wandb.transitionStage(w1, "staging");
    const w2 = await wandb.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "v2 weights" }] } });
    expect([w0.version, w1.version, w2.version]).toEqual(["0", "1", "2"]);

    const report = await syncRegistries({ source: wandb, target: local, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 3, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.bytesCopied).toBe(weights.byteLength + 11 + 5 + 10 + 10);
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);

    const copies = await copiesBySource(local, model);
    expect(["0", "1", "2"].map((v) => copies.get(v)?.version)).toEqual(["1", "2", "3"]);
    for (const [from, copy] of copies) await expectSameFiles(wandb, { model, version: from }, local, copy);
    const c0 = copies.get("0") as ModelVersion;
    const sourceV0 = await wandb.getVersion(`${model}/0`);
    const origin0 = { registry: "wandb", model, version: "0", digest: sourceV0.artifacts.digest as string };
    expect(c0).toMatchObject({
      description: "logged from a run",
      params: { depth: "3" },
      metrics: { auc: 0.9 },
      signature,
      modelCard,
      aliases: ["champion"],
      stage: "production",
    });
    expect(c0.tags).toEqual({
      team: "risk",
      [SYNC_TAGS.source]: "wandb",
      [SYNC_TAGS.model]: model,
      [SYNC_TAGS.version]: "0",
      [SYNC_TAGS.digest]: sourceV0.artifacts.digest,
    });
    expect(c0.lineage).toEqual({ ...w0.lineage, syncedFrom: origin0 });
    expect(copies.get("1")).toMatchObject({ aliases: ["candidate"], stage: "staging", metrics: { auc: 0.92 } });
    // `latest` is W&B's: the local copy of v2 does not get it as an alias.
    expect(copies.get("2")).toMatchObject({ aliases: [], stage: "draft" });
    expect(Object.fromEntries((await local.listAliases(model)).map((a) => [a.alias, a.version]))).toEqual({ champion: "1", candidate: "2" });

    const again = await syncRegistries({ source: wandb, target: local, models: [model] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });
    expect(await local.listVersions(model).toArray()).toHaveLength(3);

    // A change at the source travels as an update, without moving bytes.
    await wandb.updateVersion(`${model}/1`, { metrics: { auc: 0.95 }, description: "re-evaluated" });
    await wandb.setAlias(model, "champion", "1");
    const update = await syncRegistries({ source: wandb, target: local, models: [model] });
    expect(update.counts).toMatchObject({ created: 0, updated: 1, skipped: 2, failed: 0 });
    expect(update.bytesCopied).toBe(0);
    expect(update.results.find((r) => r.status === "updated")).toMatchObject({ targetVersion: "2", movedAliases: [{ alias: "champion", previous: "1" }] });
    expect(await local.getVersion(`${model}/2`)).toMatchObject({ metrics: { auc: 0.95 }, description: "re-evaluated", aliases: ["candidate", "champion"] });
    expect((await syncRegistries({ source: wandb, target: local, models: [model] })).counts).toMatchObject({ created: 0, updated: 0, skipped: 3 });
  });

  it("moves an alias a local version of its own holds to the copy, and copies beside a same-numbered local version", async () => {
    // The local target has its own version 1 with the alias the W&B source uses: the alias moves, the version is
    // kept, and its number clashing with a source number is reported, not overwritten.
    const wandb = registry({ entity: ENTITY });
    const { registry: local } = await freshRegistry({ actor: "target" });
    const model = fresh("w2l-conflict");
    await wandb.createVersion(model, { artifacts: { entries: [{ path: "m.bin", content: "w0" }] } });
    await wandb.createVersion(model, { artifacts: { entries: [{ path: "m.bin", content: "w1" }] }, aliases: ["champion"] });
    const own = await seedVersion(local, model, { "m.bin": "local's own" }, { aliases: ["champion"] });
    expect(own.version).toBe("1");

    const plan = await planSync({ source: wandb, target: local, models: [model] });
    expect(plan.summary).toEqual({ create: 2, update: 0, skip: 0, conflict: 0 });
    expect(codes(item(plan.items, "0"))).toEqual([]);
    expect(codes(item(plan.items, "1"))).toEqual([["untracked-target-version", "1"]]);
    expect((item(plan.items, "1") as SyncCreateItem).changes).toEqual([{ kind: "alias", alias: "champion", previous: "1" }]);
    const report = await syncRegistries({ source: wandb, target: local, models: [model] });
    expect(report.counts.created).toBe(2);
    // local/1 is the target's own and keeps no provenance; the copies come after it.
    const all = (await local.listVersions(model).toArray()).sort((a, b) => Number(a.version) - Number(b.version));
    expect(all.map((v) => [v.version, v.tags[SYNC_TAGS.version]])).toEqual([
      ["1", undefined],
      ["2", "0"],
      ["3", "1"],
    ]);
    expect(await local.resolveAlias(model, "champion")).toBe("3");
    expect(new TextDecoder().decode(await readFile(local, `${model}/1`, "m.bin"))).toBe("local's own");
  });
});
