/**
 * Azure ML's resources as modelreg's types: a version from the resource (description, tags, stage, archive) and, for
 * versions modelreg made, the record beside its files; a model from its container, whose `modelreg.alias.*` tags are
 * the aliases.
 *
 * @module
 */

import { computeContentDigest } from "../../artifacts/hashing.js";
import type { ModelSignature } from "../../core/signature.js";
import type { Lineage, ModelCard, ModelVersion, RegisteredModel } from "../../core/types.js";
import type { ArmModelContainer, ArmModelVersion } from "./azureml-api.js";
import { ALIAS_TAG_PREFIX, CARD_TAG, stageOf } from "./azureml-names.js";
import type { VersionRecord } from "./azureml-records.js";

const dateOf = (text: string | null | undefined): Date | undefined => {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

/** String entries of a tag or property map (Azure may send `null` values). */
export function stringEntries(map: Record<string, string | null> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) if (typeof v === "string") out[k] = v;
  return out;
}

/** Alias name to version, from a container's tags. */
export function aliasesOf(container: ArmModelContainer | undefined): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const [k, v] of Object.entries(stringEntries(container?.properties.tags)))
    if (k.startsWith(ALIAS_TAG_PREFIX) && k.length > ALIAS_TAG_PREFIX.length) aliases[k.slice(ALIAS_TAG_PREFIX.length)] = v;
  return aliases;
}

/** A container's tags without the alias tags. */
export function userTagsOf(container: ArmModelContainer | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(stringEntries(container?.properties.tags))) if (!k.startsWith(ALIAS_TAG_PREFIX)) tags[k] = v;
  return tags;
}

/** What a version's files add when no record lists them (a version another tool made): counted from a listing. */
export interface ListedFiles {
  /** Number of files. */
  fileCount: number;
  /** Their total size. */
  totalBytes: number;
}

/** A version: the Azure resource, the record when modelreg made it, the aliases pointing at it. */
export function toModelVersion(
  model: string,
  arm: ArmModelVersion,
  record: VersionRecord | undefined,
  aliases: Record<string, string>,
  listed?: ListedFiles,
): ModelVersion {
  const p = arm.properties;
  const createdAt = dateOf(arm.systemData?.createdAt) ?? dateOf(record?.createdAt) ?? new Date(0);
  const updatedAt = dateOf(arm.systemData?.lastModifiedAt) ?? createdAt;
  const createdBy = record?.createdBy ?? arm.systemData?.createdBy ?? undefined;
  const { [CARD_TAG]: cardTag, ...tags } = stringEntries(p.tags);
  const modelCard = cardOf(cardTag) ?? record?.modelCard;
  return {
    model,
    version: arm.name,
    ...(p.description ? { description: p.description } : {}),
    params: { ...(record?.params ?? {}) },
    metrics: { ...(record?.metrics ?? {}) },
    tags,
    lineage: (record?.lineage ?? {}) as Lineage,
    ...(record?.signature && { signature: record.signature as unknown as ModelSignature }),
    ...(modelCard && { modelCard: modelCard as ModelCard }),
    aliases: Object.entries(aliases)
      .filter(([, v]) => v === arm.name)
      .map(([a]) => a)
      .sort(),
    stage: stageOf(p.stage, p.isArchived),
    artifacts: record
      ? {
          digest: computeContentDigest(record.files),
          fileCount: record.files.length,
          totalBytes: record.files.reduce((n, f) => n + f.size, 0),
          ...(p.modelUri && { uri: p.modelUri }),
        }
      : { ...(listed && { fileCount: listed.fileCount, totalBytes: listed.totalBytes }), ...(p.modelUri && { uri: p.modelUri }) },
    ...(createdBy && { createdBy }),
    createdAt,
    updatedAt,
    raw: arm,
  };
}

/** A card kept in the card tag, or `undefined` when there is none or it is not a JSON object (then the record's stands). */
function cardOf(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const card: unknown = JSON.parse(text);
    return typeof card === "object" && card !== null && !Array.isArray(card) ? (card as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A model: its container. */
export function toRegisteredModel(container: ArmModelContainer): RegisteredModel {
  const p = container.properties;
  const createdAt = dateOf(container.systemData?.createdAt) ?? new Date(0);
  return {
    name: container.name,
    ...(p.description ? { description: p.description } : {}),
    tags: userTagsOf(container),
    aliases: aliasesOf(container),
    createdAt,
    updatedAt: dateOf(container.systemData?.lastModifiedAt) ?? createdAt,
    ...(p.latestVersion && { latestVersion: p.latestVersion }),
    raw: container,
  };
}
