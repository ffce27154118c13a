/**
 * Turning HTTP failures into modelreg's typed errors: the default status mapping, network failure classification,
 * request ids, body snippets, and scrubbing of anything that could carry a credential.
 *
 * @module
 */

import {
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  ModelRegistryError,
  type ModelRegistryErrorOptions,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from "../core/errors.js";
import { ownValue } from "../core/own-keys.js";

/**
 * Response headers that carry a request id, most specific first: generic proxies and Databricks (`x-request-id`),
 * AWS S3 (`x-amz-request-id`), API Gateway (`x-amzn-requestid`), Azure (`x-ms-request-id`), GCS uploads
 * (`x-guploader-uploadid`), Google Cloud's trace header, and Cloudflare (`cf-ray`).
 */
export const REQUEST_ID_HEADERS: readonly string[] = [
  "x-request-id",
  "request-id",
  "x-amz-request-id",
  "x-amzn-requestid",
  "x-ms-request-id",
  "x-goog-request-id",
  "x-guploader-uploadid",
  "x-cloud-trace-context",
  "x-correlation-id",
  "cf-ray",
];

/** The provider's request id, from the first header in {@link REQUEST_ID_HEADERS} that is present. */
export function getRequestId(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) return value;
  }
  return undefined;
}

/** How much of a response body an error message quotes. */
export const MAX_SNIPPET_CHARS = 1024;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const asString = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The message and code in the common JSON error shapes: MLflow `{error_code, message}`, Google
 * `{error: {message, status}}`, GraphQL `{errors: [{message}]}`, and `{error: "..."}` / `{message}` / `{detail}`.
 */
export function describeErrorJson(json: unknown): { message: string | undefined; code: string | undefined } {
  if (!isRecord(json)) return { message: undefined, code: undefined };
  const nested = isRecord(json.error) ? json.error : undefined;
  const first = Array.isArray(json.errors) && isRecord(json.errors[0]) ? json.errors[0] : undefined;
  const message = asString(json.message) ?? asString(nested?.message) ?? asString(json.error) ?? asString(first?.message) ?? asString(json.detail);
  const code = asString(json.error_code) ?? asString(nested?.status) ?? asString(json.code);
  return { message, code };
}

/**
 * At most {@link MAX_SNIPPET_CHARS} of a body, redacted, on one line. HTML is reduced to its text because a proxy's
 * error page is mostly markup. Redaction runs before truncation so a secret is never cut in half and half-shown.
 */
export function bodySnippet(text: string, contentType: string | null, redact: (text: string) => string): string {
  const plain = contentType?.includes("html") ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ") : text;
  const line = redact(plain).replace(/\s+/g, " ").trim();
  return line.length > MAX_SNIPPET_CHARS ? `${line.slice(0, MAX_SNIPPET_CHARS)}…` : line;
}

/**
 * The default error for an HTTP status: 400 (and other 4xx) invalid input, 401 authentication, 403 permission,
 * 404/410 not found, 409/412 conflict, 408 timeout, 429 rate limit, 5xx server error.
 */
export function statusError(status: number, message: string, options: ModelRegistryErrorOptions, retryAfterMs: number | undefined): ModelRegistryError {
  switch (status) {
    case 401:
      return new AuthenticationError(message, options);
    case 403:
      return new PermissionDeniedError(message, options);
    case 404:
    case 410:
      return new NotFoundError(message, options);
    case 408:
      return new TimeoutError(message, options);
    case 409:
    case 412:
      return new ConflictError(message, options);
    case 429:
      return new RateLimitError(message, { ...options, retryAfterMs });
  }
  if (status >= 400 && status < 500) return new InvalidInputError(message, options);
  return new ServerError(message, options);
}

/** What a network-level failure means for retrying. */
export interface NetworkFailure {
  /** `timeout` for undici's own header/body timeouts, `connection` otherwise. */
  kind: "connection" | "timeout";
  /** The system or undici error code, when there is one. */
  code: string | undefined;
  /** The connection was never established, so the server cannot have seen the request. */
  notSent: boolean;
  /** Whether another attempt may succeed (certificate and URL problems will not). */
  retryable: boolean;
  /** A short human description. */
  reason: string;
}

const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "UND_ERR_CONNECT_TIMEOUT"]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const FATAL_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_INVALID_URL)/;
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed while sending",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
  UND_ERR_BODY_TIMEOUT: "the response body stalled",
};

/** Every error in a cause chain, including the members of an AggregateError (Node's happy-eyeballs connect). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 16) {
    const next = queue.shift();
    if (!isRecord(next) && !(next instanceof Error)) continue;
    chain.push(next);
    const record = next as { cause?: unknown; errors?: unknown };
    if (record.cause !== undefined) queue.push(record.cause);
    if (Array.isArray(record.errors)) queue.push(...record.errors);
  }
  return chain;
}

/** Classifies an error that fetch threw (no response), for the mapping and for the non-idempotent retry rule. */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const chain = causeChain(error);
  const codes = chain.map((e) => (e as { code?: unknown }).code).filter((c): c is string => typeof c === "string");
  const code = codes.find((c) => ownValue(REASONS, c) !== undefined || FATAL_CODE.test(c)) ?? codes[0];
  const messages = chain.map((e) => (e instanceof Error ? e.message : ""));
  const innermost = messages.filter(Boolean).at(-1) ?? "network error";
  if (code && TIMEOUT_CODES.has(code)) {
    return { kind: "timeout", code, notSent: false, retryable: true, reason: `${REASONS[code]} (${code})` };
  }
  if ((code && FATAL_CODE.test(code)) || messages.includes("bad port")) {
    return { kind: "connection", code, notSent: true, retryable: false, reason: `${innermost}${code ? ` (${code})` : ""}` };
  }
  const reason = code ? `${ownValue(REASONS, code) ?? innermost} (${code})` : innermost;
  return { kind: "connection", code, notSent: code !== undefined && NOT_SENT_CODES.has(code), retryable: true, reason };
}

/**
 * A copy of an error, safe to attach as a `cause`: message and stack redacted, only harmless fields (`name`, `code`,
 * `syscall`) kept, its own cause copied the same way. Our own errors are already redacted and are kept as they are.
 */
export function sanitizeCause(error: unknown, redact: (text: string) => string, depth = 0): unknown {
  if (error === undefined || ModelRegistryError.isInstance(error)) return error;
  if (!(error instanceof Error)) return new Error(redact(String(error)));
  const nested = depth < 4 && error.cause !== undefined ? sanitizeCause(error.cause, redact, depth + 1) : undefined;
  const copy = new Error(redact(error.message), nested === undefined ? undefined : { cause: nested });
  copy.name = error.name;
  copy.stack = redact(error.stack ?? "");
  for (const key of ["code", "syscall"] as const) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === "string") Object.defineProperty(copy, key, { value, enumerable: true });
  }
  return copy;
}

/**
 * Redacts an error in place: message, stack, `url` and cause. A safety net for errors built by `mapError` hooks,
 * which see raw bodies; `readonly` is a compile-time promise only, so the fields can be rewritten.
 */
export function scrubError(error: ModelRegistryError, redact: (text: string) => string): ModelRegistryError {
  error.message = redact(error.message);
  if (typeof error.stack === "string") error.stack = redact(error.stack);
  const writable = error as unknown as { url: string | undefined };
  if (writable.url !== undefined) writable.url = redact(writable.url);
  if (error.cause !== undefined && !ModelRegistryError.isInstance(error.cause)) {
    Object.defineProperty(error, "cause", { value: sanitizeCause(error.cause, redact), writable: true, configurable: true });
  }
  return error;
}
