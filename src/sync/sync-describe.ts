/**
 * One line per plan item for people: what it does and to which target version, so a dry run shows which versions a
 * sync would change before it changes them.
 *
 * @module
 */

import type { SyncChange, SyncPlanItem } from "./sync-types.js";

const VERB = { create: "copy", update: "update", skip: "skip", conflict: "conflict" } as const;

/**
 * Describes a plan item in one line: the verb, the source version, the target version it changes (`(new)` for a
 * copy, none for a version filtered out), and why or what changes.
 *
 * @example
 * ```ts
 * describeSyncItem(item); // "update fraud/1 -> 3: stage production"
 * describeSyncItem(item); // "copy fraud/2 -> (new): alias champion"
 * describeSyncItem(item); // "skip fraud/3 -> 4: already-synced"
 * ```
 */
export function describeSyncItem(item: SyncPlanItem): string {
  const target = item.action === "create" ? " -> (new)" : item.targetVersion !== undefined ? ` -> ${item.targetVersion}` : "";
  const why = item.action === "skip" || item.action === "conflict" ? item.reason : item.changes.map(describeChange).join(", ");
  return `${VERB[item.action]} ${item.model}/${item.sourceVersion}${target}${why === "" ? "" : `: ${why}`}`;
}

function describeChange(change: SyncChange): string {
  switch (change.kind) {
    case "alias":
      return `alias ${change.alias}`;
    case "stage":
      return `stage ${change.to}`;
    case "metadata":
      return `metadata ${change.field}`;
  }
}
