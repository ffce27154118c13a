/**
 * Reading, listing and deleting Cloud Storage objects through the JSON API.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { IntegrityError } from "../../core/errors.js";
import type { HttpClient } from "../../http/index.js";
import { type GcsObject, encodeGcsName, gcsObjectListSchema, gcsObjectSchema, parseGoogHash, toGcsObject } from "./gcs-api.js";
import { Crc32c } from "./gcs-crc32c.js";

/** What the object functions share with the client that made them. */
export interface GcsObjectsContext {
  /** The HTTP client for `baseUrl`. */
  http: HttpClient;
  /** The provider name errors carry. */
  provider: string;
  /** Billed project for requester-pays buckets. */
  userProject: string | undefined;
}

/** Names one object. */
export interface GcsObjectRef {
  /** The bucket. */
  bucket: string;
  /** The object name, unencoded (`models/fraud/1/model.pkl`). */
  name: string;
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** What {@link openObject} takes. */
export interface GcsOpenInput extends GcsObjectRef {
  /** A specific generation; default the live one. */
  generation?: string;
  /**
   * Check the bytes against the `x-goog-hash` header as they stream, so the stream errors with an
   * {@link IntegrityError} at its end if they differ. Default `true`; skipped for objects served transcoded.
   */
  verify?: boolean;
}

/** A download under way. */
export interface GcsDownload {
  /** The object's bytes, streamed from the response; read it or cancel it. */
  stream: ReadableStream<Uint8Array>;
  /** The size in bytes, when the response said (`x-goog-stored-content-length`, else `Content-Length`). */
  size: number | undefined;
  /** The generation served, when the response said. */
  generation: string | undefined;
  /** MD5 (base64) of the whole object, from `x-goog-hash`. */
  md5: string | undefined;
  /** CRC32C (base64) of the whole object, from `x-goog-hash`. */
  crc32c: string | undefined;
}

/** What {@link listObjects} takes. */
export interface GcsListInput {
  /** The bucket. */
  bucket: string;
  /** Only names that start with this. */
  prefix?: string;
  /** Items per page (the service caps it at 1,000). */
  pageSize?: number;
  /** Checked between pages too. */
  signal?: AbortSignal;
}

/** What {@link deleteObject} takes. */
export interface GcsDeleteInput extends GcsObjectRef {
  /** Delete only if this is still the live generation, so a newer write by someone else survives. */
  ifGenerationMatch?: string;
}

const objectPath = (bucket: string, name: string, operation: string) =>
  `storage/v1/b/${encodeGcsName(bucket, operation, "bucket")}/o/${encodeGcsName(name, operation, "name")}`;

/**
 * Reads an object's metadata.
 *
 * @throws NotFoundError when the object or bucket does not exist.
 */
export async function statObject(ctx: GcsObjectsContext, input: GcsObjectRef): Promise<GcsObject> {
  const response = await ctx.http.request({
    operation: "statObject",
    path: objectPath(input.bucket, input.name, "statObject"),
    query: { userProject: ctx.userProject },
    schema: gcsObjectSchema,
    signal: input.signal,
  });
  return toGcsObject(response.data);
}

/** Lists objects page by page, following `nextPageToken`; the signal is checked before every page. */
export async function* listObjects(ctx: GcsObjectsContext, input: GcsListInput): AsyncGenerator<GcsObject> {
  let pageToken: string | undefined;
  do {
    input.signal?.throwIfAborted();
    const response = await ctx.http.request({
      operation: "listObjects",
      path: `storage/v1/b/${encodeGcsName(input.bucket, "listObjects", "bucket")}/o`,
      query: { prefix: input.prefix, maxResults: input.pageSize, pageToken, userProject: ctx.userProject },
      schema: gcsObjectListSchema,
      signal: input.signal,
    });
    for (const item of response.data.items ?? []) yield toGcsObject(item);
    // An empty token would ask for the first page again, forever.
    pageToken = response.data.nextPageToken || undefined;
  } while (pageToken !== undefined);
}

/**
 * Deletes an object.
 *
 * @throws NotFoundError when it does not exist; ConflictError when `ifGenerationMatch` no longer matches.
 */
export async function deleteObject(ctx: GcsObjectsContext, input: GcsDeleteInput): Promise<void> {
  await ctx.http.request({
    operation: "deleteObject",
    method: "DELETE",
    path: objectPath(input.bucket, input.name, "deleteObject"),
    query: { ifGenerationMatch: input.ifGenerationMatch, userProject: ctx.userProject },
    responseType: "none",
    signal: input.signal,
  });
}

/**
 * Opens an object's bytes as a stream (`alt=media`). Nothing is buffered beyond what the stream's reader pulls.
 *
 * @throws NotFoundError when the object does not exist.
 */
export async function openObject(ctx: GcsObjectsContext, input: GcsOpenInput): Promise<GcsDownload> {
  const response = await ctx.http.request({
    operation: "openObject",
    path: objectPath(input.bucket, input.name, "openObject"),
    query: { alt: "media", generation: input.generation, userProject: ctx.userProject },
    responseType: "stream",
    signal: input.signal,
  });
  const headers = response.headers;
  const { md5, crc32c } = parseGoogHash(headers.get("x-goog-hash"));
  const sizeHeader = headers.get("x-goog-stored-content-length") ?? headers.get("content-length");
  const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
  // The hashes describe the stored bytes; a gzip-stored object reaches us decompressed (by GCS or by fetch itself).
  const encoded = [headers.get("x-goog-stored-content-encoding"), headers.get("content-encoding")].some((e) => e !== null && e !== "identity");
  const check = input.verify !== false && !encoded && (md5 !== undefined || crc32c !== undefined);
  const stream = check ? response.data.pipeThrough(verifier(ctx, input, { md5, crc32c })) : response.data;
  return { stream, size, generation: headers.get("x-goog-generation") ?? undefined, md5, crc32c };
}

/** Passes bytes through unchanged and, at the end, errors the stream if they do not match the expected hashes. */
function verifier(ctx: GcsObjectsContext, input: GcsOpenInput, expected: { md5: string | undefined; crc32c: string | undefined }) {
  const md5 = createHash("md5");
  const crc = new Crc32c();
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      md5.update(chunk);
      crc.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      const got = { md5: md5.digest("base64"), crc32c: crc.digestBase64() };
      const wrong = (["md5", "crc32c"] as const).filter((k) => expected[k] !== undefined && expected[k] !== got[k]);
      if (wrong.length > 0) {
        const detail = wrong.map((k) => `${k} ${got[k]} instead of ${expected[k]}`).join(", ");
        controller.error(
          new IntegrityError(`the downloaded bytes of gs://${input.bucket}/${input.name} do not match: ${detail}`, {
            provider: ctx.provider,
            operation: "openObject",
          }),
        );
      }
    },
  });
}
