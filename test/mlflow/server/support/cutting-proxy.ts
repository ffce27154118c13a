// A loopback HTTP proxy in front of a real server that can drop a response after the server has acted on the
// request: the client sees a reset, the server has done the work. This is how a lost response looks on the wire.
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface CuttingProxy {
  url: string;
  /** Requests seen, as `METHOD path`. */
  seen: string[];
  /** Drop the response of the next request that matches, after the upstream answered it. */
  cutNext(match: (req: IncomingMessage) => boolean): void;
  /**
   * For the next request that matches (requests queue their holds in order): waits for `beforeForward` before the
   * upstream sees the request, and for `beforeAnswer` after the upstream answered, before the client hears. A request
   * held past the client's timeout is still forwarded, as a slow server still runs a request its client gave up on.
   */
  holdNext(match: (req: IncomingMessage) => boolean, hooks: { beforeForward?: () => Promise<unknown>; beforeAnswer?: () => Promise<unknown> }): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(upstream: string): Promise<CuttingProxy> {
  let cut: ((req: IncomingMessage) => boolean) | undefined;
  type Hold = { match: (req: IncomingMessage) => boolean; beforeForward?: () => Promise<unknown>; beforeAnswer?: () => Promise<unknown> };
  const holds: Hold[] = [];
  const seen: string[] = [];
  const server: Server = createServer(async (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const at = holds.findIndex((h) => h.match(req));
    const hold = at >= 0 ? holds.splice(at, 1)[0] : undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await hold?.beforeForward?.();
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "connection") headers.set(k, v);
    const response = await fetch(new URL(req.url ?? "/", upstream), {
      method: req.method,
      headers,
      ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
    });
    const body = Buffer.from(await response.arrayBuffer());
    await hold?.beforeAnswer?.();
    if (cut?.(req)) {
      cut = undefined;
      // The upstream has processed the request; the client never hears back.
      req.socket.destroy();
      return;
    }
    res.writeHead(
      response.status,
      Object.fromEntries(
        [...(response.headers as unknown as Iterable<[string, string]>)].filter(([k]) => k !== "content-encoding" && k !== "transfer-encoding"),
      ),
    );
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    cutNext: (match) => {
      cut = match;
    },
    holdNext: (match, hooks) => {
      holds.push({ match, ...hooks });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
