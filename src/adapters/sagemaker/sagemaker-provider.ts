/**
 * The SageMaker provider: the spec's primitives over SageMaker Model Registry (model package groups are models,
 * versioned model packages are versions) and S3 (a version's files, and modelreg's records beside them). The registry
 * facade checks input, resolves the actor and tells subscribers; this does only what SageMaker needs. Reads are here;
 * changes are in modules imported on first use, so a client that only reads does not load them.
 *
 * @module
 */

import { configuredEndpoint } from "../../aws/aws-config.js";
import type { RegistryCapabilities } from "../../core/capabilities.js";
import { mapLimit } from "../../core/concurrency.js";
import { invalidInput } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { CallOptions, TransferOptions } from "../../core/options.js";
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
import { clientSettings } from "../../http/call-options.js";
import { S3Storage, parseS3Uri } from "../../storage/s3-storage.js";
import { listGroupsSchema, type SageMakerGroup } from "./sagemaker-api.js";
import { toRegisteredModel, versionOf } from "./sagemaker-convert.js";
import { RecordStore } from "./sagemaker-metadata.js";
import { checkGroupName, checkSageMakerAlias } from "./sagemaker-names.js";
import { sageMakerCreateVersionOptionsSchema, type SageMakerCreateVersionOptions } from "./sagemaker-options.js";
import { SageMakerRecords } from "./sagemaker-records.js";
import type { SageMakerRegistrySettings } from "./sagemaker-settings.js";
import { PROVIDER, SageMakerTransport } from "./sagemaker-transport.js";
import type { SageMakerWriteParts } from "./sagemaker-writes.js";

const CAPABILITIES: RegistryCapabilities = Object.freeze({
  stages: "native",
  aliases: true,
  modelTags: true,
  emptyModels: true,
  renameModel: false,
  deleteModel: true,
  deleteVersion: true,
  updateMetrics: true,
  deploy: true,
  audit: false,
  idempotentCreate: true,
  maxPageSize: 100,
});

/** SageMaker lists at most 100 a page; modelreg asks for 50 unless told otherwise. */
const DEFAULT_PAGE_SIZE = 50;

/** Reports changes a failed primitive made and could not undo, so none goes unheard (set by the registry). */
export type ChangeReporter = (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<unknown>;

/** The SageMaker provider. Users reach it through `SageMakerRegistry`. */
export class SageMakerProvider implements RegistryProviderV1<SageMakerCreateVersionOptions> {
  /** The spec version implemented. */
  readonly specificationVersion = PROVIDER_SPECIFICATION_VERSION;
  /** `sagemaker`. */
  readonly provider = PROVIDER;
  /** Empty models, native stages, aliases as group tags, endpoints, no audit trail. */
  readonly capabilities: RegistryCapabilities;
  /** The SageMaker API client (shared with the endpoints API). */
  readonly transport: SageMakerTransport;
  /** SageMaker's records and modelreg's. */
  readonly records: SageMakerRecords;
  /** Where failed changes that could not be undone are reported; the registry sets it to its event bus. */
  reportChanges: ChangeReporter = async () => undefined;
  readonly #settings: SageMakerRegistrySettings;

  /** @param settings - See {@link SageMakerRegistrySettings}; checked here, before any request. */
  constructor(settings: SageMakerRegistrySettings) {
    const op = "createSageMakerRegistry";
    if (typeof settings !== "object" || settings === null) throw invalidInput(op, "settings", "settings must be an object", PROVIDER);
    this.#settings = settings;
    this.capabilities = CAPABILITIES;
    this.transport = new SageMakerTransport(settings);
    if (typeof settings.artifactRoot !== "string") throw invalidInput(op, "artifactRoot", "artifactRoot must be s3://bucket or s3://bucket/prefix", PROVIDER);
    let root;
    try {
      root = parseS3Uri(settings.artifactRoot, { provider: PROVIDER, operation: op });
    } catch (error) {
      throw invalidInput(op, "artifactRoot", `artifactRoot: ${(error as Error).message}`, PROVIDER);
    }
    if (settings.image !== undefined && (typeof settings.image !== "string" || !/^\S{1,255}$/.test(settings.image)))
      throw invalidInput(op, "image", "image must be a container image URI (1-255 characters, no spaces)", PROVIDER);
    const env = settings.env ?? process.env;
    // Read once: the profile's endpoint_url comes from the shared config file.
    const s3Endpoint = settings.s3Endpoint ?? configuredEndpoint("S3", env, settings.profile);
    const storage = new S3Storage({
      provider: PROVIDER,
      region: this.transport.region,
      // The transport's source: one credential cache for both clients. S3Storage remembers what it signs with, for
      // redaction, as the transport does.
      credentials: this.transport.credentials,
      ...clientSettings(settings),
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      ...(s3Endpoint && { endpoint: s3Endpoint }),
      ...(settings.forcePathStyle !== undefined && { forcePathStyle: settings.forcePathStyle }),
    });
    this.records = new SageMakerRecords(this.transport, new RecordStore(storage, root.bucket, root.prefix));
  }

  /** The schema of `providerOptions.sagemaker`, built when first given. */
  get createVersionOptions() {
    return sageMakerCreateVersionOptionsSchema();
  }

  /** An alias must fit a group tag key after `modelreg:alias:`. */
  checkAlias(alias: string, operation: string, field: string): void {
    checkSageMakerAlias(alias, operation, field);
  }

  async doCreateModel(input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    checkGroupName(input.name, ctx.operation, "name");
    return (await import("./sagemaker-writes.js")).createSageMakerModel(this.#writeParts(), input, ctx);
  }

  async doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel> {
    const { operation: op, options } = ctx;
    checkGroupName(name, op, "name");
    return this.#toModel(await this.records.group(name, op, options), op, options);
  }

  /** `namePrefix` narrows the listing on SageMaker (`NameContains`) and is applied exactly here; `tags` are applied here. */
  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel> {
    const { operation: op, options } = ctx;
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    // No group can start with a prefix SageMaker names cannot hold.
    if (query.namePrefix !== "" && !/^[a-zA-Z0-9-]{1,63}$/.test(query.namePrefix)) return async () => ({ items: [] });
    return async (token, signal) => {
      const call = { ...options, ...(signal && { signal }) };
      const res = await this.transport.call({
        operation: op,
        action: "ListModelPackageGroups",
        body: {
          ...(query.namePrefix && { NameContains: query.namePrefix }),
          SortBy: "Name",
          SortOrder: "Ascending",
          MaxResults: pageSize,
          ...(token && { NextToken: token }),
        },
        schema: listGroupsSchema,
        options: call,
      });
      const groups = (res.ModelPackageGroupSummaryList ?? []).filter((g) => g.ModelPackageGroupName.startsWith(query.namePrefix));
      const models = await mapLimit(groups, 8, (g) => this.#toModel(g, op, call));
      const items = models.filter((m) => Object.entries(query.tags).every(([k, v]) => ownValue(m.tags, k) === v));
      return { items, ...(res.NextToken && { nextPageToken: res.NextToken }) };
    };
  }

  async doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    checkGroupName(name, ctx.operation, "name");
    return (await import("./sagemaker-writes.js")).updateSageMakerModel(this.#writeParts(), name, patch, ctx);
  }

  async doDeleteModel(name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkGroupName(name, ctx.operation, "name");
    return (await import("./sagemaker-writes.js")).deleteSageMakerModel(this.#writeParts(), name, ctx);
  }

  async doCreateVersion(
    model: string,
    create: ProviderCreateVersion<SageMakerCreateVersionOptions>,
    ctx: ProviderContext<TransferOptions>,
  ): Promise<ProviderChange<ModelVersion>> {
    checkGroupName(model, ctx.operation);
    // Loaded by the first create (with artifact source resolution and uploads): readers never load it.
    const { createSageMakerVersion } = await import("./sagemaker-create-version.js");
    return createSageMakerVersion(this.records, this.#settings, (inputs, options) => this.reportChanges(inputs, options), model, create, ctx);
  }

  async doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion> {
    const { operation: op, options } = ctx;
    checkGroupName(ref.model, op);
    const [pkg, aliases] = await Promise.all([this.records.resolve(ref, op, options), this.records.aliases(ref.model, op, options)]);
    return this.records.toVersion(ref.model, pkg, aliases, op, options);
  }

  /** Newest first; `stage` and `tags` filter each page, which may then hold fewer than asked. */
  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion> {
    const { operation: op, options } = ctx;
    checkGroupName(model, op);
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    return async (token, signal) => {
      const call = { ...options, ...(signal && { signal }) };
      // The aliases come from the group's tags, which also says the model exists (a listing of a missing group is empty).
      const aliases = await this.records.aliases(model, op, call);
      const page = await this.records.packagePage(model, { pageSize, token }, op, call);
      const versions = await mapLimit(page.items, 8, async (s) =>
        this.records.toVersion(model, await this.records.describe(s.ModelPackageArn, op, call), aliases, op, call),
      );
      const items = versions.filter(
        (v) => (!query.stage || v.stage === query.stage) && Object.entries(query.tags).every(([k, t]) => ownValue(v.tags, k) === t),
      );
      return { items, ...(page.next && { nextPageToken: page.next }) };
    };
  }

  async doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    checkGroupName(ref.model, ctx.operation);
    return (await import("./sagemaker-writes.js")).updateSageMakerVersion(this.#writeParts(), ref, patch, ctx);
  }

  async doDeleteVersion(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkGroupName(ref.model, ctx.operation);
    return (await import("./sagemaker-writes.js")).deleteSageMakerVersion(this.#writeParts(), ref, ctx);
  }

  async doSetAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>> {
    checkGroupName(model, ctx.operation);
    return (await import("./sagemaker-stages.js")).setSageMakerAlias(this.#writeParts(), model, alias, version, ctx);
  }

  async doDeleteAlias(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    checkGroupName(model, ctx.operation);
    return (await import("./sagemaker-stages.js")).deleteSageMakerAlias(this.#writeParts(), model, alias, ctx);
  }

  async doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string> {
    checkGroupName(model, ctx.operation);
    return versionOf(await this.records.resolve({ model, alias }, ctx.operation, ctx.options));
  }

  /** Moves the approval status, the lifecycle and the `modelreg:stage` property together (sagemaker-convert.ts has the mapping). */
  async doTransitionStage(ref: VersionRef, to: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    checkGroupName(ref.model, ctx.operation);
    return (await import("./sagemaker-stages.js")).transitionSageMakerStage(this.#writeParts(), ref, to, archiveExisting, ctx);
  }

  /** The files from the version's record, or, for packages made elsewhere, listed under their S3 location. */
  async doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
    checkGroupName(ref.model, ctx.operation);
    return (await import("./sagemaker-files.js")).sageMakerVersionFiles(this.records, ref, ctx);
  }

  async #toModel(group: SageMakerGroup, op: string, options: CallOptions | undefined): Promise<RegisteredModel> {
    const name = group.ModelPackageGroupName;
    const [tags, record, latest] = await Promise.all([
      this.records.tags(group.ModelPackageGroupArn, op, options),
      this.records.store.readModel(name, { ...options, operation: op }),
      this.records.latest(name, op, options),
    ]);
    return toRegisteredModel(group, tags, record, latest && versionOf(latest));
  }

  /** What the changes use of the provider: imported on first use, so readers never load them. */
  #writeParts(): SageMakerWriteParts {
    return { records: this.records, provider: this, reportChanges: (inputs, options) => this.reportChanges(inputs, options) };
  }
}
