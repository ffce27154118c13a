/**
 * Azure ML endpoints as the spec sees them, and the traffic arithmetic. An endpoint's `traffic` maps deployment names
 * to whole percents that sum to 0 or 100 (doc "Perform safe rollout"); a deployment it leaves out has 0, as the Python
 * SDK reads it. Changing it is a PUT of the whole endpoint, sent here with keys in lower case and zeros left out, as the
 * SDK sends it.
 *
 * @module
 */

import type { DeployedModel, Endpoint, TrafficSplit } from "../../core/endpoints.js";
import { ConflictError, NotFoundError, invalidInput } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { CallOptions } from "../../core/options.js";
import { type ArmOnlineDeployment, type ArmOnlineEndpoint, type ModelIds, ownVersion } from "./azureml-endpoint-api.js";
import type { EndpointOperations } from "./azureml-endpoint-operations.js";
import { PROVIDER } from "./azureml-names.js";

/** An endpoint with its deployments, as one read gives them. */
export interface EndpointState {
  /** The endpoint. */
  endpoint: ArmOnlineEndpoint;
  /** Its deployments, oldest first. */
  deployments: ArmOnlineDeployment[];
}

/** A percent map keyed by deployment name in lower case: Azure compares deployment names without regard to case. */
function lowerKeys(map: Record<string, number | null> | null | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(map ?? {})) out.set(k.toLowerCase(), (out.get(k.toLowerCase()) ?? 0) + (v ?? 0));
  return out;
}

/** Each deployment's share of live traffic, by its name as Azure spells it (0 for those the map leaves out). */
export function trafficOf(state: EndpointState): Record<string, number> {
  const traffic = lowerKeys(state.endpoint.properties.traffic);
  return Object.fromEntries(state.deployments.map((d) => [d.name, traffic.get(d.name.toLowerCase()) ?? 0]));
}

/** Each deployment's share of mirrored traffic, by its name (only those with some). */
export function mirrorOf(state: EndpointState): Record<string, number> {
  const mirror = lowerKeys(state.endpoint.properties.mirrorTraffic);
  return Object.fromEntries(state.deployments.map((d) => [d.name, mirror.get(d.name.toLowerCase()) ?? 0]).filter(([, v]) => (v as number) > 0));
}

/** The sum of a split. */
export const sumOf = (split: Record<string, number>) => Object.values(split).reduce((n, v) => n + v, 0);

/**
 * The spec's key of each deployment: `model/version` of the version of this registry it serves (by full model id,
 * {@link ownVersion}), or the deployment's name when its model is none of this registry's versions (no model, or
 * another workspace's or registry's, even of the same name and version), or when an earlier deployment already has
 * that key (two deployments of one version).
 */
export function keysOf(state: EndpointState, ids: ModelIds): Map<string, string> {
  const keys = new Map<string, string>();
  const used = new Set<string>();
  for (const d of state.deployments) {
    const served = ownVersion(d.properties.model, ids);
    const key = served && !used.has(`${served.model}/${served.version}`) ? `${served.model}/${served.version}` : d.name;
    used.add(key);
    keys.set(d.name, key);
  }
  return keys;
}

/**
 * The spec's view of an endpoint: one deployed model per deployment, traffic keyed `model/version`. A deployment of no
 * version of this registry is listed with its `model` id as Azure has it (or its name, when it has none) and no version.
 */
export function toEndpoint(state: EndpointState, ids: ModelIds): Endpoint {
  const { endpoint, deployments } = state;
  const keys = keysOf(state, ids);
  const traffic = trafficOf(state);
  const deployed: DeployedModel[] = deployments.map((d) => {
    const served = ownVersion(d.properties.model, ids);
    const capacity = d.sku?.capacity ?? undefined;
    return {
      id: d.name,
      model: served?.model ?? d.properties.model ?? d.name,
      version: served?.version ?? "",
      ...(d.properties.instanceType && { machineType: d.properties.instanceType }),
      ...(capacity !== undefined && { minReplicas: capacity, maxReplicas: capacity }),
    };
  });
  return {
    id: endpoint.name,
    name: endpoint.id ?? `${ids.workspaceId}/onlineEndpoints/${endpoint.name}`,
    displayName: endpoint.name,
    deployedModels: deployed,
    trafficSplit: Object.fromEntries(deployments.map((d) => [keys.get(d.name) as string, traffic[d.name] ?? 0])),
    raw: state,
  };
}

/** Scales the others down so `percent` fits, keeping whole numbers that sum to 100 (largest remainders get the rest). */
export function makeRoom(split: Record<string, number>, percent: number): Record<string, number> {
  const entries = Object.entries(split);
  const total = entries.reduce((n, [, v]) => n + v, 0);
  const room = 100 - percent;
  if (total <= 0 || room === 0) return Object.fromEntries(entries.map(([k]) => [k, 0]));
  const scaled = entries.map(([k, v]) => ({ k, exact: (v / total) * room }));
  const out = Object.fromEntries(scaled.map(({ k, exact }) => [k, Math.floor(exact)]));
  let left = room - Object.values(out).reduce((n, v) => n + v, 0);
  for (const { k } of [...scaled].sort((a, b) => (b.exact % 1) - (a.exact % 1))) {
    if (left-- <= 0) break;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/**
 * The split among the deployments left after one leaves: its traffic goes to the others in proportion, or in equal
 * shares (in deployment order) when they all had none, so an endpoint that served goes on serving (Azure would also
 * take a split of 0, which serves nothing). An endpoint that served nothing stays that way.
 */
export function splitWithout(split: Record<string, number>, leaving: string): Record<string, number> {
  const rest = Object.fromEntries(Object.entries(split).filter(([k]) => k !== leaving));
  const keys = Object.keys(rest);
  if (keys.length === 0 || (split[leaving] ?? 0) === 0) return rest;
  if (Object.values(rest).some((v) => v > 0)) return makeRoom(rest, 0);
  const share = Math.floor(100 / keys.length);
  return Object.fromEntries(keys.map((k, i) => [k, share + (i < 100 - share * keys.length ? 1 : 0)]));
}

/** A split as Azure's SDK sends it: keys in lower case, zeros left out. */
export function wireSplit(split: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(split)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => [k.toLowerCase(), v]),
  );
}

/**
 * The body of an endpoint PUT that changes only its traffic: every writable field as Azure answered it, read-only
 * ones left out, `traffic` replaced and `mirrorTraffic` kept for the deployments that stay.
 *
 * @param traffic - The new split by deployment name.
 * @param keep - The deployments that stay (mirrored traffic to the others is dropped).
 */
export function trafficPutBody(state: EndpointState, traffic: Record<string, number>, keep: ReadonlySet<string>): Record<string, unknown> {
  const { id: _id, name: _name, type: _type, systemData: _systemData, identity, properties, ...resource } = state.endpoint;
  const { scoringUri: _s, swaggerUri: _w, provisioningState: _p, traffic: _t, mirrorTraffic: _m, keys: _k, ...writable } = properties;
  const mirror = Object.fromEntries(Object.entries(mirrorOf(state)).filter(([name]) => keep.has(name.toLowerCase())));
  const body: Record<string, unknown> = {
    ...Object.fromEntries(Object.entries(resource).filter(([, v]) => v !== null && v !== undefined)),
    tags: Object.fromEntries(Object.entries(state.endpoint.tags ?? {}).filter((e): e is [string, string] => typeof e[1] === "string")),
    properties: {
      ...Object.fromEntries(Object.entries(writable).filter(([, v]) => v !== null)),
      authMode: properties.authMode ?? "Key",
      traffic: wireSplit(traffic),
      ...(Object.keys(mirror).length > 0 && { mirrorTraffic: wireSplit(mirror) }),
    },
  };
  if (identity) {
    // principalId and tenantId are Azure's to set; user-assigned identities are named by their ids alone.
    const { principalId: _pi, tenantId: _ti, userAssignedIdentities, ...rest } = identity;
    body.identity = {
      ...rest,
      ...(userAssignedIdentities && { userAssignedIdentities: Object.fromEntries(Object.keys(userAssignedIdentities).map((k) => [k, {}])) }),
    };
  }
  return body;
}

/**
 * Sets the split, keyed by version, `model/version` or deployment name; deployments left out get 0. It must sum to
 * 100 (or 0: Azure then serves nothing) in whole percents.
 */
export async function setSplit(ops: EndpointOperations, endpointRef: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint> {
  const op = "setTrafficSplit";
  const endpoint = ops.endpointName(endpointRef, op);
  if (typeof split !== "object" || split === null || Array.isArray(split))
    throw invalidInput(op, "split", "a traffic split is an object of percents", PROVIDER);
  const entries = Object.entries(split);
  if (entries.length === 0) throw invalidInput(op, "split", "a traffic split names at least one version", PROVIDER);
  for (const [key, percent] of entries)
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw invalidInput(op, "split", `${JSON.stringify(key)}: traffic percents are whole numbers from 0 to 100`, PROVIDER);
  const total = entries.reduce((n, [, v]) => n + v, 0);
  if (total !== 100 && total !== 0) throw invalidInput(op, "split", `a traffic split must sum to 100 (or 0), this one sums to ${total}`, PROVIDER);
  const state = await ops.read(endpoint, op, options);
  const byName = splitByDeployment(state, split, op, ops.target);
  return ops.view(await ops.moveTraffic(state, byName, op, options));
}

/** A split keyed as users key it, by deployment name, the deployments it leaves out at 0. */
export function splitByDeployment(state: EndpointState, split: TrafficSplit, op: string, ids: ModelIds): Record<string, number> {
  const keys = keysOf(state, ids);
  const byName = Object.fromEntries(state.deployments.map((d) => [d.name, 0]));
  const named = new Set<string>();
  for (const [key, percent] of Object.entries(split)) {
    // The key an endpoint's trafficSplit gives a deployment (unique: `model/version`, which no name can be, or its own
    // name), or its name, names that one deployment even when another serves the same version: a split read goes back.
    const exact = state.deployments.filter((d) => key === keys.get(d.name) || key.toLowerCase() === d.name.toLowerCase());
    const matches =
      exact.length > 0
        ? exact
        : state.deployments.filter((d) => {
            const served = ownVersion(d.properties.model, ids);
            return served && (key === served.version || key === `${served.model}/${served.version}`);
          });
    if (matches.length !== 1)
      throw new ConflictError(
        `${key} ${matches.length === 0 ? "is not deployed to" : "is ambiguous on"} ${state.endpoint.name}; deployed: ${[...keys.entries()].map(([n, k]) => (k === n ? n : `${k} (${n})`)).join(", ") || "nothing"}`,
        { provider: PROVIDER, operation: op },
      );
    const name = (matches[0] as ArmOnlineDeployment).name;
    if (named.has(name)) throw invalidInput(op, "split", `two keys of the split name deployment ${name}`, PROVIDER);
    named.add(name);
    byName[name] = percent;
  }
  const mirrored = Object.keys(mirrorOf(state)).find((n) => (byName[n] ?? 0) > 0);
  if (mirrored)
    throw new ConflictError(`deployment ${mirrored} takes mirrored traffic, and Azure gives a deployment live or mirrored traffic, not both`, {
      provider: PROVIDER,
      operation: op,
    });
  return byName;
}

/** Sets the split (by deployment name), remembering the one it replaces, and tells subscribers of each share that moved. */
export async function moveSplit(
  ops: EndpointOperations,
  state: EndpointState,
  byName: Record<string, number>,
  op: string,
  options: CallOptions | undefined,
): Promise<EndpointState> {
  const before = trafficOf(state);
  ops.remember(state, before);
  const after = await ops.putTraffic(state, byName, op, options, undefined);
  await trafficEvents(ops, before, after, options);
  return after;
}

/** Restores the split before this client's last change to the endpoint. */
export async function rollbackSplit(ops: EndpointOperations, endpointRef: string, options?: CallOptions): Promise<Endpoint> {
  const op = "rollbackTraffic";
  const state = await ops.read(ops.endpointName(endpointRef, op), op, options);
  const previous = ops.popHistory(state);
  if (!previous) throw new NotFoundError(`no earlier traffic split of ${state.endpoint.name} is known to this client`, { provider: PROVIDER, operation: op });
  const live = new Map(state.deployments.map((d) => [d.name.toLowerCase(), d.name]));
  const kept = Object.fromEntries(
    Object.entries(previous)
      .filter(([k]) => live.has(k.toLowerCase()))
      .map(([k, v]) => [live.get(k.toLowerCase()) as string, v]),
  );
  // Deployments removed since: the others share what they had, in proportion.
  const split = [0, 100].includes(sumOf(kept)) ? kept : makeRoom(kept, 0);
  const before = trafficOf(state);
  const after = await ops.putTraffic(state, { ...Object.fromEntries([...live.values()].map((n) => [n, 0])), ...split }, op, options, undefined);
  await trafficEvents(ops, before, after, options);
  return ops.view(after);
}

/** One `version.updated` per version whose share moved. */
async function trafficEvents(ops: EndpointOperations, before: Record<string, number>, after: EndpointState, options: CallOptions | undefined): Promise<void> {
  const now = trafficOf(after);
  const view = ops.view(after);
  const events: RegistryEventInput[] = [];
  for (const d of after.deployments) {
    const served = ownVersion(d.properties.model, ops.target);
    const from = before[d.name] ?? 0;
    const to = now[d.name] ?? 0;
    if (served && from !== to)
      events.push({
        type: "version.updated",
        model: served.model,
        version: served.version,
        details: { endpoint: view.name, trafficPercent: to, previousPercent: from },
      });
  }
  if (events.length > 0) await ops.emit(events, options);
}
