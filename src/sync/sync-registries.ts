/**
 * `syncRegistries`: plan, then apply, in one call.
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";
import { applySyncPlan } from "./sync-apply.js";
import { planSync } from "./sync-plan.js";
import type { SyncRegistriesInput, SyncReport } from "./sync-report.js";
import { checkApplyOptions, checkPlanInput } from "./sync-validate.js";

const OP = "syncRegistries";

/**
 * Copies versions from `source` to `target`: {@link planSync}, then {@link applySyncPlan}. Running it again copies
 * nothing that is already there (every item is `skip: already-synced`), and a run that was interrupted is finished by
 * the next one.
 *
 * With `dryRun`, only the plan is made: the report holds it, every count is zero, and nothing is written. The
 * `planned` event still fires, so a progress display works the same way.
 *
 * @example
 * ```ts
 * const report = await syncRegistries({ source: local, target: mlflow, models: ["fraud"], onEvent: console.log });
 * console.log(report.counts, report.failures);
 * ```
 *
 * @throws InvalidInputError for bad input, before any registry call.
 * @throws AbortedError when `signal` fires.
 */
export async function syncRegistries(input: SyncRegistriesInput): Promise<SyncReport> {
  checkPlanInput(input, OP);
  const { dryRun, concurrency, onEvent, failFast, tempDirectory, ...planInput } = input;
  const apply = {
    ...(concurrency !== undefined && { concurrency }),
    ...(onEvent !== undefined && { onEvent }),
    ...(failFast !== undefined && { failFast }),
    ...(tempDirectory !== undefined && { tempDirectory }),
    ...(input.signal !== undefined && { signal: input.signal }),
  };
  checkApplyOptions(apply, OP);
  if (dryRun !== undefined && typeof dryRun !== "boolean") throw invalidInput(OP, "dryRun", "dryRun must be a boolean");
  const started = performance.now();
  const plan = await planSync(planInput);
  if (!dryRun) return applySyncPlan(plan, apply);
  try {
    onEvent?.({ type: "planned", summary: { ...plan.summary }, items: plan.items.length });
  } catch {
    // As in applySyncPlan: a listener cannot break the call.
  }
  return {
    plan,
    dryRun: true,
    counts: { created: 0, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 },
    bytesCopied: 0,
    durationMs: performance.now() - started,
    results: [],
    failures: [],
  };
}
