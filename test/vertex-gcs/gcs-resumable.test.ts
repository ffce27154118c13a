import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGcsClient, type GcsClientSettings } from "../../src/adapters/vertex/gcs-client.js";
import { IntegrityError, InvalidInputError, NotFoundError, ServerError } from "../../src/core/errors.js";
import { rejectionOf } from "../support/rejection.js";
import { FakeGcs, type FakeGcsOptions, GRANULE, md5Of, referenceCrc32c, type SessionEvent } from "./support/fake-gcs.js";
import { fileOf, randomBytesOf, readStream, sameBytes, sha256Hex } from "./support/files.js";

const BASE = "https://storage.fake.test/";
const BUCKET = "bkt";
// A bit over 3 MiB, so the last 256 KiB chunk is a short one.
const SOURCE = randomBytesOf(3 * 1024 * 1024 + 12_345, 7);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function setup(options: FakeGcsOptions = {}, settings: GcsClientSettings = {}) {
  const fake = new FakeGcs(BASE, options);
  server.use(...fake.handlers());
  const gcs = createGcsClient({ baseUrl: BASE, headers: { authorization: "Bearer test-token" }, retryBaseDelayMs: 1, ...settings });
  return { fake, gcs };
}

const chunks = (events: SessionEvent[]) => events.filter((e) => e.kind === "chunk");

describe("resumable uploads against a session with real semantics", () => {
  it("continues from the offset the session reports after partial persistence and a dropped connection", async () => {
    const { fake, gcs } = setup({
      // Chunk 3 is received but not kept; chunk 6 is received, not kept, and its connection drops.
      persist: ({ index, persisted, receivedEnd }) => (index === 3 || index === 6 ? persisted : receivedEnd),
      dropAfterChunk: 6,
    });
    const file = fileOf(SOURCE);
    const progress: number[] = [];
    const result = await gcs.uploadObject({ bucket: BUCKET, name: "models/m/1/model.bin", file, chunkSize: GRANULE, resumableThreshold: 0, onBytes: (n) => progress.push(n) });

    expect(sameBytes(fake.objects.get(`${BUCKET}/models/m/1/model.bin`)?.bytes)).toEqual(sameBytes(SOURCE));
    expect(result).toMatchObject({ size: SOURCE.byteLength, md5: md5Of(SOURCE), crc32c: referenceCrc32c(SOURCE), sha256: sha256Hex(SOURCE) });
    expect(result.generation).toBe(String(fake.objects.get(`${BUCKET}/models/m/1/model.bin`)?.generation));

    const events = fake.events;
    const drop = events.findIndex((e) => e.kind === "chunk" && chunks(events).indexOf(e) === 5);
    const status = events[drop + 1];
    const resumed = events[drop + 2];
    expect(status?.kind).toBe("status");
    // The session held less than had been sent; the next chunk starts exactly there, neither at 0 nor at the sent end.
    const dropped = events[drop] as SessionEvent;
    expect(status?.persisted).toBeGreaterThan(0);
    expect(status?.persisted).toBeLessThan((dropped.start ?? 0) + dropped.length);
    expect(resumed).toMatchObject({ kind: "chunk", start: status?.persisted });
    // Every chunk starts where the session last said it stood, and none is larger than one chunk.
    let standing = 0;
    for (const event of events) {
      if (event.kind === "chunk") {
        expect(event.start).toBe(standing);
        expect(event.length).toBeLessThanOrEqual(GRANULE);
      }
      standing = event.persisted;
    }
    expect(chunks(events).filter((e) => e.start === 0)).toHaveLength(1);
    expect(events.filter((e) => e.kind === "status")).toHaveLength(1);
    expect(progress.at(-1)).toBe(SOURCE.byteLength);
  });

  it("sends `bytes a-b/*` while the size is unknown and the total with the last chunk", async () => {
    const { fake, gcs } = setup();
    const small = SOURCE.subarray(0, GRANULE * 2 + 1000);
    // Below the multipart threshold, but with no size given it must go resumable.
    await gcs.uploadObject({ bucket: BUCKET, name: "unknown.bin", file: fileOf(small, { declareSize: false }), chunkSize: GRANULE, resumableThreshold: 0 });
    expect(chunks(fake.events).map((e) => e.contentRange)).toEqual([
      `bytes 0-${GRANULE - 1}/*`,
      `bytes ${GRANULE}-${2 * GRANULE - 1}/*`,
      `bytes ${2 * GRANULE}-${small.byteLength - 1}/${small.byteLength}`,
    ]);
    expect(sameBytes(fake.objects.get(`${BUCKET}/unknown.bin`)?.bytes)).toEqual(sameBytes(small));
  });

  it("knows the last chunk when an unknown-size file ends exactly on a chunk boundary", async () => {
    const { fake, gcs } = setup();
    const exact = SOURCE.subarray(0, GRANULE * 2);
    await gcs.uploadObject({ bucket: BUCKET, name: "exact.bin", file: fileOf(exact, { declareSize: false }), chunkSize: GRANULE, resumableThreshold: 0 });
    expect(chunks(fake.events).map((e) => e.contentRange)).toEqual([`bytes 0-${GRANULE - 1}/*`, `bytes ${GRANULE}-${2 * GRANULE - 1}/${2 * GRANULE}`]);
    expect(sameBytes(fake.objects.get(`${BUCKET}/exact.bin`)?.bytes)).toEqual(sameBytes(exact));
  });

  it("keeps bytes the session did not persist and re-sends them with the next chunk", async () => {
    // 1 MiB chunks, of which the session keeps all but the last 256 KiB each time.
    const { fake, gcs } = setup({ persist: ({ receivedEnd }) => receivedEnd - GRANULE });
    const file = fileOf(SOURCE);
    await gcs.uploadObject({ bucket: BUCKET, name: "partial.bin", file, chunkSize: 4 * GRANULE, resumableThreshold: 0 });
    expect(sameBytes(fake.objects.get(`${BUCKET}/partial.bin`)?.bytes)).toEqual(sameBytes(SOURCE));
    const starts = chunks(fake.events).map((e) => e.start);
    expect(starts.slice(0, 3)).toEqual([0, 3 * GRANULE, 6 * GRANULE]);
    // The tail of each chunk came from memory: the file was read once.
    expect(file.opens).toBe(1);
  });

  it("throws IntegrityError when the finished object's md5 differs, and deletes the object", async () => {
    const { fake, gcs } = setup({ corruptMd5: true });
    const error = await rejectionOf(gcs.uploadObject({ bucket: BUCKET, name: "bad.bin", file: fileOf(SOURCE), chunkSize: GRANULE, resumableThreshold: 0 }));
    expect(IntegrityError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/md5/);
    expect(fake.objects.has(`${BUCKET}/bad.bin`)).toBe(false);
    expect(fake.requests.filter((r) => r.method === "DELETE")).toHaveLength(1);
  });

  it("starts a new session once from the first byte when the session is gone, re-reading the file", async () => {
    const { fake, gcs } = setup({ goneAtChunk: [4] });
    const file = fileOf(SOURCE);
    const result = await gcs.uploadObject({ bucket: BUCKET, name: "restart.bin", file, chunkSize: GRANULE, resumableThreshold: 0 });
    expect(sameBytes(fake.objects.get(`${BUCKET}/restart.bin`)?.bytes)).toEqual(sameBytes(SOURCE));
    expect(result.md5).toBe(md5Of(SOURCE));
    expect(result.crc32c).toBe(referenceCrc32c(SOURCE));
    const sessions = [...new Set(fake.events.map((e) => e.session))];
    expect(sessions).toHaveLength(2);
    expect(fake.events.find((e) => e.session === sessions[1])?.start).toBe(0);
    expect(file.opens).toBe(2);
  });

  it("fails with NotFoundError when the replacement session is gone too", async () => {
    const { gcs } = setup({ goneAtChunk: [2, 4] });
    const error = await rejectionOf(gcs.uploadObject({ bucket: BUCKET, name: "gone.bin", file: fileOf(SOURCE), chunkSize: GRANULE, resumableThreshold: 0 }));
    expect(NotFoundError.isInstance(error)).toBe(true);
  });

  it("gives up after maxRetries failures in a row, asking the session before each retry", async () => {
    const { fake, gcs } = setup({}, { maxRetries: 2 });
    let puts = 0;
    server.use(
      http.put(`${BASE}upload/storage/v1/b/${BUCKET}/o`, () => {
        puts++;
        return HttpResponse.json({ error: { code: 503, message: "backend error" } }, { status: 503 });
      }),
    );
    const error = await rejectionOf(gcs.uploadObject({ bucket: BUCKET, name: "down.bin", file: fileOf(SOURCE), chunkSize: GRANULE, resumableThreshold: 0 }));
    expect(ServerError.isInstance(error)).toBe(true);
    // The first chunk, then one status query per retry: the upload loop is the only one retrying session requests.
    expect(puts).toBe(1 + 2);
    expect(fake.objects.size).toBe(0);
  });

  it("refuses a chunk size that is not a multiple of 256 KiB before sending anything", async () => {
    const { fake, gcs } = setup();
    const error = await rejectionOf(gcs.uploadObject({ bucket: BUCKET, name: "x.bin", file: fileOf(SOURCE), chunkSize: GRANULE + 1, resumableThreshold: 0 }));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a file longer than its declared size", async () => {
    const { gcs } = setup();
    const file = { ...fileOf(SOURCE), size: SOURCE.byteLength - 10 };
    const error = await rejectionOf(gcs.uploadObject({ bucket: BUCKET, name: "long.bin", file, chunkSize: GRANULE, resumableThreshold: 0 }));
    expect(InvalidInputError.isInstance(error)).toBe(true);
  });
});

describe("multipart uploads", () => {
  it("sends small files in one request whose metadata carries md5Hash and crc32c", async () => {
    const { fake, gcs } = setup();
    const small = SOURCE.subarray(0, 5000);
    const result = await gcs.uploadObject({ bucket: BUCKET, name: "small/config.json", file: fileOf(small, { pieceSize: 999 }), contentType: "application/json" });
    expect(fake.events).toHaveLength(0);
    expect(fake.requests.map((r) => `${r.method} ${new URL(r.url).searchParams.get("uploadType")}`)).toEqual(["POST multipart"]);
    expect(fake.multipartMetadata).toEqual([{ name: "small/config.json", contentType: "application/json", md5Hash: md5Of(small), crc32c: referenceCrc32c(small) }]);
    expect(fake.objects.get(`${BUCKET}/small/config.json`)).toMatchObject({ bytes: small, contentType: "application/json" });
    expect(result).toMatchObject({ size: 5000, md5: md5Of(small), crc32c: referenceCrc32c(small), sha256: sha256Hex(small) });
  });

  it("uploads an empty file", async () => {
    const { fake, gcs } = setup();
    const result = await gcs.uploadObject({ bucket: BUCKET, name: "empty", file: fileOf(new Uint8Array(0)) });
    expect(result).toMatchObject({ size: 0, crc32c: "AAAAAA==" });
    expect(fake.objects.get(`${BUCKET}/empty`)?.bytes).toEqual(new Uint8Array(0));
  });

  it("refuses a file shorter than its declared size without sending it", async () => {
    const { fake, gcs } = setup();
    const file = { ...fileOf(SOURCE.subarray(0, 100)), size: 200 };
    const error = await rejectionOf(gcs.uploadObject({ bucket: BUCKET, name: "short.bin", file }));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("objects", () => {
  const NAME = "models/fraud/1/model (1).pkl";

  it("encodes / as %2F (and parentheses) in object paths, and streams downloads with verified hashes", async () => {
    const { fake, gcs } = setup();
    const bytes = SOURCE.subarray(0, 70_000);
    await gcs.uploadObject({ bucket: BUCKET, name: NAME, file: fileOf(bytes) });
    const stat = await gcs.statObject({ bucket: BUCKET, name: NAME });
    expect(stat).toMatchObject({ bucket: BUCKET, name: NAME, size: 70_000, md5Hash: md5Of(bytes) });
    const download = await gcs.openObject({ bucket: BUCKET, name: NAME });
    expect(download.size).toBe(70_000);
    expect(download.md5).toBe(md5Of(bytes));
    expect(sameBytes(await readStream(download.stream))).toEqual(sameBytes(bytes));
    const paths = fake.requests.filter((r) => r.method === "GET").map((r) => r.url);
    expect(paths).toEqual([
      `${BASE}storage/v1/b/${BUCKET}/o/models%2Ffraud%2F1%2Fmodel%20%281%29.pkl`,
      `${BASE}storage/v1/b/${BUCKET}/o/models%2Ffraud%2F1%2Fmodel%20%281%29.pkl?alt=media`,
    ]);
  });

  it("errors the download stream with IntegrityError when the bytes do not match x-goog-hash", async () => {
    const { fake, gcs } = setup({ corruptDownload: true });
    fake.objects.set(`${BUCKET}/o.bin`, { bytes: SOURCE.subarray(0, 1000), generation: 1, contentType: "application/octet-stream" });
    const download = await gcs.openObject({ bucket: BUCKET, name: "o.bin" });
    const error = await rejectionOf(readStream(download.stream));
    expect(IntegrityError.isInstance(error)).toBe(true);
  });

  it("lists across pages and copes with pages without items", async () => {
    const { fake, gcs } = setup({ pageSize: 2 });
    for (const name of ["a/1", "a/2", "a/3", "a/4", "a/5", "b/1"]) {
      fake.objects.set(`${BUCKET}/${name}`, { bytes: new Uint8Array([1]), generation: 1, contentType: "x/y" });
    }
    const names: string[] = [];
    for await (const object of gcs.listObjects({ bucket: BUCKET, prefix: "a/" })) names.push(object.name);
    expect(names).toEqual(["a/1", "a/2", "a/3", "a/4", "a/5"]);
    expect(fake.requests.map((r) => new URL(r.url).searchParams.get("pageToken"))).toEqual([null, "2", "4"]);
    const none: string[] = [];
    for await (const object of gcs.listObjects({ bucket: BUCKET, prefix: "zzz/" })) none.push(object.name);
    expect(none).toEqual([]);
  });

  it("deletes, after which stat and download are NotFoundError", async () => {
    const { fake, gcs } = setup();
    fake.objects.set(`${BUCKET}/d.bin`, { bytes: new Uint8Array([1, 2]), generation: 5, contentType: "x/y" });
    await gcs.deleteObject({ bucket: BUCKET, name: "d.bin" });
    expect(fake.objects.has(`${BUCKET}/d.bin`)).toBe(false);
    expect(NotFoundError.isInstance(await rejectionOf(gcs.statObject({ bucket: BUCKET, name: "d.bin" })))).toBe(true);
    expect(NotFoundError.isInstance(await rejectionOf(gcs.openObject({ bucket: BUCKET, name: "d.bin" })))).toBe(true);
  });

  it("sends the client's headers to the API but not to the session URI", async () => {
    const { gcs } = setup();
    const seen: Array<{ method: string; auth: string | null }> = [];
    server.events.on("request:start", ({ request }) => seen.push({ method: request.method, auth: request.headers.get("authorization") }));
    try {
      await gcs.uploadObject({ bucket: BUCKET, name: "auth.bin", file: fileOf(SOURCE.subarray(0, GRANULE + 1)), chunkSize: GRANULE, resumableThreshold: 0 });
    } finally {
      server.events.removeAllListeners("request:start");
    }
    expect(seen).toEqual([
      { method: "POST", auth: "Bearer test-token" },
      { method: "PUT", auth: null },
      { method: "PUT", auth: null },
    ]);
  });
});
