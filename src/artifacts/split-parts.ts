/**
 * A file as consecutive parts, for multipart uploads (S3 parts behind W&B, Azure blocks, Hugging Face LFS parts): one
 * part in memory at a time, so memory stays flat however large the file, and a part can be sent again on a retry.
 *
 * @module
 */

import type { ResolvedArtifact } from "./resolve-source.js";

/** Reads a file as consecutive parts of `partBytes` (the last may be shorter; an empty file is one empty part). */
export async function* splitParts(file: ResolvedArtifact, partBytes: number): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(partBytes);
  let filled = 0;
  let emitted = false;
  for await (const chunk of file.open()) {
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(partBytes - filled, chunk.byteLength - at);
      buffer.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === partBytes) {
        yield buffer;
        emitted = true;
        buffer = new Uint8Array(partBytes);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !emitted) yield buffer.subarray(0, filled);
}
