/**
 * The Azure ML provider: the spec's primitives over Azure ML model assets, in a workspace or an Azure ML registry.
 * A model is a model container; version n is the model version `n`, numbered as Azure's own client numbers them (the
 * container's `nextVersion`); its files are in Blob storage with modelreg's record beside them; stages are the
 * version's `stage` field (archive is `isArchived`); aliases, which Azure ML lacks, are the container's
 * `modelreg.alias.<name>` tags. Reads are here; changes are in modules imported on first use.
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
import type { CreateModelInput, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { containerPageSchema, versionPageSchema } from "./azureml-api.js";
import { toRegisteredModel } from "./azureml-convert.js";
import { decodePageToken, slicePage } from "./azureml-pages.js";
import { checkModelName, PROVIDER } from "./azureml-names.js";
import { azureMlCreateVersionOptionsSchema, type AzureMlCreateVersionOptions } from "./azureml-options.js";
import { containerPath, findArmVersion, findContainer, getContainer, loadVersion, resolveAlias } from "./azureml-read.js";
import type { AzureMlRegistrySettings } from "./azureml-settings.js";
import { AzureStorage } from "./azureml-storage.js";
import { ArmTransport } from "./azureml-transport.js";
import type { WriteParts } from "./azureml-writes.js";

/** A workspace's: online endpoints are in workspaces. */
const CAPABILITIES: RegistryCapabilities = Object.freeze({
  stages: "native",
  aliases: true,
  emptyModels: true,
  modelTags: true,
  renameModel: false,
  deleteModel: true,
  deleteVersion: true,
  updateMetrics: false,
  deploy: true,
  audit: false,
  idempotentCreate: true,
  maxPageSize: 100,
});

/** An Azure ML registry's: no endpoints of its own (`registry.endpointsIn(workspace)` deploys its models). */
const REGISTRY_CAPABILITIES: RegistryCapabilities = Object.freeze({ ...CAPABILITIES, deploy: false });

/** Models and versions a page, unless asked otherwise. */
const DEFAULT_PAGE_SIZE = 50;

/** The Azure ML provider. Users reach it through `AzureMlRegistry`. */
export class AzureMlProvider implements RegistryProviderV1<AzureMlCreateVersionOptions> {
  /** The spec version implemented. */
  readonly specificationVersion = PROVIDER_SPECIFICATION_VERSION;
  /** `azureml`. */
  readonly provider = PROVIDER;
  /** Empty models, model tags, emulated aliases, native stages, deploys (a workspace's); no metric updates, renames or audit trail. */
  readonly capabilities: RegistryCapabilities;
  /** The ARM client (shared with the endpoints API). */
  readonly transport: ArmTransport;
  /** Where files are. */
  readonly storage: AzureStorage;
  readonly #settings: AzureMlRegistrySettings;

  /** @param settings - See {@link AzureMlRegistrySettings}; checked here, before any request. */
  constructor(settings: AzureMlRegistrySettings) {
    if (typeof settings !== "object" || settings === null) throw invalidInput("createAzureMlRegistry", "settings", "settings must be an object", PROVIDER);
    const op = "createAzureMlRegistry";
    if (settings.blockBytes !== undefined && (!Number.isInteger(settings.blockBytes) || settings.blockBytes < 1024 || settings.blockBytes > 4000 * 1024 * 1024))
      throw invalidInput(op, "blockBytes", "blockBytes must be an integer from 1 KiB to 4000 MiB (Azure's block limit)", PROVIDER);
    if (settings.datastore !== undefined && (typeof settings.datastore !== "string" || !/^[A-Za-z0-9_]{1,255}$/.test(settings.datastore)))
      throw invalidInput(op, "datastore", "datastore must be a datastore name (letters, digits, '_')", PROVIDER);
    if (settings.datastore !== undefined && settings.registry !== undefined)
      throw invalidInput(op, "datastore", "a registry has no datastores: its files go where Azure ML hands out (startPendingUpload)", PROVIDER);
    this.#settings = settings;
    this.transport = new ArmTransport(settings);
    this.capabilities = this.transport.kind === "workspace" ? CAPABILITIES : REGISTRY_CAPABILITIES;
    this.storage = new AzureStorage(this.transport, settings);
  }

  /** The schema of `providerOptions.azureml`. */
  get createVersionOptions() {
    return azureMlCreateVersionOptionsSchema();
  }

  /** The ARM id of a version, for deployments. */
  versionId(model: string, version: string): string {
    return `${this.transport.scopeId}/models/${model}/versions/${version}`;
  }

  async doCreateModel(input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    checkModelName(input.name, ctx.operation, "name");
    return (await import("./azureml-writes.js")).createAzureModel(this.#parts(), input, ctx);
  }

  async doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel> {
    checkModelName(name, ctx.operation);
    return toRegisteredModel(await getContainer(this.transport, name, ctx.operation, ctx.options));
  }

  /** `namePrefix` and `tags` filter what Azure returns: a page may hold fewer than asked. Archived models are listed too. */
  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel> {
    const { operation: op, options } = ctx;
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...options, ...(signal && { signal }) };
      const page = await slicePage(
        this.transport,
        token,
        pageSize,
        op,
        async () =>
          (await this.transport.send({ operation: op, path: "models", query: { listViewType: "All" }, schema: containerPageSchema, options: call })).data,
        async (path) => (await this.transport.http.request({ operation: op, path, schema: containerPageSchema, ...call })).data,
      );
      const items = page.items
        .map(toRegisteredModel)
        .filter((m) => m.name.startsWith(query.namePrefix) && Object.entries(query.tags).every(([k, v]) => ownValue(m.tags, k) === v));
      return { items, ...(page.nextPageToken && { nextPageToken: page.nextPageToken }) };
    };
  }

  /** A page token names an Azure page (a `nextLink` on Resource Manager's own host, since the token goes with it) and an offset. */
  checkPageToken(token: string, operation: string): void {
    decodePageToken(this.transport, token, operation);
  }

  async doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    checkModelName(name, ctx.operation);
    return (await import("./azureml-writes.js")).updateAzureModel(this.#parts(), name, patch, ctx);
  }

  async doDeleteModel(name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkModelName(name, ctx.operation);
    return (await import("./azureml-writes.js")).deleteAzureModel(this.#parts(), name, ctx);
  }

  async doCreateVersion(
    model: string,
    create: ProviderCreateVersion<AzureMlCreateVersionOptions>,
    ctx: ProviderContext<TransferOptions>,
  ): Promise<ProviderChange<ModelVersion>> {
    checkModelName(model, ctx.operation);
    // Loaded by the first create (uploads, hashing): readers never load it.
    const { createAzureVersion } = await import("./azureml-create-version.js");
    return createAzureVersion(this.#parts(), model, create, ctx);
  }

  async doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion> {
    const { operation: op, options } = ctx;
    checkModelName(ref.model, op);
    const version = "version" in ref ? ref.version : await resolveAlias(this.transport, ref.model, ref.alias, op, options);
    const [arm, container] = await Promise.all([
      findArmVersion(this.transport, ref.model, version, op, options),
      findContainer(this.transport, ref.model, op, options),
    ]);
    if (!arm) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no version ${version}`, { provider: PROVIDER, operation: op });
    return loadVersion(this.transport, this.storage, ref.model, arm, container, op, options);
  }

  /** Newest first (by creation, as Azure orders), archived ones included; `stage` and `tags` filter what Azure returns. */
  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion> {
    const { operation: op, options } = ctx;
    checkModelName(model, op);
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...options, ...(signal && { signal }) };
      const container = await getContainer(this.transport, model, op, call);
      const page = await slicePage(
        this.transport,
        token,
        pageSize,
        op,
        async () =>
          (
            await this.transport.send({
              operation: op,
              path: `${containerPath(model)}/versions`,
              query: { $orderBy: "createdtime desc", listViewType: "All" },
              schema: versionPageSchema,
              options: call,
            })
          ).data,
        async (path) => (await this.transport.http.request({ operation: op, path, schema: versionPageSchema, ...call })).data,
      );
      const versions = await mapLimit(page.items, 8, (arm) => loadVersion(this.transport, this.storage, model, arm, container, op, call));
      const items = versions.filter(
        (v) => (!query.stage || v.stage === query.stage) && Object.entries(query.tags).every(([k, t]) => ownValue(v.tags, k) === t),
      );
      return { items, ...(page.nextPageToken && { nextPageToken: page.nextPageToken }) };
    };
  }

  async doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    checkModelName(ref.model, ctx.operation);
    return (await import("./azureml-writes.js")).updateAzureVersion(this.#parts(), ref, patch, ctx);
  }

  async doDeleteVersion(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkModelName(ref.model, ctx.operation);
    return (await import("./azureml-writes.js")).deleteAzureVersion(this.#parts(), ref, ctx);
  }

  async doSetAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>> {
    checkModelName(model, ctx.operation);
    return (await import("./azureml-writes.js")).setAzureAlias(this.#parts(), model, alias, version, ctx);
  }

  async doDeleteAlias(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkModelName(model, ctx.operation);
    return (await import("./azureml-writes.js")).deleteAzureAlias(this.#parts(), model, alias, ctx);
  }

  async doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string> {
    checkModelName(model, ctx.operation);
    return resolveAlias(this.transport, model, alias, ctx.operation, ctx.options);
  }

  async doTransitionStage(ref: VersionRef, to: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    checkModelName(ref.model, ctx.operation);
    return (await import("./azureml-writes.js")).transitionAzureStage(this.#parts(), ref, to, archiveExisting, ctx);
  }

  async doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
    checkModelName(ref.model, ctx.operation);
    return (await import("./azureml-files.js")).azureVersionFiles(this.#parts(), ref, ctx);
  }

  /** What the write and file modules use. */
  #parts(): WriteParts {
    return { transport: this.transport, storage: this.storage, settings: this.#settings };
  }
}
