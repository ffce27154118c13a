/**
 * The W&B primitives: model versions as artifact versions of type `model` in one project's collections, aliases as
 * the collection's aliases, stages in the artifact's metadata with `staging` and `production` as aliases the adapter
 * manages. The registry facade checks every input before these run.
 *
 * @module
 */

import type { RegistryCapabilities } from "../../core/capabilities.js";
import { NotFoundError, invalidInput } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { CallOptions, TransferOptions } from "../../core/options.js";
import { ownValue, setOwn } from "../../core/own-keys.js";
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
import { responses } from "./wandb-api.js";
import { MANAGED_ALIASES, STAGE_KEY, parseMetadata, toModelVersion, wandbTags, wandbTime, type FoundVersion, type StoredMetadata } from "./wandb-metadata.js";
import type { WandbScope } from "./wandb-scope.js";
import { PROVIDER } from "./wandb-transport.js";

/** What W&B supports: stages as managed aliases, no empty collections, no audit trail. */
export const CAPABILITIES: RegistryCapabilities = Object.freeze({
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

/** The page size when a list call names none. */
const DEFAULT_PAGE_SIZE = 50;

/** The W&B primitives over one {@link WandbScope}. */
export class WandbProvider implements RegistryProviderV1 {
  /** The provider specification implemented. */
  readonly specificationVersion = PROVIDER_SPECIFICATION_VERSION;
  /** `wandb`. */
  readonly provider = PROVIDER;
  /** What W&B supports. */
  readonly capabilities = CAPABILITIES;
  readonly #scope: WandbScope;

  /** @param scope - The entity and project versions live in. */
  constructor(scope: WandbScope) {
    this.#scope = scope;
  }

  /** `latest` is refused by the common rules; the stage aliases are W&B's only through `transitionStage`. */
  checkAlias(alias: string, operation: string, field: string): void {
    if (MANAGED_ALIASES.has(alias)) throw invalidInput(operation, field, `${alias} is managed by the adapter`, PROVIDER);
  }

  /** A collection, with every user alias (not `latest` or the stage aliases) from its newest versions. */
  async doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel> {
    const s = this.#scope;
    const page = await s.versionsPage(name, undefined, CAPABILITIES.maxPageSize, ctx.operation, ctx.options);
    if (!page)
      throw new NotFoundError(`no collection ${JSON.stringify(name)} in ${await s.entity(ctx.options)}/${s.project}`, {
        provider: PROVIDER,
        operation: ctx.operation,
      });
    const aliases: Record<string, string> = {};
    for (const v of page.items) for (const a of v.aliases) if (!MANAGED_ALIASES.has(a)) setOwn(aliases, a, String(v.versionIndex));
    const created = page.items.at(-1)?.artifact.createdAt ?? new Date(0).toISOString();
    const latest = page.items[0]?.artifact;
    return {
      name,
      ...(page.description && { description: page.description }),
      tags: {},
      aliases,
      createdAt: wandbTime(created),
      updatedAt: wandbTime(latest?.updatedAt ?? latest?.createdAt ?? created),
      ...(page.items[0] && { latestVersion: String(page.items[0].versionIndex) }),
    };
  }

  /**
   * The project's collections by name prefix. Collections have no tags (`capabilities.modelTags` is off), so
   * `query.tags` is not applied.
   */
  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel> {
    const s = this.#scope;
    const first = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...ctx.options, ...(signal && { signal }), operation: ctx.operation };
      const d = await s.transport.gql(
        "Collections",
        { entity: await s.entity(call), project: s.project, first, after: token ?? null },
        responses.collections,
        call,
      );
      const conn = d.project?.artifactCollections;
      const items = (conn?.edges ?? [])
        .map((e) => e.node)
        .filter((c) => c.name.startsWith(query.namePrefix))
        .map((c) => ({
          name: c.name,
          ...(c.description && { description: c.description }),
          tags: {},
          aliases: {},
          createdAt: wandbTime(c.createdAt),
          updatedAt: wandbTime(c.createdAt),
        }));
      return { items, ...(conn?.pageInfo.hasNextPage && conn.pageInfo.endCursor && { nextPageToken: conn.pageInfo.endCursor }) };
    };
  }

  /**
   * Updates the collection's description (the facade refuses tags: `capabilities.modelTags` is off). A registry
   * collection is a portfolio and takes the portfolio mutation, as W&B's client sends it.
   */
  async doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    const op = ctx.operation;
    const page = await this.#scope.versionsPage(name, undefined, 1, op, ctx.options);
    if (!page) throw new NotFoundError(`no collection ${JSON.stringify(name)}`, { provider: PROVIDER, operation: op });
    if (patch.description !== undefined) {
      const mutation = page.portfolio ? "UpdateArtifactPortfolio" : "UpdateArtifactSequence";
      await this.#scope.transport.gql(mutation, { id: page.collectionId, description: patch.description }, responses.any, {
        ...ctx.options,
        operation: op,
        idempotent: true,
      });
    }
    const events = ctx.stamp([{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }]);
    return { events, readBack: () => this.doGetModel(name, ctx) };
  }

  /**
   * Logs a version the way W&B's client does (see `wandb-create-version.ts`). Content identical to an existing
   * version returns that version, as W&B does, with the requested aliases moved onto it. Creates of one collection
   * go one at a time, so versions are numbered in call order.
   */
  async doCreateVersion(model: string, create: ProviderCreateVersion, ctx: ProviderContext<TransferOptions>): Promise<ProviderChange<ModelVersion>> {
    const { input, meta } = create;
    const op = ctx.operation;
    const s = this.#scope;
    // Loaded by the first create (with the manifest building and uploads it needs): readers never load them.
    const [{ resolveArtifactSource }, { logArtifactVersion }] = await Promise.all([
      import("../../artifacts/resolve-source.js"),
      import("./wandb-create-version.js"),
    ]);
    const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: op });
    const call = { ...ctx.options, operation: op };
    return this.#serial(model, async () => {
      const entity = await s.entity(call);
      if (input.createModel === false) await this.doGetModel(model, ctx);
      const log = { transport: s.transport, settings: s.settings, entity, project: s.project, features: await s.features(call), actor: ctx.actor };
      const logged = await logArtifactVersion(log, model, meta, files, call);
      const found = await s.found(logged.artifactID, model, call);
      const events: RegistryEventInput[] = [];
      const version = String(found.versionIndex);
      if (logged.deduplicated) {
        // W&B does not say whether a deduplicated create applies its aliases, so they are set explicitly.
        const missing = meta.aliases.filter((a) => !found.aliases.includes(a));
        for (const alias of missing) {
          const previous = await s.holder(model, alias, op, call);
          await s.aliases("AddAliases", found.artifact.id, model, [alias], op, call);
          events.push({ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version });
        }
        found.aliases.push(...missing);
      } else {
        events.push({ type: "version.created", model, version, to: version });
        for (const alias of meta.aliases) events.push({ type: "alias.set", model, alias, version, to: version });
      }
      return { value: toModelVersion(model, found), events: ctx.stamp(events) };
    });
  }

  /** A version by number (`v3` on W&B), alias, or `latest`. */
  async doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion> {
    return toModelVersion(ref.model, await this.#scope.resolve(ref, ctx.operation, ctx.options));
  }

  /** A collection's committed versions, newest first; stage and tags are filtered page by page. */
  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion> {
    const op = ctx.operation;
    const first = query.pageSize ?? DEFAULT_PAGE_SIZE;
    const tags = Object.entries(query.tags);
    return async (token, signal) => {
      const page = await this.#scope.versionsPage(model, token, first, op, { ...ctx.options, ...(signal && { signal }) });
      if (!page) throw new NotFoundError(`no collection ${JSON.stringify(model)}`, { provider: PROVIDER, operation: op });
      const items = page.items
        .map((f) => toModelVersion(model, f))
        .filter((v) => (!query.stage || v.stage === query.stage) && tags.every(([k, t]) => ownValue(v.tags, k) === t));
      return { items, ...(page.next && { nextPageToken: page.next }) };
    };
  }

  /**
   * Updates description, metrics, tags and model card (kept in the artifact's metadata, which W&B replaces whole).
   * Tags are also added to and removed from the version's W&B tags where the server has them.
   */
  async doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    const op = ctx.operation;
    const s = this.#scope;
    const found = await s.resolve(ref, op, ctx.options);
    const meta = parseMetadata(found.artifact.metadata);
    const tags = { ...meta.tags };
    for (const [k, v] of Object.entries(patch.tags ?? {})) {
      if (v === null) delete tags[k];
      else setOwn(tags, k, v);
    }
    const next: StoredMetadata = { ...meta, tags, metrics: { ...meta.metrics, ...patch.metrics }, ...(patch.modelCard && { modelCard: patch.modelCard }) };
    const input: Record<string, unknown> = {
      artifactID: found.artifact.id,
      metadata: JSON.stringify(next),
      ...(patch.description !== undefined && { description: patch.description }),
    };
    if ((await s.features(ctx.options)).ARTIFACT_TAGS && patch.tags) {
      const before = new Set(wandbTags(meta.tags ?? {}).map((t) => t.tagName));
      const after = new Set(wandbTags(tags).map((t) => t.tagName));
      const add = [...after].filter((t) => !before.has(t)).map((tagName) => ({ tagName }));
      const remove = [...before].filter((t) => !after.has(t)).map((tagName) => ({ tagName }));
      if (add.length > 0) input.tagsToAdd = add;
      if (remove.length > 0) input.tagsToDelete = remove;
    }
    await s.transport.gql("UpdateArtifact", { input }, responses.any, { ...ctx.options, operation: op, idempotent: true });
    const version = String(found.versionIndex);
    const events = ctx.stamp([{ type: "version.updated", model: ref.model, version, details: { fields: Object.keys(patch) } }]);
    return { events, readBack: async () => toModelVersion(ref.model, await s.resolve({ model: ref.model, version }, op, ctx.options)) };
  }

  /**
   * Deletes a version with its aliases. Read through a registry collection (a portfolio), the version is a link:
   * it is unlinked, and the version it links to stays in its own collection, as W&B's `Artifact.delete()` does.
   */
  async doDeleteVersion(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
    const s = this.#scope;
    const found = await s.resolve(ref, ctx.operation, ctx.options);
    const call = { ...ctx.options, operation: ctx.operation, idempotent: true };
    if (found.collection?.portfolio)
      await s.transport.gql("UnlinkArtifact", { artifactID: found.artifact.id, portfolioID: found.collection.id }, responses.any, call);
    else await s.transport.gql("DeleteArtifact", { artifactID: found.artifact.id, deleteAliases: true }, responses.any, call);
    return { value: undefined, events: ctx.stamp([{ type: "version.deleted", model: ref.model, version: String(found.versionIndex) }]) };
  }

  /** Points an alias at a version; W&B moves it from any other version of the collection. */
  async doSetAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>> {
    const op = ctx.operation;
    const s = this.#scope;
    const found = await s.resolve({ model, version }, op, ctx.options);
    const previous = await s.holder(model, alias, op, ctx.options);
    await s.aliases("AddAliases", found.artifact.id, model, [alias], op, ctx.options);
    const events =
      previous === version ? [] : ctx.stamp([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }]);
    return { value: previous === undefined ? {} : { previous }, events };
  }

  /** Removes an alias. */
  async doDeleteAlias(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    const s = this.#scope;
    const found = await s.resolve({ model, alias }, ctx.operation, ctx.options);
    await s.aliases("DeleteAliases", found.artifact.id, model, [alias], ctx.operation, ctx.options);
    const version = String(found.versionIndex);
    return { value: undefined, events: ctx.stamp([{ type: "alias.deleted", model, alias, version, from: version }]) };
  }

  /** The version an alias (or `latest`) is on. */
  async doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string> {
    return String((await this.#scope.resolve({ model, alias }, ctx.operation, ctx.options)).versionIndex);
  }

  /** Moves a version to a stage: kept in its metadata, with `staging` and `production` as managed aliases. */
  async doTransitionStage(ref: VersionRef, stage: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    const op = ctx.operation;
    const s = this.#scope;
    const found = await s.resolve(ref, op, ctx.options);
    const version = String(found.versionIndex);
    const from = parseMetadata(found.artifact.metadata)[STAGE_KEY] ?? "draft";
    const events: RegistryEventInput[] = [];
    // The version moves first: if W&B refuses its stage alias, the versions it would have archived stay as they are.
    await this.#setStage(ref.model, found, stage, op, ctx.options);
    if (from !== stage) events.push({ type: "stage.changed", model: ref.model, version, stage, from, to: stage });
    if (archiveExisting) {
      for await (const other of this.#inStage(ref.model, stage, op, ctx.options)) {
        if (other === version) continue;
        await this.#setStage(ref.model, await s.resolve({ model: ref.model, version: other }, op, ctx.options), "archived", op, ctx.options);
        events.push({ type: "stage.changed", model: ref.model, version: other, stage: "archived", from: stage, to: "archived" });
      }
    }
    return { events: ctx.stamp(events), readBack: async () => toModelVersion(ref.model, await s.resolve({ model: ref.model, version }, op, ctx.options)) };
  }

  /**
   * The files, from the version's manifest, with their base64 MD5 (for MD5 entries). `openArtifact` opens one file:
   * its signed URL alone is asked for, and its digest (MD5 or XXH128, as its entry says) checked as it streams.
   * `downloadArtifacts` opens many and checks each MD5 itself (checking here too would hash twice), so only XXH128
   * entries, which it does not know, are checked here; one listing of signed URLs serves the whole download instead of
   * a query per file.
   */
  async doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
    // Loaded by the first call that reads files (the manifest, signed URLs, digest checks): getVersion does not.
    const { fileUrls, listManifestFiles, openVerified } = await import("./wandb-files.js");
    const op = ctx.operation;
    const t = this.#scope.transport;
    const call = { ...ctx.options, operation: op };
    const found = await this.#scope.resolve(ref, op, ctx.options);
    // The files are listed through the membership the version was read as (its number in this scope's collection).
    const where = {
      entity: await this.#scope.entity(call),
      project: this.#scope.project,
      collection: ref.model,
      versionIndex: found.versionIndex,
      artifactID: found.artifact.id,
    };
    const { files, digests } = await listManifestFiles(t, found.artifact, call);
    return {
      model: ref.model,
      version: String(found.versionIndex),
      files,
      open: async (file, signal) => {
        const each = { ...call, ...(signal && { signal }) };
        return { stream: await openVerified(t, (await fileUrls(t, where, [file.path], each)).get(file.path), file, digests.get(file.path), each) };
      },
      openForDownload: (selected, signal) => {
        // One listing of signed URLs for the whole selection, under the download's signal rather than one file's;
        // the download checks each file's MD5 itself, so those streams are not verified twice.
        const whole = { ...call, ...(signal && { signal }) };
        const every = selected.length === files.length;
        let urls: Promise<Map<string, string>> | undefined;
        return async (file, fileSignal) => {
          urls ??= fileUrls(t, where, every ? undefined : selected.map((f) => f.path), whole);
          const each = { ...call, ...(fileSignal && { signal: fileSignal }), checkMd5: false };
          return { stream: await openVerified(t, (await urls).get(file.path), file, digests.get(file.path), each) };
        };
      },
    };
  }

  /** Runs creates of one collection one at a time: W&B numbers versions in commit order. */
  async #serial<T>(model: string, run: () => Promise<T>): Promise<T> {
    const queues = this.#scope.queues;
    const key = `${this.#scope.project}/${model}`;
    const before = queues.get(key) ?? Promise.resolve();
    const mine = before.then(run, run);
    const tail = mine.catch(() => undefined);
    queues.set(key, tail);
    try {
      return await mine;
    } finally {
      if (queues.get(key) === tail) queues.delete(key);
    }
  }

  /** The numbers of a collection's versions in `stage`, newest first, a page at a time. */
  async *#inStage(model: string, stage: Stage, op: string, options: CallOptions): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      options.signal?.throwIfAborted();
      const page = await this.#scope.versionsPage(model, token, DEFAULT_PAGE_SIZE, op, options);
      if (!page) throw new NotFoundError(`no collection ${JSON.stringify(model)}`, { provider: PROVIDER, operation: op });
      for (const f of page.items) if ((parseMetadata(f.artifact.metadata)[STAGE_KEY] ?? "draft") === stage) yield String(f.versionIndex);
      token = page.next;
    } while (token);
  }

  /**
   * The stage alias goes on first: it is the step W&B may refuse (a protected alias needs a registry admin), and a
   * refusal then leaves nothing changed. If the metadata update fails after it, the alias is taken back off.
   */
  async #setStage(model: string, found: FoundVersion, stage: Stage, op: string, options: CallOptions): Promise<void> {
    const s = this.#scope;
    const meta = parseMetadata(found.artifact.metadata);
    const adds = (stage === "staging" || stage === "production") && !found.aliases.includes(stage) ? [stage] : [];
    if (adds.length > 0) await s.aliases("AddAliases", found.artifact.id, model, adds, op, options);
    try {
      await s.transport.gql(
        "UpdateArtifact",
        { input: { artifactID: found.artifact.id, metadata: JSON.stringify({ ...meta, [STAGE_KEY]: stage }) } },
        responses.any,
        { ...options, operation: op, idempotent: true },
      );
    } catch (error) {
      if (adds.length > 0) await s.aliases("DeleteAliases", found.artifact.id, model, adds, op, options).catch(() => undefined);
      throw error;
    }
    const held = found.aliases.filter((x) => (x === "staging" || x === "production") && x !== stage);
    if (held.length > 0) await s.aliases("DeleteAliases", found.artifact.id, model, held, op, options);
  }
}
