/**
 * XXH128 (XXH3, 128 bits) computed while bytes stream past. W&B's clients from about 0.29 write manifest entries with
 * this digest: the 16 bytes in xxHash's canonical (big-endian) order, base64, as Python's `xxhash.xxh128().digest()`
 * and Go's `zeebo/xxh3` `Hasher128.Sum` give them (`wandb/sdk/lib/hashutil.py`, `core/internal/hashencode/hash.go`).
 *
 * The hashing is `hash-wasm`'s WebAssembly build of xxHash: no native build, so it runs on every Node and in
 * serverless bundles. It is loaded on first use only, so code that never meets an XXH128 digest never loads it.
 *
 * @module
 */

import type { IHasher } from "hash-wasm";

let loading: Promise<typeof import("./xxh128-wasm.js")> | undefined;

/** One running XXH128: feed it chunks, then read the digest once. */
export interface StreamingXxh128 {
  /** Adds a chunk. */
  update(chunk: Uint8Array): void;
  /** The 16 digest bytes, canonical (big-endian) order. Call once, after the last chunk. */
  digest(): Uint8Array;
}

/** A fresh XXH128 (seed 0, as W&B's clients use). Async because the WebAssembly module is instantiated on demand. */
export async function createXxh128(): Promise<StreamingXxh128> {
  // A failed load is not cached: the next caller tries again rather than inheriting one bad moment for good.
  loading ??= import("./xxh128-wasm.js").catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  const hasher: IHasher = await (await loading).createXXHash128();
  hasher.init();
  return {
    update: (chunk) => {
      hasher.update(chunk);
    },
    digest: () => hasher.digest("binary"),
  };
}

/** XXH128 of a whole stream, as base64: the form of a W&B manifest entry's digest. */
export async function xxh128Base64(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
  const h = await createXxh128();
  for await (const chunk of chunks) h.update(chunk);
  return Buffer.from(h.digest()).toString("base64");
}
