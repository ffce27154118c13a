/**
 * Azure ML managed online endpoints: create or reuse, deploy a version as a managed online deployment, undeploy, the
 * endpoint's `traffic` map as the split, and a canary rollout that steps traffic and rolls back when a health check
 * fails. The work is in azureml-endpoint-operations.ts, imported by the first call: a client that only reads the
 * registry does not load it.
 *
 * @module
 */

import type { DeployOptions, Endpoint, EndpointsApi, LongRunningOptions, OperationHandle, TrafficSplit } from "../../core/endpoints.js";
import { UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { CallOptions, ListOptions } from "../../core/options.js";
import { paginate, type PageIterable } from "../../core/pagination.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import type { AzureMlCanaryOptions, AzureMlCanaryResult } from "./azureml-canary.js";
import type { EndpointOperations } from "./azureml-endpoint-operations.js";
import { PROVIDER } from "./azureml-names.js";
import type { ArmTransport } from "./azureml-transport.js";

export type { AzureMlCanaryOptions, AzureMlCanaryResult, AzureMlCanaryStep } from "./azureml-canary.js";

/**
 * `providerOptions.azureml` of `deploy` and `canaryRollout`: what the managed deployment runs the model with. Azure
 * serves an MLflow model (`modelType` `mlflow_model`, which modelreg registers when an `MLmodel` file is at the top
 * of the version's files) or a Triton model (`triton_model`) with no environment; any other model (`custom_model`)
 * only with an environment, and usually a scoring script in a code asset. The assets must exist in Azure; modelreg
 * names them, it does not make them (`ml_client.environments.create_or_update`, `az ml environment create`). Checked
 * before any request: a value in no form below, `code` without `scoringScript` (or the other way round), scoring code
 * without an environment, or an unknown key is an `InvalidInputError` naming it (`providerOptions.azureml.<key>`).
 *
 * @example
 * ```ts
 * await azure.endpoints.deploy(v, {
 *   endpoint: "fraud-serving",
 *   providerOptions: { azureml: { environment: "azureml:sklearn-env:3", code: "azureml:fraud-score:1", scoringScript: "score.py" } },
 * });
 * ```
 */
export type AzureMlDeployOptions = {
  /**
   * The environment the deployment runs in (its `environmentId`): `azureml:<name>:<version>`, an environment of the
   * endpoint's workspace, sent as its ARM id as azure-ai-ml sends it (a curated `azureml:AzureML-<name>:<version>` is
   * sent as it is, for Azure to expand); the ARM id of an environment version
   * (`/subscriptions/.../workspaces/<ws>/environments/<name>/versions/<version>`); or
   * `azureml://registries/<registry>/environments/<name>/versions/<version>`.
   */
  environment?: string;
  /**
   * The code asset holding the scoring script (`codeConfiguration.codeId`), in the same forms: `azureml:<name>:<version>`,
   * the ARM id of a code version (`.../workspaces/<ws>/codes/<name>/versions/<version>`), or
   * `azureml://registries/<registry>/codes/<name>/versions/<version>`. Given with `scoringScript` and `environment`.
   */
  code?: string;
  /** The scoring script's path inside `code`, such as `score.py`: relative, without `..`. Given with `code`. */
  scoringScript?: string;
};

/** `deploy`'s options on Azure ML: `providerOptions.azureml` is typed ({@link AzureMlDeployOptions}). */
export interface AzureMlDeployInput extends DeployOptions {
  /** Options by provider; `azureml` is typed here, and other providers' options are ignored. */
  providerOptions?: Record<string, Record<string, unknown>> & {
    /** This adapter's options, checked before any request. */
    azureml?: AzureMlDeployOptions;
  };
}

/** What the endpoints need from the registry. @internal */
export interface AzureMlRegistryView {
  /** Reads a version (resolving aliases). */
  getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion>;
}

/** The workspace whose endpoints these are, and how its deployments name a version. @internal */
export interface AzureMlEndpointTarget {
  /** The workspace's ARM id (`/subscriptions/.../workspaces/{ws}`). */
  workspaceId: string;
  /** The `model` of a deployment of this version: its ARM id, or `azureml://registries/{r}/models/{m}/versions/{v}`. */
  modelId(model: string, version: string): string;
  /** The region of new endpoints (the settings' `location`); the workspace's when absent. */
  location?: string | undefined;
}

/**
 * Deploy and traffic split on Azure ML managed online endpoints (`registry.endpoints`).
 *
 * - An endpoint is named by its name (3-32 letters, digits and `-`, a letter first), which is also its `id` and
 *   `displayName`, or by its ARM id (`name`). New endpoints use key auth and go in the settings' `location`, else the
 *   workspace's region (read once from the workspace).
 * - A version is served by one managed deployment named `{model}-v{version}` (lower case; cut to 32 characters, with a
 *   digest, when it does not fit or when a deployment of another model has that name), with `model` the version's ARM
 *   id (or `azureml://registries/...` id). Deployments are matched to versions by that full id (without regard to
 *   case, as ARM compares ids), so deployments made elsewhere show as the versions they serve, and a deployment of
 *   another workspace's or registry's model of the same name and version is not taken for this registry's.
 * - `trafficSplit` is the endpoint's `traffic` map keyed `model/version` (a deployment of no version of this registry,
 *   or a second one of a version, is keyed by its deployment name, and listed in `deployedModels` with its `model` id
 *   as Azure has it, or its name when it has none, and no version); deployments it leaves out have 0.
 * - Online endpoints have no etag: a traffic change writes the whole endpoint back, so concurrent changes to one
 *   endpoint's traffic from two clients can lose one (the last writer wins).
 */
export class AzureMlEndpoints implements EndpointsApi {
  #operations: Promise<EndpointOperations> | undefined;

  /**
   * Made by the Azure ML registry; reach it as `registry.endpoints`.
   *
   * @param transport - The ARM transport.
   * @param registry - Resolves versions.
   * @param emit - Tells the registry's subscribers.
   * @param target - The workspace; `undefined` for a registry-backed client without one, where every call throws.
   * @internal
   */
  constructor(
    private readonly transport: ArmTransport,
    private readonly registry: AzureMlRegistryView,
    private readonly emit: (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<RegistryEvent[]>,
    private readonly target: AzureMlEndpointTarget | undefined,
  ) {}

  /** The operations, imported and made once (again after a failed import); they keep the traffic history. */
  #load(operation: string): Promise<EndpointOperations> {
    const target = this.target;
    if (target === undefined)
      return Promise.reject(
        new UnsupportedCapabilityError(
          "online endpoints are in a workspace, and this client reads an Azure ML registry: deploy its models with registry.endpointsIn(workspace), or from a client of the workspace",
          { provider: PROVIDER, operation, capability: "deploy" },
        ),
      );
    this.#operations ??= import("./azureml-endpoint-operations.js").then(
      (module) => new module.EndpointOperations(this.transport, this.registry, this.emit, target),
      (error: unknown) => {
        this.#operations = undefined;
        throw error;
      },
    );
    return this.#operations;
  }

  /**
   * Returns the endpoint with this name, creating it (a long-running PUT: key auth, no traffic) when there is none.
   *
   * @throws InvalidInputError for a name Azure refuses, before any request.
   */
  async ensureEndpoint(name: string, options: LongRunningOptions = {}): Promise<Endpoint> {
    return (await this.#load("ensureEndpoint")).ensureEndpoint(name, options);
  }

  /**
   * Reads an endpoint by name or ARM id, with its deployments.
   *
   * @throws NotFoundError when there is no such endpoint.
   */
  async getEndpoint(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load("getEndpoint")).getEndpoint(endpoint, options);
  }

  /** Lists the workspace's online endpoints (`pageSize` 1-100, default 20), each with its deployments. */
  listEndpoints(options: ListOptions = {}): PageIterable<Endpoint> {
    return paginate<Endpoint>(async (token, signal) => (await this.#load("listEndpoints")).listEndpointsPage(options, token, signal), {
      signal: options.signal,
      pageToken: options.pageToken,
      provider: PROVIDER,
      operation: "listEndpoints",
    });
  }

  /**
   * Deploys a version as a new managed deployment (`machineType` the VM size, default `Standard_F4s_v2`; `minReplicas`
   * the instance count, default 1; `maxReplicas`, if given, must equal it: managed deployments scale with Azure
   * Monitor autoscale), creating the endpoint when there is none. `providerOptions.azureml` names the environment and
   * scoring code ({@link AzureMlDeployOptions}); a version that is not an MLflow or Triton model (its `modelType`) is
   * refused without an environment, after the version is read and before anything else is sent, since Azure serves a
   * custom model only with one. Once the deployment is made, it takes `trafficPercent` (default 100) of the
   * endpoint's traffic, taken from the others in proportion; with nothing else serving it takes all of it (or none,
   * with 0). With `wait: false` the handle (named by the deployment's ARM id) returns once Azure has taken the
   * deployment; its traffic is set by `wait()`, since Azure gives traffic only to deployments that are made. A
   * deployment that fails stays in Azure, as Azure leaves it; deploying the version again sends it again.
   *
   * @throws InvalidInputError for bad options, before any request, and for a custom model with no environment;
   * ConflictError when the version is already deployed to the endpoint; the operation's error when Azure fails the
   * deployment.
   */
  deploy(ref: VersionRefInput, options: AzureMlDeployInput & { wait: false }): Promise<OperationHandle<Endpoint>>;
  deploy(ref: VersionRefInput, options: AzureMlDeployInput): Promise<Endpoint>;
  async deploy(ref: VersionRefInput, options: AzureMlDeployInput): Promise<Endpoint | OperationHandle<Endpoint>> {
    return (await this.#load("deploy")).deploy(ref, options);
  }

  /**
   * Removes a version's deployment: its traffic first goes to the other deployments in proportion (or in equal shares
   * when they all had none, so the endpoint keeps serving), since Azure refuses to delete a deployment with traffic;
   * then the deployment is deleted.
   *
   * @throws NotFoundError when the version is not deployed there.
   */
  async undeploy(ref: VersionRefInput, options: LongRunningOptions & { endpoint: string }): Promise<Endpoint> {
    return (await this.#load("undeploy")).undeploy(ref, options);
  }

  /**
   * Sets the endpoint's traffic (a PUT of the whole endpoint), keyed by version (`"3"`), `"model/3"` or deployment
   * name; deployments left out get 0. It must use whole percents and sum to 100 (or to 0, which Azure allows: the
   * endpoint then serves nothing), and name only deployed versions. The split it replaces is remembered for
   * {@link AzureMlEndpoints.rollbackTraffic}.
   *
   * @throws InvalidInputError for a bad split, before any request; ConflictError for a key no deployment (or several)
   * answers to, or live traffic to a deployment that takes mirrored traffic.
   */
  async setTrafficSplit(endpoint: string, split: TrafficSplit, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load("setTrafficSplit")).setTrafficSplit(endpoint, split, options);
  }

  /**
   * Restores the split from before this client's last traffic change to the endpoint (deploy, undeploy, split, canary
   * step); deployments deleted since are left out, the others sharing their traffic in proportion.
   *
   * @throws NotFoundError when this client has changed nothing there.
   */
  async rollbackTraffic(endpoint: string, options?: CallOptions): Promise<Endpoint> {
    return (await this.#load("rollbackTraffic")).rollbackTraffic(endpoint, options);
  }

  /**
   * Rolls a version out in steps: deploys it at the first step beside what is serving, then raises its share through
   * `steps`, calling `check` after each. When a check fails (or throws), traffic goes back to the split from before
   * the rollout and the new deployment is deleted (or the endpoint, when the rollout created it).
   */
  async canaryRollout(ref: VersionRefInput, options: AzureMlCanaryOptions): Promise<AzureMlCanaryResult> {
    const ops = await this.#load("canaryRollout");
    return (await import("./azureml-canary.js")).canaryRollout(ops, ref, options);
  }
}

/** Workspace names, as the transport takes them. */
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._()-]{0,89}$/;

/**
 * Makes the registry's endpoints: `undefined` gives `registry.endpoints` (the workspace's own; for a registry-backed
 * client, one whose every call throws UnsupportedCapabilityError), a workspace name gives `registry.endpointsIn`'s
 * (one per workspace, so each keeps its traffic history).
 *
 * @internal
 */
export function endpointsFactory(
  transport: ArmTransport,
  registry: AzureMlRegistryView,
  emit: (inputs: RegistryEventInput[], options: CallOptions | undefined) => Promise<RegistryEvent[]>,
  location: string | undefined,
): (workspace: string | undefined) => AzureMlEndpoints {
  // Regions as ARM names them (`westeurope`, `East US 2` as the portal shows it).
  if (location !== undefined && (typeof location !== "string" || !/^[A-Za-z0-9][A-Za-z0-9 ]{0,63}$/.test(location)))
    throw invalidInput("createAzureMlRegistry", "location", "location must be an Azure region such as westeurope", PROVIDER);
  const made = new Map<string, AzureMlEndpoints>();
  const op = "endpointsIn";
  const make = (workspace: string | undefined) =>
    new AzureMlEndpoints(
      transport,
      registry,
      emit,
      workspace === undefined
        ? undefined
        : {
            workspaceId: `/subscriptions/${transport.subscriptionId}/resourceGroups/${transport.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`,
            modelId:
              transport.kind === "registry"
                ? (model, version) => `azureml://registries/${transport.name}/models/${model}/versions/${version}`
                : (model, version) => `${transport.scopeId}/models/${model}/versions/${version}`,
            location,
          },
    );
  const own = make(transport.kind === "workspace" ? transport.name : undefined);
  return (workspace) => {
    if (workspace === undefined) return own;
    if (typeof workspace !== "string" || !WORKSPACE_NAME.test(workspace))
      throw invalidInput(op, "workspace", "workspace must be an Azure ML workspace name", PROVIDER);
    if (transport.kind === "workspace") {
      if (workspace.toLowerCase() === transport.name.toLowerCase()) return own;
      throw invalidInput(
        op,
        "workspace",
        "a workspace's models deploy to that workspace's endpoints (registry.endpoints); share models across workspaces through an Azure ML registry",
        PROVIDER,
      );
    }
    let endpoints = made.get(workspace.toLowerCase());
    if (endpoints === undefined) {
      endpoints = make(workspace);
      made.set(workspace.toLowerCase(), endpoints);
    }
    return endpoints;
  };
}
