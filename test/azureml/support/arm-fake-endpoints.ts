// Managed online endpoints and deployments (`W/onlineEndpoints/{e}`, `.../deployments/{d}`): PUT and DELETE are
// long-running (reference §7), GET and list are not. Traffic rules (reference §7, doc "Perform safe rollout"):
// `traffic` values sum to 0 or 100 (the docs; the spec's model says 100) and name existing deployments, `mirrorTraffic` goes to one deployment at most with
// at most 50, a deployment takes live or mirrored traffic but not both, and a deployment with traffic cannot be
// deleted. Deleting an endpoint deletes its deployments. A deployment with no environment serves only an MLflow or
// Triton model of the fake's (environmentProblem; the error is a guess).
//
// While an operation runs, the resource shows it (provisioningState Creating / Updating / Deleting) with the new
// settings, and further writes to it get 409 (guess). A failed create leaves the resource in state Failed, as Azure
// leaves failed deployments for the user to delete; a failed update puts the old settings back in state Failed (guess).
import { randomUUID } from "node:crypto";
import { busy, empty, json, notFound, userError } from "./arm-fake-errors.js";
import { acceptedDelete, acceptedWrite, startOperation } from "./arm-fake-lro.js";
import { findVersion } from "./arm-fake-models.js";
import {
  type ArmFakeState,
  type Ctx,
  type EndpointState,
  type Handler,
  type ModelVersionState,
  PROVIDER,
  page,
  positiveInt,
  type TrackedState,
} from "./arm-fake-state.js";

/** Guess: endpoint and deployment names as the docs describe them (a letter first, 3-32 letters, digits, hyphens). */
const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
/** The default VM size of a managed deployment (the generated ManagedOnlineDeployment: "Default: Standard_F4s_v2"). */
const DEFAULT_INSTANCE_TYPE = "Standard_F4s_v2";

type TrackedBody = {
  location: string;
  tags?: Record<string, string>;
  identity?: Record<string, unknown>;
  sku?: Record<string, unknown>;
  kind?: string;
  properties: Record<string, unknown>;
};

const key = (name: string) => name.toLowerCase();

function writable(properties: Record<string, unknown>, readOnly: string[]): Record<string, unknown> {
  const copy = { ...properties };
  for (const k of readOnly) delete copy[k];
  return copy;
}

/**
 * Guess: an identity's principal and tenant ids appear once the service has made it; none given means SystemAssigned.
 * A system-assigned identity lives as long as its resource (Azure's managed identity docs), so a PUT that keeps it
 * (both clients send back only its type) keeps its principal.
 */
function identity(given: Record<string, unknown> | undefined, existing?: Record<string, unknown>): Record<string, unknown> {
  const type = String(given?.type ?? "SystemAssigned");
  const system = /SystemAssigned/i;
  const kept = system.test(String(existing?.type ?? "")) && existing?.principalId !== undefined ? existing : undefined;
  return {
    ...given,
    type,
    ...(system.test(type) && { principalId: kept?.principalId ?? randomUUID(), tenantId: kept?.tenantId ?? "00000000-0000-0000-0000-000000000000" }),
  };
}

function endpointJson(state: ArmFakeState, e: EndpointState) {
  const { keys: _keys, ...properties } = e.properties;
  const base = `https://${e.name}.${e.location}.inference.ml.azure.com`;
  return {
    id: `${state.workspaceId}/onlineEndpoints/${e.name}`,
    name: e.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints`,
    systemData: e.systemData,
    location: e.location,
    tags: e.tags,
    ...(e.identity && { identity: e.identity }),
    kind: e.kind ?? "Managed",
    ...(e.sku && { sku: e.sku }),
    properties: {
      description: null,
      properties: {},
      traffic: {},
      mirrorTraffic: {},
      publicNetworkAccess: "Enabled",
      ...properties,
      scoringUri: `${base}/score`,
      swaggerUri: `${base}/swagger.json`,
      provisioningState: e.provisioningState,
    },
  };
}

function deploymentJson(state: ArmFakeState, e: EndpointState, d: TrackedState) {
  return {
    id: `${state.workspaceId}/onlineEndpoints/${e.name}/deployments/${d.name}`,
    name: d.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints/deployments`,
    systemData: d.systemData,
    location: d.location,
    tags: d.tags,
    ...(d.identity && { identity: d.identity }),
    kind: d.kind ?? "Managed",
    sku: d.sku ?? { name: "Default", capacity: 1 },
    properties: {
      description: null,
      properties: {},
      environmentVariables: {},
      instanceType: DEFAULT_INSTANCE_TYPE,
      scaleSettings: { scaleType: "Default" },
      ...d.properties,
      provisioningState: d.provisioningState,
    },
  };
}

/** Why a traffic split may not be set, or undefined. */
function trafficProblem(e: EndpointState | undefined, traffic: Record<string, number>, mirror: Record<string, number>): string | undefined {
  const deployments = e?.deployments ?? new Map<string, TrackedState>();
  for (const [kind, split] of [
    ["traffic", traffic],
    ["mirrorTraffic", mirror],
  ] as const) {
    for (const [name, percent] of Object.entries(split)) {
      const d = deployments.get(key(name));
      if (!d) return `${kind} names deployment ${name}, which does not exist in this endpoint.`;
      if (percent < 0 || percent > 100) return `${kind} for ${name} must be between 0 and 100, got ${percent}.`;
      // Guess: a deployment takes traffic only once it has been made.
      if (percent > 0 && d.provisioningState !== "Succeeded") return `Deployment ${name} is ${d.provisioningState} and cannot take traffic.`;
    }
  }
  const sum = Object.values(traffic).reduce((a, b) => a + b, 0);
  if (sum !== 0 && sum !== 100) return `Traffic values must sum to 0 or 100, got ${sum}.`;
  const mirrored = Object.entries(mirror).filter(([, p]) => p > 0);
  if (mirrored.length > 1) return "mirrorTraffic may go to one deployment only.";
  if (mirrored.some(([, p]) => p > 50)) return "mirrorTraffic may be at most 50.";
  const live = new Set(
    Object.entries(traffic)
      .filter(([, p]) => p > 0)
      .map(([n]) => key(n)),
  );
  const both = mirrored.find(([n]) => live.has(key(n)));
  if (both) return `Deployment ${both[0]} cannot take both live and mirrored traffic.`;
  return undefined;
}

function locationProblem(state: ArmFakeState, location: string): Response | undefined {
  // Guess: the resource must be in the workspace's region (compared as ARM does, case and spaces aside).
  const norm = (l: string) => l.toLowerCase().replace(/\s+/g, "");
  return norm(location) === norm(state.location) ? undefined : userError(400, `Location ${location} is not the workspace's location ${state.location}.`);
}

function putEndpoint(ctx: Ctx): Response {
  const { state } = ctx;
  const name = ctx.params.endpointName as string;
  if (!NAME.test(name)) return userError(400, `Endpoint name '${name}' is not valid: it must match ${NAME.source}.`);
  const body = ctx.body as TrackedBody;
  const located = locationProblem(state, body.location);
  if (located) return located;
  const existing = state.endpoints.get(key(name));
  if (existing?.busy) return busy(`Endpoint ${name}`);
  const properties = writable(body.properties, ["provisioningState", "scoringUri", "swaggerUri"]);
  const problem = trafficProblem(existing, (properties.traffic ?? {}) as Record<string, number>, (properties.mirrorTraffic ?? {}) as Record<string, number>);
  if (problem) return userError(400, problem);
  const fields = { location: body.location, tags: body.tags ?? {}, sku: body.sku, kind: body.kind, properties };
  if (!existing) {
    const e: EndpointState = {
      name,
      ...fields,
      identity: identity(body.identity),
      provisioningState: "Creating",
      systemData: state.systemData(),
      deployments: new Map(),
    };
    state.endpoints.set(key(name), e);
    const op = startOperation(ctx, {
      kind: "create",
      apply: () => void Object.assign(e, { provisioningState: "Succeeded", busy: undefined }),
      revert: () => void Object.assign(e, { provisioningState: "Failed", busy: undefined }),
      result: () => endpointJson(state, e),
    });
    e.busy = op.id;
    return acceptedWrite(state, op, 201, endpointJson(state, e));
  }
  const previous = {
    location: existing.location,
    tags: existing.tags,
    sku: existing.sku,
    kind: existing.kind,
    properties: existing.properties,
    identity: existing.identity,
  };
  Object.assign(existing, fields, {
    identity: body.identity ? identity(body.identity, existing.identity) : existing.identity,
    provisioningState: "Updating",
    systemData: state.systemData(existing.systemData),
  });
  const op = startOperation(ctx, {
    kind: "update",
    apply: () => void Object.assign(existing, { provisioningState: "Succeeded", busy: undefined }),
    revert: () => void Object.assign(existing, previous, { provisioningState: "Failed", busy: undefined }),
    result: () => endpointJson(state, existing),
  });
  existing.busy = op.id;
  return acceptedWrite(state, op, 200, endpointJson(state, existing));
}

function deleteEndpoint(ctx: Ctx): Response {
  const { state } = ctx;
  const e = state.endpoints.get(key(ctx.params.endpointName as string));
  if (!e) return empty(204);
  if (e.busy || [...e.deployments.values()].some((d) => d.busy)) return busy(`Endpoint ${e.name}`);
  e.provisioningState = "Deleting";
  for (const d of e.deployments.values()) d.provisioningState = "Deleting";
  const op = startOperation(ctx, {
    kind: "delete",
    apply: () => void state.endpoints.delete(key(e.name)),
    revert: () => {
      e.provisioningState = "Failed";
      e.busy = undefined;
      for (const d of e.deployments.values()) d.provisioningState = "Succeeded";
    },
  });
  e.busy = op.id;
  return acceptedDelete(state, op);
}

function getEndpoint(ctx: Ctx): Response {
  const e = ctx.state.endpoints.get(key(ctx.params.endpointName as string));
  return e ? json(200, endpointJson(ctx.state, e)) : notFound(`Endpoint ${ctx.params.endpointName}`);
}

function listEndpoints(ctx: Ctx): Response {
  const count = positiveInt(ctx, "count");
  if (count instanceof Response) return count;
  const name = ctx.url.searchParams.get("name");
  const items = [...ctx.state.endpoints.values()]
    .filter((e) => name === null || key(e.name) === key(name))
    .sort((a, b) => (a.systemData.createdAt < b.systemData.createdAt ? -1 : 1))
    .map((e) => endpointJson(ctx.state, e));
  return page(ctx, items, { ...(count !== undefined && { pageSize: count }) });
}

/** A deployment's `model` when it names a model of the fake's workspace or registry (by ARM id or `azureml://registries/...` id). */
function keptModel(state: ArmFakeState, model: unknown): { where: string; name: string; version: string; found: ModelVersionState | undefined } | undefined {
  if (typeof model !== "string") return undefined;
  const arm =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(
      model,
    );
  if (arm && arm[3]?.toLowerCase() === state.options.workspace?.toLowerCase()) {
    const [name, version] = [arm[4] as string, arm[5] as string];
    return { where: `workspace ${state.options.workspace}`, name, version, found: findVersion(state.workspace, name, version) };
  }
  const registry = /^azureml:\/\/registries\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(model);
  if (registry && registry[1]?.toLowerCase() === state.options.registry?.toLowerCase()) {
    const [name, version] = [registry[2] as string, registry[3] as string];
    return { where: `registry ${state.options.registry}`, name, version, found: findVersion(state.registry, name, version) };
  }
  return undefined;
}

/**
 * Why a deployment's `model` cannot be deployed, or undefined. Guess: the service checks that a model of this
 * workspace or registry exists (by ARM id or `azureml://registries/...` id, reference §7); other forms pass.
 */
function modelProblem(state: ArmFakeState, model: unknown): string | undefined {
  const kept = keptModel(state, model);
  return kept && !kept.found ? `Model ${kept.name} version ${kept.version} was not found in ${kept.where}.` : undefined;
}

/** Model types Azure deploys with no environment ("no-code deployment"), as azure-ai-ml spells them. */
const NO_CODE_TYPES = ["mlflow_model", "triton_model"];

/**
 * Why a deployment with no `environmentId` cannot serve its model, or undefined. Azure deploys a model without an
 * environment only when it is an MLflow or Triton model (doc "Deploy MLflow models to online endpoints": no-code
 * deployment is for MLflow models; doc "Deploy and score a machine learning model by using an online endpoint": a
 * custom model names its environment and scoring script). Guess: the refusal comes at the PUT (not from the
 * operation), as a 400 with code UserError, and its wording. A model the fake does not keep (another workspace's or
 * registry's, a short `azureml:` name, or none) passes, as before.
 */
function environmentProblem(state: ArmFakeState, properties: Record<string, unknown>): string | undefined {
  if (typeof properties.environmentId === "string" && properties.environmentId !== "") return undefined;
  const kept = keptModel(state, properties.model)?.found;
  if (!kept) return undefined;
  const type = typeof kept.properties.modelType === "string" ? kept.properties.modelType : undefined;
  if (type !== undefined && NO_CODE_TYPES.includes(type.toLowerCase())) return undefined;
  return `An environment is required to deploy a model of type ${type ?? "custom_model"}: only ${NO_CODE_TYPES.join(" and ")} models can be deployed without environmentId.`;
}

function putDeployment(ctx: Ctx): Response {
  const { state } = ctx;
  const e = state.endpoints.get(key(ctx.params.endpointName as string));
  if (!e) return notFound(`Endpoint ${ctx.params.endpointName}`);
  // Guess: no deployment changes while the endpoint is being made, changed or deleted.
  if (e.busy || e.provisioningState === "Failed") return e.busy ? busy(`Endpoint ${e.name}`) : userError(400, `Endpoint ${e.name} is in state Failed.`);
  const name = ctx.params.deploymentName as string;
  if (!NAME.test(name)) return userError(400, `Deployment name '${name}' is not valid: it must match ${NAME.source}.`);
  const body = ctx.body as TrackedBody;
  const located = locationProblem(state, body.location);
  if (located) return located;
  const existing = e.deployments.get(key(name));
  if (existing?.busy) return busy(`Deployment ${name}`);
  const properties = writable(body.properties, ["provisioningState"]);
  const model = modelProblem(state, properties.model) ?? environmentProblem(state, properties);
  if (model) return userError(400, model);
  // instanceType is set at creation only (contract visibility read/create). Guess: a change is refused.
  if (existing && properties.instanceType !== undefined && properties.instanceType !== (existing.properties.instanceType ?? DEFAULT_INSTANCE_TYPE))
    return userError(400, "instanceType cannot be changed; create a new deployment.");
  const fields = { location: body.location, tags: body.tags ?? {}, sku: body.sku, kind: body.kind, identity: body.identity, properties };
  if (!existing) {
    const d: TrackedState = { name, ...fields, provisioningState: "Creating", systemData: state.systemData() };
    e.deployments.set(key(name), d);
    const op = startOperation(ctx, {
      kind: "create",
      apply: () => void Object.assign(d, { provisioningState: "Succeeded", busy: undefined }),
      revert: () => void Object.assign(d, { provisioningState: "Failed", busy: undefined }),
      result: () => deploymentJson(state, e, d),
    });
    d.busy = op.id;
    return acceptedWrite(state, op, 201, deploymentJson(state, e, d));
  }
  const previous = {
    location: existing.location,
    tags: existing.tags,
    sku: existing.sku,
    kind: existing.kind,
    identity: existing.identity,
    properties: existing.properties,
  };
  Object.assign(existing, fields, { provisioningState: "Updating", systemData: state.systemData(existing.systemData) });
  const op = startOperation(ctx, {
    kind: "update",
    apply: () => void Object.assign(existing, { provisioningState: "Succeeded", busy: undefined }),
    revert: () => void Object.assign(existing, previous, { provisioningState: "Failed", busy: undefined }),
    result: () => deploymentJson(state, e, existing),
  });
  existing.busy = op.id;
  return acceptedWrite(state, op, 200, deploymentJson(state, e, existing));
}

function deleteDeployment(ctx: Ctx): Response {
  const { state } = ctx;
  const e = state.endpoints.get(key(ctx.params.endpointName as string));
  if (!e) return notFound(`Endpoint ${ctx.params.endpointName}`);
  const d = e.deployments.get(key(ctx.params.deploymentName as string));
  if (!d) return empty(204);
  if (d.busy || e.busy) return busy(`Deployment ${d.name}`);
  const share = (split: unknown) => Object.entries((split ?? {}) as Record<string, number>).find(([n, p]) => key(n) === key(d.name) && p > 0);
  // The docs say live traffic blocks a delete; guess: mirrored traffic does too.
  const held = share(e.properties.traffic) ?? share(e.properties.mirrorTraffic);
  if (held) return userError(400, `Deployment ${d.name} has ${held[1]}% of the endpoint's traffic; move it elsewhere before deleting the deployment.`);
  d.provisioningState = "Deleting";
  const op = startOperation(ctx, {
    kind: "delete",
    apply: () => void e.deployments.delete(key(d.name)),
    revert: () => void Object.assign(d, { provisioningState: "Failed", busy: undefined }),
  });
  d.busy = op.id;
  return acceptedDelete(state, op);
}

function getDeployment(ctx: Ctx): Response {
  const e = ctx.state.endpoints.get(key(ctx.params.endpointName as string));
  const d = e?.deployments.get(key(ctx.params.deploymentName as string));
  return e && d ? json(200, deploymentJson(ctx.state, e, d)) : notFound(`Deployment ${ctx.params.deploymentName}`);
}

function listDeployments(ctx: Ctx): Response {
  const e = ctx.state.endpoints.get(key(ctx.params.endpointName as string));
  if (!e) return notFound(`Endpoint ${ctx.params.endpointName}`);
  const top = positiveInt(ctx, "$top");
  if (top instanceof Response) return top;
  const items = [...e.deployments.values()]
    .sort((a, b) => (a.systemData.createdAt < b.systemData.createdAt ? -1 : 1))
    .map((d) => deploymentJson(ctx.state, e, d));
  return page(ctx, items, { ...(top !== undefined && { top }) });
}

/** The endpoint routes, by contract operation id. */
export function endpointRoutes(): Record<string, Handler> {
  return {
    OnlineEndpoints_Get: getEndpoint,
    OnlineEndpoints_CreateOrUpdate: putEndpoint,
    OnlineEndpoints_Delete: deleteEndpoint,
    OnlineEndpoints_List: listEndpoints,
    OnlineDeployments_Get: getDeployment,
    OnlineDeployments_CreateOrUpdate: putDeployment,
    OnlineDeployments_Delete: deleteDeployment,
    OnlineDeployments_List: listDeployments,
  };
}
