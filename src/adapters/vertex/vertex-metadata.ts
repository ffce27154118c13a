/**
 * What Vertex has no field for, kept whole in JSON beside the artifacts: a version's params, metrics, tags, lineage,
 * signature, model card and file manifest, and a model's tags. Labels hold only what fits Google's label rules.
 *
 * ```
 * gs://bucket/prefix/<modelId>/model.modelreg.json      the model's tags and real name
 * gs://bucket/prefix/<modelId>/meta/<token>.json         one version's metadata, found through its token label
 * gs://bucket/prefix/<modelId>/<token>/<attempt>/...     one version's artifacts (artifactUri)
 * gs://bucket/prefix/<modelId>/<n>/...                   the same, as modelreg named it before issue 15
 * ```
 *
 * The artifact folder carries the version's token (its `modelreg-token` label) so that `deleteVersion` can tell the
 * folders modelreg stored from any other `artifactUri`, and a fresh `<attempt>` per call so that a retried call never
 * writes into the folder of an attempt that failed half-way.
 *
 * @module
 */

import * as z from "zod/mini";
import { CorruptDataError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { lazySchema } from "../../http/schema.js";
import { PROVIDER } from "./vertex-transport.js";
import type { GcsStorage } from "../../storage/gcs-storage.js";

/** A version's metadata file. */
export interface VersionMetadata {
  format: "modelreg-vertex/1";
  model: string;
  description?: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  lineage: Record<string, unknown>;
  signature?: Record<string, unknown>;
  modelCard?: Record<string, unknown>;
  files: Array<{ path: string; size: number; sha256: string; md5: string }>;
  digest: string;
  createdBy: string;
  idempotencyKey?: string;
}

/** A model's metadata file. */
export interface ModelMetadata {
  format: "modelreg-vertex/1";
  name: string;
  tags: Record<string, string>;
}

const versionSchema = lazySchema(() =>
  z.object({
    format: z.literal("modelreg-vertex/1"),
    model: z.string(),
    description: z.optional(z.string()),
    params: z.record(z.string(), z.string()),
    metrics: z.record(z.string(), z.number()),
    tags: z.record(z.string(), z.string()),
    lineage: z.record(z.string(), z.unknown()),
    signature: z.optional(z.record(z.string(), z.unknown())),
    modelCard: z.optional(z.record(z.string(), z.unknown())),
    files: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string(), md5: z.string() })),
    digest: z.string(),
    createdBy: z.string(),
    idempotencyKey: z.optional(z.string()),
  }),
);
const modelSchema = lazySchema(() => z.object({ format: z.literal("modelreg-vertex/1"), name: z.string(), tags: z.record(z.string(), z.string()) }));

/** Where things live for one model. */
export class MetadataStore {
  /**
   * @param storage - Cloud Storage access.
   * @param bucket - The artifact bucket.
   * @param prefix - The prefix under it (no trailing slash).
   */
  constructor(
    readonly storage: GcsStorage,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  /** `prefix/<modelId>` */
  modelDir(modelId: string): string {
    return this.prefix ? `${this.prefix}/${modelId}` : modelId;
  }

  /** The artifact folder of one `createVersion` attempt: the version's token, then the attempt's own id. */
  artifactDir(modelId: string, token: string, attempt: string): string {
    return `${this.modelDir(modelId)}/${token}/${attempt}`;
  }

  /** Reads a version's metadata; `undefined` for versions made outside modelreg. */
  async readVersion(modelId: string, token: string | undefined, options: CallOptions & { operation: string }): Promise<VersionMetadata | undefined> {
    if (!token) return undefined;
    return this.#read(`${this.modelDir(modelId)}/meta/${token}.json`, versionSchema(), options) as Promise<VersionMetadata | undefined>;
  }

  /** Writes a version's metadata. */
  writeVersion(modelId: string, token: string, value: VersionMetadata, options: CallOptions & { operation: string }): Promise<void> {
    return this.storage.putJson(this.bucket, `${this.modelDir(modelId)}/meta/${token}.json`, value, options);
  }

  /** The object name of a model's metadata file. */
  modelFile(modelId: string): string {
    return `${this.modelDir(modelId)}/model.modelreg.json`;
  }

  /** Reads a model's metadata. */
  async readModel(modelId: string, options: CallOptions & { operation: string }): Promise<ModelMetadata | undefined> {
    return this.#read(this.modelFile(modelId), modelSchema(), options) as Promise<ModelMetadata | undefined>;
  }

  /** Writes a model's metadata. */
  writeModel(modelId: string, value: ModelMetadata, options: CallOptions & { operation: string }): Promise<void> {
    return this.storage.putJson(this.bucket, this.modelFile(modelId), value, options);
  }

  async #read(name: string, schema: z.ZodMiniType, options: CallOptions & { operation: string }): Promise<unknown> {
    const json = await this.storage.getJson(this.bucket, name, options);
    if (json === undefined) return undefined;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CorruptDataError(
        `gs://${this.bucket}/${name} is not modelreg metadata (${parsed.error.issues[0]?.message ?? "bad shape"}); it was edited by hand or is not ours`,
        {
          provider: PROVIDER,
          operation: options.operation,
        },
      );
    }
    return parsed.data;
  }
}
