/**
 * Creating and deleting repositories (`POST /api/repos/create`, `DELETE /api/repos/delete`).
 *
 * @module
 */

import { ConflictError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
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
        // Sent twice it answers 409, which means it exists: safe to retry.
        idempotent: true,
        responseType: "none",
        ...callOptions(options),
      });
      return true;
    } catch (error) {
      if (ConflictError.isInstance(error)) return false;
      throw error;
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
