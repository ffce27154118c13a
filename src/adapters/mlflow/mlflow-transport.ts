/**
 * The MLflow side of the shared HTTP client: auth headers, error mapping, the REST path prefix, and the server's
 * major version (3.x registers from logged models, 2.x from runs).
 *
 * @module
 */

import type * as z from "zod/mini";
import { InvalidInputError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions, type JsonCall, clientSettings } from "../../http/call-options.js";
import { createHttpClient } from "../../http/http-client.js";
import type { HttpClient } from "../../http/http-types.js";
import { mapMlflowError } from "./mlflow-error.js";
import type { MlflowRegistrySettings } from "./mlflow-settings.js";

/** The provider name. */
export const PROVIDER = "mlflow";

/** MLflow's own client waits 120 s per request (MLFLOW_HTTP_REQUEST_TIMEOUT). */
const DEFAULT_TIMEOUT_MS = 120_000;

/** A JSON call to `/api/2.0/mlflow/<path>`. */
export type MlflowCall<S extends z.ZodMiniType> = JsonCall<S>;

/** The transport: one HTTP client plus what MLflow needs around it. */
export class MlflowTransport {
  /** The shared HTTP client. */
  readonly http: HttpClient;
  /** The tracking URI with any path prefix, ending in `/`. */
  readonly baseUrl: string;
  /** Retries after the first attempt, from the settings. */
  readonly maxRetries: number;
  /** How long one attempt may wait for an answer, from the settings. */
  readonly timeoutMs: number;
  #serverVersion: Promise<string> | undefined;

  /** @param settings - The registry settings. */
  constructor(settings: MlflowRegistrySettings) {
    const env = settings.env ?? process.env;
    const trackingUri = settings.trackingUri ?? env.MLFLOW_TRACKING_URI;
    if (!trackingUri) {
      throw new InvalidInputError("no tracking server: pass trackingUri or set MLFLOW_TRACKING_URI", {
        provider: PROVIDER,
        operation: "createMlflowRegistry",
        field: "trackingUri",
      });
    }
    if (!/^https?:\/\//i.test(trackingUri)) {
      throw new InvalidInputError(`trackingUri must be an http(s) URL of a tracking server, got ${JSON.stringify(trackingUri.slice(0, 40))}`, {
        provider: PROVIDER,
        operation: "createMlflowRegistry",
        field: "trackingUri",
      });
    }
    const username = settings.username ?? env.MLFLOW_TRACKING_USERNAME;
    const password = settings.password ?? env.MLFLOW_TRACKING_PASSWORD;
    const token = settings.token ?? env.MLFLOW_TRACKING_TOKEN;
    // MLflow's own client uses Basic when both parts are set and ignores the token then; we do the same.
    const auth = username && password ? `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` : token ? `Bearer ${token}` : undefined;
    const extra = settings.headers;
    this.http = createHttpClient({
      provider: PROVIDER,
      baseUrl: trackingUri,
      headers: async () => ({
        ...(typeof extra === "function" ? await extra() : extra),
        ...(auth && { authorization: auth }),
        "user-agent": "modelreg",
      }),
      ...clientSettings(settings),
      timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      secrets: () => [token, password, username && password ? Buffer.from(`${username}:${password}`).toString("base64") : undefined],
      mapError: mapMlflowError,
    });
    this.baseUrl = this.http.baseUrl;
    this.maxRetries = settings.maxRetries ?? 2;
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Calls a REST endpoint: GET with a query, anything else with a JSON body (DELETE included, as MLflow wants). */
  async call<S extends z.ZodMiniType>(call: MlflowCall<S> & { schema: () => S }): Promise<z.output<S>>;
  async call(call: MlflowCall<z.ZodMiniType>): Promise<unknown>;
  async call(call: MlflowCall<z.ZodMiniType>): Promise<unknown> {
    const { options } = call;
    const response = await this.http.request({
      operation: call.operation,
      method: call.method,
      path: `api/2.0/mlflow/${call.path}`,
      ...(call.query && { query: call.query }),
      ...(call.method !== "GET" && { json: call.body ?? {} }),
      ...(call.schema && { schema: call.schema }),
      ...(call.idempotent !== undefined && { idempotent: call.idempotent }),
      ...callOptions(options),
    });
    return response.data;
  }

  /** The server's version string, read once from `/version`. */
  serverVersion(options?: CallOptions): Promise<string> {
    this.#serverVersion ??= this.http
      .request({ operation: "serverVersion", path: "version", responseType: "text", ...callOptions(options) })
      .then((res) => res.data.trim())
      .catch((error: unknown) => {
        this.#serverVersion = undefined;
        throw error;
      });
    return this.#serverVersion;
  }

  /** The server's major version (2 when `/version` says nothing usable). */
  async serverMajor(options?: CallOptions): Promise<number> {
    return Number.parseInt(await this.serverVersion(options), 10) || 2;
  }
}

export { callOptions };
