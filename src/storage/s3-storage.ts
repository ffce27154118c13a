/**
 * S3 as an {@link ObjectStore}: the SageMaker adapter keeps versions' files in it, and the MLflow adapter writes to
 * `s3://` artifact roots through it. Requests are signed with SigV4 (service `s3`), addressed virtual-hosted on AWS
 * and path-style on IP, localhost or `forcePathStyle` endpoints, with one HTTP client per origin. Uploads are in
 * s3-upload.ts.
 *
 * @module
 */

import type { ResolvedArtifact } from "../artifacts/resolve-source.js";
import { type AwsCredentials, rememberingCredentials } from "../aws/aws-credentials.js";
import { dnsSuffix } from "../aws/aws-config.js";
import { awsSigner } from "../aws/aws-signer.js";
import { InvalidInputError, NotFoundError, ResponseValidationError } from "../core/errors.js";
import type { ClientSettings } from "../core/options.js";
import { preview } from "../core/validation.js";
import { callOptions, clientSettings } from "../http/call-options.js";
import { createHttpClient } from "../http/http-client.js";
import type { HttpClient } from "../http/http-types.js";
import { nodeCrypto } from "../runtime/builtins.js";
import { lazyModule } from "../runtime/lazy-module.js";
import type { ObjectStore, ObjectStoreCallOptions, ObjectUploadOptions, StoredObject, StoredUpload } from "./object-store.js";
import { checkBucket, checkKey, checkPrefix, encodeKey, S3Addressing, s3Query } from "./s3-addressing.js";
import { mapS3Error } from "./s3-error.js";
import type { S3ObjectTarget, S3UploadTuning } from "./s3-upload.js";
import { readListPage } from "./s3-xml.js";

export { parseS3Uri, type S3Location } from "./s3-addressing.js";

/** Loaded by the first write: a reader never needs it. */
const uploadModule = lazyModule(() => import("./s3-upload.js"));

const MiB = 1024 * 1024;
/** S3's largest PutObject and part (docs "Amazon S3 multipart upload limits"). */
const MAX_REQUEST_BYTES = 5 * 1024 * MiB;

/** What {@link S3Storage} takes. The SageMaker and MLflow adapters build it from their own settings. */
export interface S3StorageSettings extends ClientSettings {
  /** The provider errors name: `sagemaker`, `mlflow`. */
  provider: string;
  /** The region requests are signed for (`us-east-1`; an S3-compatible store's own name for it). */
  region: string;
  /** Current credentials (the adapter's cached source from `credentialSource`). */
  credentials: () => Promise<AwsCredentials>;
  /** A custom endpoint (moto, MinIO). Default `https://s3.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Put the bucket in the path (`<endpoint>/<bucket>/<key>`). Default: only for IP and localhost endpoints. */
  forcePathStyle?: boolean;
  /** Upload sizes. */
  tuning?: {
    /** Files up to this size go in one PutObject. Default 8 MiB. */
    singlePutMaxBytes?: number;
    /** Multipart part size. Default 8 MiB; S3 refuses parts under 5 MiB but the last, so smaller is for tests. */
    partBytes?: number;
    /** Keys per ListObjectsV2 page (`max-keys`), 1-1000. Default: S3's own, 1000. */
    listPageSize?: number;
  };
}

/** S3 (and S3-compatible stores) as an {@link ObjectStore}. */
export class S3Storage implements ObjectStore {
  readonly #settings: S3StorageSettings;
  readonly #addressing: S3Addressing;
  readonly #tuning: S3UploadTuning;
  readonly #listPageSize: number | undefined;
  readonly #clients = new Map<string, HttpClient>();
  readonly #credentials: () => Promise<AwsCredentials>;
  readonly #secrets: () => Array<string | undefined>;

  /**
   * @param settings - See {@link S3StorageSettings}.
   * @throws InvalidInputError for an empty provider, a region that is no region name, an endpoint that is not an
   *   http(s) URL, or tuning outside 0-5 GiB (parts: 1 byte-5 GiB; list pages: 1-1000).
   */
  constructor(settings: S3StorageSettings) {
    const provider = typeof settings?.provider === "string" && settings.provider !== "" ? settings.provider : "core";
    const invalid = (field: string, message: string) => new InvalidInputError(message, { provider, operation: "S3Storage", field });
    if (provider === "core") throw invalid("provider", "S3Storage needs the provider its errors name");
    if (typeof settings.region !== "string" || !/^[a-z0-9](?:[a-z0-9-]{0,62})$/.test(settings.region))
      throw invalid("region", `region ${preview(settings.region)} is not a region name`);
    if (typeof settings.credentials !== "function") throw invalid("credentials", "credentials must be a function returning AWS credentials");
    let endpoint: URL;
    try {
      endpoint = new URL(settings.endpoint ?? `https://s3.${settings.region}.${dnsSuffix(settings.region)}`);
    } catch {
      throw invalid("endpoint", `the S3 endpoint ${preview(settings.endpoint)} is not a URL`);
    }
    if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") throw invalid("endpoint", "the S3 endpoint must be an http(s) URL");
    if (endpoint.username || endpoint.password || endpoint.search || endpoint.hash)
      throw invalid("endpoint", "the S3 endpoint cannot carry credentials, a query or a fragment");
    const size = (field: "singlePutMaxBytes" | "partBytes", fallback: number, min: number) => {
      const value = settings.tuning?.[field] ?? fallback;
      if (!Number.isSafeInteger(value) || value < min || value > MAX_REQUEST_BYTES)
        throw invalid(`tuning.${field}`, `tuning.${field} must be a whole number of bytes from ${min} to 5 GiB`);
      return value;
    };
    this.#tuning = { singlePutMaxBytes: size("singlePutMaxBytes", 8 * MiB, 0), partBytes: size("partBytes", 8 * MiB, 1) };
    const pageSize = settings.tuning?.listPageSize;
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000))
      throw invalid("tuning.listPageSize", "tuning.listPageSize must be a whole number from 1 to 1000");
    this.#listPageSize = pageSize;
    this.#settings = { ...settings, provider };
    this.#addressing = new S3Addressing(endpoint, settings.forcePathStyle === true);
    // The secret key and session token it signs with are redacted from errors and logs.
    ({ credentials: this.#credentials, secrets: this.#secrets } = rememberingCredentials(settings.credentials));
  }

  /** The HTTP client of a bucket's origin, made on first use. */
  #client(baseUrl: string): HttpClient {
    let client = this.#clients.get(baseUrl);
    if (!client) {
      const { provider, region } = this.#settings;
      client = createHttpClient({
        provider,
        baseUrl,
        ...clientSettings(this.#settings),
        // Per attempt, and for transfers per wait without progress.
        timeoutMs: this.#settings.timeoutMs ?? 120_000,
        secrets: this.#secrets,
        sign: awsSigner({ service: "s3", region, credentials: this.#credentials, provider }),
        mapError: mapS3Error,
      });
      this.#clients.set(baseUrl, client);
    }
    return client;
  }

  /** The client and request path of an object, after checking the bucket and key. */
  #object(bucket: string, key: string, operation: string): { http: HttpClient; path: string } {
    const context = { provider: this.#settings.provider, operation };
    checkBucket(bucket, context);
    checkKey(key, context);
    const target = this.#addressing.target(bucket);
    return { http: this.#client(target.baseUrl), path: `${target.keyPrefix}${encodeKey(key)}` };
  }

  #checkOptions(options: ObjectStoreCallOptions): string {
    if (typeof options?.operation !== "string" || options.operation === "")
      throw new InvalidInputError("object-store calls need the operation their errors name", {
        provider: this.#settings.provider,
        operation: "S3Storage",
        field: "operation",
      });
    return options.operation;
  }

  #uploadTarget(bucket: string, name: string, options: ObjectStoreCallOptions, contentType: string, ifNoneMatch: boolean): S3ObjectTarget {
    const { http, path } = this.#object(bucket, name, this.#checkOptions(options));
    return { http, path, label: `${bucket}/${name}`, contentType, ifNoneMatch };
  }

  #retry(options: ObjectStoreCallOptions) {
    return {
      maxRetries: options.maxRetries ?? this.#settings.maxRetries ?? 2,
      baseMs: this.#settings.retryBaseDelayMs ?? 500,
      maxMs: this.#settings.retryMaxDelayMs ?? 8_000,
    };
  }

  /**
   * Streams a file into `bucket/name`: one PutObject up to `tuning.singlePutMaxBytes`, a multipart upload above, each
   * request with its SHA-256 checksum, and `If-None-Match: *` so an existing object is never replaced.
   *
   * @throws ConflictError when the object exists; IntegrityError when the file differs from its declared size or
   *   SHA-256 (nothing is stored) or S3 reports other bytes than were sent.
   */
  async upload(bucket: string, name: string, file: ResolvedArtifact, options: ObjectUploadOptions): Promise<StoredUpload> {
    const target = this.#uploadTarget(bucket, name, options, options.contentType ?? "application/octet-stream", true);
    const { uploadObject } = await uploadModule();
    return uploadObject(target, file, this.#tuning, options, this.#retry(options));
  }

  /** Writes a small JSON document in one PutObject with its checksum, replacing what is there (metadata changes). */
  async putJson(bucket: string, name: string, value: unknown, options: ObjectStoreCallOptions): Promise<void> {
    const target = this.#uploadTarget(bucket, name, options, "application/json", false);
    const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2));
    const { putObject } = await uploadModule();
    const sha256 = nodeCrypto().createHash("sha256").update(bytes).digest("hex");
    await putObject(target, bytes, sha256, options);
  }

  /**
   * Reads a small JSON document, or `undefined` when there is no such object (a missing bucket is still an error).
   *
   * @throws ResponseValidationError when the object is not JSON.
   */
  async getJson(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<unknown> {
    const operation = this.#checkOptions(options);
    const { http, path } = this.#object(bucket, name, operation);
    let text: string;
    try {
      text = (await http.request({ operation, path, responseType: "text", ...callOptions(options) })).data;
    } catch (error) {
      if (NotFoundError.isInstance(error) && error.providerCode !== "NoSuchBucket") return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ResponseValidationError(`${bucket}/${name} is not JSON`, { provider: http.provider, operation, isRetryable: false });
    }
  }

  /**
   * Opens an object as a stream. A body that breaks off is asked for again from where it stopped (`Range`, with
   * `If-Range` on its ETag, so a replaced object is never spliced onto the old one).
   */
  async open(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
    const operation = this.#checkOptions(options);
    const { http, path } = this.#object(bucket, name, operation);
    const res = await http.request({ operation, path, responseType: "stream", ...callOptions(options) });
    const length = res.headers.get("content-length");
    return { stream: res.data, size: length === null ? undefined : Number(length) };
  }

  /**
   * Lists every object whose key starts with `prefix` (ListObjectsV2, following continuation tokens).
   *
   * @throws ResponseValidationError when S3 lists a key outside the prefix, or pages without a way forward.
   */
  async list(bucket: string, prefix: string, options: ObjectStoreCallOptions): Promise<StoredObject[]> {
    const operation = this.#checkOptions(options);
    const context = { provider: this.#settings.provider, operation };
    checkBucket(bucket, context);
    checkPrefix(prefix, context);
    const target = this.#addressing.target(bucket);
    const http = this.#client(target.baseUrl);
    // `/bucket?list-type=2` as the SDKs send it, or `/?list-type=2` on the bucket's own host.
    const bucketPath = target.keyPrefix.replace(/\/$/, "");
    const out: StoredObject[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const query = s3Query([
        ["list-type", "2"],
        ["prefix", prefix],
        ...(this.#listPageSize === undefined ? [] : [["max-keys", String(this.#listPageSize)] as const]),
        ...(token === undefined ? [] : [["continuation-token", token] as const]),
      ]);
      const res = await http.request({ operation, path: `${bucketPath}?${query}`, responseType: "text", ...callOptions(options) });
      const page = readListPage(res.data, { ...context });
      for (const [i, object] of page.objects.entries()) {
        // Callers cut the prefix off to get a file's path; a key outside it would become some other path.
        if (!object.key.startsWith(prefix))
          throw new ResponseValidationError(`S3 listed ${JSON.stringify(object.key.slice(0, 80))}, which is not under the prefix ${JSON.stringify(prefix)}`, {
            ...context,
            field: `Contents[${i}].Key`,
            isRetryable: false,
          });
        out.push({ name: object.key, size: object.size });
      }
      if (page.isTruncated && (page.nextToken === undefined || seen.has(page.nextToken)))
        throw new ResponseValidationError("S3 said the listing goes on but gave no new continuation token", {
          ...context,
          field: "NextContinuationToken",
          isRetryable: false,
        });
      token = page.isTruncated ? page.nextToken : undefined;
      if (token !== undefined) seen.add(token);
    } while (token !== undefined);
    return out;
  }

  /** Deletes an object. S3 answers 204 whether or not it existed, so deleting a missing object succeeds. */
  async delete(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<void> {
    const operation = this.#checkOptions(options);
    const { http, path } = this.#object(bucket, name, operation);
    await http.request({ operation, method: "DELETE", path, responseType: "none", ...callOptions(options) });
  }
}
