/**
 * What SageMaker has no field for, kept whole in JSON beside the artifacts in S3: a version's params, metrics, tags,
 * lineage, signature, model card and file manifest; a model's tags that do not fit group tags, and its description
 * once changed (a group's description is fixed at creation).
 *
 * ```
 * s3://bucket/prefix/<model>/model.modelreg.json    the model's record
 * s3://bucket/prefix/<model>/<n>/...                one version's files: the package's S3Prefix, nothing else in it
 * s3://bucket/prefix/<model>/<n>.modelreg.json      its record (first written as the claim of folder <n>)
 * s3://bucket/prefix/<model>/<n>.metrics.json       its metrics, which ModelMetrics.ModelQuality.Statistics points at
 * s3://bucket/prefix/<model>/keys/<token>.json      the folder a create with an idempotency key claimed
 * ```
 *
 * SageMaker numbers a version when it creates the package, after the files are stored, so the folder is numbered by a
 * claim instead: the record key `<n>.modelreg.json` written with `If-None-Match: *`, so two writers never share a
 * folder. The folder's number is usually the version's; when another tool registered a version in between, it is not,
 * and the package's `modelreg:folder` property (and its S3 location) says which folder is its.
 *
 * @module
 */

import * as z from "zod/mini";
import { ConflictError, CorruptDataError } from "../../core/errors.js";
import { lazySchema } from "../../http/schema.js";
import type { ObjectStore, ObjectStoreCallOptions } from "../../storage/object-store.js";
import { PROVIDER } from "./sagemaker-transport.js";

/** A version's record. */
export interface VersionRecord {
  format: "modelreg-sagemaker/1";
  model: string;
  /** The number of its artifact folder. */
  folder: number;
  /** The folder as an `s3://` URI, ending in `/` (what the package's data source or `modelreg:artifacts` names). */
  location?: string;
  /** The create's token (`ClientToken`, `modelreg:token`). */
  token: string;
  description?: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  lineage: Record<string, unknown>;
  signature?: Record<string, unknown>;
  modelCard?: Record<string, unknown>;
  files: Array<{ path: string; size: number; sha256: string }>;
  digest: string;
  createdBy: string;
  idempotencyKey?: string;
}

/** A model's record. */
export interface ModelRecord {
  format: "modelreg-sagemaker/model";
  name: string;
  /** The description set by `updateModel` (SageMaker cannot change a group's). */
  description?: string;
  /** Tags that do not fit group tags. */
  tags: Record<string, string>;
}

/** Where a create with an idempotency key put its files. */
export interface KeyRecord {
  format: "modelreg-sagemaker/key";
  folder: number;
  token: string;
  /** The version made, once known. */
  version?: string;
}

const versionSchema = lazySchema(() =>
  z.object({
    format: z.literal("modelreg-sagemaker/1"),
    model: z.string(),
    folder: z.number(),
    location: z.optional(z.string()),
    token: z.string(),
    description: z.optional(z.string()),
    params: z.record(z.string(), z.string()),
    metrics: z.record(z.string(), z.number()),
    tags: z.record(z.string(), z.string()),
    lineage: z.record(z.string(), z.unknown()),
    signature: z.optional(z.record(z.string(), z.unknown())),
    modelCard: z.optional(z.record(z.string(), z.unknown())),
    files: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string() })),
    digest: z.string(),
    createdBy: z.string(),
    idempotencyKey: z.optional(z.string()),
  }),
);
const claimSchema = lazySchema(() => z.object({ format: z.literal("modelreg-sagemaker/claim") }));
const modelSchema = lazySchema(() =>
  z.object({
    format: z.literal("modelreg-sagemaker/model"),
    name: z.string(),
    description: z.optional(z.string()),
    tags: z.record(z.string(), z.string()),
  }),
);
const keySchema = lazySchema(() =>
  z.object({ format: z.literal("modelreg-sagemaker/key"), folder: z.number(), token: z.string(), version: z.optional(z.string()) }),
);

/** The records of one registry, under its artifact root. */
export class RecordStore {
  /**
   * @param storage - S3.
   * @param bucket - The artifact bucket.
   * @param prefix - The prefix under it, without slashes at either end (`""` for the bucket's top).
   */
  constructor(
    readonly storage: ObjectStore,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  /** `prefix/<model>` */
  modelDir(model: string): string {
    return this.prefix ? `${this.prefix}/${model}` : model;
  }

  /** The key prefix of a version's files, with its trailing slash: `prefix/<model>/<n>/`. */
  folderPrefix(model: string, folder: number): string {
    return `${this.modelDir(model)}/${folder}/`;
  }

  /** The `s3://` URI of a version's files, ending in `/` as an `S3Prefix` data source wants. */
  folderUri(model: string, folder: number): string {
    return `s3://${this.bucket}/${this.folderPrefix(model, folder)}`;
  }

  /** The key of a version's record. */
  recordKey(model: string, folder: number): string {
    return `${this.modelDir(model)}/${folder}.modelreg.json`;
  }

  /** The key of a version's metrics file. */
  metricsKey(model: string, folder: number): string {
    return `${this.modelDir(model)}/${folder}.metrics.json`;
  }

  /** The key of an idempotency key's record. */
  keyKey(model: string, token: string): string {
    return `${this.modelDir(model)}/keys/${token}.json`;
  }

  /** The key of a model's record. */
  modelKey(model: string): string {
    return `${this.modelDir(model)}/model.modelreg.json`;
  }

  /**
   * Claims folder `n` for a create: writes its record key with `If-None-Match: *`. False when another create (or an
   * earlier one) holds it.
   */
  async claim(model: string, folder: number, token: string, options: ObjectStoreCallOptions): Promise<boolean> {
    return this.#create(
      this.recordKey(model, folder),
      { format: "modelreg-sagemaker/claim", model, folder, token, claimedAt: new Date().toISOString() },
      options,
    );
  }

  /** Reads an idempotency key's record. */
  async readKey(model: string, token: string, options: ObjectStoreCallOptions): Promise<KeyRecord | undefined> {
    return (await this.#read(this.keyKey(model, token), keySchema(), options)) as KeyRecord | undefined;
  }

  /** Reads a version's record; `undefined` when there is none or only a claim (a create under way or interrupted). */
  async readVersion(model: string, folder: number, options: ObjectStoreCallOptions): Promise<VersionRecord | undefined> {
    const key = this.recordKey(model, folder);
    const json = await this.storage.getJson(this.bucket, key, options);
    if (json === undefined || claimSchema().safeParse(json).success) return undefined;
    return this.#check(key, json, versionSchema(), options.operation) as VersionRecord;
  }

  /** Writes a version's record over its claim. */
  writeVersion(model: string, record: VersionRecord, options: ObjectStoreCallOptions): Promise<void> {
    return this.storage.putJson(this.bucket, this.recordKey(model, record.folder), record, options);
  }

  /** Reads a model's record. */
  async readModel(model: string, options: ObjectStoreCallOptions): Promise<ModelRecord | undefined> {
    return (await this.#read(this.modelKey(model), modelSchema(), options)) as ModelRecord | undefined;
  }

  /** Writes a model's record. */
  writeModel(model: string, record: ModelRecord, options: ObjectStoreCallOptions): Promise<void> {
    return this.storage.putJson(this.bucket, this.modelKey(model), record, options);
  }

  /** Writes a small JSON object that must not exist yet; false when it does. */
  async #create(key: string, value: unknown, options: ObjectStoreCallOptions): Promise<boolean> {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    try {
      await this.storage.upload(
        this.bucket,
        key,
        {
          path: key,
          size: bytes.byteLength,
          open: async function* () {
            yield bytes;
          },
        },
        { ...options, contentType: "application/json" },
      );
      return true;
    } catch (error) {
      if (ConflictError.isInstance(error) && !error.isRetryable) return false;
      throw error;
    }
  }

  async #read(key: string, schema: z.ZodMiniType, options: ObjectStoreCallOptions): Promise<unknown> {
    const json = await this.storage.getJson(this.bucket, key, options);
    return json === undefined ? undefined : this.#check(key, json, schema, options.operation);
  }

  #check(key: string, json: unknown, schema: z.ZodMiniType, operation: string): unknown {
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new CorruptDataError(
        `s3://${this.bucket}/${key} is not modelreg's record (${parsed.error.issues[0]?.message ?? "bad shape"}); it was edited by hand or is not ours`,
        { provider: PROVIDER, operation },
      );
    return parsed.data;
  }
}
