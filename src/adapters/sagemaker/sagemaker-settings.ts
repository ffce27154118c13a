/**
 * What `createSageMakerRegistry` takes.
 *
 * @module
 */

import type { AwsCredentialSource } from "../../aws/aws-credentials.js";
import type { ClientSettings } from "../../core/options.js";
import type { SageMakerEndpointSettings } from "./sagemaker-endpoints.js";

/** Settings of a SageMaker Model Registry client, with those of its endpoints (`executionRoleArn`, instance defaults, polling). */
export interface SageMakerRegistrySettings extends ClientSettings, SageMakerEndpointSettings {
  /** The AWS region. Default `AWS_REGION`, then the profile's `region`. */
  region?: string;
  /**
   * Where versions' files go: `s3://bucket[/prefix]`. A version's files land under `<prefix>/<model>/<n>/`,
   * uncompressed, and its package points there (`ModelDataSource.S3DataSource`, `S3Prefix`, no compression).
   */
  artifactRoot: string;
  /** Credentials, or a provider function. Default: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, then the AWS SDK's chain. */
  credentials?: AwsCredentialSource;
  /** The profile of the shared config files. Default `AWS_PROFILE`. */
  profile?: string;
  /** The SageMaker API endpoint. Default `AWS_ENDPOINT_URL_SAGEMAKER`, `AWS_ENDPOINT_URL`, then `https://api.sagemaker.<region>.amazonaws.com`. */
  endpoint?: string;
  /** The S3 endpoint. Default `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, then `https://s3.<region>.amazonaws.com`. */
  s3Endpoint?: string;
  /** Address buckets in the path (`host/bucket/key`) rather than the host name. Default: only for IP and localhost endpoints. */
  forcePathStyle?: boolean;
  /**
   * The serving image new versions get (`InferenceSpecification.Containers[0].Image`) unless
   * `providerOptions.sagemaker.image` names one. Without either, a version's package has no `InferenceSpecification`,
   * and deploying it needs an image added later.
   */
  image?: string;
  /** Who is acting, for the audit trail. Default: the OS user. */
  actor?: string;
  /** Called when an event subscriber throws. */
  onEventError?: (error: unknown) => void;
  /** Where `AWS_*` variables are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
