/**
 * `createGcsClient`: the Cloud Storage JSON API calls the Vertex adapter needs (upload, download, stat, list,
 * delete), on the shared HTTP client.
 *
 * @module
 */

import type { Logger } from "../../core/options.js";
import { createHttpClient, type HttpHeadersInit } from "../../http/index.js";
import type { GcsObject } from "./gcs-api.js";
import {
  type GcsDeleteInput,
  type GcsDownload,
  type GcsListInput,
  type GcsObjectRef,
  type GcsOpenInput,
  deleteObject,
  listObjects,
  openObject,
  statObject,
} from "./gcs-objects.js";
import type { GcsUploadContext } from "./gcs-resumable.js";
import { type GcsUploadInput, type GcsUploadResult, uploadObject } from "./gcs-upload.js";

/** Settings for {@link createGcsClient}. */
export interface GcsClientSettings {
  /** The JSON API root. Default `https://storage.googleapis.com/`; an emulator's URL in tests. */
  baseUrl?: string | URL;
  /** Headers for every API request (`Authorization: Bearer …`), or a function called before every attempt. */
  headers?: HttpHeadersInit;
  /** The fetch to use. Default: the global one, looked up per request. */
  fetch?: typeof globalThis.fetch;
  /** Retries per request, and failed chunks in a row per resumable upload. Default 2. */
  maxRetries?: number;
  /** Per-attempt timeout in milliseconds; one resumable chunk must go through within it. Default 60 000. */
  timeoutMs?: number;
  /** The first backoff step between retries. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** The project billed for requester-pays buckets (`userProject`). */
  userProject?: string;
  /** Gets one redacted debug line per HTTP attempt. */
  logger?: Logger;
}

/** Cloud Storage calls. Object names are given unencoded; the client encodes them (`/` as `%2F`). */
export interface GcsClient {
  /** The API root, ending with `/`. */
  readonly baseUrl: string;
  /** Uploads a file: multipart when small, resumable in chunks otherwise; verifies MD5 and CRC32C. */
  uploadObject(input: GcsUploadInput): Promise<GcsUploadResult>;
  /** Opens an object's bytes as a stream. */
  openObject(input: GcsOpenInput): Promise<GcsDownload>;
  /** Reads an object's metadata. */
  statObject(input: GcsObjectRef): Promise<GcsObject>;
  /** Lists the objects under a prefix, following pages. */
  listObjects(input: GcsListInput): AsyncIterable<GcsObject>;
  /** Deletes an object. */
  deleteObject(input: GcsDeleteInput): Promise<void>;
}

const PROVIDER = "vertex";

/**
 * Creates a Cloud Storage client.
 *
 * @example
 * ```ts
 * const gcs = createGcsClient({ headers: async () => ({ authorization: `Bearer ${await getToken()}` }) });
 * const file = { path: "model.pkl", size: 123, open: () => createReadStream("model.pkl") };
 * const { md5, generation } = await gcs.uploadObject({ bucket: "my-bucket", name: "models/fraud/1/model.pkl", file });
 * ```
 *
 * @throws InvalidInputError when `baseUrl` or a numeric setting is invalid.
 */
export function createGcsClient(settings: GcsClientSettings = {}): GcsClient {
  // Resumable session URIs are credentials in their own right; errors and logs must not show them.
  const sessionSecrets = new Set<string>();
  const http = createHttpClient({
    provider: PROVIDER,
    baseUrl: settings.baseUrl ?? "https://storage.googleapis.com/",
    headers: settings.headers,
    fetch: settings.fetch,
    maxRetries: settings.maxRetries,
    timeoutMs: settings.timeoutMs,
    retryBaseDelayMs: settings.retryBaseDelayMs,
    logger: settings.logger,
    secrets: () => sessionSecrets,
  });
  const ctx: GcsUploadContext = {
    http,
    provider: PROVIDER,
    userProject: settings.userProject,
    maxRetries: settings.maxRetries ?? 2,
    retryBaseDelayMs: settings.retryBaseDelayMs ?? 500,
    hideSession(uri) {
      const secret = uri.searchParams.get("upload_id") ?? uri.href;
      sessionSecrets.add(secret);
      return () => sessionSecrets.delete(secret);
    },
  };
  return {
    baseUrl: http.baseUrl,
    uploadObject: (input) => uploadObject(ctx, input),
    openObject: (input) => openObject(ctx, input),
    statObject: (input) => statObject(ctx, input),
    listObjects: (input) => listObjects(ctx, input),
    deleteObject: (input) => deleteObject(ctx, input),
  };
}
