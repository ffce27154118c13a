/**
 * The default transport: a fetch-shaped function over `node:http` and `node:https`.
 *
 * Why not Node's built-in fetch (undici): moving bytes through it costs several times curl's CPU. Downloading 1 GiB
 * through undici's fetch with sha256 verification took about 5-6 CPU seconds on the 2-core benchmark machine, and
 * the same loop over `node:http`'s response about 3.7 (curl: 1.5-2.0, sha256 alone about 1); undici's web-stream
 * machinery and the garbage it makes per chunk were most of the difference (bench/transfer.ts, `node --cpu-prof`).
 * JSON calls go through the same transport, so one connection pool serves both, and keep-alive (Node's global
 * agent) carries over from listing calls to downloads.
 *
 * It does only what the HTTP client needs, and hands the rest back to `globalThis.fetch` rather than guess:
 * - redirects are never followed here (send.ts follows them by hand, to keep credentials on their origin); with
 *   `redirect: "error"` a redirect answer rejects with an error that says so, as fetch does;
 * - bodies: strings, bytes, Blobs, `URLSearchParams` and web streams (sent chunked, with back-pressure); anything
 *   else (FormData) goes to `globalThis.fetch`;
 * - no `accept-encoding` is sent, so servers answer uncompressed and there is nothing to decode.
 *
 * The agent is the protocol's `globalAgent`, so what a user sets on it (a proxy agent, TLS options) applies.
 * Test interceptors that patch `node:http` (msw's) see these requests as they see fetch's.
 *
 * @module
 */

import type { ClientRequest, IncomingMessage } from "node:http";
import { type ChunkSink, consumeOnce, withPump } from "./body-pump.js";
import { REDIRECT_STATUSES } from "./send.js";

/** Statuses whose responses have no body; the Response constructor refuses one for them. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Bytes a response holds for its reader before it pauses the socket. */
const PAUSE_AT = 2 * 1024 * 1024;

type FetchInit = RequestInit & { duplex?: "half" };

/** An error with a system-style code, so the client classifies it like Node's own socket errors. */
function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** The request body as bytes, a stream, or `undefined` when it must go to `globalThis.fetch`. */
async function bodyOf(body: FetchInit["body"], headers: Record<string, string>): Promise<Uint8Array | ReadableStream<Uint8Array> | null | undefined> {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) {
    headers["content-type"] ??= "application/x-www-form-urlencoded;charset=UTF-8";
    return new TextEncoder().encode(body.toString());
  }
  if (body instanceof Blob) {
    if (body.type) headers["content-type"] ??= body.type;
    return new Uint8Array(await body.arrayBuffer());
  }
  return undefined;
}

/** Writes a web stream into the request with back-pressure; stops quietly once the request is gone. */
async function pump(stream: ReadableStream<Uint8Array>, request: ClientRequest): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (request.destroyed) return;
      if (done) {
        request.end();
        return;
      }
      if (!request.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            request.off("drain", go);
            request.off("close", go);
            resolve();
          };
          request.on("drain", go);
          request.on("close", go);
        });
      }
    }
  } catch (error) {
    request.destroy(error as Error);
  } finally {
    // An early answer or an abort: the rest of the body is not wanted.
    if (request.destroyed) reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * A web stream over a response that fails (not ends) when the connection closes before the body is complete, so a
 * cut-off body is never mistaken for a whole one.
 *
 * Chunks that arrive while nobody is reading are joined into one on the next read (up to {@link PAUSE_AT}, where the
 * socket is paused). Node reads a socket 64 KiB at a time, and each chunk then pays for every layer above it (the
 * client's progress and idle timer, resume, the download's hashing and writing): when the reader is the slower side,
 * which is when CPU matters, it gets a few large chunks instead of many small ones, for the price of one copy. A
 * reader that keeps up gets each chunk as it comes.
 *
 * The stream also has a pump (body-pump.ts): a download that hashes and writes each chunk on the spot takes the
 * socket's chunks straight from the `data` event, with no stream, promise or copy per chunk.
 */
function responseStream(response: IncomingMessage, request: ClientRequest): ReadableStream<Uint8Array> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let ended = false;
  let settled = false;
  /** Set while a read waits for the socket: the next chunk goes straight to it. */
  let wake: (() => void) | undefined;
  /** Set once the pump took over: chunks go to it, and `pumped` settles the pump. */
  let sink: ChunkSink | undefined;
  let pumped: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  /** Chunks a sink still holds (a promise it returned): the pump ends only after they settle. */
  let holding = 0;
  /** Why the body settled early, for a pump that starts after that: a failure, or a cancel. */
  let stopped: { error: unknown } | undefined;
  const consume = consumeOnce();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const take = (): Buffer => {
    const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return chunk;
  };
  const finish = () => {
    settled = true;
    wake?.();
    wake = undefined;
  };
  const fail = (error: unknown) => {
    if (settled) return;
    finish();
    pending = [];
    stopped = { error };
    if (pumped) {
      request.destroy();
      response.destroy();
      pumped.reject(error);
    } else controller.error(error);
  };
  const pumpEnd = () => {
    if (!ended || holding > 0 || settled) return;
    finish();
    pumped?.resolve();
  };
  /** Hands one chunk to the pump's sink, pausing the socket while the sink holds it. */
  const deliver = (chunk: Buffer) => {
    let held: void | Promise<void>;
    try {
      held = (sink as ChunkSink)(chunk);
    } catch (error) {
      fail(error);
      return;
    }
    if (!held) return;
    holding++;
    response.pause();
    held.then(
      () => {
        holding--;
        if (settled) return;
        if (holding === 0) response.resume();
        pumpEnd();
      },
      (error: unknown) => {
        holding--;
        fail(error);
      },
    );
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        response.on("data", (chunk: Buffer) => {
          if (settled) return;
          if (sink) {
            deliver(chunk);
            return;
          }
          if (wake) {
            controller.enqueue(chunk);
            wake();
            wake = undefined;
            return;
          }
          pending.push(chunk);
          pendingBytes += chunk.byteLength;
          if (pendingBytes >= PAUSE_AT) response.pause();
        });
        response.on("end", () => {
          if (settled) return;
          ended = true;
          if (sink) pumpEnd();
          else if (pendingBytes === 0) {
            finish();
            controller.close();
          }
        });
        response.on("error", fail);
        request.on("error", fail);
        response.on("close", () => {
          if (!response.complete) fail(codedError("the connection closed before the response body was complete", "ECONNRESET"));
        });
      },
      pull(c) {
        consume("read");
        if (pendingBytes > 0) {
          c.enqueue(take());
          if (ended && pendingBytes === 0) {
            finish();
            c.close();
          } else response.resume();
          return;
        }
        if (settled) return;
        response.resume();
        return new Promise<void>((resolve) => {
          wake = resolve;
        });
      },
      cancel() {
        finish();
        stopped ??= { error: new TypeError("the response body was cancelled") };
        pending = [];
        request.destroy();
        response.destroy();
      },
    },
    { highWaterMark: 0 },
  );
  return withPump(stream, (to) => {
    return new Promise<void>((resolve, reject) => {
      // Inside the executor, so a second consumer gets a rejection rather than a throw.
      consume("pump");
      pumped = { resolve, reject };
      sink = to;
      if (settled) {
        // Failed or cancelled before the pump started (that went to the unread stream), or an empty body that ended.
        if (stopped) reject(stopped.error);
        else resolve();
        return;
      }
      // What arrived before the pump started goes first, as one chunk, so the sink's hold applies to it too.
      if (pendingBytes > 0) deliver(take());
      if (settled) return;
      if (holding === 0) response.resume();
      pumpEnd();
    });
  });
}

function responseHeaders(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

/**
 * Sends one request over `node:http(s)` and resolves with a standard `Response` once the headers arrive; the body
 * streams from the socket. Same contract as `fetch` for what the HTTP client uses; see the module comment.
 */
export async function nodeFetch(input: string | URL | Request, init: FetchInit = {}): Promise<Response> {
  if (input instanceof Request) return globalThis.fetch(input, init);
  const url = new URL(input);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const body = await bodyOf(init.body, headers);
  if (body === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) return globalThis.fetch(input, init);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortReason(signal);
  if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
  const module = url.protocol === "https:" ? process.getBuiltinModule("node:https") : process.getBuiltinModule("node:http");
  const method = (init.method ?? "GET").toUpperCase();

  return new Promise<Response>((resolve, reject) => {
    const request = module.request(url, { method, headers, agent: module.globalAgent });
    const onAbort = () => {
      const reason = abortReason(signal as AbortSignal);
      request.destroy(reason instanceof Error ? reason : undefined);
      reject(reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    // Once the body is done (or failed) the signal has nothing left to stop.
    const forget = () => signal?.removeEventListener("abort", onAbort);
    request.on("error", (error) => {
      forget();
      reject(error);
    });
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      if (init.redirect === "error" && REDIRECT_STATUSES.has(status)) {
        request.destroy();
        reject(new TypeError("fetch failed", { cause: new Error("unexpected redirect") }));
        return;
      }
      if (status < 200 || status > 599) {
        request.destroy();
        reject(codedError(`the server answered with HTTP status ${status}, which is not a final response`, "ERR_INVALID_HTTP_RESPONSE"));
        return;
      }
      response.on("close", forget);
      const nullBody = NULL_BODY_STATUSES.has(status);
      if (nullBody) response.resume();
      try {
        resolve(
          new Response(nullBody ? null : responseStream(response, request), {
            status,
            statusText: response.statusMessage ?? "",
            headers: responseHeaders(response),
          }),
        );
      } catch (error) {
        request.destroy();
        reject(error);
      }
    });
    if (body === null) request.end();
    else if (body instanceof Uint8Array) request.end(body);
    else void pump(body, request);
  });
}

/** The values `MODELREG_HTTP_TRANSPORT` takes. */
export const HTTP_TRANSPORTS = ["node", "fetch"] as const;

/**
 * Which transport a client built now uses when it is given no `fetch`: {@link nodeFetch} where `node:http` exists,
 * `globalThis.fetch` (looked up per request, so a patched fetch applies) where it does not (browsers, edge runtimes)
 * or where `MODELREG_HTTP_TRANSPORT=fetch` asks for it: the way to keep undici's global dispatcher (a proxy set with
 * `setGlobalDispatcher`) in charge.
 *
 * @returns `"node"` or `"fetch"`, or `undefined` when the variable holds anything else (the caller refuses that).
 */
export function defaultTransport(): (typeof HTTP_TRANSPORTS)[number] | undefined {
  if (typeof process === "undefined" || typeof process.getBuiltinModule !== "function") return "fetch";
  const setting = process.env?.MODELREG_HTTP_TRANSPORT?.trim().toLowerCase();
  if (setting === undefined || setting === "") return "node";
  return (HTTP_TRANSPORTS as readonly string[]).includes(setting) ? (setting as (typeof HTTP_TRANSPORTS)[number]) : undefined;
}
