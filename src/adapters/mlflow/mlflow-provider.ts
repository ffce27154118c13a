/**
 * The MLflow provider: the spec's primitives over MLflow's REST API (2.x and 3.x servers). The facade has checked
 * every input before a primitive runs; what is here is what MLflow needs.
 *
 * @module
 */

import { mapLimit } from "../../core/concurrency.js";
import type { RegistryCapabilities } from "../../core/capabilities.js";
import { ConflictError, NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
import { isUniqueViolation } from "./mlflow-error.js";
import type { RegistryEventInput } from "../../core/events.js";
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
import { parseStage } from "../../core/validation.js";
import { modelVersionResponse, registeredModelResponse, searchModelsResponse, searchVersionsResponse, type MlflowModelVersion } from "./mlflow-api.js";
import { type ArtifactLocation, MlflowArtifacts } from "./mlflow-artifacts.js";
import { filesFromTags, tagList, tagRecord, TAG, toMlflowStage, toModelVersion, toRegisteredModel } from "./mlflow-convert.js";
import { sendOnce } from "./mlflow-create-once.js";
import { MlflowExperiment } from "./mlflow-experiment.js";
import { mlflowCreateVersionOptionsSchema, type MlflowCreateVersionOptions } from "./mlflow-options.js";
import { artifactRoot, downloadUri, getRecord, modelIdOf, readVersion, runData } from "./mlflow-records.js";
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

/** Items per page when a list call does not say. */
const DEFAULT_PAGE_SIZE = 100;

/** A search filter clause per tag (backticks and quotes dropped: MLflow's filter grammar has no escapes for them). */
function tagClauses(tags: Record<string, string>): string[] {
  return Object.entries(tags).map(([k, v]) => `tags.\`${k.replaceAll("`", "")}\` = '${v.replaceAll("'", "")}'`);
}

/** The MLflow primitives. Users reach them through `MlflowRegistry`. */
export class MlflowProvider implements RegistryProviderV1<MlflowCreateVersionOptions> {
  readonly specificationVersion = PROVIDER_SPECIFICATION_VERSION;
  readonly provider = PROVIDER;
  readonly capabilities = CAPABILITIES;
  /** The tracking server. */
  readonly transport: MlflowTransport;
  readonly #experiment: MlflowExperiment;
  /** Moves the bytes: through the server's proxy, or S3 directly. */
  readonly #artifacts: MlflowArtifacts;
  /** Logged model id to the location of its files: see {@link MlflowProvider.#artifactRoot}. */
  readonly #roots = new Map<string, Promise<ArtifactLocation>>();

  /** @param settings - See {@link MlflowRegistrySettings}. */
  constructor(settings: MlflowRegistrySettings) {
    this.transport = new MlflowTransport(settings);
    this.#experiment = new MlflowExperiment(this.transport, settings.experimentName ?? "modelreg");
    this.#artifacts = new MlflowArtifacts(this.transport, settings);
  }

  /** `providerOptions.mlflow`'s schema (built on first use). */
  get createVersionOptions() {
    return mlflowCreateVersionOptionsSchema();
  }

  async doCreateModel(input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    const { operation, options } = ctx;
    // The token tells our own create, whose answer was lost, from a model someone else made meanwhile.
    const token = crypto.randomUUID();
    const body = {
      name: input.name,
      tags: tagList({ ...input.tags, [TAG.clientToken]: token }),
      ...(input.description !== undefined && { description: input.description }),
    };
    const res = await sendOnce(
      this.transport,
      { operation, method: "POST", path: "registered-models/create", body, schema: registeredModelResponse, options },
      {
        find: async () => {
          let found;
          try {
            found = await this.transport.call({
              operation,
              method: "GET",
              path: "registered-models/get",
              query: { name: input.name },
              schema: registeredModelResponse,
              options,
            });
          } catch (error) {
            if (NotFoundError.isInstance(error)) return [];
            throw error;
          }
          if (found.registered_model.tags?.some((t) => t.key === TAG.clientToken && t.value === token)) return [found];
          throw new ConflictError(`registered model ${input.name} already exists`, { provider: PROVIDER, operation });
        },
        // A name is unique, so a second create fails instead of making a copy: there is never one to remove.
        discard: async () => undefined,
      },
      options,
    );
    return { value: toRegisteredModel(res.registered_model), events: ctx.stamp([{ type: "model.created", model: input.name }]) };
  }

  async doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel> {
    const res = await this.transport.call({
      operation: ctx.operation,
      method: "GET",
      path: "registered-models/get",
      query: { name },
      schema: registeredModelResponse,
      options: ctx.options,
    });
    return toRegisteredModel(res.registered_model);
  }

  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel> {
    const { operation, options } = ctx;
    const prefix = query.namePrefix;
    // Checked at the call, not on the first page: the filter below is built from it.
    if (/['\\]/.test(prefix)) throw invalidInput(operation, "namePrefix", "namePrefix must be a string without quotes or backslashes", PROVIDER);
    const clauses = [...(prefix ? [`name LIKE '${prefix.replace(/[%_]/g, (c) => `\\${c}`)}%'`] : []), ...tagClauses(query.tags)];
    return async (token, signal) => {
      const res = await this.transport.call({
        operation,
        method: "GET",
        path: "registered-models/search",
        query: {
          max_results: query.pageSize ?? DEFAULT_PAGE_SIZE,
          order_by: "name ASC",
          ...(clauses.length > 0 && { filter: clauses.join(" AND ") }),
          ...(token && { page_token: token }),
        },
        schema: searchModelsResponse,
        options: { ...options, ...(signal && { signal }) },
      });
      // LIKE's `_` matches any character and escaping differs by database: check the prefix here too.
      const items = (res.registered_models ?? []).filter((m) => m.name.startsWith(prefix)).map(toRegisteredModel);
      return { items, ...(res.next_page_token && { nextPageToken: res.next_page_token }) };
    };
  }

  async doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    const { operation, options } = ctx;
    if (patch.description !== undefined) {
      await this.transport.call({
        operation,
        method: "PATCH",
        path: "registered-models/update",
        body: { name, description: patch.description },
        idempotent: true,
        options,
      });
    }
    for (const [key, value] of Object.entries(patch.tags ?? {})) {
      if (value === null) await this.transport.call({ operation, method: "DELETE", path: "registered-models/delete-tag", body: { name, key }, options });
      else await this.transport.call({ operation, method: "POST", path: "registered-models/set-tag", body: { name, key, value }, idempotent: true, options });
    }
    return { events: ctx.stamp([{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }]), readBack: () => this.doGetModel(name, ctx) };
  }

  async doRenameModel(name: string, newName: string, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
    const body = { name, new_name: newName };
    const res = await this.transport.call({
      operation: ctx.operation,
      method: "POST",
      path: "registered-models/rename",
      body,
      schema: registeredModelResponse,
      options: ctx.options,
    });
    return {
      value: toRegisteredModel(res.registered_model),
      events: ctx.stamp([{ type: "model.updated", model: newName, from: name, to: newName, details: { renamedFrom: name } }]),
    };
  }

  async doDeleteModel(name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    await this.transport.call({ operation: ctx.operation, method: "DELETE", path: "registered-models/delete", body: { name }, options: ctx.options });
    return { value: undefined, events: ctx.stamp([{ type: "model.deleted", model: name }]) };
  }

  async doCreateVersion(
    model: string,
    create: ProviderCreateVersion<MlflowCreateVersionOptions>,
    ctx: ProviderContext<TransferOptions>,
  ): Promise<ProviderChange<ModelVersion>> {
    const { options } = ctx;
    // Loaded by the first create (with the artifact source resolution and upload it needs): readers never load it.
    const { createMlflowVersion } = await import("./mlflow-create-version.js");
    const { record, fresh } = await createMlflowVersion(
      { transport: this.transport, artifacts: this.#artifacts, experiment: this.#experiment, actor: ctx.actor },
      model,
      create,
      options,
    );
    const { version } = record;
    const events: RegistryEventInput[] = [{ type: "version.created", model, version, to: version }];
    for (const alias of create.meta.aliases) {
      const previous = await this.#putAlias(model, alias, version, ctx);
      events.push({ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version });
    }
    if (!fresh) return { events: ctx.stamp(events), readBack: () => this.doGetVersion({ model, version }, ctx) };
    // Made from this input: the run holds exactly its params and metrics, and the aliases are the ones just set, so
    // the version is known without reading it back (two requests of the ten a create takes).
    const data = { params: create.meta.params, metrics: create.meta.metrics, user: ctx.actor };
    const aliases = [...create.meta.aliases];
    return { events: ctx.stamp(events), value: toModelVersion({ ...record, aliases }, data, aliases) };
  }

  async doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion> {
    return readVersion(this.transport, await getRecord(this.transport, ref, ctx.operation, ctx.options), ctx.options);
  }

  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion> {
    const { operation, options } = ctx;
    const { stage } = query;
    const filter = [`name = '${model}'`, ...tagClauses(query.tags)].join(" AND ");
    return async (token, signal) => {
      const call = { ...options, ...(signal && { signal }) };
      // Search returns no aliases and does not say whether the model exists: read the model first.
      const registered = await this.doGetModel(model, { ...ctx, options: call });
      const res = await this.transport.call({
        operation,
        method: "GET",
        path: "model-versions/search",
        query: { filter, order_by: "version_number DESC", max_results: query.pageSize ?? DEFAULT_PAGE_SIZE, ...(token && { page_token: token }) },
        schema: searchVersionsResponse,
        options: call,
      });
      const versions = (res.model_versions ?? []).filter((v) => !stage || toMlflowStage(stage) === v.current_stage || (stage === "draft" && !v.current_stage));
      const byVersion = new Map<string, string[]>();
      for (const [alias, v] of Object.entries(registered.aliases)) byVersion.set(v, [...(byVersion.get(v) ?? []), alias]);
      const items = await mapLimit(versions, 8, async (v) => toModelVersion(v, await runData(this.transport, v, call), byVersion.get(v.version) ?? []));
      return { items, ...(res.next_page_token && { nextPageToken: res.next_page_token }) };
    };
  }

  async doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    const { operation, options } = ctx;
    const record = await getRecord(this.transport, ref, operation, options);
    const key = { name: record.name, version: record.version };
    if (patch.description !== undefined) {
      await this.transport.call({
        operation,
        method: "PATCH",
        path: "model-versions/update",
        body: { ...key, description: patch.description },
        idempotent: true,
        options,
      });
    }
    const tags: Record<string, string | null> = { ...patch.tags, ...(patch.modelCard && { [TAG.modelCard]: JSON.stringify(patch.modelCard) }) };
    for (const [k, value] of Object.entries(tags)) {
      if (value === null) await this.transport.call({ operation, method: "DELETE", path: "model-versions/delete-tag", body: { ...key, key: k }, options });
      else await this.transport.call({ operation, method: "POST", path: "model-versions/set-tag", body: { ...key, key: k, value }, idempotent: true, options });
    }
    if (patch.metrics && Object.keys(patch.metrics).length > 0) {
      // The capability is there, but this version has nowhere to log to (registered from a plain URI).
      if (!record.run_id)
        throw new UnsupportedCapabilityError(`${record.name}/${record.version} has no run to log metrics to`, {
          provider: PROVIDER,
          operation,
          capability: "updateMetrics",
        });
      const { logParamsAndMetrics } = await import("./mlflow-create-version.js");
      await logParamsAndMetrics(this.transport, record.run_id, {}, patch.metrics, modelIdOf(record), options);
    }
    return {
      readBack: () => this.doGetVersion({ model: key.name, version: key.version }, ctx),
      events: ctx.stamp([{ type: "version.updated", model: record.name, version: record.version, details: { fields: Object.keys(patch) } }]),
    };
  }

  async doDeleteVersion(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
    const { operation, options } = ctx;
    const record = await getRecord(this.transport, ref, operation, options);
    await this.transport.call({ operation, method: "DELETE", path: "model-versions/delete", body: { name: record.name, version: record.version }, options });
    return { value: undefined, events: ctx.stamp([{ type: "version.deleted", model: record.name, version: record.version }]) };
  }

  async doSetAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>> {
    const previous = await this.#putAlias(model, alias, version, ctx);
    // Pointing an alias where it already points changes nothing, so nobody is told.
    const events =
      previous === version ? [] : ctx.stamp([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }]);
    return { value: previous === undefined ? {} : { previous }, events };
  }

  async doDeleteAlias(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
    // MLflow deletes a missing alias without complaint; the spec says NotFoundError.
    const previous = await this.doResolveAlias(model, alias, ctx);
    await this.transport.call({
      operation: ctx.operation,
      method: "DELETE",
      path: "registered-models/alias",
      body: { name: model, alias },
      options: ctx.options,
    });
    return { value: undefined, events: ctx.stamp([{ type: "alias.deleted", model, alias, version: previous, from: previous }]) };
  }

  async doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string> {
    return (await getRecord(this.transport, { model, alias }, ctx.operation, ctx.options)).version;
  }

  async doTransitionStage(ref: VersionRef, stage: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
    const { operation, options } = ctx;
    const record = await getRecord(this.transport, ref, operation, options);
    const before = await this.#inStage(record.name, stage, ctx);
    const res = await this.transport.call({
      operation,
      method: "POST",
      path: "model-versions/transition-stage",
      body: { name: record.name, version: record.version, stage: toMlflowStage(stage), archive_existing_versions: archiveExisting },
      schema: modelVersionResponse,
      idempotent: true,
      options,
    });
    const events: RegistryEventInput[] = [];
    if (archiveExisting) {
      for (const v of before.filter((v) => v !== record.version))
        events.push({ type: "stage.changed", model: record.name, version: v, stage: "archived", from: stage, to: "archived" });
    }
    const from = record.current_stage ? parseStage(record.current_stage, operation) : "draft";
    if (from !== stage) events.push({ type: "stage.changed", model: record.name, version: record.version, stage, from, to: stage });
    return { events: ctx.stamp(events), readBack: () => readVersion(this.transport, res.model_version, options) };
  }

  async doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
    const { operation, options } = ctx;
    const record = await getRecord(this.transport, ref, operation, options);
    // Resolved when first needed, and once: a manifest tag lists the files without it, and every open shares it.
    let root: Promise<ArtifactLocation> | undefined;
    const rootOf = () => (root ??= this.#artifactRoot(record, operation, options));
    // Versions made by modelreg carry a manifest with digests; others are listed from the proxy or the bucket.
    const files = filesFromTags(tagRecord(record.tags)) ?? (await this.#artifacts.list(await rootOf(), { ...options, operation }));
    return {
      model: record.name,
      version: record.version,
      files,
      open: async (file, signal) => {
        const { stream, size } = await this.#artifacts.open(await rootOf(), file.path, { ...options, ...(signal && { signal }), operation });
        return { stream, ...(size !== undefined && { size }) };
      },
    };
  }

  /**
   * Where a version's files are. A logged model's artifact location never changes, so it is remembered (for the last
   * 1,000 models): reading a version file by file (openArtifact, sync) looked it up again for every file.
   */
  async #artifactRoot(record: MlflowModelVersion, operation: string, options: TransferOptions | undefined): Promise<ArtifactLocation> {
    const modelId = modelIdOf(record);
    if (modelId === undefined) return artifactRoot(this.transport, record, operation, options);
    const shared = this.#roots.get(modelId);
    if (shared !== undefined) {
      // Another call's lookup (the files of a version open side by side): if it fails, that was its failure (its
      // abort, its timeout), and this call looks for itself.
      return shared.catch(() => artifactRoot(this.transport, record, operation, options));
    }
    const lookup = artifactRoot(this.transport, record, operation, options);
    if (this.#roots.size >= 1000) this.#roots.delete(this.#roots.keys().next().value as string);
    this.#roots.set(modelId, lookup);
    lookup.catch(() => {
      if (this.#roots.get(modelId) === lookup) this.#roots.delete(modelId);
    });
    return lookup;
  }

  /** The artifact location MLflow reports for a version (`get-download-uri`). */
  async downloadUri(ref: VersionRef, ctx: ProviderContext): Promise<string> {
    return downloadUri(this.transport, await getRecord(this.transport, ref, ctx.operation, ctx.options), ctx.operation, ctx.options);
  }

  /** Points an alias at a version and returns where it pointed before. */
  async #putAlias(model: string, alias: string, version: string, ctx: ProviderContext): Promise<string | undefined> {
    const op = "setAlias";
    const { aliases } = await this.doGetModel(model, { ...ctx, operation: op });
    // Own keys only: an alias named `constructor` that is not set yet has no previous version.
    const previous = ownValue(aliases, alias);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transport.call({
          operation: op,
          method: "POST",
          path: "registered-models/alias",
          body: { name: model, alias, version },
          idempotent: true,
          options: ctx.options,
        });
        return previous;
      } catch (error) {
        // Two clients setting a new alias at once both insert it; sending again updates it (see isUniqueViolation).
        if (attempt >= 3 || !isUniqueViolation(error)) throw error;
      }
    }
  }

  /** The versions of a model in a stage. */
  async #inStage(model: string, stage: Stage, ctx: ProviderContext): Promise<string[]> {
    const query = { filter: `name = '${model}'`, max_results: 1000 };
    const res = await this.transport.call({
      operation: ctx.operation,
      method: "GET",
      path: "model-versions/search",
      query,
      schema: searchVersionsResponse,
      options: ctx.options,
    });
    return (res.model_versions ?? []).filter((v) => v.current_stage === toMlflowStage(stage)).map((v) => v.version);
  }
}
