/**
 * What `registry.endpoints` does on Vertex: create or reuse, deploy, undeploy, traffic split, and a canary rollout that
 * steps traffic and rolls back when a health check fails. {@link VertexEndpoints} (vertex-endpoints.ts) imports this
 * module on its first call, so a client that never deploys does not load it.
 *
 * @module
 */

import type { Endpoint, DeployOptions, LongRunningOptions, OperationHandle, TrafficSplit, DeployedModel } from "../../core/endpoints.js";
import { ConflictError, NotFoundError, invalidInput } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { CallOptions, ListOptions } from "../../core/options.js";
import type { Page } from "../../core/pagination.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import { endpointSchema, listEndpointsResponse, operationSchema, type VertexEndpoint } from "./vertex-api.js";
import { PROVIDER, type VertexTransport } from "./vertex-transport.js";
import type { CanaryOptions, CanaryResult } from "./vertex-canary.js";
import type { VertexEndpoints } from "./vertex-endpoints.js";
import { makeRoom, modelIdOf, splitAfterUndeploy, toEndpoint } from "./vertex-traffic.js";

/** What the endpoints API needs from the registry. */
export interface RegistryView {
  getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion>;
  modelResource(model: string): string;
}

/**
 * An endpoint id a user may choose (`endpointId` of endpoints.create, discovery document): a lowercase letter, then up
 * to 62 of `[a-z0-9-]`, not ending in `-`. Ids that start with a digit are numbers, and so are the ones Vertex makes.
 */
const USER_ENDPOINT_ID = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Deploy and traffic split on Vertex endpoints: the methods of {@link VertexEndpoints}, which documents them. */
export class EndpointOperations {
  readonly #history = new Map<string, Array<Record<string, number>>>();

  /**
   * @param transport - The Vertex transport.
   * @param registry - Resolves versions.
   * @param emit - Tells the registry's subscribers.
   */
  constructor(
    private readonly transport: VertexTransport,
    private readonly registry: RegistryView,
    private readonly emit: (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<RegistryEvent[]>,
  ) {}

  /**
   * Returns the endpoint with this display name, creating it (a long-running operation) when there is none.
   *
   * @throws ConflictError when several endpoints have this display name.
   */
  async ensureEndpoint(displayName: string, options: LongRunningOptions = {}): Promise<Endpoint> {
    const op = "ensureEndpoint";
    if (typeof displayName !== "string" || displayName.trim() === "" || displayName.length > 128)
      throw invalidInput(op, "displayName", "an endpoint needs a display name of 1-128 characters", PROVIDER);
    const found = await this.#findByName(displayName, op, options);
    return toEndpoint(found ?? (await this.#create(displayName, op, options)));
  }

  /**
   * Reads an endpoint by id, full resource name, or display name. A value that is an endpoint's id is that endpoint,
   * whatever other endpoints are called; otherwise it is a display name, and must name exactly one endpoint.
   *
   * @throws NotFoundError when nothing has this id or display name; ConflictError when several endpoints have this
   * display name.
   */
  async getEndpoint(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    return toEndpoint(await this.#get(endpoint, "getEndpoint", options));
  }

  /** One page of `listEndpoints`. */
  async listEndpointsPage(options: ListOptions, token: string | undefined, signal: AbortSignal | undefined): Promise<Page<Endpoint>> {
    const res = await this.transport.call({
      operation: "listEndpoints",
      method: "GET",
      path: `${this.transport.parent}/endpoints`,
      query: { ...(options.pageSize && { pageSize: options.pageSize }), ...(token && { pageToken: token }) },
      schema: listEndpointsResponse,
      options: { ...options, ...(signal && { signal }) },
    });
    return { items: (res.endpoints ?? []).map(toEndpoint), ...(res.nextPageToken && { nextPageToken: res.nextPageToken }) };
  }

  /** Deploys a version. `trafficPercent` (default 100) is taken from the others in proportion. */
  deploy(ref: VersionRefInput, options: DeployOptions & { wait: false }): Promise<OperationHandle<Endpoint>>;
  deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint>;
  async deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint | OperationHandle<Endpoint>> {
    const op = "deploy";
    const percent = options.trafficPercent ?? 100;
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw invalidInput(op, "trafficPercent", "trafficPercent must be a whole number from 0 to 100", PROVIDER);
    const min = options.minReplicas ?? 1;
    const max = options.maxReplicas ?? min;
    if (!Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min)
      throw invalidInput(op, "minReplicas", "replicas must be whole numbers with 1 <= minReplicas <= maxReplicas", PROVIDER);
    if (typeof options.endpoint !== "string" || options.endpoint === "") throw invalidInput(op, "endpoint", "name the endpoint (id or display name)", PROVIDER);
    if (options.endpoint.length > 128 && !options.endpoint.startsWith("projects/"))
      throw invalidInput(op, "endpoint", "an endpoint id or display name has at most 128 characters", PROVIDER);
    const version = await this.registry.getVersion(ref, options);
    // A new endpoint only when the value names none, by id or by display name: each endpoint is billed.
    const endpoint = (await this.#resolve(options.endpoint, op, options)) ?? (await this.#create(options.endpoint, op, options));
    const current = endpoint.trafficSplit ?? {};
    // With nothing else serving, the new deployment takes all traffic: a split must always sum to 100.
    const serving = Object.values(current).reduce((n, v) => n + v, 0) > 0;
    const split = serving ? { ...makeRoom(current, percent), "0": percent } : { "0": 100 };
    this.#remember(endpoint.name, current);
    const first = await this.transport.call({
      operation: op,
      method: "POST",
      path: `${endpoint.name}:deployModel`,
      body: {
        deployedModel: {
          model: `${this.registry.modelResource(version.model)}@${version.version}`,
          displayName: `${version.model}-v${version.version}`.slice(0, 128),
          dedicatedResources: { machineSpec: { machineType: options.machineType ?? "n1-standard-2" }, minReplicaCount: min, maxReplicaCount: max },
        },
        trafficSplit: split,
      },
      schema: operationSchema,
      options,
    });
    const finish = async (callOptions?: CallOptions) => {
      await this.transport.waitForOperation(first, op, { ...options, ...callOptions });
      const after = toEndpoint(await this.#get(endpoint.name, op, options));
      await this.emit(
        [{ type: "version.updated", model: version.model, version: version.version, details: { deployedTo: after.name, trafficPercent: percent } }],
        options,
      );
      return after;
    };
    if (options.wait === false) return { name: first.name, wait: finish };
    return finish();
  }

  /**
   * Undeploys a version; its traffic goes to the other deployed versions in proportion (as python-aiplatform does),
   * or in equal shares when they all had none (where python-aiplatform refuses), so a rollback always completes.
   */
  async undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }): Promise<Endpoint> {
    return this.#undeploy(ref, options, undefined);
  }

  /** Undeploys; `restore` (by deployed-model id) is sent as the new split when it still sums to 100 over those left. */
  async #undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }, restore: Record<string, number> | undefined): Promise<Endpoint> {
    const op = "undeploy";
    const version = await this.registry.getVersion(ref, options);
    const endpoint = await this.#get(options.endpoint, op, options);
    const target = (endpoint.deployedModels ?? []).find(
      (d) => modelIdOf(d.model) === modelIdOf(this.registry.modelResource(version.model)) && (d.modelVersionId ?? "1") === version.version,
    );
    if (!target)
      throw new NotFoundError(`${version.model}/${version.version} is not deployed to ${endpoint.displayName ?? endpoint.name}`, {
        provider: PROVIDER,
        operation: op,
      });
    const current = endpoint.trafficSplit ?? {};
    const remaining = (endpoint.deployedModels ?? []).filter((d) => d.id !== target.id).map((d) => d.id);
    const kept = Object.fromEntries(Object.entries(restore ?? {}).filter(([id]) => remaining.includes(id)));
    const split = Object.values(kept).reduce((n, v) => n + v, 0) === 100 ? kept : splitAfterUndeploy(current, target.id, remaining);
    this.#remember(endpoint.name, current);
    const first = await this.transport.call({
      operation: op,
      method: "POST",
      path: `${endpoint.name}:undeployModel`,
      body: { deployedModelId: target.id, ...(split && { trafficSplit: split }) },
      schema: operationSchema,
      options,
    });
    await this.transport.waitForOperation(first, op, options);
    return toEndpoint(await this.#get(endpoint.name, op, options));
  }

  /**
   * Sets the traffic split, keyed by version (`"3"`) or `"model/3"`. It must sum to 100, use whole percents, and name
   * only deployed versions. The split it replaces is remembered for {@link VertexEndpoints.rollbackTraffic}.
   */
  async setTrafficSplit(endpointRef: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint> {
    const op = "setTrafficSplit";
    if (typeof split !== "object" || split === null) throw invalidInput(op, "split", "split maps versions to percents", PROVIDER);
    const entries = Object.entries(split);
    for (const [key, percent] of entries) {
      if (!Number.isInteger(percent) || percent < 0 || percent > 100)
        throw invalidInput(op, `split.${key}`, `traffic for ${key} must be a whole percent from 0 to 100`, PROVIDER);
    }
    const total = entries.reduce((n, [, v]) => n + v, 0);
    if (total !== 100) throw invalidInput(op, "split", `a traffic split must sum to 100, this one sums to ${total}`, PROVIDER);
    const endpoint = await this.#get(endpointRef, op, options);
    const view = toEndpoint(endpoint);
    const byId: Record<string, number> = {};
    for (const [key, percent] of entries) {
      const matches = view.deployedModels.filter((d) => key === d.version || key === `${d.model}/${d.version}`);
      if (matches.length !== 1) {
        throw new ConflictError(
          `${key} ${matches.length === 0 ? "is not deployed to" : "is ambiguous on"} ${view.displayName}; deployed: ${view.deployedModels.map((d) => `${d.model}/${d.version}`).join(", ") || "nothing"}`,
          { provider: PROVIDER, operation: op },
        );
      }
      byId[(matches[0] as DeployedModel).id] = percent;
    }
    this.#remember(endpoint.name, endpoint.trafficSplit ?? {});
    return this.#patchTraffic(endpoint.name, byId, op, options);
  }

  /** Restores the split in place before the last change this client made to the endpoint. */
  async rollbackTraffic(endpointRef: string, options?: CallOptions): Promise<Endpoint> {
    const op = "rollbackTraffic";
    const endpoint = await this.#get(endpointRef, op, options);
    const previous = this.#history.get(endpoint.name)?.pop();
    if (!previous)
      throw new NotFoundError(`no earlier traffic split of ${endpoint.displayName ?? endpoint.name} is known to this client`, {
        provider: PROVIDER,
        operation: op,
      });
    const live = new Set((endpoint.deployedModels ?? []).map((d) => d.id));
    const split = Object.fromEntries(Object.entries(previous).filter(([id]) => live.has(id)));
    return this.#patchTraffic(endpoint.name, split, op, options);
  }

  /** Replaces an endpoint's traffic split (by deployed-model id) and returns the endpoint as Vertex answers. */
  async #patchTraffic(name: string, split: Record<string, number>, operation: string, options: CallOptions | undefined): Promise<Endpoint> {
    const updated = await this.transport.call({
      operation,
      method: "PATCH",
      path: name,
      query: { updateMask: "trafficSplit" },
      body: { trafficSplit: split },
      schema: endpointSchema,
      idempotent: true,
      options,
    });
    return toEndpoint(updated);
  }

  /**
   * Rolls a version out in steps: deploys it at the first step beside what is serving, then raises its share through
   * `steps`, calling `check` after each. When a check fails (or throws), traffic goes back to the split from before
   * the rollout and the new deployment is removed.
   */
  async canaryRollout(ref: VersionRefInput, options: CanaryOptions): Promise<CanaryResult> {
    const op = "canaryRollout";
    const steps = options.steps ?? [5, 25, 50, 100];
    if (steps.length === 0 || steps.some((s, i) => !Number.isInteger(s) || s < 1 || s > 100 || (i > 0 && s <= (steps[i - 1] as number)))) {
      throw invalidInput(op, "steps", "steps must be increasing whole percents from 1 to 100", PROVIDER);
    }
    if (typeof options.check !== "function") throw invalidInput(op, "check", "a canary needs a health check", PROVIDER);
    const version = await this.registry.getVersion(ref, options);
    const key = `${modelIdOf(this.registry.modelResource(version.model))}/${version.version}`;
    const { steps: _s, check, onStep, ...deployOptions } = options;
    // The split before the rollout, by deployed-model id, is what a rollback restores (none yet for a new endpoint).
    const prior = await this.#get(options.endpoint, op, options).then(
      (e) => e.trafficSplit ?? {},
      (error: unknown) => {
        if (NotFoundError.isInstance(error)) return {};
        throw error;
      },
    );
    let endpoint = await this.deploy(version, { ...deployOptions, trafficPercent: steps[0] as number });
    const before = Object.fromEntries(Object.entries(endpoint.trafficSplit).filter(([k]) => k !== key));
    // Nothing else was serving: the version took all traffic at once, so there is one step to check.
    const plan = Object.values(before).some((v) => v > 0) ? steps : [100];
    const done: number[] = [];
    for (const [i, percent] of plan.entries()) {
      if (i > 0) {
        const others = makeRoom(Object.fromEntries(Object.entries(endpoint.trafficSplit).filter(([k]) => k !== key)), percent);
        endpoint = await this.setTrafficSplit(endpoint.id, { ...others, [key]: percent }, options);
      }
      done.push(percent);
      onStep?.({ percent, endpoint });
      let healthy = false;
      let reason = "the health check returned false";
      try {
        healthy = await check({ percent, endpoint });
      } catch (error) {
        reason = `the health check threw: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (!healthy) {
        // One undeployModel that restores the split from before the rollout; when that split no longer fits the
        // endpoint (models undeployed meanwhile), the others get the traffic in proportion first.
        const live = new Set(endpoint.deployedModels.map((d) => d.id));
        const restorable =
          Object.entries(prior)
            .filter(([id]) => live.has(id))
            .reduce((n, [, v]) => n + v, 0) === 100;
        const total = Object.values(before).reduce((n, v) => n + v, 0);
        if (!restorable && total > 0) endpoint = await this.setTrafficSplit(endpoint.id, makeRoom(before, 0), options);
        endpoint = await this.#undeploy(version, { ...options, endpoint: endpoint.id }, restorable ? prior : undefined);
        await this.emit(
          [{ type: "rollback.completed", model: version.model, version: version.version, details: { endpoint: endpoint.name, failedAt: percent, reason } }],
          options,
        );
        return { completed: false, steps: done, failedAt: percent, reason, endpoint };
      }
    }
    return { completed: true, steps: done, endpoint };
  }

  #remember(name: string, split: Record<string, number>): void {
    const list = this.#history.get(name) ?? [];
    list.push({ ...split });
    // A short history per endpoint is enough to step back; it lives as long as this client.
    if (list.length > 20) list.shift();
    this.#history.set(name, list);
  }

  async #get(endpoint: string, op: string, options: CallOptions | undefined): Promise<VertexEndpoint> {
    if (typeof endpoint !== "string" || endpoint === "") throw invalidInput(op, "endpoint", "name the endpoint (id, resource name or display name)", PROVIDER);
    const found = await this.#resolve(endpoint, op, options);
    if (!found) throw new NotFoundError(`no endpoint has the id or display name ${JSON.stringify(endpoint)}`, { provider: PROVIDER, operation: op });
    return found;
  }

  /**
   * The endpoint a value names, or `undefined` when it names none. A resource name or a number is an id only:
   * Vertex generates numeric ids, so a missing one is a `NotFoundError`, never a display name to create. A value
   * that fits a user-chosen id (`endpoints.create`'s `endpointId`) is read as an id first, and only when no endpoint
   * has that id is it a display name; anything else is a display name.
   */
  async #resolve(endpoint: string, op: string, options: CallOptions | undefined): Promise<VertexEndpoint | undefined> {
    const byName = (name: string) => this.transport.call({ operation: op, method: "GET", path: name, schema: endpointSchema, options });
    if (endpoint.startsWith("projects/")) return byName(endpoint);
    if (/^\d+$/.test(endpoint)) return byName(`${this.transport.parent}/endpoints/${endpoint}`);
    if (USER_ENDPOINT_ID.test(endpoint)) {
      try {
        return await byName(`${this.transport.parent}/endpoints/${endpoint}`);
      } catch (error) {
        if (!NotFoundError.isInstance(error)) throw error;
      }
    }
    return this.#findByName(endpoint, op, options);
  }

  /** The one endpoint with this display name, or `undefined`; display names need not be unique, so all pages are read. */
  async #findByName(displayName: string, op: string, options: CallOptions | undefined): Promise<VertexEndpoint | undefined> {
    const found: VertexEndpoint[] = [];
    let token: string | undefined;
    do {
      const res = await this.transport.call({
        operation: op,
        method: "GET",
        path: `${this.transport.parent}/endpoints`,
        query: { pageSize: 100, ...(token && { pageToken: token }) },
        schema: listEndpointsResponse,
        options,
      });
      found.push(...(res.endpoints ?? []).filter((e) => e.displayName === displayName));
      token = res.nextPageToken || undefined;
    } while (token);
    if (found.length > 1) {
      // Picking one would deploy to, or move the traffic of, an endpoint the caller may not mean.
      const ids = found.map((e) => e.name.split("/").pop()).join(", ");
      throw new ConflictError(`${found.length} endpoints have the display name ${JSON.stringify(displayName)} (ids ${ids}); name one by its id`, {
        provider: PROVIDER,
        operation: op,
      });
    }
    return found[0];
  }

  async #create(displayName: string, op: string, options: LongRunningOptions): Promise<VertexEndpoint> {
    const first = await this.transport.call({
      operation: op,
      method: "POST",
      path: `${this.transport.parent}/endpoints`,
      body: { displayName },
      schema: operationSchema,
      options,
    });
    return endpointSchema().parse(await this.transport.waitForOperation(first, op, options));
  }
}
