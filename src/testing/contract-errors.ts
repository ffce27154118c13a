/**
 * Contract: bad input, missing things, and aborts.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import { AbortedError, InvalidInputError, NotFoundError } from "../core/errors.js";
import { expectError, makeModel, oneFile, type ContractEnv } from "./contract-helpers.js";

/** Refused before anything changes: bad names, metrics, refs; not found; aborted calls. */
export function errorsContract(env: ContractEnv): void {
  describe("errors", () => {
    it(
      "refuses invalid model names and creates nothing",
      async () => {
        for (const name of ["bad name!", "", "-leading", "a/b"]) {
          await expectError(env.registry.createModel({ name }), InvalidInputError);
          await expectError(env.registry.createVersion(name, { artifacts: oneFile() }), InvalidInputError);
        }
      },
      env.timeoutMs,
    );

    it(
      "refuses non-finite metrics and leaves no version",
      async () => {
        const model = env.name("nan");
        await makeModel(env, model);
        const before = (await env.registry.listVersions(model).toArray()).length;
        for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
          await expectError(env.registry.createVersion(model, { artifacts: oneFile(), metrics: { auc: value } }), InvalidInputError);
        }
        expect(await env.registry.listVersions(model).toArray()).toHaveLength(before);
      },
      env.timeoutMs,
    );

    it(
      "refuses malformed references",
      async () => {
        for (const ref of ["fraud", "fraud/x", "fraud@", "/3", "fraud/3/4"]) await expectError(env.registry.getVersion(ref), InvalidInputError);
      },
      env.timeoutMs,
    );

    it(
      "answers missing models and versions with NotFoundError",
      async () => {
        const model = env.name("missing");
        await expectError(env.registry.getModel(model), NotFoundError);
        await expectError(env.registry.getVersion({ model, version: "1" }), NotFoundError);
        await env.registry.createVersion(model, { artifacts: oneFile() });
        await expectError(env.registry.getVersion({ model, version: "99" }), NotFoundError);
      },
      env.timeoutMs,
    );

    it(
      "gives AbortedError for an already-aborted signal",
      async () => {
        const model = env.name("aborted");
        const signal = AbortSignal.abort(new Error("stop"));
        await expectError(env.registry.getModel(model, { signal }), AbortedError);
        await expectError(env.registry.createVersion(model, { artifacts: oneFile() }, { signal }), AbortedError);
        await expectError(env.registry.getModel(model), NotFoundError);
      },
      env.timeoutMs,
    );

    it(
      "leaves no version behind when a create is aborted in the middle of a stream",
      async () => {
        const model = env.name("midabort");
        await makeModel(env, model);
        const before = (await env.registry.listVersions(model).toArray()).length;
        const controller = new AbortController();
        let sent = 0;
        const open = () =>
          new ReadableStream<Uint8Array>({
            pull(c) {
              sent++;
              if (sent === 2) controller.abort(new Error("user cancelled"));
              if (sent > 50) return c.close();
              c.enqueue(new Uint8Array(64 * 1024));
            },
          });
        await expectError(
          env.registry.createVersion(model, { artifacts: { entries: [{ path: "big.bin", open }] } }, { signal: controller.signal }),
          AbortedError,
        );
        expect(await env.registry.listVersions(model).toArray()).toHaveLength(before);
      },
      env.timeoutMs,
    );
  });
}
