/**
 * SageMaker endpoints: deploy an approved model package version as a production variant, split traffic between
 * variants, undeploy, and canary rollouts (stepped by modelreg with a health check, or SageMaker's own blue/green canary
 * guarded by CloudWatch alarms). The work is in sagemaker-endpoint-operations.ts, imported by the first call: a client
 * that only reads the registry does not load it.
 *
 * @module
 */

import type { DeployOptions, Endpoint, EndpointsApi, LongRunningOptions, OperationHandle, TrafficSplit } from "../../core/endpoints.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { CallOptions, ListOptions } from "../../core/options.js";
import { paginate, type PageIterable } from "../../core/pagination.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import type { SageMakerCanaryOptions, SageMakerCanaryResult } from "./sagemaker-canary.js";
import type { EndpointOperations } from "./sagemaker-endpoint-operations.js";
import { PROVIDER, type SageMakerTransport } from "./sagemaker-transport.js";

export type { SageMakerBlueGreenCanary, SageMakerCanaryOptions, SageMakerCanaryResult, SageMakerCanaryStep } from "./sagemaker-canary.js";

/** What the endpoints need from the SageMaker registry. */
export interface SageMakerRegistryView {
  /** Reads a version. */
  getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion>;
  /** Resolves a reference to its model package: the version's number, its ARN and its `ModelApprovalStatus`. */
  packageOf(ref: VersionRefInput, options?: CallOptions): Promise<{ model: string; version: number; arn: string; approvalStatus: string | undefined }>;
}

/** The registry settings the endpoints use. */
export interface SageMakerEndpointSettings {
  /** The IAM role SageMaker models run as (`CreateModel` `ExecutionRoleArn`): it reads the artifacts and the image. */
  executionRoleArn?: string;
  /** The instance type when `deploy` names no `machineType`. Default `ml.m5.large`. */
  instanceType?: string;
  /** The instance count when `deploy` names no `minReplicas`. Default 1. */
  initialInstanceCount?: number;
  /** The first wait between polls of an endpoint's status; it grows to 30 s. Default 5000. */
  pollIntervalMs?: number;
  /** How long to wait for an endpoint to be `InService`. Default one hour, as AWS's `EndpointInService` waiter. */
  operationDeadlineMs?: number;
}

/** Deploy and traffic split on SageMaker endpoints. */
export class SageMakerEndpoints implements EndpointsApi {
  #operations: Promise<EndpointOperations> | undefined;

  /**
   * Made by the SageMaker registry; reach it as `registry.endpoints`.
   *
   * @param transport - The SageMaker transport.
   * @param registry - Resolves versions to their packages.
   * @param emit - Tells the registry's subscribers.
   * @param settings - Role, instance defaults and polling.
   * @internal
   */
  constructor(
    private readonly transport: SageMakerTransport,
    private readonly registry: SageMakerRegistryView,
    private readonly emit: (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<RegistryEvent[]>,
    private readonly settings: SageMakerEndpointSettings = {},
  ) {}

  /** The operations, imported and made once (again after a failed import); they keep the traffic history. */
  #load(): Promise<EndpointOperations> {
    this.#operations ??= import("./sagemaker-endpoint-operations.js").then(
      (module) => new module.EndpointOperations(this.transport, this.registry, this.emit, this.settings),
      (error: unknown) => {
        this.#operations = undefined;
        throw error;
      },
    );
    return this.#operations;
  }

  /**
   * Returns the endpoint with this name. SageMaker has no empty endpoints (an endpoint config needs a production
   * variant), so a missing one is not created here: `deploy` creates it with its first version.
   *
   * @throws UnsupportedCapabilityError when no endpoint has this name.
   */
  async ensureEndpoint(name: string, options: LongRunningOptions = {}): Promise<Endpoint> {
    return (await this.#load()).ensureEndpoint(name, options);
  }

  /**
   * Reads an endpoint by name or ARN: one deployed model per production variant, and traffic as each variant's weight
   * over the sum of weights, keyed `model/version`.
   *
   * @throws NotFoundError when no endpoint has this name.
   */
  async getEndpoint(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load()).getEndpoint(endpoint, options);
  }

  /** Lists the region's endpoints, newest first. */
  listEndpoints(options: ListOptions = {}): PageIterable<Endpoint> {
    return paginate<Endpoint>(async (token, signal) => (await this.#load()).listEndpointsPage(options, token, signal), {
      signal: options.signal,
      pageToken: options.pageToken,
      provider: PROVIDER,
      operation: "listEndpoints",
    });
  }

  /**
   * Deploys an `Approved` version as a new production variant (`<model>-v<version>`), creating the endpoint when there
   * is none. `trafficPercent` (default 100) is taken from the other variants in proportion. The endpoint moves to a
   * new endpoint config; the one it leaves is deleted once it is `InService`, if modelreg made it.
   *
   * @throws ConflictError when the version is not `Approved`, is already deployed there, or the endpoint is not
   * `InService`; ServerError when the endpoint fails.
   */
  deploy(ref: VersionRefInput, options: DeployOptions & { wait: false }): Promise<OperationHandle<Endpoint>>;
  deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint>;
  async deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint | OperationHandle<Endpoint>> {
    return (await this.#load()).deploy(ref, options);
  }

  /**
   * Removes a version's variant; its traffic goes to the others in proportion, or in equal shares when they all had
   * none. An endpoint keeps at least one variant: remove the last by deleting the endpoint.
   *
   * @throws NotFoundError when the version is not deployed there; ConflictError for the last variant.
   */
  async undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }): Promise<Endpoint> {
    return (await this.#load()).undeploy(ref, options);
  }

  /**
   * Sets the variants' weights in place (`UpdateEndpointWeightsAndCapacities`), keyed by version (`"3"`), `"model/3"`
   * or variant name; variants left out get 0. The percents must sum to 100 and name only deployed versions. The split
   * it replaces is remembered for {@link SageMakerEndpoints.rollbackTraffic}.
   */
  async setTrafficSplit(endpoint: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load()).setTrafficSplit(endpoint, split, options);
  }

  /** Restores the weights before the last change this client made to the endpoint. */
  async rollbackTraffic(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load()).rollbackTraffic(endpoint, options);
  }

  /**
   * Rolls a version out as a canary. By default modelreg steps it: deploys it beside what is serving at the first step,
   * raises its share through `steps`, calls `check` after each, and on a failed check restores the split from before
   * and removes it (deleting the endpoint when the rollout created it). With `blueGreen`, SageMaker does the canary
   * instead: the version replaces one variant's model through a blue/green update that CloudWatch alarms roll back.
   */
  async canaryRollout(ref: VersionRefInput, options: SageMakerCanaryOptions): Promise<SageMakerCanaryResult> {
    return (await this.#load()).canaryRollout(ref, options);
  }
}
