/**
 * The shapes the shared HTTP client takes and returns. Adapters (MLflow, Vertex, W&B) build on these.
 *
 * @module
 */

import type * as z from "zod/mini";
import type { ModelRegistryError, ModelRegistryErrorOptions } from "../core/errors.js";
import type { CallOptions, Logger } from "../core/options.js";
import type { HttpQuery } from "./url.js";

/** The HTTP methods the providers use. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Header values; `undefined` leaves a header out. */
export type HttpHeaders = Record<string, string | undefined>;

/** Headers as a value, or a function called before every attempt so a token can be refreshed between retries. */
export type HttpHeadersInit = HttpHeaders | (() => HttpHeaders | Promise<HttpHeaders>);

/** A request body. Async iterables (Node streams) are streamed like a `ReadableStream`. */
export type HttpBody = BodyInit | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** How far an upload or download has got within one attempt. A retry starts again from zero. */
export interface HttpProgress {
  /** Bytes moved so far in this attempt. */
  transferredBytes: number;
  /** The total, when known (`bodySize`, or the response's `Content-Length`). */
  totalBytes: number | undefined;
}

/** What a {@link HttpClientConfig.mapError} hook gets for a non-2xx response. */
export interface HttpErrorContext {
  /** The client's provider name. */
  provider: string;
  /** The operation that failed. */
  operation: string;
  /** The request method. */
  method: HttpMethod;
  /** The request URL, redacted. */
  url: string;
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** The raw response body as text (at most 1 MiB; not redacted, so redact before quoting it). */
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
  /** The provider's request id, when a header carried one. */
  requestId: string | undefined;
  /** The wait the server asked for (`Retry-After`, `retry-after-ms`), uncapped. */
  retryAfterMs: number | undefined;
  /** Options to pass straight to an error constructor: provider, operation, status, request id, redacted URL, retryability. */
  errorOptions: ModelRegistryErrorOptions;
  /** Redacts text with every secret this request knows. */
  redact: (text: string) => string;
}

/** What a {@link HttpClientConfig.inspectJson} hook gets for a 2xx JSON response. */
export interface HttpJsonContext {
  /** The client's provider name. */
  provider: string;
  /** The operation. */
  operation: string;
  /** The request method. */
  method: HttpMethod;
  /** The request URL, redacted. */
  url: string;
  /** The HTTP status (2xx). */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** The parsed body, before schema validation. */
  json: unknown;
  /** The provider's request id, when a header carried one. */
  requestId: string | undefined;
  /** Options to pass straight to an error constructor (retryability `false`: the request was answered). */
  errorOptions: ModelRegistryErrorOptions;
  /** Redacts text with every secret this request knows. */
  redact: (text: string) => string;
}

/**
 * Signs one hop of a request (AWS SigV4): sets the headers the signature needs on `headers`, in place. Called for
 * every attempt and every redirect hop that stays on the client's origin; never for an absolute `url` request (a
 * presigned URL) or a hop on another origin.
 */
export type HttpSignHook = (request: {
  /** The hop's method. */
  method: HttpMethod;
  /** The hop's URL, as sent. */
  url: URL;
  /** The hop's headers, as sent; the hook adds its own. */
  headers: Headers;
  /** The body as sent: a string or bytes when buffered, a stream when streamed, `undefined` when none. */
  body: unknown;
}) => Promise<void>;

/** Settings for {@link createHttpClient}. */
export interface HttpClientConfig {
  /** The provider name that errors carry (`mlflow`, `vertex`, `wandb`). */
  provider: string;
  /** An absolute `http(s)` URL. A path prefix (`https://host/mlflow/`) is kept in front of every request path. */
  baseUrl: string | URL;
  /** Headers for every request to `baseUrl`, or a function that returns them (called once per attempt). */
  headers?: HttpHeadersInit;
  /**
   * The fetch to use. Default: modelreg's transport over `node:http(s)` (Node's global agents, so keep-alive and an
   * agent set on them apply), which moves bytes at a fraction of undici fetch's CPU. Give `globalThis.fetch` (or any
   * fetch) to use that instead.
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Gets one debug line per attempt and per retry; everything passed to it is redacted. Default: none, unless the
   * `MODELREG_LOG` environment variable names a level (see {@link createHttpClient}).
   */
  logger?: Logger;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Per-attempt timeout in milliseconds; `0` or `Infinity` turns it off. Default 60 000. */
  timeoutMs?: number;
  /** Longest `Retry-After` honoured; a longer one is waited out only this long. Default 60 000. */
  maxRetryAfterMs?: number;
  /** The first backoff step. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** The largest backoff step. Default 8 000 ms. */
  retryMaxDelayMs?: number;
  /** Largest `json`/`text` response body read into memory. Default 64 MiB. Streams are not limited. */
  maxResponseBytes?: number;
  /** Redirects followed per attempt. Default 5. */
  maxRedirects?: number;
  /**
   * Returns the credential strings to redact (tokens, passwords, API keys). Credential headers are found and redacted
   * without being listed here; list what the server may echo in other forms.
   */
  secrets?: () => Iterable<string | undefined>;
  /** Signs requests to `baseUrl`'s origin (AWS SigV4). Failures surface as `AuthenticationError` unless typed already. */
  sign?: HttpSignHook;
  /** Maps a non-2xx response to an error; return `undefined` for the default status mapping. */
  mapError?: (context: HttpErrorContext) => ModelRegistryError | undefined;
  /** Looks at a 2xx JSON body (GraphQL `errors[]` under HTTP 200) and returns an error to throw instead, if any. */
  inspectJson?: (context: HttpJsonContext) => ModelRegistryError | undefined;
  /** Waits between attempts; it must reject or return early when `signal` aborts. Injected by tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** The wall clock in epoch milliseconds, for `Retry-After` dates. Default `Date.now`. */
  now?: () => number;
}

/** What every request takes, whatever it returns. */
export interface HttpRequestBase extends CallOptions {
  /** The operation name that errors carry (`createVersion`, `getModel`). */
  operation: string;
  /** Default `GET`. */
  method?: HttpMethod;
  /** A path relative to the client's `baseUrl`, already encoded. Exactly one of `path` and `url` is required. */
  path?: string;
  /**
   * An absolute URL (a signed storage URL, a pagination link). No client headers or credentials are sent to it:
   * pass any the host needs in `headers`.
   */
  url?: string | URL;
  /** Query parameters, appended to the URL. */
  query?: HttpQuery;
  /** A JSON body; sets `Content-Type: application/json`. Not with `body`. */
  json?: unknown;
  /**
   * Returns the body. Called once per attempt (and per 307/308 redirect), so every retry sends a fresh stream.
   * A stream body is sent with `duplex: "half"` and cannot follow redirects.
   */
  body?: () => HttpBody | Promise<HttpBody>;
  /** The body's size in bytes; sent as `Content-Length` for streams (signed S3/GCS PUTs refuse chunked bodies). */
  bodySize?: number;
  /**
   * Whether sending the request twice has the same effect as once. Default: `true` for GET, HEAD, PUT and DELETE,
   * `false` for POST and PATCH. See `createHttpClient` for how a non-idempotent request is retried.
   */
  idempotent?: boolean;
  /**
   * Non-2xx statuses to return as responses rather than errors. Cloud Storage answers a resumable upload chunk with
   * `308 Resume Incomplete` and no `Location`, which is progress, not a failure.
   */
  acceptStatus?: readonly number[];
  /** Called as the request body is sent. */
  onUploadProgress?: (progress: HttpProgress) => void;
  /** Called as the response body is received. */
  onDownloadProgress?: (progress: HttpProgress) => void;
}

/** A request whose 2xx body is JSON (the default). Without a schema the data is `unknown`. */
export interface HttpJsonRequest<S extends z.ZodMiniType = z.ZodMiniType> extends HttpRequestBase {
  /** `json` (default). An empty body gives `undefined`. */
  responseType?: "json";
  /** Returns the schema to validate the body with. A function, so schemas are built on first use, not at import. */
  schema?: () => S;
}

/** A request whose 2xx body is read as UTF-8 text. */
export interface HttpTextRequest extends HttpRequestBase {
  /** `text`. */
  responseType: "text";
}

/** A request whose 2xx body is handed back as a stream, never buffered. */
export interface HttpStreamRequest extends HttpRequestBase {
  /** `stream`. The timeout then applies to each wait for the next chunk. */
  responseType: "stream";
  /**
   * For a GET: when the body breaks off (a reset, a stall past the timeout), ask again for the rest with a `Range`
   * header and go on, up to `maxRetries` times. Default `true`; ignored when the request sets its own `range`.
   */
  resume?: boolean;
}

/** A request whose 2xx body is discarded. */
export interface HttpEmptyRequest extends HttpRequestBase {
  /** `none`. */
  responseType: "none";
}

/** Any request. */
export type HttpRequest = HttpJsonRequest | HttpTextRequest | HttpStreamRequest | HttpEmptyRequest;

/** What a request returns. */
export interface HttpResponse<T> {
  /** The parsed body, the text, the stream, or `undefined` for `none`. */
  data: T;
  /** The final HTTP status. */
  status: number;
  /** The final response headers. */
  headers: Headers;
  /** The final URL (after redirects), redacted. */
  url: string;
  /** The provider's request id, when a header carried one. */
  requestId: string | undefined;
  /** How many attempts the call took. */
  attempts: number;
}

/** The shared HTTP client that the MLflow, Vertex and W&B adapters call. */
export interface HttpClient {
  /** The provider name errors carry. */
  readonly provider: string;
  /** The base URL, normalised to end with `/`. */
  readonly baseUrl: string;
  /** Sends a JSON request and validates the body with `schema`. */
  request<S extends z.ZodMiniType>(request: HttpJsonRequest<S> & { schema: () => S }): Promise<HttpResponse<z.output<S>>>;
  /** Sends a JSON request without validation. */
  request(request: HttpJsonRequest): Promise<HttpResponse<unknown>>;
  /** Sends a request and reads the body as text. */
  request(request: HttpTextRequest): Promise<HttpResponse<string>>;
  /** Sends a request and returns the body as a stream. */
  request(request: HttpStreamRequest): Promise<HttpResponse<ReadableStream<Uint8Array>>>;
  /** Sends a request and discards the body. */
  request(request: HttpEmptyRequest): Promise<HttpResponse<undefined>>;
  /** Redacts text with the client's configured secrets, for adapters that build their own messages. */
  redact(text: string): string;
}
