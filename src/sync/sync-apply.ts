/**
 * `applySyncPlan`: carry out a plan, version by version, reporting progress as typed events.
 *
 * @module
 */

import { mapLimit } from "../core/concurrency.js";
import { AbortedError, ConflictError, invalidInput, type ModelRegistryError } from "../core/errors.js";
import { ownValue, setOwn } from "../core/own-keys.js";
import type { UpdateVersionInput } from "../core/types.js";
import { copyVersion, toSyncError } from "./sync-copy.js";
import { transferableTags } from "./sync-provenance.js";
import type { ApplySyncOptions, SyncEvent, SyncItemResult, SyncReport } from "./sync-report.js";
import type { SyncChange, SyncCreateItem, SyncPlan, SyncPlanItem, SyncUpdateItem } from "./sync-types.js";
import { checkApplyOptions } from "./sync-validate.js";

const OP = "applySyncPlan";

/**
 * Applies a plan from {@link planSync}. `create` items copy a version (files streamed from the source and
 * verified against its listed digests) and then set its aliases and stage; `update` items change aliases, stage and metadata of the
 * existing copy; `skip` and `conflict` items change nothing and are reported as `skipped` events.
 *
 * Versions of one model are applied in plan order (oldest first), so the copies' numbers keep the source's order,
 * except that copies leaving `production` are updated first; `concurrency` models move at once. Before a copy enters
 * `production` on a target with its own stages, the target is read again: if another version is there (someone
 * promoted it after planning, or a demotion failed), the item fails with `ConflictError` rather than leave two. A failed item is reported with its typed error and the run goes on, unless
 * `failFast`: then no further item starts, and the rest are reported as `not-started`. Because `createVersion` is
 * all-or-nothing, a copy that fails or is aborted mid-transfer leaves no version in the target; if a later step
 * (an alias, a stage) fails, the copy exists with its provenance and the next plan lists the rest as an `update`.
 *
 * @throws InvalidInputError for a bad plan or options, before any registry call.
 * @throws AbortedError when `signal` fires; what finished stays done, and planning again resumes from there.
 */
export async function applySyncPlan(plan: SyncPlan, options: ApplySyncOptions = {}): Promise<SyncReport> {
  checkPlan(plan);
  checkApplyOptions(options, OP);
  const started = performance.now();
  const emit = (event: SyncEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure is the listener's; it must not decide whether versions get copied.
    }
  };
  const signal = options.signal ?? new AbortController().signal;
  const throwIfAborted = () => {
    if (signal.aborted) throw new AbortedError("sync aborted by the caller's signal", { provider: "core", operation: OP, cause: signal.reason });
  };
  emit({ type: "planned", summary: { ...plan.summary }, items: plan.items.length });
  throwIfAborted();

  const results: SyncItemResult[] = new Array(plan.items.length);
  const groups = new Map<string, number[]>();
  for (const [index, item] of plan.items.entries()) groups.set(item.model, [...(groups.get(item.model) ?? []), index]);
  let stopped = false;

  const run = async (item: SyncPlanItem): Promise<SyncItemResult> => {
    const base = { item, bytes: 0, durationMs: 0 };
    if (item.action === "skip") {
      emit({ type: "skipped", model: item.model, version: item.sourceVersion, reason: item.reason });
      return { ...base, status: "skipped", ...(item.targetVersion !== undefined && { targetVersion: item.targetVersion }) };
    }
    if (item.action === "conflict") {
      emit({ type: "skipped", model: item.model, version: item.sourceVersion, reason: "conflict" });
      return { ...base, status: "conflict", targetVersion: item.targetVersion };
    }
    if (stopped) {
      emit({ type: "skipped", model: item.model, version: item.sourceVersion, reason: "not-started" });
      return { ...base, status: "not-started" };
    }
    const t0 = performance.now();
    let bytes = 0;
    let targetVersion = item.action === "update" ? item.targetVersion : undefined;
    emit({ type: "version.started", model: item.model, version: item.sourceVersion, action: item.action });
    try {
      if (item.action === "create") {
        const copied = await copyVersion({
          plan,
          item,
          signal,
          tempDirectory: options.tempDirectory,
          onBytes: (n, totalBytes) => {
            bytes = n;
            emit({ type: "bytes", model: item.model, version: item.sourceVersion, bytes: n, ...(totalBytes !== undefined && { totalBytes }) });
          },
        });
        targetVersion = copied.version.version;
        bytes = copied.bytes;
      }
      const movedAliases = await applyChanges(plan, item, targetVersion as string, signal);
      const durationMs = performance.now() - t0;
      emit({
        type: "version.done",
        model: item.model,
        version: item.sourceVersion,
        targetVersion: targetVersion as string,
        action: item.action,
        bytes,
        durationMs,
      });
      return {
        item,
        status: item.action === "create" ? "created" : "updated",
        targetVersion: targetVersion as string,
        bytes,
        durationMs,
        ...(movedAliases.length > 0 && { movedAliases }),
      };
    } catch (error) {
      const typed: ModelRegistryError = toSyncError(error, signal);
      if (options.failFast) stopped = true;
      emit({ type: "failed", model: item.model, version: item.sourceVersion, error: typed });
      return { item, status: "failed", ...(targetVersion !== undefined && { targetVersion }), bytes, durationMs: performance.now() - t0, error: typed };
    }
  };

  await mapLimit([...groups.values()], options.concurrency ?? 2, async (indexes) => {
    for (const index of demotionsFirst(plan.items, indexes)) {
      if (signal.aborted) return;
      results[index] = await run(plan.items[index] as SyncPlanItem);
    }
  });
  throwIfAborted();

  const counts = { created: 0, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 };
  const key = { created: "created", updated: "updated", skipped: "skipped", conflict: "conflicts", failed: "failed", "not-started": "notStarted" } as const;
  for (const r of results) counts[key[r.status]]++;
  return {
    plan,
    dryRun: false,
    counts,
    bytesCopied: results.reduce((n, r) => n + r.bytes, 0),
    durationMs: performance.now() - started,
    results,
    failures: results.filter((r) => r.error).map((r) => ({ model: r.item.model, version: r.item.sourceVersion, error: r.error as ModelRegistryError })),
  };
}

/** Metadata first, then aliases, then the stage: a stage alias may depend on the version's state. */
async function applyChanges(
  plan: SyncPlan,
  item: SyncCreateItem | SyncUpdateItem,
  targetVersion: string,
  signal: AbortSignal,
): Promise<Array<{ alias: string; previous: string }>> {
  const { target } = plan;
  const ref = { model: item.model, version: targetVersion };
  const patch = metadataPatch(item, item.changes);
  if (patch) await target.updateVersion(ref, patch, { signal });
  const moved: Array<{ alias: string; previous: string }> = [];
  for (const change of item.changes) {
    if (change.kind !== "alias") continue;
    const { previous } = await target.setAlias(item.model, change.alias, targetVersion, { signal });
    if (previous !== undefined && previous !== targetVersion) moved.push({ alias: change.alias, previous });
  }
  for (const change of item.changes) {
    if (change.kind !== "stage") continue;
    if (change.to === "production") await assertProductionFree(plan, ref, signal);
    await target.transitionStage(ref, change.to, { signal });
  }
  return moved;
}

/**
 * The plan moved `production` only to a copy once every other holder leaves it, but the target may have changed since
 * (someone promoted a version, or a copy's demotion failed). Sync never moves another version out of `production`
 * itself, so it refuses to add a second one. Where stages are aliases, the adapter moves the alias: no second holder.
 */
async function assertProductionFree(plan: SyncPlan, ref: { model: string; version: string }, signal: AbortSignal): Promise<void> {
  const { target } = plan;
  if (target.capabilities.stages === "alias") return;
  const others = (await target.listVersions(ref.model, { stage: "production", signal }).toArray()).filter(
    (v) => v.version !== ref.version && v.stage === "production",
  );
  if (others.length === 0) return;
  throw new ConflictError(
    `target version ${others.map((v) => v.version).join(", ")} of ${ref.model} is in production; sync does not put version ${ref.version} there beside it, nor move a version out that it did not plan to`,
    { provider: target.provider, operation: OP },
  );
}

/**
 * One model's items in the order they run: plan order (so copies are numbered in the source's order), except that
 * copies leaving `production` go first, so the copy entering it never stands there beside them. Those are updates,
 * which create no version, so numbering is unaffected.
 */
function demotionsFirst(items: SyncPlanItem[], indexes: number[]): number[] {
  const leaves = (i: number) => {
    const item = items[i] as SyncPlanItem;
    return item.action === "update" && item.changes.some((c) => c.kind === "stage" && c.from === "production" && c.to !== "production");
  };
  return [...indexes.filter(leaves), ...indexes.filter((i) => !leaves(i))];
}

function metadataPatch(item: SyncCreateItem | SyncUpdateItem, changes: SyncChange[]): UpdateVersionInput | undefined {
  const sv = item.source;
  const patch: UpdateVersionInput = {};
  const tags: Record<string, string> = {};
  for (const change of changes) {
    if (change.kind === "metadata") {
      if (change.field === "description" && sv.description !== undefined) patch.description = sv.description;
      if (change.field === "modelCard" && sv.modelCard !== undefined) patch.modelCard = sv.modelCard;
      if (change.field === "tags") {
        const travelling = transferableTags(sv.tags).tags;
        // Own keys: a planned key the source no longer has (say `toString`) must not copy Object.prototype's member.
        for (const k of change.keys ?? []) {
          const value = ownValue(travelling, k);
          if (value !== undefined) setOwn(tags, k, value);
        }
      }
      if (change.field === "metrics")
        patch.metrics = Object.fromEntries((change.keys ?? []).filter((k) => ownValue(sv.metrics, k) !== undefined).map((k) => [k, sv.metrics[k] as number]));
    }
  }
  if (Object.keys(tags).length > 0) patch.tags = tags;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

function checkPlan(plan: SyncPlan): void {
  const ok =
    typeof plan === "object" &&
    plan !== null &&
    Array.isArray(plan.items) &&
    typeof plan.sourceName === "string" &&
    typeof plan.source?.openArtifact === "function" &&
    typeof plan.target?.createVersion === "function";
  if (!ok) throw invalidInput(OP, "plan", "applySyncPlan takes a plan made by planSync");
}
