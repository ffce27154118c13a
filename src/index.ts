/**
 * modelreg: one typed `ModelRegistry` interface over MLflow, Vertex AI, W&B and a local file registry.
 *
 * This entry holds the provider-agnostic core only (types, errors, references, capabilities, events, signatures,
 * lifecycle governance) and loads no adapter and no Node file-system code. Adapters are separate entries:
 * `modelreg/local`, `modelreg/mlflow`, `modelreg/vertex`, `modelreg/wandb`; what adapter authors need is in
 * `modelreg/adapter`.
 *
 * @packageDocumentation
 */

export {
  AbortedError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  CorruptDataError,
  IntegrityError,
  InvalidInputError,
  ModelRegistryError,
  NoEarlierHolderError,
  NotFoundError,
  PermissionDeniedError,
  PromotionBlockedError,
  RateLimitError,
  ResponseValidationError,
  ServerError,
  StorageError,
  TimeoutError,
  UnsupportedCapabilityError,
  type GateFailure,
  type InvalidInputErrorOptions,
  type ModelRegistryErrorClass,
  type ModelRegistryErrorOptions,
  type NoEarlierHolderErrorOptions,
  type PromotionBlockedErrorOptions,
  type RateLimitErrorOptions,
  type ResponseValidationErrorOptions,
  type StorageErrorOptions,
  type UnsupportedCapability,
  type UnsupportedCapabilityErrorOptions,
  type ModelRegistryErrorKind,
} from "./core/errors.js";
export {
  STAGES,
  type AliasEntry,
  type ArtifactFile,
  type ArtifactSummary,
  type CreateModelInput,
  type CreateVersionInput,
  type DataSnapshotRef,
  type FairnessSlice,
  type Lineage,
  type ModelCard,
  type ModelVersion,
  type ParamValue,
  type RegisteredModel,
  type Stage,
  type SyncOrigin,
  type UpdateModelInput,
  type UpdateVersionInput,
} from "./core/types.js";
export type { ArtifactEntry, ArtifactFileSpec, ArtifactSource, ByteStream, TransferProgress } from "./core/artifact-source.js";
export {
  checkSignature,
  type CheckSignatureOptions,
  type ColumnType,
  type ModelSignature,
  type SignatureCheck,
  type SignatureField,
  type SignatureProblem,
} from "./core/signature.js";
export { formatRef, isVersionNumberRef, parseRef, type AliasRef, type VersionNumberRef, type VersionRef, type VersionRefInput } from "./core/refs.js";
export { ALIAS_PATTERN, MODEL_NAME_PATTERN, VERSION_PATTERN } from "./core/validation.js";
export type { CallOptions, ClientSettings, ListOptions, Logger, TransferOptions } from "./core/options.js";
export type { CapabilityName, RegistryCapabilities, StageStorage } from "./core/capabilities.js";
export type { Page, PageIterable } from "./core/pagination.js";
export type { RegistryEvent, RegistryEventInput, RegistryEventListener, RegistryEventSource, RegistryEventType } from "./core/events.js";
export type { DeployOptions, DeployedModel, Endpoint, EndpointsApi, LongRunningOptions, OperationHandle, TrafficSplit } from "./core/endpoints.js";
export {
  SPECIFICATION_VERSION,
  type ArtifactDownload,
  type AuditQuery,
  type DownloadOptions,
  type DownloadResult,
  type ListModelsOptions,
  type ListVersionsOptions,
  type VersionOrder,
  type ModelRegistry,
  type SetAliasResult,
  type TransitionStageOptions,
} from "./core/model-registry.js";
export {
  APPROVALS_TAG,
  MAX_HOLDER_HISTORY,
  approvalsOf,
  approve,
  checkPromotion,
  createWebhookNotifier,
  defaultPolicy,
  holderHistoryTag,
  listApprovals,
  metricGate,
  missingApprovals,
  notWorseThanCurrent,
  previousHolderTag,
  promote,
  readHolderRecord,
  requireLineage,
  requireModelCard,
  requireSignature,
  rollback,
  runGates,
  signWebhookPayload,
  toGate,
  verifyWebhookSignature,
  type Approval,
  type ApprovalRequirement,
  type ApprovedVersion,
  type ApproveInput,
  type GateContext,
  type GateInput,
  type GateResult,
  type GateVerdict,
  type HolderRecord,
  type MetricOperator,
  type NotWorseOptions,
  type PromoteOptions,
  type PromotionCheck,
  type PromotionGate,
  type PromotionPolicy,
  type PromotionReport,
  type PromotionResult,
  type PromotionTarget,
  type RollbackResult,
  type RollbackTarget,
  type TargetPolicy,
  type VerifyWebhookInput,
  type WebhookNotifierOptions,
} from "./lifecycle/index.js";
export { renderModelCard, type RenderModelCardOptions } from "./cards/render-model-card.js";
export {
  collectReport,
  renderReport,
  type CollectReportOptions,
  type RenderReportOptions,
  type ReportAudit,
  type ReportData,
  type ReportModel,
  type ReportVersion,
} from "./report/index.js";
