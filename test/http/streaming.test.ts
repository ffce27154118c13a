import { Readable } from "node:stream";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, ResponseValidationError, TimeoutError } from "modelreg";
import { createHttpClient } from "../../src/http/http-client.js";
import type { HttpProgress } from "../../src/http/http-types.js";
import { chunkedStream, readAll, recordingSleep, rejectionOf } from "./support/helpers.js";

const BASE = "https://files.test/";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = (extra: Partial<Parameters<typeof createHttpClient>[0]> = {}) =>
  createHttpClient({ provider: "mlflow", baseUrl: BASE, sleep: recordingSleep(), ...extra });

describe("uploads", () => {
  it("streams an upload with Content-Length from bodySize and per-chunk progress", async () => {
    let received: { bytes: number; sum: number; length: string | null } | undefined;
    server.use(
      http.put(`${BASE}artifacts/model.bin`, async ({ request }) => {
        const bytes = new Uint8Array(await request.arrayBuffer());
        received = { bytes: bytes.byteLength, sum: bytes.reduce((a, b) => a + b, 0), length: request.headers.get("content-length") };
        return HttpResponse.json({});
      }),
    );
    const progress: HttpProgress[] = [];
    await client().request({
      operation: "uploadArtifact",
      method: "PUT",
      path: "artifacts/model.bin",
      body: () => chunkedStream(4, 1000, 3),
      bodySize: 4000,
      onUploadProgress: (p) => progress.push(p),
      responseType: "none",
    });
    expect(received).toEqual({ bytes: 4000, sum: 12_000, length: "4000" });
    expect(progress).toEqual([1000, 2000, 3000, 4000].map((transferredBytes) => ({ transferredBytes, totalBytes: 4000 })));
  });

  it("opens a fresh stream for each attempt, so a retried upload sends every byte", async () => {
    const sizes: number[] = [];
    server.use(
      http.put(`${BASE}up`, async ({ request }) => {
        sizes.push((await request.arrayBuffer()).byteLength);
        return sizes.length === 1 ? HttpResponse.json({}, { status: 503 }) : HttpResponse.json({ ok: true });
      }),
    );
    let opened = 0;
    const res = await client().request({
      operation: "upload",
      method: "PUT",
      path: "up",
      body: () => {
        opened++;
        return chunkedStream(3, 10);
      },
    });
    expect(res.data).toEqual({ ok: true });
    expect(opened).toBe(2);
    expect(sizes).toEqual([30, 30]);
  });

  it("accepts a Node stream (async iterable) as a body", async () => {
    let text = "";
    server.use(
      http.post(`${BASE}iter`, async ({ request }) => {
        text = await request.text();
        return HttpResponse.json({});
      }),
    );
    await client().request({
      operation: "upload",
      method: "POST",
      path: "iter",
      body: () => Readable.from([Buffer.from("hello "), Buffer.from("world")]),
    });
    expect(text).toBe("hello world");
  });

  it("reports one progress event for an in-memory body", async () => {
    server.use(http.put(`${BASE}small`, () => HttpResponse.json({})));
    const progress: HttpProgress[] = [];
    await client().request({ operation: "put", method: "PUT", path: "small", body: () => new Uint8Array(12), onUploadProgress: (p) => progress.push(p) });
    expect(progress).toEqual([{ transferredBytes: 12, totalBytes: 12 }]);
  });
});

describe("downloads", () => {
  it("returns a streamed download unbuffered, with progress", async () => {
    let pulled = 0;
    server.use(
      http.get(`${BASE}artifacts/big.bin`, () => {
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (pulled === 5) return controller.close();
            pulled++;
            controller.enqueue(new Uint8Array(100).fill(pulled));
          },
        });
        return new HttpResponse(body, { headers: { "content-length": "500", "x-request-id": "dl-1" } });
      }),
    );
    const progress: HttpProgress[] = [];
    const res = await client().request({
      operation: "download",
      path: "artifacts/big.bin",
      responseType: "stream",
      onDownloadProgress: (p) => progress.push(p),
    });
    expect(res.status).toBe(200);
    expect(res.requestId).toBe("dl-1");
    expect(res.data).toBeInstanceOf(ReadableStream);
    const bytes = await readAll(res.data);
    expect(bytes.byteLength).toBe(500);
    expect([bytes[0], bytes[499]]).toEqual([1, 5]);
    expect(progress.at(-1)).toEqual({ transferredBytes: 500, totalBytes: 500 });
    expect(progress).toHaveLength(5);
  });

  it("turns a stalled download into TimeoutError for the reader", async () => {
    server.use(
      http.get(`${BASE}stall`, () => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new Uint8Array(10));
          },
        });
        return new HttpResponse(body);
      }),
    );
    const res = await client({ timeoutMs: 50 }).request({ operation: "download", path: "stall", responseType: "stream" });
    const error = await rejectionOf(readAll(res.data));
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).operation).toBe("download");
  });

  it("turns a broken download into ConnectionError for the reader", async () => {
    server.use(
      http.get(`${BASE}broken`, () => {
        let sent = false;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) return controller.error(new Error("socket hang up"));
            sent = true;
            controller.enqueue(new Uint8Array(10));
          },
        });
        return new HttpResponse(body);
      }),
    );
    const res = await client().request({ operation: "download", path: "broken", responseType: "stream" });
    const error = await rejectionOf(readAll(res.data));
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("socket hang up");
  });

  it("reports download progress while reading JSON", async () => {
    server.use(http.get(`${BASE}j`, () => HttpResponse.json({ a: "x".repeat(100) })));
    const progress: HttpProgress[] = [];
    await client().request({ operation: "get", path: "j", onDownloadProgress: (p) => progress.push(p) });
    expect(progress.at(-1)?.transferredBytes).toBe(JSON.stringify({ a: "x".repeat(100) }).length);
  });
});

describe("response size limit", () => {
  it("refuses a body whose Content-Length is over the limit without reading it", async () => {
    server.use(
      http.get(`${BASE}huge`, () => new HttpResponse("{}", { headers: { "content-type": "application/json", "content-length": String(10 * 1024 ** 3) } })),
    );
    const error = await rejectionOf(client().request({ operation: "list", path: "huge" }));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`is ${10 * 1024 ** 3} bytes (Content-Length), over the limit of ${64 * 1024 * 1024} bytes`);
  });

  it("stops reading a body without Content-Length at the limit", async () => {
    let pulled = 0;
    server.use(
      http.get(`${BASE}endless`, () => {
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++;
            controller.enqueue(new TextEncoder().encode(`"${"a".repeat(1022)}",`));
          },
        });
        return new HttpResponse(body, { headers: { "content-type": "application/json" } });
      }),
    );
    const error = await rejectionOf(client({ maxResponseBytes: 10_000 }).request({ operation: "list", path: "endless" }));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("exceeded the limit of 10000 bytes");
    expect(pulled).toBeLessThan(20);
  });
});

describe("base URL", () => {
  it("keeps the base URL's path prefix, with or without a trailing slash or a leading slash on the path", async () => {
    const seen: string[] = [];
    server.use(
      http.get("https://host.test/mlflow/api/2.0/mlflow/registered-models/get", ({ request }) => {
        seen.push(request.url);
        return HttpResponse.json({});
      }),
    );
    for (const baseUrl of ["https://host.test/mlflow", "https://host.test/mlflow/"]) {
      const c = createHttpClient({ provider: "mlflow", baseUrl });
      expect(c.baseUrl).toBe("https://host.test/mlflow/");
      await c.request({
        operation: "getModel",
        path: "api/2.0/mlflow/registered-models/get",
        query: { name: "a b", order_by: ["x", "y"], skip: undefined, flag: false },
      });
      await c.request({ operation: "getModel", path: "/api/2.0/mlflow/registered-models/get", query: { name: "fraud" } });
    }
    expect(seen).toEqual([
      "https://host.test/mlflow/api/2.0/mlflow/registered-models/get?name=a+b&order_by=x&order_by=y&flag=false",
      "https://host.test/mlflow/api/2.0/mlflow/registered-models/get?name=fraud",
      "https://host.test/mlflow/api/2.0/mlflow/registered-models/get?name=a+b&order_by=x&order_by=y&flag=false",
      "https://host.test/mlflow/api/2.0/mlflow/registered-models/get?name=fraud",
    ]);
  });
});
