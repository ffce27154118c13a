// Serves msw request handlers (our provider fakes) as a real HTTP server on loopback, so that a process we do not
// control (a provider's official Python client) can talk to the same fake the in-process tests use.
//
// The fakes' handlers match absolute URLs of the real service (`https://api.wandb.test/graphql`, Google's regional
// hosts...). A request that reaches the loopback server is matched as if it had been sent to the origin its path
// names: by default the first origin, or the origin a path prefix maps to (`routes`). Whatever a fake puts in a
// response body (signed URLs, download links) is the fake's business: give it the loopback URL where it builds them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { getResponse, type RequestHandler } from "msw";

/** What {@link serveFake} is told. */
export interface LoopbackFakeOptions {
  /** The handlers to answer with, or a function giving them (called per request, so a fake may swap its handlers). */
  handlers: readonly RequestHandler[] | (() => readonly RequestHandler[]);
  /** The origin requests are matched under when no route applies, e.g. `https://api.wandb.test`. */
  origin: string;
  /** Path prefixes sent to another origin, e.g. `{ "/storage/": "https://storage.googleapis.com" }` (prefix kept). */
  routes?: Readonly<Record<string, string>>;
  /** Told about every request, for logs and for assertions on what a client sent. */
  onRequest?: (request: { method: string; url: string; status: number }) => void;
}

/** A running loopback fake. */
export interface LoopbackFake {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Requests answered so far, in order: method, URL as matched, status (0 for a connection the fake cut). */
  readonly requests: ReadonlyArray<{ method: string; url: string; status: number }>;
  /** Stops listening and cuts open connections. */
  close(): Promise<void>;
}

/** The URL a request is matched under: the routed origin for its path, else the default origin. */
function matchedUrl(path: string, options: LoopbackFakeOptions): string {
  for (const [prefix, origin] of Object.entries(options.routes ?? {})) {
    if (path.startsWith(prefix)) return `${origin.replace(/\/$/, "")}${path}`;
  }
  return `${options.origin.replace(/\/$/, "")}${path}`;
}

/** Converts Node's request to a Fetch request with a streamed body. */
function toFetchRequest(req: IncomingMessage, url: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    ...(hasBody && { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" }),
  } as RequestInit);
}

/** Writes a Fetch response to Node's response, streaming the body. */
async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    // Node sets its own framing; a copied content-encoding would lie about a body fetch already decoded.
    if (name === "transfer-encoding" || name === "content-encoding" || name === "connection") return;
    const previous = headers[name];
    headers[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  });
  const setCookie = response.headers.getSetCookie?.() ?? [];
  if (setCookie.length > 0) headers["set-cookie"] = setCookie;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

/** Starts a loopback HTTP server answering with `options.handlers`. Unmatched requests get a 404 naming them. */
export async function serveFake(options: LoopbackFakeOptions): Promise<LoopbackFake> {
  const requests: Array<{ method: string; url: string; status: number }> = [];
  const server: Server = createServer((req, res) => {
    const url = matchedUrl(req.url ?? "/", options);
    const method = req.method ?? "GET";
    const handlers = typeof options.handlers === "function" ? options.handlers() : options.handlers;
    const record = (status: number) => {
      const entry = { method, url, status };
      requests.push(entry);
      options.onRequest?.(entry);
    };
    (async () => {
      const response = await getResponse([...handlers], toFetchRequest(req, url));
      if (!response) {
        record(404);
        req.resume();
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: 404, message: `the fake has no handler for ${method} ${url}` } }));
        return;
      }
      // A handler's network error (msw's HttpResponse.error(), as the GCS fake's dropped connection) has no status:
      // the client must see the connection cut, as it would on the real service.
      if (response.type === "error") {
        record(0);
        req.resume();
        res.destroy();
        return;
      }
      record(response.status);
      await writeResponse(response, res);
    })().catch((error: unknown) => {
      record(500);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
