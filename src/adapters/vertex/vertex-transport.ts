/**
 * The Vertex side of the shared HTTP client: regional host, bearer tokens (fixed, refreshing, or application default
 * credentials loaded only when needed), quota project, Google error mapping, and long-running operation polling.
 *
 * @module
 */

import type * as z from "zod/mini";
import { AbortedError, InvalidInputError, TimeoutError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions, type JsonCall, clientSettings } from "../../http/call-options.js";
import { createHttpClient } from "../../http/http-client.js";
import type { HttpClient } from "../../http/http-types.js";
import { operationSchema, type VertexOperation } from "./vertex-api.js";
import { authHeaderSource } from "./vertex-auth.js";
import { mapGoogleError, operationError } from "./vertex-error.js";
import type { VertexRegistrySettings } from "./vertex-settings.js";
import { sleep } from "../../runtime/sleep.js";

/** The provider name. */
export const PROVIDER = "vertex";

/** A JSON call to `v1/<path>`. */
export type VertexCall<S extends z.ZodMiniType> = JsonCall<S>;

/** The transport. */
export class VertexTransport {
  /** The aiplatform client. */
  readonly http: HttpClient;
  /** Returns the headers Google APIs need (credentials, quota project, client id). */
  readonly authHeaders: () => Promise<Record<string, string>>;
  /** `projects/{project}/locations/{location}`. */
  readonly parent: string;
  readonly #settings: VertexRegistrySettings;

  /** @param settings - The registry settings. */
  constructor(settings: VertexRegistrySettings) {
    const invalid = (field: string, message: string) => new InvalidInputError(message, { provider: PROVIDER, operation: "createVertexRegistry", field });
    const projectId = /^[a-z0-9][a-z0-9-]{3,61}[a-z0-9]$|^\d+$/;
    if (typeof settings.project !== "string" || !projectId.test(settings.project))
      throw invalid("project", "project must be a Google Cloud project id or number");
    // It becomes a header value: anything else would be refused by Google, or by fetch before it is sent.
    if (settings.quotaProject !== undefined && (typeof settings.quotaProject !== "string" || !projectId.test(settings.quotaProject)))
      throw invalid("quotaProject", "quotaProject must be a Google Cloud project id or number");
    if (typeof settings.location !== "string" || !/^[a-z]+(-[a-z]+\d*)?(\d)?$/.test(settings.location) || settings.location === "global") {
      throw invalid("location", "location must be a region such as us-central1 (Model Registry resources are regional)");
    }
    this.#settings = settings;
    this.parent = `projects/${settings.project}/locations/${settings.location}`;
    this.authHeaders = authHeaderSource(settings);
    this.http = createHttpClient({
      provider: PROVIDER,
      baseUrl: settings.apiEndpoint ?? `https://${settings.location}-aiplatform.googleapis.com/`,
      headers: this.authHeaders,
      ...clientSettings(settings),
      timeoutMs: settings.timeoutMs ?? 60_000,
      secrets: () => [settings.accessToken],
      mapError: mapGoogleError,
    });
  }

  /** Calls `v1/<path>`; `path` keeps `/`, `@` and `:` as Vertex's reserved expansion wants. */
  async call<S extends z.ZodMiniType>(call: VertexCall<S> & { schema: () => S }): Promise<z.output<S>>;
  async call(call: VertexCall<z.ZodMiniType>): Promise<unknown>;
  async call(call: VertexCall<z.ZodMiniType>): Promise<unknown> {
    const { options } = call;
    const res = await this.http.request({
      operation: call.operation,
      method: call.method,
      path: `v1/${call.path}`,
      ...(call.query && { query: call.query }),
      ...(call.body !== undefined && { json: call.body }),
      ...(call.schema && { schema: call.schema }),
      ...(call.idempotent !== undefined && { idempotent: call.idempotent }),
      ...callOptions(options),
    });
    return res.data;
  }

  /**
   * Polls an operation until it is done, with backoff from `pollIntervalMs` up to 30 s, and returns its response.
   *
   * @throws the operation's error mapped from its gRPC code; `TimeoutError` past the deadline (the operation keeps
   * running on Google's side); `AbortedError` when the signal aborts.
   */
  async waitForOperation(first: VertexOperation, operation: string, options: CallOptions & { deadlineMs?: number } = {}): Promise<Record<string, unknown>> {
    const deadline = Date.now() + (options.deadlineMs ?? this.#settings.operationDeadlineMs ?? 60 * 60_000);
    let delay = this.#settings.pollIntervalMs ?? 1000;
    let op = first;
    while (!op.done) {
      if (options.signal?.aborted)
        throw new AbortedError(`stopped waiting for ${op.name}; it continues on Google's side`, {
          provider: PROVIDER,
          operation,
          cause: options.signal.reason,
        });
      if (Date.now() + delay > deadline)
        throw new TimeoutError(`operation ${op.name} was not done before the deadline; it continues on Google's side`, { provider: PROVIDER, operation });
      await sleep(delay, options.signal);
      delay = Math.min(delay * 1.5, 30_000);
      op = await this.call({ operation, method: "GET", path: op.name, schema: operationSchema, options });
    }
    if (op.error) {
      const error = operationError(op.error, { provider: PROVIDER, operation });
      finishedWithError.add(error);
      throw error;
    }
    return op.response ?? {};
  }
}

const finishedWithError = new WeakSet<object>();

/**
 * True for the error of an operation that Vertex reported done with an error, so it did not do its work. Every other
 * failure while waiting (abort, deadline, a lost poll) leaves the operation's outcome unknown.
 */
export function isFinishedOperationError(error: unknown): boolean {
  return typeof error === "object" && error !== null && finishedWithError.has(error);
}

export { callOptions };
