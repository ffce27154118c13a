/**
 * Approvals, recorded with the version they approve (as the version tag `modelreg.approvals`), so they travel with it
 * on every provider and a policy can count them.
 *
 * @module
 */

import { CorruptDataError, invalidInput, type GateFailure } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { CallOptions } from "../core/options.js";
import { parseRef, type VersionRefInput } from "../core/refs.js";
import type { Approval, ModelVersion } from "../core/types.js";
import type { ApprovalRequirement } from "./policy.js";

import { APPROVALS_TAG, parseApprovals } from "../core/approvals-tag.js";

export { APPROVALS_TAG } from "../core/approvals-tag.js";

export type { Approval } from "../core/types.js";

/** What {@link approve} takes. */
export interface ApproveInput extends CallOptions {
  /** Who approves. */
  by: string;
  /** In which role. */
  role?: string;
  /** A comment for the audit trail. */
  comment?: string;
}

/** The approvals recorded on a version. */
export function approvalsOf(version: ModelVersion): Approval[] {
  const text = version.tags[APPROVALS_TAG];
  if (text === undefined) return [];
  const approvals = parseApprovals(text);
  if (!approvals) {
    throw new CorruptDataError(`the ${APPROVALS_TAG} tag of ${version.model}/${version.version} is not a list of approvals; fix or remove it`, {
      provider: "core",
      operation: "listApprovals",
    });
  }
  return approvals;
}

/** Lists the approvals recorded on a version. */
export async function listApprovals(registry: ModelRegistry, ref: VersionRefInput, options?: CallOptions): Promise<Approval[]> {
  return approvalsOf(await registry.getVersion(parseRef(ref, "listApprovals"), options));
}

/**
 * Records an approval on a version and in the audit trail. Approving again replaces the same person's earlier
 * approval, so one person never counts twice.
 *
 * @returns Every approval now on the version.
 */
export async function approve(registry: ModelRegistry, ref: VersionRefInput, input: ApproveInput): Promise<Approval[]> {
  const op = "approve";
  const target = parseRef(ref, op);
  if (typeof input !== "object" || input === null || typeof input.by !== "string" || input.by.trim() === "") {
    throw invalidInput(op, "by", "an approval needs `by`: who approves");
  }
  if (input.role !== undefined && (typeof input.role !== "string" || input.role.trim() === ""))
    throw invalidInput(op, "role", "role must be a non-empty string");
  if (input.comment !== undefined && typeof input.comment !== "string") throw invalidInput(op, "comment", "comment must be a string");
  const { by, role, comment, ...options } = input;
  const version = await registry.getVersion(target, options);
  const approval: Approval = { by: by.trim(), ...(role && { role: role.trim() }), ...(comment && { comment }), at: new Date().toISOString() };
  const approvals = [...approvalsOf(version).filter((a) => a.by !== approval.by), approval];
  const exact = { model: version.model, version: version.version };
  // The event first: these are two calls, and a crash between them must never leave an approval that counts
  // towards a promotion without its audit event. The other way round, the log holds an approval that did not take
  // effect, which a second approve() completes.
  await registry.recordEvent(
    {
      type: "approval.recorded",
      model: version.model,
      version: version.version,
      details: { by: approval.by, ...(role && { role: approval.role }), ...(comment && { comment }) },
    },
    { ...options, actor: options.actor ?? approval.by },
  );
  await registry.updateVersion(exact, { tags: { [APPROVALS_TAG]: JSON.stringify(approvals) } }, options);
  return approvals;
}

/** The version an approval requirement is checked against: its reference and its creator, when recorded. */
export type ApprovedVersion = Pick<ModelVersion, "model" | "version" | "createdBy">;

/**
 * What an approval requirement still misses, as gate failures. Unless the requirement sets `selfApproval`, the
 * version's creator's own approval counts towards nothing (compared without regard to case or surrounding space),
 * and a version without a recorded creator fails any requirement that asks for an approval.
 */
export function missingApprovals(approvals: readonly Approval[], requirement: ApprovalRequirement | undefined, version: ApprovedVersion): GateFailure[] {
  if (!requirement) return [];
  const failures: GateFailure[] = [];
  const ref = `${version.model}/${version.version}`;
  const roles = requirement.roles ?? {};
  const needed = Math.max(
    requirement.count ?? 0,
    Object.values(roles).reduce((n, c) => n + c, 0),
  );
  if (needed === 0) return [];
  let counted = approvals;
  let others = "";
  if (requirement.selfApproval !== true) {
    const creator = version.createdBy?.trim().toLowerCase();
    if (!creator) {
      return [
        {
          gate: "approvals",
          reason: `${ref} has no recorded creator, so its approvals cannot be shown to come from someone else (four eyes); pass a policy with selfApproval: true to count them anyway`,
        },
      ];
    }
    counted = approvals.filter((a) => a.by.trim().toLowerCase() !== creator);
    others = ` from someone other than its creator ${version.createdBy}`;
  }
  const people = new Set(counted.map((a) => a.by));
  const own = counted.length < approvals.length ? ` (${version.createdBy}'s own approval does not count)` : "";
  if (people.size < needed) failures.push({ gate: "approvals", reason: `${ref} needs ${needed} approval(s)${others}, has ${people.size}${own}` });
  for (const [role, count] of Object.entries(roles)) {
    const have = new Set(counted.filter((a) => a.role === role).map((a) => a.by)).size;
    if (have < count) failures.push({ gate: `approvals:${role}`, reason: `${ref} needs ${count} approval(s) from role ${role}${others}, has ${have}${own}` });
  }
  return failures;
}
