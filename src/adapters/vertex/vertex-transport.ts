/**
 * The Vertex side of the shared HTTP client: regional host, bearer tokens (fixed, refreshing, or application default
 * credentials loaded only when needed), quota project, Google error mapping, and long-running operation polling.
 *
 * @module
 */

import type * as z from "zod";
import { AbortedError, AuthenticationError, InvalidInputError, TimeoutError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions, type JsonCall, clientSettings } from "../../http/call-options.js";
import { createHttpClient } from "../../http/http-client.js";
import type { HttpClient } from "../../http/http-types.js";
import { operationSchema, type VertexOperation } from "./vertex-api.js";
import { mapGoogleError, operationError } from "./vertex-error.js";
import type { VertexRegistrySettings } from "./vertex-settings.js";

/** The provider name. */
export const PROVIDER = "vertex";

/** A JSON call to `v1/<path>`. */
export type VertexCall<S extends z.ZodType> = JsonCall<S>;

interface GoogleAuthLike {
  getAccessToken(): Promise<string | null | undefined>;
}

/** Returns a function giving the current token: fixed, the caller's refresher, or application default credentials. */
function tokenSource(settings: VertexRegistrySettings): () => Promise<string> {
  if (settings.accessToken) {
    const token = settings.accessToken;
    return async () => token;
  }
  if (settings.getAccessToken) return async () => settings.getAccessToken?.() ?? "";
  let auth: Promise<GoogleAuthLike> | undefined;
  return async () => {
    // google-auth-library is an optional peer: loaded only here, so a caller who passes a token never pays for it.
    auth ??= (async () => {
      const name = "google-auth-library";
      let mod: { GoogleAuth: new (options: { scopes: string[] }) => GoogleAuthLike };
      try {
        mod = (await import(name)) as typeof mod;
      } catch (error) {
        auth = undefined;
        throw new AuthenticationError(
          "no accessToken or getAccessToken given, and google-auth-library is not installed (npm i google-auth-library@10) for application default credentials",
          {
            provider: PROVIDER,
            operation: "getAccessToken",
            cause: error,
          },
        );
      }
      return new mod.GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
    })();
    const token = await (await auth).getAccessToken();
    if (!token) throw new AuthenticationError("application default credentials gave no access token", { provider: PROVIDER, operation: "getAccessToken" });
    return token;
  };
}

/** The transport. */
export class VertexTransport {
  /** The aiplatform client. */
  readonly http: HttpClient;
  /** Returns the headers Google APIs need (bearer token, quota project). */
  readonly authHeaders: () => Promise<Record<string, string>>;
  /** `projects/{project}/locations/{location}`. */
  readonly parent: string;
  readonly #settings: VertexRegistrySettings;

  /** @param settings - The registry settings. */
  constructor(settings: VertexRegistrySettings) {
    const invalid = (field: string, message: string) => new InvalidInputError(message, { provider: PROVIDER, operation: "createVertexRegistry", field });
    if (typeof settings.project !== "string" || !/^[a-z0-9][a-z0-9-]{3,61}[a-z0-9]$|^\d+$/.test(settings.project))
      throw invalid("project", "project must be a Google Cloud project id or number");
    if (typeof settings.location !== "string" || !/^[a-z]+(-[a-z]+\d*)?(\d)?$/.test(settings.location) || settings.location === "global") {
      throw invalid("location", "location must be a region such as us-central1 (Model Registry resources are regional)");
    }
    this.#settings = settings;
    this.parent = `projects/${settings.project}/locations/${settings.location}`;
    const token = tokenSource(settings);
    this.authHeaders = async () => ({
      authorization: `Bearer ${await token()}`,
      ...(settings.quotaProject && { "x-goog-user-project": settings.quotaProject }),
      "x-goog-api-client": `gl-node/${process.versions.node} modelreg`,
    });
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
  async call<S extends z.ZodType>(call: VertexCall<S> & { schema: () => S }): Promise<z.output<S>>;
  async call(call: VertexCall<z.ZodType>): Promise<unknown>;
  async call(call: VertexCall<z.ZodType>): Promise<unknown> {
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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export { callOptions };
