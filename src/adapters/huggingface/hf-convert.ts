/**
 * The Hub's records as modelreg's types: a version from its `modelreg.json` and the state, or, for a version another
 * tool tagged, from its model card and commit; a model from the repository and the state.
 *
 * @module
 */

import { computeContentDigest } from "../../artifacts/hashing.js";
import { ownValue } from "../../core/own-keys.js";
import type { ModelSignature } from "../../core/signature.js";
import type { Lineage, ModelCard, ModelVersion, RegisteredModel } from "../../core/types.js";
import type { HubModelInfo } from "./hf-api.js";
import type { HubState, VersionRecord } from "./hf-records.js";
import { versionState } from "./hf-records.js";

/** What a version made by another tool shows: its card's metrics and tags, its commit's date and message. */
export interface ForeignVersion {
  /** The version number (its tag's). */
  version: string;
  /** The commit the tag names. */
  commit: string;
  /** The commit's date, when the listing gave it. */
  date: string | undefined;
  /** The commit's title, used as the description. */
  title: string | undefined;
  /** Metrics from the card's `model-index`. */
  metrics: Record<string, number>;
  /** The card's `tags`, as tags with an empty value (Hub tags are names only). */
  cardTags: string[];
  /** The files: count and bytes. */
  fileCount: number;
  /** Their total size. */
  totalBytes: number;
}

const dateOf = (text: string | undefined): Date | undefined => {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

/** A version modelreg made: its record, with what the state changed since. */
export function recordToVersion(
  model: string,
  commit: string,
  record: VersionRecord,
  state: HubState,
  aliases: readonly string[],
  artifactsUri: string,
): ModelVersion {
  const changed = versionState(state, record.version);
  const description = changed?.description ?? record.description;
  const createdAt = dateOf(record.createdAt) ?? new Date(0);
  return {
    model,
    version: record.version,
    ...(description !== undefined && description !== "" && { description }),
    params: { ...record.params },
    metrics: { ...record.metrics },
    tags: { ...(changed?.tags ?? record.tags) },
    lineage: record.lineage as Lineage,
    ...(record.signature && { signature: record.signature as unknown as ModelSignature }),
    ...((changed?.modelCard ?? record.modelCard) && { modelCard: (changed?.modelCard ?? record.modelCard) as ModelCard }),
    aliases: [...aliases].sort(),
    stage: changed?.stage ?? "draft",
    artifacts: {
      digest: computeContentDigest(record.files),
      fileCount: record.files.length,
      totalBytes: record.files.reduce((n, f) => n + f.size, 0),
      uri: artifactsUri,
    },
    createdBy: record.createdBy,
    createdAt,
    updatedAt: dateOf(changed?.updatedAt) ?? createdAt,
    raw: { commit, record, ...(changed && { state: changed }) },
  };
}

/** A version another tool tagged `v<n>`: what its card and commit say. */
export function foreignToVersion(model: string, foreign: ForeignVersion, state: HubState, aliases: readonly string[], artifactsUri: string): ModelVersion {
  const changed = versionState(state, foreign.version);
  const tags: Record<string, string> = {};
  for (const tag of foreign.cardTags) tags[tag] = "";
  const description = changed?.description ?? foreign.title;
  const createdAt = dateOf(foreign.date) ?? new Date(0);
  return {
    model,
    version: foreign.version,
    ...(description !== undefined && description !== "" && { description }),
    params: {},
    metrics: { ...foreign.metrics },
    tags: changed?.tags ? { ...changed.tags } : tags,
    lineage: {},
    ...(changed?.modelCard && { modelCard: changed.modelCard as ModelCard }),
    aliases: [...aliases].sort(),
    stage: changed?.stage ?? "draft",
    artifacts: { fileCount: foreign.fileCount, totalBytes: foreign.totalBytes, uri: artifactsUri },
    createdAt,
    updatedAt: dateOf(changed?.updatedAt) ?? createdAt,
    raw: { commit: foreign.commit },
  };
}

/** A model: the repository, its aliases, and the state's description and tags. */
export function toRegisteredModel(
  name: string,
  info: HubModelInfo,
  state: HubState,
  aliases: Record<string, string>,
  latestVersion: string | undefined,
): RegisteredModel {
  const createdAt = dateOf(info.createdAt) ?? dateOf(info.lastModified) ?? new Date(0);
  const updated = [dateOf(info.lastModified), dateOf(state.model.updatedAt)].filter((d): d is Date => d !== undefined);
  return {
    name,
    ...(state.model.description !== undefined && state.model.description !== "" && { description: state.model.description }),
    tags: { ...state.model.tags },
    aliases,
    createdAt,
    updatedAt: updated.length > 0 ? new Date(Math.max(...updated.map((d) => d.getTime()))) : createdAt,
    ...(latestVersion !== undefined && { latestVersion }),
    raw: info,
  };
}

/** True when `tags` holds every pair of `wanted`. */
export function hasTags(tags: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => ownValue(tags, k) === v);
}
