/**
 * The W&B registry: model versions as W&B artifact versions of type `model`, uploaded the way W&B's own client does
 * it, with aliases, stages as managed aliases, and links into the W&B Registry.
 *
 * @module
 */

import { createHash, randomUUID } from "node:crypto";
import { downloadToDirectory } from "../../artifacts/download.js";
import { StreamingDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { selectFiles } from "../../artifacts/select.js";
import { toWebStream } from "../../artifacts/byte-streams.js";
import type { RegistryCapabilities } from "../../core/capabilities.js";
import { mapLimit } from "../../core/concurrency.js";
import { IntegrityError, InvalidInputError, NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
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
import type { ModelSignature } from "../../core/signature.js";
import type { AliasEntry, ArtifactFile, CreateModelInput, CreateVersionInput, Lineage, ModelCard, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { assertAlias, assertArtifactPath, assertModelName, assertVersion, preview } from "../../core/validation.js";
import { assertPageSize, checkCreateVersionInput, checkTransition, checkUpdateVersionInput, toAliasEntries } from "../../core/version-input.js";
import { callOptions } from "../../http/call-options.js";
import { resolveActor } from "../../runtime/actor.js";
import { responses, type WandbArtifact } from "./wandb-api.js";
import { artifactDigest, buildManifest, parseManifest, type ManifestEntry } from "./wandb-manifest.js";
import type { WandbRegistrySettings } from "./wandb-settings.js";
import { PROVIDER, WandbTransport } from "./wandb-transport.js";
import { parseUploadHeaders, putParts, putSigned, type PartDigest } from "./wandb-upload.js";

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

/** Aliases the adapter manages: W&B's `latest`, and the stage aliases. */
const MANAGED = new Set(["latest", "staging", "production"]);
const STAGE_KEY = "modelreg.stage";

interface StoredMetadata {
  params?: Record<string, string>;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  lineage?: Lineage;
  signature?: ModelSignature;
  modelCard?: ModelCard;
  [STAGE_KEY]?: Stage;
  [key: string]: unknown;
}

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
  readonly #t: WandbTransport;
  readonly #bus: RegistryEventBus;
  readonly #settings: WandbRegistrySettings;
  readonly #project: string;
  #entity: Promise<string> | undefined;
  #features: Promise<Record<string, boolean>> | undefined;

  /** @param settings - See {@link WandbRegistrySettings}. */
  constructor(settings: WandbRegistrySettings = {}) {
    this.#settings = settings;
    this.#t = new WandbTransport(settings);
    const env = settings.env ?? process.env;
    this.#project = settings.project ?? env.WANDB_PROJECT ?? "model-registry";
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
    return this.#entity;
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
   * linked version works exactly as reading through a project.
   */
  async inRegistry(registry: string, options?: CallOptions): Promise<WandbRegistry> {
    if (typeof registry !== "string" || !/^[A-Za-z0-9_-]+$/.test(registry)) throw invalidInput("inRegistry", "registry", "name the registry, e.g. model", PROVIDER);
    const orgEntity = await this.#orgEntity("inRegistry", options);
    return new WandbRegistry({ ...this.#settings, entity: orgEntity, project: `wandb-registry-${registry}` });
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
    const view = entity || project ? new WandbRegistry({ ...this.#settings, ...(entity && { entity }), ...(project && { project }) }) : this;
    const vm = /^v(\d+)$/.exec(version);
    return view.getVersion(vm ? { model: name, version: vm[1] as string } : { model: name, alias: version }, options);
  }

  /** Removes a version's link from a W&B Registry collection. */
  async unlink(ref: VersionRefInput, target: { registry: string; collection: string }, options?: CallOptions): Promise<void> {
    const op = "unlink";
    const a = await this.#resolve(parseRef(ref, op), op, options);
    const view = await this.inRegistry(target.registry, options);
    const page = await view.#versionsPage(target.collection, undefined, 1, op, options);
    if (!page) throw new NotFoundError(`no registry collection ${target.registry}/${target.collection}`, { provider: PROVIDER, operation: op });
    await this.#t.gql("UnlinkArtifact", { artifactID: a.id, portfolioID: page.collectionId }, responses.any, { ...options, operation: op, idempotent: true });
  }

  /** W&B creates a collection with its first version: throws `UnsupportedCapabilityError`. */
  async createModel(input: CreateModelInput): Promise<RegisteredModel> {
    assertModelName(input?.name, "createModel", "name");
    throw new UnsupportedCapabilityError("W&B creates an artifact collection with its first version: call createVersion", { provider: PROVIDER, operation: "createModel", capability: "emptyModels" });
  }

  /** Reads a collection. */
  async getModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    assertModelName(name, "getModel", "name");
    const versions = await this.#versionsPage(name, undefined, 1000, "getModel", options);
    if (!versions) throw new NotFoundError(`no collection ${JSON.stringify(name)} in ${await this.entity(options)}/${this.#project}`, { provider: PROVIDER, operation: "getModel" });
    const aliases: Record<string, string> = {};
    for (const v of versions.items) for (const a of v.aliases) if (!MANAGED.has(a.alias)) aliases[a.alias] = String(v.versionIndex);
    const created = versions.items.at(-1)?.createdAt ?? new Date(0).toISOString();
    const latest = versions.items[0];
    return { name, ...(versions.description && { description: versions.description }), tags: {}, aliases, createdAt: new Date(created), updatedAt: new Date(latest?.updatedAt ?? latest?.createdAt ?? created), ...(latest && { latestVersion: String(latest.versionIndex) }) };
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
        const items = (conn?.edges ?? []).map((e) => e.node).filter((c) => c.name.startsWith(options.namePrefix ?? "")).map((c) => ({ name: c.name, ...(c.description && { description: c.description }), tags: {}, aliases: {}, createdAt: new Date(c.createdAt), updatedAt: new Date(c.createdAt) }));
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
   * Logs a version the way W&B's client does: a run (`upsertBucket`), `createArtifact` (identical content returns the
   * existing version), the manifest placeholder, `createArtifactFiles` in batches and PUTs to the signed URLs (files
   * the server already has are skipped), the manifest, `commitArtifact`, and the run's completion.
   */
  async createVersion(model: string, input: CreateVersionInput, options: TransferOptions = {}): Promise<ModelVersion> {
    const op = "createVersion";
    assertModelName(model, op);
    const meta = checkCreateVersionInput(input, op);
    for (const alias of meta.aliases) if (MANAGED.has(alias)) throw invalidInput(op, "aliases", `${alias} is managed by the adapter`, PROVIDER);
    const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: op });
    const call = { ...options, operation: op };
    // First pass: digests, streamed, so the artifact digest is known before anything is created. Files big enough
    // for a multipart upload also get their parts' MD5s, which W&B wants up front.
    const minMultipart = this.#settings.multipartMinBytes ?? 2 * 1024 ** 3;
    const partBytes = this.#settings.multipartPartBytes ?? 100 * 1024 ** 2;
    const partDigests = new Map<string, PartDigest[]>();
    const digests = await mapLimit(files, options.concurrency ?? 4, async (file) => {
      const d = new StreamingDigest();
      const parts = file.size !== undefined && file.size >= minMultipart ? new PartHasher(partBytes) : undefined;
      for await (const chunk of file.open()) {
        d.update(chunk);
        parts?.update(chunk);
      }
      if (parts) partDigests.set(file.path, parts.finish());
      return d.digest();
    });
    const contents: Record<string, ManifestEntry> = {};
    files.forEach((f, i) => {
      contents[f.path] = { digest: digests[i]?.md5 ?? "", size: digests[i]?.size ?? 0 };
    });
    const digest = artifactDigest(contents);
    const entity = await this.entity(call);
    if (input.createModel === false) await this.getModel(model, call);
    const runName = randomUUID().replaceAll("-", "").slice(0, 8);
    await this.#t.gql("UpsertBucket", { name: runName, project: this.#project, entity, jobType: "modelreg" }, responses.upsertBucket, { ...call, idempotent: true });
    const metadata: StoredMetadata = { params: meta.params, metrics: meta.metrics, tags: meta.tags, lineage: meta.lineage, ...(meta.signature && { signature: meta.signature }), ...(meta.modelCard && { modelCard: meta.modelCard }) };
    const created = await this.#t.gql(
      "CreateArtifact",
      {
        input: {
          entityName: entity,
          projectName: this.#project,
          artifactTypeName: this.#settings.artifactType ?? "model",
          artifactCollectionName: model,
          runName,
          digest,
          digestAlgorithm: "MANIFEST_MD5",
          ...(meta.description !== undefined && { description: meta.description }),
          metadata: JSON.stringify(metadata),
          aliases: meta.aliases.map((alias) => ({ alias, artifactCollectionName: model })),
          // Tags show in W&B's UI where the server has them (ARTIFACT_TAGS); they are always kept in the metadata too.
          ...((await this.features(call)).ARTIFACT_TAGS && { tags: wandbTags(meta.tags) }),
          enableDigestDeduplication: true,
          clientID: randomId(),
          sequenceClientID: randomId(),
        },
      },
      responses.createArtifact,
      call,
    );
    const artifactID = created.createArtifact.artifact.id;
    if (created.createArtifact.artifact.state === "COMMITTED") {
      // Identical content: W&B returns the version that has it, as its own client does.
      await this.#finishRun(entity, runName, call);
      return this.#version(model, await this.#byId(artifactID, call));
    }
    const manifestVars = { artifactID, baseArtifactID: null, name: "wandb_manifest.json", entityName: entity, projectName: this.#project, runName, manifestType: "FULL" };
    const placeholder = await this.#t.gql("CreateArtifactManifest", { ...manifestVars, digest: "", includeUpload: false }, responses.createManifest, call);
    const manifestID = placeholder.createArtifactManifest.artifactManifest.id;
    const progress = transferProgress(files, options.onProgress);
    for (let start = 0; start < files.length; start += 100) {
      const batch = files.slice(start, start + 100);
      const res = await this.#t.gql(
        "CreateArtifactFiles",
        {
          artifactFiles: batch.map((f) => ({
            artifactID,
            artifactManifestID: manifestID,
            name: f.path,
            md5: contents[f.path]?.digest ?? "",
            ...(partDigests.has(f.path) && { uploadPartsInput: partDigests.get(f.path) }),
          })),
          storageLayout: "V2",
        },
        responses.createFiles,
        call,
      );
      const edges = res.createArtifactFiles.files.edges;
      if (edges.length !== batch.length) throw new IntegrityError(`W&B answered ${edges.length} upload slots for ${batch.length} files`, { provider: PROVIDER, operation: op });
      await mapLimit(batch, options.concurrency ?? 4, async (file, i) => {
        const node = edges[i]?.node;
        const entry = contents[file.path] as ManifestEntry;
        if (node) entry.birthArtifactID = node.artifact.id;
        const tick = progress(file);
        const multipart = node?.uploadMultipartUrls;
        if (node && multipart && partDigests.has(file.path)) {
          const parts = multipart.uploadUrlParts.map((p) => ({ partNumber: Number(p.partNumber), uploadUrl: p.uploadUrl }));
          const contentType = parseUploadHeaders(node.uploadHeaders)["Content-Type"];
          const completed = await putParts(this.#t.http, parts, contentType, file, partBytes, { ...call, onBytes: tick });
          await this.#t.gql(
            "CompleteMultipartUpload",
            { artifactID: node.artifact.id, storagePath: node.storagePath ?? "", uploadID: multipart.uploadID, completedParts: completed },
            responses.any,
            call,
          );
          return;
        }
        // No URL: the server already has these bytes.
        if (!node?.uploadUrl) return;
        await putSigned(this.#t.http, node.uploadUrl, node.uploadHeaders, file, entry.size, { ...call, onBytes: tick });
      });
    }
    const manifestBytes = new TextEncoder().encode(JSON.stringify(buildManifest(contents), null, 4));
    const manifestMd5 = createHash("md5").update(manifestBytes).digest("base64");
    const slot = await this.#t.gql("CreateArtifactManifest", { ...manifestVars, digest: manifestMd5, includeUpload: true }, responses.createManifest, call);
    const upload = slot.createArtifactManifest.artifactManifest.file;
    if (!upload.uploadUrl) throw new IntegrityError("W&B gave no upload URL for the manifest", { provider: PROVIDER, operation: op });
    await putSigned(this.#t.http, upload.uploadUrl, upload.uploadHeaders ?? [], { path: "wandb_manifest.json", size: manifestBytes.byteLength, open: async function* () { yield manifestBytes; } }, manifestBytes.byteLength, call);
    await this.#t.gql("CommitArtifact", { artifactID }, responses.commit, call);
    await this.#finishRun(entity, runName, call);
    const version = await this.#version(model, await this.#byId(artifactID, call));
    const events: RegistryEventInput[] = [{ type: "version.created", model, version: version.version, to: version.version }];
    for (const alias of meta.aliases) events.push({ type: "alias.set", model, alias, version: version.version, to: version.version });
    await this.#emit(events, options);
    return version;
  }

  /** Reads a version by number (`v3` on W&B), alias, or `latest`. */
  async getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion> {
    const target = parseRef(ref, "getVersion");
    return this.#version(target.model, await this.#resolve(target, "getVersion", options));
  }

  /** Lists a collection's versions, newest first, with cursor pagination. */
  listVersions(model: string, options: ListVersionsOptions = {}): PageIterable<ModelVersion> {
    const op = "listVersions";
    assertModelName(model, op);
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 50;
    return paginate<ModelVersion>(
      async (token, signal) => {
        const call = { ...options, ...(signal && { signal }) };
        const page = await this.#versionsPage(model, token, pageSize, op, call);
        if (!page) throw new NotFoundError(`no collection ${JSON.stringify(model)}`, { provider: PROVIDER, operation: op });
        const items = (await Promise.all(page.items.map((a) => this.#version(model, a)))).filter((v) => (!options.stage || v.stage === options.stage) && Object.entries(options.tags ?? {}).every(([k, t]) => v.tags[k] === t));
        return { items, ...(page.next && { nextPageToken: page.next }) };
      },
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  /** Updates description and metadata (params, metrics, tags, model card live in the artifact's metadata). */
  async updateVersion(ref: VersionRefInput, patch: UpdateVersionInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "updateVersion";
    const target = parseRef(ref, op);
    checkUpdateVersionInput(patch, op);
    const a = await this.#resolve(target, op, options);
    const meta = parseMetadata(a.metadata);
    const tags = { ...meta.tags };
    for (const [k, v] of Object.entries(patch.tags ?? {})) {
      if (v === null) delete tags[k];
      else tags[k] = v;
    }
    const next: StoredMetadata = { ...meta, tags, metrics: { ...meta.metrics, ...patch.metrics }, ...(patch.modelCard && { modelCard: patch.modelCard }) };
    await this.#t.gql("UpdateArtifact", { input: { artifactID: a.id, ...(patch.description !== undefined && { description: patch.description }), metadata: JSON.stringify(next) } }, responses.any, { ...options, operation: op, idempotent: true });
    await this.#emit([{ type: "version.updated", model: target.model, version: String(a.versionIndex), details: { fields: Object.keys(patch) } }], options);
    return this.#version(target.model, await this.#byId(a.id, { ...options, operation: op }));
  }

  /** Deletes a version with its aliases. */
  async deleteVersion(ref: VersionRefInput, options?: CallOptions): Promise<void> {
    const op = "deleteVersion";
    const target = parseRef(ref, op);
    const a = await this.#resolve(target, op, options);
    await this.#t.gql("DeleteArtifact", { artifactID: a.id, deleteAliases: true }, responses.any, { ...options, operation: op, idempotent: true });
    await this.#emit([{ type: "version.deleted", model: target.model, version: String(a.versionIndex) }], options);
  }

  /** Points an alias at a version; W&B moves it from any other version of the collection. */
  async setAlias(model: string, alias: string, version: string, options?: CallOptions): Promise<SetAliasResult> {
    const op = "setAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    assertVersion(version, op);
    if (MANAGED.has(alias)) throw invalidInput(op, "alias", `${alias} is managed by the adapter`, PROVIDER);
    const a = await this.#resolve({ model, version }, op, options);
    const previous = await this.#holder(model, alias, op, options);
    await this.#aliases("AddAliases", a.id, model, [alias], op, options);
    if (previous !== version) await this.#emit([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }], options);
    return previous === undefined ? {} : { previous };
  }

  /** Removes an alias. */
  async deleteAlias(model: string, alias: string, options?: CallOptions): Promise<void> {
    const op = "deleteAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    const a = await this.#resolve({ model, alias }, op, options);
    await this.#aliases("DeleteAliases", a.id, model, [alias], op, options);
    await this.#emit([{ type: "alias.deleted", model, alias, version: String(a.versionIndex), from: String(a.versionIndex) }], options);
  }

  /** The version an alias points at. */
  async resolveAlias(model: string, alias: string, options?: CallOptions): Promise<string> {
    assertModelName(model, "resolveAlias");
    return String((await this.#resolve({ model, alias }, "resolveAlias", options)).versionIndex);
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
    const a = await this.#resolve(target, op, options);
    const from = parseMetadata(a.metadata)[STAGE_KEY] ?? "draft";
    const events: RegistryEventInput[] = [];
    if (options.archiveExisting) {
      for await (const other of this.listVersions(target.model, { ...options, stage: to })) {
        if (other.version === String(a.versionIndex)) continue;
        await this.#setStage(target.model, other.raw as WandbArtifact, "archived", op, options);
        events.push({ type: "stage.changed", model: target.model, version: other.version, stage: "archived", from: to, to: "archived" });
      }
    }
    await this.#setStage(target.model, a, to, op, options);
    if (from !== to) events.push({ type: "stage.changed", model: target.model, version: String(a.versionIndex), stage: to, from, to });
    await this.#emit(events, options);
    return this.#version(target.model, await this.#byId(a.id, { ...options, operation: op }));
  }

  /** The files, from the version's manifest, with their base64 MD5. */
  async listArtifacts(ref: VersionRefInput, options?: CallOptions): Promise<ArtifactFile[]> {
    const op = "listArtifacts";
    const a = await this.#resolve(parseRef(ref, op), op, options);
    return this.#files(a, op, options);
  }

  /** Streams one file from its signed URL, checking its MD5 as it streams. */
  async openArtifact(ref: VersionRefInput, path: string, options?: CallOptions): Promise<ArtifactDownload> {
    const op = "openArtifact";
    const target = parseRef(ref, op);
    assertArtifactPath(path, op);
    const a = await this.#resolve(target, op, options);
    const file = (await this.#files(a, op, options)).find((f) => f.path === path);
    if (!file) throw new NotFoundError(`${target.model}:v${a.versionIndex} has no file ${preview(path)}`, { provider: PROVIDER, operation: op });
    const stream = await this.#open(a.id, file, op, options);
    return { path, stream: verifyMd5(stream, file, op), ...(file.size !== undefined && { size: file.size }) };
  }

  /** Downloads files into a directory; each file's MD5 is checked while it streams (W&B's own client does not). */
  async downloadArtifacts(ref: VersionRefInput, directory: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const op = "downloadArtifacts";
    const target = parseRef(ref, op);
    if (typeof directory !== "string" || directory === "") throw invalidInput(op, "directory", "directory must be a path", PROVIDER);
    const a = await this.#resolve(target, op, options);
    const files = await this.#files(a, op, options);
    return downloadToDirectory({
      directory,
      files: selectFiles(files, options.paths, `${target.model}:v${a.versionIndex}`, { provider: PROVIDER, operation: op }),
      open: (file, signal) => this.#open(a.id, file, op, { ...options, signal }),
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
    if (typeof target?.registry !== "string" || !/^[A-Za-z0-9_-]+$/.test(target.registry)) throw invalidInput(op, "registry", "name the registry, e.g. model", PROVIDER);
    assertModelName(target.collection, op, "collection");
    for (const alias of target.aliases ?? []) assertAlias(alias, op);
    const a = await this.#resolve(parsed, op, options);
    const orgEntity = await this.#orgEntity(op, options);
    const project = `wandb-registry-${target.registry}`;
    const res = await this.#t.gql("LinkArtifact", { artifactID: a.id, entityName: orgEntity, projectName: project, portfolio: target.collection, aliases: (target.aliases ?? []).map((alias) => ({ alias, artifactCollectionName: target.collection })) }, responses.link, { ...options, operation: op, idempotent: true });
    return { orgEntity, project, version: String(res.linkArtifact?.versionIndex ?? "") };
  }

  /** The Vertex-style audit trail does not exist on W&B: throws `UnsupportedCapabilityError`. */
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

  #emit(inputs: RegistryEventInput[], options: CallOptions | undefined): Promise<RegistryEvent[]> {
    return this.#bus.publish(inputs, PROVIDER, resolveActor(options?.actor, this.#settings.actor));
  }

  async #finishRun(entity: string, run: string, options: CallOptions & { operation: string }): Promise<void> {
    await this.#t.http.request({ operation: options.operation, method: "POST", path: `files/${encodeURIComponent(entity)}/${encodeURIComponent(this.#project)}/${run}/file_stream`, json: { complete: true, exitcode: 0 }, idempotent: true, responseType: "none", ...callOptions(options) });
  }

  async #byId(id: string, options: CallOptions & { operation: string }): Promise<WandbArtifact> {
    const d = await this.#t.gql("ArtifactById", { id }, responses.byId, options);
    if (!d.artifact) throw new NotFoundError(`artifact ${id} not found`, { provider: PROVIDER, operation: options.operation });
    return d.artifact;
  }

  async #resolve(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<WandbArtifact> {
    const name = "version" in ref ? `${ref.model}:v${ref.version}` : `${ref.model}:${ref.alias}`;
    const d = await this.#t.gql("ArtifactByName", { entity: await this.entity(options), project: this.#project, name }, responses.byName, { ...options, operation: op });
    if (!d.project?.artifact) throw new NotFoundError(`${name} not found in ${await this.entity(options)}/${this.#project}`, { provider: PROVIDER, operation: op });
    return d.project.artifact;
  }

  async #holder(model: string, alias: string, op: string, options: CallOptions | undefined): Promise<string | undefined> {
    try {
      return String((await this.#resolve({ model, alias }, op, options)).versionIndex);
    } catch (error) {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    }
  }

  async #versionsPage(model: string, after: string | undefined, first: number, op: string, options: CallOptions | undefined): Promise<{ collectionId: string; description: string | undefined; items: WandbArtifact[]; next: string | undefined } | undefined> {
    const d = await this.#t.gql("CollectionVersions", { entity: await this.entity(options), project: this.#project, collection: model, first, after: after ?? null }, responses.versions, { ...options, operation: op });
    const c = d.project?.artifactCollection;
    if (!c) return undefined;
    const conn = c.artifacts;
    return { collectionId: c.id, description: c.description ?? undefined, items: (conn?.edges ?? []).map((e) => e.node), next: conn?.pageInfo.hasNextPage ? (conn.pageInfo.endCursor ?? undefined) : undefined };
  }

  async #aliases(op: "AddAliases" | "DeleteAliases", artifactID: string, model: string, aliases: string[], operation: string, options: CallOptions | undefined): Promise<void> {
    const entity = await this.entity(options);
    await this.#t.gql(op, { artifactID, aliases: aliases.map((alias) => ({ alias, artifactCollectionName: model, entityName: entity, projectName: this.#project })) }, responses.any, { ...options, operation, idempotent: true });
  }

  async #setStage(model: string, a: WandbArtifact, stage: Stage, op: string, options: CallOptions | undefined): Promise<void> {
    const meta = parseMetadata(a.metadata);
    await this.#t.gql("UpdateArtifact", { input: { artifactID: a.id, metadata: JSON.stringify({ ...meta, [STAGE_KEY]: stage }) } }, responses.any, { ...options, operation: op, idempotent: true });
    const held = a.aliases.filter((x) => x.artifactCollectionName === model && (x.alias === "staging" || x.alias === "production") && x.alias !== stage).map((x) => x.alias);
    if (held.length > 0) await this.#aliases("DeleteAliases", a.id, model, held, op, options);
    if (stage === "staging" || stage === "production") await this.#aliases("AddAliases", a.id, model, [stage], op, options);
  }

  async #files(a: WandbArtifact, op: string, options: CallOptions | undefined): Promise<ArtifactFile[]> {
    if (!a.currentManifest) return [];
    // The manifest's signed URL gets no W&B credentials.
    const res = await this.#t.http.request({ operation: op, url: a.currentManifest.file.directUrl, responseType: "json", ...callOptions(options) });
    const manifest = parseManifest(res.data);
    return Object.entries(manifest.contents).map(([path, e]) => ({ path, size: e.size, md5: e.digest }));
  }

  async #open(artifactID: string, file: ArtifactFile, op: string, options: CallOptions | undefined): Promise<ReadableStream<Uint8Array>> {
    const d = await this.#t.gql("ArtifactFileUrls", { id: artifactID, names: [file.path], first: 1, after: null }, responses.fileUrls, { ...options, operation: op });
    const url = d.artifact?.files.edges[0]?.node.directUrl;
    if (!url) throw new NotFoundError(`no download URL for ${file.path}`, { provider: PROVIDER, operation: op });
    const res = await this.#t.http.request({ operation: op, url, responseType: "stream", ...callOptions(options) });
    return res.data;
  }

  async #orgEntity(op: string, options: CallOptions | undefined): Promise<string> {
    const entity = await this.entity(options);
    const d = await this.#t.gql("OrgEntity", { entityName: entity }, responses.orgEntity, { ...options, operation: op });
    const org = d.entity?.organization?.orgEntity?.name;
    if (!org) throw new UnsupportedCapabilityError(`the entity ${entity} belongs to no organization with a W&B Registry`, { provider: PROVIDER, operation: op, capability: "registry" });
    return org;
  }

  async #version(model: string, a: WandbArtifact): Promise<ModelVersion> {
    const meta = parseMetadata(a.metadata);
    return {
      model,
      version: String(a.versionIndex ?? ""),
      ...(a.description && { description: a.description }),
      params: { ...meta.params },
      metrics: { ...meta.metrics },
      tags: { ...meta.tags },
      lineage: { ...meta.lineage },
      ...(meta.signature && { signature: meta.signature }),
      ...(meta.modelCard && { modelCard: meta.modelCard }),
      aliases: a.aliases.filter((x) => x.artifactCollectionName === model && !MANAGED.has(x.alias) && !/^v\d+$/.test(x.alias)).map((x) => x.alias).sort(),
      stage: meta[STAGE_KEY] ?? "draft",
      artifacts: { digest: a.digest, ...(a.fileCount !== undefined && a.fileCount !== null && { fileCount: Number(a.fileCount) }) },
      createdAt: new Date(a.createdAt),
      updatedAt: new Date(a.updatedAt ?? a.createdAt),
      raw: a,
    };
  }
}

/** Hex MD5s of consecutive parts of a stream, fed chunk by chunk. */
class PartHasher {
  readonly #parts: PartDigest[] = [];
  #hash = createHash("md5");
  #filled = 0;

  constructor(private readonly partBytes: number) {}

  update(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(this.partBytes - this.#filled, chunk.byteLength - at);
      this.#hash.update(chunk.subarray(at, at + take));
      this.#filled += take;
      at += take;
      if (this.#filled === this.partBytes) this.#next();
    }
  }

  finish(): PartDigest[] {
    if (this.#filled > 0 || this.#parts.length === 0) this.#next();
    return this.#parts;
  }

  #next(): void {
    this.#parts.push({ partNumber: this.#parts.length + 1, hexMD5: this.#hash.digest("hex") });
    this.#hash = createHash("md5");
    this.#filled = 0;
  }
}

/** W&B tag names for key/value tags: `key-value` where that fits W&B's tag rules. */
function wandbTags(tags: Record<string, string>): Array<{ tagName: string }> {
  return Object.entries(tags)
    .map(([k, v]) => `${k}-${v}`)
    .filter((t) => /^[-\w]+( +[-\w]+)*$/.test(t))
    .map((tagName) => ({ tagName }));
}

function parseMetadata(text: string | null | undefined): StoredMetadata {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as StoredMetadata) : {};
  } catch {
    return {};
  }
}

/** 128 characters over [a-z0-9], as W&B's client IDs are. */
function randomId(): string {
  let out = "";
  while (out.length < 128) out += randomUUID().replaceAll("-", "");
  return out.slice(0, 128);
}

/** Passes a stream through, checking its base64 MD5 at the end: a corrupted download errors instead of succeeding. */
function verifyMd5(stream: ReadableStream<Uint8Array>, file: ArtifactFile, operation: string): ReadableStream<Uint8Array> {
  const md5 = createHash("md5");
  async function* checked() {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      md5.update(value);
      yield value;
    }
    const got = md5.digest("base64");
    if (file.md5 && got !== file.md5) throw new IntegrityError(`${file.path} arrived with md5 ${got}, the manifest says ${file.md5}`, { provider: PROVIDER, operation });
  }
  return toWebStream(checked());
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
