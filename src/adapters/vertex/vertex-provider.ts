/**
 * The Vertex AI provider: the spec's primitives over Vertex AI Model Registry (REST v1) and Cloud Storage. The
 * registry facade checks input, resolves the actor and tells subscribers; this does only what Vertex needs.
 *
 * @module
 */

import type { RegistryCapabilities } from "../../core/capabilities.js";
import { mapLimit } from "../../core/concurrency.js";
import { NotFoundError, invalidInput } from "../../core/errors.js";
import type { TransferOptions } from "../../core/options.js";
import { ownValue } from "../../core/own-keys.js";
import {
  PROVIDER_SPECIFICATION_VERSION,
  type ProviderChange,
  type ProviderContext,
  type ProviderCreateVersion,
  type ProviderModelQuery,
  type ProviderPageFetcher,
  type ProviderVersionFiles,
  type ProviderVersionQuery,
  type RegistryProviderV1,
} from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { clientSettings } from "../../http/call-options.js";
import { listModelsResponse } from "./vertex-api.js";
import { toRegisteredModel, versionIdOf } from "./vertex-convert.js";
import { MetadataStore } from "./vertex-metadata.js";
import { checkVertexAlias, modelIdFor, parseGsUri } from "./vertex-names.js";
import { vertexCreateVersionOptionsSchema, type VertexCreateVersionOptions } from "./vertex-options.js";
import { VertexRecords } from "./vertex-records.js";
import type { VertexRegistrySettings } from "./vertex-settings.js";
import type { VertexWriteParts } from "./vertex-writes.js";
import { GcsStorage } from "../../storage/gcs-storage.js";
import { mapGoogleError } from "./vertex-error.js";
import { PROVIDER, VertexTransport } from "./vertex-transport.js";

const CAPABILITIES: RegistryCapabilities = Object.freeze({
  stages: "alias",
  aliases: true,
  modelTags: true,
  emptyModels: false,
  renameModel: false,
  deleteModel: true,
  deleteVersion: true,
  updateMetrics: true,
  deploy: true,
  audit: false,
  idempotentCreate: true,
  maxPageSize: 100,
});

/** Vertex lists 50 a page unless asked otherwise. */
const DEFAULT_PAGE_SIZE = 50;

/** The Vertex provider. Users reach it through `VertexRegistry`. */
export class VertexProvider implements RegistryProviderV1<VertexCreateVersionOptions> {
  /** The spec version implemented. */
  readonly specificationVersion = PROVIDER_SPECIFICATION_VERSION;
  /** `vertex`. */
  readonly provider = PROVIDER;
  /** No empty models, stages as managed aliases and labels, no audit trail, endpoints. */
  readonly capabilities: RegistryCapabilities = CAPABILITIES;
  /** The Vertex API client (shared with the endpoints API). */
  readonly transport: VertexTransport;
  readonly #records: VertexRecords;
  readonly #meta: MetadataStore;
  readonly #settings: VertexRegistrySettings;

  /** @param settings - See {@link VertexRegistrySettings}; checked here, before any request. */
  constructor(settings: VertexRegistrySettings) {
    this.#settings = settings;
    this.transport = new VertexTransport(settings);
    let root;
    try {
      root = parseGsUri(settings.artifactRoot);
    } catch {
      throw invalidInput("createVertexRegistry", "artifactRoot", "artifactRoot must be gs://bucket or gs://bucket/prefix", PROVIDER);
    }
    const emulator = (settings.env ?? process.env).STORAGE_EMULATOR_HOST;
    const storage = new GcsStorage({
      provider: PROVIDER,
      mapError: mapGoogleError,
      endpoint: settings.storageEndpoint ?? (emulator ? (emulator.startsWith("http") ? emulator : `http://${emulator}`) : "https://storage.googleapis.com/"),
      headers: this.transport.authHeaders,
      // The storage client gets the same fetch, logger, retries and timeout as the API client.
      ...clientSettings(settings),
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      tuning: {
        ...(settings.multipartMaxBytes !== undefined && { multipartMaxBytes: settings.multipartMaxBytes }),
        ...(settings.uploadChunkBytes !== undefined && { chunkBytes: settings.uploadChunkBytes }),
      },
    });
    if (settings.uploadChunkBytes !== undefined && (settings.uploadChunkBytes <= 0 || settings.uploadChunkBytes % (256 * 1024) !== 0)) {
      throw invalidInput("createVertexRegistry", "uploadChunkBytes", "uploadChunkBytes must be a positive multiple of 256 KiB", PROVIDER);
    }
    this.#meta = new MetadataStore(storage, root.bucket, root.prefix);
    this.#records = new VertexRecords(this.transport, this.#meta);
  }

  /** The schema of `providerOptions.vertex`, built when first given. */
  get createVersionOptions() {
    return vertexCreateVersionOptionsSchema();
  }

  /** Vertex aliases are narrower than the common rule, and `default`, `staging`, `production` are managed. */
  checkAlias(alias: string, operation: string, field: string): void {
    checkVertexAlias(alias, operation, field);
  }

  /** The Vertex resource name of a model. */
  modelResource(model: string): string {
    return this.#records.modelPath(modelIdFor(model));
  }

  async doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel> {
    const { operation: op, options } = ctx;
    const id = modelIdFor(name);
    const model = await this.#records.model(id, undefined, op, options);
    const [meta, versions] = await Promise.all([this.#meta.readModel(id, { ...options, operation: op }), this.#records.allVersions(id, op, options)]);
    return toRegisteredModel(name, model, meta, versions);
  }

  /** `namePrefix` and `tags` are applied to what Vertex returns: a page may hold fewer than asked. */
  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel> {
    const { operation: op, options } = ctx;
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...options, ...(signal && { signal }) };
      const res = await this.transport.call({
        operation: op,
        method: "GET",
        path: `${this.transport.parent}/models`,
        query: { pageSize, ...(token && { pageToken: token }) },
        schema: listModelsResponse,
        options: call,
      });
      const items: RegisteredModel[] = [];
      for (const model of res.models ?? []) {
        const name = model.displayName ?? "";
        if (!name.startsWith(query.namePrefix)) continue;
        const id = /\/models\/([^/@]+)/.exec(model.name)?.[1] ?? "";
        const meta = await this.#meta.readModel(id, { ...call, operation: op });
        const registered = toRegisteredModel(meta?.name ?? name, model, meta, await this.#records.allVersions(id, op, call));
        if (Object.entries(query.tags).every(([k, v]) => ownValue(registered.tags, k) === v)) items.push(registered);
      }
      return { items, ...(res.nextPageToken && { nextPageToken: res.nextPageToken }) };
    };
  }

  /** The description lives on Vertex, the tags in the model's metadata file. */
  async doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    return (await import("./vertex-writes.js")).updateVertexModel(this.#writeParts(), name, patch, ctx);
  }

  /** Deletes the model with every version (a long-running operation), then its files. */
  async doDeleteModel(name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    return (await import("./vertex-writes.js")).deleteVertexModel(this.#writeParts(), name, ctx);
  }

  async doCreateVersion(
    model: string,
    create: ProviderCreateVersion<VertexCreateVersionOptions>,
    ctx: ProviderContext<TransferOptions>,
  ): Promise<ProviderChange<ModelVersion>> {
    // Loaded by the first create (with the artifact source resolution and container checks it needs): readers never load it.
    const { createVertexVersion } = await import("./vertex-create-version.js");
    return createVertexVersion(this.#records, this.#settings, model, create, ctx);
  }

  async doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion> {
    const { operation: op, options } = ctx;
    return this.#records.toVersion(ref.model, modelIdFor(ref.model), await this.#records.resolve(ref, op, options), op, options);
  }

  /** Newest first; `stage` and `tags` filter what Vertex returns. */
  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion> {
    const { operation: op, options } = ctx;
    const id = modelIdFor(model);
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...options, ...(signal && { signal }) };
      const res = await this.transport.call({
        operation: op,
        method: "GET",
        path: `${this.#records.modelPath(id)}:listVersions`,
        query: { pageSize, orderBy: "create_time desc", ...(token && { pageToken: token }) },
        schema: listModelsResponse,
        options: call,
      });
      const versions = await mapLimit(res.models ?? [], 8, (v) => this.#records.toVersion(model, id, v, op, call));
      const items = versions.filter(
        (v) => (!query.stage || v.stage === query.stage) && Object.entries(query.tags).every(([k, t]) => ownValue(v.tags, k) === t),
      );
      return { items, ...(res.nextPageToken && { nextPageToken: res.nextPageToken }) };
    };
  }

  /** Updates the metadata file beside the artifacts, and the description and labels on Vertex. */
  async doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    return (await import("./vertex-writes.js")).updateVertexVersion(this.#writeParts(), ref, patch, ctx);
  }

  /**
   * Deletes a version; for the only version, the model (see vertex-writes.ts). Files go only when modelreg stored them
   * for this version.
   */
  async doDeleteVersion(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
    return (await import("./vertex-writes.js")).deleteVertexVersion(this.#writeParts(), ref, ctx);
  }

  /** What vertex-writes.ts uses: updates, deletes and stage moves import it on first use, so readers never load it. */
  #writeParts(): VertexWriteParts {
    return { transport: this.transport, records: this.#records, meta: this.#meta, provider: this };
  }

  /** With `mergeVersionAliases`, which moves the alias from any other version. */
  async doSetAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>> {
    const { operation: op, options } = ctx;
    const holder = await this.#records.holder(model, alias, op, options);
    const previous = holder && versionIdOf(holder);
    await this.#records.mergeAliases(model, version, [alias], op, options);
    const events =
      previous === version ? [] : ctx.stamp([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }]);
    return { value: previous === undefined ? {} : { previous }, events };
  }

  async doDeleteAlias(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    const { operation: op, options } = ctx;
    const holder = await this.#records.holder(model, alias, op, options);
    if (!holder) throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation: op });
    const version = versionIdOf(holder);
    await this.#records.mergeAliases(model, version, [`-${alias}`], op, options);
    return { value: undefined, events: ctx.stamp([{ type: "alias.deleted", model, alias, version, from: version }]) };
  }

  async doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string> {
    return versionIdOf(await this.#records.resolve({ model, alias }, ctx.operation, ctx.options));
  }

  /**
   * The stage is a managed label on each version; `staging` and `production` also move the managed alias of that
   * name, so `models/<id>@production` serves the newest version moved there.
   */
  async doTransitionStage(ref: VersionRef, to: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    return (await import("./vertex-writes.js")).transitionVertexStage(this.#writeParts(), ref, to, archiveExisting, ctx);
  }

  /** The files from the version's manifest, or, for versions made elsewhere, listed under its `artifactUri` (vertex-files.ts). */
  async doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
    return (await import("./vertex-files.js")).vertexVersionFiles(this.#records, this.#meta, ref, ctx);
  }
}
