/**
 * W&B artifact manifests and digests. A file's digest is the base64 MD5 of its bytes, or, in an entry tagged
 * `extra: {"alg": "XXH128"}` (W&B's clients from about 0.29), the base64 XXH128 of its bytes. An artifact's digest
 * (wandb-digest.ts, with the MD5 one `modelreg/wandb` exports) hashes `"wandb-artifact-manifest-v1\n"` followed by
 * `<path>:<digest>\n` for every file, paths in byte order. Only the calls that read or write a version's files
 * import this module.
 *
 * @module
 */
import { createXxh128 } from "../../artifacts/xxh128.js";
import { ownValue, setOwn } from "../../core/own-keys.js";
import { artifactDigest, compareUtf8, digestLines } from "./wandb-digest.js";

export { artifactDigest, compareUtf8 };

/** One manifest entry. */
export interface ManifestEntry {
  /** Base64 digest of the file's bytes: MD5, or the algorithm `extra.alg` names. */
  digest: string;
  /** Bytes. */
  size: number;
  /** The artifact the bytes were first uploaded with. */
  birthArtifactID?: string;
  /** For reference entries: where the bytes live. */
  ref?: string;
  /** W&B's per-entry extras; `alg` names the digest algorithm of an entry that is not MD5. */
  extra?: Record<string, unknown>;
}

/** A manifest as W&B stores it (`wandb_manifest.json`). */
export interface WandbManifest {
  version: 1;
  storagePolicy: string;
  storagePolicyConfig: Record<string, unknown>;
  contents: Record<string, ManifestEntry>;
}

/** W&B's `ArtifactDigestAlgorithm`: how an artifact's entries and digest are hashed. */
export type DigestAlgorithm = "MANIFEST_MD5" | "MANIFEST_XXH128";

/**
 * The key in an entry's `extra` naming its digest algorithm, and the value for XXH128. W&B tags only entries that are
 * not MD5; an untagged entry is MD5 (`artifact_manifest_entry.py`: `DIGEST_ALGORITHM_EXTRA_KEY`).
 */
export const ALG_KEY = "alg";
/** The `extra.alg` value of an XXH128 entry. */
export const XXH128_ALG = "XXH128";

/**
 * The digest algorithm of one entry: `"MD5"`, `"XXH128"`, or whatever else a newer client wrote there. Read per entry,
 * not per artifact: a version made from an XXH128 draft in an MD5 sequence keeps the XXH128 entries it inherited.
 */
export function entryAlgorithm(entry: Pick<ManifestEntry, "extra">): string {
  const alg = entry.extra?.[ALG_KEY];
  return typeof alg === "string" ? alg : "MD5";
}

/** The artifact digest for either algorithm: hex MD5, or hex XXH128 over the same text (`manifest.go ArtifactDigest`). */
export async function artifactDigestFor(contents: Record<string, { digest: string }>, algorithm: DigestAlgorithm): Promise<string> {
  if (algorithm === "MANIFEST_MD5") return artifactDigest(contents);
  const hash = await createXxh128();
  const encoder = new TextEncoder();
  for (const line of digestLines(contents)) hash.update(encoder.encode(line));
  return Buffer.from(hash.digest()).toString("hex");
}

/** A manifest for these entries, with the default storage policy. */
export function buildManifest(contents: Record<string, ManifestEntry>): WandbManifest {
  const sorted: Record<string, ManifestEntry> = {};
  for (const path of Object.keys(contents).sort(compareUtf8)) setOwn(sorted, path, ownValue(contents, path) as ManifestEntry);
  return { version: 1, storagePolicy: "wandb-storage-policy-v1", storagePolicyConfig: { storageLayout: "V2" }, contents: sorted };
}

/** Parses a downloaded manifest, tolerating the extra keys W&B's clients write. */
export function parseManifest(json: unknown): WandbManifest {
  const m = json as Partial<WandbManifest> | null;
  if (!m || typeof m !== "object" || typeof m.contents !== "object" || m.contents === null) throw new Error("not a W&B artifact manifest");
  const contents: Record<string, ManifestEntry> = {};
  for (const [path, entry] of Object.entries(m.contents)) {
    if (typeof entry?.digest !== "string") throw new Error(`manifest entry ${path} has no digest`);
    const alg = entry.extra && typeof entry.extra === "object" ? (entry.extra as Record<string, unknown>)[ALG_KEY] : undefined;
    if (alg !== undefined && typeof alg !== "string") throw new Error(`manifest entry ${path} names its digest algorithm as a ${typeof alg}`);
    // A file may be named `__proto__` or `constructor`: manifest paths are data, never the record's prototype.
    setOwn(contents, path, {
      digest: entry.digest,
      size: Number(entry.size ?? 0),
      ...(entry.birthArtifactID && { birthArtifactID: entry.birthArtifactID }),
      ...(entry.ref && { ref: entry.ref }),
      // Only the algorithm is kept: it decides how the file is checked; other extras are the writer's business.
      ...(alg !== undefined && { extra: { [ALG_KEY]: alg } }),
    });
  }
  return { version: 1, storagePolicy: m.storagePolicy ?? "wandb-storage-policy-v1", storagePolicyConfig: m.storagePolicyConfig ?? {}, contents };
}
