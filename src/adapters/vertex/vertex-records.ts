/**
 * Reading and writing Vertex's model records and the metadata files beside them: the calls every primitive shares
 * (a version by number, alias or `latest`, all versions of a model, alias changes). Stage labels are set in
 * vertex-writes.ts, and cleanup is in vertex-cleanup.ts, which only the calls that change or create versions import.
 *
 * @module
 */

import { NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
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

  /** A record as the spec's version, with its metadata file when modelreg made it. */
  async toVersion(name: string, id: string, record: VertexModel, op: string, options: CallOptions | undefined): Promise<ModelVersion> {
    const meta = await this.meta.readVersion(id, record.labels?.[LABEL.token], { ...options, operation: op });
    return toModelVersion(meta?.model ?? name, record, meta);
  }
}
