/**
 * The W&B registry: model versions as W&B artifact versions of type `model`, uploaded the way W&B's own client does
 * it, with aliases, stages as managed aliases, and links into the W&B Registry.
 *
 * @module
 */

import { downloadToDirectory } from "../../artifacts/download.js";
import { resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { selectFiles } from "../../artifacts/select.js";
import type { RegistryCapabilities } from "../../core/capabilities.js";
import { InvalidInputError, NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
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
import { ownValue, setOwn } from "../../core/own-keys.js";
import { assertAlias, assertArtifactPath, assertModelName, assertTags, assertVersion, parseStage, preview } from "../../core/validation.js";
import { assertPageSize, checkCreateVersionInput, checkTransition, checkUpdateVersionInput, toAliasEntries } from "../../core/version-input.js";
import { resolveActor } from "../../runtime/actor.js";
import { responses, type WandbMembership } from "./wandb-api.js";
import { logArtifactVersion } from "./wandb-create-version.js";
import { fileUrls, listManifestFiles, openSigned, openVerified } from "./wandb-files.js";
import { MANAGED_ALIASES, STAGE_KEY, parseMetadata, scopedAliases, toModelVersion, wandbTags, type FoundVersion, type StoredMetadata } from "./wandb-metadata.js";
import type { WandbRegistrySettings } from "./wandb-settings.js";
import { PROVIDER, WandbTransport } from "./wandb-transport.js";

const CAPABILITIES: RegistryCapabilities = Object.freeze({
  stages: "alias",
  aliases: true,
  modelTags: false,
  emptyModels: false,
  renameModel: false,
  deleteModel: false,
  deleteVersion: true,
  updateMetrics: true,
  deploy: false,
  audit: false,
  idempotentCreate: true,
  maxPageSize: 1000,
});

/** W&B's default project when none is named, as its own clients use. */
const DEFAULT_PROJECT = "uncategorized";
/** Listing shows committed versions only: a version still uploading (PENDING) is not one yet. */
const COMMITTED = JSON.stringify({ state: "COMMITTED" });
const REGISTRY_NAME = /^[A-Za-z0-9_-]+$/;
const REGISTRY_PREFIX = "wandb-registry-";

/** Where {@link WandbRegistry.link} puts a version. */
export interface LinkTarget {
  /** The registry, e.g. `model` (the project `wandb-registry-model` under the org entity). */
  registry: string;
  /** The registry collection; created on the first link. */
  collection: string;
  /** Aliases to set in the registry collection. Protected ones need a registry admin. */
  aliases?: string[];
}

/** What {@link WandbRegistry.link} did. */
export interface LinkResult {
  /** The organisation's entity the registry lives under. */
  orgEntity: string;
  /** The registry's project, `wandb-registry-<registry>`. */
  project: string;
  /** The version's number within the registry collection. */
  version: string;
}

/** One collection a version is linked into, as {@link WandbRegistry.listLinks} reports it. */
export interface LinkedCollection {
  /** The entity of the collection's project (the org entity, for the W&B Registry). */
  entity: string;
  /** The collection's project. */
  project: string;
  /** The registry's name when the project is a W&B Registry (`wandb-registry-<registry>`). */
  registry?: string;
  /** The collection. */
  collection: string;
  /** The version's number in that collection. */
  version: string;
  /** Its aliases there, `latest` included. */
  aliases: string[];
}

/** The W&B registry. Create it with {@link createWandbRegistry}. */
export class WandbRegistry implements ModelRegistry {
  /** The spec version. */
  readonly specificationVersion = SPECIFICATION_VERSION;
  /** `wandb`. */
  readonly provider = PROVIDER;
  /** What W&B supports: stages as managed aliases, no empty collections, no audit trail. */
  readonly capabilities: RegistryCapabilities = CAPABILITIES;
  /** Changes made through this client. */
  readonly events: RegistryEventSource;
  #t: WandbTransport;
  #bus: RegistryEventBus;
  readonly #settings: WandbRegistrySettings;
  readonly #project: string;
  #entity: Promise<string> | undefined;
  #features: Promise<Record<string, boolean>> | undefined;
  /** The tail of the create queue per collection: W&B numbers versions in commit order, so creates go one at a time. */
  #queues = new Map<string, Promise<unknown>>();

  /** @param settings - See {@link WandbRegistrySettings}. */
  constructor(settings: WandbRegistrySettings = {}) {
    this.#settings = settings;
    this.#t = new WandbTransport(settings);
    const env = settings.env ?? process.env;
    this.#project = settings.project ?? env.WANDB_PROJECT ?? DEFAULT_PROJECT;
    const entity = settings.entity ?? env.WANDB_ENTITY;
    if (entity) this.#entity = Promise.resolve(entity);
    this.#bus = new RegistryEventBus(settings.onEventError);
    this.events = this.#bus;
  }

  /** The entity versions are logged under: from settings, `WANDB_ENTITY`, or the API key's own. */
  entity(options?: CallOptions): Promise<string> {
    this.#entity ??= this.#t.gql("Viewer", {}, responses.viewer, { ...options, operation: "viewer" }).then((d) => {
      if (!d.viewer?.entity) throw new NotFoundError("the API key has no default entity; pass entity or set WANDB_ENTITY", { provider: PROVIDER, operation: "viewer" });
      return d.viewer.entity;
    });
    this.#entity.catch(() => {
      this.#entity = undefined;
    });
    return this.#entity;
  }

  /** The project versions are logged in: from settings, `WANDB_PROJECT`, or W&B's default `uncategorized`. */
  get project(): string {
    return this.#project;
  }

  /**
   * The server's feature flags (`serverInfo.features`), read once. A server too old to have the field answers
   * "Cannot query field"; that means no optional features, as W&B's own client reads it.
   */
  features(options?: CallOptions): Promise<Record<string, boolean>> {
    this.#features ??= this.#t
      .gql("ServerFeatures", {}, responses.features, { ...options, operation: "features" })
      .then((d) => Object.fromEntries((d.serverInfo?.features ?? []).filter((f): f is { name: string; isEnabled: boolean } => f !== null).map((f) => [f.name, f.isEnabled])))
      .catch((error: unknown) => {
        if (InvalidInputError.isInstance(error) && /Cannot query field/.test(error.message)) return {};
        this.#features = undefined;
        throw error;
      });
    return this.#features;
  }

  /**
   * The same registry API over a W&B Registry (`wandb-registry-<name>` under the organisation's entity): reading a
   * linked version works exactly as reading through a project, with the registry collection's numbers and aliases.
   */
  async inRegistry(registry: string, options?: CallOptions): Promise<WandbRegistry> {
    if (typeof registry !== "string" || !REGISTRY_NAME.test(registry)) throw invalidInput("inRegistry", "registry", "name the registry, e.g. model", PROVIDER);
    return this.#view(await this.#orgEntity("inRegistry", options), `${REGISTRY_PREFIX}${registry}`);
  }

  /**
   * Reads a version by W&B's own path, `entity/project/name:alias` or `entity/project/name:v3` (entity and project
   * may be left out, then this registry's are used). Registry paths (`acme-org/wandb-registry-model/fraud:v0`) work
   * the same way.
   */
  async getByPath(path: string, options?: CallOptions): Promise<ModelVersion> {
    const op = "getByPath";
    const m = typeof path === "string" ? /^(?:([^/:]+)\/)?(?:([^/:]+)\/)?([^/:]+):([^/:]+)$/.exec(path) : null;
    if (!m) throw invalidInput(op, "path", `expected entity/project/name:alias or name:v3, got ${preview(path)}`, PROVIDER);
    const [, first, second, name = "", version = ""] = m;
    const entity = second !== undefined ? first : undefined;
    const project = second ?? first;
    const view = entity || project ? this.#view(entity ?? (await this.entity(options)), project ?? this.#project) : this;
    const vm = /^v(\d+)$/.exec(version);
    return view.getVersion(vm ? { model: name, version: vm[1] as string } : { model: name, alias: version }, options);
  }

  /** W&B creates a collection with its first version: throws `UnsupportedCapabilityError`. */
  async createModel(input: CreateModelInput): Promise<RegisteredModel> {
    assertModelName(input?.name, "createModel", "name");
    throw new UnsupportedCapabilityError("W&B creates an artifact collection with its first version: call createVersion", { provider: PROVIDER, operation: "createModel", capability: "emptyModels" });
  }

  /** Reads a collection. */
  async getModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    assertModelName(name, "getModel", "name");
    const page = await this.#versionsPage(name, undefined, CAPABILITIES.maxPageSize, "getModel", options);
    if (!page) throw new NotFoundError(`no collection ${JSON.stringify(name)} in ${await this.entity(options)}/${this.#project}`, { provider: PROVIDER, operation: "getModel" });
    const aliases: Record<string, string> = {};
    for (const v of page.items) for (const a of v.aliases) if (!MANAGED_ALIASES.has(a)) setOwn(aliases, a, String(v.versionIndex));
    const created = page.items.at(-1)?.artifact.createdAt ?? new Date(0).toISOString();
    const latest = page.items[0]?.artifact;
    return {
      name,
      ...(page.description && { description: page.description }),
      tags: {},
      aliases,
      createdAt: new Date(created),
      updatedAt: new Date(latest?.updatedAt ?? latest?.createdAt ?? created),
      ...(page.items[0] && { latestVersion: String(page.items[0].versionIndex) }),
    };
  }

  /** Lists the project's collections. */
  listModels(options: ListModelsOptions = {}): PageIterable<RegisteredModel> {
    const op = "listModels";
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 50;
    return paginate<RegisteredModel>(
      async (token, signal) => {
        const call = { ...options, ...(signal && { signal }), operation: op };
        const d = await this.#t.gql("Collections", { entity: await this.entity(call), project: this.#project, first: pageSize, after: token ?? null }, responses.collections, call);
        const conn = d.project?.artifactCollections;
        const items = (conn?.edges ?? [])
          .map((e) => e.node)
          .filter((c) => c.name.startsWith(options.namePrefix ?? ""))
          .map((c) => ({ name: c.name, ...(c.description && { description: c.description }), tags: {}, aliases: {}, createdAt: new Date(c.createdAt), updatedAt: new Date(c.createdAt) }));
        return { items, ...(conn?.pageInfo.hasNextPage && conn.pageInfo.endCursor && { nextPageToken: conn.pageInfo.endCursor }) };
      },
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  /** Updates the collection's description. W&B collections have no key/value tags (`capabilities.modelTags`). */
  async updateModel(name: string, patch: UpdateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "updateModel";
    assertModelName(name, op, "name");
    if (typeof patch !== "object" || patch === null) throw invalidInput(op, "patch", "updateModel takes { description? }", PROVIDER);
    if (patch.tags !== undefined && Object.keys(patch.tags).length > 0) {
      throw new UnsupportedCapabilityError("W&B collections have no key/value tags; keep them on versions", { provider: PROVIDER, operation: op, capability: "modelTags" });
    }
    if (patch.description !== undefined && typeof patch.description !== "string") throw invalidInput(op, "description", "description must be a string", PROVIDER);
    const page = await this.#versionsPage(name, undefined, 1, op, options);
    if (!page) throw new NotFoundError(`no collection ${JSON.stringify(name)}`, { provider: PROVIDER, operation: op });
    if (patch.description !== undefined) {
      await this.#t.gql("UpdateArtifactSequence", { id: page.collectionId, description: patch.description }, responses.any, { ...options, operation: op, idempotent: true });
    }
    await this.#emit([{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }], options);
    return this.getModel(name, options);
  }

  /** Deleting a whole collection is not offered; delete its versions instead. */
  async deleteModel(name: string): Promise<void> {
    assertModelName(name, "deleteModel", "name");
    throw new UnsupportedCapabilityError("deleting a W&B collection is not supported; delete its versions", { provider: PROVIDER, operation: "deleteModel", capability: "deleteModel" });
  }

  /**
   * Logs a version the way W&B's client does: a run (`upsertBucket`), `createArtifact`, the manifest placeholder,
   * `createArtifactFiles` in batches and PUTs to the signed URLs (files the server already has are skipped), the
   * manifest, `commitArtifact`, and the run's completion. Content identical to an existing version returns that
   * version, as W&B does, with the requested aliases moved onto it. Creates of one collection through this client go
   * one at a time, so versions are numbered in order.
   */
  async createVersion(model: string, input: CreateVersionInput, options: TransferOptions = {}): Promise<ModelVersion> {
    const op = "createVersion";
    assertModelName(model, op);
    const meta = checkCreateVersionInput(input, op);
    for (const alias of meta.aliases) if (MANAGED_ALIASES.has(alias)) throw invalidInput(op, "aliases", `${alias} is managed by the adapter`, PROVIDER);
    const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: op });
    const call = { ...options, operation: op };
    return this.#serial(model, async () => {
      const entity = await this.entity(call);
      if (input.createModel === false) await this.getModel(model, call);
      const ctx = { transport: this.#t, settings: this.#settings, entity, project: this.#project, features: await this.features(call) };
      const logged = await logArtifactVersion(ctx, model, meta, files, call);
      const found = await this.#found(logged.artifactID, model, call);
      const events: RegistryEventInput[] = [];
      if (logged.deduplicated) {
        // W&B does not say whether a deduplicated create applies its aliases, so they are set explicitly.
        const missing = meta.aliases.filter((a) => !found.aliases.includes(a));
        for (const alias of missing) {
          const previous = await this.#holder(model, alias, op, call);
          await this.#aliases("AddAliases", found.artifact.id, model, [alias], op, call);
          events.push({ type: "alias.set", model, alias, version: String(found.versionIndex), ...(previous !== undefined && { from: previous }), to: String(found.versionIndex) });
        }
        if (missing.length > 0) found.aliases.push(...missing);
      } else {
        const version = String(found.versionIndex);
        events.push({ type: "version.created", model, version, to: version });
        for (const alias of meta.aliases) events.push({ type: "alias.set", model, alias, version, to: version });
      }
      await this.#emit(events, options);
      return toModelVersion(model, found);
    });
  }

  /** Reads a version by number (`v3` on W&B), alias, or `latest`. */
  async getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion> {
    const target = parseRef(ref, "getVersion");
    return toModelVersion(target.model, await this.#resolve(target, "getVersion", options));
  }

  /** Lists a collection's committed versions, newest first, with cursor pagination. */
  listVersions(model: string, options: ListVersionsOptions = {}): PageIterable<ModelVersion> {
    const op = "listVersions";
    assertModelName(model, op);
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 50;
    // Checked at the call like every adapter's list filters; parsed so "Production" filters as "production".
    const stage = options.stage === undefined ? undefined : parseStage(options.stage, op);
    assertTags(options.tags, op);
    return paginate<ModelVersion>(
      async (token, signal) => {
        const page = await this.#versionsPage(model, token, pageSize, op, { ...options, ...(signal && { signal }) });
        if (!page) throw new NotFoundError(`no collection ${JSON.stringify(model)}`, { provider: PROVIDER, operation: op });
        const items = page.items.map((f) => toModelVersion(model, f)).filter((v) => (!stage || v.stage === stage) && Object.entries(options.tags ?? {}).every(([k, t]) => ownValue(v.tags, k) === t));
        return { items, ...(page.next && { nextPageToken: page.next }) };
      },
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  /**
   * Updates description, metrics, tags and model card (kept in the artifact's metadata, which W&B replaces whole).
   * Tags are also added to and removed from the version's W&B tags where the server has them.
   */
  async updateVersion(ref: VersionRefInput, patch: UpdateVersionInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "updateVersion";
    const target = parseRef(ref, op);
    checkUpdateVersionInput(patch, op);
    const found = await this.#resolve(target, op, options);
    const meta = parseMetadata(found.artifact.metadata);
    const tags = { ...meta.tags };
    for (const [k, v] of Object.entries(patch.tags ?? {})) {
      if (v === null) delete tags[k];
      else setOwn(tags, k, v);
    }
    const next: StoredMetadata = { ...meta, tags, metrics: { ...meta.metrics, ...patch.metrics }, ...(patch.modelCard && { modelCard: patch.modelCard }) };
    const input: Record<string, unknown> = { artifactID: found.artifact.id, metadata: JSON.stringify(next), ...(patch.description !== undefined && { description: patch.description }) };
    if ((await this.features({ ...options })).ARTIFACT_TAGS && patch.tags) {
      const before = new Set(wandbTags(meta.tags ?? {}).map((t) => t.tagName));
      const after = new Set(wandbTags(tags).map((t) => t.tagName));
      const add = [...after].filter((t) => !before.has(t)).map((tagName) => ({ tagName }));
      const remove = [...before].filter((t) => !after.has(t)).map((tagName) => ({ tagName }));
      if (add.length > 0) input.tagsToAdd = add;
      if (remove.length > 0) input.tagsToDelete = remove;
    }
    await this.#t.gql("UpdateArtifact", { input }, responses.any, { ...options, operation: op, idempotent: true });
    await this.#emit([{ type: "version.updated", model: target.model, version: String(found.versionIndex), details: { fields: Object.keys(patch) } }], options);
    return toModelVersion(target.model, await this.#resolve({ model: target.model, version: String(found.versionIndex) }, op, options));
  }

  /** Deletes a version with its aliases. */
  async deleteVersion(ref: VersionRefInput, options?: CallOptions): Promise<void> {
    const op = "deleteVersion";
    const target = parseRef(ref, op);
    const found = await this.#resolve(target, op, options);
    await this.#t.gql("DeleteArtifact", { artifactID: found.artifact.id, deleteAliases: true }, responses.any, { ...options, operation: op, idempotent: true });
    await this.#emit([{ type: "version.deleted", model: target.model, version: String(found.versionIndex) }], options);
  }

  /** Points an alias at a version; W&B moves it from any other version of the collection. */
  async setAlias(model: string, alias: string, version: string, options?: CallOptions): Promise<SetAliasResult> {
    const op = "setAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    assertVersion(version, op);
    if (MANAGED_ALIASES.has(alias)) throw invalidInput(op, "alias", `${alias} is managed by the adapter`, PROVIDER);
    const found = await this.#resolve({ model, version }, op, options);
    const previous = await this.#holder(model, alias, op, options);
    await this.#aliases("AddAliases", found.artifact.id, model, [alias], op, options);
    if (previous !== version) await this.#emit([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }], options);
    return previous === undefined ? {} : { previous };
  }

  /** Removes an alias. */
  async deleteAlias(model: string, alias: string, options?: CallOptions): Promise<void> {
    const op = "deleteAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    if (MANAGED_ALIASES.has(alias)) throw invalidInput(op, "alias", `${alias} is managed by the adapter`, PROVIDER);
    const found = await this.#resolve({ model, alias }, op, options);
    await this.#aliases("DeleteAliases", found.artifact.id, model, [alias], op, options);
    const version = String(found.versionIndex);
    await this.#emit([{ type: "alias.deleted", model, alias, version, from: version }], options);
  }

  /** The version an alias points at. */
  async resolveAlias(model: string, alias: string, options?: CallOptions): Promise<string> {
    assertModelName(model, "resolveAlias");
    // parseRef checks the alias before it goes into a GraphQL query.
    return String((await this.#resolve(parseRef({ model, alias }, "resolveAlias"), "resolveAlias", options)).versionIndex);
  }

  /** The user's aliases (not `latest` or the stage aliases). */
  async listAliases(model: string, options?: CallOptions): Promise<AliasEntry[]> {
    return toAliasEntries((await this.getModel(model, options)).aliases);
  }

  /** Moves a version to a stage: kept in its metadata, with `staging` and `production` as managed aliases. */
  async transitionStage(ref: VersionRefInput, stage: Stage, options: TransitionStageOptions = {}): Promise<ModelVersion> {
    const op = "transitionStage";
    const target = parseRef(ref, op);
    const to = checkTransition(stage, options.archiveExisting, op, PROVIDER);
    const found = await this.#resolve(target, op, options);
    const version = String(found.versionIndex);
    const from = parseMetadata(found.artifact.metadata)[STAGE_KEY] ?? "draft";
    const events: RegistryEventInput[] = [];
    // The version moves first: if W&B refuses its stage alias, the versions it would have archived stay as they are.
    await this.#setStage(target.model, found, to, op, options);
    if (from !== to) events.push({ type: "stage.changed", model: target.model, version, stage: to, from, to });
    if (options.archiveExisting) {
      for await (const other of this.listVersions(target.model, { ...options, stage: to })) {
        if (other.version === version) continue;
        await this.#setStage(target.model, await this.#resolve({ model: target.model, version: other.version }, op, options), "archived", op, options);
        events.push({ type: "stage.changed", model: target.model, version: other.version, stage: "archived", from: to, to: "archived" });
      }
    }
    await this.#emit(events, options);
    return toModelVersion(target.model, await this.#resolve({ model: target.model, version }, op, options));
  }

  /** The files, from the version's manifest, with their base64 MD5. */
  async listArtifacts(ref: VersionRefInput, options?: CallOptions): Promise<ArtifactFile[]> {
    const op = "listArtifacts";
    const found = await this.#resolve(parseRef(ref, op), op, options);
    return listManifestFiles(this.#t, found.artifact, { ...options, operation: op });
  }

  /** Streams one file from its signed URL, checking its MD5 as it streams. */
  async openArtifact(ref: VersionRefInput, path: string, options?: CallOptions): Promise<ArtifactDownload> {
    const op = "openArtifact";
    const target = parseRef(ref, op);
    assertArtifactPath(path, op);
    const call = { ...options, operation: op };
    const found = await this.#resolve(target, op, options);
    const file = (await listManifestFiles(this.#t, found.artifact, call)).find((f) => f.path === path);
    if (!file) throw new NotFoundError(`${target.model}:v${found.versionIndex} has no file ${preview(path)}`, { provider: PROVIDER, operation: op });
    const urls = await fileUrls(this.#t, found.artifact.id, [path], call);
    return { path, stream: await openVerified(this.#t, urls.get(path), file, call), ...(file.size !== undefined && { size: file.size }) };
  }

  /** Downloads files into a directory; each file's MD5 is checked while it streams (W&B's own client does not). */
  async downloadArtifacts(ref: VersionRefInput, directory: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const op = "downloadArtifacts";
    const target = parseRef(ref, op);
    if (typeof directory !== "string" || directory === "") throw invalidInput(op, "directory", "directory must be a path", PROVIDER);
    const call = { ...options, operation: op };
    const found = await this.#resolve(target, op, options);
    const files = selectFiles(await listManifestFiles(this.#t, found.artifact, call), options.paths, `${target.model}:v${found.versionIndex}`, { provider: PROVIDER, operation: op });
    // One listing of signed URLs for the whole version instead of a query per file.
    const urls = await fileUrls(this.#t, found.artifact.id, options.paths ? files.map((f) => f.path) : undefined, call);
    return downloadToDirectory({
      directory,
      files,
      // downloadToDirectory checks each file's MD5 (and size) as it streams; checking it here too would hash twice.
      open: (file, signal) => openSigned(this.#t, urls.get(file.path), file, { ...call, signal }),
      ...(options.overwrite !== undefined && { overwrite: options.overwrite }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.signal && { signal: options.signal }),
      ...(options.onProgress && { onProgress: options.onProgress }),
      provider: PROVIDER,
      operation: op,
    });
  }

  /** Links a version into a W&B Registry collection (`wandb-registry-<registry>` under the org entity). */
  async link(ref: VersionRefInput, target: LinkTarget, options?: CallOptions): Promise<LinkResult> {
    const op = "link";
    const parsed = parseRef(ref, op);
    const project = registryProject(target?.registry, op);
    assertModelName(target.collection, op, "collection");
    if (target.aliases !== undefined && !Array.isArray(target.aliases)) throw invalidInput(op, "aliases", "aliases must be an array of alias names", PROVIDER);
    for (const alias of target.aliases ?? []) assertAlias(alias, op);
    const found = await this.#resolve(parsed, op, options);
    const orgEntity = await this.#orgEntity(op, options);
    const aliases = (target.aliases ?? []).map((alias) => ({ alias, artifactCollectionName: target.collection }));
    const res = await this.#t.gql("LinkArtifact", { artifactID: found.artifact.id, entityName: orgEntity, projectName: project, portfolio: target.collection, aliases }, responses.link, { ...options, operation: op, idempotent: true });
    return { orgEntity, project, version: String(res.linkArtifact?.versionIndex ?? "") };
  }

  /** The collections a version is linked into (W&B Registry collections and other portfolios), not its own. */
  async listLinks(ref: VersionRefInput, options?: CallOptions): Promise<LinkedCollection[]> {
    const op = "listLinks";
    const found = await this.#resolve(parseRef(ref, op), op, options);
    return (await this.#memberships(found.artifact.id, op, options)).map(({ collectionId: _id, ...link }) => link);
  }

  /** Removes a version's link from a W&B Registry collection. */
  async unlink(ref: VersionRefInput, target: { registry: string; collection: string }, options?: CallOptions): Promise<void> {
    const op = "unlink";
    const parsed = parseRef(ref, op);
    const project = registryProject(target?.registry, op);
    assertModelName(target.collection, op, "collection");
    const found = await this.#resolve(parsed, op, options);
    const orgEntity = await this.#orgEntity(op, options);
    const link = (await this.#memberships(found.artifact.id, op, options)).find((m) => m.entity === orgEntity && m.project === project && m.collection === target.collection);
    if (!link) throw new NotFoundError(`${parsed.model}:v${found.versionIndex} is not linked into ${project}/${target.collection}`, { provider: PROVIDER, operation: op });
    await this.#t.gql("UnlinkArtifact", { artifactID: found.artifact.id, portfolioID: link.collectionId }, responses.any, { ...options, operation: op, idempotent: true });
  }

  /** W&B keeps no audit trail modelreg can read: throws `UnsupportedCapabilityError`. */
  listAuditEvents(_query?: AuditQuery): PageIterable<RegistryEvent> {
    throw new UnsupportedCapabilityError("W&B keeps no audit trail modelreg can read; subscribe to registry.events", { provider: PROVIDER, operation: "listAuditEvents", capability: "audit" });
  }

  /** Tells subscribers about a governance event; W&B stores none. */
  async recordEvent(input: RegistryEventInput, options?: CallOptions): Promise<RegistryEvent> {
    if (typeof input !== "object" || input === null || typeof input.type !== "string") throw invalidInput("recordEvent", "type", "an event needs a type", PROVIDER);
    assertModelName(input.model, "recordEvent");
    const [event] = await this.#emit([input], options);
    return event as RegistryEvent;
  }

  /** Another project (or a registry) through the same transport, events and feature flags. */
  #view(entity: string, project: string): WandbRegistry {
    const view = new WandbRegistry({ ...this.#settings, entity, project });
    view.#t = this.#t;
    view.#bus = this.#bus;
    (view as { events: RegistryEventSource }).events = this.#bus;
    view.#features = this.#features;
    return view;
  }

  #emit(inputs: RegistryEventInput[], options: CallOptions | undefined): Promise<RegistryEvent[]> {
    return this.#bus.publish(inputs, PROVIDER, resolveActor(options?.actor, this.#settings.actor));
  }

  async #serial<T>(model: string, run: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(model) ?? Promise.resolve();
    const mine = before.then(run, run);
    const tail = mine.catch(() => undefined);
    this.#queues.set(model, tail);
    try {
      return await mine;
    } finally {
      if (this.#queues.get(model) === tail) this.#queues.delete(model);
    }
  }

  /** A version by artifact id, as a member of this project's collection `model`. */
  async #found(id: string, model: string, options: CallOptions & { operation: string }): Promise<FoundVersion> {
    const d = await this.#t.gql("ArtifactById", { id }, responses.byId, options);
    if (!d.artifact) throw new NotFoundError(`artifact ${id} not found`, { provider: PROVIDER, operation: options.operation });
    return { artifact: d.artifact, versionIndex: d.artifact.versionIndex ?? 0, aliases: scopedAliases(d.artifact, await this.entity(options), this.#project, model) };
  }

  /**
   * A version as a member of this project's collection: by `project.artifactCollectionMembership` where the server
   * has it (PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP, as W&B's current client reads), else through the collection's
   * `artifactMembership`. Either gives the number and aliases within this collection, which for a registry link are
   * not the artifact's own.
   */
  async #resolve(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<FoundVersion> {
    const selector = "version" in ref ? `v${ref.version}` : ref.alias;
    const call = { ...options, operation: op };
    const entity = await this.entity(call);
    let m: WandbMembership | null | undefined;
    if ((await this.features(call)).PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP) {
      const d = await this.#t.gql("MembershipByName", { entity, project: this.#project, name: `${ref.model}:${selector}` }, responses.membershipByName, call);
      m = d.project?.artifactCollectionMembership;
    } else {
      const d = await this.#t.gql("MembershipByAlias", { entity, project: this.#project, collection: ref.model, alias: selector }, responses.membershipByAlias, call);
      m = d.project?.artifactCollection?.artifactMembership;
    }
    const a = m?.artifact;
    if (!m || !a || a.state !== "COMMITTED") throw new NotFoundError(`${ref.model}:${selector} not found in ${entity}/${this.#project}`, { provider: PROVIDER, operation: op });
    return { artifact: a, versionIndex: m.versionIndex ?? a.versionIndex ?? 0, aliases: m.aliases.map((x) => x.alias) };
  }

  async #holder(model: string, alias: string, op: string, options: CallOptions | undefined): Promise<string | undefined> {
    try {
      return String((await this.#resolve({ model, alias }, op, options)).versionIndex);
    } catch (error) {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    }
  }

  async #versionsPage(model: string, after: string | undefined, first: number, op: string, options: CallOptions | undefined): Promise<{ collectionId: string; description: string | undefined; items: FoundVersion[]; next: string | undefined } | undefined> {
    const entity = await this.entity(options);
    const d = await this.#t.gql("CollectionVersions", { entity, project: this.#project, collection: model, first, after: after ?? null, filters: COMMITTED }, responses.versions, { ...options, operation: op });
    const c = d.project?.artifactCollection;
    if (!c) return undefined;
    const conn = c.artifacts;
    const items = (conn?.edges ?? []).map((e) => ({ artifact: e.node, versionIndex: Number(e.version.replace(/^v/, "")), aliases: scopedAliases(e.node, entity, this.#project, model) }));
    return { collectionId: c.id, description: c.description ?? undefined, items, next: conn?.pageInfo.hasNextPage ? (conn.pageInfo.endCursor ?? undefined) : undefined };
  }

  async #memberships(artifactID: string, op: string, options: CallOptions | undefined): Promise<Array<LinkedCollection & { collectionId: string }>> {
    const d = await this.#t.gql("ArtifactLinks", { id: artifactID }, responses.links, { ...options, operation: op });
    if (!d.artifact) throw new NotFoundError(`artifact ${artifactID} not found`, { provider: PROVIDER, operation: op });
    const out: Array<LinkedCollection & { collectionId: string }> = [];
    for (const e of d.artifact.artifactMemberships.edges) {
      const c = e.node?.artifactCollection;
      // The home sequence is where the version was logged, not a link.
      if (!e.node || !c || c.__typename === "ArtifactSequence") continue;
      const project = c.project.name;
      out.push({
        collectionId: c.id,
        entity: c.project.entity.name,
        project,
        ...(project.startsWith(REGISTRY_PREFIX) && { registry: project.slice(REGISTRY_PREFIX.length) }),
        collection: c.name,
        version: String(e.node.versionIndex ?? ""),
        aliases: e.node.aliases.map((x) => x.alias),
      });
    }
    return out;
  }

  async #aliases(op: "AddAliases" | "DeleteAliases", artifactID: string, model: string, aliases: string[], operation: string, options: CallOptions | undefined): Promise<void> {
    const entity = await this.entity(options);
    await this.#t.gql(op, { artifactID, aliases: aliases.map((alias) => ({ alias, artifactCollectionName: model, entityName: entity, projectName: this.#project })) }, responses.any, { ...options, operation, idempotent: true });
  }

  /**
   * The stage alias goes on first: it is the step W&B may refuse (a protected alias needs a registry admin), and a
   * refusal then leaves nothing changed. If the metadata update fails after it, the alias is taken back off.
   */
  async #setStage(model: string, found: FoundVersion, stage: Stage, op: string, options: CallOptions | undefined): Promise<void> {
    const meta = parseMetadata(found.artifact.metadata);
    const adds = (stage === "staging" || stage === "production") && !found.aliases.includes(stage) ? [stage] : [];
    if (adds.length > 0) await this.#aliases("AddAliases", found.artifact.id, model, adds, op, options);
    try {
      await this.#t.gql("UpdateArtifact", { input: { artifactID: found.artifact.id, metadata: JSON.stringify({ ...meta, [STAGE_KEY]: stage }) } }, responses.any, { ...options, operation: op, idempotent: true });
    } catch (error) {
      if (adds.length > 0) await this.#aliases("DeleteAliases", found.artifact.id, model, adds, op, options).catch(() => undefined);
      throw error;
    }
    const held = found.aliases.filter((x) => (x === "staging" || x === "production") && x !== stage);
    if (held.length > 0) await this.#aliases("DeleteAliases", found.artifact.id, model, held, op, options);
  }

  async #orgEntity(op: string, options: CallOptions | undefined): Promise<string> {
    const entity = await this.entity(options);
    const d = await this.#t.gql("OrgEntity", { entityName: entity }, responses.orgEntity, { ...options, operation: op });
    const org = d.entity?.organization?.orgEntity?.name;
    if (!org) throw new UnsupportedCapabilityError(`the entity ${entity} belongs to no organization with a W&B Registry`, { provider: PROVIDER, operation: op, capability: "registry" });
    return org;
  }
}

function registryProject(registry: unknown, op: string): string {
  if (typeof registry !== "string" || !REGISTRY_NAME.test(registry)) throw invalidInput(op, "registry", `name the registry, e.g. model, got ${preview(registry)}`, PROVIDER);
  return `${REGISTRY_PREFIX}${registry}`;
}

/**
 * Creates a W&B registry client. Settings fall back to `WANDB_API_KEY`, `WANDB_BASE_URL`, `WANDB_ENTITY` and
 * `WANDB_PROJECT`.
 *
 * @example
 * ```ts
 * import { createWandbRegistry } from "modelreg/wandb";
 * const registry = createWandbRegistry({ project: "fraud" });
 * const v = await registry.createVersion("fraud-model", { artifacts: { directory: "out/model" }, metrics: { auc: 0.93 } });
 * await registry.link(v, { registry: "model", collection: "fraud" });
 * ```
 */
export function createWandbRegistry(settings: WandbRegistrySettings = {}): WandbRegistry {
  return new WandbRegistry(settings);
}
