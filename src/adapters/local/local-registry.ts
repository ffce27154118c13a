/**
 * The local registry: the whole `ModelRegistry` spec on a directory, with no server. Every write that changes more
 * than bytes runs under the model's lock and lands by rename; the audit log records it before subscribers hear of it.
 *
 * @module
 */

import { downloadToDirectory } from "../../artifacts/download.js";
import { selectFiles } from "../../artifacts/select.js";
import type { RegistryCapabilities } from "../../core/capabilities.js";
import { ConflictError, NotFoundError, invalidInput } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput, RegistryEventSource, RegistryEventType } from "../../core/events.js";
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
import { parseRef, type VersionRefInput } from "../../core/refs.js";
import type {
  AliasEntry,
  ArtifactFile,
  CreateModelInput,
  CreateVersionInput,
  ModelVersion,
  RegisteredModel,
  Stage,
  UpdateModelInput,
  UpdateVersionInput,
} from "../../core/types.js";
import { assertAlias, assertArtifactPath, assertModelName, assertTags, assertVersion, parseStage, preview } from "../../core/validation.js";
import { assertPageSize, checkTransition, checkUpdateVersionInput, toAliasEntries } from "../../core/version-input.js";
import { readAudit } from "./local-audit.js";
import { openBlob } from "./local-blobs.js";
import { toArtifactFile, toModelVersion, toRegisteredModel } from "./local-convert.js";
import { createLocalVersion } from "./local-create-version.js";
import { toStorageError } from "./local-errors.js";
import { collectGarbage, type GcOptions, type GcReport } from "./local-gc.js";
import type { FileChanges } from "./local-journal.js";
import { verifyRegistry, type VerifyOptions, type VerifyReport } from "./local-verify.js";
import type { ModelRecord, VersionRecord } from "./local-schemas.js";
import type { LocalRegistrySettings } from "./local-settings.js";
import { LocalStore, PROVIDER } from "./local-store.js";
import { applyTagPatch, decodeOffset, matchesTags, plainMap } from "./local-util.js";

const CAPABILITIES: RegistryCapabilities = Object.freeze({
  stages: "native",
  aliases: true,
  modelTags: true,
  emptyModels: true,
  renameModel: false,
  deleteModel: true,
  deleteVersion: true,
  updateMetrics: true,
  deploy: false,
  audit: true,
  idempotentCreate: true,
  maxPageSize: 1000,
});

const EVENT_TYPES: ReadonlySet<RegistryEventType> = new Set<RegistryEventType>([
  "model.created", "model.updated", "model.deleted", "version.created", "version.updated", "version.deleted", "alias.set",
  "alias.deleted", "stage.changed", "approval.recorded", "promotion.completed", "promotion.blocked", "rollback.completed",
]);

/** The local file-system registry. Create it with {@link createLocalRegistry}. */
export class LocalRegistry implements ModelRegistry {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly provider = PROVIDER;
  readonly capabilities: RegistryCapabilities = CAPABILITIES;
  readonly events: RegistryEventSource;
  readonly #store: LocalStore;

  /** @param settings - See {@link LocalRegistrySettings}. */
  constructor(settings: LocalRegistrySettings = {}) {
    this.#store = new LocalStore(settings);
    this.events = this.#store.bus;
  }

  /** The absolute directory this registry lives in. */
  get root(): string {
    return this.#store.paths.root;
  }

  async createModel(input: CreateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "createModel";
    if (typeof input !== "object" || input === null) throw invalidInput(op, "input", "createModel takes { name, description?, tags? }", PROVIDER);
    assertModelName(input.name, op, "name");
    if (input.description !== undefined && typeof input.description !== "string") throw invalidInput(op, "description", "description must be a string", PROVIDER);
    assertTags(input.tags, op);
    await this.#guard(op, () => this.#store.begin(op, options));
    const record = await this.#write(input.name, op, options, async () => {
      if (await this.#store.readModel(input.name, op)) {
        throw new ConflictError(`model ${JSON.stringify(input.name)} already exists`, { provider: PROVIDER, operation: op });
      }
      const now = new Date().toISOString();
      const created: ModelRecord = { name: input.name, ...(input.description !== undefined && { description: input.description }), tags: plainMap(input.tags), createdAt: now, updatedAt: now, lastVersion: 0 };
      return { result: created, events: [{ type: "model.created", model: input.name }], files: { writes: [{ file: this.#store.paths.modelRecord(input.name), value: created }] } };
    });
    return toRegisteredModel(record, {}, undefined);
  }

  async getModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    assertModelName(name, "getModel", "name");
    await this.#begin("getModel", options, name);
    return this.#loadModel(name, "getModel");
  }

  listModels(options: ListModelsOptions = {}): PageIterable<RegisteredModel> {
    const op = "listModels";
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 100;
    if (options.namePrefix !== undefined && typeof options.namePrefix !== "string") throw invalidInput(op, "namePrefix", "namePrefix must be a string", PROVIDER);
    assertTags(options.tags, op);
    if (options.pageToken !== undefined) decodeOffset(options.pageToken, op);
    return paginate<RegisteredModel>(
      async (token) => this.#guard(op, async () => {
        await this.#begin(op, options, null);
        const names = (await this.#store.modelNames()).filter((n) => n.startsWith(options.namePrefix ?? ""));
        const start = token === undefined ? 0 : decodeOffset(token, op);
        const items: RegisteredModel[] = [];
        let index = start;
        for (; index < names.length && items.length < pageSize; index++) {
          const record = await this.#store.readModel(names[index] as string, op);
          // A directory without a record is a model being created or deleted right now: not there yet, or gone.
          if (!record || !matchesTags(record.tags, options.tags)) continue;
          items.push(await this.#loadModel(record.name, op, record));
        }
        return { items, ...(index < names.length && { nextPageToken: String(index) }) };
      }),
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  async updateModel(name: string, patch: UpdateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "updateModel";
    assertModelName(name, op, "name");
    if (typeof patch !== "object" || patch === null) throw invalidInput(op, "patch", "updateModel takes { description?, tags? }", PROVIDER);
    if (patch.description !== undefined && typeof patch.description !== "string") throw invalidInput(op, "description", "description must be a string", PROVIDER);
    assertTags(patch.tags, op, { allowNull: true });
    await this.#guard(op, () => this.#store.begin(op, options));
    await this.#write(name, op, options, async () => {
      const record = await this.#store.requireModel(name, op);
      const updated: ModelRecord = {
        ...record,
        ...(patch.description !== undefined && { description: patch.description }),
        tags: applyTagPatch(record.tags, patch.tags),
        updatedAt: new Date().toISOString(),
      };
      return {
        result: updated,
        events: [{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }],
        files: { writes: [{ file: this.#store.paths.modelRecord(name), value: updated }] },
      };
    });
    return this.#loadModel(name, op);
  }

  async deleteModel(name: string, options?: CallOptions): Promise<void> {
    const op = "deleteModel";
    assertModelName(name, op, "name");
    await this.#guard(op, () => this.#store.begin(op, options));
    await this.#write(name, op, options, async () => {
      await this.#store.requireModel(name, op);
      // Blobs stay: they are content-addressed and may be shared with other models' versions (gc removes orphans).
      return { result: undefined, events: [{ type: "model.deleted", model: name }], files: { removes: [this.#store.paths.model(name)] } };
    });
  }

  async createVersion(model: string, input: CreateVersionInput, options?: TransferOptions): Promise<ModelVersion> {
    return this.#guard("createVersion", async () => {
      const record = await createLocalVersion(this.#store, model, input, options);
      return toModelVersion(record, await this.#store.readAliases(model, "createVersion"));
    });
  }

  async getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "getVersion";
    const target = parseRef(ref, op);
    await this.#begin(op, options, target.model);
    const { model, version } = await this.#resolve(target, op);
    return toModelVersion(await this.#store.requireVersion(model, version, op), await this.#store.readAliases(model, op));
  }

  listVersions(model: string, options: ListVersionsOptions = {}): PageIterable<ModelVersion> {
    const op = "listVersions";
    assertModelName(model, op);
    const pageSize = assertPageSize(options.pageSize, CAPABILITIES.maxPageSize, op) ?? 100;
    const stage = options.stage === undefined ? undefined : parseStage(options.stage, op);
    assertTags(options.tags, op);
    if (options.pageToken !== undefined) decodeOffset(options.pageToken, op);
    return paginate<ModelVersion>(
      async (token) => this.#guard(op, async () => {
        await this.#begin(op, options, model);
        await this.#store.requireModel(model, op);
        const numbers = await this.#store.versionNumbers(model);
        const aliases = await this.#store.readAliases(model, op);
        const items: ModelVersion[] = [];
        let index = token === undefined ? 0 : decodeOffset(token, op);
        for (; index < numbers.length && items.length < pageSize; index++) {
          const record = await this.#store.readVersion(model, String(numbers[index]), op);
          if (!record || (stage && record.stage !== stage) || !matchesTags(record.tags, options.tags)) continue;
          items.push(toModelVersion(record, aliases));
        }
        return { items, ...(index < numbers.length && { nextPageToken: String(index) }) };
      }),
      { signal: options.signal, pageToken: options.pageToken, provider: PROVIDER, operation: op },
    );
  }

  async updateVersion(ref: VersionRefInput, patch: UpdateVersionInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "updateVersion";
    const target = parseRef(ref, op);
    checkUpdateVersionInput(patch, op);
    await this.#guard(op, () => this.#store.begin(op, options));
    const record = await this.#write(target.model, op, options, async () => {
      const { model, version } = await this.#resolve(target, op);
      const current = await this.#store.requireVersion(model, version, op);
      const updated: VersionRecord = {
        ...current,
        ...(patch.description !== undefined && { description: patch.description }),
        tags: applyTagPatch(current.tags, patch.tags),
        metrics: Object.assign(Object.create(null) as Record<string, number>, current.metrics, patch.metrics),
        ...(patch.modelCard !== undefined && { modelCard: structuredClone(patch.modelCard) }),
        updatedAt: new Date().toISOString(),
      };
      return {
        result: updated,
        events: [{ type: "version.updated", model, version, details: { fields: Object.keys(patch) } }],
        files: { writes: [{ file: this.#store.paths.version(model, version), value: updated }] },
      };
    });
    return toModelVersion(record, await this.#store.readAliases(record.model, op));
  }

  async deleteVersion(ref: VersionRefInput, options?: CallOptions): Promise<void> {
    const op = "deleteVersion";
    const target = parseRef(ref, op);
    await this.#guard(op, () => this.#store.begin(op, options));
    await this.#write(target.model, op, options, async () => {
      const { model, version } = await this.#resolve(target, op);
      await this.#store.requireVersion(model, version, op);
      const aliases = await this.#store.readAliases(model, op);
      const events: RegistryEventInput[] = [];
      for (const [alias, to] of Object.entries(aliases)) {
        if (to !== version) continue;
        delete aliases[alias];
        events.push({ type: "alias.deleted", model, alias, from: version });
      }
      events.push({ type: "version.deleted", model, version, from: version });
      // Aliases first: an alias must never point at a version that is gone, even between the two steps.
      const writes = events.length > 1 ? [{ file: this.#store.paths.aliases(model), value: { aliases } }] : [];
      return { result: undefined, events, files: { writes, removes: [this.#store.paths.version(model, version)] } };
    });
  }

  async setAlias(model: string, alias: string, version: string, options?: CallOptions): Promise<SetAliasResult> {
    const op = "setAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    assertVersion(version, op);
    await this.#guard(op, () => this.#store.begin(op, options));
    return this.#write(model, op, options, async () => {
      await this.#store.requireVersion(model, version, op);
      const aliases = await this.#store.readAliases(model, op);
      const previous = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
      if (previous === version) return { result: { previous }, events: [] };
      aliases[alias] = version;
      const event: RegistryEventInput = { type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version };
      return { result: previous === undefined ? {} : { previous }, events: [event], files: { writes: [{ file: this.#store.paths.aliases(model), value: { aliases } }] } };
    });
  }

  async deleteAlias(model: string, alias: string, options?: CallOptions): Promise<void> {
    const op = "deleteAlias";
    assertModelName(model, op);
    assertAlias(alias, op);
    await this.#guard(op, () => this.#store.begin(op, options));
    await this.#write(model, op, options, async () => {
      await this.#store.requireModel(model, op);
      const aliases = await this.#store.readAliases(model, op);
      const previous = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
      if (previous === undefined) throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation: op });
      delete aliases[alias];
      return {
        result: undefined,
        events: [{ type: "alias.deleted", model, alias, version: previous, from: previous }],
        files: { writes: [{ file: this.#store.paths.aliases(model), value: { aliases } }] },
      };
    });
  }

  async resolveAlias(model: string, alias: string, options?: CallOptions): Promise<string> {
    const op = "resolveAlias";
    assertModelName(model, op);
    if (alias !== "latest") assertAlias(alias, op);
    await this.#begin(op, options, model);
    return (await this.#resolve({ model, alias }, op)).version;
  }

  async listAliases(model: string, options?: CallOptions): Promise<AliasEntry[]> {
    const op = "listAliases";
    assertModelName(model, op);
    await this.#begin(op, options, model);
    await this.#store.requireModel(model, op);
    const aliases = await this.#store.readAliases(model, op);
    return toAliasEntries(aliases);
  }

  async transitionStage(ref: VersionRefInput, stage: Stage, options: TransitionStageOptions = {}): Promise<ModelVersion> {
    const op = "transitionStage";
    const target = parseRef(ref, op);
    const to = checkTransition(stage, options.archiveExisting, op, PROVIDER);
    await this.#guard(op, () => this.#store.begin(op, options));
    const record = await this.#write(target.model, op, options, async () => {
      const { model, version } = await this.#resolve(target, op);
      const current = await this.#store.requireVersion(model, version, op);
      const now = new Date().toISOString();
      const events: RegistryEventInput[] = [];
      const writes: Array<{ file: string; value: VersionRecord }> = [];
      if (options.archiveExisting) {
        for (const n of await this.#store.versionNumbers(model)) {
          const other = await this.#store.readVersion(model, String(n), op);
          if (!other || other.version === version || other.stage !== to) continue;
          writes.push({ file: this.#store.paths.version(model, other.version), value: { ...other, stage: "archived", updatedAt: now } });
          events.push({ type: "stage.changed", model, version: other.version, stage: "archived", from: to, to: "archived", details: { archivedBy: version } });
        }
      }
      const updated: VersionRecord = current.stage === to ? current : { ...current, stage: to, updatedAt: now };
      if (current.stage !== to) {
        writes.push({ file: this.#store.paths.version(model, version), value: updated });
        events.push({ type: "stage.changed", model, version, stage: to, from: current.stage, to });
      }
      // One change: the candidate moves and the old holders are archived together, with their events, or none is.
      return { result: updated, events, files: { writes } };
    });
    return toModelVersion(record, await this.#store.readAliases(record.model, op));
  }

  async listArtifacts(ref: VersionRefInput, options?: CallOptions): Promise<ArtifactFile[]> {
    const record = await this.#readRef(ref, "listArtifacts", options);
    return record.files.map(toArtifactFile);
  }

  async openArtifact(ref: VersionRefInput, path: string, options?: CallOptions): Promise<ArtifactDownload> {
    const op = "openArtifact";
    const target = parseRef(ref, op);
    assertArtifactPath(path, op);
    const record = await this.#readRef(target, op, options);
    const file = record.files.find((f) => f.path === path);
    if (!file) throw new NotFoundError(`${record.model}/${record.version} has no file ${preview(path)}`, { provider: PROVIDER, operation: op });
    return { path, size: file.size, stream: await openBlob(this.#store.paths, file, op) };
  }

  async downloadArtifacts(ref: VersionRefInput, directory: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const op = "downloadArtifacts";
    const target = parseRef(ref, op);
    if (typeof directory !== "string" || directory === "") throw invalidInput(op, "directory", "directory must be a path", PROVIDER);
    const record = await this.#readRef(target, op, options);
    const files = selectFiles(record.files, options.paths, `${record.model}/${record.version}`, { provider: PROVIDER, operation: op });
    const result = await downloadToDirectory({
      directory,
      files: files.map(toArtifactFile),
      open: async (file) => openBlob(this.#store.paths, files.find((f) => f.path === file.path) as VersionRecord["files"][number], op),
      ...(options.overwrite !== undefined && { overwrite: options.overwrite }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.signal !== undefined && { signal: options.signal }),
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
      provider: PROVIDER,
      operation: op,
    });
    return result;
  }

  listAuditEvents(query: AuditQuery & { pageSize?: number } = {}): PageIterable<RegistryEvent> {
    const op = "listAuditEvents";
    if (query.model !== undefined) assertModelName(query.model, op);
    for (const type of query.types ?? []) if (!EVENT_TYPES.has(type)) throw invalidInput(op, "types", `unknown event type ${preview(type)}`, PROVIDER);
    if (query.since !== undefined && !(query.since instanceof Date && !Number.isNaN(query.since.getTime()))) throw invalidInput(op, "since", "since must be a valid Date", PROVIDER);
    const pageSize = assertPageSize(query.pageSize, CAPABILITIES.maxPageSize, op) ?? 500;
    const types = query.types && new Set<string>(query.types);
    const since = query.since?.getTime();
    return paginate<RegistryEvent>(
      async (token) => this.#guard(op, async () => {
        await this.#begin(op, query, query.model ?? null);
        const { events, next } = await readAudit(this.#store.paths, {
          start: token === undefined ? 0 : decodeOffset(token, op),
          limit: pageSize,
          operation: op,
          match: (e) => (query.model === undefined || e.model === query.model) && (!types || types.has(e.type)) && (since === undefined || Date.parse(e.at) >= since),
        });
        return { items: events, ...(next !== undefined && { nextPageToken: String(next) }) };
      }),
      { signal: query.signal, provider: PROVIDER, operation: op },
    );
  }

  async recordEvent(input: RegistryEventInput, options?: CallOptions): Promise<RegistryEvent> {
    const op = "recordEvent";
    if (typeof input !== "object" || input === null || !EVENT_TYPES.has(input.type)) throw invalidInput(op, "type", `unknown event type ${preview(input?.type)}`, PROVIDER);
    assertModelName(input.model, op);
    if (input.details !== undefined) {
      try {
        JSON.stringify(input.details);
      } catch {
        throw invalidInput(op, "details", "details must be JSON-serialisable", PROVIDER);
      }
    }
    await this.#guard(op, () => this.#store.begin(op, options));
    const [event] = await this.#write(input.model, op, options, async () => ({ result: undefined, events: [input] }), true);
    return event as RegistryEvent;
  }

  /**
   * Checks every record, blob and audit line, and reports what is wrong: damaged or mismatched records, missing or
   * damaged bytes, aliases pointing nowhere, several versions in production, torn audit lines, and the leftovers of
   * crashes that {@link LocalRegistry.gc} reclaims. Changes nothing, except finishing or undoing a change a crashed
   * writer left (as every access does).
   *
   * @example
   * ```ts
   * const report = await registry.verify({ deep: true });
   * if (!report.ok) for (const p of report.problems) console.error(p.kind, p.path, p.message);
   * ```
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    const op = "verify";
    if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "verify takes { deep?, signal? }", PROVIDER);
    await this.#begin(op, options, null);
    return this.#guard(op, () => verifyRegistry(this.#store, options));
  }

  /**
   * Removes what crashes left behind: temp files of writers that are gone, locks of dead processes, and blobs no
   * version references. Safe while other processes write (see local-gc.ts); `dryRun` only reports.
   */
  async gc(options: GcOptions = {}): Promise<GcReport> {
    const op = "gc";
    if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "gc takes { dryRun?, graceMs?, signal? }", PROVIDER);
    if (options.graceMs !== undefined && !(Number.isFinite(options.graceMs) && options.graceMs >= 0)) throw invalidInput(op, "graceMs", "graceMs must be a number of milliseconds, 0 or more", PROVIDER);
    await this.#begin(op, options, null);
    return this.#guard(op, () => collectGarbage(this.#store, this.#store.lockTimes(op, options), options));
  }

  /** A change to one model, whole: see {@link LocalStore.transact}. Subscribers hear of it once it has landed. */
  async #write<T>(model: string, op: string, options: CallOptions | undefined, change: () => Promise<{ result: T; events: RegistryEventInput[]; files?: FileChanges }>): Promise<T>;
  async #write<T>(model: string, op: string, options: CallOptions | undefined, change: () => Promise<{ result: T; events: RegistryEventInput[]; files?: FileChanges }>, returnEvents: true): Promise<RegistryEvent[]>;
  async #write<T>(
    model: string,
    op: string,
    options: CallOptions | undefined,
    change: () => Promise<{ result: T; events: RegistryEventInput[]; files?: FileChanges }>,
    returnEvents?: true,
  ): Promise<T | RegistryEvent[]> {
    const { result, events } = await this.#guard(op, () => this.#store.transact(model, op, options, change));
    await this.#store.publish(events);
    return returnEvents ? events : result;
  }

  /** Opens the root and settles what a crashed writer left on the model (`null`: on every model). */
  async #begin(op: string, options: CallOptions | undefined, model: string | null): Promise<void> {
    await this.#guard(op, async () => {
      await this.#guard(op, () => this.#store.begin(op, options));
      await this.#store.settle(model ?? undefined, op);
    });
  }

  /** File-system failures become `StorageError`s naming the operation and file. */
  async #guard<T>(op: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStorageError(error, op, this.#store.paths.root);
    }
  }

  async #loadModel(name: string, op: string, known?: ModelRecord): Promise<RegisteredModel> {
    const record = known ?? (await this.#store.requireModel(name, op));
    const [aliases, numbers] = await Promise.all([this.#store.readAliases(name, op), this.#store.versionNumbers(name)]);
    return toRegisteredModel(record, aliases, numbers[0] === undefined ? undefined : String(numbers[0]));
  }

  async #resolve(ref: ReturnType<typeof parseRef>, op: string): Promise<{ model: string; version: string }> {
    if ("version" in ref) return { model: ref.model, version: ref.version };
    if (ref.alias === "latest") {
      await this.#store.requireModel(ref.model, op);
      const [highest] = await this.#store.versionNumbers(ref.model);
      if (highest === undefined) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no versions`, { provider: PROVIDER, operation: op });
      return { model: ref.model, version: String(highest) };
    }
    await this.#store.requireModel(ref.model, op);
    // Own properties only: an alias named "constructor" or "toString" is data, never Object.prototype's.
    const aliases = await this.#store.readAliases(ref.model, op);
    const version = Object.hasOwn(aliases, ref.alias) ? aliases[ref.alias] : undefined;
    if (version === undefined) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, { provider: PROVIDER, operation: op });
    return { model: ref.model, version };
  }

  async #readRef(ref: VersionRefInput, op: string, options: CallOptions | undefined): Promise<VersionRecord> {
    const target = parseRef(ref, op);
    await this.#begin(op, options, target.model);
    return this.#guard(op, async () => {
      const { model, version } = await this.#resolve(target, op);
      return this.#store.requireVersion(model, version, op);
    });
  }
}

/**
 * Creates a local registry in a directory: no server, works offline, safe for several processes at once.
 *
 * @example
 * ```ts
 * import { createLocalRegistry } from "modelreg/local";
 * const registry = createLocalRegistry({ root: ".modelreg" });
 * const v1 = await registry.createVersion("fraud", { artifacts: { directory: "out/model" }, metrics: { auc: 0.91 } });
 * await registry.setAlias("fraud", "champion", v1.version);
 * ```
 */
export function createLocalRegistry(settings: LocalRegistrySettings = {}): LocalRegistry {
  return new LocalRegistry(settings);
}
