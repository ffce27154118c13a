// The default transport (src/http/node-fetch.ts) against real sockets on loopback, no msw: what a server that floods,
// stalls, cuts off or redirects does to it, and that it holds back a socket its reader does not keep up with. The
// unit project's msw suites run through `globalThis.fetch` (see vitest.config.ts), so this file is where the
// transport users get by default meets hostile servers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, IntegrityError, ServerError, TimeoutError } from "modelreg";
import { downloadToDirectory } from "../../src/artifacts/download.js";
import { createHttpClient } from "../../src/http/http-client.js";
import { pumpOf } from "../../src/http/body-pump.js";
import { defaultTransport, nodeFetch } from "../../src/http/node-fetch.js";
import { chunkedStream, readAll, rejectionOf } from "./support/helpers.js";

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Route>();
/** What the server saw: connections opened, and per path the bytes written before the client went away. */
const seen = { connections: 0, closed: [] as string[] };
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes.get(new URL(req.url ?? "/", "http://x").pathname);
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  server.on("connection", () => seen.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterEach(() => {
  routes.clear();
  seen.connections = 0;
  seen.closed = [];
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = (extra: Partial<Parameters<typeof createHttpClient>[0]> = {}) =>
  createHttpClient({ provider: "mlflow", baseUrl: base, fetch: nodeFetch, maxRetries: 0, ...extra });

/** Writes `chunk` until the client goes away or `limit` bytes went; resolves with the bytes the socket took. */
function flood(res: ServerResponse, limit = Number.POSITIVE_INFINITY, chunk = new Uint8Array(64 * 1024)): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    let gone = false;
    res.on("close", () => {
      gone = true;
      resolve(written);
    });
    const more = () => {
      while (!gone && written < limit) {
        written += chunk.byteLength;
        if (!res.write(chunk)) return void res.once("drain", more);
      }
      if (!gone) res.end(() => resolve(written));
    };
    more();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the node:http transport", () => {
  it("is the default, and MODELREG_HTTP_TRANSPORT=fetch or a bad value are honoured", () => {
    const saved = process.env.MODELREG_HTTP_TRANSPORT;
    try {
      delete process.env.MODELREG_HTTP_TRANSPORT;
      expect(defaultTransport()).toBe("node");
      process.env.MODELREG_HTTP_TRANSPORT = "fetch";
      expect(defaultTransport()).toBe("fetch");
      process.env.MODELREG_HTTP_TRANSPORT = "curl";
      expect(() => createHttpClient({ provider: "mlflow", baseUrl: base })).toThrow(/MODELREG_HTTP_TRANSPORT must be one of node, fetch/);
    } finally {
      if (saved === undefined) delete process.env.MODELREG_HTTP_TRANSPORT;
      else process.env.MODELREG_HTTP_TRANSPORT = saved;
    }
  });

  it("runs 16 requests on one caller signal without Node's possible-leak warning", async () => {
    routes.set("/ok", (_req, res) => setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"), 50));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      const shared = new AbortController();
      const c = client();
      await Promise.all(Array.from({ length: 16 }, () => c.request({ operation: "ok", path: "ok", signal: shared.signal })));
      await sleep(50);
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => /listeners/i.test(w))).toEqual([]);
  });

  it("sends JSON calls over one kept-alive connection", async () => {
    routes.set("/echo", (req, res) => {
      let text = "";
      req.setEncoding("utf8").on("data", (c: string) => (text += c));
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ got: JSON.parse(text), method: req.method })));
    });
    const c = client();
    for (const n of [1, 2, 3]) {
      const { data } = await c.request({ operation: "echo", method: "POST", path: "echo", json: { n } });
      expect(data).toEqual({ got: { n }, method: "POST" });
    }
    expect(seen.connections).toBeLessThanOrEqual(1);
  });

  it("streams an upload with its Content-Length, or chunked without one, holding the body back while the server reads slowly", async () => {
    const got: Array<{ bytes: number; length: string | undefined; chunked: boolean }> = [];
    routes.set("/up", (req, res) => {
      let bytes = 0;
      req.on("data", (c: Buffer) => (bytes += c.byteLength));
      req.on("end", () => {
        got.push({ bytes, length: req.headers["content-length"], chunked: req.headers["transfer-encoding"] === "chunked" });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    const c = client();
    await c.request({ operation: "up", method: "PUT", path: "up", body: () => chunkedStream(64, 64 * 1024), bodySize: 64 * 64 * 1024, responseType: "none" });
    await c.request({ operation: "up", method: "PUT", path: "up", body: () => chunkedStream(3, 1000), responseType: "none" });
    expect(got).toEqual([
      { bytes: 4 * 1024 * 1024, length: String(4 * 1024 * 1024), chunked: false },
      { bytes: 3000, length: undefined, chunked: true },
    ]);

    // Back-pressure: a server that reads nothing leaves the body's source unpulled past the socket's buffers.
    let pulled = 0;
    routes.set("/stuck", (req) => req.pause());
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1024 * 1024;
        controller.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const pending = client({ timeoutMs: 400 }).request({ operation: "up", method: "PUT", path: "stuck", body: () => source, responseType: "none" });
    const error = await rejectionOf(pending);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(pulled).toBeLessThan(64 * 1024 * 1024);
  });

  it("pauses the socket while the reader does not read, and closes it when the reader cancels", async () => {
    let written: Promise<number> = Promise.resolve(0);
    routes.set("/big", (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      written = flood(res);
    });
    const { data } = await client().request({ operation: "download", path: "big", responseType: "stream", resume: false });
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).value?.byteLength).toBeGreaterThan(0);
    await sleep(300);
    await reader.cancel();
    // An endless body: what the server got rid of is what the socket buffers and the stream's queue hold, not more.
    expect(await written).toBeLessThan(32 * 1024 * 1024);
  });

  it("joins what arrived while nobody read into one chunk, and delivers every byte in order", async () => {
    const body = new Uint8Array(1024 * 1024).map((_, i) => i % 253);
    routes.set("/parts", (_req, res) => {
      res.writeHead(200, { "content-length": String(body.byteLength) });
      for (let at = 0; at < body.byteLength; at += 16 * 1024) res.write(body.subarray(at, at + 16 * 1024));
      res.end();
    });
    const { data } = await client().request({ operation: "download", path: "parts", responseType: "stream", resume: false });
    await sleep(300);
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(chunks[0]?.byteLength).toBeGreaterThan(64 * 1024);
    expect(Buffer.concat(chunks).equals(Buffer.from(body))).toBe(true);
  });

  it("fails, not ends, a body the server cuts off before its Content-Length", async () => {
    routes.set("/cut", (_req, res) => {
      res.writeHead(200, { "content-length": "100000" });
      res.write(new Uint8Array(50_000), () => res.destroy());
    });
    const { data } = await client().request({ operation: "download", path: "cut", responseType: "stream", resume: false });
    const error = await rejectionOf(readAll(data as ReadableStream<Uint8Array>));
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as ConnectionError).isRetryable).toBe(true);
  });

  it("resumes a cut-off download with a Range request and delivers every byte once", async () => {
    const body = new Uint8Array(200_000).map((_, i) => i % 251);
    let calls = 0;
    routes.set("/resume", (req, res) => {
      calls++;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      if (!range) {
        res.writeHead(200, { "content-length": String(body.byteLength) });
        res.write(body.subarray(0, 70_000), () => res.destroy());
        return;
      }
      const from = Number(range[1]);
      res.writeHead(206, { "content-length": String(body.byteLength - from), "content-range": `bytes ${from}-${body.byteLength - 1}/${body.byteLength}` });
      res.end(body.subarray(from));
    });
    const { data } = await client({ maxRetries: 2 }).request({ operation: "download", path: "resume", responseType: "stream" });
    expect(Buffer.from(await readAll(data as ReadableStream<Uint8Array>)).equals(Buffer.from(body))).toBe(true);
    expect(calls).toBe(2);
  });

  it("times out a body that stalls, and lets the connection go", async () => {
    let closed: Promise<void> = Promise.resolve();
    routes.set("/stall", (_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("x");
      closed = new Promise((resolve) => res.on("close", () => resolve()));
    });
    const { data } = await client({ timeoutMs: 200 }).request({ operation: "download", path: "stall", responseType: "stream", resume: false });
    const error = await rejectionOf(readAll(data as ReadableStream<Uint8Array>));
    expect(TimeoutError.isInstance(error)).toBe(true);
    await closed;
  });

  it("times out a server that never answers, and lets the connection go", async () => {
    let closed: Promise<void> = Promise.resolve();
    routes.set("/silent", (_req, res) => {
      closed = new Promise((resolve) => res.on("close", () => resolve()));
    });
    const error = await rejectionOf(client({ timeoutMs: 200 }).request({ operation: "silent", path: "silent" }));
    expect(TimeoutError.isInstance(error)).toBe(true);
    await closed;
  });

  it("refuses a redirect for a streamed upload, as fetch does, and has no body for a 204", async () => {
    routes.set("/moved", (req, res) => {
      req.resume();
      res.writeHead(307, { location: `${base}elsewhere` }).end();
    });
    const error = await rejectionOf(
      client().request({ operation: "up", method: "PUT", path: "moved", body: () => chunkedStream(2, 10), responseType: "none" }),
    );
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/redirect/);

    routes.set("/empty", (_req, res) => res.writeHead(204).end());
    const response = await nodeFetch(`${base}empty`);
    expect([response.status, response.body]).toEqual([204, null]);
  });

  it("cuts off a download that runs past its listed size, writes nothing, and closes the connection", async () => {
    let written: Promise<number> = Promise.resolve(0);
    routes.set("/endless", (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      written = flood(res);
    });
    const dir = await mkdtemp(join(tmpdir(), "modelreg-node-fetch-"));
    try {
      const c = client();
      const error = await rejectionOf(
        downloadToDirectory({
          directory: join(dir, "out"),
          files: [{ path: "weights.bin", size: 1024 * 1024 }],
          open: async (_file, signal) =>
            (await c.request({ operation: "download", path: "endless", responseType: "stream", resume: false, signal })).data as ReadableStream<Uint8Array>,
          provider: "mlflow",
          operation: "downloadArtifacts",
        }),
      );
      expect(IntegrityError.isInstance(error)).toBe(true);
      expect(await written).toBeLessThan(32 * 1024 * 1024);
      expect(await readdir(join(dir, "out"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("the body pump (what downloads use)", () => {
    const pumpOfResponse = (response: Response) => {
      const pump = response.body && pumpOf(response.body);
      if (!pump) throw new Error("no pump");
      return pump;
    };

    it("pushes every byte in order, and holds the socket while the sink holds a chunk", async () => {
      const body = new Uint8Array(8 * 1024 * 1024).map((_, i) => (i * 31) % 251);
      let written: Promise<number> = Promise.resolve(0);
      routes.set("/pumped", (_req, res) => {
        res.writeHead(200, { "content-length": String(body.byteLength) });
        written = flood(res, body.byteLength, body.subarray(0, 64 * 1024));
      });
      // flood repeats its chunk: the expected body is that chunk over and over.
      const expected = Buffer.concat(Array.from({ length: 128 }, () => Buffer.from(body.subarray(0, 64 * 1024))));
      const response = await nodeFetch(`${base}pumped`);
      const chunks: Uint8Array[] = [];
      let holding = false;
      let arrivedWhileHeld = 0;
      let heldOnce = false;
      await pumpOfResponse(response)(async (chunk) => {
        if (holding) arrivedWhileHeld++;
        chunks.push(chunk);
        if (!heldOnce) {
          // Hold the first chunk a while: the server must stall on a full socket, not keep sending into memory.
          heldOnce = true;
          holding = true;
          await sleep(300);
          holding = false;
        }
      });
      expect(arrivedWhileHeld).toBe(0);
      expect(Buffer.concat(chunks).equals(expected)).toBe(true);
      expect(await written).toBe(body.byteLength);
    });

    it("starts with what arrived before it, resolves for an empty body, and refuses a body already read", async () => {
      routes.set("/early", (_req, res) => res.writeHead(200, { "content-length": "5" }).end("hello"));
      const early = await nodeFetch(`${base}early`);
      await sleep(100);
      const got: string[] = [];
      await pumpOfResponse(early)((chunk) => {
        got.push(Buffer.from(chunk).toString());
      });
      expect(got.join("")).toBe("hello");
      await expect(pumpOfResponse(early)(() => undefined)).rejects.toThrow(/already being read/);

      routes.set("/none", (_req, res) => res.writeHead(200, { "content-length": "0" }).end());
      const none = await nodeFetch(`${base}none`);
      await sleep(50);
      let calls = 0;
      await pumpOfResponse(none)(() => {
        calls++;
      });
      expect(calls).toBe(0);

      const read = await nodeFetch(`${base}early`);
      await read.body?.getReader().read();
      await expect(pumpOfResponse(read)(() => undefined)).rejects.toThrow(/already being read/);
    });

    it("fails on a cut-off body, and stops the body when the sink throws", async () => {
      routes.set("/cut", (_req, res) => {
        res.writeHead(200, { "content-length": "100000" });
        res.write(new Uint8Array(50_000), () => res.destroy());
      });
      const cut = await nodeFetch(`${base}cut`);
      const error = await rejectionOf(pumpOfResponse(cut)(() => undefined));
      expect((error as NodeJS.ErrnoException).code).toBe("ECONNRESET");

      let written: Promise<number> = Promise.resolve(0);
      routes.set("/endless", (_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        written = flood(res);
      });
      const endless = await nodeFetch(`${base}endless`);
      const mine = new Error("enough");
      let seen = 0;
      const stopped = await rejectionOf(
        pumpOfResponse(endless)((chunk) => {
          seen += chunk.byteLength;
          if (seen > 1024 * 1024) throw mine;
        }),
      );
      expect(stopped).toBe(mine);
      expect(await written).toBeLessThan(32 * 1024 * 1024);
    });

    it("downloads through the pump into a file, with progress, and a stalled body still times out", async () => {
      const body = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 13) % 256);
      routes.set("/file", (_req, res) => res.writeHead(200, { "content-length": String(body.byteLength) }).end(body));
      routes.set("/stall", (_req, res) => {
        res.writeHead(200, { "content-length": "1000" });
        res.write("x");
      });
      const dir = await mkdtemp(join(tmpdir(), "modelreg-node-fetch-"));
      try {
        const c = client({ timeoutMs: 300 });
        const progress: number[] = [];
        const open = (path: string) => async (_file: unknown, signal: AbortSignal) =>
          (
            await c.request({
              operation: "download",
              path,
              responseType: "stream",
              resume: false,
              signal,
              onDownloadProgress: (p) => progress.push(p.transferredBytes),
            })
          ).data as ReadableStream<Uint8Array>;
        const done = await downloadToDirectory({
          directory: join(dir, "ok"),
          files: [{ path: "w.bin", size: body.byteLength }],
          open: open("file"),
          provider: "mlflow",
          operation: "downloadArtifacts",
        });
        expect(done.files[0]?.sha256).toBe(createHash("sha256").update(body).digest("hex"));
        expect((await readFile(join(dir, "ok", "w.bin"))).equals(Buffer.from(body))).toBe(true);
        expect(progress.at(-1)).toBe(body.byteLength);

        const error = await rejectionOf(
          downloadToDirectory({
            directory: join(dir, "stalled"),
            files: [{ path: "s.bin" }],
            open: open("stall"),
            provider: "mlflow",
            operation: "downloadArtifacts",
          }),
        );
        expect(TimeoutError.isInstance(error)).toBe(true);
        expect(await readdir(join(dir, "stalled"))).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
