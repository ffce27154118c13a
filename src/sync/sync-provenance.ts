/**
 * How a copy remembers where it came from: version tags (every adapter round-trips them), `lineage.syncedFrom`, and
 * an idempotency key derived from the same facts, so a retried create cannot make a second copy.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { adapterById } from "../adapters/adapters.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { ModelVersion, SyncOrigin } from "../core/types.js";
import { assertAlias, assertTags } from "../core/validation.js";

/** The version tags a synced copy carries. */
export const SYNC_TAGS = {
  /** The source's name (`sourceName`, default its provider). */
  source: "modelreg.sync.source",
  /** The source model. */
  model: "modelreg.sync.model",
  /** The source version. */
  version: "modelreg.sync.version",
  /** The source content digest. */
  digest: "modelreg.sync.digest",
} as const;

/** The prefix of every sync tag; a source's own sync tags (it was itself a copy) are replaced, not carried. */
export const SYNC_TAG_PREFIX = "modelreg.sync.";

/**
 * The tags that mark a copy of `origin`.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function provenanceTags(origin: SyncOrigin): Record<string, string> {
  return { [SYNC_TAGS.source]: origin.registry, [SYNC_TAGS.model]: origin.model, [SYNC_TAGS.version]: origin.version, [SYNC_TAGS.digest]: origin.digest };
}

/**
 * Where a target version says it came from: its sync tags, else its `lineage.syncedFrom` (an adapter that dropped
 * the tags still keeps lineage). Undefined for a version sync did not make.
 */
export function originOf(version: ModelVersion): SyncOrigin | undefined {
  const t = version.tags;
  const [registry, model, number] = [t[SYNC_TAGS.source], t[SYNC_TAGS.model], t[SYNC_TAGS.version]];
  if (registry !== undefined && model !== undefined && number !== undefined) {
    return { registry, model, version: number, digest: t[SYNC_TAGS.digest] ?? "" };
  }
  const from = version.lineage.syncedFrom;
  return from && typeof from.registry === "string" ? { ...from } : undefined;
}

/** The key that identifies one source version in a target: source name, model, version. */
export function originKey(origin: { registry: string; model: string; version: string }): string {
  return JSON.stringify([origin.registry, origin.model, origin.version]);
}

/**
 * The idempotency key for copying `origin`: a hash of source, model, version and digest, so a create retried after a
 * lost response (or a crash) returns the first copy on adapters with `capabilities.idempotentCreate`.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function syncIdempotencyKey(origin: SyncOrigin): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([origin.registry, origin.model, origin.version, origin.digest]))
    .digest("hex");
  return `modelreg-sync-${hash}`;
}

/**
 * The aliases `target` will not take from sync, plus `extra`: those its adapter manages itself and refuses from users
 * (each adapter's descriptor lists them: W&B `latest`, `staging` and `production`; Vertex `default`, `staging` and
 * `production`). The `ModelRegistry` interface has no way to ask, so sync looks the provider up in the one list of
 * adapters. `latest` and `v<number>` are reserved everywhere (they name versions) and are checked separately.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function targetReservedAliases(target: Pick<ModelRegistry, "provider">, extra: readonly string[] = []): Set<string> {
  return new Set([...(adapterById(target.provider)?.managedAliases ?? []), ...extra]);
}

/** Why `alias` cannot be set on a target with these reserved aliases, or undefined when it can. */
export function aliasRefusal(alias: string, reserved: ReadonlySet<string>): string | undefined {
  if (reserved.has(alias)) return `the target manages the alias ${JSON.stringify(alias)} itself`;
  try {
    assertAlias(alias, "planSync");
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** Splits a source version's tags into those that travel and those the target cannot hold (with the reason). */
export function transferableTags(tags: Record<string, string>): {
  tags: Record<string, string>;
  refused: Array<{ key: string; reason: string }>;
  replaced: string[];
} {
  const out: Record<string, string> = {};
  const refused: Array<{ key: string; reason: string }> = [];
  const replaced: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(SYNC_TAG_PREFIX)) {
      replaced.push(key);
      continue;
    }
    try {
      assertTags({ [key]: value }, "planSync");
      out[key] = value;
    } catch (error) {
      refused.push({ key, reason: (error as Error).message });
    }
  }
  return { tags: out, refused, replaced };
}
