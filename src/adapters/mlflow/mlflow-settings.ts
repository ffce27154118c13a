/**
 * Settings for the MLflow registry.
 *
 * @module
 */

import type { RegistryEvent } from "../../core/events.js";
import type { ClientSettings } from "../../core/options.js";
import type { AwsCredentialSource } from "../../aws/aws-credentials.js";

/**
 * How modelreg reaches S3 itself, for servers started with `--no-serve-artifacts` and an `s3://` artifact root: such a
 * server moves no bytes, so the client writes and reads the bucket with its own credentials, as MLflow's Python
 * client does. Unused for proxied artifacts (`mlflow-artifacts:/`), which the server writes with its credentials.
 */
export interface MlflowS3Settings {
  /** Credentials, or a provider function. Default: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, then the AWS chain. */
  credentials?: AwsCredentialSource;
  /** The profile in the shared AWS config files. Default `AWS_PROFILE`, then `default`. */
  profile?: string;
  /** The bucket's region. Default `AWS_REGION`, the profile's `region`, `AWS_DEFAULT_REGION` (as boto3 reads it), then `us-east-1`. */
  region?: string;
  /** An S3-compatible endpoint (MinIO, moto, Ceph). Env: `MLFLOW_S3_ENDPOINT_URL`, then `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  /**
   * Path-style addressing (`host/bucket/key`) instead of virtual-hosted (`bucket.host/key`). Env:
   * `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE` (`path`, `virtual`; `auto`, the default, picks as the AWS SDKs do).
   */
  forcePathStyle?: boolean;
  /**
   * Do not verify the certificate of an `https` endpoint (a self-signed MinIO). Env: `MLFLOW_S3_IGNORE_TLS`. Ignored
   * when the settings give a `fetch`. Trusting the certificate with `NODE_EXTRA_CA_CERTS` is the safer way.
   */
  ignoreTls?: boolean;
}

/**
 * When a proxied upload goes through MLflow's multipart endpoints (`mlflow-artifacts/mpu/*`): the server hands out
 * presigned part URLs and the parts go straight to the bucket, instead of one PUT that an MLflow 3 server reads whole
 * into memory before writing it out. Only servers whose `--artifacts-destination` is S3, GCS or Azure offer it; on
 * others the first try is answered "not supported" and this client sends single PUTs from then on.
 */
export interface MlflowMultipartSettings {
  /** Files of at least this many bytes go up in parts. Default 100 MiB (MLflow's own client: 500 MiB, when enabled). */
  minFileBytes?: number;
  /** Bytes per part, at least 5 MiB (S3's smallest part but the last). Default 10 MiB, as MLflow's client. Raised when a file would need more than 10,000 parts. */
  partBytes?: number;
  /** Parts held in memory and in flight at once, across every file this client uploads. Default 4. */
  partsInFlight?: number;
}

/** Settings for {@link createMlflowRegistry}. Unset fields fall back to the environment the Python client reads. */
export interface MlflowRegistrySettings extends ClientSettings {
  /** The tracking server, e.g. `http://127.0.0.1:5000` or `https://host/mlflow` (a path prefix works). Env: `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** A bearer token, for servers behind an auth proxy. Env: `MLFLOW_TRACKING_TOKEN`. */
  token?: string;
  /** Basic-auth user (the `basic-auth` app). With a password it wins over `token`, as in MLflow's client. Env: `MLFLOW_TRACKING_USERNAME`. */
  username?: string;
  /** Basic-auth password. Env: `MLFLOW_TRACKING_PASSWORD`. */
  password?: string;
  /** Extra headers for every request, or a function returning them (called per attempt). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Per-attempt timeout in milliseconds. Default 120 000 (MLflow's own). */
  timeoutMs?: number;
  /** The experiment that holds the runs this adapter creates to carry artifacts, params and metrics. Default `modelreg`. */
  experimentName?: string;
  /** Who acts, for events and the `mlflow.user` run tag. Default: the OS user. */
  actor?: string;
  /** Where failures of event listeners go. */
  onEventError?: (error: unknown, event: RegistryEvent) => void;
  /** Direct S3 access for `s3://` artifact roots (servers without `--serve-artifacts`); see {@link MlflowS3Settings}. */
  s3?: MlflowS3Settings;
  /** Multipart uploads through the artifact proxy; see {@link MlflowMultipartSettings}. */
  multipartUpload?: MlflowMultipartSettings;
  /** The environment to read fallbacks from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
