/**
 * Cloud Storage as an {@link ObjectStore} (the Vertex adapter's artifact store): upload (see gcs-upload.ts), stream
 * down, list a prefix, delete. S3 is the other implementation (s3-storage.ts).
 *
 * @module
 */

import type { ResolvedArtifact } from "../artifacts/resolve-source.js";
import * as z from "zod/mini";
import { NotFoundError, ResponseValidationError } from "../core/errors.js";
import { lazySchema } from "../http/schema.js";
import type { CallOptions, ClientSettings } from "../core/options.js";
import { clientSettings } from "../http/call-options.js";
import { createHttpClient } from "../http/http-client.js";
import type { HttpClient } from "../http/http-types.js";
import { callOptions } from "../http/call-options.js";
import type { HttpErrorContext } from "../http/http-types.js";
import type { ModelRegistryError } from "../core/errors.js";
import type { ObjectStore, ObjectUploadOptions, StoredObject } from "./object-store.js";
import type { UploadedObject, UploadTuning } from "./gcs-upload.js";
import { lazyModule } from "../runtime/lazy-module.js";

/** Loaded by the first upload (with its CRC32C tables): readers never load it. */
const uploadModule = lazyModule(() => import("./gcs-upload.js"));

const objectSchema = lazySchema(() => z.object({ name: z.string(), size: z.optional(z.union([z.string(), z.number()])), md5Hash: z.optional(z.string()) }));
const listSchema = lazySchema(() => z.object({ items: z.optional(z.array(objectSchema())), nextPageToken: z.optional(z.string()) }));

const enc = (name: string) => encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** What {@link GcsStorage} takes. */
export interface GcsStorageSettings extends ClientSettings {
  /** The provider errors name (`vertex`). */
  provider: string;
  /** The Cloud Storage host (`https://storage.googleapis.com/`, or an emulator). */
  endpoint: string;
  /** The credential headers of each request. */
  headers: () => Promise<Record<string, string>>;
  /** Maps Google's error envelope (the provider's own mapping, shared with its API). */
  mapError?: (context: HttpErrorContext) => ModelRegistryError | undefined;
  /** Upload tuning. */
  tuning?: Partial<UploadTuning>;
}

/** Cloud Storage through its JSON API. */
export class GcsStorage implements ObjectStore {
  readonly #http: HttpClient;
  readonly #tuning: UploadTuning;
  readonly #provider: string;

  /** @param options - Host, auth headers, client settings and upload tuning. */
  constructor(options: GcsStorageSettings) {
    this.#provider = options.provider;
    this.#tuning = { multipartMaxBytes: 8 * 1024 * 1024, chunkBytes: 8 * 1024 * 1024, ...options.tuning };
    this.#http = createHttpClient({
      provider: options.provider,
      baseUrl: options.endpoint,
      headers: options.headers,
      ...clientSettings(options),
      timeoutMs: options.timeoutMs ?? 120_000,
      ...(options.mapError && { mapError: options.mapError }),
    });
  }

  /**
   * Uploads a file: one multipart request for small files (GCS checks the md5 and crc32c sent with it), a resumable
   * session in chunks for large ones, resumed from what GCS reports after a dropped connection.
   */
  async upload(bucket: string, name: string, file: ResolvedArtifact, options: ObjectUploadOptions): Promise<UploadedObject> {
    const { uploadObject } = await uploadModule();
    return uploadObject(this.#http, { bucket, name, contentType: options.contentType ?? "application/octet-stream" }, file, this.#tuning, {
      ...options,
      provider: this.#provider,
      call: callOptions(options),
    });
  }

  /** Uploads a small JSON document (metadata) in one request. */
  async putJson(bucket: string, name: string, value: unknown, options: CallOptions & { operation: string }): Promise<void> {
    const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2));
    await this.upload(
      bucket,
      name,
      {
        path: name,
        size: bytes.byteLength,
        open: async function* () {
          yield bytes;
        },
      },
      { ...options, contentType: "application/json" },
    );
  }

  /** Reads a small JSON document, or `undefined` when it does not exist. */
  async getJson(bucket: string, name: string, options: CallOptions & { operation: string }): Promise<unknown> {
    try {
      const res = await this.#http.request({
        operation: options.operation,
        path: `storage/v1/b/${enc(bucket)}/o/${enc(name)}`,
        query: { alt: "media" },
        responseType: "text",
        ...callOptions(options),
      });
      return JSON.parse(res.data) as unknown;
    } catch (error) {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    }
  }

  /** Opens an object as a stream. */
  async open(
    bucket: string,
    name: string,
    options: CallOptions & { operation: string },
  ): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
    const res = await this.#http.request({
      operation: options.operation,
      path: `storage/v1/b/${enc(bucket)}/o/${enc(name)}`,
      query: { alt: "media" },
      responseType: "stream",
      ...callOptions(options),
    });
    const length = res.headers.get("content-length");
    return { stream: res.data, size: length === null ? undefined : Number(length) };
  }

  /**
   * Lists every object under a prefix.
   *
   * @throws ResponseValidationError when the listing names an object outside the prefix.
   */
  async list(bucket: string, prefix: string, options: CallOptions & { operation: string }): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const res = await this.#http.request({
        operation: options.operation,
        path: `storage/v1/b/${enc(bucket)}/o`,
        query: { prefix, ...(token && { pageToken: token }) },
        schema: listSchema,
        ...callOptions(options),
      });
      for (const [i, item] of (res.data.items ?? []).entries()) {
        // Callers cut the prefix off to get a file's path; a name outside it would become some other path.
        if (!item.name.startsWith(prefix)) {
          throw new ResponseValidationError(
            `Cloud Storage listed ${JSON.stringify(item.name.slice(0, 80))}, which is not under the prefix ${JSON.stringify(prefix)}`,
            { provider: this.#provider, operation: options.operation, field: `items[${i}].name`, isRetryable: false },
          );
        }
        out.push({ name: item.name, size: Number(item.size ?? 0), ...(item.md5Hash && { md5: item.md5Hash }) });
      }
      token = res.data.nextPageToken || undefined;
    } while (token);
    return out;
  }

  /** Deletes an object. */
  async delete(bucket: string, name: string, options: CallOptions & { operation: string }): Promise<void> {
    await this.#http.request({
      operation: options.operation,
      method: "DELETE",
      path: `storage/v1/b/${enc(bucket)}/o/${enc(name)}`,
      responseType: "none",
      ...callOptions(options),
    });
  }
}
