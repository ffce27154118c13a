/**
 * Promotion policies: which gates and approvals each stage or alias requires.
 *
 * @module
 */

import type { Stage } from "../core/types.js";
import type { GateInput } from "./gates.js";
import { requireLineage, requireModelCard, requireSignature } from "./gates.js";

/** How many approvals a promotion needs. */
export interface ApprovalRequirement {
  /** Distinct approvers needed in all. */
  count?: number;
  /** Distinct approvers needed per role, e.g. `{ risk: 1 }`. They count towards `count` too. */
  roles?: Record<string, number>;
  /**
   * Whether the version's creator (`createdBy`) may approve it. Default `false`: four eyes, so the creator's own
   * approval counts towards nothing, and a version whose creator is not recorded cannot meet a requirement at all
   * (nobody can tell whose approval is whose). Set `true` to count every approval.
   */
  selfApproval?: boolean;
}

/** What promoting to one stage or alias requires. */
export interface TargetPolicy {
  /** Gates that must pass. */
  gates?: GateInput[];
  /** Approvals that must be recorded on the version. */
  approvals?: ApprovalRequirement;
}

/** Requirements per stage and per alias. Targets not listed require nothing beyond the call's own gates. */
export interface PromotionPolicy {
  /** Per stage. */
  stages?: Partial<Record<Stage, TargetPolicy>>;
  /** Per alias. */
  aliases?: Record<string, TargetPolicy>;
}

/**
 * The policy `promote` applies unless told otherwise: Production requires a model card, lineage with a code commit
 * and a data snapshot, and a signature, which is what auditors ask for first, and one approval from someone other
 * than the version's creator (four eyes). Relax it by passing your own `policy` (or `policy: false`).
 */
export const defaultPolicy: PromotionPolicy = Object.freeze({
  stages: { production: { gates: [requireModelCard(), requireLineage(), requireSignature()], approvals: { count: 1 } } },
});
