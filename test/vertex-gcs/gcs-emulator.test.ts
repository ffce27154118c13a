// The Cloud Storage layer against fake-gcs-server over real HTTP. No status query here: fake-gcs-server commits the
// object when asked `bytes */N` instead of answering 308, so resuming is covered by the msw fake only.
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { createGcsClient } from "../../src/adapters/vertex/gcs-client.js";
import { NotFoundError } from "../../src/core/errors.js";
import { rejectionOf } from "../support/rejection.js";
import { EMULATOR_BUCKET } from "./support/emulator.js";
import { GRANULE, md5Of, referenceCrc32c } from "./support/fake-gcs.js";
import { fileOf, randomBytesOf, readStream, sameBytes, sha256Hex } from "./support/files.js";

const gcs = createGcsClient({ baseUrl: `${inject("gcsUrl")}/`, retryBaseDelayMs: 10 });
const prefix = `runs/${randomUUID()}/`;

async function roundTrip(name: string, bytes: Uint8Array) {
  const download = await gcs.openObject({ bucket: EMULATOR_BUCKET, name });
  const received = await readStream(download.stream);
  return { download, received };
}

describe("fake-gcs-server", () => {
  it("uploads a small file as multipart, then lists, downloads and deletes it", async () => {
    const name = `${prefix}small/config (1).json`;
    const bytes = randomBytesOf(10_000, 3);
    const result = await gcs.uploadObject({ bucket: EMULATOR_BUCKET, name, file: fileOf(bytes), contentType: "application/json" });
    expect(result).toMatchObject({ size: 10_000, md5: md5Of(bytes), crc32c: referenceCrc32c(bytes), sha256: sha256Hex(bytes) });

    const stat = await gcs.statObject({ bucket: EMULATOR_BUCKET, name });
    expect(stat).toMatchObject({ name, size: 10_000, md5Hash: md5Of(bytes), crc32c: referenceCrc32c(bytes), contentType: "application/json", generation: result.generation });

    const listed = [];
    for await (const object of gcs.listObjects({ bucket: EMULATOR_BUCKET, prefix: `${prefix}small/` })) listed.push(object.name);
    expect(listed).toEqual([name]);

    const { download, received } = await roundTrip(name, bytes);
    expect(sameBytes(received)).toEqual(sameBytes(bytes));
    expect(md5Of(received)).toBe(result.md5);
    expect(download.size).toBe(10_000);

    await gcs.deleteObject({ bucket: EMULATOR_BUCKET, name });
    expect(NotFoundError.isInstance(await rejectionOf(gcs.statObject({ bucket: EMULATOR_BUCKET, name })))).toBe(true);
  });

  it("uploads a few MiB through a chunked resumable session, then lists, downloads and deletes it", async () => {
    const name = `${prefix}large/model.bin`;
    const bytes = randomBytesOf(3 * 1024 * 1024 + 777, 11);
    const progress: number[] = [];
    const result = await gcs.uploadObject({
      bucket: EMULATOR_BUCKET,
      name,
      file: fileOf(bytes, { pieceSize: 65_536 }),
      chunkSize: GRANULE,
      resumableThreshold: GRANULE,
      onBytes: (n) => progress.push(n),
    });
    expect(result).toMatchObject({ size: bytes.byteLength, md5: md5Of(bytes), crc32c: referenceCrc32c(bytes), sha256: sha256Hex(bytes) });
    // One confirmation per chunk from the server's 308s: the upload really went in 13 chunks, not one request.
    expect(progress).toEqual([...Array.from({ length: 12 }, (_, i) => (i + 1) * GRANULE), bytes.byteLength]);

    const listed = [];
    for await (const object of gcs.listObjects({ bucket: EMULATOR_BUCKET, prefix: `${prefix}large/` })) listed.push(object);
    expect(listed.map((o) => [o.name, o.size])).toEqual([[name, bytes.byteLength]]);

    const { download, received } = await roundTrip(name, bytes);
    expect(received.byteLength).toBe(bytes.byteLength);
    expect(sha256Hex(received)).toBe(sha256Hex(bytes));
    expect(download.crc32c).toBe(result.crc32c);

    await gcs.deleteObject({ bucket: EMULATOR_BUCKET, name });
    expect(NotFoundError.isInstance(await rejectionOf(gcs.openObject({ bucket: EMULATOR_BUCKET, name })))).toBe(true);
  });

  it("uploads a file of unknown size through a resumable session", async () => {
    const name = `${prefix}unknown/data.bin`;
    const bytes = randomBytesOf(2 * GRANULE + 4_321, 5);
    const result = await gcs.uploadObject({ bucket: EMULATOR_BUCKET, name, file: fileOf(bytes, { declareSize: false }), chunkSize: GRANULE });
    expect(result.md5).toBe(md5Of(bytes));
    const { received } = await roundTrip(name, bytes);
    expect(sameBytes(received)).toEqual(sameBytes(bytes));
    await gcs.deleteObject({ bucket: EMULATOR_BUCKET, name });
  });
});
