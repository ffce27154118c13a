/**
 * What `registry.endpoints` does on SageMaker. A version is deployed as a SageMaker model made from its package
 * (`CreateModel` with `ModelPackageName`), served by one production variant; every change of the variant set moves the
 * endpoint to a new endpoint config (`CreateEndpoint`, then `UpdateEndpoint`), and weights change in place
 * (`UpdateEndpointWeightsAndCapacities`). {@link SageMakerEndpoints} (sagemaker-endpoints.ts) imports this module on
 * its first call and documents the methods.
 *
 * @module
 */

import type { DeployOptions, Endpoint, LongRunningOptions, OperationHandle, TrafficSplit } from "../../core/endpoints.js";
import { ConflictError, InvalidInputError, NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { CallOptions, ListOptions } from "../../core/options.js";
import type { Page } from "../../core/pagination.js";
import type { VersionRefInput } from "../../core/refs.js";
import { type SageMakerCanaryOptions, type SageMakerCanaryResult, canaryRollout } from "./sagemaker-canary.js";
import {
  ENDPOINT_ARN,
  ENTITY_NAME,
  type ProductionVariant,
  type ServedVersion,
  deploymentName,
  listEndpointsSchema,
  makeRoom,
  percents,
  splitKey,
  splitWithout,
} from "./sagemaker-endpoint-api.js";
import { EndpointMoves, type EndpointState, type Move } from "./sagemaker-endpoint-moves.js";
import type { SageMakerEndpointSettings, SageMakerRegistryView } from "./sagemaker-endpoints.js";
import { PROVIDER, type SageMakerTransport } from "./sagemaker-transport.js";

/** Instance types: `ml.<family>.<size>` (`ml.m5.large`, `ml.p6-b200.48xlarge`); SageMaker checks the list itself. */
const INSTANCE_TYPE = /^ml\.[a-z0-9-]+\.[a-z0-9]+$/;

/** `RoleArn` (botocore). */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

/** A version's package, as the registry resolves it. */
export type ResolvedPackage = Awaited<ReturnType<SageMakerRegistryView["packageOf"]>>;

/** Deploy and traffic split on SageMaker endpoints: the methods of {@link SageMakerEndpoints}, which documents them. */
export class EndpointOperations {
  readonly #history = new Map<string, Array<Record<string, number>>>();
  /** The requests that read, wait for and move endpoints. */
  readonly moves: EndpointMoves;

  /**
   * @param transport - The SageMaker transport.
   * @param registry - Resolves versions to packages.
   * @param emit - Tells the registry's subscribers.
   * @param settings - Role, instance defaults and polling.
   */
  constructor(
    transport: SageMakerTransport,
    readonly registry: SageMakerRegistryView,
    readonly emit: (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<RegistryEvent[]>,
    readonly settings: SageMakerEndpointSettings,
  ) {
    this.moves = new EndpointMoves(transport, settings);
  }

  /** The endpoint with this name; SageMaker has no empty endpoints, so a missing one is an UnsupportedCapabilityError. */
  async ensureEndpoint(name: string, options: LongRunningOptions = {}): Promise<Endpoint> {
    const op = "ensureEndpoint";
    const endpoint = this.endpointName(name, op);
    try {
      return (await this.moves.state(endpoint, op, options)).view;
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
      throw new UnsupportedCapabilityError(
        `no endpoint is named ${endpoint}, and SageMaker has no empty endpoints (an endpoint config needs a production variant): deploy a version to ${endpoint} to create it`,
        { provider: PROVIDER, operation: op, capability: "serverFeature", cause: error },
      );
    }
  }

  /** Reads an endpoint by name or ARN. */
  async getEndpoint(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    const op = "getEndpoint";
    return (await this.moves.state(this.endpointName(endpoint, op), op, options)).view;
  }

  /** One page of `listEndpoints`, newest first, each endpoint read whole. */
  async listEndpointsPage(options: ListOptions, token: string | undefined, signal: AbortSignal | undefined): Promise<Page<Endpoint>> {
    const op = "listEndpoints";
    const size = options.pageSize ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > 100) throw invalidInput(op, "pageSize", "pageSize must be a whole number from 1 to 100", PROVIDER);
    const callOptions = { ...options, ...(signal && { signal }) };
    const res = await this.moves.transport.call({
      operation: op,
      action: "ListEndpoints",
      body: { SortBy: "CreationTime", SortOrder: "Descending", MaxResults: size, ...(token && { NextToken: token }) },
      schema: listEndpointsSchema,
      options: callOptions,
    });
    // ListEndpoints gives names and statuses only; each endpoint's variants take two more reads, four at a time.
    const items: Array<Endpoint | undefined> = new Array(res.Endpoints.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < res.Endpoints.length; i = next++) {
        try {
          items[i] = (await this.moves.state((res.Endpoints[i] as { EndpointName: string }).EndpointName, op, callOptions)).view;
        } catch (error) {
          // Deleted between the list and the read.
          if (!NotFoundError.isInstance(error)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, res.Endpoints.length) }, worker));
    return { items: items.filter((e): e is Endpoint => e !== undefined), ...(res.NextToken && { nextPageToken: res.NextToken }) };
  }

  /** Deploys an `Approved` version as a new variant; `trafficPercent` (default 100) comes from the others in proportion. */
  deploy(ref: VersionRefInput, options: DeployOptions & { wait: false }): Promise<OperationHandle<Endpoint>>;
  deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint>;
  async deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint | OperationHandle<Endpoint>> {
    const op = "deploy";
    const plan = this.checkDeploy(options, op);
    const pkg = await this.approvedPackage(ref, op, options);
    const move = await this.startDeploy(pkg, plan, op, options);
    const finish = async (callOptions?: CallOptions): Promise<Endpoint> => {
      const after = await this.moves.finish(move, op, { ...options, ...callOptions });
      await this.emit(
        [
          {
            type: "version.updated",
            model: pkg.model,
            version: String(pkg.version),
            details: { deployedTo: after.view.name, trafficPercent: after.view.trafficSplit[`${pkg.model}/${pkg.version}`] },
          },
        ],
        options,
      );
      return after.view;
    };
    if (options.wait === false) return { name: move.arn, wait: finish };
    return finish();
  }

  /** Checks deploy options before any request; the endpoint's name, the variant's settings and the traffic share. */
  checkDeploy(options: Omit<DeployOptions, "wait">, op: string): { endpoint: string; percent: number; instanceType: string; instanceCount: number } {
    if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "name the endpoint: { endpoint }", PROVIDER);
    const endpoint = this.endpointName(options.endpoint, op);
    const percent = options.trafficPercent ?? 100;
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw invalidInput(op, "trafficPercent", "trafficPercent must be a whole number from 0 to 100", PROVIDER);
    const instanceCount = options.minReplicas ?? this.settings.initialInstanceCount ?? 1;
    if (!Number.isInteger(instanceCount) || instanceCount < 1)
      throw invalidInput(op, "minReplicas", "minReplicas (the variant's InitialInstanceCount) must be a whole number of at least 1", PROVIDER);
    if (options.maxReplicas !== undefined && options.maxReplicas !== instanceCount)
      throw invalidInput(
        op,
        "maxReplicas",
        "a SageMaker variant has one instance count (minReplicas); scale between bounds with Application Auto Scaling, not deploy",
        PROVIDER,
      );
    const instanceType = options.machineType ?? this.settings.instanceType ?? "ml.m5.large";
    if (typeof instanceType !== "string" || !INSTANCE_TYPE.test(instanceType))
      throw invalidInput(op, "machineType", `${JSON.stringify(instanceType)} is not a SageMaker instance type such as ml.m5.large`, PROVIDER);
    const role = this.settings.executionRoleArn;
    if (role !== undefined && (typeof role !== "string" || role.length > 2048 || !ROLE_ARN.test(role)))
      throw invalidInput(op, "executionRoleArn", "executionRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)", PROVIDER);
    if (options.deadlineMs !== undefined && !(typeof options.deadlineMs === "number" && options.deadlineMs > 0))
      throw invalidInput(op, "deadlineMs", "deadlineMs must be a positive number of milliseconds", PROVIDER);
    return { endpoint, percent, instanceType, instanceCount };
  }

  /** Resolves a reference to its package, refusing one that is not `Approved`: SageMaker deploys only those. */
  async approvedPackage(ref: VersionRefInput, op: string, options: CallOptions | undefined): Promise<ResolvedPackage> {
    const pkg = await this.registry.packageOf(ref, options);
    if (pkg.approvalStatus !== "Approved") {
      // Approving is a decision with its own audit trail; deploy does not make it (reference §0.6).
      throw new ConflictError(
        `${pkg.model}/${pkg.version} is ${pkg.approvalStatus ?? "without an approval status"}, and SageMaker deploys only Approved model packages: approve it (ModelApprovalStatus Approved) first`,
        { provider: PROVIDER, operation: op, providerCode: "ModelPackageNotApproved" },
      );
    }
    return pkg;
  }

  /** Makes the version's model and starts moving (or creating) the endpoint onto a config that adds its variant. */
  async startDeploy(pkg: ResolvedPackage, plan: ReturnType<EndpointOperations["checkDeploy"]>, op: string, options: CallOptions): Promise<Move> {
    const served = { model: pkg.model, version: String(pkg.version) };
    const current = await this.moves.state(plan.endpoint, op, options).catch((error: unknown) => {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    });
    if (current) {
      this.moves.requireInService(current, op);
      if (current.variants.some((v) => sameVersion(v.served, served)))
        throw new ConflictError(`${served.model}/${served.version} is already deployed to ${plan.endpoint}; use setTrafficSplit to change its traffic`, {
          provider: PROVIDER,
          operation: op,
        });
    }
    const modelName = deploymentName(served.model, served.version);
    await this.moves.ensureModel(modelName, pkg.arn, op, options);
    const taken = new Set(current?.variants.map((v) => v.name));
    let variantName = modelName;
    // A blue/green canary keeps a variant's name while its model changes, so a version's name may be taken.
    for (let n = 2; taken.has(variantName); n++) variantName = `${modelName.slice(0, 60 - String(n).length)}-${n}`;
    const others = current ? percents(current.variants.map((v) => [v.name, v.weight])) : {};
    // With nothing else serving, the new variant takes all traffic: SageMaker needs some weight to route requests.
    const serving = Object.values(others).some((v) => v > 0);
    const weights = serving ? { ...makeRoom(others, plan.percent), [variantName]: plan.percent } : { ...makeRoom(others, 100), [variantName]: 100 };
    const added: ProductionVariant = {
      VariantName: variantName,
      ModelName: modelName,
      InstanceType: plan.instanceType,
      InitialInstanceCount: plan.instanceCount,
      InitialVariantWeight: weights[variantName] as number,
    };
    if (current) this.#remember(plan.endpoint, weightsOf(current));
    const variants = [...(current ? this.moves.keptVariants(current, op) : []), added];
    return this.moves.start(plan.endpoint, current, withWeights(variants, weights), knownVersions(current, modelName, served), op, options);
  }

  /** Removes a version's variant; its traffic goes to the others in proportion. */
  async undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }): Promise<Endpoint> {
    const op = "undeploy";
    const endpoint = this.endpointName(options?.endpoint, op);
    const pkg = await this.registry.packageOf(ref, options);
    const state = await this.moves.state(endpoint, op, options);
    return (await this.removeVersion(state, { model: pkg.model, version: String(pkg.version) }, undefined, op, options)).view;
  }

  /**
   * Moves the endpoint to a config without the version's variant. `restore` (weights by variant name) is used when it
   * gives the variants left some traffic; otherwise the leaving variant's share goes to the others in proportion.
   */
  async removeVersion(
    state: EndpointState,
    served: ServedVersion,
    restore: Record<string, number> | undefined,
    op: string,
    options: LongRunningOptions,
  ): Promise<EndpointState> {
    this.moves.requireInService(state, op);
    const name = state.endpoint.EndpointName;
    const target = state.variants.find((v) => sameVersion(v.served, served));
    if (!target) throw new NotFoundError(`${served.model}/${served.version} is not deployed to ${name}`, { provider: PROVIDER, operation: op });
    if (state.variants.length === 1)
      throw new ConflictError(
        `${served.model}/${served.version} is the last variant of ${name}, and a SageMaker endpoint needs one: delete the endpoint instead`,
        {
          provider: PROVIDER,
          operation: op,
        },
      );
    const current = weightsOf(state);
    const kept = Object.fromEntries(Object.entries(restore ?? {}).filter(([variant]) => variant !== target.name && variant in current));
    const weights = Object.values(kept).some((v) => v > 0) ? kept : splitWithout(percents(Object.entries(current)), target.name);
    this.#remember(name, current);
    const variants = this.moves.keptVariants(state, op).filter((v) => v.VariantName !== target.name);
    const move = await this.moves.start(name, state, withWeights(variants, weights), knownVersions(state), op, options);
    return this.moves.finish(move, op, options);
  }

  /** Sets the variants' weights in place; variants not named get 0. */
  async setTrafficSplit(endpointRef: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint> {
    const op = "setTrafficSplit";
    if (typeof split !== "object" || split === null || Array.isArray(split)) throw invalidInput(op, "split", "split maps versions to percents", PROVIDER);
    const entries = Object.entries(split);
    for (const [key, percent] of entries) {
      if (typeof percent !== "number" || !Number.isFinite(percent) || percent < 0 || percent > 100)
        throw invalidInput(op, `split.${key}`, `traffic for ${key} must be a percent from 0 to 100`, PROVIDER);
    }
    const total = entries.reduce((n, [, v]) => n + v, 0);
    if (Math.abs(total - 100) > 1e-9) throw invalidInput(op, "split", `a traffic split must sum to 100, this one sums to ${total}`, PROVIDER);
    const name = this.endpointName(endpointRef, op);
    const state = await this.moves.state(name, op, options);
    this.moves.requireInService(state, op);
    const weights: Record<string, number> = Object.fromEntries(state.variants.map((v) => [v.name, 0]));
    const named = new Set<string>();
    for (const [key, percent] of entries) {
      const matches = state.variants.filter((v) => key === v.name || key === splitKey(v) || key === v.served?.version);
      const match = matches[0];
      if (matches.length !== 1 || !match) {
        const deployed = state.variants.map(splitKey).join(", ") || "nothing";
        throw new ConflictError(`${key} ${matches.length === 0 ? "is not deployed to" : "is ambiguous on"} ${name}; deployed: ${deployed}`, {
          provider: PROVIDER,
          operation: op,
        });
      }
      if (named.has(match.name)) throw invalidInput(op, `split.${key}`, `${key} names variant ${match.name} a second time`, PROVIDER);
      named.add(match.name);
      weights[match.name] = percent;
    }
    this.#remember(name, weightsOf(state));
    return (await this.moves.setWeights(state, weights, op, options)).view;
  }

  /** Restores the weights before the last change this client made to the endpoint. */
  async rollbackTraffic(endpointRef: string, options?: CallOptions): Promise<Endpoint> {
    const op = "rollbackTraffic";
    const name = this.endpointName(endpointRef, op);
    const state = await this.moves.state(name, op, options);
    const previous = this.#history.get(name)?.pop();
    if (!previous) throw new NotFoundError(`no earlier traffic split of ${name} is known to this client`, { provider: PROVIDER, operation: op });
    const weights = Object.fromEntries(state.variants.map((v) => [v.name, previous[v.name] ?? 0]));
    if (!Object.values(weights).some((v) => v > 0))
      throw new ConflictError(`the earlier split of ${name} gave traffic only to variants that are gone`, { provider: PROVIDER, operation: op });
    this.moves.requireInService(state, op);
    return (await this.moves.setWeights(state, weights, op, options)).view;
  }

  /** A canary rollout: modelreg's steps, or SageMaker's blue/green canary (sagemaker-canary.ts). */
  async canaryRollout(ref: VersionRefInput, options: SageMakerCanaryOptions): Promise<SageMakerCanaryResult> {
    return canaryRollout(this, ref, options);
  }

  /** An endpoint's name from its name or ARN, checked against SageMaker's pattern before any request. */
  endpointName(endpoint: unknown, op: string): string {
    const name = typeof endpoint === "string" ? (ENDPOINT_ARN.exec(endpoint)?.[1] ?? endpoint) : undefined;
    if (name === undefined || !ENTITY_NAME.test(name))
      throw new InvalidInputError(
        `${JSON.stringify(endpoint) ?? String(endpoint)} is not a SageMaker endpoint name (1-63 letters, digits and hyphens, starting and ending with a letter or digit) or ARN`,
        { provider: PROVIDER, operation: op, field: "endpoint" },
      );
    return name;
  }

  #remember(name: string, weights: Record<string, number>): void {
    const list = this.#history.get(name) ?? [];
    list.push({ ...weights });
    // A short history per endpoint is enough to step back; it lives as long as this client.
    if (list.length > 20) list.shift();
    this.#history.set(name, list);
  }
}

/** Whether a variant serves this version. */
export const sameVersion = (a: ServedVersion | undefined, b: ServedVersion): boolean => a?.model === b.model && a.version === b.version;

/** An endpoint's weights by variant name. */
export const weightsOf = (state: EndpointState): Record<string, number> => Object.fromEntries(state.variants.map((v) => [v.name, v.weight]));

/** Variants with the weights given by name (0 for the ones not named). */
function withWeights(variants: ProductionVariant[], weights: Record<string, number>): ProductionVariant[] {
  return variants.map((v) => ({ ...v, InitialVariantWeight: weights[v.VariantName] ?? 0 }));
}

/** The versions an endpoint's models serve, by model name, plus one being added: for the config's version tags. */
export function knownVersions(state: EndpointState | undefined, modelName?: string, served?: ServedVersion): Map<string, ServedVersion> {
  const known = new Map<string, ServedVersion>();
  for (const v of state?.variants ?? []) if (v.modelName && v.served) known.set(v.modelName, v.served);
  if (modelName && served) known.set(modelName, served);
  return known;
}
