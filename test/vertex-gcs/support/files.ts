// Test files for uploads: deterministic bytes, served in pieces that straddle chunk boundaries, with opens counted.
import { createHash } from "node:crypto";
import type { ResolvedArtifact } from "../../../src/artifacts/resolve-source.js";

/** Pseudo-random bytes from a seed (xorshift), so a wrong offset shows as wrong content, not just a wrong length. */
export function randomBytesOf(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A file over `bytes`, read in pieces of `pieceSize`; `opens` counts how often it was opened. */
export function fileOf(bytes: Uint8Array, options: { declareSize?: boolean; pieceSize?: number; path?: string } = {}): ResolvedArtifact & { opens: number } {
  const pieceSize = options.pieceSize ?? 100_000;
  const file = {
    path: options.path ?? "model.bin",
    size: options.declareSize === false ? undefined : bytes.byteLength,
    opens: 0,
    async *open() {
      file.opens++;
      for (let at = 0; at < bytes.byteLength; at += pieceSize) yield bytes.slice(at, at + pieceSize);
    },
  };
  return file;
}

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Reads a whole web stream. */
export async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Byte arrays compared by length and SHA-256: `toEqual` walks megabytes element by element, taking seconds, and its
 * diff of two large arrays helps nobody.
 */
export function sameBytes(actual: Uint8Array | undefined): { length: number; sha256: string } | undefined {
  return actual && { length: actual.byteLength, sha256: sha256Hex(actual) };
}
