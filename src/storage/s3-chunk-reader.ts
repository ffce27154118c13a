/**
 * Reading a file in request-sized buffers for S3 uploads: each byte comes from the source once and is hashed then, so
 * the whole file's SHA-256 is known when the last buffer is read, without reading the file twice.
 *
 * @module
 */

import { SelectedDigest } from "../artifacts/hashing.js";
import type { ResolvedArtifact } from "../artifacts/resolve-source.js";

/** Reads a file in buffers of a given size, hashing every byte once as it comes from the source. */
export class ChunkReader {
  readonly #file: ResolvedArtifact;
  readonly #digest = new SelectedDigest({ sha256: true, md5: false });
  #iterator: AsyncIterator<Uint8Array> | undefined;
  #pending: Uint8Array[] = [];
  /** The source has no more bytes beyond what is pending. */
  done = false;

  /** @param file - The file to read. */
  constructor(file: ResolvedArtifact) {
    this.#file = file;
  }

  async #pull(): Promise<Uint8Array | undefined> {
    const held = this.#pending.shift();
    if (held) return held;
    if (this.done) return undefined;
    this.#iterator ??= this.#file.open()[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.#iterator.next();
      if (next.done) {
        this.done = true;
        return undefined;
      }
      if (next.value.byteLength === 0) continue;
      this.#digest.update(next.value);
      return next.value;
    }
  }

  /** Up to `max` bytes, fewer only at the end; `done` then says whether anything follows (one chunk is read ahead). */
  async read(max: number): Promise<Uint8Array> {
    const pieces: Uint8Array[] = [];
    let size = 0;
    while (size < max) {
      const chunk = await this.#pull();
      if (!chunk) break;
      const take = chunk.byteLength <= max - size ? chunk : chunk.subarray(0, max - size);
      if (take !== chunk) this.#pending.unshift(chunk.subarray(take.byteLength));
      pieces.push(take);
      size += take.byteLength;
    }
    if (this.#pending.length === 0 && !this.done) {
      const ahead = await this.#pull();
      if (ahead) this.#pending.push(ahead);
    }
    if (this.#pending.length === 0) this.done = true;
    return pieces.length === 1 && pieces[0] ? pieces[0] : concat(pieces, size);
  }

  /** Puts bytes back in front, to be read again (they were hashed already). */
  unread(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.#pending.unshift(bytes);
    this.done = false;
  }

  /** The size and SHA-256 of everything read. Call once, at the end. */
  result(): { size: number; sha256: string } {
    const { size, sha256 } = this.#digest.digest();
    return { size, sha256: sha256 as string };
  }

  /** Stops reading the source. */
  async close(): Promise<void> {
    await this.#iterator?.return?.();
  }
}

function concat(pieces: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}
