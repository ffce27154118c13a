/**
 * The Vertex AI registry: the `ModelRegistry` spec over Vertex AI Model Registry (REST v1) and Cloud Storage.
 *
 * @module
 */

import { downloadToDirectory } from "../../artifacts/download.js";
import { computeContentDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { checkExpected, resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { selectFiles } from "../../artifacts/select.js";
import type { RegistryCapabilities } from "../../core/capabilities.js";
import { mapLimit } from "../../core/concurrency.js";
import { AbortedError, ModelRegistryError, NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
import { RegistryEventBus, type RegistryEvent, type RegistryEventInput, type RegistryEventSource } from "../../core/events.js";
import {
  SPECIFICATION_VERSION,
  type ArtifactDownload,
  type AuditQuery,
  type DownloadOptions,
  type DownloadResult,
  type ListModelsOptions,
  type ListVersionsOptions,
  type ModelRegistry,
  type SetAliasResult,
  type TransitionStageOptions,
} from "../../core/model-registry.js";
import type { CallOptions, TransferOptions } from "../../core/options.js";
import { DEFAULT_TRANSFER_CONCURRENCY } from "../../core/options.js";
import { paginate, type PageIterable } from "../../core/pagination.js";
import { parseRef, type VersionRef, type VersionRefInput } from "../../core/refs.js";
import type { AliasEntry, ArtifactFile, CreateModelInput, CreateVersionInput, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { ownValue, setOwn } from "../../core/own-keys.js";
import { assertArtifactPath, assertModelName, assertTags, assertVersion, parseStage, preview } from "../../core/validation.js";
import { assertPageSize, checkCreateVersionInput, checkTransition, checkUpdateVersionInput, toAliasEntries } from "../../core/version-input.js";
import { clientSettings } from "../../http/call-options.js";
import { resolveActor } from "../../runtime/actor.js";
import { listModelsResponse, operationSchema, vertexModelSchema, type VertexModel } from "./vertex-api.js";
import { toModelVersion, toRegisteredModel, versionIdOf } from "./vertex-convert.js";
import { VertexEndpoints } from "./vertex-endpoints.js";
import { MetadataStore, type VersionMetadata } from "./vertex-metadata.js";
import { LABEL, assertVertexAlias, fitsLabel, modelIdFor } from "./vertex-names.js";
import type { VertexRegistrySettings } from "./vertex-settings.js";
import { VertexStorage, parseGsUri } from "./vertex-storage.js";
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

/** Vertex's prebuilt scikit-learn CPU serving image, used when no container is configured. */
export const DEFAULT_CONTAINER_IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest";

/** The Vertex AI registry. Create it with {@link createVertexRegistry}. */
export class VertexRegistry implements ModelRegistry {
  /** The spec version. */
  readonly specificationVersion = SPECIFICATION_VERSION;
  /** `vertex`. */
  readonly provider = PROVIDER;
  /** What Vertex supports: no empty models, stages as managed aliases and labels, no audit trail, endpoints. */
  readonly capabilities: RegistryCapabilities = CAPABILITIES;
  /** Changes made through this client. */
  readonly events: RegistryEventSource;
  /** Deploy, undeploy, traffic split and canary rollouts. */
  readonly endpoints: VertexEndpoints;
  readonly #transport: VertexTransport;
  readonly #meta: MetadataStore;
  readonly #bus: RegistryEventBus;
  readonly #settings: VertexRegistrySettings;

  /** @param settings - See {@link VertexRegistrySettings}. */
  constructor(settings: VertexRegistrySettings) {
    this.#settings = settings;
    this.#transport = new VertexTransport(settings);
    let root;
    try {
      root = parseGsUri(settings.artifactRoot);
    } catch {
      throw invalidInput("createVertexRegistry", "artifactRoot", "artifactRoot must be gs://bucket or gs://bucket/prefix", PROVIDER);
    }
    const emulator = process.env.STORAGE_EMULATOR_HOST;
    const storage = new VertexStorage({
      endpoint: settings.storageEndpoint ?? (emulator ? (emulator.startsWith("http") ? emulator : `http://${emulator}`) : "https://storage.googleapis.com/"),
      headers: this.#transport.authHeaders,
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
    this.#bus = new RegistryEventBus(settings.onEventError);
    this.events = this.#bus;
    this.endpoints = new VertexEndpoints(this.#transport, this, (inputs, options) => this.#emit(inputs, options));
  }

  /** Vertex has no model without a version: throws `UnsupportedCapabilityError` (after checking the name). */
  async createModel(input: CreateModelInput, _options?: CallOptions): Promise<RegisteredModel> {
    assertModelName(input?.name, "createModel", "name");
    throw new UnsupportedCapabilityError("Vertex creates a model with its first version: call createVersion", { provider: PROVIDER, operation: "createModel", capability: "emptyModels" });
  }

  /** Reads a model (its default version's view, with every alias). */
  async getModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    const op = "getModel";
    assertModelName(name, op, "name");
    const id = modelIdFor(name);
    const model = await this.#getModelRecord(id, undefined, op, options);
    const [meta, versions] = await Promise.all([this.#meta.readModel(id, { ...options, operation: op }), this.#allVersions(id, op, options)]);
    return toRegisteredModel(name, model, meta, versions);
  }

  /** Lists models; `namePrefix` and `tags` are applied to what Vertex returns. */
  listModels(options: ListModelsOptions = {}): PageIterable<RegisteredModel> {
    const op = "listModels";
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 50;
    assertTags(options.tags, op);
    return paginate<RegisteredModel>(
      async (token, signal) => {
        const call = { ...options, ...(signal && { signal }) };
        const res = await this.#transport.call({ operation: op, method: "GET", path: `${this.#transport.parent}/models`, query: { pageSize, ...(token && { pageToken: token }) }, schema: listModelsResponse, options: call });
        const items: RegisteredModel[] = [];
        for (const model of res.models ?? []) {
          const name = model.displayName ?? "";
          if (!name.startsWith(options.namePrefix ?? "")) continue;
          const id = /\/models\/([^/@]+)/.exec(model.name)?.[1] ?? "";
          const meta = await this.#meta.readModel(id, { ...call, operation: op });
          const registered = toRegisteredModel(meta?.name ?? name, model, meta, await this.#allVersions(id, op, call));
          if (Object.entries(options.tags ?? {}).every(([k, v]) => ownValue(registered.tags, k) === v)) items.push(registered);
        }
        return { items, ...(res.nextPageToken && { nextPageToken: res.nextPageToken }) };
      },
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  /** Updates the model's description (on Vertex) and tags (in its metadata file). */
  async updateModel(name: string, patch: UpdateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "updateModel";
    assertModelName(name, op, "name");
    if (typeof patch !== "object" || patch === null) throw invalidInput(op, "patch", "updateModel takes { description?, tags? }", PROVIDER);
    assertTags(patch.tags, op, { allowNull: true });
    const id = modelIdFor(name);
    await this.#getModelRecord(id, undefined, op, options);
    if (patch.description !== undefined) {
      await this.#transport.call({ operation: op, method: "PATCH", path: `${this.#transport.parent}/models/${id}`, query: { updateMask: "description" }, body: { description: patch.description }, schema: vertexModelSchema, idempotent: true, options });
    }
    if (patch.tags) {
      const meta = (await this.#meta.readModel(id, { ...options, operation: op })) ?? { format: "modelreg-vertex/1" as const, name, tags: {} };
      for (const [k, v] of Object.entries(patch.tags)) {
        if (v === null) delete meta.tags[k];
        else setOwn(meta.tags, k, v);
      }
      await this.#meta.writeModel(id, meta, { ...options, operation: op });
    }
    await this.#emit([{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }], options);
    return this.getModel(name, options);
  }

  /** Deletes a model with every version (a long-running operation), then its files. */
  async deleteModel(name: string, options?: CallOptions): Promise<void> {
    const op = "deleteModel";
    assertModelName(name, op, "name");
    const id = modelIdFor(name);
    const first = await this.#transport.call({ operation: op, method: "DELETE", path: `${this.#transport.parent}/models/${id}`, schema: operationSchema, options });
    await this.#transport.waitForOperation(first, op, options);
    await this.#deletePrefix(`${this.#meta.modelDir(id)}/`, op);
    await this.#emit([{ type: "model.deleted", model: name }], options);
  }

  /**
   * Creates a version: metadata first, then the files to `gs://bucket/prefix/<model>/<n>/`, then `models.upload`
   * (a new model, or a new version with `parentModel`), then waits for the operation and reads the version back.
   */
  async createVersion(model: string, input: CreateVersionInput, options: TransferOptions = {}): Promise<ModelVersion> {
    const op = "createVersion";
    assertModelName(model, op);
    const meta = checkCreateVersionInput(input, op);
    for (const alias of meta.aliases) assertVertexAlias(alias, op);
    const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: op });
    const call = { ...options, operation: op };
    if (options.signal?.aborted) throw abortError(op, options.signal);
    const id = modelIdFor(model);
    const existing = await this.#getModelRecord(id, undefined, op, options).catch((error: unknown) => {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    });
    if (!existing && input.createModel === false) throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation: op });
    // The token label finds the version again after a lost response, and names its metadata file.
    const token = meta.idempotencyKey === undefined ? crypto.randomUUID() : await tokenFor(meta.idempotencyKey);
    const versions = existing ? await this.#allVersions(id, op, options) : [];
    const found = versions.find((v) => v.labels?.[LABEL.token] === token);
    if (found) return this.#toVersion(model, id, found, op, options);

    const n = String(versions.reduce((max, v) => Math.max(max, Number(versionIdOf(v))), 0) + 1);
    const dir = this.#meta.artifactDir(id, n);
    const progress = transferProgress(files, options.onProgress);
    let stored;
    try {
      stored = await mapLimit(files, options.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, async (file) => {
        const tick = progress(file);
        const digests = await this.#meta.storage.upload(this.#meta.bucket, `${dir}/${file.path}`, file, { ...call, onBytes: tick });
        // Before models.upload: the catch below removes what was uploaded.
        checkExpected(file, digests, { provider: PROVIDER, operation: op });
        return { path: file.path, ...digests };
      });
      const record: VersionMetadata = {
        format: "modelreg-vertex/1",
        model,
        ...(meta.description !== undefined && { description: meta.description }),
        params: meta.params,
        metrics: meta.metrics,
        tags: meta.tags,
        lineage: meta.lineage as Record<string, unknown>,
        ...(meta.signature && { signature: meta.signature as unknown as Record<string, unknown> }),
        ...(meta.modelCard && { modelCard: meta.modelCard as Record<string, unknown> }),
        files: stored,
        digest: computeContentDigest(stored),
        createdBy: resolveActor(options.actor, this.#settings.actor),
        ...(meta.idempotencyKey !== undefined && { idempotencyKey: meta.idempotencyKey }),
      };
      await this.#meta.writeVersion(id, token, record, call);
      if (!existing) await this.#meta.writeModel(id, { format: "modelreg-vertex/1", name: model, tags: {} }, call);
      if (options.signal?.aborted) throw abortError(op, options.signal);
    } catch (error) {
      // No version was made: remove what was uploaded for it.
      await this.#deletePrefix(`${dir}/`, op);
      await this.#meta.storage.delete(this.#meta.bucket, `${this.#meta.modelDir(id)}/meta/${token}.json`, { operation: op }).catch(() => undefined);
      throw error;
    }
    const labels: Record<string, string> = { [LABEL.token]: token, [LABEL.managed]: "true" };
    for (const [k, v] of Object.entries(meta.tags)) if (fitsLabel(k, v) && Object.keys(labels).length < 60) labels[k] = v;
    const body = {
      ...(existing ? { parentModel: `${this.#transport.parent}/models/${id}` } : { modelId: id }),
      model: {
        displayName: model,
        ...(meta.description !== undefined && { versionDescription: meta.description.slice(0, 2000) }),
        ...(meta.aliases.length > 0 && { versionAliases: meta.aliases }),
        labels,
        artifactUri: `gs://${this.#meta.bucket}/${dir}/`,
        containerSpec: { imageUri: this.#settings.containerImageUri ?? DEFAULT_CONTAINER_IMAGE },
      },
    };
    const response = await this.#uploadOnce(id, token, body, options);
    const versionId = String(response.modelVersionId ?? "");
    const created = await this.#getModelRecord(id, versionId, op, options);
    const events: RegistryEventInput[] = [{ type: "version.created", model, version: versionId, to: versionId }];
    for (const alias of meta.aliases) events.push({ type: "alias.set", model, alias, version: versionId, to: versionId });
    await this.#emit(events, options);
    return this.#toVersion(model, id, created, op, options);
  }

  /** Reads a version by number, alias, or `latest`. */
  async getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "getVersion";
    const target = parseRef(ref, op);
    const id = modelIdFor(target.model);
    return this.#toVersion(target.model, id, await this.#resolve(target, op, options), op, options);
  }

  /** Lists versions, newest first; `stage` and `tags` filter what Vertex returns. */
  listVersions(model: string, options: ListVersionsOptions = {}): PageIterable<ModelVersion> {
    const op = "listVersions";
    assertModelName(model, op);
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 50;
    const stage = options.stage === undefined ? undefined : parseStage(options.stage, op);
    assertTags(options.tags, op);
    const id = modelIdFor(model);
    return paginate<ModelVersion>(
      async (token, signal) => {
        const call = { ...options, ...(signal && { signal }) };
        const res = await this.#transport.call({
          operation: op,
          method: "GET",
          path: `${this.#transport.parent}/models/${id}:listVersions`,
          query: { pageSize, orderBy: "create_time desc", ...(token && { pageToken: token }) },
          schema: listModelsResponse,
          options: call,
        });
        const versions = await mapLimit(res.models ?? [], 8, (v) => this.#toVersion(model, id, v, op, call));
        const items = versions.filter((v) => (!stage || v.stage === stage) && Object.entries(options.tags ?? {}).every(([k, t]) => ownValue(v.tags, k) === t));
        return { items, ...(res.nextPageToken && { nextPageToken: res.nextPageToken }) };
      },
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  /** Updates metadata: the file beside the artifacts, and the description and labels on Vertex. */
  async updateVersion(ref: VersionRefInput, patch: UpdateVersionInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "updateVersion";
    const target = parseRef(ref, op);
    checkUpdateVersionInput(patch, op);
    const id = modelIdFor(target.model);
    const record = await this.#resolve(target, op, options);
    const versionId = versionIdOf(record);
    const token = record.labels?.[LABEL.token];
    const meta = await this.#meta.readVersion(id, token, { ...options, operation: op });
    if (!meta || !token) throw new UnsupportedCapabilityError(`${target.model}/${versionId} was not made by modelreg; only Vertex's own fields can change`, { provider: PROVIDER, operation: op, capability: "updateVersion" });
    if (patch.description !== undefined) meta.description = patch.description;
    for (const [k, v] of Object.entries(patch.tags ?? {})) {
      if (v === null) delete meta.tags[k];
      else setOwn(meta.tags, k, v);
    }
    Object.assign(meta.metrics, patch.metrics);
    if (patch.modelCard) meta.modelCard = patch.modelCard as Record<string, unknown>;
    await this.#meta.writeVersion(id, token, meta, { ...options, operation: op });
    const labels = Object.fromEntries(Object.entries(record.labels ?? {}).filter(([k]) => k.startsWith("modelreg")));
    for (const [k, v] of Object.entries(meta.tags)) if (fitsLabel(k, v) && Object.keys(labels).length < 60) labels[k] = v;
    const mask = ["labels", ...(patch.description !== undefined ? ["versionDescription"] : [])];
    const updated = await this.#transport.call({
      operation: op,
      method: "PATCH",
      path: `${this.#transport.parent}/models/${id}@${versionId}`,
      query: { updateMask: mask.join(",") },
      body: { labels, ...(patch.description !== undefined && { versionDescription: patch.description.slice(0, 2000) }) },
      schema: vertexModelSchema,
      idempotent: true,
      options,
    });
    await this.#emit([{ type: "version.updated", model: target.model, version: versionId, details: { fields: Object.keys(patch) } }], options);
    return toModelVersion(target.model, updated, meta);
  }

  /** Deletes a version (Vertex refuses the default version and the only one) and its files. */
  async deleteVersion(ref: VersionRefInput, options?: CallOptions): Promise<void> {
    const op = "deleteVersion";
    const target = parseRef(ref, op);
    const id = modelIdFor(target.model);
    const record = await this.#resolve(target, op, options);
    const versionId = versionIdOf(record);
    const first = await this.#transport.call({ operation: op, method: "DELETE", path: `${this.#transport.parent}/models/${id}@${versionId}:deleteVersion`, schema: operationSchema, options });
    await this.#transport.waitForOperation(first, op, options);
    if (record.artifactUri) await this.#deletePrefix(parseGsUri(record.artifactUri).prefix + "/", op);
    const token = record.labels?.[LABEL.token];
    if (token) await this.#meta.storage.delete(this.#meta.bucket, `${this.#meta.modelDir(id)}/meta/${token}.json`, { operation: op }).catch(() => undefined);
    await this.#emit([{ type: "version.deleted", model: target.model, version: versionId }], options);
  }

  /** Points an alias at a version with `mergeVersionAliases`; Vertex moves it from any other version. */
  async setAlias(model: string, alias: string, version: string, options?: CallOptions): Promise<SetAliasResult> {
    const op = "setAlias";
    assertModelName(model, op);
    assertVertexAlias(alias, op);
    assertVersion(version, op);
    const previous = await this.#holder(model, alias, op, options);
    await this.#mergeAliases(model, version, [alias], op, options);
    if (previous !== version) await this.#emit([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }], options);
    return previous === undefined ? {} : { previous };
  }

  /** Removes an alias. */
  async deleteAlias(model: string, alias: string, options?: CallOptions): Promise<void> {
    const op = "deleteAlias";
    assertModelName(model, op);
    assertVertexAlias(alias, op);
    const holder = await this.#holder(model, alias, op, options);
    if (holder === undefined) throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation: op });
    await this.#mergeAliases(model, holder, [`-${alias}`], op, options);
    await this.#emit([{ type: "alias.deleted", model, alias, version: holder, from: holder }], options);
  }

  /** The version an alias points at. */
  async resolveAlias(model: string, alias: string, options?: CallOptions): Promise<string> {
    assertModelName(model, "resolveAlias");
    // parseRef checks the alias: a malformed one is bad input, not a missing alias.
    return versionIdOf(await this.#resolve(parseRef({ model, alias }, "resolveAlias"), "resolveAlias", options));
  }

  /** The user's aliases (not `default` or the stage aliases). */
  async listAliases(model: string, options?: CallOptions): Promise<AliasEntry[]> {
    const { aliases } = await this.getModel(model, options);
    return toAliasEntries(aliases);
  }

  /**
   * Moves a version to a stage. The stage is a managed label on each version; `staging` and `production` also move
   * the managed alias of that name, so `models/<id>@production` serves the newest version moved there.
   */
  async transitionStage(ref: VersionRefInput, stage: Stage, options: TransitionStageOptions = {}): Promise<ModelVersion> {
    const op = "transitionStage";
    const target = parseRef(ref, op);
    const to = checkTransition(stage, options.archiveExisting, op, PROVIDER);
    const id = modelIdFor(target.model);
    const record = await this.#resolve(target, op, options);
    const versionId = versionIdOf(record);
    const from = (record.labels?.[LABEL.stage] as Stage | undefined) ?? "draft";
    const events: RegistryEventInput[] = [];
    if (options.archiveExisting) {
      for (const other of await this.#allVersions(id, op, options)) {
        if (versionIdOf(other) === versionId || other.labels?.[LABEL.stage] !== to) continue;
        await this.#setStageLabel(id, other, "archived", op, options);
        events.push({ type: "stage.changed", model: target.model, version: versionIdOf(other), stage: "archived", from: to, to: "archived" });
      }
    }
    await this.#setStageLabel(id, record, to, op, options);
    const changes = [...(to === "staging" || to === "production" ? [to] : []), ...((record.versionAliases ?? []).filter((a) => (a === "staging" || a === "production") && a !== to).map((a) => `-${a}`))];
    if (changes.length > 0) await this.#mergeAliases(target.model, versionId, changes, op, options);
    if (from !== to) events.push({ type: "stage.changed", model: target.model, version: versionId, stage: to, from, to });
    await this.#emit(events, options);
    return this.getVersion({ model: target.model, version: versionId }, options);
  }

  /** The files, from the version's manifest (or, for versions made elsewhere, listed under its artifactUri). */
  async listArtifacts(ref: VersionRefInput, options?: CallOptions): Promise<ArtifactFile[]> {
    const op = "listArtifacts";
    const target = parseRef(ref, op);
    const { files } = await this.#files(target, op, options);
    return files;
  }

  /** Streams one file from Cloud Storage. */
  async openArtifact(ref: VersionRefInput, path: string, options?: CallOptions): Promise<ArtifactDownload> {
    const op = "openArtifact";
    const target = parseRef(ref, op);
    assertArtifactPath(path, op);
    const { files, dir, label } = await this.#files(target, op, options);
    if (!files.some((f) => f.path === path)) throw new NotFoundError(`${label} has no file ${preview(path)}`, { provider: PROVIDER, operation: op });
    const { stream, size } = await this.#meta.storage.open(this.#meta.bucket, `${dir}/${path}`, { ...options, operation: op });
    return { path, stream, ...(size !== undefined && { size }) };
  }

  /** Downloads files into a directory, streamed and checked against their digests. */
  async downloadArtifacts(ref: VersionRefInput, directory: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const op = "downloadArtifacts";
    const target = parseRef(ref, op);
    if (typeof directory !== "string" || directory === "") throw invalidInput(op, "directory", "directory must be a path", PROVIDER);
    const { files, dir, label } = await this.#files(target, op, options);
    return downloadToDirectory({
      directory,
      files: selectFiles(files, options.paths, label, { provider: PROVIDER, operation: op }),
      open: async (file, signal) => (await this.#meta.storage.open(this.#meta.bucket, `${dir}/${file.path}`, { ...options, signal, operation: op })).stream,
      ...(options.overwrite !== undefined && { overwrite: options.overwrite }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.signal && { signal: options.signal }),
      ...(options.onProgress && { onProgress: options.onProgress }),
      provider: PROVIDER,
      operation: op,
    });
  }

  /** Vertex keeps no audit trail modelreg can read (Cloud Audit Logs are separate): throws `UnsupportedCapabilityError`. */
  listAuditEvents(_query?: AuditQuery): PageIterable<RegistryEvent> {
    throw new UnsupportedCapabilityError("Vertex keeps no audit trail modelreg can read; subscribe to registry.events, or read Cloud Audit Logs", { provider: PROVIDER, operation: "listAuditEvents", capability: "audit" });
  }

  /** Tells subscribers about a governance event; Vertex stores none. */
  async recordEvent(input: RegistryEventInput, options?: CallOptions): Promise<RegistryEvent> {
    if (typeof input !== "object" || input === null || typeof input.type !== "string") throw invalidInput("recordEvent", "type", "an event needs a type", PROVIDER);
    assertModelName(input.model, "recordEvent");
    const [event] = await this.#emit([input], options);
    return event as RegistryEvent;
  }

  /** The Vertex resource name of a model, for the endpoints API. */
  modelResource(model: string): string {
    return `${this.#transport.parent}/models/${modelIdFor(model)}`;
  }

  #emit(inputs: RegistryEventInput[], options: CallOptions | undefined): Promise<RegistryEvent[]> {
    return this.#bus.publish(inputs, PROVIDER, resolveActor(options?.actor, this.#settings.actor));
  }

  async #getModelRecord(id: string, version: string | undefined, op: string, options: CallOptions | undefined): Promise<VertexModel> {
    return this.#transport.call({ operation: op, method: "GET", path: `${this.#transport.parent}/models/${id}${version ? `@${version}` : ""}`, schema: vertexModelSchema, options });
  }

  async #allVersions(id: string, op: string, options: CallOptions | undefined): Promise<VertexModel[]> {
    const out: VertexModel[] = [];
    let token: string | undefined;
    do {
      const res = await this.#transport.call({ operation: op, method: "GET", path: `${this.#transport.parent}/models/${id}:listVersions`, query: { pageSize: 100, ...(token && { pageToken: token }) }, schema: listModelsResponse, options });
      out.push(...(res.models ?? []));
      token = res.nextPageToken || undefined;
    } while (token);
    return out;
  }

  async #resolve(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<VertexModel> {
    const id = modelIdFor(ref.model);
    if ("version" in ref) return this.#getModelRecord(id, ref.version, op, options);
    if (ref.alias === "latest") {
      const versions = await this.#allVersions(id, op, options);
      const top = versions.reduce<VertexModel | undefined>((best, v) => (!best || Number(versionIdOf(v)) > Number(versionIdOf(best)) ? v : best), undefined);
      if (!top) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no versions`, { provider: PROVIDER, operation: op });
      return this.#getModelRecord(id, versionIdOf(top), op, options);
    }
    if (!/^[a-z][a-z0-9-]{0,126}[a-z0-9]$/.test(ref.alias)) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, { provider: PROVIDER, operation: op });
    try {
      return await this.#getModelRecord(id, ref.alias, op, options);
    } catch (error) {
      if (NotFoundError.isInstance(error)) {
        await this.#getModelRecord(id, undefined, op, options);
        throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, { provider: PROVIDER, operation: op, cause: error });
      }
      throw error;
    }
  }

  async #holder(model: string, alias: string, op: string, options: CallOptions | undefined): Promise<string | undefined> {
    try {
      return versionIdOf(await this.#resolve({ model, alias }, op, options));
    } catch (error) {
      if (NotFoundError.isInstance(error) && /has no alias/.test(error.message)) return undefined;
      throw error;
    }
  }

  async #mergeAliases(model: string, version: string, changes: string[], op: string, options: CallOptions | undefined): Promise<VertexModel> {
    return this.#transport.call({
      operation: op,
      method: "POST",
      path: `${this.#transport.parent}/models/${modelIdFor(model)}@${version}:mergeVersionAliases`,
      body: { versionAliases: changes },
      schema: vertexModelSchema,
      idempotent: true,
      options,
    });
  }

  async #setStageLabel(id: string, record: VertexModel, stage: Stage, op: string, options: CallOptions | undefined): Promise<void> {
    const labels = { ...record.labels };
    if (stage === "draft") delete labels[LABEL.stage];
    else labels[LABEL.stage] = stage;
    await this.#transport.call({ operation: op, method: "PATCH", path: `${this.#transport.parent}/models/${id}@${versionIdOf(record)}`, query: { updateMask: "labels" }, body: { labels }, schema: vertexModelSchema, idempotent: true, options });
  }

  async #toVersion(name: string, id: string, record: VertexModel, op: string, options: CallOptions | undefined): Promise<ModelVersion> {
    const meta = await this.#meta.readVersion(id, record.labels?.[LABEL.token], { ...options, operation: op });
    return toModelVersion(meta?.model ?? name, record, meta);
  }

  async #files(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<{ files: ArtifactFile[]; dir: string; label: string }> {
    const id = modelIdFor(ref.model);
    const record = await this.#resolve(ref, op, options);
    const label = `${ref.model}/${versionIdOf(record)}`;
    if (!record.artifactUri) throw new NotFoundError(`${label} has no artifactUri`, { provider: PROVIDER, operation: op });
    const { bucket, prefix } = parseGsUri(record.artifactUri);
    if (bucket !== this.#meta.bucket) throw new UnsupportedCapabilityError(`${label} keeps its files in gs://${bucket}, outside this registry's artifactRoot`, { provider: PROVIDER, operation: op, capability: "foreignBucket" });
    const meta = await this.#meta.readVersion(id, record.labels?.[LABEL.token], { ...options, operation: op });
    const files: ArtifactFile[] = meta
      ? meta.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, md5: f.md5 }))
      : (await this.#meta.storage.list(bucket, `${prefix}/`, { ...options, operation: op })).map((o) => ({ path: o.name.slice(prefix.length + 1), size: o.size, ...(o.md5 && { md5: o.md5 }) }));
    return { files, dir: prefix, label };
  }

  async #deletePrefix(prefix: string, op: string): Promise<void> {
    try {
      const objects = await this.#meta.storage.list(this.#meta.bucket, prefix, { operation: op });
      await mapLimit(objects, 8, (o) => this.#meta.storage.delete(this.#meta.bucket, o.name, { operation: op }));
    } catch {
      // Cleanup is best effort: leftover files are unreferenced, never a half-made version.
    }
  }

  /** Sends `models.upload`. After a failure that may have reached Vertex, looks for the token label before resending. */
  async #uploadOnce(id: string, token: string, body: unknown, options: TransferOptions): Promise<{ model?: unknown; modelVersionId?: unknown }> {
    const op = "createVersion";
    const attempts = (options.maxRetries ?? this.#settings.maxRetries ?? 2) + 1;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const first = await this.#transport.call({ operation: op, method: "POST", path: `${this.#transport.parent}/models:upload`, body, schema: operationSchema, idempotent: false, options });
        return (await this.#transport.waitForOperation(first, op, options)) as { modelVersionId?: unknown };
      } catch (error) {
        lastError = error;
        if (!ModelRegistryError.isInstance(error) || !error.isRetryable || options.signal?.aborted) throw error;
        const versions = await this.#allVersions(id, op, options).catch(() => []);
        const found = versions.find((v) => v.labels?.[LABEL.token] === token);
        if (found) return { modelVersionId: versionIdOf(found) };
      }
    }
    throw lastError;
  }
}

function abortError(operation: string, signal: AbortSignal): ModelRegistryError {
  return new AbortedError("aborted by the caller's signal", { provider: PROVIDER, operation, cause: signal.reason });
}

/** A label-safe token for an idempotency key: the first 32 hex digits of its sha256. */
async function tokenFor(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `k${Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Creates a Vertex AI registry client.
 *
 * @example
 * ```ts
 * import { createVertexRegistry } from "modelreg/vertex";
 * const registry = createVertexRegistry({ project: "my-project", location: "us-central1", artifactRoot: "gs://my-bucket/models" });
 * ```
 */
export function createVertexRegistry(settings: VertexRegistrySettings): VertexRegistry {
  return new VertexRegistry(settings);
}

