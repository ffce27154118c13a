/**
 * `rollback`: put an alias or a stage back on the version that held it before, found in the registry's audit trail
 * or, where there is none, in the history `promote` keeps on each version.
 *
 * @module
 */

import { NotFoundError, invalidInput } from "../core/errors.js";
import type { RegistryEvent } from "../core/events.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { CallOptions } from "../core/options.js";
import type { Stage } from "../core/types.js";
import { assertAlias, assertModelName, parseStage } from "../core/validation.js";
import type { PromotionTarget } from "./gates.js";
import { previousHolderTag } from "./promote.js";

/** What to roll back: an alias or a stage. */
export type RollbackTarget =
  | {
      /** The alias to move back. */
      alias: string;
    }
  | {
      /** The stage to move back. */
      stage: Stage;
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
  /** Where the earlier holder was found: the audit trail, or the version history tag. */
  foundIn: "audit" | "history";
}

/**
 * Moves an alias or stage back to the version that held it before the current one. For a stage, the current version
 * is archived. Records `rollback.completed`.
 *
 * The earlier holder comes from the audit trail when the registry keeps one (`capabilities.audit`): the `from` of the
 * alias move that put the current version there, or the last other version that entered the stage. Otherwise it
 * comes from the tag `promote` leaves on the version it promotes (`modelreg.previous.<stage|alias>.<name>`).
 *
 * @throws NotFoundError when the target holds no version, or no earlier holder is recorded.
 */
export async function rollback(registry: ModelRegistry, model: string, target: RollbackTarget, options: CallOptions = {}): Promise<RollbackResult> {
  const op = "rollback";
  assertModelName(model, op);
  let resolved: PromotionTarget;
  if (typeof target === "object" && target !== null && "alias" in target) {
    assertAlias(target.alias, op);
    resolved = { alias: target.alias };
  } else if (typeof target === "object" && target !== null && "stage" in target) {
    resolved = parseStage(target.stage, op);
  } else {
    throw invalidInput(op, "target", "roll back { alias } or { stage }");
  }
  const label = typeof resolved === "string" ? `stage ${resolved}` : `alias ${resolved.alias}`;
  const notFound = (message: string) => new NotFoundError(message, { provider: registry.provider, operation: op });

  const current = await holder(registry, model, resolved, options);
  if (current === undefined) throw notFound(`no version of ${model} holds ${label}; there is nothing to roll back`);

  let previous: string | undefined;
  let foundIn: RollbackResult["foundIn"] = "audit";
  if (registry.capabilities.audit) previous = await fromAudit(registry, model, resolved, current, options);
  if (previous === undefined) {
    foundIn = "history";
    previous = (await registry.getVersion({ model, version: current }, options)).tags[previousHolderTag(resolved)];
  }
  if (previous === undefined || previous === current) throw notFound(`no earlier holder of ${label} of ${model} is recorded`);
  // The earlier holder must still exist: a deleted version cannot come back.
  await registry.getVersion({ model, version: previous }, options);

  if (typeof resolved === "string") {
    const archive = resolved === "staging" || resolved === "production";
    await registry.transitionStage({ model, version: previous }, resolved, { ...options, archiveExisting: archive });
    if (!archive) await registry.transitionStage({ model, version: current }, "archived", options);
  } else {
    await registry.setAlias(model, resolved.alias, previous, options);
  }
  await registry.recordEvent(
    {
      type: "rollback.completed",
      model,
      version: previous,
      ...(typeof resolved === "string" ? { stage: resolved } : { alias: resolved.alias }),
      from: current,
      to: previous,
      details: { foundIn },
    },
    options,
  );
  return { model, target: resolved, from: current, to: previous, foundIn };
}

async function holder(registry: ModelRegistry, model: string, target: PromotionTarget, options: CallOptions): Promise<string | undefined> {
  if (typeof target === "string") {
    for await (const v of registry.listVersions(model, { ...options, stage: target })) return v.version;
    return undefined;
  }
  try {
    return await registry.resolveAlias(model, target.alias, options);
  } catch (error) {
    if (NotFoundError.isInstance(error)) return undefined;
    throw error;
  }
}

async function fromAudit(registry: ModelRegistry, model: string, target: PromotionTarget, current: string, options: CallOptions): Promise<string | undefined> {
  const events: RegistryEvent[] = [];
  const types = typeof target === "string" ? (["stage.changed"] as const) : (["alias.set"] as const);
  for await (const event of registry.listAuditEvents({ ...options, model, types: [...types] })) events.push(event);
  if (typeof target !== "string") {
    const moves = events.filter((e) => e.alias === target.alias);
    const last = moves.at(-1);
    return last && last.to === current ? last.from : undefined;
  }
  // The versions that entered the stage, oldest first; the one before the current holder's latest entry held it before.
  const entries = events.filter((e) => e.to === target && e.version !== undefined).map((e) => e.version as string);
  const at = entries.lastIndexOf(current);
  for (let i = (at === -1 ? entries.length : at) - 1; i >= 0; i--) if (entries[i] !== current) return entries[i];
  return undefined;
}
