/**
 * PUTs to W&B's signed storage URLs: the returned headers (`"Key:Value"` strings) are sent as given, no W&B
 * credentials ever go with them, and the body streams with its Content-Length.
 *
 * @module
 */

import { nodeCrypto } from "../../runtime/builtins.js";
import { toWebStream } from "../../artifacts/byte-streams.js";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { splitParts } from "../../artifacts/split-parts.js";
import { setOwn } from "../../core/own-keys.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import type { HttpClient } from "../../http/http-types.js";

/** Splits `"Key:Value"` header strings at the first colon. */
export function parseUploadHeaders(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const at = h.indexOf(":");
    if (at > 0) setOwn(out, h.slice(0, at).trim(), h.slice(at + 1).trim());
  }
  return out;
}

/** Streams a file to a signed URL. */
export async function putSigned(
  http: HttpClient,
  url: string,
  headers: readonly string[],
  file: ResolvedArtifact,
  size: number,
  options: CallOptions & { operation: string; onBytes?: (fileBytes: number) => void },
): Promise<void> {
  await http.request({
    operation: options.operation,
    method: "PUT",
    // An absolute URL: the client's Authorization header is not sent to it.
    url,
    body: () => {
      async function* counted() {
        let sent = 0;
        for await (const chunk of file.open()) {
          sent += chunk.byteLength;
          options.onBytes?.(sent);
          yield chunk;
        }
      }
      return toWebStream(counted());
    },
    bodySize: size,
    headers: parseUploadHeaders(headers),
    idempotent: true,
    responseType: "none",
    ...callOptions({ ...options, headers: undefined } as CallOptions),
  });
}

/** W&B's multipart threshold: files from 2 GiB up are offered in parts (`S3MinMultiUploadSize`). */
export const MULTIPART_MIN_BYTES = 2 * 1024 ** 3;
/** W&B's part size (`S3DefaultChunkSize`), 100 MiB: S3 takes parts of 5 MiB to 5 GiB. */
export const MULTIPART_PART_BYTES = 100 * 1024 ** 2;
/** S3's most parts in one upload (`S3MaxParts`). */
export const MULTIPART_MAX_PARTS = 10_000;
/** S3's largest object, 5 TiB (`S3MaxMultiUploadSize`): W&B's client refuses a bigger file before uploading. */
export const MULTIPART_MAX_BYTES = 5 * 1024 ** 4;

/**
 * The part size for a file, as W&B's `getChunkSize` (`core/pkg/artifacts/multipart.go`): `partBytes`, unless that
 * would take more than 10,000 parts; then the file size over 10,000, rounded up to a multiple of 4096. A 5 TiB file
 * gets parts of about 524 MiB, inside S3's 5 GiB limit.
 */
export function multipartPartSize(fileSize: number, partBytes = MULTIPART_PART_BYTES): number {
  if (fileSize < partBytes * MULTIPART_MAX_PARTS) return partBytes;
  return Math.ceil(Math.ceil(fileSize / MULTIPART_MAX_PARTS) / 4096) * 4096;
}

/** One part of a multipart upload: its number and hex MD5. */
export interface PartDigest {
  /** 1-based. */
  partNumber: number;
  /** Hex MD5 of the part's bytes. */
  hexMD5: string;
}

/**
 * Uploads a file in parts to the part URLs W&B handed out, each with the Content-MD5 declared for it when the parts
 * were hashed (so storage refuses a part whose bytes changed since), and returns each part's ETag as the storage
 * answered it (quotes kept: W&B passes it on as is). Only one part is in memory at a time.
 */
export async function putParts(
  http: HttpClient,
  parts: ReadonlyArray<{ partNumber: number; uploadUrl: string }>,
  declared: readonly PartDigest[],
  contentType: string | undefined,
  file: ResolvedArtifact,
  partBytes: number,
  options: CallOptions & { operation: string; onBytes?: (fileBytes: number) => void },
): Promise<Array<{ partNumber: number; hexMD5: string }>> {
  const byNumber = new Map(parts.map((p) => [p.partNumber, p.uploadUrl]));
  const md5ByNumber = new Map(declared.map((p) => [p.partNumber, p.hexMD5]));
  const done: Array<{ partNumber: number; hexMD5: string }> = [];
  let sent = 0;
  let partNumber = 0;
  for await (const bytes of splitParts(file, partBytes)) {
    partNumber++;
    const url = byNumber.get(partNumber);
    const hexMD5 = md5ByNumber.get(partNumber);
    if (!url || !hexMD5) throw new Error(`W&B gave no URL for part ${partNumber} of ${file.path}, or it was not declared`);
    const res = await http.request({
      operation: options.operation,
      method: "PUT",
      url,
      body: () => bytes as Uint8Array<ArrayBuffer>,
      headers: { "content-md5": Buffer.from(hexMD5, "hex").toString("base64"), ...(contentType && { "content-type": contentType }) },
      idempotent: true,
      responseType: "none",
      ...callOptions({ ...options, headers: undefined } as CallOptions),
    });
    done.push({ partNumber, hexMD5: res.headers.get("etag") ?? "" });
    sent += bytes.byteLength;
    options.onBytes?.(sent);
  }
  return done;
}

/** Hex MD5s of consecutive parts of a stream, fed chunk by chunk, so part digests cost no second read. */
export class PartHasher {
  readonly #parts: PartDigest[] = [];
  readonly #partBytes: number;
  #hash = nodeCrypto().createHash("md5");
  #filled = 0;

  /** @param partBytes - The part size; the last part may be shorter. */
  constructor(partBytes: number) {
    this.#partBytes = partBytes;
  }

  /** Adds a chunk. */
  update(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(this.#partBytes - this.#filled, chunk.byteLength - at);
      this.#hash.update(chunk.subarray(at, at + take));
      this.#filled += take;
      at += take;
      if (this.#filled === this.#partBytes) this.#next();
    }
  }

  /** The parts' digests, 1-based. Call once, after the last chunk. */
  finish(): PartDigest[] {
    if (this.#filled > 0 || this.#parts.length === 0) this.#next();
    return this.#parts;
  }

  #next(): void {
    this.#parts.push({ partNumber: this.#parts.length + 1, hexMD5: this.#hash.digest("hex") });
    this.#hash = nodeCrypto().createHash("md5");
    this.#filled = 0;
  }
}
