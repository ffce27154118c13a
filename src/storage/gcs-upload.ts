/**
 * Cloud Storage uploads through the JSON API (used by the Vertex adapter). Small files go up in one multipart request whose metadata carries
 * their md5 and crc32c, so GCS itself checks them. Large files (or files of unknown size) go up in a resumable
 * session, chunk by chunk: after a dropped connection or a 5xx, a status query asks GCS how much it kept, and the
 * upload resumes from there, re-reading the source if GCS kept less than is still buffered. Memory holds at most one
 * chunk.
 *
 * @module
 */

import { StreamingDigest } from "../artifacts/hashing.js";
import type { ResolvedArtifact } from "../artifacts/resolve-source.js";
import { IntegrityError, ModelRegistryError, ServerError } from "../core/errors.js";
import type { CallOptions } from "../core/options.js";
import type { HttpClient } from "../http/http-types.js";
import { Crc32c } from "./gcs-crc32c.js";

/** What an upload computed and GCS confirmed. */
export interface UploadedObject {
  /** Bytes. */
  size: number;
  /** SHA-256, hex. */
  sha256: string;
  /** MD5, base64 (GCS's form). */
  md5: string;
  /** CRC32C, base64 big-endian (GCS's form). */
  crc32c: string;
}

/** What an upload takes besides the file: the call's options, the operation and provider errors name, progress. */
export type GcsUploadOptions = CallOptions & {
  operation: string;
  provider: string;
  onBytes?: (fileBytes: number) => void;
  /**
   * The call's options as `callOptions` gives them, from the caller: importing `callOptions` here put it in a chunk
   * of its own, 0.2 KiB more in a Vertex handler's bundle.
   */
  call: CallOptions;
};

/** The call's options without its retry count: the client's default applies. */
function withoutRetries(call: CallOptions): CallOptions {
  const { maxRetries: _, ...rest } = call;
  return rest;
}

/** Tuning for uploads. */
export interface UploadTuning {
  /** Files up to this size go in one multipart request. Default 8 MiB. */
  multipartMaxBytes: number;
  /** Resumable chunk size; a multiple of 256 KiB. Default 8 MiB. */
  chunkBytes: number;
}

const QUANTUM = 256 * 1024;
const encodeName = (name: string) => encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Hashes bytes once each, however often the source is re-read. */
class Digests {
  readonly #digest = new StreamingDigest();
  readonly #crc = new Crc32c();
  /** Bytes hashed so far (a prefix of the file). */
  hashed = 0;

  /** Hashes the part of `chunk` (which starts at `offset`) not hashed yet. */
  add(chunk: Uint8Array, offset: number): void {
    if (offset + chunk.byteLength <= this.hashed) return;
    const fresh = chunk.subarray(Math.max(0, this.hashed - offset));
    this.#digest.update(fresh);
    this.#crc.update(fresh);
    this.hashed += fresh.byteLength;
  }

  result(): UploadedObject {
    const d = this.#digest.digest();
    return { size: d.size, sha256: d.sha256, md5: d.md5, crc32c: this.#crc.base64() };
  }
}

function checkStored(got: { md5Hash?: string | undefined; crc32c?: string | undefined }, sent: UploadedObject, name: string, options: GcsUploadOptions): void {
  const { provider, operation } = options;
  const bad = [
    ...(got.md5Hash !== undefined && got.md5Hash !== sent.md5 ? [`md5 ${got.md5Hash}, sent ${sent.md5}`] : []),
    ...(got.crc32c !== undefined && got.crc32c !== sent.crc32c ? [`crc32c ${got.crc32c}, sent ${sent.crc32c}`] : []),
  ];
  if (bad.length > 0) throw new IntegrityError(`Cloud Storage stored ${name} with ${bad.join(" and ")}`, { provider, operation });
}

/** A pull-based reader over a file that can restart at any offset by re-opening it. */
class SourceReader {
  #iterator: AsyncIterator<Uint8Array> | undefined;
  #position = 0;
  #pending: Uint8Array | undefined;
  done = false;

  constructor(
    private readonly file: ResolvedArtifact,
    private readonly digests: Digests,
    private readonly provider: string,
  ) {}

  /** Re-opens the file and skips to `offset`. */
  async seek(offset: number): Promise<void> {
    await this.#iterator?.return?.();
    this.#iterator = this.file.open()[Symbol.asyncIterator]();
    this.#position = 0;
    this.#pending = undefined;
    this.done = false;
    while (this.#position < offset) {
      const next = await this.#iterator.next();
      if (next.done)
        throw new ServerError(`${this.file.path} is shorter on re-reading than when it was first sent`, { provider: this.provider, operation: "upload" });
      const end = this.#position + next.value.byteLength;
      if (end > offset) this.#pending = next.value.subarray(offset - this.#position);
      this.#position = Math.min(end, offset);
    }
  }

  /** Reads up to `max` bytes (fewer only at the end of the file). */
  async read(max: number): Promise<Uint8Array> {
    this.#iterator ??= this.file.open()[Symbol.asyncIterator]();
    const parts: Uint8Array[] = [];
    let size = 0;
    while (size < max) {
      let chunk = this.#pending;
      this.#pending = undefined;
      if (!chunk) {
        const next = await this.#iterator.next();
        if (next.done) {
          this.done = true;
          break;
        }
        chunk = next.value;
      }
      const take = chunk.subarray(0, max - size);
      if (take.byteLength < chunk.byteLength) this.#pending = chunk.subarray(take.byteLength);
      this.digests.add(take, this.#position);
      this.#position += take.byteLength;
      parts.push(take);
      size += take.byteLength;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    if (!this.done && size === max) {
      // Look ahead one chunk so the last data chunk is known to be last (its Content-Range then names the total).
      const next = this.#pending ? { done: false as const, value: this.#pending } : await this.#iterator.next();
      this.#pending = undefined;
      if (next.done) this.done = true;
      else this.#pending = next.value;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#iterator?.return?.();
  }
}

/** Uploads one object. */
export async function uploadObject(
  http: HttpClient,
  target: { bucket: string; name: string; contentType: string },
  file: ResolvedArtifact,
  tuning: UploadTuning,
  options: GcsUploadOptions,
): Promise<UploadedObject> {
  if (file.size !== undefined && file.size <= tuning.multipartMaxBytes) return multipart(http, target, file, options);
  return resumable(http, target, file, tuning, options);
}

async function multipart(
  http: HttpClient,
  target: { bucket: string; name: string; contentType: string },
  file: ResolvedArtifact,
  options: GcsUploadOptions,
): Promise<UploadedObject> {
  // Hash first, so the metadata carries the digests and GCS refuses the object if the bytes arrive different.
  const digests = new Digests();
  let offset = 0;
  for await (const chunk of file.open()) {
    digests.add(chunk, offset);
    offset += chunk.byteLength;
  }
  const sent = digests.result();
  const boundary = `modelreg-${crypto.randomUUID()}`;
  const meta = JSON.stringify({ name: target.name, contentType: target.contentType, md5Hash: sent.md5, crc32c: sent.crc32c });
  const head = new TextEncoder().encode(
    `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${meta}\r\n--${boundary}\r\ncontent-type: ${target.contentType}\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const res = await http.request({
    operation: options.operation,
    method: "POST",
    path: `upload/storage/v1/b/${encodeName(target.bucket)}/o`,
    query: { uploadType: "multipart" },
    headers: { "content-type": `multipart/related; boundary=${boundary}` },
    body: () => {
      async function* parts() {
        yield head;
        let fileBytes = 0;
        for await (const chunk of file.open()) {
          fileBytes += chunk.byteLength;
          options.onBytes?.(fileBytes);
          yield chunk;
        }
        yield tail;
      }
      return parts();
    },
    bodySize: head.byteLength + sent.size + tail.byteLength,
    // The same object written twice is the same object.
    idempotent: true,
    ...options.call,
  });
  checkStored(res.data as { md5Hash?: string; crc32c?: string }, sent, target.name, options);
  return sent;
}

async function resumable(
  http: HttpClient,
  target: { bucket: string; name: string; contentType: string },
  file: ResolvedArtifact,
  tuning: UploadTuning,
  options: GcsUploadOptions,
): Promise<UploadedObject> {
  if (tuning.chunkBytes % QUANTUM !== 0) throw new Error("chunkBytes must be a multiple of 256 KiB");
  const digests = new Digests();
  const reader = new SourceReader(file, digests, options.provider);
  const start = () =>
    http
      .request({
        operation: options.operation,
        method: "POST",
        path: `upload/storage/v1/b/${encodeName(target.bucket)}/o`,
        query: { uploadType: "resumable", name: target.name },
        json: { name: target.name, contentType: target.contentType },
        headers: { ...(file.size !== undefined && { "x-upload-content-length": String(file.size) }), "x-upload-content-type": target.contentType },
        idempotent: true,
        responseType: "none",
        ...options.call,
      })
      .then((res) => {
        const location = res.headers.get("location");
        if (!location)
          throw new ServerError("Cloud Storage opened an upload session without a Location header", {
            provider: options.provider,
            operation: options.operation,
          });
        return location;
      });
  let session = await start();
  let restarted = false;
  // What GCS has confirmed, and the bytes read but not yet confirmed.
  let persisted = 0;
  let buffer = new Uint8Array(0);
  let bufferStart = 0;
  let failures = 0;
  const maxFailures = (options.maxRetries ?? 2) + 3;
  const persistedFrom = (range: string | null) => (range ? Number(/bytes=0-(\d+)/.exec(range)?.[1] ?? -1) + 1 : 0);
  // The session URI is the credential: these requests carry no Authorization header.
  const put = (body: Uint8Array, contentRange: string) =>
    http.request({
      operation: options.operation,
      method: "PUT",
      url: session,
      body: () => body as Uint8Array<ArrayBuffer>,
      headers: { "content-range": contentRange },
      acceptStatus: [308],
      responseType: "text",
      // Recovery is the status query below, not a blind resend.
      maxRetries: 0,
      ...withoutRetries(options.call),
    });
  try {
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (buffer.byteLength < tuning.chunkBytes && !reader.done) {
        const more = await reader.read(tuning.chunkBytes - buffer.byteLength);
        const merged = new Uint8Array(buffer.byteLength + more.byteLength);
        merged.set(buffer);
        merged.set(more, buffer.byteLength);
        buffer = merged;
      }
      const end = bufferStart + buffer.byteLength;
      const total = reader.done ? String(end) : file.size !== undefined ? String(file.size) : "*";
      const range = buffer.byteLength === 0 ? `bytes */${total}` : `bytes ${bufferStart}-${end - 1}/${total}`;
      let res;
      try {
        res = await put(buffer, range);
      } catch (error) {
        if (!ModelRegistryError.isInstance(error) || !error.isRetryable || ++failures > maxFailures) throw error;
        // Ask how much arrived; a 404 or 410 means the session is gone and the upload starts over, once.
        try {
          res = await put(new Uint8Array(0), `bytes */${file.size ?? (reader.done ? end : "*")}`);
        } catch (query) {
          if (!restarted && ModelRegistryError.isInstance(query) && (query.statusCode === 404 || query.statusCode === 410)) {
            restarted = true;
            session = await start();
            persisted = 0;
            await reader.seek(0);
            buffer = new Uint8Array(0);
            bufferStart = 0;
            continue;
          }
          throw query;
        }
      }
      if (res.status === 200 || res.status === 201) {
        const stored = JSON.parse(res.data) as { md5Hash?: string; crc32c?: string };
        if (!reader.done)
          throw new ServerError(`Cloud Storage finished ${target.name} before all bytes were sent`, {
            provider: options.provider,
            operation: options.operation,
          });
        const sent = digests.result();
        checkStored(stored, sent, target.name, options);
        return sent;
      }
      persisted = persistedFrom(res.headers.get("range"));
      options.onBytes?.(persisted);
      if (persisted >= bufferStart) {
        buffer = buffer.subarray(Math.min(buffer.byteLength, persisted - bufferStart));
      } else {
        // GCS kept less than what is still buffered: read the file again from there.
        await reader.seek(persisted);
        buffer = new Uint8Array(0);
      }
      bufferStart = persisted;
    }
  } finally {
    await reader.close();
  }
}
