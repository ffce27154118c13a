/**
 * The Vertex AI registry: the `ModelRegistry` spec over Vertex AI Model Registry (REST v1) and Cloud Storage, built
 * by the registry facade on {@link VertexProvider}, plus Vertex's endpoints.
 *
 * @module
 */

import type { TransferOptions } from "../../core/options.js";
import type { CreateVersionInput, ModelVersion } from "../../core/types.js";
import { RegistryFacade } from "../../facade/registry-facade.js";
import { VertexEndpoints } from "./vertex-endpoints.js";
import type { VertexCreateVersionOptions } from "./vertex-options.js";
import { VertexProvider } from "./vertex-provider.js";
import type { VertexRegistrySettings } from "./vertex-settings.js";

/** `createVersion`'s input on Vertex: `providerOptions.vertex` is typed (the serving container, `isDefaultVersion`). */
export type VertexCreateVersionInput = CreateVersionInput & {
  /** Options by provider; `vertex` is typed here, and other providers' options are ignored. */
  providerOptions?: {
    /** This adapter's options, checked before any request. */
    vertex?: VertexCreateVersionOptions;
  };
};

/**
 * The Vertex AI registry. Create it with {@link createVertexRegistry}.
 *
 * Vertex has no model without a version (`capabilities.emptyModels` is false: `createModel` throws
 * `UnsupportedCapabilityError`), keeps stages as managed aliases and labels, and keeps no audit trail modelreg can
 * read (Cloud Audit Logs are separate): subscribe to `events` instead.
 */
export class VertexRegistry extends RegistryFacade<VertexCreateVersionOptions> {
  /** Deploy, undeploy, traffic split and canary rollouts. */
  declare readonly endpoints: VertexEndpoints;
  readonly #provider: VertexProvider;

  /** @param settings - See {@link VertexRegistrySettings}. */
  constructor(settings: VertexRegistrySettings) {
    const provider = new VertexProvider(settings);
    super(provider, { actor: settings.actor, onEventError: settings.onEventError });
    this.#provider = provider;
    // Deploys are changes the primitives do not make, so the endpoints API tells subscribers itself.
    this.endpoints = new VertexEndpoints(provider.transport, this, (inputs, options) => this.publishEvents(inputs, options));
  }

  /**
   * Creates a version: metadata and files to `gs://bucket/prefix/<model>/<n>/`, then `models.upload` (a new model, or
   * a new version with `parentModel`), then waits for the operation and reads the version back.
   * `providerOptions.vertex.container` sets the serving container (default: the settings' `containerImageUri`; with
   * no image at all, or a Vertex prebuilt image without its framework's model file among the files, the call throws
   * `InvalidInputError` before any request). `providerOptions.vertex.isDefaultVersion: true` moves `default` to the
   * new version (default: the settings' `isDefaultVersion`, else `false`).
   */
  override createVersion(model: string, input: VertexCreateVersionInput, options?: TransferOptions): Promise<ModelVersion> {
    return super.createVersion(model, input, options);
  }

  /** The Vertex resource name of a model, for the endpoints API. */
  modelResource(model: string): string {
    return this.#provider.modelResource(model);
  }
}

/**
 * Creates a Vertex AI registry client.
 *
 * @example
 * ```ts
 * import { createVertexRegistry } from "modelreg/vertex";
 * const registry = createVertexRegistry({ project: "my-project", location: "us-central1", artifactRoot: "gs://my-bucket/models" });
 * ```
 */
export function createVertexRegistry(settings: VertexRegistrySettings): VertexRegistry {
  return new VertexRegistry(settings);
}
