// Model containers and versions, in the workspace (`W/models...`, synchronous: PUT 201 create / 200 update, DELETE
// 200 / 204) and in the registry (`R/models...`, PUT and DELETE long-running: the change shows only once its operation
// has succeeded). Reference §2-§3 and the generated client (contract ModelContainers_*, ModelVersions_*,
// RegistryModelContainers_*, RegistryModelVersions_*).
//
// Numbering as the SDK reads it: the container's `nextVersion` is one more than the highest numeric version ever made
// under the name, so it never goes down after deletes (reference §3, azure-sdk-for-python#28423; guess: that this
// holds in workspaces too and across a container's delete), `latestVersion` the most recently created version (guess:
// archived ones included). A PUT of an existing version with another `modelUri` is refused ("Asset paths cannot be
// updated."); with the same one it replaces the version's properties.
import { contract } from "./arm-fake-contract.js";
import { empty, json, notFound, userError } from "./arm-fake-errors.js";
import { acceptedDelete, acceptedWrite, startOperation } from "./arm-fake-lro.js";
import {
  type ArmFakeState,
  type Ctx,
  type Handler,
  type ModelContainerState,
  type ModelScope,
  type ModelVersionState,
  PROVIDER,
  page,
  positiveInt,
} from "./arm-fake-state.js";

/** The SDK's ASSET_PATH_ERROR. */
export const ASSET_PATH_ERROR = "Asset paths cannot be updated.";
/** A registry model's name (reference §2). */
const REGISTRY_MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;
const NUMERIC = /^[1-9]\d*$/;

const scopeOf = (ctx: Ctx): ModelScope => (ctx.params.registryName === undefined ? ctx.state.workspace : ctx.state.registry) as ModelScope;
const modelOf = (ctx: Ctx) => (ctx.params.name ?? ctx.params.modelName) as string;
const typePrefix = (scope: ModelScope) => `${PROVIDER}/${scope.kind === "workspace" ? "workspaces" : "registries"}`;

/** The properties a client may set: the body's, without the read-only ones. */
function writable(properties: unknown, readOnly: string[]): Record<string, unknown> {
  const copy = { ...(properties as Record<string, unknown>) };
  for (const key of readOnly) delete copy[key];
  return copy;
}

export function nextVersion(scope: ModelScope, model: string): string {
  return String((scope.highest.get(model) ?? 0) + 1);
}

function latestVersion(container: ModelContainerState): string | null {
  let latest: ModelVersionState | undefined;
  for (const v of container.versions.values()) if (!latest || v.systemData.createdAt > latest.systemData.createdAt) latest = v;
  return latest?.version ?? null;
}

/** Whether a request came at the registry data-plane api-version (azure-ai-ml's registry calls). */
const isDataplane = (ctx: Ctx) => ctx.apiVersion === contract.apiVersions.registryDataplane;

/**
 * A version as the service answers it. Guess: unset optional properties come back as null and the maps as {} (the
 * SDK crashes on a version without `flavors`, reference §2, so that one is {} at least). A registry version read at
 * the data-plane api-version has the asset id `azureml://registries/{r}/models/{m}/versions/{v}` as its `id`, the
 * only registry form azure-ai-ml parses (`Model._from_rest_object` through AMLVersionedArmId, REGISTRY_VERSION_PATTERN
 * in constants/_common.py: an ARM id there raises "Invalid AzureML ARM versioned Id"); ARM's api-versions keep the
 * ARM id.
 */
export function versionJson(state: ArmFakeState, scope: ModelScope, model: string, v: ModelVersionState, provisioningState = "Succeeded", dataplane = false) {
  const id =
    dataplane && scope.kind === "registry"
      ? `azureml://registries/${scope.name}/models/${model}/versions/${v.version}`
      : `${state.scopeId(scope)}/models/${model}/versions/${v.version}`;
  return {
    id,
    name: v.version,
    type: `${typePrefix(scope)}/models/versions`,
    systemData: v.systemData,
    properties: {
      description: null,
      tags: {},
      properties: {},
      isAnonymous: false,
      isArchived: false,
      jobName: null,
      modelType: null,
      modelUri: null,
      stage: null,
      ...v.properties,
      flavors: v.properties.flavors ?? {},
      provisioningState,
    },
  };
}

export function containerJson(state: ArmFakeState, scope: ModelScope, c: ModelContainerState, provisioningState = "Succeeded") {
  return {
    id: `${state.scopeId(scope)}/models/${c.name}`,
    name: c.name,
    type: `${typePrefix(scope)}/models`,
    systemData: c.systemData,
    properties: {
      description: null,
      tags: {},
      properties: {},
      isArchived: false,
      ...c.properties,
      latestVersion: latestVersion(c),
      nextVersion: nextVersion(scope, c.name),
      provisioningState,
    },
  };
}

function container(state: ArmFakeState, scope: ModelScope, model: string): ModelContainerState {
  let c = scope.containers.get(model);
  if (!c) {
    // A version's PUT makes its container (the SDK never PUTs one).
    c = { name: model, properties: {}, systemData: state.systemData(), versions: new Map() };
    scope.containers.set(model, c);
  }
  return c;
}

/** Why a version may not be written now, or undefined. */
function versionRefusal(scope: ModelScope, model: string, version: string, properties: Record<string, unknown>): string | undefined {
  const existing = scope.containers.get(model)?.versions.get(version);
  // A PUT replaces the version: an omitted modelUri is a change too (guess).
  if (existing) return existing.properties.modelUri === properties.modelUri ? undefined : ASSET_PATH_ERROR;
  // Guess at the wording; the behaviour is reported in Azure/azureml-assets#3439.
  if (scope.kind === "registry" && scope.deleted.has(`${model}/${version}`))
    return `Model ${model} version ${version} was deleted from the registry and cannot be recreated; use a new version.`;
  return undefined;
}

function putVersion(state: ArmFakeState, scope: ModelScope, model: string, version: string, properties: Record<string, unknown>): ModelVersionState {
  const c = container(state, scope, model);
  const existing = c.versions.get(version);
  if (existing) {
    existing.properties = properties;
    existing.systemData = state.systemData(existing.systemData);
    return existing;
  }
  const created: ModelVersionState = { version, properties, systemData: state.systemData() };
  c.versions.set(version, created);
  if (NUMERIC.test(version)) scope.highest.set(model, Math.max(scope.highest.get(model) ?? 0, Number(version)));
  return created;
}

function deleteVersion(scope: ModelScope, model: string, version: string): void {
  scope.containers.get(model)?.versions.delete(version);
  scope.deleted.add(`${model}/${version}`);
}

function deleteContainer(scope: ModelScope, model: string): void {
  for (const version of scope.containers.get(model)?.versions.keys() ?? []) scope.deleted.add(`${model}/${version}`);
  scope.containers.delete(model);
}

/** `tag1,tag2=value2`: each name present, and equal to the value where one is given (reference §2). */
function matchesFilter(filter: string | null, values: unknown): boolean {
  if (!filter) return true;
  const map = (values ?? {}) as Record<string, string>;
  return filter.split(",").every((term) => {
    const at = term.indexOf("=");
    if (at < 0) return term.trim() in map;
    return map[term.slice(0, at).trim()] === term.slice(at + 1);
  });
}

const LIST_VIEWS = ["ActiveOnly", "ArchivedOnly", "All"];
/**
 * What azure-ai-ml 1.35.2 sends as a registry's listViewType for `models.list()`: the Python enum member's str
 * (operations/_model_operations.py passes ListViewType.ACTIVE_ONLY to _registry_utils.list_registry_assets, which puts
 * it into the query as is), taken as its value at the data-plane api-version only.
 */
const DATAPLANE_VIEWS: Record<string, string> = {
  "ListViewType.ACTIVE_ONLY": "ActiveOnly",
  "ListViewType.ARCHIVED_ONLY": "ArchivedOnly",
  "ListViewType.ALL": "All",
};

/** The listViewType filter (ActiveOnly by default), or an error answer. */
function viewFilter(ctx: Ctx): ((archived: boolean) => boolean) | Response {
  const sent = ctx.url.searchParams.get("listViewType") ?? "ActiveOnly";
  const raw = (isDataplane(ctx) && DATAPLANE_VIEWS[sent]) || sent;
  const view = LIST_VIEWS.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (!view) return userError(400, `listViewType must be one of ${LIST_VIEWS.join(", ")}, got '${sent}'.`);
  return (archived) => view === "All" || archived === (view === "ArchivedOnly");
}

function listVersions(ctx: Ctx): Response {
  const { state } = ctx;
  const scope = scopeOf(ctx);
  const q = ctx.url.searchParams;
  const view = viewFilter(ctx);
  if (view instanceof Response) return view;
  const top = positiveInt(ctx, "$top");
  if (top instanceof Response) return top;
  // Guess: the service's default order (newest first) and its refusal of other orders; the SDK sends
  // `createdtime desc` for latest (reference §3) and `createdtime asc` exists as OrderString.CREATED_AT.
  const orderBy = (q.get("$orderBy") ?? "createdtime desc").trim().toLowerCase().replace(/\s+/g, " ");
  if (!/^createdtime( asc| desc)?$/.test(orderBy))
    return userError(400, `$orderBy '${q.get("$orderBy")}' is not supported; use 'createdtime desc' or 'createdtime asc'.`);
  // Guess: a model without versions (or without a container) lists empty rather than 404; azure-ai-ml's _get_latest
  // expects an empty iteration there.
  const versions = [...(scope.containers.get(modelOf(ctx))?.versions.values() ?? [])]
    .filter((v) => view(v.properties.isArchived === true))
    .filter((v) => matchesFilter(q.get("tags"), v.properties.tags) && matchesFilter(q.get("properties"), v.properties.properties))
    .filter((v) => q.get("version") === null || v.version === q.get("version"))
    // `stage` is undocumented; azure-ai-ml sends it for models.list(name, stage=...). Guess: an exact match.
    .filter((v) => q.get("stage") === null || v.properties.stage === q.get("stage"))
    .filter((v) => q.get("description") === null || v.properties.description === q.get("description"))
    .sort((a, b) => (a.systemData.createdAt < b.systemData.createdAt ? -1 : 1));
  if (orderBy.endsWith("desc")) versions.reverse();
  return page(
    ctx,
    versions.map((v) => versionJson(state, scope, modelOf(ctx), v, "Succeeded", isDataplane(ctx))),
    { ...(top !== undefined && { top }) },
  );
}

function listContainers(ctx: Ctx): Response {
  const scope = scopeOf(ctx);
  const view = viewFilter(ctx);
  if (view instanceof Response) return view;
  const count = positiveInt(ctx, "count");
  if (count instanceof Response) return count;
  const containers = [...scope.containers.values()]
    .filter((c) => view(c.properties.isArchived === true))
    .sort((a, b) => (a.systemData.createdAt < b.systemData.createdAt ? -1 : 1));
  return page(
    ctx,
    containers.map((c) => containerJson(ctx.state, scope, c)),
    { ...(count !== undefined && { pageSize: count }) },
  );
}

function getVersion(ctx: Ctx): Response {
  const scope = scopeOf(ctx);
  const model = modelOf(ctx);
  const v = scope.containers.get(model)?.versions.get(ctx.params.version as string);
  return v ? json(200, versionJson(ctx.state, scope, model, v, "Succeeded", isDataplane(ctx))) : notFound(`Model ${model} version ${ctx.params.version}`);
}

function getContainer(ctx: Ctx): Response {
  const scope = scopeOf(ctx);
  const c = scope.containers.get(modelOf(ctx));
  return c ? json(200, containerJson(ctx.state, scope, c)) : notFound(`Model container ${modelOf(ctx)}`);
}

const VERSION_READ_ONLY = ["provisioningState"];
const CONTAINER_READ_ONLY = ["latestVersion", "nextVersion", "provisioningState"];

function nameRefusal(ctx: Ctx): Response | undefined {
  if (scopeOf(ctx).kind === "registry" && !REGISTRY_MODEL_NAME.test(modelOf(ctx)))
    return userError(400, `Model name '${modelOf(ctx)}' is not valid: it must match ${REGISTRY_MODEL_NAME.source}.`);
  return undefined;
}

function putWorkspaceVersion(ctx: Ctx): Response {
  const { state } = ctx;
  const scope = scopeOf(ctx);
  const model = modelOf(ctx);
  const version = ctx.params.version as string;
  const properties = writable((ctx.body as { properties: unknown }).properties, VERSION_READ_ONLY);
  const refusal = versionRefusal(scope, model, version, properties);
  if (refusal) return userError(400, refusal);
  const created = !scope.containers.get(model)?.versions.has(version);
  const v = putVersion(state, scope, model, version, properties);
  return json(created ? 201 : 200, versionJson(state, scope, model, v));
}

function putRegistryVersion(ctx: Ctx): Response {
  const { state } = ctx;
  const scope = scopeOf(ctx);
  const model = modelOf(ctx);
  const version = ctx.params.version as string;
  const invalid = nameRefusal(ctx);
  if (invalid) return invalid;
  const properties = writable((ctx.body as { properties: unknown }).properties, VERSION_READ_ONLY);
  const refusal = versionRefusal(scope, model, version, properties);
  if (refusal) return userError(400, refusal);
  const existing = scope.containers.get(model)?.versions.get(version);
  const op = startOperation(ctx, {
    kind: existing ? "update" : "create",
    // Checked again at the end: another writer's version may have landed meanwhile (guess: the service checks then).
    apply: () => {
      const late = versionRefusal(scope, model, version, properties);
      if (late) return { code: "UserError", message: late };
      putVersion(state, scope, model, version, properties);
      return undefined;
    },
    result: () => {
      const v = scope.containers.get(model)?.versions.get(version);
      return v ? versionJson(state, scope, model, v, "Succeeded", isDataplane(ctx)) : null;
    },
  });
  const shown: ModelVersionState = { version, properties, systemData: state.systemData(existing?.systemData) };
  return acceptedWrite(state, op, existing ? 200 : 201, versionJson(state, scope, model, shown, existing ? "Updating" : "Creating", isDataplane(ctx)));
}

function putContainerProperties(ctx: Ctx): Record<string, unknown> {
  return writable((ctx.body as { properties: unknown }).properties, CONTAINER_READ_ONLY);
}

function putWorkspaceContainer(ctx: Ctx): Response {
  const { state } = ctx;
  const scope = scopeOf(ctx);
  const existing = scope.containers.get(modelOf(ctx));
  const c = container(state, scope, modelOf(ctx));
  c.properties = putContainerProperties(ctx);
  if (existing) c.systemData = state.systemData(existing.systemData);
  return json(existing ? 200 : 201, containerJson(state, scope, c));
}

function putRegistryContainer(ctx: Ctx): Response {
  const { state } = ctx;
  const scope = scopeOf(ctx);
  const model = modelOf(ctx);
  const invalid = nameRefusal(ctx);
  if (invalid) return invalid;
  const properties = putContainerProperties(ctx);
  const existing = scope.containers.get(model);
  const op = startOperation(ctx, {
    kind: existing ? "update" : "create",
    apply: () => {
      const had = scope.containers.has(model);
      const c = container(state, scope, model);
      if (had) c.systemData = state.systemData(c.systemData);
      c.properties = properties;
      return undefined;
    },
    result: () => {
      const c = scope.containers.get(model);
      return c ? containerJson(state, scope, c) : null;
    },
  });
  const shown: ModelContainerState = existing ? { ...existing, properties } : { name: model, properties, systemData: state.systemData(), versions: new Map() };
  return acceptedWrite(state, op, existing ? 200 : 201, containerJson(state, scope, shown, existing ? "Updating" : "Creating"));
}

function deleteWorkspaceVersion(ctx: Ctx): Response {
  const scope = scopeOf(ctx);
  const model = modelOf(ctx);
  const version = ctx.params.version as string;
  if (!scope.containers.get(model)?.versions.has(version)) return empty(204);
  deleteVersion(scope, model, version);
  return empty(200);
}

function deleteWorkspaceContainer(ctx: Ctx): Response {
  const scope = scopeOf(ctx);
  if (!scope.containers.has(modelOf(ctx))) return empty(204);
  // Guess: deleting a container deletes its versions (the reference does not say whether it is refused instead).
  deleteContainer(scope, modelOf(ctx));
  return empty(200);
}

function deleteRegistryVersion(ctx: Ctx): Response {
  const scope = scopeOf(ctx);
  const model = modelOf(ctx);
  const version = ctx.params.version as string;
  if (!scope.containers.get(model)?.versions.has(version)) return empty(204);
  const op = startOperation(ctx, {
    kind: "delete",
    apply: () => {
      deleteVersion(scope, model, version);
      return undefined;
    },
  });
  return acceptedDelete(ctx.state, op);
}

function deleteRegistryContainer(ctx: Ctx): Response {
  const scope = scopeOf(ctx);
  const model = modelOf(ctx);
  if (!scope.containers.has(model)) return empty(204);
  const op = startOperation(ctx, {
    kind: "delete",
    apply: () => {
      deleteContainer(scope, model);
      return undefined;
    },
  });
  return acceptedDelete(ctx.state, op);
}

/** The model routes, by contract operation id. */
export function modelRoutes(): Record<string, Handler> {
  return {
    ModelContainers_Get: getContainer,
    ModelContainers_CreateOrUpdate: putWorkspaceContainer,
    ModelContainers_Delete: deleteWorkspaceContainer,
    ModelContainers_List: listContainers,
    ModelVersions_Get: getVersion,
    ModelVersions_CreateOrUpdate: putWorkspaceVersion,
    ModelVersions_Delete: deleteWorkspaceVersion,
    ModelVersions_List: listVersions,
    RegistryModelContainers_Get: getContainer,
    RegistryModelContainers_CreateOrUpdate: putRegistryContainer,
    RegistryModelContainers_Delete: deleteRegistryContainer,
    RegistryModelContainers_List: listContainers,
    RegistryModelVersions_Get: getVersion,
    RegistryModelVersions_CreateOrUpdate: putRegistryVersion,
    RegistryModelVersions_Delete: deleteRegistryVersion,
    RegistryModelVersions_List: listVersions,
  };
}

/** A model version of a scope, for other modules (pending uploads, data references, deployments). */
export function findVersion(scope: ModelScope | undefined, model: string, version: string): ModelVersionState | undefined {
  return scope?.containers.get(model)?.versions.get(version);
}
