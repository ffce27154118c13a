// The S3 fake refuses what AWS refuses and moto accepts (reference §12, "Where S3 differs from AWS", 1: no checksum
// is validated; 4: no signature is checked), so tests built on it can fail. Requests here are signed with the real
// signer and sent raw, to make the fake see exactly the mistakes a client could make.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { awsSigner } from "../../src/aws/aws-signer.js";
import { createHttpClient } from "../../src/http/http-client.js";
import type { HttpHeaders } from "../../src/http/http-types.js";
import { mapS3Error } from "../../src/storage/s3-error.js";
import { CREDENTIALS, KiB, MiB, REGION, useS3Fake } from "./support/s3-setup.js";

const s3 = useS3Fake();
const hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const b64 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("base64");

const client = createHttpClient({
  provider: "test",
  baseUrl: "https://bucket.s3.us-east-1.amazonaws.com/",
  maxRetries: 0,
  sign: awsSigner({ service: "s3", region: REGION, credentials: async () => CREDENTIALS, provider: "test" }),
  mapError: mapS3Error,
});

/** Sends a signed request and returns the status and S3 error code (or the response text). */
async function send(method: "PUT" | "POST" | "GET", path: string, body: Uint8Array | string | undefined, headers: HttpHeaders = {}) {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  try {
    const res = await client.request({
      operation: "raw",
      method,
      path,
      headers: { ...(bytes && { "x-amz-content-sha256": hex(bytes) }), ...headers },
      ...(bytes && { body: () => bytes as Uint8Array<ArrayBuffer> }),
      responseType: "text",
    });
    return { status: res.status, text: res.data, etag: res.headers.get("etag") ?? "", code: undefined };
  } catch (error) {
    const e = error as { statusCode?: number; providerCode?: string };
    return { status: e.statusCode, code: e.providerCode, text: "", etag: "" };
  }
}

const completeXml = (parts: Array<[number, string, string]>) =>
  `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts
    .map(([n, etag, sum]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag><ChecksumSHA256>${sum}</ChecksumSHA256></Part>`)
    .join("")}</CompleteMultipartUpload>`;

async function createUpload(): Promise<string> {
  const res = await send("POST", "k?uploads", undefined, { "x-amz-checksum-algorithm": "SHA256" });
  return /<UploadId>([^<]+)<\/UploadId>/.exec(res.text ?? "")?.[1] ?? "";
}

describe("the S3 fake", () => {
  it("refuses a PutObject whose x-amz-checksum-sha256 is not its bytes' (BadDigest)", async () => {
    const fake = s3.fake();
    const body = new TextEncoder().encode("payload");
    const wrong = b64(new TextEncoder().encode("other"));
    expect(await send("PUT", "k", body, { "x-amz-checksum-sha256": wrong, "x-amz-sdk-checksum-algorithm": "SHA256" })).toMatchObject({
      status: 400,
      code: "BadDigest",
    });
    expect(await send("PUT", "k", body, { "x-amz-sdk-checksum-algorithm": "SHA256" })).toMatchObject({ status: 400, code: "InvalidRequest" });
    expect(fake.object("bucket", "k")).toBeUndefined();
  });

  it("refuses a signature over other bytes, and a request whose payload hash lies", async () => {
    s3.fake();
    const body = new TextEncoder().encode("payload");
    expect(await send("PUT", "k", body, { "x-amz-content-sha256": hex(new TextEncoder().encode("x")) })).toMatchObject({
      status: 400,
      code: "XAmzContentSHA256Mismatch",
    });
  });

  it("refuses parts under the minimum but the last (EntityTooSmall), as AWS does at 5 MiB", async () => {
    const fake = s3.fake({ minPartBytes: 5 * MiB });
    const id = await createUpload();
    const part = new Uint8Array(100 * KiB);
    const query = (n: number) => `k?partNumber=${n}&uploadId=${id}`;
    const one = await send("PUT", query(1), part, { "x-amz-checksum-sha256": b64(part) });
    const two = await send("PUT", query(2), part, { "x-amz-checksum-sha256": b64(part) });
    const xml = completeXml([
      [1, one.etag, b64(part)],
      [2, two.etag, b64(part)],
    ]);
    expect(await send("POST", `k?uploadId=${id}`, xml)).toMatchObject({ status: 400, code: "EntityTooSmall" });
    expect(fake.object("bucket", "k")).toBeUndefined();
  });

  it("refuses a completion whose part checksum is not the part's (InvalidPart), and parts without a checksum", async () => {
    const fake = s3.fake();
    const id = await createUpload();
    const part = new Uint8Array(10);
    expect(await send("PUT", `k?partNumber=1&uploadId=${id}`, part)).toMatchObject({ status: 400, code: "InvalidRequest" });
    const one = await send("PUT", `k?partNumber=1&uploadId=${id}`, part, { "x-amz-checksum-sha256": b64(part) });
    const wrong = b64(new Uint8Array(11));
    expect(await send("POST", `k?uploadId=${id}`, completeXml([[1, one.etag, wrong]]))).toMatchObject({ status: 400, code: "InvalidPart" });
    expect(await send("POST", `k?uploadId=${id}`, completeXml([[1, '"0000"', b64(part)]]))).toMatchObject({ status: 400, code: "InvalidPart" });
    expect((await send("POST", `k?uploadId=${id}`, completeXml([[1, one.etag, b64(part)]]))).status).toBe(200);
    expect(fake.object("bucket", "k")?.bytes).toEqual(part);
  });

  it("refuses requests outside the S3 contract, and records them", async () => {
    const fake = s3.fake();
    // CreateMultipartUpload declares x-amz-checksum-algorithm, not PutObject's x-amz-sdk-checksum-algorithm.
    expect(await send("POST", "k?uploads", undefined, { "x-amz-sdk-checksum-algorithm": "SHA256" })).toMatchObject({ status: 400, code: "InvalidRequest" });
    // An enum value botocore does not know.
    expect(await send("POST", "k?uploads", undefined, { "x-amz-checksum-algorithm": "SHA3" })).toMatchObject({ status: 400 });
    // UploadPart without its required UploadId is a PutObject with a stray partNumber.
    expect(await send("PUT", "k?partNumber=1", new Uint8Array(1))).toMatchObject({ status: 400, code: "InvalidRequest" });
    expect(fake.violations).toHaveLength(3);
    expect(fake.violations[0]).toContain("x-amz-sdk-checksum-algorithm");
    fake.violations.length = 0;
  });
});
