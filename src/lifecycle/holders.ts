/**
 * The history of who held an alias or a stage, which `rollback` walks back through.
 *
 * The holders of a target form a stack, each version at most once: a move of the target to a version (a promotion,
 * or any `setAlias` / `transitionStage` the registry saw) puts that version on top, taking it out of any lower place;
 * a rollback takes the top off, and the entry below becomes the holder. A version rolled back from is out of the
 * stack until something moves the target to it again, so a rollback never returns to it.
 *
 * Where the registry keeps an audit trail, the stack is replayed from it. Elsewhere it is kept on the versions, in a
 * tag `promote` and `rollback` write ({@link holderHistoryTag}): each holder records the stack below it.
 *
 * @module
 */

import { CorruptDataError } from "../core/errors.js";
import type { RegistryEvent, RegistryEventType } from "../core/events.js";
import type { ModelVersion } from "../core/types.js";
import type { PromotionTarget } from "./gates.js";

/**
 * How many earlier holders a version's history tag keeps; older ones drop off (MLflow caps tag values at 5000 chars).
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export const MAX_HOLDER_HISTORY = 50;

/**
 * What the history tag on a version says about one alias or stage.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export interface HolderRecord {
  /** The versions that held the target below this one, oldest first. */
  below: string[];
  /** True once a rollback moved the target away from this version (and nothing moved it back through modelreg). */
  rolledBack?: boolean;
  /** The version a rollback moved the target away from to give it to this one, when that is how it got it. */
  restoredFrom?: string;
}

/**
 * The version tag that keeps a version's {@link HolderRecord} for a target, e.g. `modelreg.holders.alias.champion`.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function holderHistoryTag(target: PromotionTarget): string {
  return typeof target === "string" ? `modelreg.holders.stage.${target}` : `modelreg.holders.alias.${target.alias}`;
}

/**
 * The tag modelreg 0.1 wrote instead: the one version that held the target before. Still read, as a history of
 * one, so versions promoted before the upgrade can be rolled back.
 *
 * @deprecated Read {@link holderHistoryTag}; kept for versions promoted by modelreg 0.1.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function previousHolderTag(target: PromotionTarget): string {
  return typeof target === "string" ? `modelreg.previous.stage.${target}` : `modelreg.previous.alias.${target.alias}`;
}

/**
 * A version's record for `target`, or `undefined` when it has none.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function readHolderRecord(version: ModelVersion, target: PromotionTarget): HolderRecord | undefined {
  const text = version.tags[holderHistoryTag(target)];
  if (text === undefined) {
    const previous = version.tags[previousHolderTag(target)];
    return previous === undefined ? undefined : { below: [previous] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const record = parsed as HolderRecord | undefined;
  if (typeof record !== "object" || record === null || !Array.isArray(record.below) || !record.below.every((v) => typeof v === "string")) {
    throw new CorruptDataError(`the ${holderHistoryTag(target)} tag of ${version.model}/${version.version} is not a holder history; fix or remove it`, {
      provider: "core",
      operation: "rollback",
    });
  }
  return {
    below: record.below,
    ...(record.rolledBack === true && { rolledBack: true }),
    ...(typeof record.restoredFrom === "string" && { restoredFrom: record.restoredFrom }),
  };
}

/** The tag patch that stores `record` for `target`, trimmed to {@link MAX_HOLDER_HISTORY}. */
export function holderRecordTag(target: PromotionTarget, record: HolderRecord): Record<string, string> {
  return { [holderHistoryTag(target)]: JSON.stringify({ ...record, below: record.below.slice(-MAX_HOLDER_HISTORY) }) };
}

/** Puts `version` on top of `stack`, taking it out of any lower place. */
export function pushHolder(stack: readonly string[], version: string): string[] {
  return [...stack.filter((v) => v !== version), version];
}

/** The audit event types {@link replayHolders} reads. */
export const HOLDER_EVENT_TYPES: readonly RegistryEventType[] = ["alias.set", "stage.changed", "rollback.completed", "version.deleted", "model.deleted"];

/** The stack of holders an audit trail describes, and the version the last rollback moved away from. */
export interface ReplayedHolders {
  /** Oldest first; the last entry is the holder. */
  stack: string[];
  /** The `from` of the last rollback of this target, unless the target moved again since. */
  lastRolledBackFrom: string | undefined;
  /**
   * Versions in the stack that were deleted. They stay in it, so a rollback can say it stepped over them, and are
   * never returned to, even when a later version takes the same number, unless the target moves to that number again.
   */
  deleted: Set<string>;
}

/**
 * Replays one model's audit events, oldest first, into the stack of holders of `target`. Taking a version out of a
 * stage (archiving it) does not take it off the stack: the version that replaced it is on top, and it is below.
 */
export function replayHolders(events: readonly RegistryEvent[], target: PromotionTarget): ReplayedHolders {
  let stack: string[] = [];
  let lastRolledBackFrom: string | undefined;
  const deleted = new Set<string>();
  const isStage = typeof target === "string";
  for (const e of events) {
    if (e.type === "model.deleted") {
      // A model made again under the same name numbers its versions afresh: the old history names other versions.
      stack = [];
      lastRolledBackFrom = undefined;
      deleted.clear();
    } else if (e.type === "version.deleted" && e.version !== undefined) {
      if (stack.includes(e.version)) deleted.add(e.version);
    } else if (e.type === "alias.set" && !isStage && e.alias === target.alias && e.to !== undefined) {
      stack = pushHolder(stack, e.to);
      deleted.delete(e.to);
      lastRolledBackFrom = undefined;
    } else if (e.type === "stage.changed" && isStage && e.to === target && e.version !== undefined) {
      stack = pushHolder(stack, e.version);
      deleted.delete(e.version);
      lastRolledBackFrom = undefined;
    } else if (e.type === "rollback.completed" && e.from !== undefined && e.to !== undefined && (isStage ? e.stage === target : e.alias === target.alias)) {
      stack = pushHolder(
        stack.filter((v) => v !== e.from),
        e.to,
      );
      lastRolledBackFrom = e.from;
    }
  }
  return { stack, lastRolledBackFrom, deleted };
}
