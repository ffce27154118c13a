/**
 * `modelreg/sagemaker`: the `ModelRegistry` spec over SageMaker Model Registry (model package groups and versioned
 * model packages, AWS JSON 1.1 with SigV4) and S3 for the files, with endpoints: deploy, traffic split, canary rollouts.
 *
 * @module
 */

export {
  SageMakerRegistry,
  createSageMakerRegistry,
  type SageMakerCreateVersionInput,
  type SageMakerPackageRef,
} from "./sagemaker-registry.js";
export {
  SageMakerEndpoints,
  type SageMakerBlueGreenCanary,
  type SageMakerCanaryOptions,
  type SageMakerCanaryResult,
  type SageMakerCanaryStep,
  type SageMakerEndpointSettings,
} from "./sagemaker-endpoints.js";
export { sageMakerCreateVersionOptionsSchema, type SageMakerCreateVersionOptions } from "./sagemaker-options.js";
export type { SageMakerRegistrySettings } from "./sagemaker-settings.js";
export type { AwsCredentials, AwsCredentialSource } from "../../aws/aws-credentials.js";
export type { SageMakerLocation } from "./sagemaker-descriptor.js";
