/**
 * `uploadObject`: a multipart request for small files, a chunked resumable session for the rest, and a check of the
 * stored object's MD5 and CRC32C against the bytes read from the file.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { StreamingDigest } from "../../artifacts/hashing.js";
import { AbortedError, IntegrityError, InvalidInputError } from "../../core/errors.js";
import { type GcsObject, encodeGcsName, gcsObjectSchema, toGcsObject } from "./gcs-api.js";
import type { ChunkSourceDigests } from "./gcs-chunk-source.js";
import { Crc32c } from "./gcs-crc32c.js";
import { deleteObject } from "./gcs-objects.js";
import { type GcsUploadContext, type UploadOutcome, resumableUpload } from "./gcs-resumable.js";

/** Resumable chunks (all but the last) must be a multiple of this. */
export const GCS_CHUNK_GRANULARITY = 256 * 1024;

const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const OPERATION = "uploadObject";

/** What {@link uploadObject} takes. */
export interface GcsUploadInput {
  /** The bucket. */
  bucket: string;
  /** The object name, unencoded. */
  name: string;
  /** The file; `open()` may be called more than once (hashing, retries, resuming). */
  file: ResolvedArtifact;
  /** The object's content type. Default `application/octet-stream`. */
  contentType?: string;
  /** Aborts the upload. */
  signal?: AbortSignal;
  /** Bytes of the file sent (multipart) or confirmed stored (resumable) so far; goes back to 0 if a session restarts. */
  onBytes?: (fileBytes: number) => void;
  /** Resumable chunk size, a multiple of 256 KiB. Default 8 MiB. At most one chunk is held in memory. */
  chunkSize?: number;
  /** Files of known size below this go in one multipart request; the rest, and files of unknown size, resumable. Default 8 MiB. */
  resumableThreshold?: number;
  /** Write only if the live generation is this one; `0` means only if the object does not exist yet. */
  ifGenerationMatch?: string | number;
}

/** A stored object and the digests of what was sent. */
export interface GcsUploadResult {
  /** Bytes stored. */
  size: number;
  /** MD5 as base64, checked against the stored object. */
  md5: string;
  /** CRC32C as base64, checked against the stored object. */
  crc32c: string;
  /** SHA-256 as lowercase hex (GCS does not keep it; computed from the same read). */
  sha256: string;
  /** The new object's generation. */
  generation: string;
  /** The stored object's metadata. */
  object: GcsObject;
}

/**
 * Uploads one file and verifies the stored object.
 *
 * @throws InvalidInputError for bad options or a file whose size differs from `file.size`.
 * @throws IntegrityError when the stored object's size, MD5 or CRC32C differs from the bytes read; the object is then
 *   deleted (best effort, only if it is still the generation just written).
 */
export async function uploadObject(ctx: GcsUploadContext, input: GcsUploadInput): Promise<GcsUploadResult> {
  const invalid = (field: string, message: string) => new InvalidInputError(message, { provider: ctx.provider, operation: OPERATION, field });
  const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize % GCS_CHUNK_GRANULARITY !== 0) {
    throw invalid("chunkSize", "chunkSize must be a positive multiple of 256 KiB (262144 bytes)");
  }
  const threshold = input.resumableThreshold ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(threshold) || threshold < 0) throw invalid("resumableThreshold", "resumableThreshold must be a whole number of bytes");
  const size = input.file.size;
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) throw invalid("file.size", "file.size must be a whole number of bytes");
  encodeGcsName(input.bucket, OPERATION, "bucket");
  encodeGcsName(input.name, OPERATION, "name");
  const ifGenerationMatch = input.ifGenerationMatch === undefined ? undefined : String(input.ifGenerationMatch);
  if (ifGenerationMatch !== undefined && !/^\d+$/.test(ifGenerationMatch)) throw invalid("ifGenerationMatch", "ifGenerationMatch must be a generation number");
  const common = {
    bucket: input.bucket,
    name: input.name,
    file: input.file,
    contentType: input.contentType ?? "application/octet-stream",
    ifGenerationMatch,
    signal: input.signal,
    onBytes: input.onBytes,
  };
  const outcome =
    size !== undefined && size < threshold ? await multipartUpload(ctx, common) : await resumableUpload(ctx, { ...common, chunkSize });
  await verifyStored(ctx, outcome, input);
  const { object, digests } = outcome;
  return { size: digests.size, md5: digests.md5, crc32c: digests.crc32c, sha256: digests.sha256, generation: object.generation, object };
}

/** Compares the stored object with what was read; deletes it on a mismatch so no corrupt object stays behind. */
async function verifyStored(ctx: GcsUploadContext, { object, digests }: UploadOutcome, input: GcsUploadInput): Promise<void> {
  const problems: string[] = [];
  if (object.size !== digests.size) problems.push(`size ${object.size} instead of ${digests.size}`);
  if (object.md5Hash !== undefined && object.md5Hash !== digests.md5) problems.push(`md5 ${object.md5Hash} instead of ${digests.md5}`);
  if (object.crc32c !== undefined && object.crc32c !== digests.crc32c) problems.push(`crc32c ${object.crc32c} instead of ${digests.crc32c}`);
  if (object.md5Hash === undefined && object.crc32c === undefined) problems.push("no md5Hash or crc32c to check");
  if (problems.length === 0) return;
  await deleteObject(ctx, { bucket: object.bucket, name: object.name, ifGenerationMatch: object.generation, signal: input.signal }).catch(() => undefined);
  throw new IntegrityError(`the stored object gs://${object.bucket}/${object.name} does not match the file: ${problems.join(", ")}`, {
    provider: ctx.provider,
    operation: OPERATION,
  });
}

interface MultipartInput {
  bucket: string;
  name: string;
  file: ResolvedArtifact;
  contentType: string;
  ifGenerationMatch: string | undefined;
  signal: AbortSignal | undefined;
  onBytes: ((fileBytes: number) => void) | undefined;
}

/**
 * One `multipart/related` request: JSON metadata, then the file streamed. The file is hashed first (it is small) so
 * the metadata carries `md5Hash` and `crc32c`, and Cloud Storage itself refuses bytes that do not match them.
 */
async function multipartUpload(ctx: GcsUploadContext, input: MultipartInput): Promise<UploadOutcome> {
  const digests = await hashFile(ctx, input.file, input.signal);
  if (input.file.size !== undefined && digests.size !== input.file.size) {
    throw new InvalidInputError(`the file ${input.file.path} was declared as ${input.file.size} bytes but has ${digests.size}`, {
      provider: ctx.provider,
      operation: OPERATION,
      field: "file.size",
    });
  }
  const boundary = `modelreg-${randomBytes(16).toString("hex")}`;
  const metadata = JSON.stringify({ name: input.name, contentType: input.contentType, md5Hash: digests.md5, crc32c: digests.crc32c });
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${metadata}\r\n` +
      `--${boundary}\r\nContent-Type: ${input.contentType}\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  // The body is read again per attempt; if the file changed since it was hashed, say so rather than blame the server.
  let changed = false;
  async function* body(): AsyncGenerator<Uint8Array> {
    yield head;
    const again = new StreamingDigest();
    for await (const chunk of input.file.open()) {
      again.update(chunk);
      if (again.size > digests.size) break;
      input.onBytes?.(again.size);
      yield chunk;
    }
    if (again.size !== digests.size || again.digest().md5 !== digests.md5) changed = true;
    yield tail;
  }
  const fileChanged = () =>
    new IntegrityError(`the file ${input.file.path} changed while it was being uploaded`, { provider: ctx.provider, operation: OPERATION });
  let object: GcsObject;
  try {
    const response = await ctx.http.request({
      operation: OPERATION,
      method: "POST",
      path: `upload/storage/v1/b/${encodeGcsName(input.bucket, OPERATION, "bucket")}/o`,
      query: { uploadType: "multipart", ifGenerationMatch: input.ifGenerationMatch, userProject: ctx.userProject },
      headers: { "content-type": `multipart/related; boundary=${boundary}` },
      body,
      bodySize: head.byteLength + digests.size + tail.byteLength,
      schema: gcsObjectSchema,
      // Writing the same bytes twice is harmless, unless a precondition would then refuse the second write.
      idempotent: input.ifGenerationMatch === undefined,
      signal: input.signal,
    });
    object = toGcsObject(response.data);
  } catch (error) {
    if (changed) throw fileChanged();
    throw error;
  }
  if (changed) throw fileChanged();
  return { object, digests };
}

async function hashFile(ctx: GcsUploadContext, file: ResolvedArtifact, signal: AbortSignal | undefined): Promise<ChunkSourceDigests> {
  const digest = new StreamingDigest();
  const crc = new Crc32c();
  for await (const chunk of file.open()) {
    if (signal?.aborted) throw new AbortedError("aborted by the caller's signal", { provider: ctx.provider, operation: OPERATION });
    digest.update(chunk);
    crc.update(chunk);
  }
  const { size, md5, sha256 } = digest.digest();
  return { size, md5, sha256, crc32c: crc.digestBase64() };
}
