/**
 * W&B artifact manifests and digests. A file's digest is the base64 MD5 of its bytes; an artifact's digest is the hex
 * MD5 of `"wandb-artifact-manifest-v1\n"` followed by `<path>:<digest>\n` for every file, paths in byte order (not
 * JavaScript's UTF-16 `sort()`, which orders some characters differently).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ownValue, setOwn } from "../../core/own-keys.js";

/** One manifest entry. */
export interface ManifestEntry {
  /** Base64 MD5 of the file's bytes. */
  digest: string;
  /** Bytes. */
  size: number;
  /** The artifact the bytes were first uploaded with. */
  birthArtifactID?: string;
  /** For reference entries: where the bytes live. */
  ref?: string;
}

/** A manifest as W&B stores it (`wandb_manifest.json`). */
export interface WandbManifest {
  version: 1;
  storagePolicy: string;
  storagePolicyConfig: Record<string, unknown>;
  contents: Record<string, ManifestEntry>;
}

/** Orders strings by their UTF-8 bytes, as W&B's Go and Python clients do. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The artifact digest: hex MD5 over the sorted `path:digest` lines. */
export function artifactDigest(contents: Record<string, { digest: string }>): string {
  const hash = createHash("md5").update("wandb-artifact-manifest-v1\n");
  for (const path of Object.keys(contents).sort(compareUtf8)) hash.update(`${path}:${ownValue(contents, path)?.digest}\n`);
  return hash.digest("hex");
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
    // A file may be named `__proto__` or `constructor`: manifest paths are data, never the record's prototype.
    setOwn(contents, path, {
      digest: entry.digest,
      size: Number(entry.size ?? 0),
      ...(entry.birthArtifactID && { birthArtifactID: entry.birthArtifactID }),
      ...(entry.ref && { ref: entry.ref }),
    });
  }
  return { version: 1, storagePolicy: m.storagePolicy ?? "wandb-storage-policy-v1", storagePolicyConfig: m.storagePolicyConfig ?? {}, contents };
}
