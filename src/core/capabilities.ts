/**
 * What a registry supports. An unsupported call throws `UnsupportedCapabilityError`, never a silent no-op.
 *
 * @module
 */

import { UnsupportedCapabilityError } from "./errors.js";

/** How a registry stores lifecycle stages. */
export type StageStorage =
  /** The provider has stages of its own (MLflow `transition-stage`). */
  | "native"
  /** Kept as an alias the adapter manages (W&B, Vertex), one version per stage alias. */
  | "alias"
  /** Kept as a tag the adapter manages (the local registry). */
  | "tag";

/** What a registry supports. Check it before calling optional operations. */
export interface RegistryCapabilities {
  /** How stages are stored. */
  stages: StageStorage;
  /** Aliases can be set, moved and deleted. */
  aliases: boolean;
  /**
   * A registered model can exist without versions, so `createModel` works. Vertex has no such thing: a model is
   * created by its first version, and `createModel` throws `UnsupportedCapabilityError`.
   */
  emptyModels: boolean;
  /** Registered models carry key/value tags. W&B collections have only plain tag names, so it has none. */
  modelTags: boolean;
  /** Registered models can be renamed. */
  renameModel: boolean;
  /** Registered models can be deleted. */
  deleteModel: boolean;
  /** Versions can be deleted. */
  deleteVersion: boolean;
  /** Metrics can be added to an existing version. */
  updateMetrics: boolean;
  /** `registry.endpoints` exists: deploy, undeploy and traffic split. */
  deploy: boolean;
  /** The registry keeps its own audit trail, readable through `listAuditEvents`. */
  audit: boolean;
  /** A retried `createVersion` with the same idempotency key returns the first version instead of a second one. */
  idempotentCreate: boolean;
  /** The largest page size the provider allows. */
  maxPageSize: number;
}

/** The name of a boolean capability. */
export type CapabilityName = { [K in keyof RegistryCapabilities]: RegistryCapabilities[K] extends boolean ? K : never }[keyof RegistryCapabilities];

/** Throws `UnsupportedCapabilityError` unless the registry has `capability`. */
export function requireCapability(registry: { provider: string; capabilities: RegistryCapabilities }, capability: CapabilityName, operation: string): void {
  if (!registry.capabilities[capability]) {
    throw new UnsupportedCapabilityError(`the ${registry.provider} registry does not support ${capability}`, {
      provider: registry.provider,
      operation,
      capability,
    });
  }
}
