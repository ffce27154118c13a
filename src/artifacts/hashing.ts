/**
 * Digests computed while bytes stream past, so no file is ever held whole to hash it.
 *
 * @module
 */

import type { Hash } from "node:crypto";
import { nodeCrypto } from "../runtime/builtins.js";

/** The digests of one file. */
export interface FileDigests {
  /** Bytes seen. */
  size: number;
  /** SHA-256 as lowercase hex (the content address). */
  sha256: string;
  /** MD5 as base64, the form GCS and W&B manifests use. */
  md5: string;
}

/** Feeds chunks to SHA-256 and MD5 at once; read the result when the stream ends. */
export class StreamingDigest {
  readonly #both = new SelectedDigest({ sha256: true, md5: true });

  /** Adds a chunk. */
  update(chunk: Uint8Array): void {
    this.#both.update(chunk);
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#both.size;
  }

  /** Finishes both digests. Call once. */
  digest(): FileDigests {
    const { size, sha256, md5 } = this.#both.digest();
    return { size, sha256: sha256 as string, md5: md5 as string };
  }
}

/** The digests a {@link SelectedDigest} was asked for; the others are absent. */
export interface SomeDigests {
  /** Bytes seen. */
  size: number;
  /** SHA-256 as lowercase hex, when asked for. */
  sha256?: string;
  /** MD5 as base64, when asked for. */
  md5?: string;
}

/**
 * Like {@link StreamingDigest}, computing only the digests asked for: a check against a listing that has only one
 * of them need not pay for the other (MD5 costs about half as much again as SHA-256 on its own).
 */
export class SelectedDigest {
  readonly #sha256: Hash | undefined;
  readonly #md5: Hash | undefined;
  #size = 0;

  /** @param algorithms - Which digests to compute. */
  constructor(algorithms: { sha256: boolean; md5: boolean }) {
    this.#sha256 = algorithms.sha256 ? nodeCrypto().createHash("sha256") : undefined;
    this.#md5 = algorithms.md5 ? nodeCrypto().createHash("md5") : undefined;
  }

  /** Adds a chunk. */
  update(chunk: Uint8Array): void {
    this.#sha256?.update(chunk);
    this.#md5?.update(chunk);
    this.#size += chunk.byteLength;
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  /** Finishes the digests asked for. Call once. */
  digest(): SomeDigests {
    return { size: this.#size, ...(this.#sha256 && { sha256: this.#sha256.digest("hex") }), ...(this.#md5 && { md5: this.#md5.digest("base64") }) };
  }
}

/**
 * What differs between the size and digests a file was expected to have and those it streamed with, as a phrase for
 * an error message, or undefined when nothing does. A digest is compared only where both sides have it.
 */
export function digestMismatch(
  expected: { size?: number | undefined; sha256?: string | undefined; md5?: string | undefined },
  got: SomeDigests,
): string | undefined {
  const problems: string[] = [];
  if (expected.size !== undefined && expected.size !== got.size) problems.push(`size ${got.size}, expected ${expected.size}`);
  if (expected.sha256 !== undefined && got.sha256 !== undefined && expected.sha256 !== got.sha256)
    problems.push(`sha256 ${got.sha256}, expected ${expected.sha256}`);
  if (expected.md5 !== undefined && got.md5 !== undefined && expected.md5 !== got.md5) problems.push(`md5 ${got.md5}, expected ${expected.md5}`);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/** Hashes a whole stream. */
export async function digestStream(chunks: AsyncIterable<Uint8Array>): Promise<FileDigests> {
  const digest = new StreamingDigest();
  for await (const chunk of chunks) digest.update(chunk);
  return digest.digest();
}

/**
 * One digest for a whole version: SHA-256 over `<path>\t<sha256>\n` for every file in byte order of path. Two
 * versions with the same files get the same digest wherever they live, which is how sync recognises a copy.
 */
export function computeContentDigest(files: ReadonlyArray<{ path: string; sha256: string }>): string {
  const sorted = [...files].sort((a, b) => compareBytes(a.path, b.path));
  const hash = nodeCrypto().createHash("sha256");
  for (const file of sorted) hash.update(`${file.path}\t${file.sha256}\n`);
  return `sha256:${hash.digest("hex")}`;
}

/** Orders strings by their UTF-16 code units, the same on every machine and locale (unlike `localeCompare`). */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
