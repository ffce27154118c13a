/**
 * `s3://` artifact roots, for servers started with `--no-serve-artifacts --default-artifact-root s3://...`: such a
 * server moves no bytes (its artifact routes answer 503), so the client writes and reads the bucket with its own
 * credentials, as MLflow's Python client does (`S3ArtifactRepository`, boto3), from the same settings and variables:
 * `MLFLOW_S3_ENDPOINT_URL`, `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE`, `MLFLOW_S3_IGNORE_TLS`, `AWS_*` and the AWS
 * credential chain. Loaded on the first `s3://` location only.
 *
 * @module
 */

import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { resolveRegion, configuredEndpoint } from "../../aws/aws-config.js";
import { credentialSource } from "../../aws/aws-credentials.js";
import { invalidInput } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ArtifactFile } from "../../core/types.js";
import { clientSettings } from "../../http/call-options.js";
import { preview } from "../../core/validation.js";
import { S3Storage } from "../../storage/s3-storage.js";
import { type ArtifactLocation, isSafeRelative, listingError } from "./mlflow-artifacts.js";
import type { UploadOptions } from "./mlflow-upload.js";
import type { MlflowRegistrySettings } from "./mlflow-settings.js";
import { uncheckedTlsFetch } from "./mlflow-s3-tls.js";
import { PROVIDER } from "./mlflow-transport.js";

type S3Location = Extract<ArtifactLocation, { kind: "s3" }>;

/** boto3's default region when none is configured; S3 answers a request signed for another with the bucket's. */
const DEFAULT_REGION = "us-east-1";

/** `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE`: `path` forces path style, `virtual` and `auto` (the default) do not. */
function pathStyle(given: boolean | undefined, env: Record<string, string | undefined>): boolean | undefined {
  if (given !== undefined) return given;
  const style = env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE?.trim().toLowerCase();
  if (style === undefined || style === "" || style === "auto") return undefined;
  if (style === "path") return true;
  if (style === "virtual") return false;
  throw invalidInput(
    "createMlflowRegistry",
    "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE",
    `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE must be path, virtual or auto, not ${preview(style)}`,
    PROVIDER,
  );
}

/** `MLFLOW_S3_IGNORE_TLS` as MLflow reads a boolean variable: `true`/`1` or `false`/`0`, any case. */
function ignoreTls(given: boolean | undefined, env: Record<string, string | undefined>): boolean {
  if (given !== undefined) return given;
  const value = env.MLFLOW_S3_IGNORE_TLS?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw invalidInput("createMlflowRegistry", "MLFLOW_S3_IGNORE_TLS", `MLFLOW_S3_IGNORE_TLS must be true or false, not ${preview(value)}`, PROVIDER);
}

/** The S3 side of an MLflow registry. */
export class MlflowS3 {
  readonly #storage: S3Storage;

  /** @param settings - The registry's settings: `s3`, `env`, the client settings and `multipartUpload`'s sizes. */
  constructor(settings: MlflowRegistrySettings) {
    const env = settings.env ?? process.env;
    const s3 = settings.s3 ?? {};
    const profile = s3.profile;
    const endpoint = s3.endpoint ?? (env.MLFLOW_S3_ENDPOINT_URL || undefined) ?? configuredEndpoint("S3", env, profile);
    const forcePathStyle = pathStyle(s3.forcePathStyle, env);
    const multipart = settings.multipartUpload;
    // A fetch given in the settings is the caller's transport, and stays so.
    const unchecked = settings.fetch === undefined && ignoreTls(s3.ignoreTls, env);
    this.#storage = new S3Storage({
      ...clientSettings(settings),
      ...(unchecked && { fetch: uncheckedTlsFetch() }),
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      provider: PROVIDER,
      region: s3.region ?? resolveRegion(undefined, env, profile) ?? (env.AWS_DEFAULT_REGION || undefined) ?? DEFAULT_REGION,
      credentials: credentialSource(
        { ...(s3.credentials !== undefined && { credentials: s3.credentials }), ...(profile !== undefined && { profile }), env },
        PROVIDER,
      ),
      ...(endpoint !== undefined && { endpoint }),
      ...(forcePathStyle !== undefined && { forcePathStyle }),
      // The proxy's multipart sizes, when set, size direct uploads too: one knob for "large files go in parts".
      ...(multipart && {
        tuning: {
          ...(multipart.minFileBytes !== undefined && { singlePutMaxBytes: multipart.minFileBytes - 1 }),
          ...(multipart.partBytes !== undefined && { partBytes: multipart.partBytes }),
        },
      }),
    });
  }

  /** Uploads `file` to `<location>/<file.path>`, refusing to replace an object that is there. */
  async upload(location: S3Location, file: ResolvedArtifact, options: UploadOptions): Promise<{ size: number; sha256: string }> {
    const { size, sha256 } = await this.#storage.upload(location.bucket, keyOf(location, file.path), file, options);
    return { size, sha256 };
  }

  /**
   * Lists every object below `location`, with paths relative to it; S3's zero-byte "folder" markers are left out.
   *
   * @throws ResponseValidationError when a key below the prefix is no safe relative path (`a//b`, `../x`).
   */
  async list(location: S3Location, options: CallOptions & { operation: string }): Promise<ArtifactFile[]> {
    const prefix = location.key === "" ? "" : `${location.key}/`;
    const out: ArtifactFile[] = [];
    for (const object of await this.#storage.list(location.bucket, prefix, options)) {
      const path = object.name.slice(prefix.length);
      if (path.endsWith("/") && object.size === 0) continue;
      if (!isSafeRelative(path))
        throw listingError(options.operation, "Key", `the bucket has an object whose key is no safe path below the version: ${preview(path)}`);
      out.push({ path, size: object.size });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** Opens `<location>/<path>` as a stream that resumes where it broke off. */
  open(
    location: S3Location,
    path: string,
    options: CallOptions & { operation: string },
  ): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
    return this.#storage.open(location.bucket, keyOf(location, path), options);
  }
}

function keyOf(location: S3Location, path: string): string {
  return location.key === "" ? path : `${location.key}/${path}`;
}
