/**
 * `createHttpClient`: the HTTP client that the MLflow, Vertex and W&B adapters share. ky sends, p-retry retries,
 * zod validates; this file ties them together and decides what each failure means.
 *
 * @module
 */

import { AbortedError, AuthenticationError, ConnectionError, InvalidInputError, ModelRegistryError, ServerError, TimeoutError } from "../core/errors.js";
import { AttemptDeadline } from "./deadline.js";
import { handleResponse } from "./handle-response.js";
import { classifyNetworkError, getRequestId, sanitizeCause } from "./http-errors.js";
import type { HttpClient, HttpClientConfig, HttpMethod, HttpRequest, HttpResponse, HttpSignHook, HttpStreamRequest } from "./http-types.js";
import { defaultLogger } from "./default-logger.js";
import { createRedactor, type Redactor, secretsFromHeaders } from "./redact.js";
import type { ReopenStream } from "./resume.js";
import { lazyModule } from "../runtime/lazy-module.js";
import { prepareBody } from "./request-body.js";
import { AttemptFailure, IDEMPOTENT_METHODS, defaultSleep, runWithRetries } from "./retry.js";
import { HTTP_TRANSPORTS, defaultTransport, nodeFetch } from "./node-fetch.js";
import { RedirectError, TransportError, loadKy, sendWithRedirects } from "./send.js";
import { joinUrl, withQuery } from "./url.js";

/** Loaded by the first streamed download, not with the client (bench/cold-start.ts measures the handler bundle). */
const resumeModule = lazyModule(() => import("./resume.js"));

const DEFAULTS = {
  maxRetries: 2,
  timeoutMs: 60_000,
  maxRetryAfterMs: 60_000,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 8_000,
  maxResponseBytes: 64 * 1024 * 1024,
  maxRedirects: 5,
};

function checkConfig(config: HttpClientConfig): URL {
  const invalid = (field: string, message: string) => new InvalidInputError(message, { provider: config.provider, operation: "createHttpClient", field });
  let base: URL;
  try {
    base = new URL(config.baseUrl);
  } catch {
    throw invalid("baseUrl", "baseUrl is not an absolute URL");
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw invalid("baseUrl", "baseUrl must be an http(s) URL");
  // fetch refuses URLs with credentials; saying so here beats a TypeError on the first request.
  if (base.username || base.password) throw invalid("baseUrl", "put credentials in `headers`, not in baseUrl");
  for (const key of ["maxRetries", "maxRedirects"] as const) {
    const value = config[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw invalid(key, `${key} must be a whole number >= 0`);
  }
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  base.hash = "";
  return base;
}

/**
 * Creates the shared HTTP client.
 *
 * **Retries.** One loop (p-retry; ky's own retry is off) retries 408, 429, 5xx except 501, timeouts and connection
 * failures, up to `maxRetries` times. The wait is the server's `retry-after-ms` or `Retry-After` (seconds or HTTP
 * date; or a {@link RateLimitError}'s `retryAfterMs` from `mapError`), capped at `maxRetryAfterMs`; otherwise
 * exponential backoff from `retryBaseDelayMs` up to `retryMaxDelayMs`, of which a random half to all is taken.
 * A caller abort is never retried, and also ends a wait. An error's `isRetryable` decides, so a `mapError` hook
 * controls retrying through the errors it returns.
 *
 * **Non-idempotent requests** (POST and PATCH unless `idempotent: true`) are retried only when the failure proves
 * the server did not act on the request: HTTP 408 (the request never arrived whole), 429 (refused by a rate limiter),
 * 503 that carries `Retry-After` (shed before handling), and a connection that was never established
 * (`ECONNREFUSED`, DNS failure, unreachable network, connect timeout). After a reset, a timeout or any other 5xx the
 * request may have taken effect (MLflow would create a second version), so the error is thrown with a note instead.
 *
 * **Credentials.** Client headers go only to `baseUrl`'s origin: never to an absolute `url` request, and not past a
 * redirect to another origin. Secrets from `secrets()` and from credential headers are redacted from every message,
 * `url`, cause and log line.
 *
 * **Logging.** Attempts, retries and redirects are logged at debug level to `config.logger`. Without one, the
 * `MODELREG_LOG` environment variable (`debug`, `info`, `warn`, `error` or `off`, read when the client is created)
 * turns on a logger that writes redacted lines to `console.debug`/`info`/`warn`/`error` at or above that level, so
 * `MODELREG_LOG=debug node app.js` shows every request without code changes.
 *
 * @param config - See {@link HttpClientConfig}.
 * @throws InvalidInputError when `baseUrl` or a numeric setting is invalid.
 */
export function createHttpClient(config: HttpClientConfig): HttpClient {
  const base = checkConfig(config);
  const provider = config.provider;
  const settings = { ...DEFAULTS, ...definedOnly(config) };
  const sleep = config.sleep ?? defaultSleep;
  const random = config.random ?? Math.random;
  const logger = config.logger ?? defaultLogger();
  const transport = config.fetch === undefined ? defaultTransport() : "fetch";
  if (transport === undefined) {
    throw new InvalidInputError(`MODELREG_HTTP_TRANSPORT must be one of ${HTTP_TRANSPORTS.join(", ")}`, {
      provider,
      operation: "createHttpClient",
      field: "MODELREG_HTTP_TRANSPORT",
    });
  }

  function resolveUrl(request: HttpRequest, redact: Redactor): URL {
    const invalid = (field: string, message: string) => new InvalidInputError(redact(message), { provider, operation: request.operation, field });
    if ((request.path === undefined) === (request.url === undefined)) throw invalid("path", "give exactly one of `path` and `url`");
    if (request.json !== undefined && request.body !== undefined) throw invalid("body", "give at most one of `json` and `body`");
    let url: URL;
    if (request.url !== undefined) {
      try {
        url = new URL(request.url);
      } catch {
        throw invalid("url", `not an absolute URL: ${String(request.url)}`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid("url", `not an http(s) URL: ${url.href}`);
    } else {
      try {
        url = joinUrl(base, request.path ?? "");
      } catch {
        throw invalid("path", `the path ${JSON.stringify(request.path)} leaves the base URL's path`);
      }
    }
    return withQuery(url, request.query);
  }

  async function clientHeaders(request: HttpRequest, redact: Redactor): Promise<Headers> {
    const headers = new Headers();
    if (request.url !== undefined || config.headers === undefined) return headers;
    let init;
    try {
      init = typeof config.headers === "function" ? await config.headers() : config.headers;
    } catch (error) {
      // Nothing was sent, so a retryable failure (a metadata server hiccup) may be retried even for a POST.
      if (ModelRegistryError.isInstance(error)) throw new AttemptFailure(error, undefined, true);
      const reason = error instanceof Error ? error.message : String(error);
      const cause = sanitizeCause(error, redact);
      throw new AuthenticationError(redact(`could not get the client's headers: ${reason}`), { provider, operation: request.operation, cause });
    }
    for (const [name, value] of Object.entries(init)) if (value !== undefined) headers.set(name, value);
    redact.add(secretsFromHeaders(headers));
    return headers;
  }

  function requestHeaders(request: HttpRequest): Headers {
    const headers = new Headers();
    if ((request.responseType ?? "json") === "json") headers.set("accept", "application/json");
    if (request.json !== undefined) headers.set("content-type", "application/json");
    for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);
    return headers;
  }

  /** Turns a failure without a usable response into the error to throw, using what the deadline saw. */
  function transportFailure(error: unknown, request: HttpRequest, deadline: AttemptDeadline, url: string, redact: Redactor): AttemptFailure {
    const original = error instanceof TransportError ? error.original : error;
    const options = { provider, operation: request.operation, url };
    if (deadline.callerAborted) return new AttemptFailure(new AbortedError("aborted by the caller's signal", options), undefined, false);
    if (deadline.timedOut) {
      const message = `no response within ${deadline.timeoutMs} ms`;
      return new AttemptFailure(new TimeoutError(message, { ...options, isRetryable: true }), undefined, false);
    }
    if (error instanceof RedirectError) return new AttemptFailure(new ServerError(redact(error.message), options), undefined, false);
    const network = classifyNetworkError(original);
    const cause = sanitizeCause(original, redact);
    const ErrorClass = network.kind === "timeout" ? TimeoutError : ConnectionError;
    const failure = new ErrorClass(redact(network.reason), { ...options, isRetryable: network.retryable, cause });
    return new AttemptFailure(failure, undefined, network.notSent);
  }

  async function attemptOnce(request: HttpRequest, method: HttpMethod, target: URL, attempt: number, redact: Redactor) {
    // Before the deadline starts: on a busy machine loading ky (and with it undici) for the first request took longer
    // than a short timeoutMs, and the first attempt timed out without having sent anything.
    await loadKy();
    const started = performance.now();
    const deadline = new AttemptDeadline(request.timeoutMs ?? settings.timeoutMs, request.signal);
    let finalUrl = target;
    let status: number | undefined;
    let streaming = false;
    try {
      const sent = await sendWithRedirects({
        fetch: config.fetch ?? (transport === "node" ? nodeFetch : globalThis.fetch),
        method,
        url: target,
        clientHeaders: await clientHeaders(request, redact),
        requestHeaders: requestHeaders(request),
        makeBody: bodyFactory(request, deadline),
        deadline,
        maxRedirects: settings.maxRedirects,
        onRedirect: (code, to) => log("debug", `redirect ${code} to ${redact(to.href)}`, { status: code, attempt }),
        streamResponse: request.responseType === "stream",
        // Never for an absolute URL: a presigned URL carries its own signature, and another host gets no credentials.
        sign: request.url === undefined ? signAndLearn(redact) : undefined,
      });
      finalUrl = sent.url;
      status = sent.response.status;
      sent.body?.reportSent();
      // Redacted once: the URL goes into the response, its errors and the debug log.
      const shown = redact(sent.url.href);
      const handled = await handleResponse({
        config,
        request,
        method,
        url: shown,
        response: sent.response,
        deadline,
        redact,
        maxResponseBytes: settings.maxResponseBytes,
        streamError: (error) => transportFailure(error, request, deadline, shown, redact).error,
      });
      streaming = handled.streaming;
      const result: HttpResponse<unknown> = {
        data: handled.data,
        status,
        headers: sent.response.headers,
        url: shown,
        requestId: getRequestId(sent.response.headers),
        attempts: attempt,
      };
      logAttempt(request, method, shown, String(status), attempt, started);
      return result;
    } catch (error) {
      const shown = redact(finalUrl.href);
      const failure =
        error instanceof AttemptFailure
          ? error
          : ModelRegistryError.isInstance(error)
            ? new AttemptFailure(error, undefined, false)
            : error instanceof TransportError || error instanceof RedirectError
              ? transportFailure(error, request, deadline, shown, redact)
              : undefined;
      const outcome = failure ? `${status ?? failure.error.kind}` : "unexpected error";
      logAttempt(request, method, shown, outcome, attempt, started);
      // Anything else is a bug in a hook or body factory: it reaches the caller unchanged, unretried.
      throw failure ?? error;
    } finally {
      if (!streaming) deadline.finish();
    }
  }

  /**
   * The sign hook, then the secrets it brought: signing is what first fetches (or refreshes) credentials, after the
   * redactor was made, so `secrets()` is asked again and the token the hook sent is added.
   */
  function signAndLearn(redact: Redactor): HttpSignHook | undefined {
    const sign = config.sign;
    if (sign === undefined) return undefined;
    return async (hop) => {
      await sign(hop);
      redact.add(config.secrets?.() ?? []);
      redact.add(secretsFromHeaders(hop.headers));
    };
  }

  function bodyFactory(request: HttpRequest, deadline: AttemptDeadline) {
    const touch = () => deadline.touch();
    if (request.json !== undefined) {
      const text = JSON.stringify(request.json);
      return async () => prepareBody(text, undefined, request.onUploadProgress, touch);
    }
    const open = request.body;
    if (open === undefined) return undefined;
    return async () => prepareBody(await open(), request.bodySize, request.onUploadProgress, touch);
  }

  function log(level: "debug", message: string, data: Record<string, unknown>) {
    logger?.[level](message, { provider, ...data });
  }

  /** Logs an attempt's outcome; `shown` is its final URL, redacted. */
  function logAttempt(request: HttpRequest, method: string, shown: string, outcome: string, attempt: number, started: number) {
    const durationMs = Math.round(performance.now() - started);
    const status = Number(outcome);
    log("debug", `${request.operation}: ${method} ${shown} -> ${outcome} (attempt ${attempt}, ${durationMs} ms)`, {
      operation: request.operation,
      method,
      url: shown,
      status: Number.isInteger(status) ? status : undefined,
      outcome,
      attempt,
      durationMs,
    });
  }

  async function request(request: HttpRequest): Promise<HttpResponse<unknown>> {
    const response = await send(request);
    if (request.responseType !== "stream" || !resumes(request)) return response;
    const reopen: ReopenStream = async (_offset, range, onDownloadProgress) => {
      const again = await send({ ...request, headers: { ...request.headers, ...range }, onDownloadProgress });
      return { status: again.status, headers: again.headers, data: again.data as ReadableStream<Uint8Array> };
    };
    const { resumableStream } = await resumeModule();
    const data = resumableStream(response.data as ReadableStream<Uint8Array>, reopen, {
      maxResumes: request.maxRetries ?? settings.maxRetries,
      headers: response.headers,
      onProgress: request.onDownloadProgress,
      signal: request.signal,
      provider,
      operation: request.operation,
      url: response.url,
    });
    return { ...response, data };
  }

  async function send(request: HttpRequest): Promise<HttpResponse<unknown>> {
    const redact = createRedactor(config.secrets?.() ?? []);
    redact.add(secretsFromHeaders(request.headers ?? {}));
    const method = (request.method ?? "GET").toUpperCase() as HttpMethod;
    const target = resolveUrl(request, redact);
    const aborted = () => new AbortedError("aborted by the caller's signal", { provider, operation: request.operation, url: redact(target.href) });
    return runWithRetries((attempt) => attemptOnce(request, method, target, attempt, redact), {
      maxRetries: request.maxRetries ?? settings.maxRetries,
      idempotent: request.idempotent ?? IDEMPOTENT_METHODS.has(method),
      maxRetryAfterMs: settings.maxRetryAfterMs,
      backoff: { baseMs: settings.retryBaseDelayMs, maxMs: settings.retryMaxDelayMs, random },
      signal: request.signal,
      sleep,
      aborted,
      onRetry: ({ attempt, delayMs, error }) =>
        log("debug", `${request.operation}: retry ${attempt} in ${delayMs} ms after ${error.kind}`, {
          operation: request.operation,
          attempt,
          delayMs,
          reason: error.kind,
        }),
    });
  }

  return {
    provider,
    baseUrl: base.href,
    request: request as HttpClient["request"],
    redact: (text) => createRedactor(config.secrets?.() ?? [])(text),
  };
}

/** Whether a stream request is resumed after a break: GETs that do not ask for a range themselves. */
function resumes(request: HttpStreamRequest): boolean {
  if (request.resume === false || (request.method ?? "GET").toUpperCase() !== "GET") return false;
  return !Object.keys(request.headers ?? {}).some((name) => name.toLowerCase() === "range");
}

/** The config's numeric settings that were actually given, so `undefined` does not override a default. */
function definedOnly(config: HttpClientConfig): Partial<typeof DEFAULTS> {
  const out: Partial<typeof DEFAULTS> = {};
  for (const key of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const value = config[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
