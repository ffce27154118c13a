/**
 * Vertex records plus modelreg's metadata files, as the spec's types.
 *
 * @module
 */

import { setOwn } from "../../core/own-keys.js";
import type { ModelSignature } from "../../core/signature.js";
import type { Lineage, ModelCard, ModelVersion, RegisteredModel, Stage } from "../../core/types.js";
import type { VertexModel } from "./vertex-api.js";
import type { ModelMetadata, VersionMetadata } from "./vertex-metadata.js";
import { LABEL, MANAGED_ALIASES } from "./vertex-names.js";

const STAGES = new Set<Stage>(["staging", "production", "archived"]);

/** The version id in a versioned name (`models/123@4`), or the record's `versionId`. */
export function versionIdOf(model: VertexModel): string {
  return model.versionId ?? /@(\d+)$/.exec(model.name)?.[1] ?? "1";
}

/** The user's aliases on a version: Vertex's `default` and the stage aliases are not theirs. */
export function userAliases(model: VertexModel): string[] {
  return (model.versionAliases ?? []).filter((a) => !MANAGED_ALIASES.has(a)).sort();
}

/** The stage a version is in, from its managed label. */
export function stageOf(model: VertexModel): Stage {
  const label = model.labels?.[LABEL.stage] as Stage | undefined;
  return label && STAGES.has(label) ? label : "draft";
}

/** A version. Without a metadata file (made outside modelreg) it has what Vertex itself knows. */
export function toModelVersion(name: string, model: VertexModel, meta: VersionMetadata | undefined): ModelVersion {
  const created = model.versionCreateTime ?? model.createTime ?? new Date(0).toISOString();
  const userLabels = Object.fromEntries(Object.entries(model.labels ?? {}).filter(([k]) => !k.startsWith("modelreg")));
  const description = meta?.description ?? model.versionDescription;
  return {
    model: name,
    version: versionIdOf(model),
    ...(description && { description }),
    params: { ...meta?.params },
    metrics: { ...meta?.metrics },
    tags: meta ? { ...meta.tags } : userLabels,
    lineage: (meta?.lineage ?? {}) as Lineage,
    ...(meta?.signature && { signature: meta.signature as unknown as ModelSignature }),
    ...(meta?.modelCard && { modelCard: meta.modelCard as ModelCard }),
    aliases: userAliases(model),
    stage: stageOf(model),
    artifacts: {
      ...(meta && { digest: meta.digest, fileCount: meta.files.length, totalBytes: meta.files.reduce((n, f) => n + f.size, 0) }),
      ...(model.artifactUri && { uri: model.artifactUri }),
    },
    ...(meta?.createdBy && { createdBy: meta.createdBy }),
    createdAt: new Date(created),
    updatedAt: new Date(model.versionUpdateTime ?? model.updateTime ?? created),
    raw: model,
  };
}

/** A registered model. */
export function toRegisteredModel(name: string, model: VertexModel, meta: ModelMetadata | undefined, versions: VertexModel[]): RegisteredModel {
  const aliases: Record<string, string> = {};
  for (const v of versions) for (const alias of userAliases(v)) setOwn(aliases, alias, versionIdOf(v));
  const latest = versions.map((v) => Number(versionIdOf(v))).reduce((a, b) => Math.max(a, b), 0);
  return {
    name,
    ...(model.description && { description: model.description }),
    tags: { ...meta?.tags },
    aliases,
    createdAt: new Date(model.createTime ?? 0),
    updatedAt: new Date(model.updateTime ?? model.createTime ?? 0),
    ...(latest > 0 && { latestVersion: String(latest) }),
    raw: model,
  };
}
