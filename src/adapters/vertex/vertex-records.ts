/**
 * Reading and writing Vertex's model records and the metadata files beside them: the calls every primitive shares
 * (a version by number, alias or `latest`, all versions of a model, alias and stage-label changes, cleanup).
 *
 * @module
 */

import { mapLimit } from "../../core/concurrency.js";
import { NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion, Stage } from "../../core/types.js";
import { listModelsResponse, vertexModelSchema, type VertexModel } from "./vertex-api.js";
import { toModelVersion, versionIdOf } from "./vertex-convert.js";
import type { MetadataStore } from "./vertex-metadata.js";
import { LABEL, VERTEX_ALIAS, modelIdFor } from "./vertex-names.js";
import { PROVIDER, type VertexTransport } from "./vertex-transport.js";

/** Vertex records and modelreg metadata, for one registry. */
export class VertexRecords {
  /**
   * @param transport - The Vertex API client.
   * @param meta - The metadata files and artifacts in Cloud Storage.
   */
  constructor(
    readonly transport: VertexTransport,
    readonly meta: MetadataStore,
  ) {}

  /** `projects/{p}/locations/{l}/models/{id}`. */
  modelPath(id: string): string {
    return `${this.transport.parent}/models/${id}`;
  }

  /** A model's record (its default version), or one version's (`version` is a number or an alias). */
  async model(id: string, version: string | undefined, op: string, options: CallOptions | undefined): Promise<VertexModel> {
    return this.transport.call({
      operation: op,
      method: "GET",
      path: `${this.modelPath(id)}${version ? `@${version}` : ""}`,
      schema: vertexModelSchema,
      options,
    });
  }

  /** Every version of a model, all pages. */
  async allVersions(id: string, op: string, options: CallOptions | undefined): Promise<VertexModel[]> {
    const out: VertexModel[] = [];
    let token: string | undefined;
    do {
      const res = await this.transport.call({
        operation: op,
        method: "GET",
        path: `${this.modelPath(id)}:listVersions`,
        query: { pageSize: 100, ...(token && { pageToken: token }) },
        schema: listModelsResponse,
        options,
      });
      out.push(...(res.models ?? []));
      token = res.nextPageToken || undefined;
    } while (token);
    return out;
  }

  /** The version a reference names; `NotFoundError` when there is none. */
  async resolve(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<VertexModel> {
    const id = modelIdFor(ref.model);
    if ("version" in ref) return this.model(id, ref.version, op, options);
    if (ref.alias === "latest") {
      const versions = await this.allVersions(id, op, options);
      const top = versions.reduce<VertexModel | undefined>((best, v) => (!best || Number(versionIdOf(v)) > Number(versionIdOf(best)) ? v : best), undefined);
      if (!top) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no versions`, { provider: PROVIDER, operation: op });
      return this.model(id, versionIdOf(top), op, options);
    }
    const holder = await this.holder(ref.model, ref.alias, op, options);
    if (!holder) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, { provider: PROVIDER, operation: op });
    return holder;
  }

  /**
   * The version holding an alias, or `undefined` when none does (an alias Vertex could not hold included).
   * `NotFoundError` when the model itself is missing.
   */
  async holder(model: string, alias: string, op: string, options: CallOptions | undefined): Promise<VertexModel | undefined> {
    if (!VERTEX_ALIAS.test(alias)) return undefined;
    const id = modelIdFor(model);
    try {
      return await this.model(id, alias, op, options);
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
    }
    // Vertex answers 404 both for a missing alias and a missing model: only the second is an error.
    await this.model(id, undefined, op, options);
    return undefined;
  }

  /** Adds aliases to a version (`-alias` removes one) with `mergeVersionAliases`; Vertex moves them from others. */
  async mergeAliases(model: string, version: string, changes: string[], op: string, options: CallOptions | undefined): Promise<VertexModel> {
    return this.transport.call({
      operation: op,
      method: "POST",
      path: `${this.modelPath(modelIdFor(model))}@${version}:mergeVersionAliases`,
      body: { versionAliases: changes },
      schema: vertexModelSchema,
      idempotent: true,
      options,
    });
  }

  /** Sets the managed stage label of a version (`draft` removes it). */
  async setStageLabel(id: string, record: VertexModel, stage: Stage, op: string, options: CallOptions | undefined): Promise<void> {
    const labels = { ...record.labels };
    if (stage === "draft") delete labels[LABEL.stage];
    else labels[LABEL.stage] = stage;
    await this.transport.call({
      operation: op,
      method: "PATCH",
      path: `${this.modelPath(id)}@${versionIdOf(record)}`,
      query: { updateMask: "labels" },
      body: { labels },
      schema: vertexModelSchema,
      idempotent: true,
      options,
    });
  }

  /** A record as the spec's version, with its metadata file when modelreg made it. */
  async toVersion(name: string, id: string, record: VertexModel, op: string, options: CallOptions | undefined): Promise<ModelVersion> {
    const meta = await this.meta.readVersion(id, record.labels?.[LABEL.token], { ...options, operation: op });
    return toModelVersion(meta?.model ?? name, record, meta);
  }

  /** Deletes every object under a prefix of the artifact bucket, best effort. */
  async deletePrefix(prefix: string, op: string): Promise<void> {
    try {
      const objects = await this.meta.storage.list(this.meta.bucket, prefix, { operation: op });
      await mapLimit(objects, 8, (o) => this.meta.storage.delete(this.meta.bucket, o.name, { operation: op }));
    } catch {
      // Cleanup is best effort: leftover files are unreferenced, never a half-made version.
    }
  }

  /** Deletes the named objects of the artifact bucket, best effort (one that is already gone is no failure). */
  async deleteObjects(names: string[], op: string): Promise<void> {
    await mapLimit(names, 8, (name) => this.meta.storage.delete(this.meta.bucket, name, { operation: op }).catch(() => undefined));
  }

  /** Deletes a version's metadata file, best effort. */
  async deleteVersionMeta(id: string, token: string, op: string): Promise<void> {
    await this.deleteObjects([`${this.meta.modelDir(id)}/meta/${token}.json`], op);
  }
}
