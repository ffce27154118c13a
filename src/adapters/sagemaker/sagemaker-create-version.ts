/**
 * `createVersion` on SageMaker. SageMaker numbers a version when it creates the package, so the files' folder is
 * claimed first: `<model>/<n>.modelreg.json` written with `If-None-Match: *`, `n` one past the highest version (or
 * the next free number). Then the files stream to `<model>/<n>/`, uncompressed; then the metrics document and the
 * record; then `CreateModelPackage` points the package at the folder; then the aliases. When SageMaker numbers the
 * package otherwise (another tool registered a version in between), the files stay where they are: the package's
 * data source and its `modelreg:folder` property name the folder.
 *
 * A lost response never makes a second package: `CreateModelPackage` carries a `ClientToken` (AWS returns the same
 * package for a resend), and before any resend the group's newest packages are read for this create's
 * `modelreg:token` property (moto ignores `ClientToken`, reference §12.4). With an idempotency key, the token is
 * derived from it and `keys/<token>.json` records the folder, so a retried call finds the version the first made,
 * and sets the aliases it asks for that are not on it (a create that ended between its package and its aliases left
 * them unset).
 *
 * @module
 */

import { transferProgress } from "../../artifacts/progress.js";
import { checkExpected, type ResolvedArtifact, resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { computeContentDigest } from "../../artifacts/hashing.js";
import { mapLimit } from "../../core/concurrency.js";
import { ConflictError, InvalidInputError, ModelRegistryError, NotFoundError, throwIfAborted } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import { ownValue } from "../../core/own-keys.js";
import { type CallOptions, type TransferOptions, transferConcurrency } from "../../core/options.js";
import type { ProviderChange, ProviderContext, ProviderCreateVersion } from "../../core/provider-spec.js";
import type { ModelVersion } from "../../core/types.js";
import { createPackageSchema, type SageMakerPackage, timeOf } from "./sagemaker-api.js";
import { deleteObjects, deletePrefix } from "./sagemaker-cleanup.js";
import { STAGE_STATE, aliasesOf, versionOf } from "./sagemaker-convert.js";
import type { VersionRecord } from "./sagemaker-metadata.js";
import { ALIAS_TAG_PREFIX, PROPERTY, packageDescription, tokenForKey, versionOfArn } from "./sagemaker-names.js";
import type { SageMakerCreateVersionOptions } from "./sagemaker-options.js";
import { inferenceSpecification, metadataProperties, metricsDocument, modelCardContent, versionProperties } from "./sagemaker-package.js";
import type { ChangeReporter } from "./sagemaker-provider.js";
import type { SageMakerRecords } from "./sagemaker-records.js";
import type { SageMakerRegistrySettings } from "./sagemaker-settings.js";
import { createGroupOnce } from "./sagemaker-writes.js";
import { PROVIDER } from "./sagemaker-transport.js";
import { sleep } from "../../runtime/sleep.js";

/** What a create has done so far, for undoing it. */
interface CreateState {
  /** The group, when this call made it. */
  madeGroup: boolean;
  /** The group's name as SageMaker spells it: the folder's parent. */
  dir?: string;
  /** The folder claimed. */
  folder?: number;
  /** Whether the idempotency key's record was written. */
  keyWritten: boolean;
  /** The package made. */
  arn?: string;
  /** Set when a `CreateModelPackage` got no answer or a 5xx: SageMaker may have made the package. */
  maybeMade: boolean;
}

/**
 * Creates a version, whole or not at all: on any failure, what this call made goes again (the package, the files,
 * the metrics document, the record and claim, the key's record, the group when this call made it). A package that
 * cannot be deleted keeps its files, since it points at them, and subscribers hear that it was made.
 */
export async function createSageMakerVersion(
  records: SageMakerRecords,
  settings: Pick<SageMakerRegistrySettings, "image" | "maxRetries">,
  reportChanges: ChangeReporter,
  model: string,
  { input, meta, providerOptions }: ProviderCreateVersion<SageMakerCreateVersionOptions>,
  ctx: ProviderContext<TransferOptions>,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const store = records.store;
  const call = { ...options, operation: op };
  const image = providerOptions?.image ?? settings.image;
  const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: op });
  checkPaths(files, `${store.modelDir(model)}/0000000000/`, op);
  throwIfAborted(options.signal, PROVIDER, op);
  const token = meta.idempotencyKey === undefined ? crypto.randomUUID() : await tokenForKey(meta.idempotencyKey);
  /** Reads a version this call made or completed, with its aliases as they now are. */
  const readBackOf = (version: string) => async () =>
    records.toVersion(model, await records.byVersion(model, version, op, options), await records.aliases(model, op, options), op, options);
  let group = await records.findGroup(model, op, options);
  if (!group && input.createModel === false) throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation: op });
  if (group && meta.idempotencyKey !== undefined) {
    const found = await findByKey(records, model, group.ModelPackageGroupName, token, op, options);
    if (found) {
      // A retry completes what the first call asked for, as the MLflow adapter's does: a create that ended between its
      // package and its aliases (killed, or its alias failed and so did deleting the package) left them unset, and
      // this call's caller is told they are set. A failure here leaves the version alone: this call did not make it.
      const moved = await setAliases(records, group.ModelPackageGroupArn, model, found.version, meta.aliases, op, options);
      if (moved.length === 0) return { value: found, events: [] };
      return { events: ctx.stamp(moved), readBack: readBackOf(found.version) };
    }
  }
  const state: CreateState = { madeGroup: false, keyWritten: false, maybeMade: false };
  const events: RegistryEventInput[] = [];
  let version: string;
  try {
    if (!group) {
      try {
        await createGroupOnce(records, { ModelPackageGroupName: model }, op, options);
        state.madeGroup = true;
        events.push({ type: "model.created", model });
      } catch (error) {
        // Another writer made it in the meantime: the version goes into theirs.
        if (!ConflictError.isInstance(error)) throw error;
      }
      group = await records.group(model, op, options);
    }
    // Files and records go under the group's name as SageMaker spells it, whatever spelling the caller used.
    const dir = group.ModelPackageGroupName;
    state.dir = dir;
    const latest = await records.latest(model, op, options);
    let folder = latest ? Number(versionOf(latest)) + 1 : 1;
    for (let tries = 1; !(await store.claim(dir, folder, token, call)); tries++, folder++) {
      if (tries >= 100)
        throw new ConflictError(`100 artifact folders after ${dir}/${folder - 99} are taken; remove abandoned claims`, { provider: PROVIDER, operation: op });
    }
    state.folder = folder;
    if (meta.idempotencyKey !== undefined) {
      await store.storage.putJson(store.bucket, store.keyKey(dir, token), { format: "modelreg-sagemaker/key", folder, token }, call);
      state.keyWritten = true;
    }
    const prefix = store.folderPrefix(dir, folder);
    const progress = transferProgress(files, options.onProgress);
    const stored = await mapLimit(files, transferConcurrency(options.concurrency, files), async (file) => {
      const digests = await store.storage.upload(store.bucket, `${prefix}${file.path}`, file, { ...call, onBytes: progress(file) });
      checkExpected(file, digests, { provider: PROVIDER, operation: op });
      return { path: file.path, size: digests.size, sha256: digests.sha256 };
    });
    let metrics: Record<string, unknown> | undefined;
    if (Object.keys(meta.metrics).length > 0) {
      const key = store.metricsKey(dir, folder);
      const bytes = metricsDocument(meta.metrics);
      const up = await store.storage.upload(store.bucket, key, bytesFile(key, bytes), { ...call, contentType: "application/json" });
      metrics = {
        ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `s3://${store.bucket}/${key}`, ContentDigest: `sha256:${up.sha256}` } },
      };
    }
    const record: VersionRecord = {
      format: "modelreg-sagemaker/1",
      model: dir,
      folder,
      location: store.folderUri(dir, folder),
      token,
      ...(meta.description !== undefined && { description: meta.description }),
      params: meta.params,
      metrics: meta.metrics,
      tags: meta.tags,
      lineage: meta.lineage as Record<string, unknown>,
      ...(meta.signature && { signature: meta.signature as unknown as Record<string, unknown> }),
      ...(meta.modelCard && { modelCard: meta.modelCard as Record<string, unknown> }),
      files: stored,
      digest: computeContentDigest(stored),
      createdBy: ctx.actor,
      ...(meta.idempotencyKey !== undefined && { idempotencyKey: meta.idempotencyKey }),
    };
    await store.writeVersion(dir, record, call);
    throwIfAborted(options.signal, PROVIDER, op);
    const folderUri = store.folderUri(dir, folder);
    const body = {
      ModelPackageGroupName: model,
      ...(meta.description && { ModelPackageDescription: packageDescription(meta.description) }),
      ModelApprovalStatus: STAGE_STATE.draft.approval,
      ModelLifeCycle: STAGE_STATE.draft.lifeCycle,
      CustomerMetadataProperties: versionProperties({ stage: "draft", token, folder, artifactsUri: image ? undefined : folderUri, tags: meta.tags }),
      MetadataProperties: metadataProperties(meta.lineage, providerOptions?.projectId),
      ...(metrics && { ModelMetrics: metrics }),
      ...(meta.modelCard && {
        ModelCard: {
          ModelCardContent: modelCardContent(meta.modelCard, meta.metrics, folderUri),
          ModelCardStatus: providerOptions?.modelCardStatus ?? "Draft",
        },
      }),
      ...(image && { InferenceSpecification: inferenceSpecification(image, folderUri, providerOptions) }),
      ...(providerOptions?.domain && { Domain: providerOptions.domain }),
      ...(providerOptions?.task && { Task: providerOptions.task }),
      ClientToken: crypto.randomUUID(),
    };
    const arn = await createOnce(records, settings, model, token, body, options, state);
    version = versionOfArn(arn) ?? versionOf(await records.describe(arn, op, options));
    events.push({ type: "version.created", model, version, to: version });
    events.push(...(await setAliases(records, group.ModelPackageGroupArn, model, version, meta.aliases, op, options)));
  } catch (error) {
    const left = await undo(records, model, token, state, op);
    if (left.length > 0)
      await reportChanges(
        events.filter((e) => left.includes(e.type)),
        options,
      );
    throw error;
  }
  if (meta.idempotencyKey !== undefined) {
    // The key's record learns the version, so a retry reads it directly; without this a retry scans for the token.
    await store.storage
      .putJson(store.bucket, store.keyKey(state.dir ?? model, token), { format: "modelreg-sagemaker/key", folder: state.folder, token, version }, call)
      .catch(() => undefined);
  }
  return { events: ctx.stamp(events), readBack: readBackOf(version) };
}

/**
 * Points `aliases` at `version` (tags on the model's group: one read of them and one `AddTags`, when any alias moves)
 * and returns an `alias.set` event for each that moved. Aliases already on the version are left alone and told to
 * nobody.
 */
async function setAliases(
  records: SageMakerRecords,
  groupArn: string,
  model: string,
  version: string,
  aliases: readonly string[],
  op: string,
  options: CallOptions | undefined,
): Promise<RegistryEventInput[]> {
  if (aliases.length === 0) return [];
  const held = aliasesOf(await records.tags(groupArn, op, options));
  const moving = aliases.filter((alias) => ownValue(held, alias) !== version);
  if (moving.length === 0) return [];
  await records.transport.call({
    operation: op,
    action: "AddTags",
    body: { ResourceArn: groupArn, Tags: moving.map((a) => ({ Key: `${ALIAS_TAG_PREFIX}${a}`, Value: version })) },
    idempotent: true,
    options,
  });
  return moving.map((alias) => {
    const from = ownValue(held, alias);
    return { type: "alias.set", model, alias, version, ...(from !== undefined && { from }), to: version };
  });
}

/**
 * Sends `CreateModelPackage`. A 4xx answer is a refusal: nothing was made. After no answer or a 5xx, SageMaker may
 * have made the package, so the group's newest packages are read for this create's token before sending again with
 * the same `ClientToken`.
 */
async function createOnce(
  records: SageMakerRecords,
  settings: Pick<SageMakerRegistrySettings, "maxRetries">,
  model: string,
  token: string,
  body: Record<string, unknown>,
  options: CallOptions,
  state: CreateState,
): Promise<string> {
  const op = "createVersion";
  const attempts = (options.maxRetries ?? settings.maxRetries ?? 2) + 1;
  const since = new Date();
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await records.transport.call({ operation: op, action: "CreateModelPackage", body, schema: createPackageSchema, idempotent: false, options });
      state.arn = res.ModelPackageArn;
      return res.ModelPackageArn;
    } catch (error) {
      last = error;
      const refused = ModelRegistryError.isInstance(error) && error.statusCode !== undefined && error.statusCode < 500;
      if (!refused) state.maybeMade = true;
      if (!ModelRegistryError.isInstance(error) || !error.isRetryable || options.signal?.aborted || attempt === attempts) throw error;
      if (!refused) {
        const found = await findByToken(records, model, token, since, op, options).catch(() => undefined);
        if (found) {
          state.arn = found.ModelPackageArn;
          return found.ModelPackageArn;
        }
      }
      await sleep(Math.min(200 * 2 ** (attempt - 1), 5000), options.signal);
    }
  }
  throw last;
}

/**
 * The package of this create's token among the group's newest packages: those made since `since` (less 15 minutes,
 * the clock skew SigV4 allows, so a package made in this call is never passed over), or all of them without `since`.
 * Summaries carry no properties, so each candidate is described.
 */
async function findByToken(
  records: SageMakerRecords,
  model: string,
  token: string,
  since: Date | undefined,
  op: string,
  options: CallOptions | undefined,
): Promise<SageMakerPackage | undefined> {
  const floor = since === undefined ? undefined : since.getTime() - 15 * 60_000;
  let page: string | undefined;
  do {
    const { items, next } = await records.packagePage(model, { pageSize: 100, token: page }, op, options);
    for (const summary of items) {
      const created = timeOf(summary.CreationTime)?.getTime();
      if (floor !== undefined && created !== undefined && created < floor) return undefined;
      const pkg = await records.describe(summary.ModelPackageArn, op, options);
      if (pkg.CustomerMetadataProperties?.[PROPERTY.token] === token) return pkg;
    }
    page = next;
  } while (page);
  return undefined;
}

/** The version an earlier create with this idempotency key made, through the key's record; `undefined` when none did. */
async function findByKey(
  records: SageMakerRecords,
  model: string,
  dir: string,
  token: string,
  op: string,
  options: CallOptions,
): Promise<ModelVersion | undefined> {
  const key = await records.store.readKey(dir, token, { ...options, operation: op });
  if (!key) return undefined;
  let pkg: SageMakerPackage | undefined;
  if (key.version !== undefined) {
    pkg = await records.byVersion(model, key.version, op, options).catch((error: unknown) => {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    });
    if (pkg?.CustomerMetadataProperties?.[PROPERTY.token] !== token) pkg = undefined;
  }
  // An earlier call that ended before it wrote the version: its package, if it made one, carries the token.
  pkg ??= await findByToken(records, model, token, undefined, op, options);
  return pkg && records.toVersion(model, pkg, await records.aliases(model, op, options), op, options);
}

/**
 * Undoes what a failed create made, best effort, and returns the kinds of change that stay (for subscribers): a
 * package that cannot be deleted, or may exist but cannot be found, keeps its files, record and claim.
 */
async function undo(records: SageMakerRecords, model: string, token: string, state: CreateState, op: string): Promise<string[]> {
  const store = records.store;
  const left: string[] = [];
  if (state.maybeMade && state.arn === undefined)
    state.arn = (await findByToken(records, model, token, undefined, op, undefined).catch(() => undefined))?.ModelPackageArn;
  if (state.arn !== undefined) {
    try {
      await records.transport
        .call({ operation: op, action: "DeleteModelPackage", body: { ModelPackageName: state.arn }, idempotent: true, options: {} })
        .catch((error: unknown) => {
          if (!NotFoundError.isInstance(error)) throw error;
        });
    } catch {
      // The package stays (moto cannot delete packages, §12.1): its files stay too, and subscribers hear of it.
      return ["model.created", "version.created", "alias.set"];
    }
  } else if (state.maybeMade) {
    // SageMaker may still have made it: the files stay for it, and a retry with the same idempotency key finds it.
    return ["model.created"];
  }
  if (state.folder !== undefined && state.dir !== undefined) {
    const dir = state.dir;
    const filesGone = await deletePrefix(store, store.folderPrefix(dir, state.folder), op);
    const others = [store.metricsKey(dir, state.folder), ...(state.keyWritten ? [store.keyKey(dir, token)] : [])];
    if ((await deleteObjects(store, others, op)) && filesGone) await deleteObjects(store, [store.recordKey(dir, state.folder)], op);
  }
  if (state.madeGroup) {
    try {
      const remaining = await records.latest(model, op, undefined);
      if (!remaining)
        await records.transport.call({
          operation: op,
          action: "DeleteModelPackageGroup",
          body: { ModelPackageGroupName: model },
          idempotent: true,
          options: {},
        });
      else left.push("model.created");
    } catch {
      left.push("model.created");
    }
  }
  return left;
}

/**
 * Refuses, before any request, paths S3 or SageMaker would refuse: a key over 1024 bytes, and path components over
 * 255 bytes (SM:S3ModelDataSource, for files a deploy copies under `/opt/ml/model`).
 */
function checkPaths(files: readonly ResolvedArtifact[], longestPrefix: string, op: string): void {
  const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
  for (const file of files) {
    const long = file.path.split("/").find((c) => bytes(c) > 255);
    if (long !== undefined || bytes(longestPrefix + file.path) > 1024)
      throw new InvalidInputError(`the artifact path ${JSON.stringify(file.path.slice(0, 80))} is too long for S3 and SageMaker`, {
        provider: PROVIDER,
        operation: op,
        field: "artifacts",
      });
  }
}

/** A small in-memory file, for the metrics document. */
function bytesFile(path: string, bytes: Uint8Array): ResolvedArtifact {
  return {
    path,
    size: bytes.byteLength,
    open: async function* () {
      yield bytes;
    },
  };
}
