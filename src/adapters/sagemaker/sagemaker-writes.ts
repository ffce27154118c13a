/**
 * SageMaker's model and version changes other than creating versions, aliases and stages: createModel, updateModel,
 * deleteModel, updateVersion and deleteVersion. The provider imports this module on the first of them, so a client
 * that only reads does not load it.
 *
 * @module
 */

import { ConflictError, ModelRegistryError, NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { CallOptions } from "../../core/options.js";
import { setOwn } from "../../core/own-keys.js";
import type { ProviderChange, ProviderContext } from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { CreateModelInput, ModelVersion, RegisteredModel, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { createGroupSchema, type SageMakerPackage } from "./sagemaker-api.js";
import { deleteObjects, deletePrefix } from "./sagemaker-cleanup.js";
import { aliasesOf, userProperties, versionOf } from "./sagemaker-convert.js";
import type { ModelRecord, VersionRecord } from "./sagemaker-metadata.js";
import { ALIAS_TAG_PREFIX, MANAGED_PREFIX, MAX_GROUP_USER_TAGS, fitsTag, packageDescription } from "./sagemaker-names.js";
import { modelCardContent, updateBody, withTags } from "./sagemaker-package.js";
import type { ChangeReporter } from "./sagemaker-provider.js";
import type { SageMakerRecords } from "./sagemaker-records.js";
import { PROVIDER } from "./sagemaker-transport.js";

/** What these changes use of the provider: its records, its reads for reading a change back, and its reporter. */
export interface SageMakerWriteParts {
  readonly records: SageMakerRecords;
  readonly provider: {
    doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel>;
    doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion>;
  };
  /** Tells subscribers of changes a failed call made and could not undo. */
  readonly reportChanges: ChangeReporter;
}

/**
 * Splits a model's tags: those that fit group tags go there (up to {@link MAX_GROUP_USER_TAGS}, so aliases keep room
 * in the 50 a group can have), the others into modelreg's model record.
 */
function splitModelTags(tags: Record<string, string>, onGroup: number): { group: Array<{ Key: string; Value: string }>; record: Record<string, string> } {
  const group: Array<{ Key: string; Value: string }> = [];
  const record: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (fitsTag(k, v) && onGroup + group.length < MAX_GROUP_USER_TAGS) group.push({ Key: k, Value: v });
    else setOwn(record, k, v);
  }
  return { group, record };
}

/**
 * Creates a group. moto replaces a group created twice (reference §12.3), so an existing one is refused first; the
 * description SageMaker cannot hold whole (line breaks, over 1024 characters) and the tags that do not fit group tags
 * go in the model's record.
 */
export async function createSageMakerModel(p: SageMakerWriteParts, input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
  const { operation: op, options } = ctx;
  const name = input.name;
  if (await p.records.findGroup(name, op, options))
    throw new ConflictError(`model ${JSON.stringify(name)} already exists`, { provider: PROVIDER, operation: op });
  const { group: tags, record: recordTags } = splitModelTags(input.tags ?? {}, 0);
  const shown = input.description === undefined ? undefined : packageDescription(input.description);
  await createGroupOnce(
    p.records,
    { ModelPackageGroupName: name, ...(shown && { ModelPackageGroupDescription: shown }), ...(tags.length > 0 && { Tags: tags }) },
    op,
    options,
  );
  if (Object.keys(recordTags).length > 0 || shown !== input.description) {
    const record: ModelRecord = {
      format: "modelreg-sagemaker/model",
      name,
      ...(input.description !== undefined && shown !== input.description && { description: input.description }),
      tags: recordTags,
    };
    try {
      await p.records.store.writeModel(name, record, { ...options, operation: op });
    } catch (error) {
      // Whole or not at all: the group goes again (best effort; moto cannot delete groups, §12.1).
      await deleteGroup(p, name, op).catch(() => undefined);
      throw error;
    }
  }
  return { events: ctx.stamp([{ type: "model.created", model: name }]), readBack: () => p.provider.doGetModel(name, ctx) };
}

/**
 * Creates a group, once: after a failure that may have reached SageMaker (no answer, a 5xx), it looks for the group
 * before sending again, since moto replaces a group created twice (reference §12.3) and AWS refuses it. The caller
 * has seen that the group did not exist.
 *
 * @throws ConflictError when the group exists already (another writer made it first).
 */
export async function createGroupOnce(records: SageMakerRecords, body: Record<string, unknown>, op: string, options: CallOptions | undefined): Promise<void> {
  const attempts = (options?.maxRetries ?? 2) + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      await records.transport.call({ operation: op, action: "CreateModelPackageGroup", body, schema: createGroupSchema, idempotent: false, options });
      return;
    } catch (error) {
      const refused = ModelRegistryError.isInstance(error) && error.statusCode !== undefined && error.statusCode < 500;
      if (refused || !ModelRegistryError.isInstance(error) || !error.isRetryable || options?.signal?.aborted || attempt >= attempts) throw error;
      if (await records.findGroup(String(body.ModelPackageGroupName), op, options)) return;
    }
  }
}

async function deleteGroup(p: SageMakerWriteParts, name: string, op: string, options?: CallOptions): Promise<void> {
  await p.records.transport
    .call({ operation: op, action: "DeleteModelPackageGroup", body: { ModelPackageGroupName: name }, idempotent: true, options })
    .catch(gone);
}

/** A delete that finds the thing gone has done its work (a retry after a lost answer finds it so). */
function gone(error: unknown): void {
  if (!NotFoundError.isInstance(error)) throw error;
}

/**
 * A group's description cannot change on SageMaker (there is no UpdateModelPackageGroup), so a new one is kept in
 * the model's record, which reads win over the group's. Tags go on the group where they fit and there is room, else
 * in the record.
 */
export async function updateSageMakerModel(
  p: SageMakerWriteParts,
  name: string,
  patch: UpdateModelInput,
  ctx: ProviderContext,
): Promise<ProviderChange<RegisteredModel>> {
  const { operation: op, options } = ctx;
  const call = { ...options, operation: op };
  const group = await p.records.group(name, op, options);
  const arn = group.ModelPackageGroupArn;
  const tags = await p.records.tags(arn, op, options);
  // Records are kept under the group's name as SageMaker spells it.
  const dir = group.ModelPackageGroupName;
  const record: ModelRecord = (await p.records.store.readModel(dir, call)) ?? { format: "modelreg-sagemaker/model", name: dir, tags: {} };
  const before = JSON.stringify(record);
  if (patch.description !== undefined) record.description = patch.description;
  const add: Array<{ Key: string; Value: string }> = [];
  const remove: string[] = [];
  let onGroup = [...tags.keys()].filter((k) => !k.startsWith(MANAGED_PREFIX)).length;
  for (const [k, v] of Object.entries(patch.tags ?? {})) {
    const onRecord = Object.hasOwn(record.tags, k);
    if (v !== null && fitsTag(k, v) && (tags.has(k) || onGroup < MAX_GROUP_USER_TAGS)) {
      if (!tags.has(k)) onGroup++;
      add.push({ Key: k, Value: v });
      if (onRecord) delete record.tags[k];
      continue;
    }
    if (tags.has(k) && !k.startsWith(MANAGED_PREFIX)) remove.push(k);
    if (v === null) delete record.tags[k];
    else setOwn(record.tags, k, v);
  }
  let changed = false;
  try {
    if (add.length > 0) {
      await p.records.transport.call({ operation: op, action: "AddTags", body: { ResourceArn: arn, Tags: add }, idempotent: true, options });
      changed = true;
    }
    if (remove.length > 0) {
      await p.records.transport.call({ operation: op, action: "DeleteTags", body: { ResourceArn: arn, TagKeys: remove }, idempotent: true, options });
      changed = true;
    }
    if (JSON.stringify(record) !== before) await p.records.store.writeModel(dir, record, call);
  } catch (error) {
    if (changed) await p.reportChanges([{ type: "model.updated", model: name, details: { fields: ["tags"], partial: true } }], options);
    throw error;
  }
  const events = ctx.stamp([{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }]);
  return { events, readBack: () => p.provider.doGetModel(name, ctx) };
}

/**
 * Deletes every version's package, then the group, then everything modelreg keeps under `<prefix>/<model>/` (files
 * of versions made elsewhere, outside it, stay). A failure part-way tells subscribers of the versions already gone.
 */
export async function deleteSageMakerModel(p: SageMakerWriteParts, name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const dir = (await p.records.group(name, op, options)).ModelPackageGroupName;
  const gone: RegistryEventInput[] = [];
  try {
    for (const pkg of await p.records.allPackages(name, op, options)) {
      await deletePackage(p, pkg.ModelPackageArn, op, options);
      gone.push({ type: "version.deleted", model: name, version: versionOf(pkg) });
    }
    await deleteGroup(p, name, op, options);
  } catch (error) {
    if (gone.length > 0) await p.reportChanges(gone, options);
    throw error;
  }
  await deletePrefix(p.records.store, `${p.records.store.modelDir(dir)}/`, op);
  return { value: undefined, events: ctx.stamp([{ type: "model.deleted", model: name }]) };
}

async function deletePackage(p: SageMakerWriteParts, arn: string, op: string, options: CallOptions | undefined): Promise<void> {
  await p.records.transport.call({ operation: op, action: "DeleteModelPackage", body: { ModelPackageName: arn }, idempotent: true, options }).catch(gone);
}

/** modelreg's own properties of a package (stage, token, folder, location), kept as they are by updates. */
function managedProperties(pkg: SageMakerPackage): Record<string, string> {
  return Object.fromEntries(Object.entries(pkg.CustomerMetadataProperties ?? {}).filter(([k]) => k.startsWith(MANAGED_PREFIX)));
}

/**
 * Updates the record beside the files, then the package's properties (and its model card) on SageMaker, in one
 * `UpdateModelPackage` that carries every property. A package's description cannot change on SageMaker; the new one
 * is in the record. A package another tool made has no record: only its tags that fit its properties can change.
 */
export async function updateSageMakerVersion(
  p: SageMakerWriteParts,
  ref: VersionRef,
  patch: UpdateVersionInput,
  ctx: ProviderContext,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const call = { ...options, operation: op };
  const pkg = await p.records.resolve(ref, op, options);
  const version = versionOf(pkg);
  const record = await p.records.record(ref.model, pkg, op, options);
  const tags: Record<string, string> = { ...record?.tags, ...userProperties(pkg) };
  for (const [k, v] of Object.entries(patch.tags ?? {})) {
    if (v === null) delete tags[k];
    else setOwn(tags, k, v);
  }
  const properties = withTags(managedProperties(pkg), tags);
  let card: string | undefined;
  if (!record) {
    const foreign = (what: string) =>
      new UnsupportedCapabilityError(`${ref.model}/${version} was not registered by modelreg, so it has no record to keep ${what} in`, {
        provider: PROVIDER,
        operation: op,
        capability: "foreignVersion",
      });
    if (patch.description !== undefined || patch.metrics !== undefined || patch.modelCard !== undefined)
      throw foreign("a description, metrics or a model card");
    const lost = Object.keys(tags).filter((k) => !Object.hasOwn(properties, k));
    if (lost.length > 0)
      throw invalidInput(
        op,
        `tags.${lost[0]}`,
        `the tag ${JSON.stringify(lost[0])} does not fit CustomerMetadataProperties, and ${ref.model}/${version} has no modelreg record`,
        PROVIDER,
      );
    await update(p, pkg, properties, undefined, op, options);
  } else {
    const next: VersionRecord = { ...record, tags, metrics: { ...record.metrics, ...patch.metrics } };
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.modelCard !== undefined) {
      next.modelCard = patch.modelCard as Record<string, unknown>;
      card = modelCardContent(patch.modelCard, next.metrics, p.records.store.folderUri(record.model, record.folder));
    }
    await p.records.store.writeVersion(record.model, next, call);
    try {
      await update(p, pkg, properties, card, op, options);
    } catch (error) {
      // Not at all: the record goes back (best effort; a record ahead of SageMaker is read as the truth it was meant to be).
      await p.records.store.writeVersion(record.model, record, call).catch(() => undefined);
      throw error;
    }
  }
  const events = ctx.stamp([{ type: "version.updated", model: ref.model, version, details: { fields: Object.keys(patch) } }]);
  return { events, readBack: () => p.provider.doGetVersion({ model: ref.model, version }, ctx) };
}

/** Sends an `UpdateModelPackage` when the properties or the card change. */
async function update(
  p: SageMakerWriteParts,
  pkg: SageMakerPackage,
  properties: Record<string, string>,
  card: string | undefined,
  op: string,
  options: CallOptions | undefined,
): Promise<void> {
  const same = JSON.stringify(Object.entries(properties).sort()) === JSON.stringify(Object.entries(pkg.CustomerMetadataProperties ?? {}).sort());
  if (same && card === undefined) return;
  await p.records.transport.call({
    operation: op,
    action: "UpdateModelPackage",
    body: updateBody(pkg, properties, card === undefined ? {} : { modelCard: card }),
    options,
  });
}

/**
 * Deletes a version's package, then the aliases on it, then (for versions modelreg made) its files, metrics and
 * record. A version another tool made keeps its files.
 */
export async function deleteSageMakerVersion(p: SageMakerWriteParts, ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const pkg = await p.records.resolve(ref, op, options);
  const version = versionOf(pkg);
  const group = await p.records.group(ref.model, op, options);
  const aliases = Object.entries(aliasesOf(await p.records.tags(group.ModelPackageGroupArn, op, options)))
    .filter(([, v]) => v === version)
    .map(([a]) => a);
  const record = await p.records.record(ref.model, pkg, op, options);
  await deletePackage(p, pkg.ModelPackageArn, op, options);
  const events: RegistryEventInput[] = [{ type: "version.deleted", model: ref.model, version }];
  if (aliases.length > 0) {
    try {
      await p.records.transport.call({
        operation: op,
        action: "DeleteTags",
        body: { ResourceArn: group.ModelPackageGroupArn, TagKeys: aliases.map((a) => `${ALIAS_TAG_PREFIX}${a}`) },
        idempotent: true,
        options,
      });
    } catch (error) {
      await p.reportChanges(events, options);
      throw error;
    }
    for (const alias of aliases) events.push({ type: "alias.deleted", model: ref.model, alias, version, from: version });
  }
  if (record) {
    const store = p.records.store;
    const filesGone = await deletePrefix(store, store.folderPrefix(record.model, record.folder), op);
    const names = [store.metricsKey(record.model, record.folder), ...(record.idempotencyKey !== undefined ? [store.keyKey(record.model, record.token)] : [])];
    // The record goes last, and only when the files are gone: it marks the folder as taken.
    if ((await deleteObjects(store, names, op)) && filesGone) await deleteObjects(store, [store.recordKey(record.model, record.folder)], op);
  }
  return { value: undefined, events: ctx.stamp(events) };
}
