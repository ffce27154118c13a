/**
 * What `registry.endpoints` does on Azure ML: a version is served by a managed online deployment
 * (`W/onlineEndpoints/{e}/deployments/{d}`, a long-running PUT) under an online endpoint, and the endpoint's
 * `traffic` map is the split, changed by a PUT of the whole endpoint (also long-running). {@link AzureMlEndpoints}
 * (azureml-endpoints.ts) imports this module on its first call and documents the methods.
 *
 * Online endpoints have no etag: a traffic change reads the endpoint and writes it whole, so two clients changing one
 * endpoint's traffic at once can lose one change (the last writer wins), as with the Python SDK. The window is one
 * read and one PUT.
 *
 * @module
 */

import type { DeployOptions, Endpoint, LongRunningOptions, OperationHandle, TrafficSplit } from "../../core/endpoints.js";
import { ConflictError, InvalidInputError, NotFoundError, ResponseValidationError, TimeoutError, invalidInput } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { CallOptions, ListOptions } from "../../core/options.js";
import type { Page } from "../../core/pagination.js";
import { parseRef, type VersionRefInput } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import { mapLimit } from "../../core/concurrency.js";
import type { HttpResponse } from "../../http/http-types.js";
import { parseWithSchema } from "../../http/schema.js";
import {
  type ArmOnlineDeployment,
  DEFAULT_INSTANCE_TYPE,
  type DeploymentAssets,
  INSTANCE_TYPE,
  deploymentAssetsOf,
  deploymentName,
  deploymentPageSchema,
  endpointNameOf,
  endpointPageSchema,
  onlineEndpointSchema,
  servesVersion,
  workspaceLocationSchema,
} from "./azureml-endpoint-api.js";
import type { AzureMlEndpointTarget, AzureMlRegistryView } from "./azureml-endpoints.js";
import { PROVIDER } from "./azureml-names.js";
import {
  type EndpointState,
  makeRoom,
  mirrorOf,
  moveSplit,
  rollbackSplit,
  setSplit,
  splitWithout,
  sumOf,
  toEndpoint,
  trafficOf,
  trafficPutBody,
} from "./azureml-traffic.js";
import type { ArmTransport } from "./azureml-transport.js";

/** A version as deployments name it. */
export interface ServedVersion {
  /** The model. */
  model: string;
  /** The version. */
  version: string;
}

/** What `deploy` checked before any request. */
export interface DeployPlan {
  /** The endpoint's name. */
  endpoint: string;
  /** The new deployment's share of traffic. */
  percent: number;
  /** Instances (`sku.capacity`). */
  capacity: number;
  /** The VM size. */
  instanceType: string;
  /** How long to wait for Azure, in ms. */
  deadlineMs: number | undefined;
  /** The environment and scoring code (`providerOptions.azureml`). */
  assets: DeploymentAssets;
}

/** A deployment PUT sent and not yet waited for. */
export interface StartedDeploy {
  /** Azure's first answer (its operation headers). */
  res: HttpResponse<unknown>;
  /** The deployment's name. */
  name: string;
  /** The deployment's ARM id. */
  id: string;
  /** The version it serves. */
  served: ServedVersion;
}

/**
 * Model types Azure serves with no environment ("no-code deployment"), as azure-ai-ml spells them (`mlflow_model`,
 * `triton_model`), compared without case and `_` so older spellings (`MLFlowModel`) count too.
 */
const NO_CODE_TYPES = new Set(["mlflowmodel", "tritonmodel"]);

/** The most pages of deployments one endpoint is read to (a guard against a nextLink that never ends). */
const PAGE_LIMIT = 100;

/** Deploy and traffic split on Azure ML online endpoints: the methods of {@link AzureMlEndpoints}, which documents them. */
export class EndpointOperations {
  readonly #history = new Map<string, Array<Record<string, number>>>();
  #location: Promise<string> | undefined;

  /**
   * @param transport - The ARM transport.
   * @param registry - Resolves versions.
   * @param emit - Tells the registry's subscribers.
   * @param target - The workspace the endpoints are in, and how its deployments name a version.
   */
  constructor(
    readonly transport: ArmTransport,
    readonly registry: AzureMlRegistryView,
    readonly emit: (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<RegistryEvent[]>,
    readonly target: AzureMlEndpointTarget,
  ) {}

  /** The endpoint's name a value names (its name or ARM id), or InvalidInputError. */
  endpointName(value: unknown, op: string, field = "endpoint"): string {
    return endpointNameOf(value, this.target.workspaceId, op, field);
  }

  #endpointPath(name: string): string {
    return `${this.target.workspaceId}/onlineEndpoints/${name}`;
  }

  #deploymentPath(endpoint: string, deployment: string): string {
    return `${this.#endpointPath(endpoint)}/deployments/${deployment}`;
  }

  /** Returns the endpoint with this name, creating it when there is none. */
  async ensureEndpoint(name: string, options: LongRunningOptions = {}): Promise<Endpoint> {
    const op = "ensureEndpoint";
    const endpoint = this.endpointName(name, op, "displayName");
    const deadlineMs = deadlineOf(options, op);
    const found = await this.find(endpoint, op, options);
    return this.view(found ?? (await this.create(endpoint, op, options, deadlineMs === undefined ? undefined : Date.now() + deadlineMs)));
  }

  /** Reads an endpoint by name or ARM id. */
  async getEndpoint(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    const op = "getEndpoint";
    return this.view(await this.read(this.endpointName(endpoint, op), op, options));
  }

  /** One page of `listEndpoints`, each endpoint with its deployments. */
  async listEndpointsPage(options: ListOptions, token: string | undefined, signal: AbortSignal | undefined): Promise<Page<Endpoint>> {
    const op = "listEndpoints";
    const size = options.pageSize ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > 100) throw invalidInput(op, "pageSize", "pageSize must be a whole number from 1 to 100", PROVIDER);
    const call = { ...options, ...(signal && { signal }) };
    const res = token
      ? await this.transport.http.request({ operation: op, path: this.#nextPath(token, op, "pageToken"), schema: endpointPageSchema, ...call })
      : await this.transport.send({
          operation: op,
          path: `${this.target.workspaceId}/onlineEndpoints`,
          query: { count: size },
          schema: endpointPageSchema,
          options: call,
        });
    const items = await mapLimit(res.data.value, 4, async (endpoint) => {
      const deployments = await this.#deployments(endpoint.name, op, call);
      // Deleted between the list and the read.
      return deployments === undefined ? undefined : this.view({ endpoint, deployments });
    });
    return { items: items.filter((e): e is Endpoint => e !== undefined), ...(res.data.nextLink && { nextPageToken: res.data.nextLink }) };
  }

  /** Deploys a version as a new deployment; `trafficPercent` (default 100) comes from the others in proportion. */
  deploy(ref: VersionRefInput, options: DeployOptions & { wait: false }): Promise<OperationHandle<Endpoint>>;
  deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint>;
  async deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint | OperationHandle<Endpoint>> {
    const op = "deploy";
    const plan = this.checkDeploy(options, op);
    const version = await this.registry.getVersion(ref, options);
    const started = await this.startDeploy(this.servedOf(version, plan, op), plan, op, options);
    const finish = (callOptions?: CallOptions) => this.finishDeploy(started, plan, op, { ...options, ...callOptions });
    if (options.wait === false) return { name: started.id, wait: finish };
    return finish();
  }

  /** Checks `deploy`'s options before any request. */
  checkDeploy(options: Omit<DeployOptions, "wait">, op: string): DeployPlan {
    if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "name the endpoint: { endpoint }", PROVIDER);
    const endpoint = this.endpointName(options.endpoint, op);
    const percent = options.trafficPercent ?? 100;
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw invalidInput(op, "trafficPercent", "trafficPercent must be a whole number from 0 to 100", PROVIDER);
    const capacity = options.minReplicas ?? 1;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1000)
      throw invalidInput(op, "minReplicas", "minReplicas (the deployment's instance count) must be a whole number from 1", PROVIDER);
    if (options.maxReplicas !== undefined && options.maxReplicas !== capacity)
      throw invalidInput(
        op,
        "maxReplicas",
        "a managed online deployment has one instance count (minReplicas); scale between bounds with Azure Monitor autoscale, not deploy",
        PROVIDER,
      );
    const instanceType = options.machineType ?? DEFAULT_INSTANCE_TYPE;
    if (typeof instanceType !== "string" || !INSTANCE_TYPE.test(instanceType))
      throw invalidInput(op, "machineType", `${JSON.stringify(instanceType)} is not an Azure VM size such as ${DEFAULT_INSTANCE_TYPE}`, PROVIDER);
    const assets = deploymentAssetsOf(options.providerOptions, this.target.workspaceId, op);
    return { endpoint, percent, capacity, instanceType, deadlineMs: deadlineOf(options, op), assets };
  }

  /**
   * The version a deploy serves, once it is known Azure can serve it as planned: a model that is not an MLflow or
   * Triton model (its `modelType`) needs an environment, or Azure refuses the deployment.
   *
   * @throws InvalidInputError (field `providerOptions.azureml.environment`) for a custom model with no environment.
   */
  servedOf(version: ModelVersion, plan: DeployPlan, op: string): ServedVersion {
    const served = { model: version.model, version: version.version };
    if (plan.assets.environmentId !== undefined) return served;
    const raw = version.raw as { properties?: { modelType?: unknown } } | undefined;
    const type = typeof raw?.properties?.modelType === "string" ? raw.properties.modelType : undefined;
    if (type !== undefined && NO_CODE_TYPES.has(type.toLowerCase().replaceAll("_", ""))) return served;
    throw invalidInput(
      op,
      "providerOptions.azureml.environment",
      `${served.model}/${served.version} is ${type ? `a ${type}` : "a model with no modelType (a custom model)"}, and Azure serves a custom model only with an environment, and usually a scoring script: deploy it with providerOptions: { azureml: { environment: "azureml:<name>:<version>", code: "azureml:<name>:<version>", scoringScript: "score.py" } }, or register the model with an MLmodel file at the top of its files (an MLflow model, which Azure serves with no environment)`,
      PROVIDER,
    );
  }

  /** Creates the endpoint when there is none, and sends the deployment's PUT. */
  async startDeploy(served: ServedVersion, plan: DeployPlan, op: string, options: CallOptions): Promise<StartedDeploy> {
    const modelId = this.target.modelId(served.model, served.version);
    const names = this.deploymentNames(served);
    const deadline = plan.deadlineMs === undefined ? undefined : Date.now() + plan.deadlineMs;
    const state = (await this.find(plan.endpoint, op, options)) ?? (await this.create(plan.endpoint, op, options, deadline));
    const key = `${served.model}/${served.version}`;
    const same = state.deployments.find((d) => this.sameVersion(d, served));
    // A deployment of this version that failed may be sent again (Azure keeps failed deployments); any other is there.
    if (same && !(names.includes(same.name.toLowerCase()) && same.properties.provisioningState === "Failed"))
      throw new ConflictError(
        `${key} is already deployed to ${plan.endpoint} as ${same.name} (${same.properties.provisioningState ?? "state unknown"}); use setTrafficSplit to change its traffic`,
        { provider: PROVIDER, operation: op },
      );
    const plainTaken = state.deployments.some((d) => d.name.toLowerCase() === names[0] && d !== same);
    const name = same ? same.name.toLowerCase() : plainTaken ? names[1] : names[0];
    const taken = state.deployments.find((d) => d.name.toLowerCase() === name && d !== same);
    if (taken)
      throw new ConflictError(`deployment ${taken.name} of ${plan.endpoint} serves ${taken.properties.model ?? "something else"}, not ${key}`, {
        provider: PROVIDER,
        operation: op,
      });
    // A deployment is in its endpoint's region.
    const location = state.endpoint.location ?? (await this.location(op, options));
    const res = await this.transport.send({
      operation: op,
      method: "PUT",
      path: this.#deploymentPath(plan.endpoint, name),
      body: {
        location,
        sku: { name: "Default", capacity: plan.capacity },
        properties: {
          endpointComputeType: "Managed",
          model: modelId,
          instanceType: plan.instanceType,
          scaleSettings: { scaleType: "Default" },
          ...plan.assets,
        },
      },
      options,
    });
    return { res, name, id: `${this.#endpointPath(plan.endpoint)}/deployments/${name}`, served };
  }

  /** Waits for the deployment, gives it its share of traffic, and tells subscribers. */
  async finishDeploy(started: StartedDeploy, plan: DeployPlan, op: string, options: CallOptions): Promise<Endpoint> {
    const deadline = plan.deadlineMs === undefined ? undefined : Date.now() + plan.deadlineMs;
    await this.wait(started.res, op, options, deadline);
    let state = await this.read(plan.endpoint, op, options);
    const current = trafficOf(state);
    const name = Object.keys(current).find((n) => n.toLowerCase() === started.name) ?? started.name;
    const others = Object.fromEntries(Object.entries(current).filter(([k]) => k !== name));
    // With nothing else serving, any share is all of it: Azure's split sums to 0 or 100.
    const split =
      plan.percent === 0
        ? { ...current, [name]: 0 }
        : sumOf(others) === 0
          ? { ...others, [name]: 100 }
          : { ...makeRoom(others, plan.percent), [name]: plan.percent };
    if (Object.entries(split).some(([k, v]) => current[k] !== v)) {
      this.remember(state, current);
      state = await this.putTraffic(state, split, op, options, deadline);
    }
    const view = this.view(state);
    const { model, version } = started.served;
    await this.emit([{ type: "version.updated", model, version, details: { deployedTo: view.name, trafficPercent: trafficOf(state)[name] ?? 0 } }], options);
    return view;
  }

  /** Removes a version's deployment; its traffic goes to the others in proportion first. */
  async undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }): Promise<Endpoint> {
    const op = "undeploy";
    if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "name the endpoint: { endpoint }", PROVIDER);
    const endpoint = this.endpointName(options.endpoint, op);
    deadlineOf(options, op);
    const target = parseRef(ref, op);
    // A version named outright needs no read of the registry: it may be deleted there and still be served.
    const served = "version" in target ? target : await this.registry.getVersion(target, options).then((v) => ({ model: v.model, version: v.version }));
    const state = await this.read(endpoint, op, options);
    return this.view(await this.removeVersion(state, served, undefined, op, options));
  }

  /**
   * Takes a version's traffic away (to `restore`, by deployment name, when it fits the deployments left: it sums to 0
   * or 100 over them; else to the others in proportion), then deletes its deployment, and tells subscribers.
   */
  async removeVersion(
    state: EndpointState,
    served: ServedVersion,
    restore: Record<string, number> | undefined,
    op: string,
    options: LongRunningOptions,
  ): Promise<EndpointState> {
    const deadline = options.deadlineMs === undefined ? undefined : Date.now() + options.deadlineMs;
    const deployment = this.deploymentOf(state, served, op);
    const current = trafficOf(state);
    const left = new Map(state.deployments.filter((d) => d !== deployment).map((d) => [d.name.toLowerCase(), d.name]));
    const kept = Object.fromEntries(
      Object.entries(restore ?? {})
        .filter(([k]) => left.has(k.toLowerCase()))
        .map(([k, v]) => [left.get(k.toLowerCase()) as string, v]),
    );
    const fits = restore !== undefined && [0, 100].includes(sumOf(kept));
    const split = fits ? Object.fromEntries([...left.values()].map((n) => [n, kept[n] ?? 0])) : splitWithout(current, deployment.name);
    let now = state;
    const changes = [...left.values()].some((n) => (split[n] ?? 0) !== current[n]) || (current[deployment.name] ?? 0) > 0;
    if (changes || (mirrorOf(state)[deployment.name] ?? 0) > 0) {
      this.remember(state, current);
      now = await this.putTraffic(state, split, op, options, deadline, new Set(left.keys()));
    }
    const res = await this.transport.send({
      operation: op,
      method: "DELETE",
      path: this.#deploymentPath(state.endpoint.name, deployment.name),
      acceptStatus: [404],
      options,
    });
    if (res.status !== 404) await this.wait(res, op, options, deadline);
    await this.emit([{ type: "version.updated", model: served.model, version: served.version, details: { undeployedFrom: this.view(now).name } }], options);
    return this.read(state.endpoint.name, op, options);
  }

  /** The one deployment of `served` on the endpoint, or NotFoundError. */
  deploymentOf(state: EndpointState, served: ServedVersion, op: string): ArmOnlineDeployment {
    const found = state.deployments.filter((d) => this.sameVersion(d, served));
    const names = this.deploymentNames(served);
    const one = found.length === 1 ? found[0] : found.find((d) => names.includes(d.name.toLowerCase()));
    if (one) return one;
    if (found.length === 0)
      throw new NotFoundError(`${served.model}/${served.version} is not deployed to ${state.endpoint.name}`, { provider: PROVIDER, operation: op });
    throw new ConflictError(
      `${served.model}/${served.version} is deployed to ${state.endpoint.name} several times (${found.map((d) => d.name).join(", ")}); set their traffic by deployment name`,
      { provider: PROVIDER, operation: op },
    );
  }

  /** Sets the split, keyed by version, `model/version` or deployment name (azureml-traffic.ts, {@link setSplit}). */
  setTrafficSplit(endpointRef: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint> {
    return setSplit(this, endpointRef, split, options);
  }

  /** Sets the split (by deployment name), remembering the one it replaces, and tells subscribers of each share that moved. */
  moveTraffic(state: EndpointState, byName: Record<string, number>, op: string, options: CallOptions | undefined): Promise<EndpointState> {
    return moveSplit(this, state, byName, op, options);
  }

  /** Restores the split before this client's last change to the endpoint ({@link rollbackSplit}). */
  rollbackTraffic(endpointRef: string, options?: CallOptions): Promise<Endpoint> {
    return rollbackSplit(this, endpointRef, options);
  }

  /** Sends a traffic split (by deployment name) as a PUT of the whole endpoint, waits for it, and reads the endpoint. */
  async putTraffic(
    state: EndpointState,
    split: Record<string, number>,
    op: string,
    options: CallOptions | undefined,
    deadline: number | undefined,
    keep: ReadonlySet<string> = new Set(state.deployments.map((d) => d.name.toLowerCase())),
  ): Promise<EndpointState> {
    const res = await this.transport.send({
      operation: op,
      method: "PUT",
      path: this.#endpointPath(state.endpoint.name),
      body: trafficPutBody(state, split, keep),
      options,
    });
    await this.wait(res, op, options, deadline);
    return this.read(state.endpoint.name, op, options);
  }

  /** Deletes an endpoint (and with it its deployments), waiting for Azure. */
  async deleteEndpoint(name: string, op: string, options: CallOptions | undefined): Promise<void> {
    const res = await this.transport.send({ operation: op, method: "DELETE", path: this.#endpointPath(name), acceptStatus: [404], options });
    if (res.status !== 404) await this.wait(res, op, options, undefined);
  }

  /** Takes the split before this client's last change to the endpoint off its history, or `undefined`. */
  popHistory(state: EndpointState): Record<string, number> | undefined {
    return this.#history.get(historyKey(state))?.pop();
  }

  /** Keeps the split a change replaces, for rollbackTraffic; a short history per endpoint, as long as this client lives. */
  remember(state: EndpointState, split: Record<string, number>): void {
    const key = historyKey(state);
    const list = this.#history.get(key) ?? [];
    list.push({ ...split });
    if (list.length > 20) list.shift();
    this.#history.set(key, list);
  }

  /**
   * The names a version's deployment may have: its own, or, when a deployment of another model (another registry's
   * version of the same name and number) has that one, a name with a digest of the version's full model id.
   */
  deploymentNames(served: ServedVersion): [string, string] {
    return [deploymentName(served.model, served.version), deploymentName(served.model, served.version, this.target.modelId(served.model, served.version))];
  }

  /** Whether a deployment serves this registry's version (its `model` is the version's full id, without regard to case). */
  sameVersion(d: ArmOnlineDeployment, served: ServedVersion): boolean {
    return servesVersion(d.properties.model, served.model, served.version, this.target);
  }

  /** The spec's view of an endpoint. */
  view(state: EndpointState): Endpoint {
    return toEndpoint(state, this.target);
  }

  /** An endpoint and its deployments, or NotFoundError. */
  async read(name: string, op: string, options: CallOptions | undefined): Promise<EndpointState> {
    const state = await this.find(name, op, options);
    if (!state) throw new NotFoundError(`no online endpoint is named ${name}`, { provider: PROVIDER, operation: op });
    return state;
  }

  /** An endpoint and its deployments, or `undefined` when there is no such endpoint. */
  async find(name: string, op: string, options: CallOptions | undefined): Promise<EndpointState | undefined> {
    const [res, deployments] = await Promise.all([
      this.transport.send({ operation: op, path: this.#endpointPath(name), acceptStatus: [404], options }),
      this.#deployments(name, op, options),
    ]);
    if (res.status === 404 || deployments === undefined) return undefined;
    const endpoint = parseWithSchema(onlineEndpointSchema(), res.data, { provider: PROVIDER, operation: op });
    return { endpoint, deployments };
  }

  /** Every deployment of an endpoint (all pages), or `undefined` when there is no such endpoint. */
  async #deployments(endpoint: string, op: string, options: CallOptions | undefined): Promise<ArmOnlineDeployment[] | undefined> {
    const first = await this.transport.send({ operation: op, path: `${this.#endpointPath(endpoint)}/deployments`, acceptStatus: [404], options });
    if (first.status === 404) return undefined;
    let page = parseWithSchema(deploymentPageSchema(), first.data, { provider: PROVIDER, operation: op });
    const all = [...page.value];
    for (let n = 1; page.nextLink; n++) {
      if (n >= PAGE_LIMIT)
        throw new ResponseValidationError(`an endpoint listed more than ${PAGE_LIMIT} pages of deployments`, { provider: PROVIDER, operation: op });
      page = (
        await this.transport.http.request({ operation: op, path: this.#nextPath(page.nextLink, op, "nextLink"), schema: deploymentPageSchema, ...options })
      ).data;
      all.push(...page.value);
    }
    return all;
  }

  /** A next-page link on Resource Manager's host as a path; the token goes nowhere else. */
  #nextPath(link: string, op: string, field: string): string {
    let path: string | undefined;
    try {
      path = this.transport.armPath(link);
    } catch {
      path = undefined;
    }
    if (path === undefined)
      throw new InvalidInputError(`${field} is not a page link of this registry's Resource Manager host`, { provider: PROVIDER, operation: op, field });
    return path;
  }

  /** Creates an endpoint (key auth, no traffic) and waits for it. */
  async create(name: string, op: string, options: CallOptions, deadline: number | undefined): Promise<EndpointState> {
    const location = await this.location(op, options);
    const res = await this.transport.send({
      operation: op,
      method: "PUT",
      path: this.#endpointPath(name),
      body: { location, tags: {}, properties: { authMode: "Key", traffic: {} } },
      options,
    });
    await this.wait(res, op, options, deadline);
    return this.read(name, op, options);
  }

  /** The region of new endpoints: the settings' `location`, else the workspace's (read once). */
  location(op: string, options: CallOptions | undefined): Promise<string> {
    if (this.target.location !== undefined) return Promise.resolve(this.target.location);
    this.#location ??= this.transport.send({ operation: op, path: this.target.workspaceId, schema: workspaceLocationSchema, options }).then(
      (res) => res.data.location,
      (error: unknown) => {
        this.#location = undefined;
        if (!NotFoundError.isInstance(error)) throw error;
        throw new NotFoundError("could not read the workspace's region for a new endpoint; set location in the registry settings", {
          provider: PROVIDER,
          operation: op,
          cause: error,
        });
      },
    );
    return this.#location;
  }

  /** Waits for a long-running operation, giving up at `deadline` (epoch ms) when there is one. */
  async wait(res: HttpResponse<unknown>, op: string, options: CallOptions | undefined, deadline: number | undefined): Promise<void> {
    if (deadline === undefined) return this.transport.waitFor(res, op, options);
    const left = deadline - Date.now();
    const timeout = () => new TimeoutError("an Azure operation was not done within deadlineMs; it continues in Azure", { provider: PROVIDER, operation: op });
    if (left <= 0) throw timeout();
    const timer = AbortSignal.timeout(left);
    const signal = options?.signal ? AbortSignal.any([options.signal, timer]) : timer;
    try {
      await this.transport.waitFor(res, op, { ...options, signal });
    } catch (error) {
      if (timer.aborted && !options?.signal?.aborted) throw timeout();
      throw error;
    }
  }
}

function historyKey(state: EndpointState): string {
  return state.endpoint.name.toLowerCase();
}

/** `deadlineMs`, checked. */
function deadlineOf(options: { deadlineMs?: number } | undefined, op: string): number | undefined {
  const deadline = options?.deadlineMs;
  if (deadline !== undefined && !(typeof deadline === "number" && deadline > 0 && Number.isFinite(deadline)))
    throw invalidInput(op, "deadlineMs", "deadlineMs must be a positive number of milliseconds", PROVIDER);
  return deadline;
}
