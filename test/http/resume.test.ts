// Downloads that break mid-body are resumed with a Range request, and only where that is safe.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, ServerError } from "modelreg";
import { pumpOf } from "../../src/http/body-pump.js";
import { createHttpClient as createClient } from "../../src/http/http-client.js";
import { nodeFetch } from "../../src/http/node-fetch.js";
import { rejectionOf } from "./support/helpers.js";

const BODY = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose handler sees each request's number; returns its origin. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<string> {
  let n = 0;
  server = createServer((req, res) => handler(req, res, n++));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
}

/** Sends `BODY` from `from`, cutting the connection after `cut` bytes when given. */
function send(res: ServerResponse, req: IncomingMessage, from: number, status: number, cut?: number) {
  const part = BODY.subarray(from);
  res.writeHead(status, {
    "content-length": String(part.byteLength),
    etag: '"v1"',
    ...(status === 206 && { "content-range": `bytes ${from}-${BODY.byteLength - 1}/${BODY.byteLength}` }),
  });
  if (cut === undefined) {
    res.end(part);
    return;
  }
  res.write(part.subarray(0, cut), () => setTimeout(() => req.socket.destroy(), 20));
}

/** The two ways a body is consumed: read as a web stream, or pushed through its pump (what downloads use). */
const CONSUMERS = {
  read: async (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return new Uint8Array(Buffer.concat(chunks));
  },
  pump: async (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> => {
    const pump = pumpOf(stream);
    if (!pump) throw new Error("the client's stream has no pump");
    const chunks: Uint8Array[] = [];
    // Every other chunk holds the body for a moment, as a file sink under a slow disk does.
    let n = 0;
    await pump((chunk) => {
      chunks.push(chunk);
      if (n++ % 2 === 0) return new Promise((resolve) => setTimeout(resolve, 1));
    });
    return new Uint8Array(Buffer.concat(chunks));
  },
};
const TRANSPORTS = { fetch: (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init), node: nodeFetch };

describe.each(
  Object.keys(CONSUMERS).flatMap((consumer) => Object.keys(TRANSPORTS).map((transport) => ({ consumer, transport }))) as Array<{
    consumer: keyof typeof CONSUMERS;
    transport: keyof typeof TRANSPORTS;
  }>,
)("resumed downloads ($consumer over $transport)", ({ consumer, transport }) => {
  const readAll = CONSUMERS[consumer];
  const createHttpClient = (config: Parameters<typeof createClient>[0]) => createClient({ ...config, fetch: TRANSPORTS[transport] });

  it("asks for the rest with Range and If-Range after a cut, and delivers every byte once", async () => {
    const ranges: Array<[string | undefined, string | undefined]> = [];
    const base = await serve((req, res, n) => {
      ranges.push([req.headers.range, req.headers["if-range"] as string | undefined]);
      const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
      // The first two answers break off; the third finishes.
      send(res, req, from, from > 0 ? 206 : 200, n < 2 ? 70_000 : undefined);
    });
    const progress: number[] = [];
    const client = createHttpClient({ provider: "test", baseUrl: base, retryBaseDelayMs: 1 });
    const res = await client.request({
      operation: "download",
      path: "blob",
      responseType: "stream",
      onDownloadProgress: (p) => progress.push(p.transferredBytes),
    });
    const got = await readAll(res.data);
    expect(sha(got)).toBe(sha(BODY));
    // Each cut sends 70,000 bytes and then resets the connection. A reset can drop what the client had not read yet
    // (a pumped body that holds chunks reads later), so each resume starts after what arrived: more than before, at
    // most 70,000 more.
    expect(ranges[0]).toEqual([undefined, undefined]);
    expect(ranges.slice(1).map(([, ifRange]) => ifRange)).toEqual(['"v1"', '"v1"']);
    const starts = ranges.slice(1).map(([range]) => Number(/^bytes=(\d+)-$/.exec(range ?? "")?.[1]));
    expect(starts[0]).toBeGreaterThan(0);
    expect(starts[0]).toBeLessThanOrEqual(70_000);
    expect(starts[1]).toBeGreaterThan(starts[0] as number);
    expect(starts[1]).toBeLessThanOrEqual((starts[0] as number) + 70_000);
    expect(progress.at(-1)).toBe(BODY.byteLength);
  });

  it("drops the bytes it already has when the server ignores Range and sends everything again", async () => {
    const base = await serve((req, res, n) => send(res, req, 0, 200, n === 0 ? 123_457 : undefined));
    const client = createHttpClient({ provider: "test", baseUrl: base, retryBaseDelayMs: 1 });
    const res = await client.request({ operation: "download", path: "blob", responseType: "stream" });
    expect(sha(await readAll(res.data))).toBe(sha(BODY));
  });

  it("refuses a 206 that starts somewhere else, instead of splicing the wrong bytes", async () => {
    const base = await serve((req, res, n) => {
      if (n === 0) return send(res, req, 0, 200, 50_000);
      res.writeHead(206, { "content-range": `bytes 10-${BODY.byteLength - 1}/${BODY.byteLength}`, "content-length": String(BODY.byteLength - 10) });
      res.end(BODY.subarray(10));
    });
    const client = createHttpClient({ provider: "test", baseUrl: base, retryBaseDelayMs: 1 });
    const res = await client.request({ operation: "download", path: "blob", responseType: "stream" });
    const error = await rejectionOf(readAll(res.data));
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("resumed the download at byte 10 instead of 50000");
  });

  it("gives up after maxRetries resumes, and not at all with resume: false or a range of the caller's own", async () => {
    let requests = 0;
    const base = await serve((req, res) => {
      requests++;
      const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
      send(res, req, from, from > 0 ? 206 : 200, 1_000);
    });
    const client = createHttpClient({ provider: "test", baseUrl: base, retryBaseDelayMs: 1, maxRetries: 2 });
    const broken = await client.request({ operation: "download", path: "blob", responseType: "stream" });
    expect(ConnectionError.isInstance(await rejectionOf(readAll(broken.data)))).toBe(true);
    expect(requests).toBe(3);

    requests = 0;
    const off = await client.request({ operation: "download", path: "blob", responseType: "stream", resume: false });
    expect(ConnectionError.isInstance(await rejectionOf(readAll(off.data)))).toBe(true);
    expect(requests).toBe(1);

    requests = 0;
    const own = await client.request({ operation: "download", path: "blob", responseType: "stream", headers: { Range: "bytes=5-" } });
    expect(ConnectionError.isInstance(await rejectionOf(readAll(own.data)))).toBe(true);
    expect(requests).toBe(1);
  });

  it("refuses a full re-send whose ETag changed, instead of splicing a new file's tail onto the old head", async () => {
    const base = await serve((req, res, n) => {
      if (n === 0) return send(res, req, 0, 200, 60_000);
      res.writeHead(200, { "content-length": String(BODY.byteLength), etag: '"v2"' });
      res.end(BODY.map((b) => b ^ 1));
    });
    const client = createHttpClient({ provider: "test", baseUrl: base, retryBaseDelayMs: 1 });
    const res = await client.request({ operation: "download", path: "blob", responseType: "stream" });
    const error = await rejectionOf(readAll(res.data));
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("changed on the server while it was being downloaded");
  });

  it("passes a consumer's own failure through unchanged, and does not resume after it", async () => {
    let requests = 0;
    const base = await serve((req, res) => {
      requests++;
      send(res, req, 0, 200);
    });
    const client = createHttpClient({ provider: "test", baseUrl: base, retryBaseDelayMs: 1 });
    const res = await client.request({ operation: "download", path: "blob", responseType: "stream" });
    const pump = pumpOf(res.data);
    expect(pump).toBeDefined();
    const mine = Object.assign(new Error("disk full"), { code: "ENOSPC" });
    let seen = 0;
    const error = await rejectionOf(
      (pump as NonNullable<typeof pump>)(async (chunk) => {
        seen += chunk.byteLength;
        throw mine;
      }),
    );
    expect(error).toBe(mine);
    expect(seen).toBeGreaterThan(0);
    expect(requests).toBe(1);
  });
});
