/**
 * Turning on-disk records into the interface's types.
 *
 * @module
 */

import type { ModelSignature } from "../../core/signature.js";
import type { ArtifactFile, Lineage, ModelCard, ModelVersion, RegisteredModel, Stage } from "../../core/types.js";
import type { ModelRecord, VersionRecord } from "./local-schemas.js";

/** A model record as the interface returns it. */
export function toRegisteredModel(record: ModelRecord, aliases: Record<string, string>, latestVersion: string | undefined): RegisteredModel {
  return {
    name: record.name,
    ...(record.description !== undefined && { description: record.description }),
    tags: { ...record.tags },
    aliases: { ...aliases },
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
    ...(latestVersion !== undefined && { latestVersion }),
    raw: record,
  };
}

/** A version record as the interface returns it. */
export function toModelVersion(record: VersionRecord, aliases: Record<string, string>): ModelVersion {
  const totalBytes = record.files.reduce((n, f) => n + f.size, 0);
  return {
    model: record.model,
    version: record.version,
    ...(record.description !== undefined && { description: record.description }),
    params: { ...record.params },
    metrics: { ...record.metrics },
    tags: { ...record.tags },
    lineage: structuredClone(record.lineage) as Lineage,
    ...(record.signature !== undefined && { signature: structuredClone(record.signature) as ModelSignature }),
    ...(record.modelCard !== undefined && { modelCard: structuredClone(record.modelCard) as ModelCard }),
    aliases: Object.entries(aliases)
      .filter(([, v]) => v === record.version)
      .map(([a]) => a)
      .sort(),
    stage: record.stage as Stage,
    artifacts: { digest: record.digest, fileCount: record.files.length, totalBytes },
    createdBy: record.createdBy,
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
    raw: record,
  };
}

/** A stored file as the interface lists it. */
export function toArtifactFile(file: VersionRecord["files"][number]): ArtifactFile {
  return { path: file.path, size: file.size, sha256: file.sha256, md5: file.md5 };
}
