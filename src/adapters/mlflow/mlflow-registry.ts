/**
 * The MLflow registry: the `ModelRegistry` spec over MLflow's REST API (2.x and 3.x servers), built by the registry
 * facade on {@link MlflowProvider}.
 *
 * @module
 */

import type { CallOptions, TransferOptions } from "../../core/options.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { CreateVersionInput, ModelVersion } from "../../core/types.js";
import { RegistryFacade } from "../../facade/registry-facade.js";
import type { MlflowCreateVersionOptions } from "./mlflow-options.js";
import { MlflowProvider } from "./mlflow-provider.js";
import type { MlflowRegistrySettings } from "./mlflow-settings.js";

/** `createVersion`'s input on MLflow: `providerOptions.mlflow` is typed (the pyfunc flavour). */
export type MlflowCreateVersionInput = CreateVersionInput & {
  /** Options by provider; `mlflow` is typed here, and other providers' options are ignored. */
  providerOptions?: {
    /** This adapter's options, checked before any request. */
    mlflow?: MlflowCreateVersionOptions;
  };
};

/** The MLflow registry. Create it with {@link createMlflowRegistry}. */
export class MlflowRegistry extends RegistryFacade<MlflowCreateVersionOptions> {
  readonly #provider: MlflowProvider;

  /** @param settings - See {@link MlflowRegistrySettings}. */
  constructor(settings: MlflowRegistrySettings = {}) {
    const provider = new MlflowProvider(settings);
    super(provider, { actor: settings.actor, onEventError: settings.onEventError });
    this.#provider = provider;
  }

  /** The tracking server's base URL. */
  get trackingUri(): string {
    return this.#provider.transport.baseUrl;
  }

  /**
   * Creates a version; `providerOptions.mlflow` takes {@link MlflowCreateVersionOptions} (`pyfunc` writes an
   * `MLmodel` so `mlflow.pyfunc.load_model` loads plain files).
   */
  override createVersion(model: string, input: MlflowCreateVersionInput, options?: TransferOptions): Promise<ModelVersion> {
    return super.createVersion(model, input, options);
  }

  /** The version's artifact location as MLflow reports it (`get-download-uri`), e.g. `mlflow-artifacts:/1/models/m-.../artifacts`. */
  async getDownloadUri(ref: VersionRefInput, options?: CallOptions): Promise<string> {
    const op = "getDownloadUri";
    return this.#provider.downloadUri(this.ref(ref, op), this.context(op, options));
  }
}

/**
 * Creates an MLflow registry client. Settings fall back to `MLFLOW_TRACKING_URI`, `MLFLOW_TRACKING_TOKEN`,
 * `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`.
 *
 * @example
 * ```ts
 * import { createMlflowRegistry } from "modelreg/mlflow";
 * const registry = createMlflowRegistry({ trackingUri: "http://127.0.0.1:5000" });
 * const v = await registry.createVersion("fraud", { artifacts: { directory: "out/model" }, metrics: { auc: 0.93 } });
 * ```
 */
export function createMlflowRegistry(settings: MlflowRegistrySettings = {}): MlflowRegistry {
  return new MlflowRegistry(settings);
}
