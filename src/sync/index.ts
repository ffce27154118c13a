/**
 * Sync: copy model versions between any two registries, built on the `ModelRegistry` interface alone. Plan first
 * ({@link planSync}), apply after ({@link applySyncPlan}), or both at once ({@link syncRegistries}). Copies record
 * their origin, so running again copies nothing twice.
 *
 * @module
 */

export { planSync } from "./sync-plan.js";
export { applySyncPlan } from "./sync-apply.js";
export { syncRegistries } from "./sync-registries.js";
export { describeSyncItem } from "./sync-describe.js";
export { SYNC_TAGS, SYNC_TAG_PREFIX, originOf, provenanceTags, syncIdempotencyKey, targetReservedAliases } from "./sync-provenance.js";
export type { ApplySyncOptions, MovedAlias, SyncCounts, SyncEvent, SyncFailure, SyncItemResult, SyncRegistriesInput, SyncReport } from "./sync-report.js";
export type {
  SyncChange,
  SyncConflictItem,
  SyncCreateItem,
  SyncModelSelector,
  SyncPlan,
  SyncPlanInput,
  SyncPlanItem,
  SyncPlanSummary,
  SyncSkipItem,
  SyncSkipReason,
  SyncUpdateItem,
  SyncVersionFilter,
  SyncWarning,
} from "./sync-types.js";
export { openRegistry, parseRegistryUri, registryFromUri, type OpenRegistryOptions, type RegistryFactories, type RegistryLocation } from "./registry-uri.js";
// Where the four first adapters' URIs parse to, exported here since before descriptors existed; a newer adapter
// exports its location type from its own entry.
export type { LocalLocation } from "../adapters/local/local-descriptor.js";
export type { MlflowLocation } from "../adapters/mlflow/mlflow-descriptor.js";
export type { VertexLocation } from "../adapters/vertex/vertex-descriptor.js";
export type { WandbLocation } from "../adapters/wandb/wandb-descriptor.js";
