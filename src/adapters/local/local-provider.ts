/**
 * The local registry's primitives. Every write that changes more than bytes runs under the model's lock and lands by
 * rename; the audit log records it (the commit point) before the facade tells subscribers.
 *
 * @module
 */

import type { RegistryCapabilities } from "../../core/capabilities.js";
import { ConflictError, NotFoundError } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { TransferOptions } from "../../core/options.js";
import {
  PROVIDER_SPECIFICATION_VERSION,
  type ProviderAuditQuery,
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
import type { CreateModelInput, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { readAudit } from "./local-audit.js";
import { openBlob } from "./local-blobs.js";
import { toArtifactFile, toModelVersion, toRegisteredModel } from "./local-convert.js";
import { createLocalVersion } from "./local-create-version.js";
import { toStorageError } from "./local-errors.js";
import type { FileChanges } from "./local-journal.js";
import type { ModelRecord, VersionRecord } from "./local-schemas.js";
import { type LocalStore, PROVIDER } from "./local-store.js";
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

type Change<T> = () => Promise<{ result: T; events: RegistryEventInput[]; files?: FileChanges }>;

/** The local registry as a {@link RegistryProviderV1}. */
export class LocalProvider implements RegistryProviderV1 {
  readonly specificationVersion = PROVIDER_SPECIFICATION_VERSION;
  readonly provider = PROVIDER;
  readonly capabilities = CAPABILITIES;
  /** The storage, shared with the registry's `verify` and `gc`. */
  readonly store: LocalStore;

  /** @param store - The registry's storage. */
  constructor(store: LocalStore) {
    this.store = store;
  }

  /** Page tokens are offsets: a malformed one is refused at the call. */
  checkPageToken(token: string, operation: string): void {
    decodeOffset(token, operation);
  }

  async doCreateModel(input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    const { store } = this;
    const record = await this.#write(input.name, ctx, async () => {
      if (await store.readModel(input.name, ctx.operation)) {
        throw new ConflictError(`model ${JSON.stringify(input.name)} already exists`, { provider: PROVIDER, operation: ctx.operation });
      }
      const now = new Date().toISOString();
      const created: ModelRecord = {
        name: input.name,
        ...(input.description !== undefined && { description: input.description }),
        tags: plainMap(input.tags),
        createdAt: now,
        updatedAt: now,
        lastVersion: 0,
      };
      return {
        result: created,
        events: [{ type: "model.created", model: input.name }],
        files: { writes: [{ file: store.paths.modelRecord(input.name), value: created }] },
      };
    });
    return { value: toRegisteredModel(record.value, {}, undefined), events: record.events };
  }

  async doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel> {
    await this.#begin(ctx, name);
    return this.#guard(ctx.operation, () => this.#loadModel(name, ctx.operation));
  }

  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel> {
    const op = ctx.operation;
    const pageSize = query.pageSize ?? 100;
    return (token) =>
      this.#guard(op, async () => {
        await this.#begin(ctx, null);
        const names = (await this.store.modelNames()).filter((n) => n.startsWith(query.namePrefix));
        const items: RegisteredModel[] = [];
        let index = token === undefined ? 0 : decodeOffset(token, op);
        for (; index < names.length && items.length < pageSize; index++) {
          const record = await this.store.readModel(names[index] as string, op);
          // A directory without a record is a model being created or deleted right now: not there yet, or gone.
          if (!record || !matchesTags(record.tags, query.tags)) continue;
          items.push(await this.#loadModel(record.name, op, record));
        }
        return { items, ...(index < names.length && { nextPageToken: String(index) }) };
      });
  }

  async doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    const { store } = this;
    const { events } = await this.#write(name, ctx, async () => {
      const record = await store.requireModel(name, ctx.operation);
      const updated: ModelRecord = {
        ...record,
        ...(patch.description !== undefined && { description: patch.description }),
        tags: applyTagPatch(record.tags, patch.tags),
        updatedAt: new Date().toISOString(),
      };
      return {
        result: updated,
        events: [{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }],
        files: { writes: [{ file: store.paths.modelRecord(name), value: updated }] },
      };
    });
    return { events, readBack: () => this.#guard(ctx.operation, () => this.#loadModel(name, ctx.operation)) };
  }

  async doDeleteModel(name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    const { store } = this;
    const { events } = await this.#write(name, ctx, async () => {
      await store.requireModel(name, ctx.operation);
      // Blobs stay: they are content-addressed and may be shared with other models' versions (gc removes orphans).
      return { result: undefined, events: [{ type: "model.deleted", model: name }], files: { removes: [store.paths.model(name)] } };
    });
    return { value: undefined, events };
  }

  async doCreateVersion(model: string, create: ProviderCreateVersion, ctx: ProviderContext<TransferOptions>): Promise<ProviderChange<ModelVersion>> {
    return this.#guard(ctx.operation, async () => {
      const { value, events } = await createLocalVersion(this.store, model, create, ctx);
      return { events, readBack: () => this.#guard(ctx.operation, async () => toModelVersion(value, await this.store.readAliases(model, ctx.operation))) };
    });
  }

  async doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion> {
    const record = await this.#readRef(ref, ctx);
    return this.#guard(ctx.operation, async () => toModelVersion(record, await this.store.readAliases(record.model, ctx.operation)));
  }

  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion> {
    const op = ctx.operation;
    const pageSize = query.pageSize ?? 100;
    return (token) =>
      this.#guard(op, async () => {
        await this.#begin(ctx, model);
        await this.store.requireModel(model, op);
        const numbers = await this.store.versionNumbers(model);
        const aliases = await this.store.readAliases(model, op);
        const items: ModelVersion[] = [];
        let index = token === undefined ? 0 : decodeOffset(token, op);
        for (; index < numbers.length && items.length < pageSize; index++) {
          const record = await this.store.readVersion(model, String(numbers[index]), op);
          if (!record || (query.stage && record.stage !== query.stage) || !matchesTags(record.tags, query.tags)) continue;
          items.push(toModelVersion(record, aliases));
        }
        return { items, ...(index < numbers.length && { nextPageToken: String(index) }) };
      });
  }

  async doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    const { store } = this;
    const op = ctx.operation;
    const { value: record, events } = await this.#write(ref.model, ctx, async () => {
      const { model, version } = await this.#resolve(ref, op);
      const current = await store.requireVersion(model, version, op);
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
        files: { writes: [{ file: store.paths.version(model, version), value: updated }] },
      };
    });
    return { events, readBack: () => this.#guard(op, async () => toModelVersion(record, await store.readAliases(record.model, op))) };
  }

  async doDeleteVersion(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
    const { store } = this;
    const op = ctx.operation;
    const { events } = await this.#write(ref.model, ctx, async () => {
      const { model, version } = await this.#resolve(ref, op);
      await store.requireVersion(model, version, op);
      const aliases = await store.readAliases(model, op);
      const changes: RegistryEventInput[] = [];
      for (const [alias, to] of Object.entries(aliases)) {
        if (to !== version) continue;
        delete aliases[alias];
        changes.push({ type: "alias.deleted", model, alias, from: version });
      }
      changes.push({ type: "version.deleted", model, version, from: version });
      // Aliases first: an alias must never point at a version that is gone, even between the two steps.
      const writes = changes.length > 1 ? [{ file: store.paths.aliases(model), value: { aliases } }] : [];
      return { result: undefined, events: changes, files: { writes, removes: [store.paths.version(model, version)] } };
    });
    return { value: undefined, events };
  }

  async doSetAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>> {
    const { store } = this;
    const op = ctx.operation;
    return this.#write(model, ctx, async () => {
      await store.requireVersion(model, version, op);
      const aliases = await store.readAliases(model, op);
      const previous = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
      if (previous === version) return { result: { previous }, events: [] };
      aliases[alias] = version;
      const event: RegistryEventInput = { type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version };
      return {
        result: previous === undefined ? {} : { previous },
        events: [event],
        files: { writes: [{ file: store.paths.aliases(model), value: { aliases } }] },
      };
    });
  }

  async doDeleteAlias(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    const { store } = this;
    const op = ctx.operation;
    return this.#write(model, ctx, async () => {
      await store.requireModel(model, op);
      const aliases = await store.readAliases(model, op);
      const previous = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
      if (previous === undefined)
        throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation: op });
      delete aliases[alias];
      return {
        result: undefined,
        events: [{ type: "alias.deleted", model, alias, version: previous, from: previous }],
        files: { writes: [{ file: store.paths.aliases(model), value: { aliases } }] },
      };
    });
  }

  async doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string> {
    await this.#begin(ctx, model);
    return this.#guard(ctx.operation, async () => (await this.#resolve({ model, alias }, ctx.operation)).version);
  }

  async doTransitionStage(ref: VersionRef, to: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    const { store } = this;
    const op = ctx.operation;
    const { value: record, events } = await this.#write(ref.model, ctx, async () => {
      const { model, version } = await this.#resolve(ref, op);
      const current = await store.requireVersion(model, version, op);
      const now = new Date().toISOString();
      const changes: RegistryEventInput[] = [];
      const writes: Array<{ file: string; value: VersionRecord }> = [];
      if (archiveExisting) {
        for (const n of await store.versionNumbers(model)) {
          const other = await store.readVersion(model, String(n), op);
          if (!other || other.version === version || other.stage !== to) continue;
          writes.push({ file: store.paths.version(model, other.version), value: { ...other, stage: "archived", updatedAt: now } });
          changes.push({ type: "stage.changed", model, version: other.version, stage: "archived", from: to, to: "archived", details: { archivedBy: version } });
        }
      }
      const updated: VersionRecord = current.stage === to ? current : { ...current, stage: to, updatedAt: now };
      if (current.stage !== to) {
        writes.push({ file: store.paths.version(model, version), value: updated });
        changes.push({ type: "stage.changed", model, version, stage: to, from: current.stage, to });
      }
      // One change: the candidate moves and the old holders are archived together, with their events, or none is.
      return { result: updated, events: changes, files: { writes } };
    });
    return { events, readBack: () => this.#guard(op, async () => toModelVersion(record, await store.readAliases(record.model, op))) };
  }

  async doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
    const record = await this.#readRef(ref, ctx);
    const { paths } = this.store;
    const op = ctx.operation;
    return {
      model: record.model,
      version: record.version,
      files: record.files.map(toArtifactFile),
      open: async (file) => {
        const stored = record.files.find((f) => f.path === file.path);
        if (!stored)
          throw new NotFoundError(`${record.model}/${record.version} has no file ${JSON.stringify(file.path)}`, { provider: PROVIDER, operation: op });
        return { stream: await openBlob(paths, stored, op), size: stored.size };
      },
    };
  }

  doListAuditEvents(query: ProviderAuditQuery, ctx: ProviderContext): ProviderPageFetcher<RegistryEvent> {
    const op = ctx.operation;
    const pageSize = query.pageSize ?? 500;
    return (token) =>
      this.#guard(op, async () => {
        await this.#begin(ctx, query.model ?? null);
        const { events, next } = await readAudit(this.store.paths, {
          start: token === undefined ? 0 : decodeOffset(token, op),
          limit: pageSize,
          operation: op,
          match: (e) =>
            (query.model === undefined || e.model === query.model) &&
            (!query.types || query.types.has(e.type)) &&
            (query.since === undefined || Date.parse(e.at) >= query.since),
        });
        return { items: events, ...(next !== undefined && { nextPageToken: String(next) }) };
      });
  }

  async doRecordEvent(event: RegistryEvent, ctx: ProviderContext): Promise<void> {
    // The facade stamped the event already: the transaction records it as it is.
    await this.#write(event.model, { ...ctx, stamp: () => [event] }, async () => ({ result: undefined, events: [event] }));
  }

  /** Opens the root and settles what a crashed writer left on the model (`null`: on every model). */
  async #begin(ctx: ProviderContext, model: string | null): Promise<void> {
    await this.#guard(ctx.operation, async () => {
      await this.store.begin(ctx.operation, ctx.options);
      await this.store.settle(model ?? undefined, ctx.operation);
    });
  }

  /** A change to one model, whole: see {@link LocalStore.transact}. */
  async #write<T>(
    model: string,
    ctx: Pick<ProviderContext, "operation" | "options" | "stamp">,
    change: Change<T>,
  ): Promise<{ value: T; events: RegistryEvent[] }> {
    const op = ctx.operation;
    return this.#guard(op, async () => {
      await this.store.begin(op, ctx.options);
      const { result, events } = await this.store.transact(model, ctx, change);
      return { value: result, events };
    });
  }

  /** File-system failures become `StorageError`s naming the operation and file. */
  async #guard<T>(op: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStorageError(error, op, this.store.paths.root);
    }
  }

  async #loadModel(name: string, op: string, known?: ModelRecord): Promise<RegisteredModel> {
    const record = known ?? (await this.store.requireModel(name, op));
    const [aliases, numbers] = await Promise.all([this.store.readAliases(name, op), this.store.versionNumbers(name)]);
    return toRegisteredModel(record, aliases, numbers[0] === undefined ? undefined : String(numbers[0]));
  }

  async #resolve(ref: VersionRef, op: string): Promise<{ model: string; version: string }> {
    if ("version" in ref) return { model: ref.model, version: ref.version };
    await this.store.requireModel(ref.model, op);
    if (ref.alias === "latest") {
      const [highest] = await this.store.versionNumbers(ref.model);
      if (highest === undefined) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no versions`, { provider: PROVIDER, operation: op });
      return { model: ref.model, version: String(highest) };
    }
    // Own properties only: an alias named "constructor" or "toString" is data, never Object.prototype's.
    const aliases = await this.store.readAliases(ref.model, op);
    const version = Object.hasOwn(aliases, ref.alias) ? aliases[ref.alias] : undefined;
    if (version === undefined)
      throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, { provider: PROVIDER, operation: op });
    return { model: ref.model, version };
  }

  async #readRef(ref: VersionRef, ctx: ProviderContext): Promise<VersionRecord> {
    await this.#begin(ctx, ref.model);
    return this.#guard(ctx.operation, async () => {
      const { model, version } = await this.#resolve(ref, ctx.operation);
      return this.store.requireVersion(model, version, ctx.operation);
    });
  }
}
