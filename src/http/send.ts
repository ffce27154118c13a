/**
 * One attempt on the wire: a ky call per hop, with redirects followed by hand so credentials never reach another
 * origin.
 *
 * Two memory traps shape this file. ky clones every `Request` it sends, to be able to retry it, and undici clones
 * the request unless `redirect` is `"error"`; each clone tees a stream body, and the branch nobody reads buffers the
 * whole upload in memory (measured: a 300 MB streamed PUT held 300 MB). So ky is given no body at all (the injected
 * fetch attaches it), and stream bodies are sent with `redirect: "error"`.
 *
 * @module
 */

import type { AttemptDeadline } from "./deadline.js";
import type { HttpMethod, HttpSignHook } from "./http-types.js";
import { isSensitiveHeader } from "./redact.js";
import type { PreparedBody } from "./request-body.js";
import { discardBody } from "./response-body.js";

/** fetch failed, or the body could not be read: no usable response. The client classifies `original`. */
export class TransportError extends Error {
  constructor(readonly original: unknown) {
    super("transport failure");
  }
}

/** A redirect that cannot or must not be followed. Not retryable: the next attempt would get the same answer. */
export class RedirectError extends Error {}

/** The statuses that redirect (with a `Location`); also what the node:http transport refuses under `redirect: "error"`. */
export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * ky, loaded by the first request rather than at import: its module checks `Request` and `ReadableStream` support
 * when it loads, which makes Node load its built-in fetch (undici), about 50 ms that an import of an adapter should
 * not pay (bench/cold-start.ts).
 */
let kyLoaded: Promise<typeof import("ky").default> | undefined;
/** Loads ky once. The client awaits it before an attempt's deadline starts: loading is not the server's time. */
export function loadKy(): Promise<typeof import("ky").default> {
  kyLoaded ??= import("ky").then((module) => {
    // In the CommonJS build ky is inlined as a CommonJS chunk, and the namespace a dynamic import gives for it has the
    // chunk's whole exports object as `default` (ky itself is that object's `default`).
    const ky: unknown = module.default;
    return typeof ky === "function" ? (ky as typeof module.default) : (ky as { default: typeof module.default }).default;
  });
  return kyLoaded;
}

/** What one attempt needs. */
export interface SendOptions {
  /** The fetch to call. */
  fetch: typeof globalThis.fetch;
  /** The method of the first hop. */
  method: HttpMethod;
  /** The first URL. */
  url: URL;
  /** The client's headers (credentials among them); sent only while the hops stay on the first URL's origin. */
  clientHeaders: Headers;
  /** The request's own headers; on another origin only the non-credential ones are sent. */
  requestHeaders: Headers;
  /** Builds a fresh body; called per hop that sends one. */
  makeBody: (() => Promise<PreparedBody>) | undefined;
  /** The attempt's deadline. */
  deadline: AttemptDeadline;
  /** Most redirects to follow. */
  maxRedirects: number;
  /** Told about every redirect followed. */
  onRedirect: (status: number, to: URL) => void;
  /** The caller reads the response as a stream (a file): sent without ky, like a streamed body. */
  streamResponse?: boolean;
  /** Signs each hop on the first URL's origin (and none on another). */
  sign?: HttpSignHook | undefined;
}

/** The final response of an attempt. */
export interface SendResult {
  /** The response (never a redirect that was followed). */
  response: Response;
  /** The URL that gave it. */
  url: URL;
  /** The body sent on the last hop. */
  body: PreparedBody | undefined;
}

function hopHeaders(options: SendOptions, crossOrigin: boolean, body: PreparedBody | undefined): Headers {
  const headers = new Headers();
  if (!crossOrigin)
    options.clientHeaders.forEach((value, name) => {
      headers.set(name, value);
    });
  options.requestHeaders.forEach((value, name) => {
    if (!crossOrigin || !isSensitiveHeader(name)) headers.set(name, value);
  });
  if (body === undefined && options.makeBody !== undefined) {
    // The body was dropped by a 303-style redirect; its headers would now describe nothing.
    headers.delete("content-type");
    headers.delete("content-length");
  } else if (body?.streamed && body.size !== undefined) {
    headers.set("content-length", String(body.size));
  }
  return headers;
}

/**
 * Undici reports a redirect refused by `redirect: "error"` only in words, with no code. "manual" would show the 3xx
 * status instead, but undici then keeps a streamed body whole in memory (measured: 358 MiB peak for a 256 MiB
 * upload, against 145 MiB), so the wording is read here, for streamed uploads only.
 */
function isUnexpectedRedirect(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/redirect/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Sends one attempt and follows up to `maxRedirects` redirects. 303 (and 301/302 after a POST) become a GET without
 * a body, as browsers do; 307/308 resend the method with a fresh body. Once a hop leaves the first URL's origin the
 * client headers and every credential header are dropped for the rest of the attempt, even if a later hop comes back.
 *
 * @throws TransportError when fetch fails; RedirectError for a redirect that cannot be followed.
 */
export async function sendWithRedirects(options: SendOptions): Promise<SendResult> {
  const origin = options.url.origin;
  let url = options.url;
  let method = options.method;
  let crossOrigin = false;
  let withBody = options.makeBody !== undefined;
  const ky = await loadKy();
  for (let hop = 0; ; hop++) {
    const body = withBody && options.makeBody ? await options.makeBody() : undefined;
    let response: Response;
    const headers = hopHeaders(options, crossOrigin, body);
    // Outside the try: a signing failure (no credentials) is not a transport failure, and nothing was sent.
    if (options.sign && !crossOrigin) await options.sign({ method, url, headers, body: body?.body });
    try {
      const init: RequestInit & { duplex?: "half" } = {
        method,
        headers,
        signal: options.deadline.signal,
        redirect: body?.streamed ? "error" : "manual",
      };
      if (body) init.body = body.body as BodyInit;
      if (body?.streamed) init.duplex = "half";
      // The headers are progress: waiting for them is over, and a timer that fired while this process was busy must
      // see that they came.
      const send = (target: string, sent: typeof init) =>
        options.fetch(target, sent).then((got) => {
          options.deadline.touch();
          return got;
        });
      // Files go straight to the transport. ky adds nothing to a call with retries, timeouts and HTTP errors
      // turned off, and building its Request (and undici's) cost about 0.7 ms of CPU per call: most of the client's
      // share of a small file (bench/transfer.ts, 1,000 x 100 KiB, `node --cpu-prof`).
      if (body?.streamed || options.streamResponse) response = await send(url.href, init);
      else
        response = await ky(url, {
          method,
          headers: init.headers,
          signal: init.signal,
          timeout: false,
          retry: 0,
          throwHttpErrors: false,
          redirect: "manual",
          // ky is given no body (see the module comment): the request it built is sent with ours.
          fetch: (input) => {
            const request = input as Request;
            return send(request.url, { ...init, method: request.method, headers: request.headers, signal: request.signal, redirect: request.redirect });
          },
        });
    } catch (error) {
      if (body?.streamed && isUnexpectedRedirect(error) && !options.deadline.signal.aborted) {
        throw new RedirectError("the server answered a streamed upload with a redirect, which a stream body cannot follow");
      }
      throw new TransportError(error);
    }
    const location = response.headers.get("location");
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return { response, url, body };
    discardBody(response.body);
    if (hop >= options.maxRedirects) throw new RedirectError(`too many redirects (more than ${options.maxRedirects})`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new RedirectError(`the server redirected to an invalid URL (HTTP ${response.status})`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new RedirectError(`the server redirected to a ${next.protocol} URL, which is not followed`);
    }
    if (response.status === 303 ? method !== "HEAD" : (response.status === 301 || response.status === 302) && method === "POST") {
      method = "GET";
      withBody = false;
    }
    if (next.origin !== origin) crossOrigin = true;
    url = next;
    options.onRedirect(response.status, next);
  }
}
