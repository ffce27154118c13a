/**
 * How a model version's fields live on a W&B artifact: params, metrics, tags, lineage, signature, model card and the
 * stage go in the artifact's `metadata` JSON (W&B shows it on the version page); aliases are the collection's.
 *
 * @module
 */

import type { ModelSignature } from "../../core/signature.js";
import type { Lineage, ModelCard, ModelVersion, Stage } from "../../core/types.js";
import type { WandbArtifact } from "./wandb-api.js";
import { wandbAdapter } from "./wandb-descriptor.js";

/**
 * Aliases the adapter manages: W&B's `latest`, and the stage aliases. Users cannot set them directly. Listed in the
 * descriptor, which sync reads without loading the adapter.
 */
export const MANAGED_ALIASES: ReadonlySet<string> = new Set(wandbAdapter.managedAliases);

/** The metadata key that holds a version's stage. */
export const STAGE_KEY = "modelreg.stage";

/**
 * The metadata key that holds who created a version through modelreg: W&B's API names no creator a client can rely
 * on, and approval policies need one (four eyes: the creator's own approval does not count).
 */
export const CREATED_BY_KEY = "modelreg.createdBy";

/** What the adapter keeps in an artifact's metadata. Keys written by other W&B clients are kept as they are. */
export interface StoredMetadata {
  params?: Record<string, string>;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  lineage?: Lineage;
  signature?: ModelSignature;
  modelCard?: ModelCard;
  [STAGE_KEY]?: Stage;
  [CREATED_BY_KEY]?: string;
  [key: string]: unknown;
}

/** A version as found in one collection: the artifact, and its number and aliases in that collection. */
export interface FoundVersion {
  /** The artifact as W&B returned it. */
  artifact: WandbArtifact;
  /** Its number in the collection it was read through (a registry link has its own numbering). */
  versionIndex: number;
  /** Its aliases in that collection, `latest` included. */
  aliases: string[];
  /**
   * The collection it was read through, where W&B said: a portfolio (a W&B Registry collection, or a legacy model
   * registry one) holds links, which W&B's client unlinks rather than deletes.
   */
  collection?: { id: string; portfolio: boolean };
}

/** Parses W&B's metadata JSONString; anything that is not a JSON object reads as empty. */
export function parseMetadata(text: string | null | undefined): StoredMetadata {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as StoredMetadata) : {};
  } catch {
    return {};
  }
}

/**
 * The aliases an artifact has in one collection. An artifact's `aliases` span every collection it belongs to, so each
 * is matched on the collection's name, project and entity, as W&B's own client does.
 */
export function scopedAliases(a: WandbArtifact, entity: string, project: string, collection: string): string[] {
  return a.aliases
    .filter((x) => {
      const c = x.artifactCollection;
      if (!c || c.name !== collection) return false;
      return !c.project || (c.project.name === project && c.project.entity.name === entity);
    })
    .map((x) => x.alias);
}

/** W&B tag names for key/value tags: `key-value`, where that fits W&B's tag rules (others stay in the metadata only). */
export function wandbTags(tags: Record<string, string>): Array<{ tagName: string }> {
  return Object.entries(tags)
    .map(([k, v]) => `${k}-${v}`)
    .filter((t) => t.length <= 128 && /^[-\w]+( +[-\w]+)*$/.test(t))
    .map((tagName) => ({ tagName }));
}

/** The `ModelVersion` view of a found version. */
export function toModelVersion(model: string, found: FoundVersion): ModelVersion {
  const a = found.artifact;
  const meta = parseMetadata(a.metadata);
  return {
    model,
    version: String(found.versionIndex),
    ...(a.description && { description: a.description }),
    params: { ...meta.params },
    metrics: { ...meta.metrics },
    tags: { ...meta.tags },
    lineage: { ...meta.lineage },
    ...(meta.signature && { signature: meta.signature }),
    ...(meta.modelCard && { modelCard: meta.modelCard }),
    aliases: found.aliases.filter((x) => !MANAGED_ALIASES.has(x) && !/^v\d+$/.test(x)).sort(),
    stage: meta[STAGE_KEY] ?? "draft",
    artifacts: { digest: a.digest, ...(a.fileCount !== undefined && a.fileCount !== null && { fileCount: Number(a.fileCount) }) },
    ...(typeof meta[CREATED_BY_KEY] === "string" && meta[CREATED_BY_KEY] !== "" && { createdBy: meta[CREATED_BY_KEY] }),
    createdAt: new Date(a.createdAt),
    updatedAt: new Date(a.updatedAt ?? a.createdAt),
    raw: a,
  };
}
