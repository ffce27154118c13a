/**
 * Azure Blob Storage uploads. The file is read once, in parts of `blockBytes` (splitParts: one part in memory): a
 * file that ends within its first part goes as one Put Blob, anything longer as blocks (Put Block each, then one Put
 * Block List), the shape of Microsoft's SDKs' `UploadStream`. Every request body carries its transactional
 * `Content-MD5`, which Azure checks, so a byte changed on the way is refused and the same buffer sent again. The
 * whole file's SHA-256 and MD5 are computed as it is read; the MD5 becomes the blob's Content-MD5
 * (`x-ms-blob-content-md5`, which Azure stores without checking: the blocks were checked one by one).
 *
 * `uploadBlob` never replaces a blob: Put Blob and Put Block List carry `If-None-Match: *`, so a blob that exists is
 * 409 `BlobAlreadyExists` and a `ConflictError`. Blocks are invisible until committed and Azure drops uncommitted
 * ones after a week, so a failed upload leaves no blob. Block ids start with a random prefix per upload: two writers
 * racing on one name stage different blocks, and the one that commits second finds the blob there.
 *
 * @module
 */

import { StreamingDigest } from "../artifacts/hashing.js";
import { checkExpected, type ResolvedArtifact } from "../artifacts/resolve-source.js";
import { splitParts } from "../artifacts/split-parts.js";
import { ConflictError, IntegrityError, InvalidInputError, ModelRegistryError } from "../core/errors.js";
import { callOptions } from "../http/call-options.js";
import type { HttpClient } from "../http/http-types.js";
import { nodeCrypto } from "../runtime/builtins.js";
import type { ObjectUploadOptions, StoredUpload } from "./object-store.js";
import { blockListXml } from "./azure-blob-xml.js";

/** Azure's most committed blocks in one blob (doc "Scalability and performance targets for Blob storage"). */
export const MAX_BLOCKS = 50_000;
/** Azure's largest block (service versions from 2019-12-12). */
export const MAX_BLOCK_BYTES = 4000 * 1024 * 1024;
const MiB = 1024 * 1024;

/** One blob to write. */
export interface AzureBlobTarget {
  /** The account's client. */
  http: HttpClient;
  /** The blob's request path under the client's base URL: `{container}/{encoded name}`. */
  path: string;
  /** `container/name`, for messages. */
  label: string;
  /** The content type. */
  contentType: string;
  /** Send `If-None-Match: *`, so an existing blob is never replaced. */
  ifNoneMatch: boolean;
  /**
   * The SAS for one request (called before each, so a long upload gets a fresh one), or `undefined` when the client
   * sends a bearer token instead.
   */
  sas(): string | undefined;
}

/** Upload sizes. */
export interface AzureUploadTuning {
  /** The block size; a file shorter than one block goes as one Put Blob. Grown for a file that would need more than 50,000 blocks. */
  blockBytes: number;
}

/** The block size for a file of known size: `blockBytes`, or more (whole MiB) where that would need over 50,000 blocks. */
export function blockSizeFor(size: number | undefined, blockBytes: number): number {
  if (size === undefined || size <= blockBytes * MAX_BLOCKS) return blockBytes;
  return Math.ceil(size / MAX_BLOCKS / MiB) * MiB;
}

const md5Of = (bytes: Uint8Array) => nodeCrypto().createHash("md5").update(bytes).digest("base64");

/** A request path with the operation's query and the SAS. */
export function withSas(path: string, sas: string | undefined, query?: string): string {
  const parts = [query, sas].filter((q): q is string => q !== undefined && q !== "");
  return parts.length === 0 ? path : `${path}?${parts.join("&")}`;
}

/**
 * Uploads a file as one blob and returns its size, SHA-256 and MD5.
 *
 * @throws IntegrityError when the file's bytes differ from its declared size or SHA-256 (nothing is committed) or
 *   Azure reports other bytes than were sent; ConflictError when the blob exists; InvalidInputError when the file
 *   needs more than 50,000 blocks of the largest size.
 */
export async function uploadBlob(
  target: AzureBlobTarget,
  file: ResolvedArtifact,
  tuning: AzureUploadTuning,
  options: ObjectUploadOptions,
): Promise<StoredUpload> {
  const context = { provider: target.http.provider, operation: options.operation };
  const blockBytes = blockSizeFor(file.size, tuning.blockBytes);
  if (blockBytes > MAX_BLOCK_BYTES) throw new InvalidInputError(`${file.path} is larger than Azure's 50,000 blocks of 4000 MiB`, { ...context, field: "size" });
  const digest = new StreamingDigest();
  const parts = splitParts(file, blockBytes)[Symbol.asyncIterator]();
  try {
    const first = await parts.next();
    const head = first.done ? new Uint8Array(0) : first.value;
    digest.update(head);
    if (head.byteLength < blockBytes) {
      // The file ended inside its first part: one request.
      const got = digest.digest();
      // Before any request: a file that is not what its source declared must not become a blob.
      checkExpected(file, got, context);
      await putBlob(target, head, got.md5, options);
      return got;
    }
    const prefix = nodeCrypto().randomUUID().replaceAll("-", "");
    const ids: string[] = [];
    let sent = 0;
    for (let part: Uint8Array | undefined = head; part !== undefined; ) {
      if (ids.length >= MAX_BLOCKS)
        throw new InvalidInputError(`${file.path} needs more than ${MAX_BLOCKS} blocks of ${blockBytes} bytes; raise blockBytes`, {
          ...context,
          field: "blockBytes",
        });
      // Every id of a blob must have the same length: a fixed-width number after a fixed-width prefix.
      const id = Buffer.from(`${prefix}-${String(ids.length).padStart(6, "0")}`).toString("base64");
      ids.push(id);
      await putBlock(target, id, part, sent, options);
      sent += part.byteLength;
      const next = await parts.next();
      part = next.done ? undefined : next.value;
      if (part !== undefined) digest.update(part);
    }
    const got = digest.digest();
    // Before committing: the blob must not appear when the file is not what its source declared.
    checkExpected(file, got, context);
    await commitBlocks(target, ids, got, options);
    return got;
  } finally {
    await parts.return?.(undefined);
  }
}

/**
 * One Put Blob of a buffer whose MD5 (base64) is known. With `ifNoneMatch`, a 409 is a `ConflictError` naming the
 * blob, unless an earlier attempt of this same call stored these very bytes and lost the answer.
 */
export async function putBlob(target: AzureBlobTarget, bytes: Uint8Array, md5: string, options: ObjectUploadOptions): Promise<void> {
  let sends = 0;
  let res;
  try {
    res = await target.http.request({
      operation: options.operation,
      method: "PUT",
      path: withSas(target.path, target.sas()),
      headers: {
        ...options.headers,
        "x-ms-blob-type": "BlockBlob",
        "content-type": target.contentType,
        "content-md5": md5,
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
    const exists = alreadyExists(error);
    if (exists) {
      if (sends > 1 && (await storedWith(target, md5, bytes.byteLength, options))) return;
      throw conflict(target, exists);
    }
    throw error;
  }
  // Azure answers with the MD5 of what it stored; another one means other bytes were stored.
  const echo = res.headers.get("content-md5");
  if (echo !== null && echo !== md5)
    throw new IntegrityError(`Azure stored ${target.label} with Content-MD5 ${echo}, sent ${md5}`, {
      provider: target.http.provider,
      operation: options.operation,
    });
}

async function putBlock(target: AzureBlobTarget, id: string, bytes: Uint8Array, offset: number, options: ObjectUploadOptions): Promise<void> {
  // The HTTP client retries a failed block from this buffer: staging an id again replaces the uncommitted block.
  await target.http.request({
    operation: options.operation,
    method: "PUT",
    path: withSas(target.path, target.sas(), `comp=block&blockid=${encodeURIComponent(id)}`),
    headers: { ...options.headers, "content-md5": md5Of(bytes) },
    body: () => bytes as Uint8Array<ArrayBuffer>,
    bodySize: bytes.byteLength,
    onUploadProgress: options.onBytes && ((p) => options.onBytes?.(offset + p.transferredBytes)),
    responseType: "none",
    ...callOptions({ ...options, headers: undefined }),
  });
}

async function commitBlocks(target: AzureBlobTarget, ids: readonly string[], got: { size: number; md5: string }, options: ObjectUploadOptions): Promise<void> {
  const xml = new TextEncoder().encode(blockListXml(ids));
  let sends = 0;
  try {
    await target.http.request({
      operation: options.operation,
      method: "PUT",
      path: withSas(target.path, target.sas(), "comp=blocklist"),
      headers: {
        ...options.headers,
        "content-type": "application/xml; charset=utf-8",
        "content-md5": md5Of(xml),
        "x-ms-blob-content-md5": got.md5,
        "x-ms-blob-content-type": target.contentType,
        ...(target.ifNoneMatch && { "if-none-match": "*" }),
      },
      body: () => {
        sends++;
        return xml as Uint8Array<ArrayBuffer>;
      },
      // Committing the same list again commits the same blob (`Latest` finds the blocks among the committed ones);
      // with If-None-Match the resend meets the blob, which storedWith recognises below.
      idempotent: true,
      responseType: "none",
      ...callOptions({ ...options, headers: undefined }),
    });
  } catch (error) {
    const exists = alreadyExists(error);
    // Another writer's commit discards this upload's uncommitted blocks, so losing the race can read InvalidBlockList.
    const lostBlocks = ModelRegistryError.isInstance(error) && error.providerCode === "InvalidBlockList";
    if (exists || lostBlocks) {
      const ours = await storedWith(target, got.md5, got.size, options);
      if (ours === true && sends > 1) return;
      if (exists || ours !== undefined) throw conflict(target, error as ModelRegistryError);
    }
    throw error;
  }
}

/**
 * Whether the blob holds these bytes, by the Content-MD5 and size Azure keeps: proves that an attempt whose answer was
 * lost stored them. `undefined` when there is no such blob (or it cannot be read).
 */
async function storedWith(target: AzureBlobTarget, md5: string, size: number, options: ObjectUploadOptions): Promise<boolean | undefined> {
  try {
    const res = await target.http.request({
      operation: options.operation,
      method: "HEAD",
      path: withSas(target.path, target.sas()),
      ...(options.headers && { headers: options.headers }),
      responseType: "none",
      ...callOptions({ ...options, headers: undefined }),
    });
    return res.headers.get("content-md5") === md5 && Number(res.headers.get("content-length")) === size;
  } catch {
    return undefined;
  }
}

/** The error when it says the blob exists (409 `BlobAlreadyExists`), else `undefined`. */
function alreadyExists(error: unknown): ModelRegistryError | undefined {
  if (!ModelRegistryError.isInstance(error)) return undefined;
  return error.providerCode === "BlobAlreadyExists" ? error : undefined;
}

function conflict(target: AzureBlobTarget, error: ModelRegistryError): ConflictError {
  return new ConflictError(`${target.label} already exists in Azure Blob Storage; a version's files are never replaced`, {
    provider: error.provider,
    operation: error.operation,
    ...(error.statusCode !== undefined && { statusCode: error.statusCode }),
    ...(error.requestId !== undefined && { requestId: error.requestId }),
    providerCode: "BlobAlreadyExists",
    isRetryable: false,
    cause: error,
  });
}
