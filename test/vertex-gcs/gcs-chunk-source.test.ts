import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ChunkSource } from "../../src/adapters/vertex/gcs-chunk-source.js";
import { InvalidInputError } from "../../src/core/errors.js";
import { rejectionOf } from "../support/rejection.js";
import { md5Of, referenceCrc32c } from "./support/fake-gcs.js";
import { fileOf, randomBytesOf, sameBytes, sha256Hex } from "./support/files.js";

const CONTEXT = { provider: "vertex", operation: "uploadObject" };
const BYTES = randomBytesOf(10_000, 4);

describe("ChunkSource", () => {
  it("re-opens the file and skips to an offset before the chunk it holds, hashing every byte once", async () => {
    const file = fileOf(BYTES, { pieceSize: 777 });
    const source = new ChunkSource(file, 4096, CONTEXT);
    const first = await source.chunkAt(0);
    expect(first).toMatchObject({ start: 0, last: false });
    expect(sameBytes(first.bytes)).toEqual(sameBytes(BYTES.subarray(0, 4096)));
    await source.chunkAt(4096);
    // Back to 1000: outside the held chunk [4096, 8192), so the file is opened again and 1000 bytes skipped.
    const again = await source.chunkAt(1000);
    expect(file.opens).toBe(2);
    expect(sameBytes(again.bytes)).toEqual(sameBytes(BYTES.subarray(1000, 5096)));
    let at = 5096;
    let chunk = again;
    while (!chunk.last) {
      chunk = await source.chunkAt(at);
      at += chunk.bytes.byteLength;
    }
    expect(at).toBe(BYTES.byteLength);
    expect(source.digests).toEqual({ size: BYTES.byteLength, md5: md5Of(BYTES), crc32c: referenceCrc32c(BYTES), sha256: sha256Hex(BYTES) });
    await source.close();
  });

  it("serves an offset inside the held chunk from memory", async () => {
    const file = fileOf(BYTES, { pieceSize: 3000 });
    const source = new ChunkSource(file, 4096, CONTEXT);
    await source.chunkAt(0);
    const partial = await source.chunkAt(1024);
    expect(file.opens).toBe(1);
    expect(sameBytes(partial.bytes)).toEqual(sameBytes(BYTES.subarray(1024, 5120)));
  });

  it("has no digests until the last chunk has been read", async () => {
    const source = new ChunkSource(fileOf(BYTES), 8192, CONTEXT);
    expect((await source.chunkAt(0)).last).toBe(false);
    expect(source.digests).toBeUndefined();
    expect((await source.chunkAt(8192)).last).toBe(true);
    expect(source.digests?.md5).toBe(createHash("md5").update(BYTES).digest("base64"));
  });

  it("refuses a file shorter than its declared size", async () => {
    const source = new ChunkSource({ ...fileOf(BYTES), size: 12_000 }, 8192, CONTEXT);
    await source.chunkAt(0);
    expect(InvalidInputError.isInstance(await rejectionOf(source.chunkAt(8192)))).toBe(true);
  });
});
