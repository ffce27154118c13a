/**
 * Lifecycle and governance on top of the `ModelRegistry` interface alone: promotion gates, policies, approvals,
 * rollback, and a signed webhook notifier. Works with every adapter.
 *
 * @module
 */

export {
  metricGate,
  notWorseThanCurrent,
  requireLineage,
  requireModelCard,
  requireSignature,
  runGates,
  toGate,
  type GateContext,
  type GateInput,
  type GateResult,
  type GateVerdict,
  type MetricOperator,
  type NotWorseOptions,
  type PromotionGate,
  type PromotionTarget,
} from "./gates.js";
export { defaultPolicy, type ApprovalRequirement, type PromotionPolicy, type TargetPolicy } from "./policy.js";
export { APPROVALS_TAG, approvalsOf, approve, listApprovals, missingApprovals, type Approval, type ApprovedVersion, type ApproveInput } from "./approvals.js";
export { checkPromotion, promote, type PromoteOptions, type PromotionCheck, type PromotionReport, type PromotionResult } from "./promote.js";
export { MAX_HOLDER_HISTORY, holderHistoryTag, previousHolderTag, readHolderRecord, type HolderRecord } from "./holders.js";
export { rollback, type RollbackResult, type RollbackTarget } from "./rollback.js";
export {
  createWebhookNotifier,
  signWebhookPayload,
  verifyWebhookSignature,
  type VerifyWebhookInput,
  type WebhookNotifierOptions,
} from "./webhook.js";
