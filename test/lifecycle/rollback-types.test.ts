// Type-level checks of rollback's target. `npx tsc -p .` checks this file (tsconfig includes test/): an
// `@ts-expect-error` whose line type-checks fails the typecheck, so each line below proves the type refuses it.
import { describe, expectTypeOf, it } from "vitest";
import { type ModelRegistry, rollback, type RollbackTarget } from "modelreg";

describe("RollbackTarget", () => {
  it("takes an alias or a stage, and refuses both at once", () => {
    expectTypeOf({ alias: "champion" }).toExtend<RollbackTarget>();
    expectTypeOf({ stage: "production" as const }).toExtend<RollbackTarget>();
    expectTypeOf({ alias: "champion", stage: "production" as const }).not.toExtend<RollbackTarget>();
    expectTypeOf({ stage: "prod" }).not.toExtend<RollbackTarget>();
    expectTypeOf({}).not.toExtend<RollbackTarget>();
  });

  it("makes rollback refuse both at the call", () => {
    // Never called: the closure exists for the type checker.
    const calls = (registry: ModelRegistry) => [
      rollback(registry, "fraud", { alias: "champion" }),
      rollback(registry, "fraud", { stage: "production" }),
      // @ts-expect-error an alias and a stage together: one would be ignored
      rollback(registry, "fraud", { alias: "champion", stage: "production" }),
      // @ts-expect-error neither
      rollback(registry, "fraud", {}),
    ];
    expectTypeOf(calls).returns.toEqualTypeOf<Array<ReturnType<typeof rollback>>>();
  });
});
