/**
 * `MLFLOW_S3_IGNORE_TLS`: MLflow's client then talks to an `https` S3 endpoint without checking its certificate
 * (boto3 `verify=False`), for S3-compatible stores with a self-signed one. Node's fetch has no such switch, and the
 * default transport uses Node's global agents, which must not change for one client; so HTTPS requests of the S3
 * client go through an agent of their own that does not verify. Plain `http` endpoints use the default transport.
 *
 * Prefer `NODE_EXTRA_CA_CERTS` with the store's certificate: that keeps the check.
 *
 * @module
 */

import { Readable } from "node:stream";
import { nodeFetch } from "../../http/node-fetch.js";

/** Statuses whose responses have no body (the Response constructor refuses one for them). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A fetch for the S3 client whose HTTPS requests do not verify the server's certificate. */
export function uncheckedTlsFetch(): typeof globalThis.fetch {
  const https = process.getBuiltinModule("node:https");
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  return async (input, init = {}) => {
    if (input instanceof Request || new URL(String(input)).protocol !== "https:") return nodeFetch(input, init);
    const url = new URL(String(input));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init.body;
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const method = (init.method ?? "GET").toUpperCase();
    return new Promise<Response>((resolve, reject) => {
      const request = https.request(url, { method, headers, agent });
      const onAbort = () => {
        request.destroy();
        reject(signal?.reason);
      };
      const forget = () => signal?.removeEventListener("abort", onAbort);
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("error", (error) => {
        forget();
        reject(error);
      });
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        // The HTTP client follows redirects itself, and asks for an error instead where a streamed body cannot follow.
        if (init.redirect === "error" && status >= 300 && status < 400 && response.headers.location) {
          request.destroy();
          reject(new TypeError("fetch failed", { cause: new Error("unexpected redirect") }));
          return;
        }
        response.on("close", forget);
        const out = new Headers();
        const raw = response.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) out.append(raw[i] as string, raw[i + 1] as string);
        const empty = NULL_BODY.has(status) || method === "HEAD";
        if (empty) response.resume();
        const stream = empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status, statusText: response.statusMessage ?? "", headers: out }));
      });
      if (body === undefined || body === null) request.end();
      else if (typeof body === "string" || body instanceof Uint8Array) request.end(body);
      else if (body instanceof ArrayBuffer) request.end(new Uint8Array(body));
      else if (body instanceof ReadableStream) {
        Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>)
          .on("error", (error) => request.destroy(error))
          .pipe(request);
      } else {
        request.destroy();
        reject(new TypeError("the S3 client sent a body this transport does not take"));
      }
    });
  };
}
