/**
 * Reading a file as resumable-upload chunks that can start at any offset the server reports, holding at most one
 * chunk in memory, and hashing every byte of the file exactly once however often parts of it are read again.
 *
 * @module
 */

import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { StreamingDigest } from "../../artifacts/hashing.js";
import { InvalidInputError } from "../../core/errors.js";
import { Crc32c } from "./gcs-crc32c.js";

/** One chunk to send. */
export interface UploadChunk {
  /** The file offset of the first byte. */
  start: number;
  /** The bytes; a view into the source's one buffer, valid until the next {@link ChunkSource.chunkAt}. */
  bytes: Uint8Array<ArrayBuffer>;
  /** True when the file ends right after this chunk, so its size is known. */
  last: boolean;
}

/** The file's digests once it has been read to the end. */
export interface ChunkSourceDigests {
  /** Bytes in the file. */
  size: number;
  /** MD5 as base64. */
  md5: string;
  /** CRC32C as base64. */
  crc32c: string;
  /** SHA-256 as lowercase hex. */
  sha256: string;
}

/**
 * Chunks of a {@link ResolvedArtifact}. Moving forward reads on; moving back into the chunk last returned reuses it;
 * moving back further re-opens the file and skips to the offset. Digests only see file offsets not hashed before,
 * so re-sent bytes are never counted twice.
 */
export class ChunkSource {
  readonly #file: ResolvedArtifact;
  readonly #chunkSize: number;
  readonly #context: { provider: string; operation: string };
  readonly #digest = new StreamingDigest();
  readonly #crc = new Crc32c();
  #buffer: Uint8Array<ArrayBuffer> | undefined;
  /** The chunk last returned: its file offset and length within `#buffer`. */
  #held: { start: number; length: number } | undefined;
  #iterator: AsyncIterator<Uint8Array> | undefined;
  /** A piece already pulled from the iterator but not yet placed in a chunk; `#readAt` is its file offset. */
  #pending: Uint8Array | undefined;
  /** The file offset of `#pending`, or of the iterator's next byte when nothing is pending. */
  #readAt = 0;
  #ended = false;
  /** Every file offset below this has gone through the digests. */
  #hashedTo = 0;
  #digests: ChunkSourceDigests | undefined;

  /**
   * @param file - The file; `open()` is called again whenever reading has to start over.
   * @param chunkSize - Bytes per chunk; every chunk except the last is exactly this long.
   * @param context - The provider and operation, for errors.
   */
  constructor(file: ResolvedArtifact, chunkSize: number, context: { provider: string; operation: string }) {
    this.#file = file;
    this.#chunkSize = chunkSize;
    this.#context = context;
  }

  /**
   * The chunk that starts at `start`: `chunkSize` bytes, or fewer when the file ends first.
   *
   * @throws InvalidInputError when the file is shorter or longer than its declared size, or than `start`.
   */
  async chunkAt(start: number): Promise<UploadChunk> {
    const buffer = (this.#buffer ??= new Uint8Array(this.#chunkSize));
    const held = this.#held;
    let filled = 0;
    if (held && start >= held.start && start <= held.start + held.length) {
      // The server kept less than it was sent: the rest of the chunk is still here, so move it to the front.
      filled = held.start + held.length - start;
      buffer.copyWithin(0, start - held.start, held.length);
    } else {
      await this.#seek(start);
    }
    this.#held = undefined;
    while (filled < this.#chunkSize) {
      const piece = await this.#nextPiece();
      if (!piece) break;
      const take = Math.min(piece.byteLength, this.#chunkSize - filled);
      buffer.set(piece.subarray(0, take), filled);
      filled += take;
      this.#readAt += take;
      this.#pending = take < piece.byteLength ? piece.subarray(take) : undefined;
    }
    // Look one piece ahead, so the last chunk is known before it is sent even when the size was not given.
    const last = (await this.#nextPiece()) === undefined;
    const end = start + filled;
    const declared = this.#file.size;
    if (declared !== undefined && (last ? end !== declared : end >= declared)) {
      const actual = last ? `${end} bytes` : `more than ${declared} bytes`;
      throw new InvalidInputError(`the file ${this.#file.path} was declared as ${declared} bytes but has ${actual}`, {
        ...this.#context,
        field: "file.size",
      });
    }
    if (last && !this.#digests) this.#finishDigests(end);
    this.#held = { start, length: filled };
    return { start, bytes: buffer.subarray(0, filled), last };
  }

  /** The digests of the whole file, once a chunk with `last` has been returned. */
  get digests(): ChunkSourceDigests | undefined {
    return this.#digests;
  }

  /** Stops reading the file. */
  async close(): Promise<void> {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    this.#pending = undefined;
    this.#buffer = undefined;
    await iterator?.return?.();
  }

  /** Positions reading at `offset`: forward by skipping, backward by re-opening the file. */
  async #seek(offset: number): Promise<void> {
    if (offset < this.#readAt || !this.#iterator) {
      await this.#iterator?.return?.();
      this.#iterator = this.#file.open()[Symbol.asyncIterator]();
      this.#pending = undefined;
      this.#readAt = 0;
      this.#ended = false;
    }
    while (this.#readAt < offset) {
      const piece = await this.#nextPiece();
      if (!piece) {
        throw new InvalidInputError(`the file ${this.#file.path} ended at ${this.#readAt} bytes, before offset ${offset}`, {
          ...this.#context,
          field: "file",
        });
      }
      const skip = Math.min(piece.byteLength, offset - this.#readAt);
      this.#readAt += skip;
      this.#pending = skip < piece.byteLength ? piece.subarray(skip) : undefined;
    }
  }

  /** The pending piece, or the next one from the file (hashing what was never hashed); `undefined` at the end. */
  async #nextPiece(): Promise<Uint8Array | undefined> {
    if (this.#pending) return this.#pending;
    if (this.#ended || !this.#iterator) return undefined;
    for (;;) {
      const next = await this.#iterator.next();
      if (next.done) {
        this.#ended = true;
        return undefined;
      }
      const piece = next.value;
      if (piece.byteLength === 0) continue;
      const fresh = this.#readAt + piece.byteLength - this.#hashedTo;
      if (fresh > 0) {
        const unseen = piece.subarray(piece.byteLength - fresh);
        this.#digest.update(unseen);
        this.#crc.update(unseen);
        this.#hashedTo += fresh;
      }
      this.#pending = piece;
      return piece;
    }
  }

  #finishDigests(size: number): void {
    const { md5, sha256 } = this.#digest.digest();
    this.#digests = { size, md5, sha256, crc32c: this.#crc.digestBase64() };
  }
}
