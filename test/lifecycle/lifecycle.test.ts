import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalRegistry, type LocalRegistry } from "modelreg/local";
import {
  CorruptDataError,
  InvalidInputError,
  NotFoundError,
  PromotionBlockedError,
  type RegistryEvent,
  type CreateVersionInput,
  APPROVALS_TAG,
  approve,
  checkPromotion,
  listApprovals,
  metricGate,
  notWorseThanCurrent,
  promote,
  rollback,
} from "modelreg";

let root: string;
let registry: LocalRegistry;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "modelreg-lc-"));
  registry = createLocalRegistry({ root, actor: "tester" });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const governed = (auc: number): CreateVersionInput => ({
  artifacts: { entries: [{ path: "model.bin", content: `auc=${auc}` }] },
  metrics: { auc },
  modelCard: { summary: "scores transactions" },
  lineage: { codeCommit: "9f2c1e7", dataSnapshots: [{ uri: "s3://data/2026-11-01" }] },
  signature: { inputs: [{ name: "amount", type: "double" }] },
});

/** A second pair of eyes: the default Production policy wants one approval from someone other than the creator. */
async function approved<T extends { model: string; version: string }>(v: T): Promise<T> {
  await approve(registry, v, { by: "rita", role: "risk" });
  return v;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("metric gates", () => {
  it("passes and refuses on a threshold, in both forms, saying why", async () => {
    const v = await registry.createVersion("fraud", governed(0.88));
    const ok = await promote(registry, v, { to: "staging", gates: [metricGate("auc", ">=", 0.8)] });
    expect(ok.gates).toEqual([{ name: "metric:auc>=0.8", passed: true, message: "auc is 0.88, meets >= 0.8" }]);
    const error = await rejection(promote(registry, v, { to: { alias: "champion" }, gates: [metricGate("metrics.auc >= 0.9")] }));
    expect(PromotionBlockedError.isInstance(error)).toBe(true);
    expect((error as PromotionBlockedError).failures).toEqual([{ gate: "metric:auc>=0.9", reason: "auc is 0.88, needs >= 0.9" }]);
  });

  it("refuses a version without the metric, and expressions that do not parse", async () => {
    const v = await registry.createVersion("fraud", { artifacts: { entries: [{ path: "m", content: "x" }] } });
    const error = await rejection(promote(registry, v, { to: "staging", gates: [metricGate("auc > 0.5")] }));
    expect((error as PromotionBlockedError).failures[0]?.reason).toMatch(/has no metric auc/);
    expect(() => metricGate("auc is great")).toThrow(InvalidInputError);
    expect(() => metricGate("auc", "=>" as never, 1)).toThrow(InvalidInputError);
    expect(() => metricGate("auc", ">=", Number.NaN)).toThrow(InvalidInputError);
  });

  it("takes a metric comparison as a string wherever a gate goes, in options and in a policy", async () => {
    const v = await registry.createVersion("fraud", governed(0.88));
    const check = await checkPromotion(registry, v, { to: "staging", gates: ["auc >= 0.8", "loss < 1"] });
    expect(check.gates.map((g) => [g.name, g.passed])).toEqual([
      ["metric:auc>=0.8", true],
      ["metric:loss<1", false],
    ]);
    const policy = { stages: { staging: { gates: ["auc >= 0.95"] } } };
    const error = await rejection(promote(registry, v, { to: "staging", policy }));
    expect((error as PromotionBlockedError).failures).toEqual([{ gate: "metric:auc>=0.95", reason: "auc is 0.88, needs >= 0.95" }]);
    expect((await registry.getVersion(v)).stage).toBe("draft");
    await expect(checkPromotion(registry, v, { to: "staging", gates: ["auc is great"] })).rejects.toThrow(InvalidInputError);
  });
});

describe("promote", () => {
  it("blocks a worse model with notWorseThanCurrent and leaves alias and stage untouched", async () => {
    const good = await registry.createVersion("fraud", governed(0.93));
    const worse = await approved(await registry.createVersion("fraud", governed(0.9)));
    await promote(registry, await approved(good), { to: "production" });
    await registry.setAlias("fraud", "champion", good.version);
    for (const to of ["production", { alias: "champion" }] as const) {
      const error = await rejection(promote(registry, worse, { to, gates: [notWorseThanCurrent("auc")] }));
      expect((error as PromotionBlockedError).failures).toEqual([{ gate: "not-worse:auc", reason: "auc 0.9 is worse than 0.93 of the current version 1" }]);
    }
    expect(await registry.resolveAlias("fraud", "champion")).toBe("1");
    expect((await registry.getVersion("fraud/1")).stage).toBe("production");
    expect((await registry.getVersion("fraud/2")).stage).toBe("draft");
    const blocked = await registry.listAuditEvents({ types: ["promotion.blocked"] }).toArray();
    expect(blocked).toHaveLength(2);
  });

  it("lets the first version through notWorseThanCurrent, saying nothing holds the target", async () => {
    const v = await registry.createVersion("fraud", governed(0.5));
    const result = await promote(registry, v, { to: { alias: "champion" }, gates: [notWorseThanCurrent("loss", { direction: "lower" })] });
    expect(result.gates[0]).toMatchObject({ passed: true, message: "nothing holds the target yet" });
  });

  it("applies the default policy to Production and names every missing piece", async () => {
    const bare = await registry.createVersion("fraud", { artifacts: { entries: [{ path: "m", content: "x" }] }, lineage: { codeCommit: "abc" } });
    const error = await rejection(promote(registry, bare, { to: "production" }));
    expect((error as PromotionBlockedError).failures.map((f) => f.gate)).toEqual(["model-card", "lineage", "signature", "approvals"]);
    expect((error as Error).message).toMatch(/lineage lacks a data snapshot/);
    expect((await registry.getVersion(bare)).stage).toBe("draft");
    // Staging has no default requirements, and policy: false turns the default off.
    await promote(registry, bare, { to: "staging" });
    await promote(registry, bare, { to: "production", policy: false });
    expect((await registry.getVersion(bare)).stage).toBe("production");
  });

  it("archives the previous Production version and records the promotion with its gates", async () => {
    const a = await registry.createVersion("fraud", governed(0.9));
    const b = await registry.createVersion("fraud", governed(0.95));
    await promote(registry, await approved(a), { to: "production" });
    const result = await promote(registry, await approved(b), { to: "production", gates: [notWorseThanCurrent("auc")] });
    expect(result).toMatchObject({ from: "1", version: "2", allowed: true });
    expect((await registry.getVersion(a)).stage).toBe("archived");
    const [done] = (await registry.listAuditEvents({ types: ["promotion.completed"] }).toArray()).slice(-1);
    expect(done).toMatchObject({ from: "1", to: "2", stage: "production" });
    expect((done?.details as { gates: unknown[] }).gates).toHaveLength(4);
  });

  it("counts approvals by person and by role, and says what is missing", async () => {
    const v = await registry.createVersion("fraud", governed(0.95));
    const policy = { stages: { production: { approvals: { count: 2, roles: { risk: 1 } } } } };
    const before = await checkPromotion(registry, v, { to: "production", policy });
    const others = "from someone other than its creator tester";
    expect(before.failures.map((f) => f.reason)).toEqual([
      `fraud/1 needs 2 approval(s) ${others}, has 0`,
      `fraud/1 needs 1 approval(s) from role risk ${others}, has 0`,
    ]);
    await approve(registry, v, { by: "ann", role: "ml", comment: "metrics reviewed" });
    await approve(registry, v, { by: "ann", role: "ml" });
    const error = await rejection(promote(registry, v, { to: "production", policy }));
    expect((error as PromotionBlockedError).failures.map((f) => f.reason)).toEqual([
      `fraud/1 needs 2 approval(s) ${others}, has 1`,
      `fraud/1 needs 1 approval(s) from role risk ${others}, has 0`,
    ]);
    await approve(registry, v, { by: "raj", role: "risk" });
    expect((await listApprovals(registry, v)).map((a) => [a.by, a.role])).toEqual([
      ["ann", "ml"],
      ["raj", "risk"],
    ]);
    await promote(registry, v, { to: "production", policy });
    const events = await registry.listAuditEvents({ types: ["approval.recorded"] }).toArray();
    expect(events.map((e) => e.actor)).toEqual(["ann", "ann", "raj"]);
  });

  it("refuses bad input before touching the registry", async () => {
    const v = await registry.createVersion("fraud", governed(0.9));
    await expect(approve(registry, v, { by: " " })).rejects.toThrow(InvalidInputError);
    await expect(promote(registry, v, { to: "prod" as never })).rejects.toThrow(InvalidInputError);
    await expect(promote(registry, v, { to: { alias: "latest" } })).rejects.toThrow(InvalidInputError);
    await registry.updateVersion(v, { tags: { [APPROVALS_TAG]: "{oops" } });
    await expect(listApprovals(registry, v)).rejects.toThrow(CorruptDataError);
  });
});

describe("four eyes by default", () => {
  it("keeps an unapproved version out of Production, and does not count its creator's own approval", async () => {
    const v = await registry.createVersion("fraud", governed(0.95), { actor: "carl" });
    const unapproved = await rejection(promote(registry, v, { to: "production" }));
    expect((unapproved as PromotionBlockedError).failures).toEqual([
      { gate: "approvals", reason: "fraud/1 needs 1 approval(s) from someone other than its creator carl, has 0" },
    ]);
    // The same person under another case or with spaces is still the creator.
    for (const by of ["carl", " Carl "]) await approve(registry, v, { by });
    const self = await rejection(promote(registry, v, { to: "production" }));
    expect((self as PromotionBlockedError).failures[0]?.reason).toBe(
      "fraud/1 needs 1 approval(s) from someone other than its creator carl, has 0 (carl's own approval does not count)",
    );
    expect((await registry.getVersion(v)).stage).toBe("draft");
    await approve(registry, v, { by: "dana" });
    const result = await promote(registry, v, { to: "production" });
    expect(result.promoted.stage).toBe("production");
  });

  it("counts the creator's approval when a policy allows self-approval, and leaves staging and aliases alone", async () => {
    const v = await registry.createVersion("fraud", governed(0.95));
    await approve(registry, v, { by: "tester" });
    const policy = { stages: { production: { approvals: { count: 1, selfApproval: true } } } };
    expect((await checkPromotion(registry, v, { to: "production", policy })).allowed).toBe(true);
    expect((await checkPromotion(registry, v, { to: "production" })).allowed).toBe(false);
    for (const to of ["staging", { alias: "champion" }] as const) expect((await checkPromotion(registry, v, { to })).allowed).toBe(true);
  });

  it("refuses approvals it cannot tell from the creator's: a version with no recorded creator", async () => {
    const v = await approved(await registry.createVersion("fraud", governed(0.95)));
    const anonymous = new Proxy(registry, {
      get: (target, key) => {
        const value = Reflect.get(target, key, target) as unknown;
        if (key !== "getVersion" || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: Parameters<LocalRegistry["getVersion"]>) => ({ ...(await target.getVersion(...args)), createdBy: undefined });
      },
    });
    const error = await rejection(promote(anonymous, v, { to: "production" }));
    expect((error as PromotionBlockedError).failures).toEqual([
      {
        gate: "approvals",
        reason:
          "fraud/1 has no recorded creator, so its approvals cannot be shown to come from someone else (four eyes); pass a policy with selfApproval: true to count them anyway",
      },
    ]);
    await promote(anonymous, v, { to: "production", policy: { stages: { production: { approvals: { count: 1, selfApproval: true } } } } });
  });
});

describe("rollback", () => {
  it("refuses both alias and stage, and neither, before any request", async () => {
    const calls: string[] = [];
    const watched = new Proxy(registry, {
      get: (target, key) => {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const both = { alias: "champion", stage: "production" } as unknown as { alias: string };
    const error = await rejection(rollback(watched, "fraud", both));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: "target", message: expect.stringMatching(/either \{ alias \} or \{ stage \}, not both/) });
    for (const target of [{}, null, { alias: undefined, stage: undefined }]) {
      expect(InvalidInputError.isInstance(await rejection(rollback(watched, "fraud", target as never)))).toBe(true);
    }
    expect(calls).toEqual([]);
  });

  it("moves an alias back to its previous version, found in the audit trail", async () => {
    const a = await registry.createVersion("fraud", governed(0.9));
    const b = await registry.createVersion("fraud", governed(0.95));
    await registry.setAlias("fraud", "champion", a.version);
    await registry.setAlias("fraud", "champion", b.version);
    const result = await rollback(registry, "fraud", { alias: "champion" });
    expect(result).toMatchObject({ from: "2", to: "1", foundIn: "audit" });
    expect(await registry.resolveAlias("fraud", "champion")).toBe("1");
  });

  it("moves a stage back, archiving the version rolled back from", async () => {
    const a = await registry.createVersion("fraud", governed(0.9));
    const b = await registry.createVersion("fraud", governed(0.95));
    await promote(registry, await approved(a), { to: "production" });
    await promote(registry, await approved(b), { to: "production" });
    const result = await rollback(registry, "fraud", { stage: "production" }, { actor: "oncall" });
    expect(result).toMatchObject({ from: "2", to: "1" });
    expect((await registry.getVersion(a)).stage).toBe("production");
    expect((await registry.getVersion(b)).stage).toBe("archived");
    const [event] = await registry.listAuditEvents({ types: ["rollback.completed"] }).toArray();
    expect(event).toMatchObject({ actor: "oncall", from: "2", to: "1", stage: "production" });
  });

  it("falls back to the history promote keeps on the version when the registry has no audit trail", async () => {
    const a = await registry.createVersion("fraud", governed(0.9));
    const b = await registry.createVersion("fraud", governed(0.95));
    await promote(registry, a, { to: { alias: "champion" } });
    await promote(registry, b, { to: { alias: "champion" } });
    const noAudit = new Proxy(registry, {
      get: (target, key) => {
        if (key === "capabilities") return { ...target.capabilities, audit: false };
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const result = await rollback(noAudit, "fraud", { alias: "champion" });
    expect(result).toMatchObject({ from: "2", to: "1", foundIn: "history" });
  });

  it("says so when there is nothing to roll back to", async () => {
    const a = await registry.createVersion("fraud", governed(0.9));
    await expect(rollback(registry, "fraud", { alias: "champion" })).rejects.toThrow(NotFoundError);
    await registry.setAlias("fraud", "champion", a.version);
    const error = await rejection(rollback(registry, "fraud", { alias: "champion" }));
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/no earlier holder/);
  });
});

describe("events", () => {
  it("tells subscribers about every change, approval, promotion and rollback", async () => {
    const heard: RegistryEvent[] = [];
    registry.events.subscribe((e) => {
      heard.push(e);
    });
    const a = await registry.createVersion("fraud", governed(0.9));
    const b = await registry.createVersion("fraud", governed(0.95));
    await approve(registry, b, { by: "ann" });
    await promote(registry, a, { to: { alias: "champion" } });
    await promote(registry, b, { to: { alias: "champion" } });
    await rollback(registry, "fraud", { alias: "champion" });
    const types = heard.map((e) => e.type);
    for (const type of ["model.created", "version.created", "approval.recorded", "alias.set", "promotion.completed", "rollback.completed"]) {
      expect(types).toContain(type);
    }
  });
});
