/**
 * `promote`: move a version to a stage or an alias once its gates and approvals allow it. Everything is checked
 * before anything changes, so a refused promotion leaves the registry exactly as it was.
 *
 * @module
 */

import { NotFoundError, PromotionBlockedError, invalidInput, type GateFailure } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { CallOptions } from "../core/options.js";
import { parseRef, type VersionRefInput } from "../core/refs.js";
import type { ModelVersion } from "../core/types.js";
import { ownValue } from "../core/own-keys.js";
import { assertAlias, parseStage } from "../core/validation.js";
import { approvalsOf, missingApprovals, type Approval } from "./approvals.js";
import { runGates, toGate, type GateInput, type GateResult, type PromotionTarget } from "./gates.js";
import { holderRecordTag, pushHolder, readHolderRecord, type HolderRecord } from "./holders.js";
import { defaultPolicy, type PromotionPolicy, type TargetPolicy } from "./policy.js";

/** Options for {@link promote} and {@link checkPromotion}. */
export interface PromoteOptions extends CallOptions {
  /** A stage (`"production"`) or an alias (`{ alias: "champion" }`). */
  to: PromotionTarget;
  /** Gates for this call, checked after the policy's. */
  gates?: GateInput[];
  /** The policy; default {@link defaultPolicy}. `false` applies none (only `gates`). */
  policy?: PromotionPolicy | false;
  /** For a stage: archive the versions already in it. Default `true` for staging and production. */
  archiveExisting?: boolean;
}

/** What a promotion check found. */
export interface PromotionReport {
  /** The model. */
  model: string;
  /** The candidate version. */
  version: string;
  /** Where it would go. */
  target: PromotionTarget;
  /** The version holding the target now, if any. */
  from: string | undefined;
  /** Every gate's outcome. */
  gates: GateResult[];
  /** The approvals on the candidate. */
  approvals: Approval[];
  /** Failing gates and missing approvals; empty when the promotion may go ahead. */
  failures: GateFailure[];
  /** True when nothing stands in the way. */
  allowed: boolean;
}

/** A {@link PromotionReport} with the versions it looked at. */
export interface PromotionCheck extends PromotionReport {
  /** The candidate version. */
  candidate: ModelVersion;
  /** The version holding the target now, if any. */
  current: ModelVersion | undefined;
}

/** What a promotion did. */
export interface PromotionResult extends PromotionReport {
  /** The candidate as it is now. */
  promoted: ModelVersion;
}

function checkTarget(target: unknown, op: string): PromotionTarget {
  if (typeof target === "string") return parseStage(target, op);
  if (typeof target === "object" && target !== null && "alias" in target) {
    assertAlias((target as { alias: unknown }).alias, op);
    return { alias: (target as { alias: string }).alias };
  }
  throw invalidInput(op, "to", 'promote to a stage ("production") or an alias ({ alias: "champion" })');
}

function targetLabel(target: PromotionTarget): string {
  return typeof target === "string" ? `stage ${target}` : `alias ${target.alias}`;
}

async function currentHolder(
  registry: ModelRegistry,
  candidate: ModelVersion,
  target: PromotionTarget,
  options: CallOptions,
): Promise<ModelVersion | undefined> {
  if (typeof target === "string") {
    for await (const v of registry.listVersions(candidate.model, { stage: target, ...options })) if (v.version !== candidate.version) return v;
    return undefined;
  }
  try {
    const version = await registry.resolveAlias(candidate.model, target.alias, options);
    return version === candidate.version ? undefined : await registry.getVersion({ model: candidate.model, version }, options);
  } catch (error) {
    if (NotFoundError.isInstance(error)) return undefined;
    throw error;
  }
}

/** Evaluates a promotion without changing anything: which gates pass, which approvals are missing. */
export async function checkPromotion(registry: ModelRegistry, ref: VersionRefInput, options: PromoteOptions): Promise<PromotionCheck> {
  const op = "promote";
  const parsed = parseRef(ref, op);
  if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "promote needs { to }");
  const target = checkTarget(options.to, op);
  const policy = options.policy === false ? undefined : (options.policy ?? defaultPolicy);
  const targetPolicy: TargetPolicy | undefined = typeof target === "string" ? ownValue(policy?.stages, target) : ownValue(policy?.aliases, target.alias);
  const gates = [...(targetPolicy?.gates ?? []), ...(options.gates ?? [])].map(toGate);
  const { to: _to, gates: _gates, policy: _policy, archiveExisting: _archive, ...call } = options;
  const candidate = await registry.getVersion(parsed, call);
  const current = await currentHolder(registry, candidate, target, call);
  const results = await runGates(gates, { registry, candidate, current, target, signal: call.signal });
  const approvals = approvalsOf(candidate);
  const failures: GateFailure[] = [
    ...results.filter((r) => !r.passed).map((r) => ({ gate: r.name, reason: r.message })),
    ...missingApprovals(approvals, targetPolicy?.approvals, candidate),
  ];
  return {
    model: candidate.model,
    version: candidate.version,
    target,
    from: current?.version,
    gates: results,
    approvals,
    failures,
    allowed: failures.length === 0,
    candidate,
    current,
  };
}

/**
 * Promotes a version to a stage or an alias. The policy's gates and approvals and the call's gates are checked
 * first; if any fails, nothing changes, a `promotion.blocked` event is recorded, and `PromotionBlockedError` lists
 * every failure. Otherwise the stage or alias moves and `promotion.completed` is recorded.
 *
 * @example
 * ```ts
 * await promote(registry, "fraud/4", { to: "production", gates: [metricGate("auc >= 0.9"), notWorseThanCurrent("auc")] });
 * ```
 */
export async function promote(registry: ModelRegistry, ref: VersionRefInput, options: PromoteOptions): Promise<PromotionResult> {
  const report = await checkPromotion(registry, ref, options);
  const { candidate, current, ...summary } = report;
  const { to: _to, gates: _gates, policy: _policy, archiveExisting, ...call } = options;
  const target = report.target;
  const exact = { model: candidate.model, version: candidate.version };
  const details = { target: targetLabel(target), gates: report.gates, failures: report.failures };
  if (!report.allowed) {
    await registry.recordEvent(
      {
        type: "promotion.blocked",
        model: candidate.model,
        version: candidate.version,
        ...(current && { from: current.version }),
        to: candidate.version,
        details,
      },
      call,
    );
    const list = report.failures.map((f) => `${f.gate}: ${f.reason}`).join("; ");
    throw new PromotionBlockedError(`${candidate.model}/${candidate.version} cannot take ${targetLabel(target)}: ${list}`, {
      provider: registry.provider,
      operation: "promote",
      failures: report.failures,
    });
  }
  await recordHolders(registry, candidate, current, target, call);
  let promoted: ModelVersion;
  if (typeof target === "string") {
    const archive = archiveExisting ?? (target === "staging" || target === "production");
    promoted = await registry.transitionStage(exact, target, { ...call, archiveExisting: archive && (target === "staging" || target === "production") });
  } else {
    await registry.setAlias(candidate.model, target.alias, candidate.version, call);
    promoted = await registry.getVersion(exact, call);
  }
  await registry.recordEvent(
    {
      type: "promotion.completed",
      model: candidate.model,
      version: candidate.version,
      ...(typeof target === "string" ? { stage: target } : { alias: target.alias }),
      ...(current && { from: current.version }),
      to: candidate.version,
      details,
    },
    call,
  );
  return { ...summary, promoted };
}

/**
 * Keeps the holder history on the versions (see holders.ts): the candidate records the stack it goes on top of, so
 * `rollback` can walk back where the registry keeps no audit trail. Written before the move, so a move that fails
 * leaves a history that is still true of the versions below.
 */
async function recordHolders(
  registry: ModelRegistry,
  candidate: ModelVersion,
  current: ModelVersion | undefined,
  target: PromotionTarget,
  call: CallOptions,
): Promise<void> {
  const holds = typeof target === "string" ? candidate.stage === target : candidate.aliases.includes(target.alias);
  let next: HolderRecord | undefined;
  if (current) {
    const theirs = readHolderRecord(current, target);
    // The current holder was rolled back from and then put back by hand: it holds the target, so it counts again.
    if (theirs?.rolledBack)
      await registry.updateVersion({ model: current.model, version: current.version }, { tags: holderRecordTag(target, { below: theirs.below }) }, call);
    next = { below: pushHolder(theirs?.below ?? [], current.version).filter((v) => v !== candidate.version) };
  } else if (holds) {
    // Promoting the holder again changes nothing but a mark that it was rolled back from.
    const mine = readHolderRecord(candidate, target);
    if (mine?.rolledBack) next = { below: mine.below };
  } else {
    // The first holder, or the first since the alias was deleted or the stage emptied: nothing below it. Written even
    // so, to replace a stale history and so rollback can tell "promoted, nothing earlier" from "moved here by hand".
    next = { below: [] };
  }
  if (next) await registry.updateVersion({ model: candidate.model, version: candidate.version }, { tags: holderRecordTag(target, next) }, call);
}
