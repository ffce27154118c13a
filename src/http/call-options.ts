/**
 * The per-call options adapters pass through to the HTTP client.
 *
 * @module
 */

import type * as z from "zod/mini";
import type { CallOptions, ClientSettings } from "../core/options.js";
import type { HttpMethod } from "./http-types.js";
import type { HttpQuery } from "./url.js";

/** The signal, timeout, retries and headers of a call, without what the HTTP client does not take (`actor`). */
export function callOptions(options: CallOptions | undefined): CallOptions {
  if (!options) return {};
  return {
    ...(options.signal && { signal: options.signal }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries !== undefined && { maxRetries: options.maxRetries }),
    ...(options.headers && { headers: options.headers }),
  };
}

/**
 * The HTTP client settings an adapter passes on from its own: fetch, logger, retries and their waits. The timeout is
 * left out because each adapter has its own default.
 */
export function clientSettings(settings: ClientSettings): Omit<ClientSettings, "timeoutMs"> {
  return {
    ...(settings.fetch && { fetch: settings.fetch }),
    ...(settings.logger && { logger: settings.logger }),
    ...(settings.maxRetries !== undefined && { maxRetries: settings.maxRetries }),
    ...(settings.retryBaseDelayMs !== undefined && { retryBaseDelayMs: settings.retryBaseDelayMs }),
    ...(settings.retryMaxDelayMs !== undefined && { retryMaxDelayMs: settings.retryMaxDelayMs }),
  };
}

/** A JSON call an adapter's transport makes: its path is relative to the API's prefix (`api/2.0/mlflow/`, `v1/`). */
export interface JsonCall<S extends z.ZodMiniType> {
  /** The operation name errors carry. */
  operation: string;
  /** The HTTP method. */
  method: HttpMethod;
  /** The path under the API's prefix. */
  path: string;
  /** Query parameters. */
  query?: HttpQuery;
  /** The JSON body. */
  body?: unknown;
  /** The response schema. */
  schema?: () => S;
  /** Whether sending it twice is safe. */
  idempotent?: boolean;
  /** The caller's options. */
  options?: CallOptions | undefined;
}
