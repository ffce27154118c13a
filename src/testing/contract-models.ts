/**
 * Contract: registered models.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, UnsupportedCapabilityError } from "../core/errors.js";
import { expectError, makeModel, type ContractEnv } from "./contract-helpers.js";

/** Create, get, list across pages, update, delete. */
export function modelsContract(env: ContractEnv): void {
  describe("registered models", () => {
    it(
      "creates and reads a model, and refuses a duplicate name with ConflictError",
      async () => {
        const name = env.name("model");
        if (!env.registry.capabilities.emptyModels) {
          await expectError(env.registry.createModel({ name }), UnsupportedCapabilityError);
          await makeModel(env, name, { description: "fraud scores", tags: { team: "risk" } });
          const read = await env.registry.getModel(name);
          expect(read).toMatchObject({ name, description: "fraud scores", tags: env.registry.capabilities.modelTags ? { team: "risk" } : {} });
          expect(read.createdAt).toBeInstanceOf(Date);
          return;
        }
        const created = await env.registry.createModel({ name, description: "fraud scores", tags: { team: "risk" } });
        expect(created).toMatchObject({ name, description: "fraud scores", tags: { team: "risk" } });
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(await env.registry.getModel(name)).toMatchObject({ name, description: "fraud scores", tags: { team: "risk" } });
        await expectError(env.registry.createModel({ name }), ConflictError);
      },
      env.timeoutMs,
    );

    it(
      "lists models by prefix across several pages, each model once",
      async () => {
        const base = env.name("list");
        const names = [0, 1, 2, 3, 4].map((i) => `${base}-${i}`);
        for (const name of names) await makeModel(env, name);
        const pages: string[][] = [];
        for await (const page of env.registry.listModels({ namePrefix: base, pageSize: 2 }).pages()) pages.push(page.items.map((m) => m.name));
        expect(pages.length).toBeGreaterThan(1);
        expect(pages.flat().sort()).toEqual(names);
        const all: string[] = [];
        for await (const model of env.registry.listModels({ namePrefix: base })) all.push(model.name);
        expect(all.sort()).toEqual(names);
        for (const name of names) if (env.registry.capabilities.deleteModel) await env.registry.deleteModel(name);
      },
      env.timeoutMs * 2,
    );

    it(
      "updates the description and tags, a null tag removing it",
      async () => {
        const name = env.name("update");
        if (!env.registry.capabilities.modelTags) {
          await makeModel(env, name);
          await expectError(env.registry.updateModel(name, { tags: { a: "1" } }), UnsupportedCapabilityError);
          expect((await env.registry.updateModel(name, { description: "new" })).description).toBe("new");
          expect((await env.registry.getModel(name)).description).toBe("new");
          return;
        }
        await makeModel(env, name, { tags: { a: "1", b: "2" } });
        const updated = await env.registry.updateModel(name, { description: "new", tags: { a: null, c: "3" } });
        expect(updated.description).toBe("new");
        expect(updated.tags).toEqual({ b: "2", c: "3" });
        expect((await env.registry.getModel(name)).tags).toEqual({ b: "2", c: "3" });
      },
      env.timeoutMs,
    );

    it(
      "deletes a model (or says it cannot)",
      async () => {
        const name = env.name("delete");
        await makeModel(env, name);
        if (!env.registry.capabilities.deleteModel) {
          await expectError(env.registry.deleteModel(name), UnsupportedCapabilityError);
          return;
        }
        await env.registry.deleteModel(name);
        await expectError(env.registry.getModel(name), NotFoundError);
        await expectError(env.registry.deleteModel(name), NotFoundError);
      },
      env.timeoutMs,
    );
  });
}
