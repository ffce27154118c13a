/**
 * SageMaker records plus modelreg's, as the spec's types; and the mapping of stages onto SageMaker's approval status
 * and model lifecycle.
 *
 * | stage        | `ModelApprovalStatus`   | `ModelLifeCycle` (`Stage` / `StageStatus`) |
 * |--------------|-------------------------|--------------------------------------------|
 * | `draft`      | `PendingManualApproval` | `Development` / `InProgress`               |
 * | `staging`    | `PendingManualApproval` | `Staging` / `InProgress`                   |
 * | `production` | `Approved`              | `Production` / `Approved`                  |
 * | `archived`   | `Rejected`              | `Archived` / `Retired`                     |
 *
 * A version's stage is read from `ModelLifeCycle.Stage` when it names one of these, else from the
 * `modelreg:stage` property (moto drops `ModelLifeCycle`), else from the approval status (`Approved` is production,
 * `Rejected` archived, anything else draft), so packages registered by other tools read sensibly.
 *
 * @module
 */

import { setOwn } from "../../core/own-keys.js";
import type { ModelSignature } from "../../core/signature.js";
import type { Lineage, ModelCard, ModelVersion, RegisteredModel, Stage } from "../../core/types.js";
import { type SageMakerGroup, type SageMakerPackage, timeOf } from "./sagemaker-api.js";
import type { ModelRecord, VersionRecord } from "./sagemaker-metadata.js";
import { ALIAS_TAG_PREFIX, MANAGED_PREFIX, PROPERTY, versionOfArn } from "./sagemaker-names.js";

/** What a stage is on SageMaker. */
export interface StageState {
  /** `ModelApprovalStatus`. */
  approval: "PendingManualApproval" | "Approved" | "Rejected";
  /** `ModelLifeCycle`. */
  lifeCycle: { Stage: string; StageStatus: string };
}

/** The mapping of stages (see the module comment). */
export const STAGE_STATE: Readonly<Record<Stage, StageState>> = {
  draft: { approval: "PendingManualApproval", lifeCycle: { Stage: "Development", StageStatus: "InProgress" } },
  staging: { approval: "PendingManualApproval", lifeCycle: { Stage: "Staging", StageStatus: "InProgress" } },
  production: { approval: "Approved", lifeCycle: { Stage: "Production", StageStatus: "Approved" } },
  archived: { approval: "Rejected", lifeCycle: { Stage: "Archived", StageStatus: "Retired" } },
};

const LIFE_CYCLE_STAGES: Record<string, Stage> = { development: "draft", staging: "staging", production: "production", archived: "archived" };
const STAGES = new Set<string>(["draft", "staging", "production", "archived"]);

/** A package's stage (see the module comment). */
export function stageOf(pkg: Pick<SageMakerPackage, "ModelLifeCycle" | "CustomerMetadataProperties" | "ModelApprovalStatus">): Stage {
  const fromLifeCycle = LIFE_CYCLE_STAGES[pkg.ModelLifeCycle?.Stage.toLowerCase() ?? ""];
  if (fromLifeCycle) return fromLifeCycle;
  const property = pkg.CustomerMetadataProperties?.[PROPERTY.stage];
  if (property && STAGES.has(property)) return property as Stage;
  if (pkg.ModelApprovalStatus === "Approved") return "production";
  if (pkg.ModelApprovalStatus === "Rejected") return "archived";
  return "draft";
}

/** The version number of a package. */
export function versionOf(pkg: Pick<SageMakerPackage, "ModelPackageVersion" | "ModelPackageArn">): string {
  return pkg.ModelPackageVersion !== undefined ? String(pkg.ModelPackageVersion) : (versionOfArn(pkg.ModelPackageArn) ?? "0");
}

/** The user's properties of a package: `CustomerMetadataProperties` without modelreg's own. */
export function userProperties(pkg: Pick<SageMakerPackage, "CustomerMetadataProperties">): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pkg.CustomerMetadataProperties ?? {})) if (!k.startsWith(MANAGED_PREFIX)) setOwn(out, k, v);
  return out;
}

/** Where a package's files are: its first container's data source (a prefix or one object), else `modelreg:artifacts`. */
export function dataLocation(pkg: SageMakerPackage): { uri: string; kind: "prefix" | "object" } | undefined {
  const container = pkg.InferenceSpecification?.Containers?.[0];
  const source = container?.ModelDataSource?.S3DataSource;
  if (source) return { uri: source.S3Uri, kind: source.S3DataType === "S3Object" ? "object" : "prefix" };
  if (container?.ModelDataUrl) return { uri: container.ModelDataUrl, kind: "object" };
  const kept = pkg.CustomerMetadataProperties?.[PROPERTY.artifacts];
  return kept ? { uri: kept, kind: "prefix" } : undefined;
}

/** The aliases among a group's tags: alias to version. A value that is not a version number is no alias. */
export function aliasesOf(tags: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of tags) if (k.startsWith(ALIAS_TAG_PREFIX) && /^[1-9]\d*$/.test(v)) setOwn(out, k.slice(ALIAS_TAG_PREFIX.length), v);
  return out;
}

/** A version: from its record where modelreg made it, else from what SageMaker itself knows. */
export function toModelVersion(model: string, pkg: SageMakerPackage, record: VersionRecord | undefined, aliases: readonly string[]): ModelVersion {
  const created = timeOf(pkg.CreationTime) ?? new Date(0);
  const description = record?.description ?? (pkg.ModelPackageDescription || undefined);
  const location = dataLocation(pkg);
  const lineage: Lineage = record
    ? (record.lineage as Lineage)
    : {
        ...(pkg.MetadataProperties?.CommitId && { codeCommit: pkg.MetadataProperties.CommitId }),
        ...(pkg.MetadataProperties?.Repository && { codeRepository: pkg.MetadataProperties.Repository }),
      };
  const createdBy = record?.createdBy ?? creatorOf(pkg);
  return {
    model,
    version: versionOf(pkg),
    ...(description !== undefined && { description }),
    params: { ...record?.params },
    metrics: { ...record?.metrics },
    // SageMaker's properties win, so an edit made there shows; what does not fit them is in the record only.
    tags: { ...record?.tags, ...userProperties(pkg) },
    lineage,
    ...(record?.signature && { signature: record.signature as unknown as ModelSignature }),
    ...(record?.modelCard && { modelCard: record.modelCard as ModelCard }),
    aliases: [...aliases].sort(),
    stage: stageOf(pkg),
    artifacts: {
      ...(record && { digest: record.digest, fileCount: record.files.length, totalBytes: record.files.reduce((n, f) => n + f.size, 0) }),
      ...(location && { uri: location.uri }),
    },
    ...(createdBy !== undefined && { createdBy }),
    createdAt: created,
    updatedAt: timeOf(pkg.LastModifiedTime) ?? created,
    raw: pkg,
  };
}

/** Who registered a package another tool made: its IAM identity, else its Studio user. */
function creatorOf(pkg: SageMakerPackage): string | undefined {
  const by = pkg.CreatedBy as { IamIdentity?: { Arn?: unknown }; UserProfileName?: unknown } | undefined;
  const arn = by?.IamIdentity?.Arn;
  if (typeof arn === "string" && arn) return arn;
  return typeof by?.UserProfileName === "string" && by.UserProfileName ? by.UserProfileName : undefined;
}

/** A registered model: the group, its tags (aliases and the user's), and modelreg's record of it. */
export function toRegisteredModel(
  group: SageMakerGroup,
  tags: ReadonlyMap<string, string>,
  record: ModelRecord | undefined,
  latestVersion: string | undefined,
): RegisteredModel {
  const userTags: Record<string, string> = { ...record?.tags };
  for (const [k, v] of tags) if (!k.startsWith(MANAGED_PREFIX)) setOwn(userTags, k, v);
  const description = record?.description ?? (group.ModelPackageGroupDescription || undefined);
  const created = timeOf(group.CreationTime) ?? new Date(0);
  return {
    name: group.ModelPackageGroupName,
    ...(description !== undefined && { description }),
    tags: userTags,
    aliases: aliasesOf(tags),
    createdAt: created,
    updatedAt: created,
    ...(latestVersion !== undefined && { latestVersion }),
    raw: group,
  };
}
