/**
 * The MLflow registry: the `ModelRegistry` spec over MLflow's REST API (2.x and 3.x servers).
 *
 * @module
 */

import { downloadToDirectory } from "../../artifacts/download.js";
import { selectFiles } from "../../artifacts/select.js";
import { mapLimit } from "../../core/concurrency.js";
import { resolveActor } from "../../runtime/actor.js";
import type { RegistryCapabilities } from "../../core/capabilities.js";
import { ConflictError, InvalidInputError, NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
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
import { paginate, type PageIterable } from "../../core/pagination.js";
import { parseRef, type VersionRef, type VersionRefInput } from "../../core/refs.js";
import type { AliasEntry, ArtifactFile, CreateModelInput, CreateVersionInput, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { ownValue } from "../../core/own-keys.js";
import { assertAlias, assertArtifactPath, assertModelName, assertTags, assertVersion, parseStage, preview } from "../../core/validation.js";
import { assertPageSize, checkTransition, checkUpdateVersionInput, toAliasEntries } from "../../core/version-input.js";
import {
  downloadUriResponse,
  loggedModelResponse,
  modelVersionResponse,
  registeredModelResponse,
  runResponse,
  searchModelsResponse,
  searchVersionsResponse,
  type MlflowModelVersion,
} from "./mlflow-api.js";
import { listFiles, openFile, proxyPath } from "./mlflow-artifacts.js";
import { filesFromTags, tagList, tagRecord, TAG, toMlflowStage, toModelVersion, toRegisteredModel, type RunData } from "./mlflow-convert.js";
import { createMlflowVersion, logParamsAndMetrics, sendOnce } from "./mlflow-create-version.js";
import type { MlflowRegistrySettings } from "./mlflow-settings.js";
import { MlflowTransport, PROVIDER } from "./mlflow-transport.js";

const CAPABILITIES: RegistryCapabilities = Object.freeze({
  stages: "native",
  aliases: true,
  modelTags: true,
  emptyModels: true,
  renameModel: true,
  deleteModel: true,
  deleteVersion: true,
  updateMetrics: true,
  deploy: false,
  audit: false,
  idempotentCreate: true,
  maxPageSize: 1000,
});

/** The MLflow registry. Create it with {@link createMlflowRegistry}. */
export class MlflowRegistry implements ModelRegistry {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly provider = PROVIDER;
  readonly capabilities: RegistryCapabilities = CAPABILITIES;
  readonly events: RegistryEventSource;
  readonly #transport: MlflowTransport;
  readonly #bus: RegistryEventBus;
  readonly #settings: MlflowRegistrySettings;

  /** @param settings - See {@link MlflowRegistrySettings}. */
  constructor(settings: MlflowRegistrySettings = {}) {
    this.#settings = settings;
    this.#transport = new MlflowTransport(settings);
    this.#bus = new RegistryEventBus(settings.onEventError);
    this.events = this.#bus;
  }

  /** The tracking server's base URL. */
  get trackingUri(): string {
    return this.#transport.baseUrl;
  }

  async createModel(input: CreateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "createModel";
    if (typeof input !== "object" || input === null) throw invalidInput(op, "input", "createModel takes { name, description?, tags? }", PROVIDER);
    assertModelName(input.name, op, "name");
    assertTags(input.tags, op);
    // The token tells our own create, whose answer was lost, from a model someone else made meanwhile.
    const token = crypto.randomUUID();
    const res = await sendOnce(
      this.#transport,
      {
        operation: op,
        method: "POST",
        path: "registered-models/create",
        body: { name: input.name, tags: tagList({ ...input.tags, [TAG.clientToken]: token }), ...(input.description !== undefined && { description: input.description }) },
        schema: registeredModelResponse,
        options,
      },
      async () => {
        let found;
        try {
          found = await this.#transport.call({ operation: op, method: "GET", path: "registered-models/get", query: { name: input.name }, schema: registeredModelResponse, options });
        } catch (error) {
          if (NotFoundError.isInstance(error)) return undefined;
          throw error;
        }
        if (found.registered_model.tags?.some((t) => t.key === TAG.clientToken && t.value === token)) return found;
        throw new ConflictError(`registered model ${input.name} already exists`, { provider: PROVIDER, operation: op });
      },
      options ?? {},
    );
    await this.#emit([{ type: "model.created", model: input.name }], options);
    return toRegisteredModel(res.registered_model);
  }

  async getModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    assertModelName(name, "getModel", "name");
    const res = await this.#transport.call({ operation: "getModel", method: "GET", path: "registered-models/get", query: { name }, schema: registeredModelResponse, options });
    return toRegisteredModel(res.registered_model);
  }

  listModels(options: ListModelsOptions = {}): PageIterable<RegisteredModel> {
    const op = "listModels";
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 100;
    const prefix = options.namePrefix ?? "";
    if (typeof prefix !== "string" || /['\\]/.test(prefix)) throw invalidInput(op, "namePrefix", "namePrefix must be a string without quotes or backslashes", PROVIDER);
    assertTags(options.tags, op);
    const clauses = [
      ...(prefix ? [`name LIKE '${prefix.replace(/[%_]/g, (c) => `\\${c}`)}%'`] : []),
      ...Object.entries(options.tags ?? {}).map(([k, v]) => `tags.\`${k.replaceAll("`", "")}\` = '${v.replaceAll("'", "")}'`),
    ];
    return paginate<RegisteredModel>(
      async (token, signal) => {
        const res = await this.#transport.call({
          operation: op,
          method: "GET",
          path: "registered-models/search",
          query: { max_results: pageSize, order_by: "name ASC", ...(clauses.length > 0 && { filter: clauses.join(" AND ") }), ...(token && { page_token: token }) },
          schema: searchModelsResponse,
          options: { ...options, ...(signal && { signal }) },
        });
        // LIKE's `_` matches any character and escaping differs by database: check the prefix here too.
        const items = (res.registered_models ?? []).filter((m) => m.name.startsWith(prefix)).map(toRegisteredModel);
        return { items, ...(res.next_page_token && { nextPageToken: res.next_page_token }) };
      },
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  async updateModel(name: string, patch: UpdateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "updateModel";
    assertModelName(name, op, "name");
    if (typeof patch !== "object" || patch === null) throw invalidInput(op, "patch", "updateModel takes { description?, tags? }", PROVIDER);
    assertTags(patch.tags, op, { allowNull: true });
    if (patch.description !== undefined) {
      await this.#transport.call({ operation: op, method: "PATCH", path: "registered-models/update", body: { name, description: patch.description }, idempotent: true, options });
    }
    for (const [key, value] of Object.entries(patch.tags ?? {})) {
      if (value === null) await this.#transport.call({ operation: op, method: "DELETE", path: "registered-models/delete-tag", body: { name, key }, options });
      else await this.#transport.call({ operation: op, method: "POST", path: "registered-models/set-tag", body: { name, key, value }, idempotent: true, options });
    }
    const model = await this.getModel(name, options);
    await this.#emit([{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }], options);
    return model;
  }

  /** Renames a registered model; its versions and aliases follow. */
  async renameModel(name: string, newName: string, options?: CallOptions): Promise<RegisteredModel> {
    const op = "renameModel";
    assertModelName(name, op, "name");
    assertModelName(newName, op, "newName");
    const res = await this.#transport.call({ operation: op, method: "POST", path: "registered-models/rename", body: { name, new_name: newName }, schema: registeredModelResponse, options });
    await this.#emit([{ type: "model.updated", model: newName, from: name, to: newName, details: { renamedFrom: name } }], options);
    return toRegisteredModel(res.registered_model);
  }

  async deleteModel(name: string, options?: CallOptions): Promise<void> {
    assertModelName(name, "deleteModel", "name");
    await this.#transport.call({ operation: "deleteModel", method: "DELETE", path: "registered-models/delete", body: { name }, options });
    await this.#emit([{ type: "model.deleted", model: name }], options);
  }

  async createVersion(model: string, input: CreateVersionInput, options?: TransferOptions): Promise<ModelVersion> {
    const { version, meta } = await createMlflowVersion({ transport: this.#transport, experimentName: this.#settings.experimentName ?? "modelreg", actor: this.#actor(options) }, model, input, options);
    const events: RegistryEventInput[] = [{ type: "version.created", model, version: version.version, to: version.version }];
    for (const alias of meta.aliases) {
      const { previous } = await this.#setAliasQuiet(model, alias, version.version, options);
      events.push({ type: "alias.set", model, alias, version: version.version, ...(previous !== undefined && { from: previous }), to: version.version });
    }
    await this.#emit(events, options);
    return this.getVersion({ model, version: version.version }, options);
  }

  async getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion> {
    const target = parseRef(ref, "getVersion");
    const version = await this.#getRecord(target, "getVersion", options);
    return toModelVersion(version, await this.#runData(version, options), version.aliases ?? []);
  }

  listVersions(model: string, options: ListVersionsOptions = {}): PageIterable<ModelVersion> {
    const op = "listVersions";
    assertModelName(model, op);
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 100;
    const stage = options.stage === undefined ? undefined : parseStage(options.stage, op);
    assertTags(options.tags, op);
    const clauses = [`name = '${model}'`, ...Object.entries(options.tags ?? {}).map(([k, v]) => `tags.\`${k.replaceAll("`", "")}\` = '${v.replaceAll("'", "")}'`)];
    return paginate<ModelVersion>(
      async (token, signal) => {
        const call = { ...options, ...(signal && { signal }) };
        // Search returns no aliases and does not say whether the model exists: read the model first.
        const registered = await this.getModel(model, call);
        const res = await this.#transport.call({
          operation: op,
          method: "GET",
          path: "model-versions/search",
          query: { filter: clauses.join(" AND "), order_by: "version_number DESC", max_results: pageSize, ...(token && { page_token: token }) },
          schema: searchVersionsResponse,
          options: call,
        });
        const versions = (res.model_versions ?? []).filter((v) => !stage || toMlflowStage(stage) === v.current_stage || (stage === "draft" && !v.current_stage));
        const byVersion = new Map<string, string[]>();
        for (const [alias, v] of Object.entries(registered.aliases)) byVersion.set(v, [...(byVersion.get(v) ?? []), alias]);
        const items = await mapLimit(versions, 8, async (v) => toModelVersion(v, await this.#runData(v, call), byVersion.get(v.version) ?? []));
        return { items, ...(res.next_page_token && { nextPageToken: res.next_page_token }) };
      },
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  async updateVersion(ref: VersionRefInput, patch: UpdateVersionInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "updateVersion";
    const target = parseRef(ref, op);
    checkUpdateVersionInput(patch, op);
    const record = await this.#getRecord(target, op, options);
    const key = { name: record.name, version: record.version };
    if (patch.description !== undefined) {
      await this.#transport.call({ operation: op, method: "PATCH", path: "model-versions/update", body: { ...key, description: patch.description }, idempotent: true, options });
    }
    const tags: Record<string, string | null> = { ...patch.tags, ...(patch.modelCard && { [TAG.modelCard]: JSON.stringify(patch.modelCard) }) };
    for (const [k, value] of Object.entries(tags)) {
      if (value === null) await this.#transport.call({ operation: op, method: "DELETE", path: "model-versions/delete-tag", body: { ...key, key: k }, options });
      else await this.#transport.call({ operation: op, method: "POST", path: "model-versions/set-tag", body: { ...key, key: k, value }, idempotent: true, options });
    }
    if (patch.metrics && Object.keys(patch.metrics).length > 0) {
      if (!record.run_id) throw new UnsupportedCapabilityError(`${record.name}/${record.version} has no run to log metrics to`, { provider: PROVIDER, operation: op, capability: "updateMetrics" });
      await logParamsAndMetrics(this.#transport, record.run_id, {}, patch.metrics, modelIdOf(record), options ?? {});
    }
    await this.#emit([{ type: "version.updated", model: record.name, version: record.version, details: { fields: Object.keys(patch) } }], options);
    return this.getVersion(key.name + "/" + key.version, options);
  }

  async deleteVersion(ref: VersionRefInput, options?: CallOptions): Promise<void> {
    const op = "deleteVersion";
    const record = await this.#getRecord(parseRef(ref, op), op, options);
    await this.#transport.call({ operation: op, method: "DELETE", path: "model-versions/delete", body: { name: record.name, version: record.version }, options });
    await this.#emit([{ type: "version.deleted", model: record.name, version: record.version }], options);
  }

  async setAlias(model: string, alias: string, version: string, options?: CallOptions): Promise<SetAliasResult> {
    const result = await this.#setAliasQuiet(model, alias, version, options);
    if (result.previous !== version) {
      await this.#emit([{ type: "alias.set", model, alias, version, ...(result.previous !== undefined && { from: result.previous }), to: version }], options);
    }
    return result;
  }

  async deleteAlias(model: string, alias: string, options?: CallOptions): Promise<void> {
    const op = "deleteAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    // MLflow deletes a missing alias without complaint; the spec says NotFoundError.
    const previous = await this.resolveAlias(model, alias, options);
    await this.#transport.call({ operation: op, method: "DELETE", path: "registered-models/alias", body: { name: model, alias }, options });
    await this.#emit([{ type: "alias.deleted", model, alias, version: previous, from: previous }], options);
  }

  async resolveAlias(model: string, alias: string, options?: CallOptions): Promise<string> {
    assertModelName(model, "resolveAlias");
    if (alias !== "latest") assertAlias(alias, "resolveAlias");
    return (await this.#getRecord({ model, alias }, "resolveAlias", options)).version;
  }

  async listAliases(model: string, options?: CallOptions): Promise<AliasEntry[]> {
    const { aliases } = await this.getModel(model, options);
    return toAliasEntries(aliases);
  }

  async transitionStage(ref: VersionRefInput, stage: Stage, options: TransitionStageOptions = {}): Promise<ModelVersion> {
    const op = "transitionStage";
    const target = parseRef(ref, op);
    const to = checkTransition(stage, options.archiveExisting, op, PROVIDER);
    const record = await this.#getRecord(target, op, options);
    const before = await this.#others(record.name, to, options);
    const res = await this.#transport.call({
      operation: op,
      method: "POST",
      path: "model-versions/transition-stage",
      body: { name: record.name, version: record.version, stage: toMlflowStage(to), archive_existing_versions: options.archiveExisting ?? false },
      schema: modelVersionResponse,
      idempotent: true,
      options,
    });
    const events: RegistryEventInput[] = [];
    if (options.archiveExisting) {
      for (const v of before.filter((v) => v !== record.version)) events.push({ type: "stage.changed", model: record.name, version: v, stage: "archived", from: to, to: "archived" });
    }
    const from = record.current_stage ? parseStage(record.current_stage, op) : "draft";
    if (from !== to) events.push({ type: "stage.changed", model: record.name, version: record.version, stage: to, from, to });
    await this.#emit(events, options);
    return toModelVersion(res.model_version, await this.#runData(res.model_version, options), res.model_version.aliases ?? []);
  }

  async listArtifacts(ref: VersionRefInput, options?: CallOptions): Promise<ArtifactFile[]> {
    const op = "listArtifacts";
    const record = await this.#getRecord(parseRef(ref, op), op, options);
    // Versions made by modelreg carry a manifest with digests; others are listed from the proxy.
    return filesFromTags(tagRecord(record.tags)) ?? listFiles(this.#transport, await this.#root(record, op, options), { ...options, operation: op });
  }

  async openArtifact(ref: VersionRefInput, path: string, options?: CallOptions): Promise<ArtifactDownload> {
    const op = "openArtifact";
    const target = parseRef(ref, op);
    assertArtifactPath(path, op);
    const record = await this.#getRecord(target, op, options);
    const files = await this.listArtifacts({ model: record.name, version: record.version }, options);
    if (!files.some((f) => f.path === path)) throw new NotFoundError(`${record.name}/${record.version} has no file ${preview(path)}`, { provider: PROVIDER, operation: op });
    const { stream, size } = await openFile(this.#transport, await this.#root(record, op, options), path, { ...options, operation: op });
    return { path, stream, ...(size !== undefined && { size }) };
  }

  async downloadArtifacts(ref: VersionRefInput, directory: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const op = "downloadArtifacts";
    const target = parseRef(ref, op);
    if (typeof directory !== "string" || directory === "") throw invalidInput(op, "directory", "directory must be a path", PROVIDER);
    const record = await this.#getRecord(target, op, options);
    const root = await this.#root(record, op, options);
    const all = await this.listArtifacts({ model: record.name, version: record.version }, options);
    const files = selectFiles(all, options.paths, `${record.name}/${record.version}`, { provider: PROVIDER, operation: op });
    return downloadToDirectory({
      directory,
      files,
      open: async (file, signal) => (await openFile(this.#transport, root, file.path, { ...options, signal, operation: op })).stream,
      ...(options.overwrite !== undefined && { overwrite: options.overwrite }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.signal && { signal: options.signal }),
      ...(options.onProgress && { onProgress: options.onProgress }),
      provider: PROVIDER,
      operation: op,
    });
  }

  /** The version's artifact location as MLflow reports it (`get-download-uri`), e.g. `mlflow-artifacts:/1/models/m-.../artifacts`. */
  async getDownloadUri(ref: VersionRefInput, options?: CallOptions): Promise<string> {
    const op = "getDownloadUri";
    const record = await this.#getRecord(parseRef(ref, op), op, options);
    const res = await this.#transport.call({ operation: op, method: "GET", path: "model-versions/get-download-uri", query: { name: record.name, version: record.version }, schema: downloadUriResponse, options });
    return res.artifact_uri;
  }

  /** MLflow keeps no audit trail this adapter can read: always throws `UnsupportedCapabilityError`. */
  listAuditEvents(_query?: AuditQuery): PageIterable<RegistryEvent> {
    throw new UnsupportedCapabilityError("MLflow keeps no audit trail that modelreg can read; subscribe to registry.events instead", {
      provider: PROVIDER,
      operation: "listAuditEvents",
      capability: "audit",
    });
  }

  /** Tells subscribers about a governance event. MLflow keeps no audit trail, so it is not stored. */
  async recordEvent(input: RegistryEventInput, options?: CallOptions): Promise<RegistryEvent> {
    if (typeof input !== "object" || input === null || typeof input.type !== "string") throw invalidInput("recordEvent", "type", "an event needs a type", PROVIDER);
    assertModelName(input.model, "recordEvent");
    const [event] = await this.#emit([input], options);
    return event as RegistryEvent;
  }

  #emit(inputs: RegistryEventInput[], options: CallOptions | undefined): Promise<RegistryEvent[]> {
    return this.#bus.publish(inputs, PROVIDER, this.#actor(options));
  }

  #actor(options: CallOptions | undefined): string {
    return resolveActor(options?.actor, this.#settings.actor);
  }

  async #setAliasQuiet(model: string, alias: string, version: string, options: CallOptions | undefined): Promise<SetAliasResult> {
    const op = "setAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    assertVersion(version, op);
    const { aliases } = await this.getModel(model, options);
    // Own keys only: an alias named `constructor` that is not set yet has no previous version.
    const previous = ownValue(aliases, alias);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#transport.call({ operation: op, method: "POST", path: "registered-models/alias", body: { name: model, alias, version }, idempotent: true, options });
        break;
      } catch (error) {
        // MLflow sets an alias by looking it up and then inserting it. Two clients setting a new alias at once both
        // insert, and the loser gets its database's unique-constraint error as a 400. The alias exists by then, so
        // sending again updates it, which is what the caller asked for.
        if (attempt >= 3 || !InvalidInputError.isInstance(error) || !/UNIQUE constraint|IntegrityError|Duplicate entry|duplicate key/i.test(error.message)) throw error;
      }
    }
    return previous === undefined ? {} : { previous };
  }

  async #getRecord(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<MlflowModelVersion> {
    if ("version" in ref) {
      const res = await this.#transport.call({ operation: op, method: "GET", path: "model-versions/get", query: { name: ref.model, version: ref.version }, schema: modelVersionResponse, options });
      return res.model_version;
    }
    if (ref.alias === "latest") {
      // The server's own "latest" picks per-stage latest versions; the highest number is what users mean.
      const res = await this.#transport.call({
        operation: op,
        method: "GET",
        path: "model-versions/search",
        query: { filter: `name = '${ref.model}'`, order_by: "version_number DESC", max_results: 1 },
        schema: searchVersionsResponse,
        options,
      });
      const top = res.model_versions?.[0];
      if (!top) {
        await this.getModel(ref.model, options);
        throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no versions`, { provider: PROVIDER, operation: op });
      }
      return this.#getRecord({ model: ref.model, version: top.version }, op, options);
    }
    try {
      const res = await this.#transport.call({ operation: op, method: "GET", path: "registered-models/alias", query: { name: ref.model, alias: ref.alias }, schema: modelVersionResponse, options });
      return res.model_version;
    } catch (error) {
      // MLflow answers an unknown alias with 400 INVALID_PARAMETER_VALUE.
      if (InvalidInputError.isInstance(error) && error.providerCode === "INVALID_PARAMETER_VALUE") {
        throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, { provider: PROVIDER, operation: op, cause: error });
      }
      throw error;
    }
  }

  async #runData(version: MlflowModelVersion, options: CallOptions | undefined): Promise<RunData | undefined> {
    if (!version.run_id) return undefined;
    try {
      const res = await this.#transport.call({ operation: "getRun", method: "GET", path: "runs/get", query: { run_id: version.run_id }, schema: runResponse, options });
      const data = res.run.data;
      const tags = tagRecord(data?.tags);
      return {
        params: Object.fromEntries((data?.params ?? []).map((p) => [p.key, p.value ?? ""])),
        metrics: Object.fromEntries((data?.metrics ?? []).map((m) => [m.key, m.value])),
        ...(tags["mlflow.user"] && { user: tags["mlflow.user"] }),
      };
    } catch (error) {
      // A version registered from a run that was deleted since still reads, without params and metrics.
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    }
  }

  async #others(model: string, stage: Stage, options: CallOptions | undefined): Promise<string[]> {
    const res = await this.#transport.call({ operation: "transitionStage", method: "GET", path: "model-versions/search", query: { filter: `name = '${model}'`, max_results: 1000 }, schema: searchVersionsResponse, options });
    return (res.model_versions ?? []).filter((v) => v.current_stage === toMlflowStage(stage)).map((v) => v.version);
  }

  async #root(version: MlflowModelVersion, op: string, options: CallOptions | undefined): Promise<string> {
    const modelId = modelIdOf(version);
    if (modelId) {
      const res = await this.#transport.call({ operation: op, method: "GET", path: `logged-models/${modelId}`, schema: loggedModelResponse, options });
      return proxyPath(res.model.info.artifact_uri ?? "", this.#transport, op);
    }
    const res = await this.#transport.call({ operation: op, method: "GET", path: "model-versions/get-download-uri", query: { name: version.name, version: version.version }, schema: downloadUriResponse, options });
    return proxyPath(res.artifact_uri, this.#transport, op);
  }
}

/** The logged model behind a version: OSS servers never return `model_id`, but the source names it. */
function modelIdOf(version: MlflowModelVersion): string | undefined {
  return version.model_id || /^models:\/(m-[0-9a-f]+)$/.exec(version.source ?? "")?.[1];
}

/**
 * Creates an MLflow registry client. Settings fall back to `MLFLOW_TRACKING_URI`, `MLFLOW_TRACKING_TOKEN`,
 * `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`.
 *
 * @example
 * ```ts
 * import { createMlflowRegistry } from "modelreg/mlflow";
 * const registry = createMlflowRegistry({ trackingUri: "http://127.0.0.1:5000" });
 * const v = await registry.createVersion("fraud", { artifacts: { directory: "out/model" }, metrics: { auc: 0.93 } });
 * ```
 */
export function createMlflowRegistry(settings: MlflowRegistrySettings = {}): MlflowRegistry {
  return new MlflowRegistry(settings);
}

