/**
 * Contract: lifecycle stages.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { expectError, oneFile, type ContractEnv } from "./contract-helpers.js";

/** Draft by default, transitions, archiveExisting, filtering by stage. */
export function stagesContract(env: ContractEnv): void {
  describe("stages", () => {
    it(
      "starts versions in draft and moves them between stages",
      async () => {
        const model = env.name("stage");
        const v = await env.registry.createVersion(model, { artifacts: oneFile() });
        expect(v.stage).toBe("draft");
        expect((await env.registry.transitionStage(v, "staging")).stage).toBe("staging");
        expect((await env.registry.getVersion(v)).stage).toBe("staging");
        expect((await env.registry.transitionStage(v, "archived")).stage).toBe("archived");
      },
      env.timeoutMs,
    );

    it(
      "archives the versions already in the stage with archiveExisting, and keeps them without it",
      async () => {
        const model = env.name("archive");
        const v1 = await env.registry.createVersion(model, { artifacts: oneFile("1") });
        const v2 = await env.registry.createVersion(model, { artifacts: oneFile("2") });
        const v3 = await env.registry.createVersion(model, { artifacts: oneFile("3") });
        await env.registry.transitionStage(v1, "production");
        await env.registry.transitionStage(v2, "production");
        expect((await env.registry.listVersions(model, { stage: "production" }).toArray()).map((v) => v.version)).toEqual([v2.version, v1.version]);
        await env.registry.transitionStage(v3, "production", { archiveExisting: true });
        expect((await env.registry.listVersions(model, { stage: "production" }).toArray()).map((v) => v.version)).toEqual([v3.version]);
        expect((await env.registry.listVersions(model, { stage: "archived" }).toArray()).map((v) => v.version)).toEqual([v2.version, v1.version]);
      },
      env.timeoutMs * 2,
    );

    it(
      "refuses an unknown stage, and archiveExisting outside staging and production",
      async () => {
        const model = env.name("badstage");
        const v = await env.registry.createVersion(model, { artifacts: oneFile() });
        await expectError(env.registry.transitionStage(v, "prod" as never), InvalidInputError);
        await expectError(env.registry.transitionStage(v, "archived", { archiveExisting: true }), InvalidInputError);
        expect((await env.registry.getVersion(v)).stage).toBe("draft");
      },
      env.timeoutMs,
    );
  });
}
