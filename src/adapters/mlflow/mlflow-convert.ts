/**
 * MLflow records to the spec's types, and the tags this adapter keeps on a version for what MLflow has no field for.
 *
 * @module
 */

import { setOwn } from "../../core/own-keys.js";
import { parseStage } from "../../core/validation.js";
import type { ModelSignature } from "../../core/signature.js";
import type { ArtifactFile, Lineage, ModelCard, ModelVersion, RegisteredModel, Stage } from "../../core/types.js";
import type { MlflowModelVersion, MlflowRegisteredModel } from "./mlflow-api.js";

/** Version tags this adapter writes. Users see every other tag, `mlflow.*` included. */
export const TAG = {
  clientToken: "modelreg.client_token",
  lineage: "modelreg.lineage",
  signature: "modelreg.signature",
  modelCard: "modelreg.model_card",
  files: "modelreg.files",
  digest: "modelreg.digest",
  // What MLflow's UI and Python client read for the producing commit.
  gitCommit: "mlflow.source.git.commit",
  gitRepo: "mlflow.source.git.repoURL",
} as const;

const INTERNAL = new Set<string>([TAG.clientToken, TAG.lineage, TAG.signature, TAG.modelCard, TAG.files, TAG.digest]);

/** MLflow's stage names to the spec's. */
export function fromMlflowStage(stage: string | undefined): Stage {
  return stage ? parseStage(stage) : "draft";
}

/** The spec's stage names to MLflow's. */
export function toMlflowStage(stage: Stage): string {
  return { draft: "None", staging: "Staging", production: "Production", archived: "Archived" }[stage];
}

/** `[{key, value}]` to a record. */
export function tagRecord(tags: Array<{ key: string; value?: string | undefined }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  // setOwn: a server's `__proto__` tag is a key like any other, not the record's prototype.
  for (const tag of tags ?? []) setOwn(out, tag.key, tag.value ?? "");
  return out;
}

/** A record to `[{key, value}]`. */
export function tagList(tags: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    // A tag edited by hand in the MLflow UI: show the version without it rather than fail to read it.
    return undefined;
  }
}

/**
 * The longest version tag value MLflow accepts: 100 000 characters on 3.x, 5000 on 2.x (a manifest of about 40
 * files). A longer manifest is split across `modelreg.files.0`, `.1`, ..., and `modelreg.files` says how many parts.
 */
export function tagValueMax(serverMajor: number): number {
  return serverMajor >= 3 ? 100_000 : 5000;
}
const PARTS = /^parts:(\d+)$/;
const PART_TAG = /^modelreg\.files\.\d+$/;

/** The version tags that hold a files manifest: one tag, or numbered parts when it is too long for one. */
export function filesTags(files: ArtifactFile[], maxValue: number): Record<string, string> {
  const json = JSON.stringify(files);
  if (json.length <= maxValue) return { [TAG.files]: json };
  const out: Record<string, string> = {};
  let n = 0;
  for (let at = 0; at < json.length; at += maxValue) out[`${TAG.files}.${n++}`] = json.slice(at, at + maxValue);
  out[TAG.files] = `parts:${n}`;
  return out;
}

/** The files manifest stored on a version, if it has one (whole: a missing part reads as no manifest). */
export function filesFromTags(tags: Record<string, string>): ArtifactFile[] | undefined {
  let text = tags[TAG.files];
  const parts = text === undefined ? null : PARTS.exec(text);
  if (parts) {
    const pieces = Array.from({ length: Number(parts[1]) }, (_, i) => tags[`${TAG.files}.${i}`]);
    text = pieces.every((p) => p !== undefined) ? pieces.join("") : undefined;
  }
  const files = parseJson<ArtifactFile[]>(text);
  return Array.isArray(files) ? files : undefined;
}

/** What a version's run (2.x) or logged model (3.x) holds. */
export interface RunData {
  params: Record<string, string>;
  metrics: Record<string, number>;
  user?: string;
}

/** A registered model. */
export function toRegisteredModel(model: MlflowRegisteredModel): RegisteredModel {
  const versions = (model.latest_versions ?? []).map((v) => Number(v.version));
  return {
    name: model.name,
    ...(model.description && { description: model.description }),
    tags: Object.fromEntries(Object.entries(tagRecord(model.tags)).filter(([k]) => k !== TAG.clientToken)),
    aliases: Object.fromEntries((model.aliases ?? []).map((a) => [a.alias, a.version])),
    createdAt: new Date(model.creation_timestamp ?? 0),
    updatedAt: new Date(model.last_updated_timestamp ?? model.creation_timestamp ?? 0),
    ...(versions.length > 0 && { latestVersion: String(Math.max(...versions)) }),
    raw: model,
  };
}

/** A model version, with its run's params and metrics and the aliases (search results carry none). */
export function toModelVersion(version: MlflowModelVersion, data: RunData | undefined, aliases: string[] | undefined): ModelVersion {
  const all = tagRecord(version.tags);
  const tags = Object.fromEntries(Object.entries(all).filter(([k]) => !INTERNAL.has(k) && !PART_TAG.test(k)));
  const lineage: Lineage = parseJson<Lineage>(all[TAG.lineage]) ?? {};
  if (!lineage.codeCommit && all[TAG.gitCommit]) lineage.codeCommit = all[TAG.gitCommit];
  if (!lineage.sourceRun && version.run_id) lineage.sourceRun = version.run_id;
  const signature = parseJson<ModelSignature>(all[TAG.signature]);
  const modelCard = parseJson<ModelCard>(all[TAG.modelCard]);
  const files = filesFromTags(all);
  const createdBy = version.user_id || data?.user;
  return {
    model: version.name,
    version: version.version,
    ...(version.description && { description: version.description }),
    params: data?.params ?? {},
    metrics: data?.metrics ?? {},
    tags,
    lineage,
    ...(signature && { signature }),
    ...(modelCard && { modelCard }),
    aliases: [...(aliases ?? version.aliases ?? [])].sort(),
    stage: fromMlflowStage(version.current_stage),
    artifacts: {
      ...(all[TAG.digest] && { digest: all[TAG.digest] }),
      ...(files && { fileCount: files.length, totalBytes: files.reduce((n, f) => n + (f.size ?? 0), 0) }),
      ...(version.source && { uri: version.source }),
    },
    ...(createdBy && { createdBy }),
    createdAt: new Date(version.creation_timestamp ?? 0),
    updatedAt: new Date(version.last_updated_timestamp ?? version.creation_timestamp ?? 0),
    raw: version,
  };
}
