/**
 * One interface over the object stores modelreg keeps artifacts in: Cloud Storage (the Vertex adapter) and S3 (the
 * SageMaker adapter, and MLflow servers whose artifact root is `s3://`). Adapters write a version's files through it
 * and never overwrite: a version's files are immutable.
 *
 * @module
 */

import type { ResolvedArtifact } from "../artifacts/resolve-source.js";
import type { CallOptions } from "../core/options.js";

/** What an upload computed while sending, and the store confirmed. */
export interface StoredUpload {
  /** Bytes. */
  size: number;
  /** SHA-256, hex. */
  sha256: string;
  /** MD5, base64, where the store uses it (Cloud Storage). */
  md5?: string;
}

/** One object of a listing. */
export interface StoredObject {
  /** The object name (S3: key). */
  name: string;
  /** Its size. */
  size: number;
  /** MD5, base64, where the store gives it (Cloud Storage). */
  md5?: string;
}

/** Options of every object-store call: the call's options, and the user-facing operation errors name. */
export type ObjectStoreCallOptions = CallOptions & { operation: string };

/** Options of an upload. */
export interface ObjectUploadOptions extends ObjectStoreCallOptions {
  /** The object's content type. Default `application/octet-stream`. */
  contentType?: string;
  /** Told the file's bytes sent so far (for progress), growing; a retry may tell a smaller number again. */
  onBytes?: (fileBytes: number) => void;
}

/** An object store: a bucket is named per call, so one store serves several buckets. */
export interface ObjectStore {
  /**
   * Streams a file into `bucket/name`, computing its SHA-256 on the way, and refuses to replace an object already
   * there (`ConflictError`), so a version's files are never overwritten.
   */
  upload(bucket: string, name: string, file: ResolvedArtifact, options: ObjectUploadOptions): Promise<StoredUpload>;
  /** Writes a small JSON document (metadata), replacing what is there. */
  putJson(bucket: string, name: string, value: unknown, options: ObjectStoreCallOptions): Promise<void>;
  /** Reads a small JSON document, or `undefined` when there is none. */
  getJson(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<unknown>;
  /** Opens an object as a stream that resumes where it broke off. */
  open(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }>;
  /** Lists every object whose name starts with `prefix`, following every page. */
  list(bucket: string, prefix: string, options: ObjectStoreCallOptions): Promise<StoredObject[]>;
  /**
   * Deletes an object. Cloud Storage refuses a missing one with `NotFoundError`; S3 answers a delete the same whether
   * the object existed or not, so there a missing object is no error. Callers that clean up treat both alike.
   */
  delete(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<void>;
}
