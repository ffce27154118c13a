/**
 * The Azure ML registry: the `ModelRegistry` spec over Azure ML model assets (a workspace's, or an Azure ML
 * registry's) and Blob storage, built by the registry facade on {@link AzureMlProvider}.
 *
 * @module
 */

import type { TransferOptions } from "../../core/options.js";
import type { CreateVersionInput, ModelVersion } from "../../core/types.js";
import { RegistryFacade } from "../../facade/registry-facade.js";
import { type AzureMlEndpoints, endpointsFactory } from "./azureml-endpoints.js";
import type { AzureMlCreateVersionOptions } from "./azureml-options.js";
import { AzureMlProvider } from "./azureml-provider.js";
import type { AzureMlRegistrySettings } from "./azureml-settings.js";

/** `createVersion`'s input on Azure ML: `providerOptions.azureml` is typed (model type, flavors, job). */
export type AzureMlCreateVersionInput = CreateVersionInput & {
  /** Options by provider; `azureml` is typed here, and other providers' options are ignored. */
  providerOptions?: {
    /** This adapter's options, checked before any request. */
    azureml?: AzureMlCreateVersionOptions;
  };
};

/**
 * The Azure ML registry. Create it with {@link createAzureMlRegistry}.
 *
 * Stages are the version's own `stage` field (`archived` also sets `isArchived`), aliases are tags on the model
 * container (Azure ML has none), and Azure ML keeps no audit trail modelreg can read: subscribe to `events` instead.
 */
export class AzureMlRegistry extends RegistryFacade<AzureMlCreateVersionOptions> {
  /**
   * Deploy, undeploy, traffic split and canary rollouts on the workspace's managed online endpoints. A client of an
   * Azure ML registry has none (`capabilities.deploy` is false, and every call throws `UnsupportedCapabilityError`):
   * use {@link AzureMlRegistry.endpointsIn}.
   */
  declare readonly endpoints: AzureMlEndpoints;
  readonly #provider: AzureMlProvider;
  readonly #endpointsIn: (workspace: string | undefined) => AzureMlEndpoints;

  /** @param settings - See {@link AzureMlRegistrySettings}. */
  constructor(settings: AzureMlRegistrySettings) {
    const provider = new AzureMlProvider(settings);
    super(provider, { actor: settings.actor, onEventError: settings.onEventError });
    this.#provider = provider;
    // Deploys are changes the primitives do not make, so the endpoints API tells subscribers itself.
    this.#endpointsIn = endpointsFactory(provider.transport, this, (inputs, options) => this.publishEvents(inputs, options), settings.location);
    this.endpoints = this.#endpointsIn(undefined);
  }

  /**
   * The endpoints of a workspace (same subscription and resource group) that deploy this Azure ML registry's models
   * (deployments name them `azureml://registries/{registry}/models/{model}/versions/{version}`). On a workspace's
   * client, only that workspace is taken, and this is `endpoints`.
   *
   * @throws InvalidInputError for a name that is not a workspace name, or another workspace than a workspace client's.
   */
  endpointsIn(workspace: string): AzureMlEndpoints {
    return this.#endpointsIn(workspace);
  }

  /**
   * Creates a version numbered as Azure's client numbers it (the container's `nextVersion`): files to Blob storage
   * (the workspace datastore, or the registry's pending upload), the record beside them, then the version.
   * `providerOptions.azureml` sets `modelType` (default `mlflow_model` when an `MLmodel` file is at the top, else
   * `custom_model`), `flavors` and `jobName`.
   */
  override createVersion(model: string, input: AzureMlCreateVersionInput, options?: TransferOptions): Promise<ModelVersion> {
    return super.createVersion(model, input, options);
  }

  /** The ARM id of a version (`/subscriptions/.../models/{model}/versions/{version}`), as deployments name it. */
  versionId(model: string, version: string): string {
    return this.#provider.versionId(model, version);
  }
}

/**
 * Creates an Azure ML registry client.
 *
 * @example
 * ```ts
 * import { createAzureMlRegistry } from "modelreg/azureml";
 * const registry = createAzureMlRegistry({ subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroup: "ml", workspace: "fraud-ws" });
 * ```
 */
export function createAzureMlRegistry(settings: AzureMlRegistrySettings): AzureMlRegistry {
  return new AzureMlRegistry(settings);
}
