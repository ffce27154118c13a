import { describe, expect, it } from "vitest";
import { InvalidInputError } from "modelreg";
import { applySyncPlan, planSync, syncRegistries, type SyncPlanInput } from "modelreg/sync";
import { recording, rejectionOf, seedVersion, twoRegistries } from "./support/helpers.js";

describe("sync input", () => {
  it("refuses bad input with InvalidInputError naming the field, before any registry call", async () => {
    const { source: s, target: t } = await twoRegistries();
    const source = recording(s);
    const target = recording(t);
    const good = { source: source.registry, target: target.registry, models: ["fraud"] };
    const cases: Array<[string, unknown]> = [
      ["input", undefined],
      ["source", { ...good, source: undefined }],
      ["target", { ...good, target: {} }],
      ["target", { ...good, target: good.source }],
      ["models", { ...good, models: [] }],
      ["models[0]", { ...good, models: ["bad name"] }],
      ["models", { ...good, models: "fraud" }],
      ["versions", { ...good, versions: "newest" }],
      ["aliases", { ...good, aliases: "yes" }],
      ["sourceName", { ...good, sourceName: "" }],
      ["concurrency", { ...good, concurrency: 0 }],
      ["concurrency", { ...good, concurrency: 1.5 }],
      ["failFast", { ...good, failFast: 1 }],
      ["dryRun", { ...good, dryRun: "no" }],
    ];
    for (const [field, input] of cases) {
      const error = await rejectionOf(syncRegistries(input as never));
      expect(InvalidInputError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
      expect((error as InvalidInputError).field, String(error)).toBe(field);
    }
    for (const [field, input] of cases.filter(([f]) => !["concurrency", "failFast", "dryRun"].includes(f))) {
      const error = await rejectionOf(planSync(input as SyncPlanInput));
      expect((error as InvalidInputError).field, `planSync ${field}`).toBe(field);
    }
    expect(source.calls).toEqual([]);
    expect(target.calls).toEqual([]);
  });

  it("applySyncPlan refuses a bad plan or concurrency before touching either registry", async () => {
    const { source: s, target: t } = await twoRegistries();
    await seedVersion(s, "fraud", { "m.bin": "x" });
    const source = recording(s);
    const target = recording(t);
    const plan = await planSync({ source: source.registry, target: target.registry, models: ["fraud"] });
    source.calls.length = 0;
    target.calls.length = 0;
    for (const [field, work] of [
      ["plan", () => applySyncPlan({} as never)],
      ["concurrency", () => applySyncPlan(plan, { concurrency: -1 })],
      ["onEvent", () => applySyncPlan(plan, { onEvent: "log" as never })],
    ] as const) {
      const error = await rejectionOf(work());
      expect((error as InvalidInputError).field, String(error)).toBe(field);
    }
    expect([...source.calls, ...target.calls]).toEqual([]);
    expect((await applySyncPlan(plan, { concurrency: 3 })).counts.created).toBe(1);
  });
});
