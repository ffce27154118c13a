/**
 * Vertex endpoints: create or reuse, deploy, undeploy, traffic split, and a canary rollout that steps traffic and
 * rolls back when a health check fails. The work is in vertex-endpoint-operations.ts, imported by the first call:
 * a client that only reads the registry does not load it (about 3 KiB gzipped of a serverless handler).
 *
 * @module
 */

import type { DeployOptions, Endpoint, EndpointsApi, LongRunningOptions, OperationHandle, TrafficSplit } from "../../core/endpoints.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { CallOptions, ListOptions } from "../../core/options.js";
import { paginate, type PageIterable } from "../../core/pagination.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { CanaryOptions, CanaryResult } from "./vertex-canary.js";
import type { EndpointOperations, RegistryView } from "./vertex-endpoint-operations.js";
import { PROVIDER, type VertexTransport } from "./vertex-transport.js";

/** Deploy and traffic split on Vertex endpoints. */
export class VertexEndpoints implements EndpointsApi {
  #operations: Promise<EndpointOperations> | undefined;

  /**
   * Made by the Vertex registry; reach it as `registry.endpoints`.
   *
   * @param transport - The Vertex transport.
   * @param registry - Resolves versions.
   * @param emit - Tells the registry's subscribers.
   * @internal
   */
  constructor(
    private readonly transport: VertexTransport,
    private readonly registry: RegistryView,
    private readonly emit: (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<RegistryEvent[]>,
  ) {}

  /** The operations, imported and made once (again after a failed import); they keep the traffic history. */
  #load(): Promise<EndpointOperations> {
    this.#operations ??= import("./vertex-endpoint-operations.js").then(
      (module) => new module.EndpointOperations(this.transport, this.registry, this.emit),
      (error: unknown) => {
        this.#operations = undefined;
        throw error;
      },
    );
    return this.#operations;
  }

  /**
   * Returns the endpoint with this display name, creating it (a long-running operation) when there is none.
   *
   * @throws ConflictError when several endpoints have this display name.
   */
  async ensureEndpoint(displayName: string, options: LongRunningOptions = {}): Promise<Endpoint> {
    return (await this.#load()).ensureEndpoint(displayName, options);
  }

  /**
   * Reads an endpoint by id, full resource name, or display name. A value that is an endpoint's id is that endpoint,
   * whatever other endpoints are called; otherwise it is a display name, and must name exactly one endpoint.
   *
   * @throws NotFoundError when nothing has this id or display name; ConflictError when several endpoints have this
   * display name.
   */
  async getEndpoint(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load()).getEndpoint(endpoint, options);
  }

  /** Lists endpoints. */
  listEndpoints(options: ListOptions = {}): PageIterable<Endpoint> {
    return paginate<Endpoint>(async (token, signal) => (await this.#load()).listEndpointsPage(options, token, signal), {
      signal: options.signal,
      pageToken: options.pageToken,
      provider: PROVIDER,
      operation: "listEndpoints",
    });
  }

  /** Deploys a version. `trafficPercent` (default 100) is taken from the others in proportion. */
  deploy(ref: VersionRefInput, options: DeployOptions & { wait: false }): Promise<OperationHandle<Endpoint>>;
  deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint>;
  async deploy(ref: VersionRefInput, options: DeployOptions): Promise<Endpoint | OperationHandle<Endpoint>> {
    return (await this.#load()).deploy(ref, options);
  }

  /**
   * Undeploys a version; its traffic goes to the other deployed versions in proportion (as python-aiplatform does),
   * or in equal shares when they all had none (where python-aiplatform refuses), so a rollback always completes.
   */
  async undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }): Promise<Endpoint> {
    return (await this.#load()).undeploy(ref, options);
  }

  /**
   * Sets the traffic split, keyed by version (`"3"`) or `"model/3"`. It must sum to 100, use whole percents, and name
   * only deployed versions. The split it replaces is remembered for {@link VertexEndpoints.rollbackTraffic}.
   */
  async setTrafficSplit(endpointRef: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load()).setTrafficSplit(endpointRef, split, options);
  }

  /** Restores the split in place before the last change this client made to the endpoint. */
  async rollbackTraffic(endpointRef: string, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load()).rollbackTraffic(endpointRef, options);
  }

  /**
   * Rolls a version out in steps: deploys it at the first step beside what is serving, then raises its share through
   * `steps`, calling `check` after each. When a check fails (or throws), traffic goes back to the split from before
   * the rollout and the new deployment is removed.
   */
  async canaryRollout(ref: VersionRefInput, options: CanaryOptions): Promise<CanaryResult> {
    return (await this.#load()).canaryRollout(ref, options);
  }
}
