import { describe, expect, it } from "vitest";
import type { ModelVersion } from "modelreg";
import { SYNC_TAGS, applySyncPlan, planSync, syncRegistries, type SyncPlanItem } from "modelreg/sync";
import { seedVersion, twoRegistries, wrap } from "./support/helpers.js";

const item = (items: SyncPlanItem[], version: string) => {
  const found = items.find((i) => i.sourceVersion === version);
  expect(found, `plan item for version ${version}`).toBeDefined();
  return found as SyncPlanItem;
};

describe("planSync", () => {
  it("lists create items with the aliases and stage to carry, and reads nothing into the target", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "model.bin": "one" });
    await seedVersion(source, "fraud", { "model.bin": "two" }, { aliases: ["champion"] });
    await source.transitionStage("fraud/2", "staging");

    const plan = await planSync({ source, target, models: ["fraud"] });
    expect(plan.sourceName).toBe("local");
    expect(plan.summary).toEqual({ create: 2, update: 0, skip: 0, conflict: 0 });
    expect(plan.items.map((i) => [i.sourceVersion, i.action])).toEqual([
      ["1", "create"],
      ["2", "create"],
    ]);
    const v2 = item(plan.items, "2");
    expect(v2.action === "create" && v2.changes).toEqual([
      { kind: "alias", alias: "champion" },
      { kind: "stage", from: "draft", to: "staging" },
    ]);
    expect(v2.digest).toBe((await source.getVersion("fraud/2")).artifacts.digest);
    expect(item(plan.items, "1").action === "create" && (item(plan.items, "1") as { changes: unknown[] }).changes).toEqual([]);
    await expect(target.listModels().toArray()).resolves.toEqual([]);
  });

  it("after a sync, lists unchanged versions as skip already-synced and changed ones as update with what differs", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "a.bin": "1" }, { aliases: ["champion"], metrics: { auc: 0.8 } });
    await seedVersion(source, "fraud", { "a.bin": "2" }, { metrics: { auc: 0.9 } });
    await seedVersion(source, "fraud", { "a.bin": "3" });
    await syncRegistries({ source, target, models: ["fraud"] });

    await source.setAlias("fraud", "champion", "2");
    await source.updateVersion("fraud/3", { description: "retrained", tags: { team: "risk" }, metrics: { auc: 0.95 } });
    await source.transitionStage("fraud/3", "production");

    const plan = await planSync({ source, target, models: ["fraud"] });
    const copies = await target.listVersions("fraud").toArray();
    const copyOf = (v: string) => copies.find((c) => c.tags[SYNC_TAGS.version] === v) as ModelVersion;
    expect(plan.summary).toEqual({ create: 0, update: 2, skip: 1, conflict: 0 });
    expect(item(plan.items, "1")).toMatchObject({ action: "skip", reason: "already-synced", targetVersion: copyOf("1").version });
    expect(item(plan.items, "2")).toMatchObject({
      action: "update",
      targetVersion: copyOf("2").version,
      changes: [{ kind: "alias", alias: "champion", previous: copyOf("1").version }],
    });
    const v3 = item(plan.items, "3");
    expect(v3.action).toBe("update");
    expect(v3.action === "update" && v3.changes).toEqual([
      { kind: "stage", from: "draft", to: "production" },
      { kind: "metadata", field: "description" },
      { kind: "metadata", field: "tags", keys: ["team"] },
      { kind: "metadata", field: "metrics", keys: ["auc"] },
    ]);

    const report = await applySyncPlan(plan);
    expect(report.counts).toMatchObject({ created: 0, updated: 2, skipped: 1, failed: 0 });
    const moved = report.results.find((r) => r.item.sourceVersion === "2");
    expect(moved?.movedAliases).toEqual([{ alias: "champion", previous: copyOf("1").version }]);
    const after = await target.getVersion({ model: "fraud", version: copyOf("3").version });
    expect(after).toMatchObject({ description: "retrained", stage: "production", metrics: { auc: 0.95 } });
    expect(after.tags.team).toBe("risk");
    expect(await target.resolveAlias("fraud", "champion")).toBe(copyOf("2").version);
    expect((await planSync({ source, target, models: ["fraud"] })).summary).toEqual({ create: 0, update: 0, skip: 3, conflict: 0 });
  });

  it("filters versions: aliased, a predicate, and omitted models mean every model", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "a.bin": "1" });
    await seedVersion(source, "fraud", { "a.bin": "2" }, { aliases: ["champion"] });
    await seedVersion(source, "churn", { "a.bin": "3" }, { metrics: { auc: 0.99 } });
    await seedVersion(source, "churn", { "a.bin": "4" }, { metrics: { auc: 0.5 } });

    const aliased = await planSync({ source, target, versions: "aliased" });
    expect(aliased.models.sort()).toEqual(["churn", "fraud"]);
    expect(aliased.items.map((i) => `${i.model}/${i.sourceVersion}:${i.action}${i.action === "skip" ? `:${i.reason}` : ""}`).sort()).toEqual([
      "churn/1:skip:filtered-out",
      "churn/2:skip:filtered-out",
      "fraud/1:skip:filtered-out",
      "fraud/2:create",
    ]);

    const good = await planSync({ source, target, models: (m) => m.name === "churn", versions: (v) => (v.metrics.auc ?? 0) > 0.9 });
    expect(good.models).toEqual(["churn"]);
    expect(good.items.map((i) => [i.sourceVersion, i.action])).toEqual([
      ["1", "create"],
      ["2", "skip"],
    ]);

    const report = await applySyncPlan(aliased);
    expect(report.counts.created).toBe(1);
    const copies = await target.listVersions("fraud").toArray();
    expect(copies.map((c) => c.tags[SYNC_TAGS.version])).toEqual(["2"]);
    await expect(target.listVersions("churn").toArray()).rejects.toMatchObject({ kind: "NotFoundError" });
  });

  it("warns about what cannot travel: aliases on a target without them, reserved aliases, one-per-stage targets, bad tags", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "a.bin": "1" }, { aliases: ["production", "champion"] });
    await seedVersion(source, "fraud", { "a.bin": "2" });
    await source.transitionStage("fraud/1", "production");
    await source.transitionStage("fraud/2", "production");

    const noAliases = wrap(target, { capabilities: { ...target.capabilities, aliases: false } });
    const plan1 = await planSync({ source, target: noAliases, models: ["fraud"] });
    // Two source versions in production: only the newest carries it, on any target, so the target never has two.
    expect(item(plan1.items, "1").warnings.map((w) => w.code)).toEqual(["aliases-unsupported", "stage-limited"]);
    expect(item(plan1.items, "1").action === "create" && (item(plan1.items, "1") as { changes: unknown[] }).changes).toEqual([]);
    expect(item(plan1.items, "2").action === "create" && (item(plan1.items, "2") as { changes: unknown[] }).changes).toEqual([
      { kind: "stage", from: "draft", to: "production" },
    ]);

    // A W&B-like target: it manages `production` itself and keeps each stage as one alias.
    const wandbLike = wrap(target, { provider: "wandb", capabilities: { ...target.capabilities, stages: "alias" } });
    const plan2 = await planSync({ source, target: wandbLike, models: ["fraud"] });
    const v1 = item(plan2.items, "1");
    expect(v1.warnings.map((w) => [w.code, w.subject])).toEqual([
      ["alias-reserved", "production"],
      ["stage-limited", "production"],
    ]);
    expect(v1.action === "create" && v1.changes).toEqual([{ kind: "alias", alias: "champion" }]);
    const v2 = item(plan2.items, "2");
    expect(v2.warnings).toEqual([]);
    expect(v2.action === "create" && v2.changes).toEqual([{ kind: "stage", from: "draft", to: "production" }]);

    // A provider that hands back a tag no registry accepts (a control character in the key).
    const odd = wrap(source, {
      listVersions: (model: string, options?: object) => {
        const inner = source.listVersions(model, options);
        return { ...inner, toArray: async () => (await inner.toArray()).map((v) => ({ ...v, tags: { ...v.tags, "bad\u0001key": "x", good: "y" } })) };
      },
    });
    const plan3 = await planSync({ source: odd, target, models: ["fraud"] });
    expect(item(plan3.items, "2").warnings.map((w) => [w.code, w.subject])).toEqual([["tag-invalid", "bad\u0001key"]]);
    const report = await applySyncPlan(plan3);
    expect(report.counts.created).toBe(2);
    const copy = (await target.listVersions("fraud").toArray())[0] as ModelVersion;
    expect(copy.tags.good).toBe("y");
    expect(Object.keys(copy.tags)).not.toContain("bad\u0001key");
  });
});
