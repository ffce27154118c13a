/**
 * `modelreg/adapter`: what adapter authors need and users do not. The provider specification an adapter implements,
 * the facade that turns it into a `ModelRegistry`, and the helpers the built-in adapters share: input assertions,
 * pagination, the event bus. See docs/adding-an-adapter.md for the recipe.
 *
 * @module
 */

export { RegistryFacade, type FacadeSettings } from "../facade/registry-facade.js";
export {
  PROVIDER_SPECIFICATION_VERSION,
  type ProviderAuditQuery,
  type ProviderChange,
  type ProviderContext,
  type ProviderCreateVersion,
  type ProviderFileStream,
  type ProviderModelQuery,
  type ProviderPageFetcher,
  type ProviderVersionFiles,
  type ProviderVersionQuery,
  type RegistryProviderV1,
} from "../core/provider-spec.js";
export type { AdapterDescriptor, AdapterEnv, AdapterFactory, AdapterLocation, AdapterOpenOptions, RegistryUriContext } from "../core/adapter-descriptor.js";
export { invalidInput, throwIfAborted } from "../core/errors.js";
export { requireCapability } from "../core/capabilities.js";
export { paginate, type PageFetcher } from "../core/pagination.js";
export { RegistryEventBus, stampEvent } from "../core/events.js";
export { DEFAULT_TRANSFER_CONCURRENCY, SMALL_FILES_CONCURRENCY, transferConcurrency } from "../core/options.js";
export {
  assertAlias,
  assertArtifactPath,
  assertModelName,
  assertPageSize,
  assertTags,
  assertVersion,
  checkTransition,
  parseStage,
  preview,
} from "../core/validation.js";
export { toAliasEntries } from "../core/refs.js";
export {
  assertLineage,
  assertMetrics,
  assertModelCard,
  assertSignature,
  checkCreateVersionInput,
  checkUpdateVersionInput,
  normalizeParams,
  type CheckedVersionMetadata,
} from "../core/version-input.js";
