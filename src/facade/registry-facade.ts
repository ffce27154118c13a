/**
 * The one `ModelRegistry` implementation. Every adapter is a {@link RegistryProviderV1} wrapped by this facade, so
 * what each would otherwise repeat lives here once: reference parsing, input checks, actor resolution, events and
 * `recordEvent`, capability checks, `listAliases`, `openArtifact` and `downloadArtifacts`.
 *
 * @module
 */

import { selectFiles } from "../artifacts/select.js";
import type { CapabilityName, RegistryCapabilities } from "../core/capabilities.js";
import { NotFoundError, UnsupportedCapabilityError, invalidInput } from "../core/errors.js";
import { RegistryEventBus, stampEvent, type RegistryEvent, type RegistryEventInput, type RegistryEventSource } from "../core/events.js";
import type { EndpointsApi } from "../core/endpoints.js";
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
} from "../core/model-registry.js";
import type { CallOptions, TransferOptions } from "../core/options.js";
import { paginate, type PageIterable } from "../core/pagination.js";
import { PROVIDER_SPECIFICATION_VERSION, type ProviderChange, type ProviderContext, type RegistryProviderV1 } from "../core/provider-spec.js";
import { withApprovals } from "../core/approvals-tag.js";
import { parseRef, toAliasEntries, type VersionRef, type VersionRefInput } from "../core/refs.js";
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
} from "../core/types.js";
import { assertAlias, assertArtifactPath, assertModelName, assertTags, assertVersion, checkTransition, preview } from "../core/validation.js";
import { resolveActor } from "../runtime/actor.js";
import { checkAuditQuery, checkEventInput, checkModelQuery, checkVersionOrder, checkVersionQuery } from "./facade-input.js";

/** Settings every registry takes. */
export interface FacadeSettings {
  /** Who acts, when a call does not say (default: the OS user). */
  actor?: string;
  /** Where failures of event subscribers go (default: ignored). */
  onEventError?: (error: unknown, event: RegistryEvent) => void;
  /**
   * The bus to deliver on, instead of one of its own: a view of another registry (W&B's `inRegistry`) shares its
   * parent's subscribers. `onEventError` is then the bus's.
   */
  events?: RegistryEventBus;
}

/** Which method needs which capability. */
const NEEDS: ReadonlyArray<[CapabilityName, keyof RegistryProviderV1]> = [
  ["emptyModels", "doCreateModel"],
  ["renameModel", "doRenameModel"],
  ["deleteModel", "doDeleteModel"],
  ["deleteVersion", "doDeleteVersion"],
  ["aliases", "doSetAlias"],
  ["aliases", "doDeleteAlias"],
  ["audit", "doListAuditEvents"],
  ["audit", "doRecordEvent"],
];

/** Why a capability is missing, in the words of the error users see. */
const UNSUPPORTED_HINT: Partial<Record<CapabilityName, string>> = {
  emptyModels: "a model is created with its first version: call createVersion",
  modelTags: "keep tags on versions",
  audit: "subscribe to registry.events instead",
};

/**
 * The `ModelRegistry` built on a provider. Adapters subclass it to add what only they have (`LocalRegistry.verify`,
 * `WandbRegistry.link`, `VertexRegistry.endpoints`).
 *
 * @typeParam O - The type of the adapter's `providerOptions.<provider>` for `createVersion`.
 */
export class RegistryFacade<O = unknown> implements ModelRegistry {
  /** The specification version this registry implements. */
  readonly specificationVersion = SPECIFICATION_VERSION;
  /** The provider's id. */
  readonly provider: string;
  /** What this registry supports. */
  readonly capabilities: RegistryCapabilities;
  /** Subscriptions to changes made through this client. */
  readonly events: RegistryEventSource;
  /** Deploy and traffic split, when `capabilities.deploy` (set by the adapter). */
  readonly endpoints?: EndpointsApi;
  readonly #provider: RegistryProviderV1<O>;
  readonly #bus: RegistryEventBus;
  readonly #actor: string | undefined;

  /**
   * @param provider - The adapter's primitives.
   * @param settings - The actor and subscriber-error handler.
   */
  constructor(provider: RegistryProviderV1<O>, settings: FacadeSettings = {}) {
    if (provider.specificationVersion !== PROVIDER_SPECIFICATION_VERSION) {
      throw invalidInput(
        "createRegistry",
        "specificationVersion",
        `provider ${String(provider.provider)} implements specification ${String(provider.specificationVersion)}; this modelreg needs ${PROVIDER_SPECIFICATION_VERSION}`,
        String(provider.provider),
      );
    }
    for (const [capability, method] of NEEDS) {
      if (provider.capabilities[capability] && typeof provider[method] !== "function") {
        throw new TypeError(`provider ${provider.provider} declares ${capability} but has no ${String(method)}`);
      }
    }
    this.#provider = provider;
    this.provider = provider.provider;
    this.capabilities = provider.capabilities;
    this.#bus = settings.events ?? new RegistryEventBus(settings.onEventError);
    this.events = this.#bus;
    this.#actor = settings.actor;
  }

  async createModel(input: CreateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "createModel";
    if (typeof input !== "object" || input === null) throw invalidInput(op, "input", "createModel takes { name, description?, tags? }", this.provider);
    assertModelName(input.name, op, "name");
    if (input.description !== undefined && typeof input.description !== "string")
      throw invalidInput(op, "description", "description must be a string", this.provider);
    assertTags(input.tags, op);
    const create = this.#need("emptyModels", "doCreateModel", op);
    return this.#change(op, options, (ctx) => create.call(this.#provider, input, ctx));
  }

  async getModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    assertModelName(name, "getModel", "name");
    return this.#provider.doGetModel(name, this.#context("getModel", options));
  }

  listModels(options: ListModelsOptions = {}): PageIterable<RegisteredModel> {
    const query = checkModelQuery(options, this.#provider);
    const fetch = this.#provider.doListModels(query, this.#context("listModels", options));
    return paginate(fetch, { signal: options.signal, pageToken: query.pageToken, provider: this.provider, operation: "listModels" });
  }

  async updateModel(name: string, patch: UpdateModelInput, options?: CallOptions): Promise<RegisteredModel> {
    const op = "updateModel";
    assertModelName(name, op, "name");
    if (typeof patch !== "object" || patch === null) throw invalidInput(op, "patch", "updateModel takes { description?, tags? }", this.provider);
    if (patch.description !== undefined && typeof patch.description !== "string")
      throw invalidInput(op, "description", "description must be a string", this.provider);
    assertTags(patch.tags, op, { allowNull: true });
    if (patch.tags !== undefined && Object.keys(patch.tags).length > 0) this.#require("modelTags", op);
    return this.#change(op, options, (ctx) => this.#provider.doUpdateModel(name, patch, ctx));
  }

  /** Renames a registered model; its versions and aliases follow. Requires `capabilities.renameModel`. */
  async renameModel(name: string, newName: string, options?: CallOptions): Promise<RegisteredModel> {
    const op = "renameModel";
    assertModelName(name, op, "name");
    assertModelName(newName, op, "newName");
    const rename = this.#need("renameModel", "doRenameModel", op);
    return this.#change(op, options, (ctx) => rename.call(this.#provider, name, newName, ctx));
  }

  async deleteModel(name: string, options?: CallOptions): Promise<void> {
    const op = "deleteModel";
    assertModelName(name, op, "name");
    const remove = this.#need("deleteModel", "doDeleteModel", op);
    return this.#change(op, options, (ctx) => remove.call(this.#provider, name, ctx));
  }

  async createVersion(model: string, input: CreateVersionInput, options: TransferOptions = {}): Promise<ModelVersion> {
    const op = "createVersion";
    assertModelName(model, op);
    const { checkCreateVersionInput, parseProviderOptions } = await import("../core/version-input.js");
    const meta = checkCreateVersionInput(input, op);
    for (const [i, alias] of meta.aliases.entries()) this.#provider.checkAlias?.(alias, op, `aliases[${i}]`);
    const providerOptions = parseProviderOptions(input.providerOptions, this.#provider, op);
    return withApprovals(await this.#change(op, options, (ctx) => this.#provider.doCreateVersion(model, { input, meta, providerOptions }, ctx)));
  }

  async getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion> {
    const target = parseRef(ref, "getVersion");
    return withApprovals(await this.#provider.doGetVersion(target, this.#context("getVersion", options)));
  }

  listVersions(model: string, options: ListVersionsOptions = {}): PageIterable<ModelVersion> {
    const query = checkVersionQuery(model, options, this.#provider);
    const order = options.orderBy === undefined ? undefined : checkVersionOrder(options.orderBy, query.pageToken, this.provider);
    const fetchPage = this.#provider.doListVersions(model, query, this.#context("listVersions", options));
    const fetch: typeof fetchPage = async (token, signal) => {
      const page = await fetchPage(token, signal);
      for (const version of page.items) withApprovals(version);
      return page;
    };
    const paging = { signal: options.signal, provider: this.provider, operation: "listVersions" };
    if (!order) return paginate(fetch, { ...paging, pageToken: query.pageToken });
    // Every matching version is read, then sorted (version-order.ts), then served again in pages of pageSize.
    let sorted: Promise<ModelVersion[]> | undefined;
    return paginate(async (token) => {
      sorted ??= Promise.all([paginate(fetch, paging).toArray(), import("./version-order.js")]).then(([all, { sortVersions }]) => sortVersions(all, order));
      const versions = await sorted;
      const start = token === undefined ? 0 : Number(token);
      const end = start + (query.pageSize ?? versions.length);
      return end < versions.length ? { items: versions.slice(start, end), nextPageToken: String(end) } : { items: versions.slice(start) };
    }, paging);
  }

  async updateVersion(ref: VersionRefInput, patch: UpdateVersionInput, options?: CallOptions): Promise<ModelVersion> {
    const op = "updateVersion";
    const target = parseRef(ref, op);
    const { checkUpdateVersionInput } = await import("../core/version-input.js");
    checkUpdateVersionInput(patch, op);
    if (patch.metrics !== undefined && Object.keys(patch.metrics).length > 0) this.#require("updateMetrics", op);
    return withApprovals(await this.#change(op, options, (ctx) => this.#provider.doUpdateVersion(target, patch, ctx)));
  }

  async deleteVersion(ref: VersionRefInput, options?: CallOptions): Promise<void> {
    const op = "deleteVersion";
    const target = parseRef(ref, op);
    const remove = this.#need("deleteVersion", "doDeleteVersion", op);
    return this.#change(op, options, (ctx) => remove.call(this.#provider, target, ctx));
  }

  async setAlias(model: string, alias: string, version: string, options?: CallOptions): Promise<SetAliasResult> {
    const op = "setAlias";
    assertModelName(model, op);
    this.#checkAlias(alias, op);
    assertVersion(version, op);
    const set = this.#need("aliases", "doSetAlias", op);
    const { previous } = await this.#change(op, options, (ctx) => set.call(this.#provider, model, alias, version, ctx));
    return previous === undefined ? {} : { previous };
  }

  async deleteAlias(model: string, alias: string, options?: CallOptions): Promise<void> {
    const op = "deleteAlias";
    assertModelName(model, op);
    this.#checkAlias(alias, op);
    const remove = this.#need("aliases", "doDeleteAlias", op);
    return this.#change(op, options, (ctx) => remove.call(this.#provider, model, alias, ctx));
  }

  async resolveAlias(model: string, alias: string, options?: CallOptions): Promise<string> {
    const op = "resolveAlias";
    assertModelName(model, op);
    if (alias !== "latest") assertAlias(alias, op);
    return this.#provider.doResolveAlias(model, alias, this.#context(op, options));
  }

  async listAliases(model: string, options?: CallOptions): Promise<AliasEntry[]> {
    const op = "listAliases";
    assertModelName(model, op);
    const { aliases } = await this.#provider.doGetModel(model, this.#context(op, options));
    return toAliasEntries(aliases);
  }

  async transitionStage(ref: VersionRefInput, stage: Stage, options: TransitionStageOptions = {}): Promise<ModelVersion> {
    const op = "transitionStage";
    const target = parseRef(ref, op);
    const to = checkTransition(stage, options.archiveExisting, op, this.provider);
    return withApprovals(await this.#change(op, options, (ctx) => this.#provider.doTransitionStage(target, to, options.archiveExisting ?? false, ctx)));
  }

  async listArtifacts(ref: VersionRefInput, options?: CallOptions): Promise<ArtifactFile[]> {
    const target = parseRef(ref, "listArtifacts");
    const { files } = await this.#provider.doVersionFiles(target, this.#context("listArtifacts", options));
    return files;
  }

  async openArtifact(ref: VersionRefInput, path: string, options?: CallOptions): Promise<ArtifactDownload> {
    const op = "openArtifact";
    const target = parseRef(ref, op);
    assertArtifactPath(path, op);
    const set = await this.#provider.doVersionFiles(target, this.#context(op, options));
    const file = set.files.find((f) => f.path === path);
    if (!file) throw new NotFoundError(`${set.model}/${set.version} has no file ${preview(path)}`, { provider: this.provider, operation: op });
    const { stream, size } = await set.open(file, options?.signal);
    const known = size ?? file.size;
    return { path, stream, ...(known !== undefined && { size: known }) };
  }

  async downloadArtifacts(ref: VersionRefInput, directory: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const op = "downloadArtifacts";
    const target = parseRef(ref, op);
    if (typeof directory !== "string" || directory === "") throw invalidInput(op, "directory", "directory must be a path", this.provider);
    // Loaded by the first download, before its first request: a client that never downloads does not load it.
    const { downloadToDirectory } = await import("../artifacts/download.js");
    const set = await this.#provider.doVersionFiles(target, this.#context(op, options));
    const files = selectFiles(set.files, options.paths, `${set.model}/${set.version}`, { provider: this.provider, operation: op });
    const open = set.openForDownload?.(files, options.signal) ?? ((file: ArtifactFile, signal: AbortSignal | undefined) => set.open(file, signal));
    return downloadToDirectory({
      directory,
      files,
      open: async (file, signal) => (await open(file, signal)).stream,
      ...(options.overwrite !== undefined && { overwrite: options.overwrite }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.signal !== undefined && { signal: options.signal }),
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
      provider: this.provider,
      operation: op,
    });
  }

  listAuditEvents(query: AuditQuery & { pageSize?: number; pageToken?: string } = {}): PageIterable<RegistryEvent> {
    const op = "listAuditEvents";
    const list = this.#need("audit", "doListAuditEvents", op);
    const checked = checkAuditQuery(query, this.#provider);
    const fetch = list.call(this.#provider, checked, this.#context(op, query));
    return paginate(fetch, { signal: query.signal, pageToken: checked.pageToken, provider: this.provider, operation: op });
  }

  async recordEvent(input: RegistryEventInput, options?: CallOptions): Promise<RegistryEvent> {
    const op = "recordEvent";
    checkEventInput(input, this.provider);
    const ctx = this.#context(op, options);
    const [event] = ctx.stamp([input]) as [RegistryEvent];
    // Where the registry keeps an audit trail, the event is stored before anyone hears of it.
    if (this.#provider.doRecordEvent) await this.#provider.doRecordEvent(event, ctx);
    await this.#deliver([event]);
    return event;
  }

  /**
   * Stamps and delivers events for changes an adapter's own extras make (deploys, links), which no primitive
   * reports. For adapters; users subscribe through `events`.
   */
  protected async publishEvents(inputs: readonly RegistryEventInput[], options: CallOptions | undefined): Promise<RegistryEvent[]> {
    const events = this.#context("publish", options).stamp(inputs);
    await this.#deliver(events);
    return events;
  }

  /** The context a primitive receives, for adapters' extras that call primitives themselves. */
  protected context<T extends CallOptions>(operation: string, options: T | undefined): ProviderContext<T> {
    return this.#context(operation, options);
  }

  /** Parses a reference, for adapters' extras. */
  protected ref(ref: VersionRefInput, operation: string): VersionRef {
    return parseRef(ref, operation);
  }

  #context<T extends CallOptions>(operation: string, options: T | undefined): ProviderContext<T> {
    const actor = resolveActor(options?.actor, this.#actor);
    const provider = this.provider;
    return { operation, actor, options: options ?? ({} as T), stamp: (inputs) => inputs.map((input) => stampEvent(input, provider, actor)) };
  }

  async #change<T, C extends CallOptions>(operation: string, options: C | undefined, run: (ctx: ProviderContext<C>) => Promise<ProviderChange<T>>): Promise<T> {
    const change = await run(this.#context(operation, options));
    await this.#deliver(change.events);
    return "readBack" in change ? change.readBack() : change.value;
  }

  async #deliver(events: readonly RegistryEvent[]): Promise<void> {
    for (const event of events) await this.#bus.emit(event);
  }

  #checkAlias(alias: string, op: string): void {
    assertAlias(alias, op);
    this.#provider.checkAlias?.(alias, op, "alias");
  }

  #require(capability: CapabilityName, operation: string): void {
    if (this.capabilities[capability]) return;
    const hint = UNSUPPORTED_HINT[capability];
    throw new UnsupportedCapabilityError(`the ${this.provider} registry does not support ${capability}${hint ? `; ${hint}` : ""}`, {
      provider: this.provider,
      operation,
      capability,
    });
  }

  #need<K extends keyof RegistryProviderV1<O>>(capability: CapabilityName, method: K, operation: string): NonNullable<RegistryProviderV1<O>[K]> {
    this.#require(capability, operation);
    return this.#provider[method] as NonNullable<RegistryProviderV1<O>[K]>;
  }
}
