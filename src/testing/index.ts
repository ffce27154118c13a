/**
 * `modelreg/testing`: the contract suite every `ModelRegistry` adapter passes. Run it from a vitest test file.
 *
 * @module
 */

import { afterAll, beforeAll, describe } from "vitest";
import type { ModelRegistry } from "../core/model-registry.js";
import { aliasesContract } from "./contract-aliases.js";
import { artifactsContract } from "./contract-artifacts.js";
import { errorsContract } from "./contract-errors.js";
import { eventsContract } from "./contract-events.js";
import { contractEnv } from "./contract-helpers.js";
import { modelsContract } from "./contract-models.js";
import { rollbackContract } from "./contract-rollback.js";
import { stagesContract } from "./contract-stages.js";
import type { ContractArea, ContractSubject, RegistryContractOptions, RegistryFactory } from "./contract-types.js";
import { versionsContract } from "./contract-versions.js";

export type { ContractArea, ContractSubject, RegistryContractOptions, RegistryFactory } from "./contract-types.js";

const AREAS: Record<ContractArea, typeof modelsContract> = {
  models: modelsContract,
  versions: versionsContract,
  aliases: aliasesContract,
  stages: stagesContract,
  artifacts: artifactsContract,
  errors: errorsContract,
  events: eventsContract,
  rollback: rollbackContract,
};

/**
 * Defines the `ModelRegistry` contract as vitest suites: CRUD, immutability, alias moves, stage moves with
 * `archiveExisting`, pagination across pages, not-found and conflict errors, bad input and aborts, and `rollback`
 * stepping back through the history of an alias's or a stage's holders. Capabilities
 * decide what is expected: an operation a registry declares unsupported must throw `UnsupportedCapabilityError`.
 *
 * Every model it creates has a unique name under `modelPrefix`; they are deleted afterwards where the registry can.
 *
 * @example
 * ```ts
 * // test/my-registry/contract.test.ts
 * import { runRegistryContract } from "modelreg/testing";
 * runRegistryContract("my-registry", async () => ({ registry: createMyRegistry(), cleanup: async () => {} }));
 * ```
 */
export function runRegistryContract(name: string, makeRegistry: RegistryFactory, options: RegistryContractOptions = {}): void {
  describe(`ModelRegistry contract: ${name}`, () => {
    let subject: ContractSubject | undefined;
    const names: string[] = [];
    const env = contractEnv(
      () => {
        if (!subject) throw new Error("the registry under test was not created; see the beforeAll error");
        return subject.registry;
      },
      names,
      options,
    );
    beforeAll(async () => {
      const made = await makeRegistry();
      subject = isSubject(made) ? made : { registry: made };
    }, options.timeoutMs ?? 60_000);
    afterAll(async () => {
      if (!subject) return;
      if (subject.registry.capabilities.deleteModel) {
        for (const model of names) await subject.registry.deleteModel(model).catch(() => undefined);
      }
      await subject.cleanup?.();
    }, 600_000);
    for (const [area, define] of Object.entries(AREAS) as Array<[ContractArea, typeof modelsContract]>) {
      if (!options.skip?.includes(area)) define(env);
    }
  });
}

function isSubject(value: ModelRegistry | ContractSubject): value is ContractSubject {
  return "registry" in value && typeof (value as ContractSubject).registry === "object";
}
