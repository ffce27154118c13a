/**
 * `rollback`: give an alias or a stage back to the version that held it before the current one. Each call steps one
 * further back through the history of holders (see holders.ts); none returns to a version a rollback moved away
 * from, and at the bottom of the history it refuses with `NoEarlierHolderError`.
 *
 * @module
 */

import { NoEarlierHolderError, NotFoundError, invalidInput } from "../core/errors.js";
import type { RegistryEvent } from "../core/events.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { CallOptions } from "../core/options.js";
import type { ModelVersion, Stage } from "../core/types.js";
import { assertAlias, assertModelName, parseStage } from "../core/validation.js";
import type { PromotionTarget } from "./gates.js";
import { HOLDER_EVENT_TYPES, holderRecordTag, readHolderRecord, replayHolders, type HolderRecord } from "./holders.js";

/**
 * What to roll back: an alias or a stage, never both (the type refuses `{ alias, stage }`, and so does `rollback`
 * at run time for JavaScript callers).
 */
export type RollbackTarget =
  | {
      /** The alias to move back. */
      alias: string;
      /** Not with `alias`. */
      stage?: never;
    }
  | {
      /** The stage to move back. */
      stage: Stage;
      /** Not with `stage`. */
      alias?: never;
    };

/** What a rollback did. */
export interface RollbackResult {
  /** The model. */
  model: string;
  /** The alias or stage that moved. */
  target: PromotionTarget;
  /** The version that held it until now. */
  from: string;
  /** The version that holds it again. */
  to: string;
  /** Where the history came from: the registry's audit trail, or the history tag on the versions. */
  foundIn: "audit" | "history";
  /** Earlier holders stepped over because they were deleted or already rolled back from, newest first. */
  skipped: string[];
}

/**
 * Moves an alias or stage back one step through the history of its holders, and records `rollback.completed`.
 *
 * The holders form a stack, each version once: a move to a version puts it on top, a rollback takes the top off and
 * gives the target to the version below. So repeated rollbacks walk back (3 -> 2, 2 -> 1), never flip between two
 * versions, and refuse with `NoEarlierHolderError` once nothing is left below. A version rolled back from is never
 * returned to until something moves the target to it again. Deleted versions are stepped over (see `skipped`).
 *
 * Where the history comes from:
 * - with an audit trail (`capabilities.audit`), from the trail: every `setAlias` and `transitionStage` counts,
 *   including ones made by hand after a rollback, and each `rollback.completed` takes its `from` off the stack;
 * - without one, from the tag `promote` and `rollback` keep on each version (`modelreg.holders.<stage|alias>.<name>`):
 *   a move made by hand is not seen. If the holder got the target by hand and never through `promote`, there is no
 *   history and rollback refuses; if it held it through `promote` before, the history recorded then is used, minus
 *   versions rolled back from since.
 *
 * For a stage, the other versions in it are archived (for `staging` and `production`, as `promote` does).
 *
 * @throws InvalidInputError for a bad model name or target, or both `alias` and `stage`, before any request.
 * @throws NotFoundError when no version holds the target.
 * @throws NoEarlierHolderError when the history has no earlier holder to go back to; nothing is changed.
 */
export async function rollback(registry: ModelRegistry, model: string, target: RollbackTarget, options: CallOptions = {}): Promise<RollbackResult> {
  const op = "rollback";
  assertModelName(model, op);
  const resolved = checkTarget(target, op);
  const label = typeof resolved === "string" ? `stage ${resolved}` : `alias ${resolved.alias}`;

  const holders = await holdersNow(registry, model, resolved, options);
  if (holders.length === 0)
    throw new NotFoundError(`no version of ${model} holds ${label}; there is nothing to roll back`, { provider: registry.provider, operation: op });

  const foundIn: RollbackResult["foundIn"] = registry.capabilities.audit ? "audit" : "history";
  let current: string;
  let below: string[];
  let rolledBackFrom: string | undefined;
  let currentRecord: HolderRecord | undefined;
  let deleted: ReadonlySet<string> = new Set();
  if (foundIn === "audit") {
    const events: RegistryEvent[] = [];
    for await (const event of registry.listAuditEvents({ ...options, model, types: [...HOLDER_EVENT_TYPES] })) events.push(event);
    const replayed = replayHolders(events, resolved);
    // The holder is the highest version of the stack that holds the target now; the trail records every move, so
    // that is its top unless the registry was changed behind the client's back.
    current = [...replayed.stack].reverse().find((v) => holders.includes(v)) ?? (holders[0] as string);
    const at = replayed.stack.indexOf(current);
    // A holder the trail never saw arrive was put there behind the client's back: it goes on top of what the trail knows.
    below = at === -1 ? replayed.stack : replayed.stack.slice(0, at);
    rolledBackFrom = replayed.lastRolledBackFrom;
    deleted = replayed.deleted;
    currentRecord = readHolderRecord(await registry.getVersion({ model, version: current }, options), resolved);
  } else {
    current = holders[0] as string;
    const record = readHolderRecord(await registry.getVersion({ model, version: current }, options), resolved);
    currentRecord = record;
    if (!record) {
      throw new NoEarlierHolderError(
        `no earlier holder of ${label} of ${model} is recorded: ${current} did not get it through promote or rollback, and ${registry.provider} keeps no audit trail to show who held it before`,
        { provider: registry.provider, operation: op, holder: current },
      );
    }
    below = record.below;
    rolledBackFrom = record.restoredFrom;
  }

  const step = await findEarlier(registry, model, resolved, current, below, foundIn, deleted, options);
  if (!step) {
    const after = rolledBackFrom === undefined ? "" : `; a rollback already moved it away from ${rolledBackFrom}, which it never returns to`;
    throw new NoEarlierHolderError(`no earlier holder of ${label} of ${model} is recorded below ${current}${after}`, {
      provider: registry.provider,
      operation: op,
      holder: current,
      ...(rolledBackFrom !== undefined && { rolledBackFrom }),
    });
  }
  const { previous, rest, skipped } = step;

  // The history goes on the versions first: a move that then fails leaves a history that still describes them.
  await registry.updateVersion(
    { model, version: current },
    { tags: holderRecordTag(resolved, { below: currentRecord?.below ?? below, rolledBack: true }) },
    options,
  );
  const restored: HolderRecord = { below: rest, restoredFrom: current };
  await registry.updateVersion({ model, version: previous.version }, { tags: holderRecordTag(resolved, restored) }, options);

  if (typeof resolved === "string") {
    const archive = resolved === "staging" || resolved === "production";
    await registry.transitionStage({ model, version: previous.version }, resolved, { ...options, archiveExisting: archive });
    if (!archive) await registry.transitionStage({ model, version: current }, "archived", options);
  } else {
    await registry.setAlias(model, resolved.alias, previous.version, options);
  }
  await registry.recordEvent(
    {
      type: "rollback.completed",
      model,
      version: previous.version,
      ...(typeof resolved === "string" ? { stage: resolved } : { alias: resolved.alias }),
      from: current,
      to: previous.version,
      details: { foundIn, ...(skipped.length > 0 && { skipped }) },
    },
    options,
  );
  return { model, target: resolved, from: current, to: previous.version, foundIn, skipped };
}

function checkTarget(target: unknown, op: string): PromotionTarget {
  if (typeof target !== "object" || target === null) throw invalidInput(op, "target", "roll back { alias } or { stage }");
  const { alias, stage } = target as { alias?: unknown; stage?: unknown };
  // The CLI refuses --stage with --alias; a JavaScript caller passing both must not have one silently ignored.
  if (alias !== undefined && stage !== undefined) throw invalidInput(op, "target", "roll back either { alias } or { stage }, not both");
  if (alias !== undefined) {
    assertAlias(alias, op);
    return { alias: alias as string };
  }
  if (stage !== undefined) return parseStage(stage, op);
  throw invalidInput(op, "target", "roll back { alias } or { stage }");
}

/** The versions holding the target now: the alias's one, or every version in the stage, newest first. */
async function holdersNow(registry: ModelRegistry, model: string, target: PromotionTarget, options: CallOptions): Promise<string[]> {
  if (typeof target === "string") {
    const versions: string[] = [];
    for await (const v of registry.listVersions(model, { ...options, stage: target })) versions.push(v.version);
    return versions;
  }
  try {
    return [await registry.resolveAlias(model, target.alias, options)];
  } catch (error) {
    if (NotFoundError.isInstance(error)) return [];
    throw error;
  }
}

/**
 * The nearest version below the holder that can take the target back: it still exists and, without an audit trail,
 * its own history does not say a rollback moved away from it (with one, such versions are already off the stack).
 */
async function findEarlier(
  registry: ModelRegistry,
  model: string,
  target: PromotionTarget,
  current: string,
  below: readonly string[],
  foundIn: RollbackResult["foundIn"],
  deleted: ReadonlySet<string>,
  options: CallOptions,
): Promise<{ previous: ModelVersion; rest: string[]; skipped: string[] } | undefined> {
  const skipped: string[] = [];
  for (let i = below.length - 1; i >= 0; i--) {
    const candidate = below[i] as string;
    if (candidate === current) continue;
    // The trail saw it deleted; a version found under its number now is a later one that never held the target.
    if (deleted.has(candidate)) {
      skipped.push(candidate);
      continue;
    }
    let version: ModelVersion;
    try {
      version = await registry.getVersion({ model, version: candidate }, options);
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
      skipped.push(candidate);
      continue;
    }
    if (foundIn === "history" && readHolderRecord(version, target)?.rolledBack) {
      skipped.push(candidate);
      continue;
    }
    return { previous: version, rest: below.slice(0, i).filter((v) => v !== current), skipped };
  }
  return undefined;
}
