/**
 * How a model version's fields live on a W&B artifact: params, metrics, tags, lineage, signature, model card and the
 * stage go in the artifact's `metadata` JSON (W&B shows it on the version page); aliases are the collection's.
 *
 * @module
 */

import type { ModelSignature } from "../../core/signature.js";
import type { Lineage, ModelCard, ModelVersion, Stage } from "../../core/types.js";
import type { WandbArtifact, WandbListedArtifact } from "./wandb-api.js";
import { WANDB_MANAGED_ALIASES } from "./wandb-aliases.js";

/** Aliases the adapter manages (wandb-aliases.ts): W&B's `latest`, and the stage aliases. Users cannot set them directly. */
export const MANAGED_ALIASES: ReadonlySet<string> = new Set(WANDB_MANAGED_ALIASES);

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

/**
 * A version as found in one collection: the artifact, and its number and aliases in that collection. Listing finds
 * versions with only the fields it reads checked ({@link WandbListedArtifact}); lookups find them whole.
 */
export interface FoundVersion<A extends WandbListedArtifact = WandbArtifact> {
  /** The artifact as W&B returned it. */
  artifact: A;
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
export function scopedAliases(a: WandbListedArtifact, entity: string, project: string, collection: string): string[] {
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

/** A metadata field that should hold an object: a copy is not needed, the metadata was parsed for this call. */
function record<T extends object>(value: T | undefined): T {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : ({} as T);
}

/** The two-digit number at `at` of `text`, or NaN. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : Number.NaN;
}

/**
 * A W&B `DateTime`. W&B writes UTC without a zone (`2025-01-01T00:00:00`), which `new Date()` would read as local
 * time; such a timestamp, or one ending in `Z`, is read as UTC here, digit by digit (`new Date(text)` is about 1 µs,
 * two per listed version). Anything else (a fraction, an offset) goes to `new Date()`, as UTC when it names no zone.
 */
export function wandbTime(text: string): Date {
  const length = text.length;
  if (
    (length === 19 || (length === 20 && text.charCodeAt(19) === 90)) && // Z
    text.charCodeAt(4) === 45 && // -
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 && // T
    text.charCodeAt(13) === 58 && // :
    text.charCodeAt(16) === 58
  ) {
    const month = twoDigits(text, 5);
    const day = twoDigits(text, 8);
    const hour = twoDigits(text, 11);
    const minute = twoDigits(text, 14);
    const second = twoDigits(text, 17);
    // Out of range (month 13, hour 25) is left to new Date(), which refuses it where Date.UTC would roll it over.
    if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59) {
      const ms = Date.UTC(twoDigits(text, 0) * 100 + twoDigits(text, 2), month - 1, day, hour, minute, second);
      if (!Number.isNaN(ms)) return new Date(ms);
    }
  }
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text.slice(10)) ? text : `${text}Z`);
}

const VERSION_ALIAS = /^v\d+$/;

/** The `ModelVersion` view of a found version. */
export function toModelVersion(model: string, found: FoundVersion<WandbListedArtifact>): ModelVersion {
  const a = found.artifact;
  const meta = parseMetadata(a.metadata);
  const createdBy = meta[CREATED_BY_KEY];
  const version: ModelVersion = {
    model,
    version: String(found.versionIndex),
    params: record(meta.params),
    metrics: record(meta.metrics),
    tags: record(meta.tags),
    lineage: record(meta.lineage),
    aliases: found.aliases.length === 0 ? [] : found.aliases.filter((x) => !MANAGED_ALIASES.has(x) && !VERSION_ALIAS.test(x)).sort(),
    stage: meta[STAGE_KEY] ?? "draft",
    artifacts: a.fileCount !== undefined && a.fileCount !== null ? { digest: a.digest, fileCount: Number(a.fileCount) } : { digest: a.digest },
    createdAt: wandbTime(a.createdAt),
    updatedAt: wandbTime(a.updatedAt ?? a.createdAt),
    raw: a,
  };
  if (a.description) version.description = a.description;
  if (meta.signature) version.signature = meta.signature;
  if (meta.modelCard) version.modelCard = meta.modelCard;
  if (typeof createdBy === "string" && createdBy !== "") version.createdBy = createdBy;
  return version;
}
