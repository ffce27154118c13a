/**
 * SageMaker's wire shapes (AWS JSON 1.1): only the fields this adapter reads, each record kept whole (loose objects)
 * so `raw` shows what SageMaker returned. Built on first use.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

/** Timestamps are epoch seconds (reference §1); a server that sends text is read too. */
const time = () => z.union([z.number(), z.string()]);

/** `DescribeModelPackageGroup`. */
export const groupSchema = lazySchema(() =>
  z.looseObject({
    ModelPackageGroupName: z.string(),
    ModelPackageGroupArn: z.string(),
    ModelPackageGroupDescription: z.optional(z.string()),
    CreationTime: z.optional(time()),
    ModelPackageGroupStatus: z.optional(z.string()),
  }),
);

/** A group as SageMaker returns it. */
export type SageMakerGroup = z.output<ReturnType<typeof groupSchema>>;

/** `ListModelPackageGroups`. */
export const listGroupsSchema = lazySchema(() =>
  z.object({ ModelPackageGroupSummaryList: z.optional(z.array(groupSchema())), NextToken: z.optional(z.string()) }),
);

/** `CreateModelPackageGroup`. */
export const createGroupSchema = lazySchema(() => z.object({ ModelPackageGroupArn: z.string() }));

const lifeCycle = () => z.looseObject({ Stage: z.string(), StageStatus: z.string(), StageDescription: z.optional(z.string()) });

/** One `ListModelPackages` entry: no properties and no artifact location (reference §0.7). */
export const packageSummarySchema = lazySchema(() =>
  z.looseObject({
    ModelPackageGroupName: z.optional(z.string()),
    ModelPackageVersion: z.optional(z.number()),
    ModelPackageArn: z.string(),
    CreationTime: z.optional(time()),
    ModelPackageStatus: z.optional(z.string()),
    ModelApprovalStatus: z.optional(z.string()),
    ModelLifeCycle: z.optional(lifeCycle()),
  }),
);

/** A package summary as SageMaker returns it. */
export type SageMakerPackageSummary = z.output<ReturnType<typeof packageSummarySchema>>;

/** `ListModelPackages`. */
export const listPackagesSchema = lazySchema(() =>
  z.object({ ModelPackageSummaryList: z.optional(z.array(packageSummarySchema())), NextToken: z.optional(z.string()) }),
);

const s3DataSource = () => z.looseObject({ S3Uri: z.string(), S3DataType: z.optional(z.string()), CompressionType: z.optional(z.string()) });

/** `DescribeModelPackage`. */
export const packageSchema = lazySchema(() =>
  z.looseObject({
    ModelPackageGroupName: z.optional(z.string()),
    ModelPackageVersion: z.optional(z.number()),
    ModelPackageArn: z.string(),
    ModelPackageDescription: z.optional(z.string()),
    CreationTime: z.optional(time()),
    LastModifiedTime: z.optional(time()),
    ModelPackageStatus: z.optional(z.string()),
    ModelApprovalStatus: z.optional(z.string()),
    ApprovalDescription: z.optional(z.string()),
    InferenceSpecification: z.optional(
      z.looseObject({
        Containers: z.optional(
          z.array(
            z.looseObject({
              Image: z.optional(z.string()),
              ModelDataUrl: z.optional(z.string()),
              ModelDataSource: z.optional(z.looseObject({ S3DataSource: z.optional(s3DataSource()) })),
            }),
          ),
        ),
      }),
    ),
    MetadataProperties: z.optional(
      z.looseObject({
        CommitId: z.optional(z.string()),
        Repository: z.optional(z.string()),
        GeneratedBy: z.optional(z.string()),
        ProjectId: z.optional(z.string()),
      }),
    ),
    CustomerMetadataProperties: z.optional(z.record(z.string(), z.string())),
    ModelLifeCycle: z.optional(lifeCycle()),
    ModelCard: z.optional(z.looseObject({ ModelCardContent: z.optional(z.string()), ModelCardStatus: z.optional(z.string()) })),
  }),
);

/** A package as SageMaker describes it. */
export type SageMakerPackage = z.output<ReturnType<typeof packageSchema>>;

/** `CreateModelPackage`. */
export const createPackageSchema = lazySchema(() => z.object({ ModelPackageArn: z.string() }));

/** `ListTags`. */
export const listTagsSchema = lazySchema(() =>
  z.object({ Tags: z.optional(z.array(z.object({ Key: z.string(), Value: z.optional(z.string()) }))), NextToken: z.optional(z.string()) }),
);

/** The time of a SageMaker timestamp (epoch seconds, or text), or `undefined`. */
export function timeOf(value: number | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
