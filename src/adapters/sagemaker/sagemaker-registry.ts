/**
 * The SageMaker registry: the `ModelRegistry` spec over SageMaker Model Registry and S3, built by the registry facade
 * on {@link SageMakerProvider}.
 *
 * @module
 */

import type { CallOptions, TransferOptions } from "../../core/options.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { CreateVersionInput, ModelVersion } from "../../core/types.js";
import { RegistryFacade } from "../../facade/registry-facade.js";
import { versionOf } from "./sagemaker-convert.js";
import { SageMakerEndpoints } from "./sagemaker-endpoints.js";
import { checkGroupName } from "./sagemaker-names.js";
import type { SageMakerCreateVersionOptions } from "./sagemaker-options.js";
import { SageMakerProvider } from "./sagemaker-provider.js";
import type { SageMakerRegistrySettings } from "./sagemaker-settings.js";

/** `createVersion`'s input on SageMaker: `providerOptions.sagemaker` is typed (the serving container and package fields). */
export type SageMakerCreateVersionInput = CreateVersionInput & {
  /** Options by provider; `sagemaker` is typed here, and other providers' options are ignored. */
  providerOptions?: {
    /** This adapter's options, checked before any request. */
    sagemaker?: SageMakerCreateVersionOptions;
  };
};

/** A version's model package, as deploys name it. */
export interface SageMakerPackageRef {
  /** The model (the group). */
  model: string;
  /** The version number. */
  version: number;
  /** The package's ARN. */
  arn: string;
  /** Its `ModelApprovalStatus` (`Approved`, `PendingManualApproval`, `Rejected`), when it has one. */
  approvalStatus: string | undefined;
}

/**
 * The SageMaker registry. Create it with {@link createSageMakerRegistry}.
 *
 * A model is a model package group (names are SageMaker's: 1-63 letters, digits and `-`), a version a versioned model
 * package numbered by SageMaker, with its files uncompressed under `s3://bucket/prefix/<model>/<n>/`. Stages are the
 * package's approval status and lifecycle; aliases are group tags; modelreg keeps what SageMaker has no field for in a
 * JSON record beside the files. `endpoints` deploys approved versions. It keeps no audit trail modelreg can read (CloudTrail and EventBridge are separate):
 * subscribe to `events` instead.
 */
export class SageMakerRegistry extends RegistryFacade<SageMakerCreateVersionOptions> {
  /** Deploy (an `Approved` version), undeploy, traffic split and canary rollouts on SageMaker endpoints. */
  declare readonly endpoints: SageMakerEndpoints;
  readonly #provider: SageMakerProvider;

  /** @param settings - See {@link SageMakerRegistrySettings}. */
  constructor(settings: SageMakerRegistrySettings) {
    const provider = new SageMakerProvider(settings);
    super(provider, { actor: settings.actor, onEventError: settings.onEventError });
    this.#provider = provider;
    // A change a failed call made and could not undo is told to subscribers, so none goes unheard.
    provider.reportChanges = (inputs, options) => this.publishEvents(inputs, options);
    // Deploys are changes the primitives do not make, so the endpoints API tells subscribers itself.
    this.endpoints = new SageMakerEndpoints(provider.transport, this, (inputs, options) => this.publishEvents(inputs, options), settings);
  }

  /**
   * Creates a version: its files to `s3://bucket/prefix/<model>/<n>/` (uncompressed), its record and metrics beside
   * them, then a model package pointing at the folder (`ModelDataSource.S3DataSource`, `S3Prefix`, no compression)
   * when there is a serving image (`providerOptions.sagemaker.image`, else the settings' `image`). Without an image the
   * package has no `InferenceSpecification` and keeps the folder's location in its `modelreg:artifacts` property:
   * deploying it then needs an image added to the package. The version starts in `draft` (`PendingManualApproval`).
   */
  override createVersion(model: string, input: SageMakerCreateVersionInput, options?: TransferOptions): Promise<ModelVersion> {
    return super.createVersion(model, input, options);
  }

  /** The model package of a version: its ARN and approval status, for deploys (`CreateModel` takes the ARN). */
  async packageOf(ref: VersionRefInput, options?: CallOptions): Promise<SageMakerPackageRef> {
    const op = "packageOf";
    const target = this.ref(ref, op);
    checkGroupName(target.model, op);
    const pkg = await this.#provider.records.resolve(target, op, options);
    return { model: target.model, version: Number(versionOf(pkg)), arn: pkg.ModelPackageArn, approvalStatus: pkg.ModelApprovalStatus };
  }
}

/**
 * Creates a SageMaker Model Registry client.
 *
 * @example
 * ```ts
 * import { createSageMakerRegistry } from "modelreg/sagemaker";
 * const registry = createSageMakerRegistry({ region: "us-east-1", artifactRoot: "s3://my-bucket/models" });
 * ```
 */
export function createSageMakerRegistry(settings: SageMakerRegistrySettings): SageMakerRegistry {
  return new SageMakerRegistry(settings);
}
