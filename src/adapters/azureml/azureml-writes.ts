/**
 * Changes to Azure ML other than creating a version: models (containers), version metadata, stages, aliases,
 * deletes. Imported on first use, so readers never load it.
 *
 * Azure ML's model resources have no etag: a PUT replaces the whole resource, and two writers that read, change and
 * write the same resource at once can lose one change (last writer wins). modelreg keeps each change to one PUT of
 * the resource it reads just before (a version's stage and tags are on the version, a model's aliases on its
 * container), so the window is one round trip, and it re-reads after writing.
 *
 * @module
 */

import { ConflictError, NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ProviderChange, ProviderContext } from "../../core/provider-spec.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { VersionRef } from "../../core/refs.js";
import type { CreateModelInput, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { type ArmModelContainer, type ArmModelVersion, versionPageSchema } from "./azureml-api.js";
import { aliasesOf, stringEntries, toRegisteredModel } from "./azureml-convert.js";
import { aliasTag, azureStage, CARD_TAG, PROP, PROVIDER, stageOf } from "./azureml-names.js";
import { containerPath, findArmVersion, findContainer, getContainer, listAll, loadVersion, resolveAlias, versionPath } from "./azureml-read.js";
import type { AzureMlRegistrySettings } from "./azureml-settings.js";
import type { AzureStorage } from "./azureml-storage.js";
import type { ArmTransport } from "./azureml-transport.js";

/** What the write modules use. */
export interface WriteParts {
  /** The ARM client. */
  transport: ArmTransport;
  /** Where files are. */
  storage: AzureStorage;
  /** The registry settings. */
  settings: AzureMlRegistrySettings;
}

/** A PUT of a resource under the workspace or registry, waited out when Azure runs it as a long-running operation (registries). */
export async function putResource(t: ArmTransport, path: string, body: unknown, operation: string, options: CallOptions | undefined): Promise<number> {
  const res = await t.send({ operation, method: "PUT", path, body, options });
  await t.waitFor(res, operation, options);
  return res.status;
}

/** A DELETE, waited out; `false` when there was nothing to delete. */
export async function deleteResource(t: ArmTransport, path: string, operation: string, options: CallOptions | undefined): Promise<boolean> {
  const res = await t.send({ operation, method: "DELETE", path, acceptStatus: [404], options });
  if (res.status === 404) return false;
  await t.waitFor(res, operation, options);
  return res.status !== 204;
}

/** The writable part of a container, as a PUT body. */
export function containerBody(c: ArmModelContainer | undefined, description: string | undefined, tags: Record<string, string>) {
  return {
    properties: {
      ...(description !== undefined && description !== "" && { description }),
      tags,
      properties: stringEntries(c?.properties.properties),
      isArchived: c?.properties.isArchived ?? false,
    },
  };
}

/** The writable part of a version, as a PUT body (what Azure's SDK sends back when it archives: the whole resource). */
export function versionBody(
  v: ArmModelVersion,
  change: { description?: string | undefined; tags?: Record<string, string>; stage?: string; isArchived?: boolean },
) {
  const p = v.properties;
  const description = "description" in change ? change.description : (p.description ?? undefined);
  return {
    properties: {
      ...(description && { description }),
      tags: change.tags ?? stringEntries(p.tags),
      properties: stringEntries(p.properties),
      ...(p.modelUri && { modelUri: p.modelUri }),
      ...(p.modelType && { modelType: p.modelType }),
      flavors: p.flavors ?? {},
      ...(p.jobName && { jobName: p.jobName }),
      ...((change.stage ?? p.stage) && { stage: change.stage ?? p.stage }),
      isAnonymous: p.isAnonymous ?? false,
      isArchived: change.isArchived ?? p.isArchived ?? false,
    },
  };
}

/** Reads a container back as a model. */
async function readModel(p: WriteParts, name: string, ctx: ProviderContext): Promise<RegisteredModel> {
  return toRegisteredModel(await getContainer(p.transport, name, ctx.operation, ctx.options));
}

/** Reads a version back. */
export async function readVersion(p: WriteParts, model: string, version: string, ctx: ProviderContext): Promise<ModelVersion> {
  const { operation: op, options } = ctx;
  const [arm, container] = await Promise.all([findArmVersion(p.transport, model, version, op, options), findContainer(p.transport, model, op, options)]);
  if (!arm) throw new NotFoundError(`model ${JSON.stringify(model)} has no version ${version}`, { provider: PROVIDER, operation: op });
  return loadVersion(p.transport, p.storage, model, arm, container, op, options);
}

/** The version a ref names, with its resource. */
async function locate(p: WriteParts, ref: VersionRef, op: string, options: CallOptions | undefined): Promise<ArmModelVersion> {
  const version = "version" in ref ? ref.version : await resolveAlias(p.transport, ref.model, ref.alias, op, options);
  const arm = await findArmVersion(p.transport, ref.model, version, op, options);
  if (!arm) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no version ${version}`, { provider: PROVIDER, operation: op });
  return arm;
}

/** Creates an empty model (a container without versions); an existing one is a conflict, never overwritten. */
export async function createAzureModel(p: WriteParts, input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
  const { operation: op, options } = ctx;
  if (await findContainer(p.transport, input.name, op, options)) {
    throw new ConflictError(`model ${JSON.stringify(input.name)} already exists`, { provider: PROVIDER, operation: op });
  }
  await putResource(p.transport, containerPath(input.name), containerBody(undefined, input.description, { ...(input.tags ?? {}) }), op, options);
  return { readBack: () => readModel(p, input.name, ctx), events: ctx.stamp([{ type: "model.created", model: input.name }]) };
}

/** Changes a model's description and tags (one PUT of its container; the alias tags stay). */
export async function updateAzureModel(p: WriteParts, name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
  const { operation: op, options } = ctx;
  const c = await getContainer(p.transport, name, op, options);
  const tags = stringEntries(c.properties.tags);
  let changed = false;
  for (const [k, v] of Object.entries(patch.tags ?? {})) {
    if (v === null ? Object.hasOwn(tags, k) : tags[k] !== v) changed = true;
    if (v === null) delete tags[k];
    else tags[k] = v;
  }
  const description = patch.description ?? c.properties.description ?? undefined;
  if (patch.description !== undefined && patch.description !== (c.properties.description ?? "")) changed = true;
  if (changed) await putResource(p.transport, containerPath(name), containerBody(c, description, tags), op, options);
  return { readBack: () => readModel(p, name, ctx), events: changed ? ctx.stamp([{ type: "model.updated", model: name }]) : [] };
}

/** Every version of a model, archived ones included. */
async function allVersions(p: WriteParts, model: string, op: string, options: CallOptions | undefined): Promise<ArmModelVersion[]> {
  const t = p.transport;
  return listAll(
    t,
    async () =>
      (await t.send({ operation: op, path: `${containerPath(model)}/versions`, query: { listViewType: "All" }, schema: versionPageSchema, options })).data,
    async (path) => (await t.http.request({ operation: op, path, schema: versionPageSchema, ...options })).data,
    op,
  );
}

/** Deletes a model: every version (and the files modelreg stored for it), then the container. */
export async function deleteAzureModel(p: WriteParts, name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  await getContainer(p.transport, name, op, options);
  for (const v of await allVersions(p, name, op, options)) await deleteVersionAndFiles(p, name, v, op, options);
  await deleteResource(p.transport, containerPath(name), op, options);
  return { value: undefined, events: ctx.stamp([{ type: "model.deleted", model: name }]) };
}

/** Changes a version's description and tags (one PUT of the whole version; its `modelUri` and properties stay). */
export async function updateAzureVersion(
  p: WriteParts,
  ref: VersionRef,
  patch: UpdateVersionInput,
  ctx: ProviderContext,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const arm = await locate(p, ref, op, options);
  const tags = stringEntries(arm.properties.tags);
  let changed = false;
  for (const [k, v] of Object.entries(patch.tags ?? {})) {
    if (v === null ? Object.hasOwn(tags, k) : tags[k] !== v) changed = true;
    if (v === null) delete tags[k];
    else tags[k] = v;
  }
  if (patch.description !== undefined && patch.description !== (arm.properties.description ?? "")) changed = true;
  // The record is written once; a card given later is kept in a tag of the version, which reads win over the record's.
  if (patch.modelCard !== undefined) {
    const card = JSON.stringify(patch.modelCard);
    if (tags[CARD_TAG] !== card) changed = true;
    tags[CARD_TAG] = card;
  }
  if (changed)
    await putResource(
      p.transport,
      versionPath(ref.model, arm.name),
      versionBody(arm, { ...(patch.description !== undefined && { description: patch.description }), tags }),
      op,
      options,
    );
  return {
    readBack: () => readVersion(p, ref.model, arm.name, ctx),
    events: changed ? ctx.stamp([{ type: "version.updated", model: ref.model, version: arm.name }]) : [],
  };
}

/** Deletes a version's resource, then the files modelreg stored for it (never files another tool put elsewhere). */
async function deleteVersionAndFiles(p: WriteParts, model: string, arm: ArmModelVersion, op: string, options: CallOptions | undefined): Promise<void> {
  const ours = arm.properties.properties?.[PROP.token] !== undefined;
  const place = ours ? await p.storage.placeOf(model, arm, op, options).catch(() => undefined) : undefined;
  await deleteResource(p.transport, versionPath(model, arm.name), op, options);
  if (!place?.record) return;
  // The folder holds only what this version's create uploaded (its name is the create's token); best effort, since the
  // version is already gone and leftover blobs are only storage.
  const { deleteFolder } = await import("./azureml-cleanup.js");
  await deleteFolder(place, op, options).catch(() => undefined);
}

/**
 * Deletes a version: its aliases go first (a reader never sees an alias on a missing version), then the version,
 * then the files modelreg stored for it. Azure never gives its number again (`nextVersion` keeps counting).
 */
export async function deleteAzureVersion(p: WriteParts, ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const arm = await locate(p, ref, op, options);
  const container = await findContainer(p.transport, ref.model, op, options);
  const aliases = Object.entries(aliasesOf(container)).filter(([, v]) => v === arm.name);
  if (container && aliases.length > 0) {
    const tags = stringEntries(container.properties.tags);
    for (const [a] of aliases) delete tags[aliasTag(a)];
    await putResource(p.transport, containerPath(ref.model), containerBody(container, container.properties.description ?? undefined, tags), op, options);
  }
  try {
    await deleteVersionAndFiles(p, ref.model, arm, op, options);
  } catch (error) {
    // The version stays: so do its aliases, put back on the container as it is now (unless moved meanwhile).
    if (aliases.length > 0)
      await restoreAliases(
        p,
        ref.model,
        arm.name,
        aliases.map(([a]) => a),
        op,
        options,
      ).catch(() => undefined);
    throw error;
  }
  const events: RegistryEventInput[] = aliases.map(([alias]) => ({ type: "alias.deleted", model: ref.model, alias, version: arm.name, from: arm.name }));
  events.push({ type: "version.deleted", model: ref.model, version: arm.name });
  return { value: undefined, events: ctx.stamp(events) };
}

/** Puts aliases back on a version, each only where nothing else took it meanwhile. */
async function restoreAliases(p: WriteParts, model: string, version: string, aliases: string[], op: string, options: CallOptions | undefined): Promise<void> {
  const now = await getContainer(p.transport, model, op, options);
  const tags = stringEntries(now.properties.tags);
  const missing = aliases.filter((a) => !Object.hasOwn(tags, aliasTag(a)));
  if (missing.length === 0) return;
  for (const a of missing) tags[aliasTag(a)] = version;
  await putResource(p.transport, containerPath(model), containerBody(now, now.properties.description ?? undefined, tags), op, options);
}

/** Points an alias at a version: one PUT of the container's tags. */
export async function setAzureAlias(
  p: WriteParts,
  model: string,
  alias: string,
  version: string,
  ctx: ProviderContext,
): Promise<ProviderChange<{ previous?: string }>> {
  const { operation: op, options } = ctx;
  const [container, arm] = await Promise.all([getContainer(p.transport, model, op, options), findArmVersion(p.transport, model, version, op, options)]);
  if (!arm) throw new NotFoundError(`model ${JSON.stringify(model)} has no version ${version}`, { provider: PROVIDER, operation: op });
  const aliases = aliasesOf(container);
  const previous = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
  if (previous !== version) {
    const tags = stringEntries(container.properties.tags);
    tags[aliasTag(alias)] = version;
    await putResource(p.transport, containerPath(model), containerBody(container, container.properties.description ?? undefined, tags), op, options);
  }
  const events =
    previous === version ? [] : ctx.stamp([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }]);
  return { value: previous === undefined ? {} : { previous }, events };
}

/** Removes an alias. */
export async function deleteAzureAlias(p: WriteParts, model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const container = await getContainer(p.transport, model, op, options);
  const aliases = aliasesOf(container);
  const version = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
  if (version === undefined)
    throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation: op });
  const tags = stringEntries(container.properties.tags);
  delete tags[aliasTag(alias)];
  await putResource(p.transport, containerPath(model), containerBody(container, container.properties.description ?? undefined, tags), op, options);
  return { value: undefined, events: ctx.stamp([{ type: "alias.deleted", model, alias, version, from: version }]) };
}

/**
 * Moves a version to a stage: its `stage` field (Azure's own), and for `archived` also `isArchived`, which hides it
 * from Azure's default listings as the SDK's `archive` does; leaving `archived` restores it. With `archiveExisting`,
 * the other versions in that stage are archived after it moved, one PUT each.
 */
export async function transitionAzureStage(
  p: WriteParts,
  ref: VersionRef,
  to: Stage,
  archiveExisting: boolean,
  ctx: ProviderContext,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const arm = await locate(p, ref, op, options);
  const from = stageOf(arm.properties.stage, arm.properties.isArchived);
  const events: RegistryEventInput[] = [];
  if (from !== to) {
    await putResource(p.transport, versionPath(ref.model, arm.name), versionBody(arm, { stage: azureStage(to), isArchived: to === "archived" }), op, options);
    events.push({ type: "stage.changed", model: ref.model, version: arm.name, stage: to, from, to });
  }
  if (archiveExisting && to !== "archived")
    for (const other of await allVersions(p, ref.model, op, options)) {
      if (other.name === arm.name || stageOf(other.properties.stage, other.properties.isArchived) !== to) continue;
      await putResource(p.transport, versionPath(ref.model, other.name), versionBody(other, { stage: azureStage("archived"), isArchived: true }), op, options);
      events.push({ type: "stage.changed", model: ref.model, version: other.name, stage: "archived", from: to, to: "archived" });
    }
  return { readBack: () => readVersion(p, ref.model, arm.name, ctx), events: ctx.stamp(events) };
}
