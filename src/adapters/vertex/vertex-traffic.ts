/**
 * Vertex endpoints as the spec sees them, and the traffic arithmetic: Vertex keys an endpoint's split by deployed-model
 * id and wants it to sum to 100 after every change.
 *
 * @module
 */

import type { DeployedModel, Endpoint } from "../../core/endpoints.js";
import type { VertexEndpoint } from "./vertex-api.js";

/** The model id in a model resource name (`projects/p/locations/l/models/<id>[@version]`). */
export const modelIdOf = (resource: string) => /\/models\/([^/@]+)/.exec(resource)?.[1] ?? resource;

/** The spec's view of a Vertex endpoint: traffic keyed by `model/version`. */
export function toEndpoint(e: VertexEndpoint): Endpoint {
  const deployed: DeployedModel[] = (e.deployedModels ?? []).map((d) => ({
    id: d.id,
    model: modelIdOf(d.model),
    version: d.modelVersionId ?? /@(\d+)$/.exec(d.model)?.[1] ?? "1",
    ...(d.dedicatedResources?.machineSpec?.machineType && { machineType: d.dedicatedResources.machineSpec.machineType }),
    ...(d.dedicatedResources?.minReplicaCount !== undefined && { minReplicas: d.dedicatedResources.minReplicaCount }),
    ...(d.dedicatedResources?.maxReplicaCount !== undefined && { maxReplicas: d.dedicatedResources.maxReplicaCount }),
  }));
  const split: Record<string, number> = {};
  for (const [id, percent] of Object.entries(e.trafficSplit ?? {})) {
    const d = deployed.find((x) => x.id === id);
    if (d) split[`${d.model}/${d.version}`] = percent;
  }
  return { id: e.name.split("/").pop() ?? e.name, name: e.name, displayName: e.displayName ?? "", deployedModels: deployed, trafficSplit: split, raw: e };
}

/** Scales the others down so `percent` fits, keeping integers that sum to 100 (largest remainders get the rest). */
export function makeRoom(split: Record<string, number>, percent: number): Record<string, number> {
  const others = Object.entries(split).filter(([, v]) => v > 0);
  const total = others.reduce((n, [, v]) => n + v, 0);
  const room = 100 - percent;
  if (total === 0 || room === 0) return Object.fromEntries(others.map(([k]) => [k, 0]));
  const scaled = others.map(([k, v]) => ({ k, exact: (v / total) * room }));
  const out = Object.fromEntries(scaled.map(({ k, exact }) => [k, Math.floor(exact)]));
  let left = room - Object.values(out).reduce((n, v) => n + v, 0);
  for (const { k } of [...scaled].sort((a, b) => (b.exact % 1) - (a.exact % 1))) {
    if (left-- <= 0) break;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/**
 * The traffic split to send with `undeployModel`, or `undefined` when the endpoint's split can stay as it is. Vertex
 * undeploys a model only if it has no traffic or the request's split takes its traffic away, and an endpoint's split
 * must sum to 100 (UndeployModelRequest.trafficSplit, Endpoint.trafficSplit in the discovery document). As
 * python-aiplatform's `Endpoint._unallocate_traffic` does, the others are scaled up in proportion to sum to 100.
 * Where that library refuses (the model leaving holds all traffic and the others hold none), the others share it
 * equally, in deployment order: a rollback of a canary at 100% would otherwise leave it serving.
 *
 * @param current - The endpoint's split by deployed-model id.
 * @param leaving - The id of the deployed model being undeployed.
 * @param remaining - The ids of the other deployed models, in deployment order.
 */
export function splitAfterUndeploy(current: Record<string, number>, leaving: string, remaining: string[]): Record<string, number> | undefined {
  if ((current[leaving] ?? 0) === 0 || remaining.length === 0) return undefined;
  const rest = Object.fromEntries(remaining.map((id) => [id, current[id] ?? 0]));
  if (Object.values(rest).some((v) => v > 0)) return { ...Object.fromEntries(remaining.map((id) => [id, 0])), ...makeRoom(rest, 0) };
  const share = Math.floor(100 / remaining.length);
  return Object.fromEntries(remaining.map((id, i) => [id, share + (i < 100 - share * remaining.length ? 1 : 0)]));
}
