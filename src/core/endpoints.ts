/**
 * Serving endpoints: an optional capability (`capabilities.deploy`) that only providers with endpoints implement.
 *
 * @module
 */

import type { CallOptions, ListOptions } from "./options.js";
import type { PageIterable } from "./pagination.js";
import type { VersionRefInput } from "./refs.js";

/** A serving endpoint. */
export interface Endpoint {
  /** The endpoint's id (Vertex: the numeric id). */
  id: string;
  /** The full resource name. */
  name: string;
  /** The display name. */
  displayName: string;
  /** The models deployed to it. */
  deployedModels: DeployedModel[];
  /** Version key (`model/version`) to percent of traffic. */
  trafficSplit: Record<string, number>;
  /** The provider's own record. */
  raw?: unknown;
}

/** A model version deployed to an endpoint. */
export interface DeployedModel {
  /** The provider's id for this deployment. */
  id: string;
  /** The model. */
  model: string;
  /** The version. */
  version: string;
  /** The machine type serving it. */
  machineType?: string;
  /** Replica bounds. */
  minReplicas?: number;
  /** Replica bounds. */
  maxReplicas?: number;
}

/** A handle to a long-running operation, returned when `wait: false`. */
export interface OperationHandle<T> {
  /** The provider's operation name. */
  name: string;
  /** Waits for the operation to finish and returns its result. */
  wait(options?: CallOptions): Promise<T>;
}

/** Options for operations that may be long-running. */
export interface LongRunningOptions extends CallOptions {
  /** Wait for the operation to finish (default). With `false`, return an {@link OperationHandle} at once. */
  wait?: boolean;
  /** Give up waiting after this many milliseconds. */
  deadlineMs?: number;
}

/** What `deploy` takes. */
export interface DeployOptions extends LongRunningOptions {
  /** The endpoint's id, or a display name to create or reuse. */
  endpoint: string;
  /** The machine type, for example `n1-standard-4`. */
  machineType?: string;
  /** The minimum number of replicas. Default 1. */
  minReplicas?: number;
  /** The maximum number of replicas. Default `minReplicas`. */
  maxReplicas?: number;
  /** The percent of the endpoint's traffic this version takes; the others are scaled down to fit. Default 100. */
  trafficPercent?: number;
  /**
   * Settings only one provider understands, under its name, e.g. `{ azureml: { environment: "azureml:sklearn-env:3" } }`.
   * Other providers' keys are ignored, as with `createVersion`'s `providerOptions`.
   */
  providerOptions?: Record<string, Record<string, unknown>>;
}

/** Traffic split: version (`"3"`, or `"model/3"` when an endpoint serves several models) to percent; sums to 100. */
export type TrafficSplit = Record<string, number>;

/** Deploy, undeploy and traffic split. Present on a registry as `registry.endpoints` when `capabilities.deploy`. */
export interface EndpointsApi {
  /** Creates an endpoint, or returns the one with this display name. */
  ensureEndpoint(displayName: string, options?: LongRunningOptions): Promise<Endpoint>;
  /** Reads an endpoint. */
  getEndpoint(endpoint: string, options?: CallOptions): Promise<Endpoint>;
  /** Lists endpoints. */
  listEndpoints(options?: ListOptions): PageIterable<Endpoint>;
  /** Deploys a version to an endpoint. */
  deploy(ref: VersionRefInput, options: DeployOptions & { wait: false }): Promise<OperationHandle<Endpoint>>;
  /** Deploys a version to an endpoint and waits. */
  deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint>;
  /** Removes a version from an endpoint; its traffic goes to the others in proportion. */
  undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }): Promise<Endpoint>;
  /** Sets the traffic split. It must sum to 100 and name only deployed versions. */
  setTrafficSplit(endpoint: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint>;
}
