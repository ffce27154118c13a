/**
 * Creating and deleting repositories (`POST /api/repos/create`, `DELETE /api/repos/delete`).
 *
 * @module
 */

import { ConflictError, ModelRegistryError, NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import { refsSchema } from "./hf-api.js";
import type { HubTransport } from "./hf-transport.js";

/** Creates sent before a create that keeps failing without effect gives up. */
const CREATE_ATTEMPTS = 3;

/** Repositories of the namespace. */
export class HubRepos {
  /**
   * @param t - The transport.
   * @param visibility - What new repositories get: `private` unless the settings say otherwise.
   */
  constructor(
    readonly t: HubTransport,
    readonly visibility: "private" | "public",
  ) {}

  /**
   * Creates the repository of a model; `false` when it already existed (another writer made it first), so the caller
   * knows whether it made it, and may delete only then.
   */
  async create(model: string, operation: string, options: CallOptions | undefined): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const made = await this.#createOnce(model, operation, options, attempt < CREATE_ATTEMPTS);
      if (made !== undefined) return made;
    }
  }

  /** One create; `undefined` when it did not take effect and may be sent again. */
  async #createOnce(model: string, operation: string, options: CallOptions | undefined, mayRetry: boolean): Promise<boolean | undefined> {
    try {
      await this.t.http.request({
        operation,
        method: "POST",
        path: "api/repos/create",
        json: { name: model, organization: this.t.namespace, type: "model", visibility: this.visibility },
        // Not resent by the client after an answer is lost: the resend would hear 409 and could not tell our
        // repository from someone else's. The lost answer is looked into below instead.
        idempotent: false,
        responseType: "none",
        ...callOptions(options),
      });
      return true;
    } catch (error) {
      if (ConflictError.isInstance(error)) return false;
      if (ModelRegistryError.isInstance(error) && error.isRetryable && !options?.signal?.aborted) {
        const found = await this.#lookAfterLostAnswer(model, operation, options);
        if (found === "untouched") return true;
        if (found === "used") return false;
        if (found === "missing" && mayRetry) return undefined;
      }
      throw error;
    }
  }

  /**
   * After a create with no answer: `untouched` when the repository exists as the Hub makes it (`main` alone, no
   * tags), so the create took effect (had someone else made it in that moment, it is as empty, and as much ours to
   * use); `used` when it exists with more; `missing` when the create did not take effect and may be sent again.
   */
  async #lookAfterLostAnswer(model: string, operation: string, options: CallOptions | undefined): Promise<"untouched" | "used" | "missing" | "unknown"> {
    try {
      const res = await this.t.http.request({ operation, path: `${this.t.api(model)}/refs`, schema: refsSchema, ...callOptions(options) });
      return res.data.tags.length === 0 && res.data.branches.every((b) => b.name === "main") ? "untouched" : "used";
    } catch (error) {
      return NotFoundError.isInstance(error) ? "missing" : "unknown";
    }
  }

  /** Deletes a model's repository, with every version in it. A resend that finds it gone after a lost answer is done. */
  async remove(model: string, operation: string, options: CallOptions | undefined): Promise<void> {
    try {
      await this.t.http.request({
        operation,
        method: "DELETE",
        path: "api/repos/delete",
        json: { name: model, organization: this.t.namespace, type: "model" },
        responseType: "none",
        ...callOptions(options),
      });
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
    }
  }
}
