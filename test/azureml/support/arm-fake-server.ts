// The ARM fake's socket side: a loopback HTTP or HTTPS server that turns each request into a Fetch Request, asks the
// fake for a Response (or "reset", to cut the connection as a network fault would) and writes it back.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** What the fake answers a request with. */
export type Answer = Response | "reset";

/** A running server. */
export interface LoopbackServer {
  /** `http(s)://{hostname}:{port}`, without a trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`${origin}${req.url ?? "/"}`, {
    method,
    headers,
    ...(hasBody && { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" }),
  } as RequestInit);
}

async function write(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "transfer-encoding" && name !== "connection") headers[name] = value;
  });
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  if (body) headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/** Serves `answer` on 127.0.0.1 (HTTPS with `https`), URLs written with `hostname`. */
export async function serveLoopback(
  answer: (request: Request) => Promise<Answer>,
  options: { https?: { cert: string; key: string }; hostname?: string },
): Promise<LoopbackServer> {
  let origin = "";
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    (async () => {
      const result = await answer(toRequest(req, origin));
      if (result === "reset") {
        req.resume();
        res.destroy();
        return;
      }
      await write(result, res);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`the ARM fake failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
  const server: Server = options.https ? createHttpsServer({ cert: options.https.cert, key: options.https.key }, handle) : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `${options.https ? "https" : "http"}://${options.hostname ?? "127.0.0.1"}:${port}`;
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
