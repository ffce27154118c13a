/**
 * The experiment that holds the runs carrying a version's files, params and metrics: found by name (created, or
 * restored from the trash, when needed) once per registry, then remembered.
 *
 * @module
 */

import { ConflictError, InvalidInputError, ModelRegistryError, NotFoundError } from "../../core/errors.js";
import type { TransferOptions } from "../../core/options.js";
import { createExperimentResponse, experimentResponse } from "./mlflow-api.js";
import type { MlflowTransport } from "./mlflow-transport.js";

const OP = "createVersion";

/**
 * The experiment's id, looked up on the first create and kept: an id never changes, and looking it up before every
 * create was one request in twelve. A cached id that stopped working (the experiment was deleted, or purged) is
 * noticed where it is used, {@link MlflowExperiment.withId} forgets it, and the lookup runs again.
 */
export class MlflowExperiment {
  #id: string | undefined;

  /**
   * @param transport - The tracking server.
   * @param name - The experiment's name.
   */
  constructor(
    readonly transport: MlflowTransport,
    readonly name: string,
  ) {}

  /**
   * Runs `use` with the experiment's id. When `use` fails as a stale id would (not found, or refused because the
   * experiment is deleted) and the id came from the cache, the id is looked up again (restoring a deleted experiment)
   * and `use` runs once more with it.
   */
  async withId<T>(use: (id: string) => Promise<T>, options: TransferOptions): Promise<T> {
    const cached = this.#id;
    const id = await this.#resolve(options);
    try {
      return await use(id);
    } catch (error) {
      if (cached === undefined || !(NotFoundError.isInstance(error) || InvalidInputError.isInstance(error))) throw error;
      this.#id = undefined;
      return use(await this.#resolve(options));
    }
  }

  // Only a found id is kept, never a lookup in flight: one caller's abort must not fail the others' creates.
  async #resolve(options: TransferOptions): Promise<string> {
    this.#id ??= await ensureExperiment(this.transport, this.name, options);
    return this.#id;
  }
}

/** The experiment's id by name: restored when it is in the trash, created when it does not exist. */
async function ensureExperiment(transport: MlflowTransport, name: string, options: TransferOptions): Promise<string> {
  const attempts = (options.maxRetries ?? transport.maxRetries) + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const found = await transport.call({
        operation: OP,
        method: "GET",
        path: "experiments/get-by-name",
        query: { experiment_name: name },
        schema: experimentResponse,
        options,
      });
      if (found.experiment.lifecycle_stage === "deleted") {
        await transport.call({
          operation: OP,
          method: "POST",
          path: "experiments/restore",
          body: { experiment_id: found.experiment.experiment_id },
          idempotent: true,
          options,
        });
      }
      return found.experiment.experiment_id;
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
    }
    try {
      const created = await transport.call({
        operation: OP,
        method: "POST",
        path: "experiments/create",
        body: { name },
        schema: createExperimentResponse,
        options,
      });
      return created.experiment_id;
    } catch (error) {
      // Another client created it between our two calls, or our create reached the server and its answer was lost:
      // the name is unique, so looking it up again settles both.
      const maybeDone = ConflictError.isInstance(error) || (ModelRegistryError.isInstance(error) && error.isRetryable && !options.signal?.aborted);
      if (!maybeDone || attempt >= attempts) throw error;
    }
  }
}
