/**
 * Contract: aliases.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError } from "../core/errors.js";
import { expectError, oneFile, type ContractEnv } from "./contract-helpers.js";

/** Set, move, resolve, list, delete. */
export function aliasesContract(env: ContractEnv): void {
  describe("aliases", () => {
    it(
      "sets an alias, moves it, and reports where it pointed before",
      async () => {
        const model = env.name("alias");
        const v1 = await env.registry.createVersion(model, { artifacts: oneFile("1") });
        const v2 = await env.registry.createVersion(model, { artifacts: oneFile("2") });
        expect(await env.registry.setAlias(model, "champion", v1.version)).toEqual({});
        expect(await env.registry.resolveAlias(model, "champion")).toBe(v1.version);
        expect((await env.registry.getVersion(`${model}@champion`)).version).toBe(v1.version);
        expect(await env.registry.setAlias(model, "champion", v2.version)).toEqual({ previous: v1.version });
        expect((await env.registry.getVersion({ model, alias: "champion" })).version).toBe(v2.version);
        expect((await env.registry.getVersion(v2)).aliases).toContain("champion");
        expect((await env.registry.getVersion(v1)).aliases).not.toContain("champion");
        await env.registry.setAlias(model, "challenger", v1.version);
        expect(await env.registry.listAliases(model)).toEqual([
          { alias: "challenger", version: v1.version },
          { alias: "champion", version: v2.version },
        ]);
        expect((await env.registry.getModel(model)).aliases).toEqual({ challenger: v1.version, champion: v2.version });
      },
      env.timeoutMs,
    );

    it(
      "sets aliases given at create time",
      async () => {
        const model = env.name("createalias");
        const v = await env.registry.createVersion(model, { artifacts: oneFile(), aliases: ["candidate"] });
        expect(v.aliases).toEqual(["candidate"]);
        expect(await env.registry.resolveAlias(model, "candidate")).toBe(v.version);
      },
      env.timeoutMs,
    );

    it(
      "deletes an alias; a missing alias is NotFoundError",
      async () => {
        const model = env.name("delalias");
        const v = await env.registry.createVersion(model, { artifacts: oneFile() });
        await env.registry.setAlias(model, "temp", v.version);
        await env.registry.deleteAlias(model, "temp");
        await expectError(env.registry.resolveAlias(model, "temp"), NotFoundError);
        await expectError(env.registry.getVersion({ model, alias: "temp" }), NotFoundError);
        await expectError(env.registry.deleteAlias(model, "temp"), NotFoundError);
      },
      env.timeoutMs,
    );

    it(
      "refuses an alias on a missing version, and reserved or malformed aliases",
      async () => {
        const model = env.name("badalias");
        const v = await env.registry.createVersion(model, { artifacts: oneFile() });
        await expectError(env.registry.setAlias(model, "champion", "99"), NotFoundError);
        for (const alias of ["latest", "v3", "has space", ""]) await expectError(env.registry.setAlias(model, alias, v.version), InvalidInputError);
        expect(await env.registry.listAliases(model)).toEqual([]);
      },
      env.timeoutMs,
    );
  });
}
