/**
 * The fields of a model package that modelreg fills, where SageMaker users look: `CustomerMetadataProperties` (the
 * version's tags that fit, and modelreg's own keys), `MetadataProperties` (lineage), the model card in SageMaker's
 * model package card schema, the metrics document `ModelMetrics.ModelQuality.Statistics` points at, the
 * `InferenceSpecification` with the files' S3 prefix, and the full body of an `UpdateModelPackage`.
 *
 * @module
 */

import type { Lineage, ModelCard, Stage } from "../../core/types.js";
import type { SageMakerPackage } from "./sagemaker-api.js";
import { STAGE_STATE } from "./sagemaker-convert.js";
import { MAX_PROPERTIES, PROPERTY, fitsMetadataText, fitsProperty } from "./sagemaker-names.js";
import type { SageMakerCreateVersionOptions } from "./sagemaker-options.js";

/**
 * A version's `CustomerMetadataProperties`: modelreg's keys (stage, token, folder, and the files' location when the
 * package has no `InferenceSpecification` to hold it), then the version's tags that fit SageMaker's rules, in key
 * order, up to 50 entries. The others (JSON values such as promote's holder history, keys or values outside the
 * charset, or past the 50th) are kept in modelreg's record only.
 */
export function versionProperties(p: {
  stage: Stage;
  token: string;
  folder: number;
  artifactsUri?: string | undefined;
  tags: Record<string, string>;
}): Record<string, string> {
  const out: Record<string, string> = { [PROPERTY.stage]: p.stage, [PROPERTY.token]: p.token, [PROPERTY.folder]: String(p.folder) };
  if (p.artifactsUri !== undefined && fitsMetadataText(p.artifactsUri, 256)) out[PROPERTY.artifacts] = p.artifactsUri;
  return withTags(out, p.tags);
}

/** Adds the tags that fit to `properties` (kept as they are), up to 50 entries in all. */
export function withTags(properties: Record<string, string>, tags: Record<string, string>): Record<string, string> {
  const out = { ...properties };
  for (const key of Object.keys(tags).sort()) {
    if (Object.keys(out).length >= MAX_PROPERTIES) break;
    const value = tags[key] as string;
    if (fitsProperty(key, value)) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** `MetadataProperties`: the commit and repository of the lineage, `GeneratedBy: modelreg`, and the project id. */
export function metadataProperties(lineage: Lineage, projectId: string | undefined): Record<string, string> {
  const cut = (text: string) => [...text].slice(0, 1024).join("");
  return {
    GeneratedBy: "modelreg",
    ...(lineage.codeCommit !== undefined && { CommitId: cut(lineage.codeCommit) }),
    ...(lineage.codeRepository !== undefined && { Repository: cut(lineage.codeRepository) }),
    ...(projectId !== undefined && { ProjectId: projectId }),
  };
}

/**
 * The model card in SageMaker's model package card schema (which has no `model_package_details`, and whose
 * `model_overview` has only `model_creator` and `model_artifact`): the summary and intended use under
 * `intended_uses`, limitations and ethical considerations under `additional_information`, training and evaluation
 * text under `training_details` and `evaluation_details` with the metrics and each fairness slice as a metric group,
 * the owners as the creator. Texts are cut to the schema's lengths; the whole card stays in modelreg's record.
 */
export function modelCardContent(card: ModelCard, metrics: Record<string, number>, artifactsUri: string): string {
  const cut = (text: string, max = 1024) => [...text].slice(0, max).join("");
  const metricData = (values: Record<string, number>) => Object.entries(values).map(([name, value]) => ({ name: cut(name, 255), type: "number", value }));
  const groups = [
    ...(Object.keys(metrics).length > 0 ? [{ name: "metrics", metric_data: metricData(metrics) }] : []),
    ...(card.fairness ?? []).map((slice) => ({ name: cut(slice.slice, 63), metric_data: metricData(slice.metrics) })),
  ];
  const content: Record<string, unknown> = {
    model_overview: {
      ...(card.owners && card.owners.length > 0 && { model_creator: cut(card.owners.join(", "), 255) }),
      model_artifact: [artifactsUri],
    },
  };
  if (card.summary !== undefined || card.intendedUse !== undefined)
    content.intended_uses = {
      ...(card.summary !== undefined && { purpose_of_model: cut(card.summary, 2048) }),
      ...(card.intendedUse !== undefined && { intended_uses: cut(card.intendedUse, 2048) }),
    };
  if (card.limitations !== undefined || card.ethicalConsiderations !== undefined)
    content.additional_information = {
      ...(card.ethicalConsiderations !== undefined && { ethical_considerations: cut(card.ethicalConsiderations, 2048) }),
      ...(card.limitations !== undefined && { caveats_and_recommendations: cut(card.limitations, 2048) }),
    };
  if (card.training !== undefined) content.training_details = { training_observations: cut(card.training) };
  if (card.evaluation !== undefined || groups.length > 0)
    content.evaluation_details = [
      {
        name: "modelreg",
        ...(card.evaluation !== undefined && { evaluation_observation: cut(card.evaluation, 2096) }),
        ...(groups.length > 0 && { metric_groups: groups }),
      },
    ];
  return JSON.stringify(content);
}

/**
 * The metrics document `ModelQuality.Statistics` points at: each metric as `{ value }` under `modelreg_metrics`, in
 * the layout of SageMaker Model Monitor's statistics files (a metric name to its value), which have no generic
 * section of their own.
 */
export function metricsDocument(metrics: Record<string, number>): Uint8Array {
  const body = { version: 0.0, modelreg_metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, { value: v }])) };
  return new TextEncoder().encode(JSON.stringify(body, null, 2));
}

/**
 * The `InferenceSpecification`: one container with the image and, as its model data, the version's folder as an
 * uncompressed `S3Prefix` (each file lands under `/opt/ml/model` at its path in the version).
 */
export function inferenceSpecification(image: string, folderUri: string, options: SageMakerCreateVersionOptions | undefined): Record<string, unknown> {
  return {
    Containers: [
      {
        Image: image,
        ModelDataSource: { S3DataSource: { S3Uri: folderUri, S3DataType: "S3Prefix", CompressionType: "None" } },
        ...(options?.environment && { Environment: options.environment }),
        ...(options?.framework && { Framework: options.framework }),
        ...(options?.frameworkVersion && { FrameworkVersion: options.frameworkVersion }),
      },
    ],
    ...(options?.supportedContentTypes && { SupportedContentTypes: options.supportedContentTypes }),
    ...(options?.supportedResponseMIMETypes && { SupportedResponseMIMETypes: options.supportedResponseMIMETypes }),
    ...(options?.supportedRealtimeInferenceInstanceTypes && { SupportedRealtimeInferenceInstanceTypes: options.supportedRealtimeInferenceInstanceTypes }),
    ...(options?.supportedTransformInstanceTypes && { SupportedTransformInstanceTypes: options.supportedTransformInstanceTypes }),
  };
}

/**
 * The body of an `UpdateModelPackage` that sets `properties` (the whole set) and, when given, a stage. It always
 * carries the approval status, the approval description and the lifecycle as they are or become, because moto resets
 * the fields an update leaves out (reference §12.5), and the keys that go as `CustomerMetadataPropertiesToRemove`,
 * because AWS merges properties (unverified; the removal list makes both the same).
 */
export function updateBody(
  pkg: SageMakerPackage,
  properties: Record<string, string>,
  change: { stage?: Stage; approvalDescription?: string; modelCard?: string } = {},
): Record<string, unknown> {
  const removed = Object.keys(pkg.CustomerMetadataProperties ?? {}).filter((k) => !Object.hasOwn(properties, k));
  const state = change.stage === undefined ? undefined : STAGE_STATE[change.stage];
  const approval = state?.approval ?? pkg.ModelApprovalStatus;
  const lifeCycle = state?.lifeCycle ?? (pkg.ModelLifeCycle && { Stage: pkg.ModelLifeCycle.Stage, StageStatus: pkg.ModelLifeCycle.StageStatus });
  const approvalDescription = change.approvalDescription ?? pkg.ApprovalDescription;
  return {
    ModelPackageArn: pkg.ModelPackageArn,
    ...(approval && { ModelApprovalStatus: approval }),
    ...(approvalDescription !== undefined && { ApprovalDescription: [...approvalDescription].slice(0, 1024).join("") }),
    ...(Object.keys(properties).length > 0 && { CustomerMetadataProperties: properties }),
    ...(removed.length > 0 && { CustomerMetadataPropertiesToRemove: removed }),
    ...(lifeCycle && { ModelLifeCycle: lifeCycle }),
    ...(change.modelCard !== undefined && { ModelCard: { ModelCardContent: change.modelCard, ModelCardStatus: pkg.ModelCard?.ModelCardStatus ?? "Draft" } }),
  };
}
