/**
 * Creating and deleting repositories (`POST /api/repos/create`, `DELETE /api/repos/delete`).
 *
 * @module
 */

import { ConflictError, ModelRegistryError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import { refsSchema } from "./hf-api.js";
import type { HubTransport } from "./hf-transport.js";

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
    try {
      await this.t.http.request({
        operation,
        method: "POST",
        path: "api/repos/create",
        json: { name: model, organization: this.t.namespace, type: "model", visibility: this.visibility },
        // Not resent after an answer is lost: the resend would hear 409 and could not tell our repository from
        // someone else's. The lost answer is looked into below instead.
        idempotent: false,
        responseType: "none",
        ...callOptions(options),
      });
      return true;
    } catch (error) {
      if (ConflictError.isInstance(error)) return false;
      if (ModelRegistryError.isInstance(error) && error.isRetryable && !options?.signal?.aborted && (await this.#untouched(model, operation, options)))
        return true;
      throw error;
    }
  }

  /**
   * After a create whose answer was lost: true when the repository exists and is as the Hub makes it (`main` alone,
   * no tags), so the create took effect. Had someone else made it in that moment, it is as empty, and as much ours
   * to use.
   */
  async #untouched(model: string, operation: string, options: CallOptions | undefined): Promise<boolean> {
    try {
      const res = await this.t.http.request({ operation, path: `${this.t.api(model)}/refs`, schema: refsSchema, ...callOptions(options) });
      return res.data.tags.length === 0 && res.data.branches.every((b) => b.name === "main");
    } catch {
      return false;
    }
  }

  /** Deletes a model's repository, with every version in it. */
  async remove(model: string, operation: string, options: CallOptions | undefined): Promise<void> {
    await this.t.http.request({
      operation,
      method: "DELETE",
      path: "api/repos/delete",
      json: { name: model, organization: this.t.namespace, type: "model" },
      responseType: "none",
      ...callOptions(options),
    });
  }
}
