/**
 * Vertex's model and version changes other than creating and aliasing: updateModel, deleteModel, updateVersion,
 * deleteVersion and transitionStage. The provider imports this module on the first of them, so a client that only
 * reads does not load it.
 *
 * @module
 */

import { UnsupportedCapabilityError } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { CallOptions } from "../../core/options.js";
import { setOwn } from "../../core/own-keys.js";
import type { ProviderChange, ProviderContext } from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { operationSchema, type VertexModel, vertexModelSchema } from "./vertex-api.js";
import { deleteObjects, deletePrefix, deleteVersionMeta } from "./vertex-cleanup.js";
import { toModelVersion, versionIdOf } from "./vertex-convert.js";
import type { MetadataStore } from "./vertex-metadata.js";
import { LABEL, fitsLabel, modelIdFor, parseGsUri } from "./vertex-names.js";
import type { VertexRecords } from "./vertex-records.js";
import { PROVIDER, type VertexTransport } from "./vertex-transport.js";

/** What these changes use of the provider: its clients, and its reads for reading a change back. */
export interface VertexWriteParts {
  readonly transport: VertexTransport;
  readonly records: VertexRecords;
  readonly meta: MetadataStore;
  readonly provider: {
    doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel>;
    doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion>;
  };
}

/** The description lives on Vertex, the tags in the model's metadata file. */
export async function updateVertexModel(
  p: VertexWriteParts,
  name: string,
  patch: UpdateModelInput,
  ctx: ProviderContext,
): Promise<ProviderChange<RegisteredModel>> {
  const { operation: op, options } = ctx;
  const id = modelIdFor(name);
  await p.records.model(id, undefined, op, options);
  if (patch.description !== undefined) {
    await p.transport.call({
      operation: op,
      method: "PATCH",
      path: p.records.modelPath(id),
      query: { updateMask: "description" },
      body: { description: patch.description },
      schema: vertexModelSchema,
      idempotent: true,
      options,
    });
  }
  if (patch.tags) {
    const meta = (await p.meta.readModel(id, { ...options, operation: op })) ?? { format: "modelreg-vertex/1" as const, name, tags: {} };
    for (const [k, v] of Object.entries(patch.tags)) {
      if (v === null) delete meta.tags[k];
      else setOwn(meta.tags, k, v);
    }
    await p.meta.writeModel(id, meta, { ...options, operation: op });
  }
  const events = ctx.stamp([{ type: "model.updated", model: name, details: { fields: Object.keys(patch) } }]);
  return { events, readBack: () => p.provider.doGetModel(name, ctx) };
}

/** Deletes the model with every version (a long-running operation), then its files. */
export async function deleteVertexModel(p: VertexWriteParts, name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const id = modelIdFor(name);
  const first = await p.transport.call({ operation: op, method: "DELETE", path: p.records.modelPath(id), schema: operationSchema, options });
  await p.transport.waitForOperation(first, op, options);
  await deletePrefix(p.records.meta, `${p.meta.modelDir(id)}/`, op);
  return { value: undefined, events: ctx.stamp([{ type: "model.deleted", model: name }]) };
}

/** Updates the metadata file beside the artifacts, and the description and labels on Vertex. */
export async function updateVertexVersion(
  p: VertexWriteParts,
  ref: VersionRef,
  patch: UpdateVersionInput,
  ctx: ProviderContext,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const id = modelIdFor(ref.model);
  const record = await p.records.resolve(ref, op, options);
  const versionId = versionIdOf(record);
  const token = record.labels?.[LABEL.token];
  const meta = await p.meta.readVersion(id, token, { ...options, operation: op });
  if (!meta || !token)
    throw new UnsupportedCapabilityError(`${ref.model}/${versionId} was not made by modelreg; only Vertex's own fields can change`, {
      provider: PROVIDER,
      operation: op,
      capability: "foreignVersion",
    });
  if (patch.description !== undefined) meta.description = patch.description;
  for (const [k, v] of Object.entries(patch.tags ?? {})) {
    if (v === null) delete meta.tags[k];
    else setOwn(meta.tags, k, v);
  }
  Object.assign(meta.metrics, patch.metrics);
  if (patch.modelCard) meta.modelCard = patch.modelCard as Record<string, unknown>;
  await p.meta.writeVersion(id, token, meta, { ...options, operation: op });
  const labels = Object.fromEntries(Object.entries(record.labels ?? {}).filter(([k]) => k.startsWith("modelreg")));
  for (const [k, v] of Object.entries(meta.tags)) if (fitsLabel(k, v) && Object.keys(labels).length < 60) labels[k] = v;
  const mask = ["labels", ...(patch.description !== undefined ? ["versionDescription"] : [])];
  const updated = await p.transport.call({
    operation: op,
    method: "PATCH",
    path: `${p.records.modelPath(id)}@${versionId}`,
    query: { updateMask: mask.join(",") },
    body: { labels, ...(patch.description !== undefined && { versionDescription: patch.description.slice(0, 2000) }) },
    schema: vertexModelSchema,
    idempotent: true,
    options,
  });
  const events = ctx.stamp([{ type: "version.updated", model: ref.model, version: versionId, details: { fields: Object.keys(patch) } }]);
  return { value: toModelVersion(ref.model, updated, meta), events };
}

/**
 * Deletes a version. Vertex moves `default` off a deleted version to the most recent remaining one. Vertex does not
 * delete the only version of a model (its `deleteVersion` says to delete the model instead), so for the only version
 * the model goes with `models.delete`, and `model.deleted` follows `version.deleted`. Files go only when modelreg
 * stored them for this version (see `ownedFiles`): a version another tool made keeps its files.
 */
export async function deleteVertexVersion(p: VertexWriteParts, ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const id = modelIdFor(ref.model);
  const record = await p.records.resolve(ref, op, options);
  const versionId = versionIdOf(record);
  const others = (await p.records.allVersions(id, op, options)).filter((v) => versionIdOf(v) !== versionId);
  // Decided before the delete: the metadata file that lists the files goes with the version.
  const owned = await ownedFiles(p, id, record, others, op, options);
  const last = others.length === 0;
  const first = await p.transport.call({
    operation: op,
    method: "DELETE",
    path: last ? p.records.modelPath(id) : `${p.records.modelPath(id)}@${versionId}:deleteVersion`,
    schema: operationSchema,
    options,
  });
  await p.transport.waitForOperation(first, op, options);
  if (owned) await owned();
  const token = record.labels?.[LABEL.token];
  if (token) await deleteVersionMeta(p.records.meta, id, token, op);
  if (last) await deleteObjects(p.records.meta, [p.meta.modelFile(id)], op);
  const events: RegistryEventInput[] = [{ type: "version.deleted", model: ref.model, version: versionId }];
  if (last) events.push({ type: "model.deleted", model: ref.model });
  return { value: undefined, events: ctx.stamp(events) };
}

/**
 * Removes the files modelreg stored for a version, or `undefined` when there are none to remove. They are modelreg's
 * when the version carries modelreg's labels, its `artifactUri` is in this registry's bucket in the folder
 * `createVersion` makes for its token (or the numbered folder of earlier releases, whose files are then taken from
 * the version's manifest only), and no other version points into that folder. Anything else, such as an
 * `artifactUri` in another bucket or in a folder shared with other tools, belongs to someone else.
 */
async function ownedFiles(
  p: VertexWriteParts,
  id: string,
  record: VertexModel,
  others: VertexModel[],
  op: string,
  options: CallOptions | undefined,
): Promise<(() => Promise<void>) | undefined> {
  const token = record.labels?.[LABEL.token];
  if (!token || record.labels?.[LABEL.managed] !== "true" || !record.artifactUri) return undefined;
  let at;
  try {
    at = parseGsUri(record.artifactUri);
  } catch {
    return undefined;
  }
  const { bucket, prefix } = at;
  const kind = ownsArtifactDir(p.meta, id, token, prefix);
  if (bucket !== p.meta.bucket || !kind) return undefined;
  const within = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  const shared = others.some((v) => {
    if (!v.artifactUri) return false;
    try {
      const o = parseGsUri(v.artifactUri);
      return o.bucket === bucket && (within(o.prefix, prefix) || within(prefix, o.prefix));
    } catch {
      return false;
    }
  });
  if (shared) return undefined;
  if (kind === "token") return () => deletePrefix(p.records.meta, `${prefix}/`, op);
  const meta = await p.meta.readVersion(id, token, { ...options, operation: op });
  if (!meta) return undefined;
  return () =>
    deleteObjects(
      p.records.meta,
      meta.files.map((f) => `${prefix}/${f.path}`),
      op,
    );
}

/**
 * The stage is a managed label on each version; `staging` and `production` also move the managed alias of that
 * name, so `models/<id>@production` serves the newest version moved there.
 */
export async function transitionVertexStage(
  p: VertexWriteParts,
  ref: VersionRef,
  to: Stage,
  archiveExisting: boolean,
  ctx: ProviderContext,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const id = modelIdFor(ref.model);
  const record = await p.records.resolve(ref, op, options);
  const versionId = versionIdOf(record);
  const from = (record.labels?.[LABEL.stage] as Stage | undefined) ?? "draft";
  const events: RegistryEventInput[] = [];
  if (archiveExisting) {
    for (const other of await p.records.allVersions(id, op, options)) {
      if (versionIdOf(other) === versionId || other.labels?.[LABEL.stage] !== to) continue;
      await setStageLabel(p, id, other, "archived", op, options);
      events.push({ type: "stage.changed", model: ref.model, version: versionIdOf(other), stage: "archived", from: to, to: "archived" });
    }
  }
  await setStageLabel(p, id, record, to, op, options);
  const isStageAlias = (a: string) => a === "staging" || a === "production";
  const changes = [...(isStageAlias(to) ? [to] : []), ...(record.versionAliases ?? []).filter((a) => isStageAlias(a) && a !== to).map((a) => `-${a}`)];
  if (changes.length > 0) await p.records.mergeAliases(ref.model, versionId, changes, op, options);
  if (from !== to) events.push({ type: "stage.changed", model: ref.model, version: versionId, stage: to, from, to });
  const stamped = ctx.stamp(events);
  return { events: stamped, readBack: () => p.provider.doGetVersion({ model: ref.model, version: versionId }, ctx) };
}

/** Sets the managed stage label of a version (`draft` removes it). */
async function setStageLabel(p: VertexWriteParts, id: string, record: VertexModel, stage: Stage, op: string, options: CallOptions | undefined): Promise<void> {
  const labels = { ...record.labels };
  if (stage === "draft") delete labels[LABEL.stage];
  else labels[LABEL.stage] = stage;
  await p.transport.call({
    operation: op,
    method: "PATCH",
    path: `${p.records.modelPath(id)}@${versionIdOf(record)}`,
    query: { updateMask: "labels" },
    body: { labels },
    schema: vertexModelSchema,
    idempotent: true,
    options,
  });
}

/**
 * True when `prefix` (an `artifactUri`'s path in this bucket, no trailing slash) is a folder modelreg stored for the
 * version with this token: `<modelId>/<token>/<attempt>`, or `<modelId>/<n>` for versions made before the token was
 * part of the folder name (those are checked against the version's metadata file by the caller).
 */
function ownsArtifactDir(meta: MetadataStore, modelId: string, token: string, prefix: string): "token" | "numbered" | false {
  const dir = `${meta.modelDir(modelId)}/`;
  if (!prefix.startsWith(dir)) return false;
  const rest = prefix.slice(dir.length);
  if (rest.startsWith(`${token}/`) && /^[0-9a-f]{16}$/.test(rest.slice(token.length + 1))) return "token";
  return /^[1-9]\d*$/.test(rest) ? "numbered" : false;
}
