/**
 * Turning one attempt's response into data or an error: the status mapping (with the adapter's `mapError` first),
 * the size limit, JSON parsing, the adapter's `inspectJson`, and schema validation.
 *
 * @module
 */

import { type ModelRegistryError, type ModelRegistryErrorOptions, ResponseValidationError } from "../core/errors.js";
import type { AttemptDeadline } from "./deadline.js";
import { bodySnippet, describeErrorJson, getRequestId, scrubError, statusError } from "./http-errors.js";
import type { HttpClientConfig, HttpErrorContext, HttpMethod, HttpProgress, HttpRequest } from "./http-types.js";
import type { Redactor } from "./redact.js";
import { contentLength, decodeUtf8, discardBody, readLimited, tryParseJson } from "./response-body.js";
import { lazyModule } from "../runtime/lazy-module.js";

/** Loaded by the first streamed response (a file): a handler that reads only metadata never needs it. */
const streamMonitor = lazyModule(() => import("./stream-monitor.js"));
import { AttemptFailure, isRetryableStatus, parseRetryAfter } from "./retry.js";
import { parseWithSchema } from "./schema.js";
import { TransportError } from "./send.js";

/** Error bodies are read up to this many bytes: enough for any provider's error JSON, bounded for a proxy's page. */
export const ERROR_BODY_LIMIT = 1024 * 1024;

/** Everything the handler needs about the attempt. */
export interface ResponseContext {
  config: HttpClientConfig;
  request: HttpRequest;
  method: HttpMethod;
  /** The URL that answered, redacted. */
  url: string;
  response: Response;
  deadline: AttemptDeadline;
  redact: Redactor;
  maxResponseBytes: number;
  /** Converts a stream read failure into the error the consumer sees. */
  streamError: (error: unknown) => unknown;
}

/** What a successful attempt produced. */
export interface HandledResponse {
  data: unknown;
  /** True when the body was handed on as a stream and the deadline now belongs to it. */
  streaming: boolean;
}

const looksLikeJson = (text: string): boolean => /^\s*[[{"]/.test(text);

function baseOptions(context: ResponseContext): ModelRegistryErrorOptions {
  const { config, request, response } = context;
  return {
    provider: config.provider,
    operation: request.operation,
    statusCode: response.status,
    requestId: getRequestId(response.headers),
    url: context.url,
  };
}

/** Reads a failed response's body and maps it, adapter hook first. Always throws. */
async function failure(context: ResponseContext, options: ModelRegistryErrorOptions): Promise<never> {
  const { response, config, request, redact } = context;
  const status = response.status;
  const limit = Math.min(ERROR_BODY_LIMIT, context.maxResponseBytes);
  const { bytes } = await readLimited(response.body, limit, undefined, context.deadline.signal).catch((error: unknown) => {
    throw new TransportError(error);
  });
  const text = decodeUtf8(bytes);
  const parsed = looksLikeJson(text) ? tryParseJson(text) : { ok: false as const };
  const json = parsed.ok ? parsed.value : undefined;
  const retryAfterMs = parseRetryAfter(response.headers, (config.now ?? Date.now)());
  const errorContext: HttpErrorContext = {
    provider: config.provider,
    operation: request.operation,
    method: context.method,
    url: context.url,
    status,
    headers: response.headers,
    text,
    json,
    requestId: options.requestId,
    retryAfterMs,
    errorOptions: { ...options, isRetryable: isRetryableStatus(status) },
    redact,
  };
  const error = config.mapError?.(errorContext) ?? defaultError(errorContext, (request.responseType ?? "json") === "json");
  // Only these answers prove the server did not act on the request, so only these let a POST be retried.
  const notProcessed = status === 408 || status === 429 || (status === 503 && retryAfterMs !== undefined);
  throw new AttemptFailure(scrubError(error, redact), retryAfterMs, notProcessed);
}

/** The status mapping used when the adapter's `mapError` returns `undefined`. */
function defaultError(context: HttpErrorContext, expectedJson: boolean): ModelRegistryError {
  const { status, text, json, redact } = context;
  const contentType = context.headers.get("content-type");
  const { message, code } = describeErrorJson(json);
  let summary: string;
  if (message !== undefined) summary = `HTTP ${status}: ${bodySnippet(message, null, redact)}`;
  else if (text.trim() === "") summary = `HTTP ${status} with an empty body`;
  else if (expectedJson && json === undefined) {
    summary = `HTTP ${status}; the response body was not JSON (${contentType ?? "no content-type"}): ${bodySnippet(text, contentType, redact)}`;
  } else summary = `HTTP ${status}: ${bodySnippet(text, contentType, redact)}`;
  return statusError(status, summary, { ...context.errorOptions, providerCode: code }, context.retryAfterMs);
}

function tooLarge(options: ModelRegistryErrorOptions, detail: string): ResponseValidationError {
  return new ResponseValidationError(`the response body ${detail}; it was not read further`, { ...options, isRetryable: false });
}

/**
 * Handles the final response of an attempt. Throws {@link AttemptFailure} for a non-2xx answer or an error found
 * in a 2xx body, {@link ResponseValidationError} for a body that is too large, not JSON or the wrong shape, and
 * {@link TransportError} when the body cannot be read.
 */
export async function handleResponse(context: ResponseContext): Promise<HandledResponse> {
  const { response, request, config, redact, deadline } = context;
  const options = baseOptions(context);
  if (!response.ok && !request.acceptStatus?.includes(response.status)) return failure(context, options);
  const responseType = request.responseType ?? "json";
  const totalBytes = contentLength(response.headers);
  const report = (progress: HttpProgress) => request.onDownloadProgress?.(progress);

  if (responseType === "none") {
    discardBody(response.body);
    return { data: undefined, streaming: false };
  }
  if (responseType === "stream") {
    // The headers restarted the deadline (send.ts); from here it measures time without progress.
    const body = response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    const { monitorStream } = await streamMonitor();
    const data = monitorStream(body, {
      totalBytes,
      onBytes: () => deadline.touch(),
      onProgress: request.onDownloadProgress,
      onDone: () => deadline.finish(),
      mapError: context.streamError,
      signal: deadline.signal,
    });
    return { data, streaming: true };
  }

  const limit = context.maxResponseBytes;
  if (totalBytes !== undefined && totalBytes > limit) {
    discardBody(response.body);
    throw tooLarge(options, `is ${totalBytes} bytes (Content-Length), over the limit of ${limit} bytes`);
  }
  let received = 0;
  const { bytes, truncated } = await readLimited(
    response.body,
    limit,
    (n) => {
      received += n;
      report({ transferredBytes: received, totalBytes });
    },
    deadline.signal,
    false,
  ).catch((error: unknown) => {
    throw new TransportError(error);
  });
  if (truncated) throw tooLarge(options, `exceeded the limit of ${limit} bytes`);
  const text = decodeUtf8(bytes);
  if (responseType === "text") return { data: text, streaming: false };

  let value: unknown;
  if (text.trim() !== "") {
    const parsed = tryParseJson(text);
    if (!parsed.ok) {
      const contentType = response.headers.get("content-type");
      throw new ResponseValidationError(`the response body was not JSON (${contentType ?? "no content-type"}): ${bodySnippet(text, contentType, redact)}`, {
        ...options,
        isRetryable: false,
      });
    }
    value = parsed.value;
  }
  const found = config.inspectJson?.({
    provider: config.provider,
    operation: request.operation,
    method: context.method,
    url: context.url,
    status: response.status,
    headers: response.headers,
    json: value,
    requestId: options.requestId,
    errorOptions: { ...options, isRetryable: false },
    redact,
  });
  if (found) throw new AttemptFailure(scrubError(found, redact), undefined, false);
  const schema = "schema" in request ? request.schema : undefined;
  return { data: schema ? parseWithSchema(schema(), value, options) : value, streaming: false };
}
