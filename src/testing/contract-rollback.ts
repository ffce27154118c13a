/**
 * Contract: `rollback` steps back through the history of an alias's or a stage's holders, the same on every registry.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import { InvalidInputError, NoEarlierHolderError, NotFoundError } from "../core/errors.js";
import type { ModelVersion, Stage } from "../core/types.js";
import { promote } from "../lifecycle/promote.js";
import { rollback, type RollbackTarget } from "../lifecycle/rollback.js";
import { expectError, oneFile, type ContractEnv } from "./contract-helpers.js";

/** The two kinds of target, each run through the same steps. */
const TARGETS: ReadonlyArray<{ label: string; rollback: RollbackTarget }> = [
  { label: "an alias", rollback: { alias: "champion" } },
  { label: "a stage", rollback: { stage: "production" } },
];

/** One step back per call, never a flip, a clear refusal at the bottom; moves made by hand after a rollback. */
export function rollbackContract(env: ContractEnv): void {
  const versions = async (model: string, count: number): Promise<ModelVersion[]> => {
    const made: ModelVersion[] = [];
    for (let i = 0; i < count; i++) made.push(await env.registry.createVersion(model, { artifacts: oneFile(`v${i}`) }));
    return made;
  };
  // The contract checks rollback, not governance: the versions carry no model card or approvals, so no policy.
  const push = (v: ModelVersion, target: RollbackTarget) =>
    promote(env.registry, v, { to: target.alias !== undefined ? { alias: target.alias } : (target.stage as Stage), policy: false });
  const holder = async (model: string, target: RollbackTarget): Promise<string | undefined> => {
    if (target.alias) return env.registry.resolveAlias(model, target.alias).catch(() => undefined);
    const holding = await env.registry.listVersions(model, { stage: target.stage }).toArray();
    expect(holding.length, "one version holds the stage").toBeLessThanOrEqual(1);
    return holding[0]?.version;
  };
  /** Moves the target by hand, as a user would without `promote`. */
  const byHand = async (model: string, v: ModelVersion, target: RollbackTarget) => {
    if (target.alias) await env.registry.setAlias(model, target.alias, v.version);
    else await env.registry.transitionStage(v, target.stage as Stage, { archiveExisting: true });
  };

  describe("rollback", () => {
    for (const { label, rollback: target } of TARGETS) {
      it(
        `steps ${label} back one holder per call and refuses clearly at the bottom, leaving it where it is`,
        async () => {
          const model = env.name("rbsteps");
          const [v1, v2, v3] = (await versions(model, 3)) as [ModelVersion, ModelVersion, ModelVersion];
          for (const v of [v1, v2, v3]) await push(v, target);
          expect(await rollback(env.registry, model, target)).toMatchObject({ from: v3.version, to: v2.version, skipped: [] });
          expect(await holder(model, target)).toBe(v2.version);
          expect(await rollback(env.registry, model, target)).toMatchObject({ from: v2.version, to: v1.version });
          expect(await holder(model, target)).toBe(v1.version);
          const error = await expectError(rollback(env.registry, model, target), NoEarlierHolderError);
          expect(error).toMatchObject({ holder: v1.version, rolledBackFrom: v2.version });
          expect(error.message).toMatch(new RegExp(`no earlier holder of .* below ${v1.version}; a rollback already moved it away from ${v2.version}`));
          expect(await holder(model, target)).toBe(v1.version);
          if (target.stage) for (const v of [v2, v3]) expect((await env.registry.getVersion(v)).stage).toBe("archived");
        },
        env.timeoutMs * 2,
      );

      it(
        `never returns ${label} to the version it just rolled back from, even one that held it twice`,
        async () => {
          const model = env.name("rbflip");
          const [v1, v2] = (await versions(model, 2)) as [ModelVersion, ModelVersion];
          // v1, then v2, then v1 again: the history is [v2, v1], each version once, at its latest place.
          for (const v of [v1, v2, v1]) await push(v, target);
          expect(await rollback(env.registry, model, target)).toMatchObject({ from: v1.version, to: v2.version });
          const error = await expectError(rollback(env.registry, model, target), NoEarlierHolderError);
          expect(error.rolledBackFrom).toBe(v1.version);
          expect(await holder(model, target)).toBe(v2.version);
        },
        env.timeoutMs * 2,
      );

      it(
        `treats ${label} put back by hand on the version rolled back from as held by it again`,
        async () => {
          const model = env.name("rbhand");
          const [v1, v2, v3] = (await versions(model, 3)) as [ModelVersion, ModelVersion, ModelVersion];
          for (const v of [v1, v2, v3]) await push(v, target);
          await rollback(env.registry, model, target);
          // A false alarm: someone puts v3 back without promote. It is on top again, above v2 and v1.
          await byHand(model, v3, target);
          expect(await rollback(env.registry, model, target)).toMatchObject({ from: v3.version, to: v2.version });
          expect(await rollback(env.registry, model, target)).toMatchObject({ from: v2.version, to: v1.version });
          await expectError(rollback(env.registry, model, target), NoEarlierHolderError);
        },
        env.timeoutMs * 2,
      );

      it(
        `after ${label} moved by hand to a version that never held it: goes back with an audit trail, refuses without`,
        async () => {
          const model = env.name("rbnew");
          const [v1, v2, v3] = (await versions(model, 3)) as [ModelVersion, ModelVersion, ModelVersion];
          for (const v of [v1, v2]) await push(v, target);
          await byHand(model, v3, target);
          if (env.registry.capabilities.audit) {
            // The trail saw the move, so v3 is on top of v1 and v2 like any other holder.
            expect(await rollback(env.registry, model, target)).toMatchObject({ from: v3.version, to: v2.version, foundIn: "audit" });
            return;
          }
          // Without a trail only promote and rollback leave a history: v3 has none, and rollback will not guess.
          const error = await expectError(rollback(env.registry, model, target), NoEarlierHolderError);
          expect(error.message).toMatch(/did not get it through promote or rollback/);
          expect(await holder(model, target)).toBe(v3.version);
        },
        env.timeoutMs * 2,
      );
    }

    it(
      "steps over a deleted earlier holder and says so",
      async () => {
        const model = env.name("rbdeleted");
        const [v1, v2, v3] = (await versions(model, 3)) as [ModelVersion, ModelVersion, ModelVersion];
        for (const v of [v1, v2, v3]) await push(v, { alias: "champion" });
        if (!env.registry.capabilities.deleteVersion) return;
        await env.registry.deleteVersion(v2);
        expect(await rollback(env.registry, model, { alias: "champion" })).toMatchObject({ from: v3.version, to: v1.version, skipped: [v2.version] });
      },
      env.timeoutMs * 2,
    );

    it(
      "refuses both an alias and a stage, and says when nothing holds the target",
      async () => {
        const model = env.name("rbinput");
        const [v1] = (await versions(model, 1)) as [ModelVersion];
        await expectError(rollback(env.registry, model, { alias: "champion", stage: "production" } as unknown as RollbackTarget), InvalidInputError);
        await expectError(rollback(env.registry, model, { alias: "champion" }), NotFoundError);
        await push(v1, { alias: "champion" });
        await expectError(rollback(env.registry, model, { alias: "champion" }), NoEarlierHolderError);
      },
      env.timeoutMs,
    );
  });
}
