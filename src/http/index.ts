/**
 * The shared HTTP client for the MLflow, Vertex and W&B adapters: ky for sending, one p-retry loop, zod validation,
 * `Retry-After`, redirects that keep credentials at home, redaction, and path encoding.
 *
 * Internal to modelreg: adapters import it; it is not a package entry point.
 *
 * @module
 */

export { createHttpClient } from "./http-client.js";
export type {
  HttpBody,
  HttpClient,
  HttpClientConfig,
  HttpEmptyRequest,
  HttpErrorContext,
  HttpHeaders,
  HttpHeadersInit,
  HttpJsonContext,
  HttpJsonRequest,
  HttpMethod,
  HttpProgress,
  HttpRequest,
  HttpRequestBase,
  HttpResponse,
  HttpStreamRequest,
  HttpTextRequest,
} from "./http-types.js";
export { REDACTED, SENSITIVE_QUERY_PARAMS, isSensitiveHeader, redact, redactUrl, secretsFromHeaders } from "./redact.js";
export { encodePath, encodePathSegment, joinUrl, withQuery, type HttpQuery, type HttpQueryValue } from "./url.js";
export { backoffDelay, isRetryableStatus, parseRetryAfter } from "./retry.js";
export { REQUEST_ID_HEADERS, describeErrorJson, getRequestId } from "./http-errors.js";
export { formatIssuePath, lazySchema, parseWithSchema } from "./schema.js";
