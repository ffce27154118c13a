/**
 * S3 uploads. A file up to `singlePutMaxBytes` goes in one PutObject; a larger one (or one that turns out larger
 * than its declared size) in a multipart upload of `partBytes` parts. Each request's body is a buffer read once from
 * the file: its SHA-256 is computed first and sent twice, as `x-amz-content-sha256` (hex, so the payload is signed)
 * and as `x-amz-checksum-sha256` (base64, which S3 checks and keeps), so a retry resends the same bytes and S3
 * refuses any that change on the way. The whole file's SHA-256 is computed as it is read, and compared with what the
 * caller declared before the object exists. Memory holds one part.
 *
 * `upload` never replaces an object: PutObject and CompleteMultipartUpload carry `If-None-Match: *`. A multipart
 * upload that fails is aborted, so no parts stay billed.
 *
 * @module
 */

import { checkExpected, type ResolvedArtifact } from "../artifacts/resolve-source.js";
import { ConflictError, IntegrityError, InvalidInputError, ModelRegistryError, ResponseValidationError, ServerError, throwIfAborted } from "../core/errors.js";
import { callOptions } from "../http/call-options.js";
import type { HttpClient } from "../http/http-types.js";
import { backoffDelay, defaultSleep } from "../http/retry.js";
import { nodeCrypto } from "../runtime/builtins.js";
import type { ObjectUploadOptions, StoredUpload } from "./object-store.js";
import { ChunkReader } from "./s3-chunk-reader.js";
import { s3Query } from "./s3-addressing.js";
import { s3ErrorFor } from "./s3-error.js";
import { type CompletedPart, completeMultipartXml, readCompleteResult, readUploadId } from "./s3-xml.js";

/** S3's limit on parts per upload (docs "Amazon S3 multipart upload limits"). */
const MAX_PARTS = 10_000;

/** Upload sizes. */
export interface S3UploadTuning {
  /** Files up to this size go in one PutObject. */
  singlePutMaxBytes: number;
  /** The size of every multipart part but the last; grown for a file that would need more than 10,000 parts. */
  partBytes: number;
}

/** One object to write. */
export interface S3ObjectTarget {
  /** The bucket's client. */
  http: HttpClient;
  /** The object's request path under the client's base URL (encoded). */
  path: string;
  /** `bucket/key`, for messages. */
  label: string;
  /** The content type. */
  contentType: string;
  /** Send `If-None-Match: *`, so an existing object is never replaced. */
  ifNoneMatch: boolean;
}

/** How often and how long to wait when S3 answers CompleteMultipartUpload with a retryable `<Error>` under HTTP 200. */
export interface CompleteRetry {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The first backoff step. */
  baseMs: number;
  /** The largest backoff step. */
  maxMs: number;
}

const base64OfHex = (hex: string) => Buffer.from(hex, "hex").toString("base64");

/**
 * Uploads a file as one object and returns its size and SHA-256.
 *
 * @throws IntegrityError when the file's bytes differ from its declared size or SHA-256 (nothing is stored), or
 *   S3 reports other bytes than were sent; ConflictError when the object exists.
 */
export async function uploadObject(
  target: S3ObjectTarget,
  file: ResolvedArtifact,
  tuning: S3UploadTuning,
  options: ObjectUploadOptions,
  retry: CompleteRetry,
): Promise<StoredUpload> {
  const context = { provider: target.http.provider, operation: options.operation };
  const reader = new ChunkReader(file);
  try {
    if (file.size === undefined || file.size <= tuning.singlePutMaxBytes) {
      const bytes = await reader.read(tuning.singlePutMaxBytes);
      if (reader.done) {
        const got = reader.result();
        // Before any request: a file that is not what its source declared must not become an object.
        checkExpected(file, got, context);
        await putObject(target, bytes, got.sha256, options);
        return got;
      }
      reader.unread(bytes);
    }
    return await multipartUpload(target, reader, file, tuning, options, retry);
  } finally {
    await reader.close();
  }
}

/**
 * One PutObject of a buffer whose SHA-256 (hex) is known. With `ifNoneMatch`, a 412 is a `ConflictError` naming the
 * object, unless an earlier attempt of this same call stored these very bytes and lost the answer.
 */
export async function putObject(target: S3ObjectTarget, bytes: Uint8Array, sha256: string, options: ObjectUploadOptions): Promise<void> {
  const checksum = base64OfHex(sha256);
  let sends = 0;
  let res;
  try {
    res = await target.http.request({
      operation: options.operation,
      method: "PUT",
      path: target.path,
      headers: {
        ...options.headers,
        "content-type": target.contentType,
        "x-amz-content-sha256": sha256,
        "x-amz-checksum-sha256": checksum,
        "x-amz-sdk-checksum-algorithm": "SHA256",
        ...(target.ifNoneMatch && { "if-none-match": "*" }),
      },
      body: () => {
        sends++;
        return bytes as Uint8Array<ArrayBuffer>;
      },
      bodySize: bytes.byteLength,
      onUploadProgress: options.onBytes && ((p) => options.onBytes?.(p.transferredBytes)),
      responseType: "none",
      ...callOptions({ ...options, headers: undefined }),
    });
  } catch (error) {
    const failed = preconditionFailed(error);
    if (failed) {
      if (sends > 1 && (await storedWith(target, checksum, bytes.byteLength, options))) return;
      throw exists(target, failed);
    }
    throw error;
  }
  checkEcho(res.headers.get("x-amz-checksum-sha256"), checksum, target, options.operation);
}

async function multipartUpload(
  target: S3ObjectTarget,
  reader: ChunkReader,
  file: ResolvedArtifact,
  tuning: S3UploadTuning,
  options: ObjectUploadOptions,
  retry: CompleteRetry,
): Promise<StoredUpload> {
  const { http } = target;
  const context = { provider: http.provider, operation: options.operation };
  const partBytes = file.size === undefined ? tuning.partBytes : Math.max(tuning.partBytes, Math.ceil(file.size / MAX_PARTS));
  const created = await http.request({
    operation: options.operation,
    method: "POST",
    path: `${target.path}?${s3Query([["uploads", null]])}`,
    headers: { ...options.headers, "content-type": target.contentType, "x-amz-checksum-algorithm": "SHA256" },
    // A retried create may leave an upload with no parts behind; S3 bills parts, not empty uploads.
    idempotent: true,
    responseType: "text",
    ...callOptions({ ...options, headers: undefined }),
  });
  const uploadId = readUploadId(created.data, context);
  const uploadQuery = s3Query([["uploadId", uploadId]]);
  try {
    const parts: CompletedPart[] = [];
    let sent = 0;
    do {
      const partNumber = parts.length + 1;
      if (partNumber > MAX_PARTS)
        throw new InvalidInputError(`${file.path} needs more than ${MAX_PARTS} parts of ${partBytes} bytes; raise partBytes`, {
          ...context,
          field: "partBytes",
        });
      const bytes = await reader.read(partBytes);
      parts.push(await uploadPart(target, uploadId, partNumber, bytes, sent, options));
      sent += bytes.byteLength;
    } while (!reader.done);
    const got = reader.result();
    // Before completing: the object must not appear when the file is not what its source declared.
    checkExpected(file, got, context);
    await completeUpload(target, uploadQuery, parts, got.size, options, retry);
    return got;
  } catch (error) {
    await abortUpload(target, uploadQuery, options);
    throw error;
  }
}

async function uploadPart(
  target: S3ObjectTarget,
  uploadId: string,
  partNumber: number,
  bytes: Uint8Array,
  offset: number,
  options: ObjectUploadOptions,
): Promise<CompletedPart> {
  const sha256 = nodeCrypto().createHash("sha256").update(bytes).digest("hex");
  const checksum = base64OfHex(sha256);
  // The HTTP client retries a failed part from this buffer; the parts before it stay uploaded.
  const res = await target.http.request({
    operation: options.operation,
    method: "PUT",
    path: `${target.path}?${s3Query([
      ["partNumber", String(partNumber)],
      ["uploadId", uploadId],
    ])}`,
    headers: {
      ...options.headers,
      "x-amz-content-sha256": sha256,
      "x-amz-checksum-sha256": checksum,
      "x-amz-sdk-checksum-algorithm": "SHA256",
    },
    body: () => bytes as Uint8Array<ArrayBuffer>,
    bodySize: bytes.byteLength,
    onUploadProgress: options.onBytes && ((p) => options.onBytes?.(offset + p.transferredBytes)),
    responseType: "none",
    ...callOptions({ ...options, headers: undefined }),
  });
  const etag = res.headers.get("etag");
  if (!etag)
    throw new ResponseValidationError(`S3 accepted part ${partNumber} of ${target.label} without an ETag`, {
      provider: target.http.provider,
      operation: options.operation,
      field: "ETag",
      isRetryable: false,
    });
  checkEcho(res.headers.get("x-amz-checksum-sha256"), checksum, target, options.operation);
  return { partNumber, etag, checksumSha256: checksum };
}

async function completeUpload(
  target: S3ObjectTarget,
  uploadQuery: string,
  parts: readonly CompletedPart[],
  size: number,
  options: ObjectUploadOptions,
  retry: CompleteRetry,
): Promise<void> {
  const { http } = target;
  const xml = completeMultipartXml(parts);
  // S3's checksum of a multipart object: the SHA-256 of the parts' digests, then `-<parts>`.
  const composite = nodeCrypto()
    .createHash("sha256")
    .update(Buffer.concat(parts.map((p) => Buffer.from(p.checksumSha256, "base64"))))
    .digest("base64");
  let sends = 0;
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await http.request({
        operation: options.operation,
        method: "POST",
        path: `${target.path}?${uploadQuery}`,
        headers: {
          ...options.headers,
          "content-type": "application/xml",
          "x-amz-mp-object-size": String(size),
          ...(target.ifNoneMatch && { "if-none-match": "*" }),
        },
        body: () => {
          sends++;
          return xml;
        },
        // S3 documents completing again as safe: it answers with the object, or NoSuchUpload once it is done.
        idempotent: true,
        responseType: "text",
        ...callOptions({ ...options, headers: undefined }),
      });
    } catch (error) {
      // A retry after a lost answer finds the upload finished (NoSuchUpload) or, with If-None-Match, the object there.
      const failed = preconditionFailed(error);
      const maybeOurs = sends > 1 && (failed !== undefined || (ModelRegistryError.isInstance(error) && error.providerCode === "NoSuchUpload"));
      if (maybeOurs && (await storedWith(target, composite, size, options))) return;
      if (failed) throw exists(target, failed);
      throw error;
    }
    const outcome = readCompleteResult(res.data, { provider: http.provider, operation: options.operation });
    if ("error" in outcome) {
      const body = outcome.error;
      const errorOptions = { provider: http.provider, operation: options.operation, statusCode: res.status, requestId: res.requestId, url: res.url };
      const message = http.redact(`${body.code} (under HTTP ${res.status}): ${(body.message ?? "CompleteMultipartUpload failed").slice(0, 1000)}`);
      const error = s3ErrorFor(body, message, errorOptions) ?? new ServerError(message, { ...errorOptions, providerCode: body.code, isRetryable: true });
      if (preconditionFailed(error)) throw exists(target, error);
      if (!error.isRetryable || attempt >= retry.maxRetries || options.signal?.aborted) throw error;
      await defaultSleep(backoffDelay(attempt + 1, { baseMs: retry.baseMs, maxMs: retry.maxMs, random: Math.random }), options.signal).catch(() =>
        throwIfAborted(options.signal, http.provider, options.operation),
      );
      continue;
    }
    if (outcome.checksumSha256 !== undefined && outcome.checksumSha256.split("-")[0] !== composite)
      throw new IntegrityError(`S3 completed ${target.label} with checksum ${outcome.checksumSha256}, expected ${composite}-${parts.length}`, {
        provider: http.provider,
        operation: options.operation,
      });
    return;
  }
}

/** Aborts a multipart upload so its parts are freed; best effort, and never under the caller's (maybe aborted) signal. */
async function abortUpload(target: S3ObjectTarget, uploadQuery: string, options: ObjectUploadOptions): Promise<void> {
  await target.http
    .request({
      operation: options.operation,
      method: "DELETE",
      path: `${target.path}?${uploadQuery}`,
      responseType: "none",
      ...(options.headers && { headers: options.headers }),
    })
    .catch(() => undefined);
}

/**
 * Whether the object holds these bytes, by the checksum S3 kept (`x-amz-checksum-mode: ENABLED`): proves that an
 * attempt whose answer was lost stored them. A store that keeps no checksum proves nothing.
 */
async function storedWith(target: S3ObjectTarget, checksum: string, size: number, options: ObjectUploadOptions): Promise<boolean> {
  try {
    const res = await target.http.request({
      operation: options.operation,
      method: "HEAD",
      path: target.path,
      headers: { ...options.headers, "x-amz-checksum-mode": "ENABLED" },
      responseType: "none",
      ...callOptions({ ...options, headers: undefined }),
    });
    // A multipart object's checksum ends in `-<parts>`; some stores leave that off on HEAD (moto, reference §12).
    const stored = res.headers.get("x-amz-checksum-sha256")?.split("-")[0];
    return stored === checksum && Number(res.headers.get("content-length")) === size;
  } catch {
    return false;
  }
}

/** The error when it says a condition failed (the object exists), else `undefined`. */
function preconditionFailed(error: unknown): ModelRegistryError | undefined {
  if (!ModelRegistryError.isInstance(error)) return undefined;
  return error.providerCode === "PreconditionFailed" || (error.statusCode === 412 && error.providerCode === undefined) ? error : undefined;
}

function exists(target: S3ObjectTarget, error: ModelRegistryError): ConflictError {
  return new ConflictError(`${target.label} already exists in S3; a version's files are never replaced`, {
    provider: error.provider,
    operation: error.operation,
    ...(error.statusCode !== undefined && { statusCode: error.statusCode }),
    ...(error.requestId !== undefined && { requestId: error.requestId }),
    providerCode: error.providerCode ?? "PreconditionFailed",
    isRetryable: false,
    cause: error,
  });
}

/** S3 answers with the checksum it computed; one that differs from what was sent means other bytes were stored. */
function checkEcho(echo: string | null, sent: string, target: S3ObjectTarget, operation: string): void {
  if (echo !== null && echo !== sent)
    throw new IntegrityError(`S3 stored ${target.label} with checksum ${echo}, sent ${sent}`, { provider: target.http.provider, operation });
}
