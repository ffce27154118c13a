// Uploads to S3 as AWS documents them (reference §10), against the msw fake, which checks what moto does not: every
// signature, every checksum, part sizes and part checksums at completion (reference §12, "Where S3 differs from AWS").
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AbortedError, ConflictError, IntegrityError, ServerError } from "modelreg";
import { rejectionOf } from "../support/rejection.js";
import { BUCKET, file, KiB, MiB, sha, useS3Fake } from "./support/s3-setup.js";

const s3 = useS3Fake();
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
const small = { singlePutMaxBytes: 1 * MiB, partBytes: 1 * MiB };

describe("S3 uploads", () => {
  it("sends a small file in one signed PutObject carrying its SHA-256 checksum and If-None-Match", async () => {
    const fake = s3.fake();
    const { bytes, entry } = file(300 * KiB);
    const stored = await s3.storage().upload(BUCKET, "models/fraud/weights.bin", entry, { operation: "createVersion" });
    expect(stored).toEqual({ size: bytes.byteLength, sha256: sha(bytes) });
    expect(sha(fake.object(BUCKET, "models/fraud/weights.bin")?.bytes)).toBe(sha(bytes));
    const [put, ...rest] = fake.requests;
    expect(rest).toEqual([]);
    expect(put?.operation).toBe("PutObject");
    expect(put?.headers).toMatchObject({
      "x-amz-checksum-sha256": b64(sha(bytes)),
      "x-amz-sdk-checksum-algorithm": "SHA256",
      // The payload hash is signed: S3 refuses the request if a byte changes on the way.
      "x-amz-content-sha256": sha(bytes),
      "if-none-match": "*",
      "content-type": "application/octet-stream",
    });
    expect(fake.object(BUCKET, "models/fraud/weights.bin")?.checksumSha256).toBe(b64(sha(bytes)));
    expect(fake.signatureFailures).toEqual([]);
  });

  it("sends a large file in checksummed parts and completes it with every part's checksum", async () => {
    const fake = s3.fake();
    const { bytes, entry } = file(3 * MiB + 123 * KiB);
    const progress: number[] = [];
    const stored = await s3.storage({ tuning: small }).upload(BUCKET, "big.bin", entry, { operation: "createVersion", onBytes: (n) => progress.push(n) });
    expect(stored).toEqual({ size: bytes.byteLength, sha256: sha(bytes) });
    expect(sha(fake.object(BUCKET, "big.bin")?.bytes)).toBe(sha(bytes));
    expect(fake.requests.map((r) => r.operation)).toEqual([
      "CreateMultipartUpload",
      "UploadPart",
      "UploadPart",
      "UploadPart",
      "UploadPart",
      "CompleteMultipartUpload",
    ]);
    expect(fake.sent("CreateMultipartUpload")[0]?.headers["x-amz-checksum-algorithm"]).toBe("SHA256");
    const parts = fake.sent("UploadPart");
    expect(parts.map((p) => [p.partNumber, p.bodyBytes])).toEqual([
      [1, MiB],
      [2, MiB],
      [3, MiB],
      [4, 123 * KiB],
    ]);
    for (const [i, part] of parts.entries()) {
      const slice = bytes.subarray(i * MiB, Math.min(bytes.byteLength, (i + 1) * MiB));
      expect(part.headers["x-amz-checksum-sha256"]).toBe(b64(sha(slice)));
      expect(part.headers["x-amz-content-sha256"]).toBe(sha(slice));
    }
    expect(fake.sent("CompleteMultipartUpload")[0]?.headers["if-none-match"]).toBe("*");
    // S3's checksum of a multipart object: SHA-256 over the parts' digests, then -<parts>.
    const digests = Buffer.concat(parts.map((p) => Buffer.from(p.headers["x-amz-checksum-sha256"] ?? "", "base64")));
    expect(fake.object(BUCKET, "big.bin")?.checksumSha256).toBe(`${createHash("sha256").update(digests).digest("base64")}-4`);
    expect(fake.uploads.size).toBe(0);
    expect(progress.at(-1)).toBe(bytes.byteLength);
  });

  it("decides between one PUT and parts by reading, when the file's size is not known", async () => {
    const fake = s3.fake();
    const little = file(200 * KiB, "a.bin", { size: undefined });
    const large = file(2 * MiB + 1, "b.bin", { size: undefined });
    const storage = s3.storage({ tuning: small });
    expect(await storage.upload(BUCKET, "a.bin", little.entry, { operation: "createVersion" })).toEqual({ size: 200 * KiB, sha256: sha(little.bytes) });
    expect(await storage.upload(BUCKET, "b.bin", large.entry, { operation: "createVersion" })).toEqual({ size: 2 * MiB + 1, sha256: sha(large.bytes) });
    expect(sha(fake.object(BUCKET, "b.bin")?.bytes)).toBe(sha(large.bytes));
    expect(fake.sent("PutObject").map((r) => r.key)).toEqual(["a.bin"]);
    expect(fake.sent("UploadPart").map((r) => r.bodyBytes)).toEqual([MiB, MiB, 1]);
  });

  it("stores an empty file", async () => {
    const fake = s3.fake();
    const stored = await s3.storage().upload(BUCKET, "empty", file(0).entry, { operation: "createVersion" });
    expect(stored).toEqual({ size: 0, sha256: sha(new Uint8Array()) });
    expect(fake.object(BUCKET, "empty")?.bytes.byteLength).toBe(0);
  });

  it("refuses a small file whose declared SHA-256 is wrong before sending anything", async () => {
    const fake = s3.fake();
    const { entry } = file(10 * KiB, "w.bin", { sha256: "0".repeat(64) });
    const error = await rejectionOf(s3.storage().upload(BUCKET, "w.bin", entry, { operation: "createVersion" }));
    expect(IntegrityError.isInstance(error)).toBe(true);
    expect((error as IntegrityError).provider).toBe("sagemaker");
    expect(fake.requests).toEqual([]);
  });

  it("aborts a multipart upload whose file turns out other than declared, so nothing is stored or left billed", async () => {
    const fake = s3.fake();
    const { entry } = file(2 * MiB + 5, "w.bin", { sha256: "0".repeat(64) });
    const error = await rejectionOf(s3.storage({ tuning: small }).upload(BUCKET, "w.bin", entry, { operation: "createVersion" }));
    expect(IntegrityError.isInstance(error)).toBe(true);
    expect(fake.sent("CompleteMultipartUpload")).toEqual([]);
    expect(fake.sent("AbortMultipartUpload")).toHaveLength(1);
    expect(fake.uploads.size).toBe(0);
    expect(fake.object(BUCKET, "w.bin")).toBeUndefined();
  });

  it("catches a file longer than its declared size", async () => {
    const fake = s3.fake();
    const { entry } = file(300 * KiB);
    const error = await rejectionOf(s3.storage().upload(BUCKET, "x.bin", { ...entry, size: 100 * KiB }, { operation: "createVersion" }));
    expect(IntegrityError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("size 307200, expected 102400");
    expect(fake.object(BUCKET, "x.bin")).toBeUndefined();
  });

  it("never replaces an object: a single PUT and a multipart upload both end in ConflictError naming the key", async () => {
    const fake = s3.fake();
    const original = new TextEncoder().encode("version 1");
    fake.put(BUCKET, "m/1/model.pkl", original);
    const storage = s3.storage({ tuning: small });
    for (const size of [10 * KiB, 2 * MiB + 7]) {
      const error = await rejectionOf(storage.upload(BUCKET, "m/1/model.pkl", file(size).entry, { operation: "createVersion" }));
      expect(ConflictError.isInstance(error)).toBe(true);
      expect((error as ConflictError).message).toContain(`${BUCKET}/m/1/model.pkl`);
      expect((error as ConflictError).statusCode).toBe(412);
      expect((error as ConflictError).isRetryable).toBe(false);
    }
    expect(fake.object(BUCKET, "m/1/model.pkl")?.bytes).toEqual(original);
    // The refused multipart upload was aborted.
    expect(fake.sent("AbortMultipartUpload")).toHaveLength(1);
    expect(fake.uploads.size).toBe(0);
  });

  it("retries a failed part from its buffer without starting the file again", async () => {
    const fake = s3.fake();
    const { bytes, entry } = file(3 * MiB);
    fake.inject({ operation: "UploadPart", partNumber: 2, kind: "network" });
    fake.inject({ operation: "UploadPart", partNumber: 3, kind: "status", status: 500, code: "InternalError" });
    let opened = 0;
    const counted = {
      ...entry,
      open: () => {
        opened++;
        return entry.open();
      },
    };
    await s3.storage({ tuning: small }).upload(BUCKET, "r.bin", counted, { operation: "createVersion" });
    expect(sha(fake.object(BUCKET, "r.bin")?.bytes)).toBe(sha(bytes));
    expect(fake.sent("CreateMultipartUpload")).toHaveLength(1);
    expect(fake.sent("UploadPart").map((r) => [r.partNumber, r.status])).toEqual([
      [1, 200],
      [2, 0],
      [2, 200],
      [3, 500],
      [3, 200],
    ]);
    expect(opened).toBe(1);
  });

  it("retries a checksum S3 found damaged on the way, and a concurrent conditional write (409)", async () => {
    const fake = s3.fake();
    const { bytes, entry } = file(50 * KiB);
    fake.inject({ operation: "PutObject", kind: "status", status: 400, code: "BadDigest" });
    fake.inject({ operation: "PutObject", kind: "status", status: 409, code: "ConditionalRequestConflict" });
    await s3.storage().upload(BUCKET, "d.bin", entry, { operation: "createVersion" });
    expect(sha(fake.object(BUCKET, "d.bin")?.bytes)).toBe(sha(bytes));
    expect(fake.sent("PutObject").map((r) => r.status)).toEqual([400, 409, 200]);
  });

  it("treats a 200 whose body is an <Error> as a failure of CompleteMultipartUpload, and retries it", async () => {
    const fake = s3.fake();
    const { bytes, entry } = file(2 * MiB + 1);
    fake.inject({ operation: "CompleteMultipartUpload", kind: "complete-error", code: "InternalError" });
    await s3.storage({ tuning: small }).upload(BUCKET, "c.bin", entry, { operation: "createVersion" });
    expect(sha(fake.object(BUCKET, "c.bin")?.bytes)).toBe(sha(bytes));
    expect(fake.sent("CompleteMultipartUpload").map((r) => r.status)).toEqual([200, 200]);
    expect(fake.sent("UploadPart")).toHaveLength(3);
  });

  it("fails and aborts when CompleteMultipartUpload keeps answering 200 with an <Error>", async () => {
    const fake = s3.fake();
    fake.inject({ operation: "CompleteMultipartUpload", kind: "complete-error", code: "InternalError", times: 3 });
    const error = await rejectionOf(s3.storage({ tuning: small }).upload(BUCKET, "c.bin", file(2 * MiB + 1).entry, { operation: "createVersion" }));
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as ServerError).providerCode).toBe("InternalError");
    expect(fake.sent("CompleteMultipartUpload")).toHaveLength(3);
    expect(fake.sent("AbortMultipartUpload")).toHaveLength(1);
    expect(fake.uploads.size).toBe(0);
    expect(fake.object(BUCKET, "c.bin")).toBeUndefined();
  });

  it("does not take its own stored object for someone else's when an answer was lost", async () => {
    const fake = s3.fake();
    const single = file(20 * KiB);
    const multi = file(2 * MiB + 9);
    // Each request takes effect, but its answer never arrives; the retry then meets If-None-Match (or NoSuchUpload).
    fake.inject({ operation: "PutObject", kind: "network", afterHandling: true });
    fake.inject({ operation: "CompleteMultipartUpload", kind: "network", afterHandling: true });
    const storage = s3.storage({ tuning: small });
    expect(await storage.upload(BUCKET, "s.bin", single.entry, { operation: "createVersion" })).toEqual({ size: 20 * KiB, sha256: sha(single.bytes) });
    expect(await storage.upload(BUCKET, "m.bin", multi.entry, { operation: "createVersion" })).toEqual({
      size: multi.bytes.byteLength,
      sha256: sha(multi.bytes),
    });
    expect(fake.sent("PutObject").map((r) => r.status)).toEqual([0, 412]);
    expect(fake.sent("CompleteMultipartUpload").map((r) => r.status)).toEqual([0, 404]);
    expect(fake.sent("HeadObject").map((r) => r.headers["x-amz-checksum-mode"])).toEqual(["ENABLED", "ENABLED"]);
  });

  it("aborts the multipart upload when the caller aborts", async () => {
    const fake = s3.fake();
    const controller = new AbortController();
    const error = await rejectionOf(
      s3.storage({ tuning: small }).upload(BUCKET, "a.bin", file(3 * MiB).entry, {
        operation: "createVersion",
        signal: controller.signal,
        onBytes: (n) => {
          if (n >= MiB) controller.abort();
        },
      }),
    );
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(fake.sent("AbortMultipartUpload")).toHaveLength(1);
    expect(fake.uploads.size).toBe(0);
  });

  it("overwrites JSON metadata with a checksum, and reads it back", async () => {
    const fake = s3.fake();
    const storage = s3.storage();
    await storage.putJson(BUCKET, "m/meta.json", { v: 1 }, { operation: "updateVersion" });
    await storage.putJson(BUCKET, "m/meta.json", { v: 2 }, { operation: "updateVersion" });
    expect(await storage.getJson(BUCKET, "m/meta.json", { operation: "getVersion" })).toEqual({ v: 2 });
    const puts = fake.sent("PutObject");
    expect(puts.map((p) => p.headers["if-none-match"])).toEqual([undefined, undefined]);
    expect(puts.every((p) => p.headers["x-amz-checksum-sha256"] !== undefined && p.headers["content-type"] === "application/json")).toBe(true);
  });
});
