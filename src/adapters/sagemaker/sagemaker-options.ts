/**
 * `providerOptions.sagemaker` for `createVersion`: what only SageMaker has, typed and checked in one place. That is the
 * serving container of the package's `InferenceSpecification` (its image, environment and the content types and
 * instance types it declares), the package's `Domain`, `Task` and `MetadataProperties.ProjectId`, and the status of its
 * model card.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

/**
 * The schema of `providerOptions.sagemaker` (built on first use, for cold starts). Unknown keys are refused, so a
 * misspelt option is an `InvalidInputError` naming it rather than silently ignored. Limits are SageMaker's
 * (botocore's model), so a value SageMaker would refuse is refused before any file is uploaded.
 *
 * @example
 * ```ts
 * await sagemaker.createVersion("fraud", {
 *   artifacts: { directory: "./out/model" },
 *   providerOptions: {
 *     sagemaker: {
 *       image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-serving:3",
 *       environment: { SAGEMAKER_PROGRAM: "inference.py" },
 *       supportedContentTypes: ["application/json"],
 *       supportedResponseMIMETypes: ["application/json"],
 *     },
 *   },
 * });
 * ```
 */
export const sageMakerCreateVersionOptionsSchema = lazySchema(() => {
  const text = (max: number) => z.string().check(z.maxLength(max));
  return z.strictObject({
    /**
     * The serving image (`Containers[0].Image`), e.g. an ECR image URI. Default: the settings' `image`. Without one the
     * package has no `InferenceSpecification` (SageMaker needs an image there), its files' location is kept in
     * `CustomerMetadataProperties` (`modelreg:artifacts`), and deploying it needs an image added later.
     */
    image: z.optional(z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^\S+$/, "an image URI has no spaces"))),
    /** Environment variables of the serving container (at most 100). */
    environment: z.optional(
      z
        .record(z.string().check(z.maxLength(1024), z.regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "an environment variable name is letters, digits and _")), text(1024))
        .check(z.refine((env) => Object.keys(env).length <= 100, "at most 100 environment variables")),
    ),
    /** The request content types the container takes (`SupportedContentTypes`). */
    supportedContentTypes: z.optional(z.array(text(256))),
    /** The response MIME types it returns (`SupportedResponseMIMETypes`), such as `application/json`. */
    supportedResponseMIMETypes: z.optional(z.array(z.string().check(z.maxLength(1024), z.regex(/^[-\w]+\/.+$/, "a MIME type such as application/json")))),
    /** Instance types for real-time endpoints (`SupportedRealtimeInferenceInstanceTypes`), such as `ml.m5.large`. */
    supportedRealtimeInferenceInstanceTypes: z.optional(z.array(z.string().check(z.regex(/^ml\.[a-z0-9.-]+$/, "an instance type such as ml.m5.large")))),
    /** Instance types for batch transform (`SupportedTransformInstanceTypes`). */
    supportedTransformInstanceTypes: z.optional(
      z.array(z.string().check(z.regex(/^ml\.[a-z0-9.-]+$/, "an instance type such as ml.m5.large"))).check(z.minLength(1)),
    ),
    /** The machine learning framework of the model (`Containers[0].Framework`), such as `XGBOOST`. */
    framework: z.optional(text(1024)),
    /** Its version (`Containers[0].FrameworkVersion`), such as `1.7`. */
    frameworkVersion: z.optional(z.string().check(z.regex(/^[0-9]\.[A-Za-z0-9.-]{1,8}$/, "a version such as 1.7"))),
    /** The package's machine learning domain (`Domain`), such as `COMPUTER_VISION`. */
    domain: z.optional(text(1024)),
    /** The package's task (`Task`), such as `CLASSIFICATION`. */
    task: z.optional(text(1024)),
    /** `MetadataProperties.ProjectId`, the SageMaker project the version belongs to. */
    projectId: z.optional(text(1024)),
    /** The status of the model card written from `modelCard` (`ModelCard.ModelCardStatus`). Default `Draft`. */
    modelCardStatus: z.optional(z.enum(["Draft", "PendingReview", "Approved", "Archived"])),
  });
});

/** `providerOptions.sagemaker` for `createVersion`, parsed. */
export type SageMakerCreateVersionOptions = z.output<ReturnType<typeof sageMakerCreateVersionOptionsSchema>>;
