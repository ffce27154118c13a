/**
 * An artifact's digest on W&B: the hex MD5 (hex XXH128 for a `MANIFEST_XXH128` artifact, wandb-manifest.ts) of
 * `"wandb-artifact-manifest-v1\n"` followed by `<path>:<digest>\n` for every file, paths in byte order (not
 * JavaScript's UTF-16 `sort()`, which orders some characters differently). Apart from the manifests, which only the
 * calls that read or write a version's files import, because `modelreg/wandb` exports `artifactDigest`.
 *
 * @module
 */

import { nodeCrypto } from "../../runtime/builtins.js";
import { ownValue } from "../../core/own-keys.js";

/** Orders strings by their UTF-8 bytes, as W&B's Go and Python clients do. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The text an artifact digest hashes, in pieces: the header, then one `path:digest` line per file in byte order. */
export function* digestLines(contents: Record<string, { digest: string }>): Generator<string> {
  yield "wandb-artifact-manifest-v1\n";
  for (const path of Object.keys(contents).sort(compareUtf8)) yield `${path}:${ownValue(contents, path)?.digest}\n`;
}

/**
 * The artifact digest of an MD5 artifact: hex MD5 over the sorted `path:digest` lines.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function artifactDigest(contents: Record<string, { digest: string }>): string {
  const hash = nodeCrypto().createHash("md5");
  for (const line of digestLines(contents)) hash.update(line);
  return hash.digest("hex");
}
