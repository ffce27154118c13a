/**
 * The Hugging Face provider: the spec's primitives over Hub model repositories. A model is a repository
 * `<namespace>/<name>`; version n is a commit on `main` tagged `v<n>`, whose tree is exactly the version's files plus
 * its card (README.md) and record (modelreg.json); aliases and the `staging`/`production` stages are branches; what
 * changes after a version is made lives in `state.json` on the orphan branch `modelreg`. Reads are here; changes are
 * in modules imported on first use.
 *
 * @module
 */

import type { RegistryCapabilities } from "../../core/capabilities.js";
import { mapLimit } from "../../core/concurrency.js";
import { invalidInput } from "../../core/errors.js";
import type { TransferOptions } from "../../core/options.js";
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
import type { CreateModelInput, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { callOptions } from "../../http/call-options.js";
import { modelInfoSchema, modelListSchema } from "./hf-api.js";
import { hasTags, toRegisteredModel } from "./hf-convert.js";
import { checkHubAlias, checkRepoName } from "./hf-names.js";
import { huggingFaceCreateVersionOptionsSchema, type HuggingFaceCreateVersionOptions } from "./hf-options.js";
import { aliasesByVersion, find, listTree, liveVersions, loadVersion, nextLink, resolveAlias, type Snapshot, snapshot, userAliases } from "./hf-read.js";
import { HubRepos } from "./hf-repos.js";
import type { HuggingFaceRegistrySettings } from "./hf-settings.js";
import { HubTransport, PROVIDER } from "./hf-transport.js";
import type { WriteParts } from "./hf-writes.js";

const CAPABILITIES: RegistryCapabilities = Object.freeze({
  stages: "alias",
  aliases: true,
  emptyModels: true,
  modelTags: true,
  renameModel: false,
  deleteModel: true,
  deleteVersion: true,
  updateMetrics: false,
  deploy: false,
  audit: false,
  idempotentCreate: true,
  maxPageSize: 100,
});

/** Models and versions a page, unless asked otherwise. */
const DEFAULT_PAGE_SIZE = 50;

/** The Hugging Face provider. Users reach it through `HuggingFaceRegistry`. */
export class HuggingFaceProvider implements RegistryProviderV1<HuggingFaceCreateVersionOptions> {
  /** The spec version implemented. */
  readonly specificationVersion = PROVIDER_SPECIFICATION_VERSION;
  /** `huggingface`. */
  readonly provider = PROVIDER;
  /** Empty models, model tags, aliases and stage branches; no metric updates (a version's commit is immutable), no deploys, no audit trail. */
  readonly capabilities: RegistryCapabilities = CAPABILITIES;
  /** The Hub's client. */
  readonly transport: HubTransport;
  /** Repositories of the namespace. */
  readonly repos: HubRepos;

  /** @param settings - See {@link HuggingFaceRegistrySettings}; checked here, before any request. */
  constructor(settings: HuggingFaceRegistrySettings) {
    if (typeof settings !== "object" || settings === null) throw invalidInput("createHuggingFaceRegistry", "settings", "settings must be an object", PROVIDER);
    if (settings.private !== undefined && typeof settings.private !== "boolean")
      throw invalidInput("createHuggingFaceRegistry", "private", "private must be true or false", PROVIDER);
    this.transport = new HubTransport(settings);
    this.repos = new HubRepos(this.transport, settings.private === false ? "public" : "private");
  }

  /** The schema of `providerOptions.huggingface`. */
  get createVersionOptions() {
    return huggingFaceCreateVersionOptionsSchema();
  }

  /** Aliases are branches: not `main`, the state branch, or a stage's. */
  checkAlias(alias: string, operation: string, field: string): void {
    checkHubAlias(alias, operation, field);
  }

  /** Version pages continue below a version number. */
  checkPageToken(token: string, operation: string): void {
    if (!/^\d{1,16}$/.test(token) && !token.startsWith("?")) throw invalidInput(operation, "pageToken", "not a page token of this registry", PROVIDER);
  }

  async doCreateModel(input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    checkRepoName(input.name, ctx.operation, "name");
    return (await import("./hf-writes.js")).createHubModel(this.#writeParts(), input, ctx);
  }

  async doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel> {
    checkRepoName(name, ctx.operation, "name");
    const { operation: op, options } = ctx;
    const t = this.transport;
    const [info, snap] = await Promise.all([
      t.http.request({ operation: op, path: t.api(name), schema: modelInfoSchema, ...callOptions(options) }),
      snapshot(t, name, op, options),
    ]);
    return this.#toModel(name, info.data, snap);
  }

  /** The namespace's repositories (`GET /api/models?author=`), narrowed by `namePrefix` and `tags` here. */
  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel> {
    const { operation: op, options } = ctx;
    const t = this.transport;
    const limit = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...callOptions(options), ...(signal && { signal }) };
      // A page token is the Hub's own next-page query (its cursor), kept as given.
      const path = token ? `api/models${token}` : "api/models";
      const res = await t.http.request({
        operation: op,
        path,
        ...(!token && { query: { author: t.namespace, limit, ...(query.namePrefix && { search: query.namePrefix }) } }),
        schema: modelListSchema,
        ...call,
      });
      const names = res.data
        .map((m) => m.id)
        .filter((id) => id.startsWith(`${t.namespace}/`))
        .map((id) => id.slice(t.namespace.length + 1))
        .filter((name) => name.startsWith(query.namePrefix));
      const infos = new Map(res.data.map((m) => [m.id, m]));
      const models = await mapLimit(names, 8, async (name) =>
        this.#toModel(name, infos.get(t.repoId(name)) ?? { id: t.repoId(name) }, await snapshot(t, name, op, call)),
      );
      const next = nextLink(res.headers.get("link"));
      const nextToken = next === undefined ? undefined : new URL(next, t.endpoint).search;
      return { items: models.filter((m) => hasTags(m.tags, query.tags)), ...(nextToken && { nextPageToken: nextToken }) };
    };
  }

  async doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    checkRepoName(name, ctx.operation, "name");
    return (await import("./hf-writes.js")).updateHubModel(this.#writeParts(), name, patch, ctx);
  }

  async doDeleteModel(name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkRepoName(name, ctx.operation, "name");
    return (await import("./hf-writes.js")).deleteHubModel(this.#writeParts(), name, ctx);
  }

  async doCreateVersion(
    model: string,
    create: ProviderCreateVersion<HuggingFaceCreateVersionOptions>,
    ctx: ProviderContext<TransferOptions>,
  ): Promise<ProviderChange<ModelVersion>> {
    checkRepoName(model, ctx.operation);
    const { createHubVersion } = await import("./hf-create-version.js");
    return createHubVersion({ t: this.transport, repos: this.repos, read: (m, v, c) => this.doGetVersion({ model: m, version: v }, c) }, model, create, ctx);
  }

  async doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion> {
    checkRepoName(ref.model, ctx.operation);
    const { operation: op, options } = ctx;
    const snap = await snapshot(this.transport, ref.model, op, options);
    const found = await find(this.transport, ref, snap, op, options);
    return loadVersion(this.transport, ref.model, found, snap, aliasesByVersion(snap).get(found.version) ?? [], op, options);
  }

  /** Newest first; a page token is the number the next page starts below. `stage` and `tags` filter each page. */
  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion> {
    checkRepoName(model, ctx.operation);
    const { operation: op, options } = ctx;
    const t = this.transport;
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...callOptions(options), ...(signal && { signal }) };
      const snap = await snapshot(t, model, op, call);
      const below = token === undefined ? Number.POSITIVE_INFINITY : Number(token);
      const live = liveVersions(snap).filter((v) => Number(v) < below);
      const page = live.slice(0, pageSize);
      const aliases = aliasesByVersion(snap);
      const versions = await mapLimit(page, 8, async (version) =>
        loadVersion(t, model, await find(t, { model, version }, snap, op, call), snap, aliases.get(version) ?? [], op, call),
      );
      const items = versions.filter((v) => (!query.stage || v.stage === query.stage) && hasTags(v.tags, query.tags));
      const last = page[page.length - 1];
      return { items, ...(live.length > pageSize && last !== undefined && { nextPageToken: last }) };
    };
  }

  async doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    checkRepoName(ref.model, ctx.operation);
    return (await import("./hf-writes.js")).updateHubVersion(this.#writeParts(), ref, patch, ctx);
  }

  async doDeleteVersion(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkRepoName(ref.model, ctx.operation);
    return (await import("./hf-writes.js")).deleteHubVersion(this.#writeParts(), ref, ctx);
  }

  async doSetAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>> {
    checkRepoName(model, ctx.operation);
    return (await import("./hf-writes.js")).setHubAlias(this.#writeParts(), model, alias, version, ctx);
  }

  async doDeleteAlias(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkRepoName(model, ctx.operation);
    return (await import("./hf-writes.js")).deleteHubAlias(this.#writeParts(), model, alias, ctx);
  }

  async doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string> {
    checkRepoName(model, ctx.operation);
    return resolveAlias(this.transport, model, alias, await snapshot(this.transport, model, ctx.operation, ctx.options), ctx.operation);
  }

  async doTransitionStage(ref: VersionRef, to: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    checkRepoName(ref.model, ctx.operation);
    return (await import("./hf-writes.js")).transitionHubStage(this.#writeParts(), ref, to, archiveExisting, ctx);
  }

  /** The record's files, or the tree's for a version another tool tagged; each read at the version's commit. */
  async doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
    checkRepoName(ref.model, ctx.operation);
    const { operation: op, options } = ctx;
    const t = this.transport;
    const snap = await snapshot(t, ref.model, op, options);
    const found = await find(t, ref, snap, op, options);
    const tree = found.record ? undefined : await listTree(t, ref.model, found.commit, op, options);
    // Loaded by the first file call: a client that reads metadata only never loads it.
    const { openFile, versionFiles } = await import("./hf-files.js");
    const files = versionFiles(found.record, tree);
    const byPath = new Map(files.map((f) => [f.path, f]));
    return {
      model: ref.model,
      version: found.version,
      files,
      open: (file, signal) => openFile(t, ref.model, found.commit, byPath.get(file.path) ?? file, op, { ...options, ...(signal && { signal }) }),
    };
  }

  #toModel(name: string, info: { id: string; createdAt?: string; lastModified?: string }, snap: Snapshot): RegisteredModel {
    return toRegisteredModel(name, info, snap.state, userAliases(snap), liveVersions(snap)[0]);
  }

  /** What the changes use of the provider. */
  #writeParts(): WriteParts {
    return {
      t: this.transport,
      repos: this.repos,
      readModel: (name, ctx) => this.doGetModel(name, ctx),
      readVersion: (model, version, ctx) => this.doGetVersion({ model, version }, ctx),
    };
  }
}
