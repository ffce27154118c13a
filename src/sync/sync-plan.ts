/**
 * `planSync`: read both registries and decide, per source version, what applying would do. Nothing is written.
 *
 * @module
 */

import { InvalidInputError, NotFoundError, throwIfAborted } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import { ownValue } from "../core/own-keys.js";
import type { ModelVersion, Stage } from "../core/types.js";
import { aliasRefusal, originKey, originOf, targetReservedAliases, transferableTags } from "./sync-provenance.js";
import type { SyncChange, SyncModelSelector, SyncPlan, SyncPlanInput, SyncPlanItem, SyncWarning } from "./sync-types.js";
import { checkPlanInput } from "./sync-validate.js";

const OP = "planSync";

/**
 * Plans a sync from `source` to `target`. Each version of each selected model becomes one item:
 *
 * - `create`: no copy exists in the target; applying copies the files and metadata into a new target version (its
 *   number is the target's next one), then sets the aliases and stage listed in `changes`.
 * - `update`: a copy exists (found by its `modelreg.sync.*` tags, or `lineage.syncedFrom`, naming this source, model
 *   and version) but its aliases, stage, description, tags, metrics or model card differ; `changes` lists which.
 * - `skip`: `already-synced` (a copy with the same digest exists and agrees) or `filtered-out` (by `versions`).
 * - `conflict`: a target version claims to be the copy but records another digest; it is never overwritten.
 *
 * Provenance alone decides what is a copy, so sync only ever changes target versions it made from this source:
 * - A target version without this source's provenance is never changed, whatever it holds. Identical content is no
 *   proof: two source versions may share their files, and someone else may have registered the same files with
 *   their own metrics. The source version gets its own new copy, and the item carries an `untracked-target-version`
 *   warning naming such a version when it has the source version's number or identical content.
 * - A provenance key names one source version, so each target version is the copy of at most one source version, and
 *   each source version uses one copy (the oldest, with a `duplicate-copies` warning if there are more).
 * - An alias that points, in the target, at anything but the copy of the source alias holder is moved to the copy;
 *   the `alias` change names the `previous` holder, which loses the alias. Aliases of versions left out by `versions`
 *   are not touched, and target aliases the source does not have are kept.
 * - Sync never leaves two target versions in `production`: only the newest selected source version in `production`
 *   carries it (`stage-limited` on the others; a copy of theirs in `production` now moves to `archived`), and while
 *   a version sync does not manage holds `production` in a target with its own stages, no copy enters it
 *   (`stage-held`). Where the target keeps stages as one alias each, the same holds for `staging`.
 *
 * What cannot travel is a warning on the item, never dropped silently: aliases on a target without
 * `capabilities.aliases`, aliases the target manages (W&B `latest`/`staging`/`production`, Vertex
 * `default`/`staging`/`production`, `latest` and `v<n>` everywhere), tags the target cannot hold, and metric changes
 * on a target without `capabilities.updateMetrics`.
 *
 * @throws InvalidInputError for bad input, before any registry call. `NotFoundError` when a named model is not in
 *   the source.
 */
export async function planSync(input: SyncPlanInput): Promise<SyncPlan> {
  checkPlanInput(input, OP);
  const { source, signal } = input;
  const models = await selectModels(source, input.models, signal);
  const items: SyncPlanItem[] = [];
  for (const model of models) {
    throwIfAborted(signal, "core", OP, "planning aborted by the caller's signal");
    items.push(...(await planModel(input, model)));
  }
  const summary = { create: 0, update: 0, skip: 0, conflict: 0 };
  for (const item of items) summary[item.action]++;
  return { source, target: input.target, sourceName: input.sourceName ?? source.provider, models, items, summary, createdAt: new Date() };
}

async function selectModels(source: ModelRegistry, selector: SyncModelSelector | undefined, signal: AbortSignal | undefined): Promise<string[]> {
  if (Array.isArray(selector)) return [...new Set(selector as readonly string[])];
  const names: string[] = [];
  for await (const model of source.listModels({ ...(signal && { signal }) })) {
    if (typeof selector !== "function" || selector(model)) names.push(model.name);
  }
  return names;
}

async function planModel(input: SyncPlanInput, model: string): Promise<SyncPlanItem[]> {
  const { source, target, signal } = input;
  const sourceName = input.sourceName ?? source.provider;
  const call = signal ? { signal } : {};
  const sourceVersions = (await source.listVersions(model, call).toArray()).sort(byNumber);
  const targetVersions = await listOrEmpty(target, model, call);

  // Only provenance makes a target version a copy of a source version; identical content proves nothing (someone
  // else may have registered the same files with their own metrics). Every other version is someone else's.
  const copies = new Map<string, ModelVersion[]>();
  const foreign: ModelVersion[] = [];
  const holders = new Map<string, string>();
  for (const tv of [...targetVersions].sort(byNumber)) {
    const origin = originOf(tv);
    if (origin?.registry === sourceName) {
      const key = originKey(origin);
      copies.set(key, [...(copies.get(key) ?? []), tv]);
    } else foreign.push(tv);
    for (const alias of tv.aliases) holders.set(alias, tv.version);
  }

  const filter = input.versions ?? "all";
  const selected = new Set(sourceVersions.filter((v) => (filter === "all" ? true : filter === "aliased" ? v.aliases.length > 0 : filter(v))));
  // The copy whose stage this plan decides: none for a copy in conflict, which is left alone like someone else's.
  const copyOf = (sv: ModelVersion) => {
    const copy = copies.get(originKey({ registry: sourceName, model, version: sv.version }))?.[0];
    return copy && !digestDiffers(sv, copy) ? copy : undefined;
  };
  const stages =
    input.stages === false
      ? undefined
      : stageAuthority(
          target,
          sourceVersions.filter((v) => selected.has(v)),
          copyOf,
          targetVersions,
        );
  const reserved = targetReservedAliases(target, input.reservedAliases);

  return sourceVersions.map((sv): SyncPlanItem => {
    const base = { model, sourceVersion: sv.version, ...(sv.artifacts.digest !== undefined && { digest: sv.artifacts.digest }), warnings: [] as SyncWarning[] };
    if (!selected.has(sv)) return { ...base, action: "skip", reason: "filtered-out" };
    const warnings = base.warnings;
    const { tags, refused, replaced } = transferableTags(sv.tags);
    for (const r of refused) warnings.push({ code: "tag-invalid", subject: r.key, message: `tag ${JSON.stringify(r.key)} cannot travel: ${r.reason}` });
    if (replaced.length > 0) {
      warnings.push({ code: "provenance-replaced", message: `the source's own sync tags (${replaced.join(", ")}) are replaced by this sync's provenance` });
    }

    const aliasChanges = (copy: string | undefined): SyncChange[] => {
      if (input.aliases === false || sv.aliases.length === 0) return [];
      if (!target.capabilities.aliases) {
        warnings.push({ code: "aliases-unsupported", message: `the ${target.provider} target has no aliases; ${sv.aliases.join(", ")} not carried` });
        return [];
      }
      const out: SyncChange[] = [];
      for (const alias of sv.aliases) {
        const refusal = aliasRefusal(alias, reserved);
        if (refusal) {
          warnings.push({ code: "alias-reserved", subject: alias, message: `alias ${JSON.stringify(alias)} not carried: ${refusal}` });
          continue;
        }
        const previous = holders.get(alias);
        if (copy !== undefined && previous === copy) continue;
        out.push({ kind: "alias", alias, ...(previous !== undefined && { previous }) });
      }
      return out;
    };
    const stageChange = (current: Stage): SyncChange[] => {
      if (!stages) return [];
      const { to, warning } = stages.decide(sv, current);
      if (warning) warnings.push(warning);
      return to === current ? [] : [{ kind: "stage", from: current, to }];
    };

    const found = copies.get(originKey({ registry: sourceName, model, version: sv.version })) ?? [];
    const copy = found[0];
    if (copy) {
      if (found.length > 1) {
        warnings.push({
          code: "duplicate-copies",
          message: `target versions ${found.map((v) => v.version).join(", ")} all claim to be this copy; version ${copy.version} is used`,
        });
      }
      const recorded = originOf(copy)?.digest ?? "";
      if (digestDiffers(sv, copy)) {
        return {
          ...base,
          action: "conflict",
          targetVersion: copy.version,
          targetDigest: recorded,
          reason: `target version ${copy.version} is recorded as a copy of ${model}/${sv.version} with digest ${recorded}, but the source now has ${sv.artifacts.digest}; it is left alone`,
        };
      }
      const changes = [...aliasChanges(copy.version), ...stageChange(copy.stage), ...metadataChanges(sv, copy, tags, target, warnings)];
      if (changes.length === 0) return { ...base, action: "skip", reason: "already-synced", targetVersion: copy.version };
      return { ...base, action: "update", targetVersion: copy.version, changes, source: sv };
    }
    warnings.push(...untrackedWarnings(sv, foreign));
    return { ...base, action: "create", changes: [...aliasChanges(undefined), ...stageChange("draft")], source: sv };
  });
}

/** True when `copy` records another digest than the source version has now: a rebuilt source, or a tampered copy. */
function digestDiffers(sv: ModelVersion, copy: ModelVersion): boolean {
  const recorded = originOf(copy)?.digest ?? "";
  return sv.artifacts.digest !== undefined && recorded !== "" && recorded !== sv.artifacts.digest;
}

/**
 * Target versions sync did not make for this source that a new copy stands beside: the one with the source version's
 * number, and those with identical content. Both are left alone; saying so explains why the target gains a version.
 */
function untrackedWarnings(sv: ModelVersion, foreign: ModelVersion[]): SyncWarning[] {
  const out: SyncWarning[] = [];
  for (const tv of foreign) {
    const same = sv.artifacts.digest !== undefined && tv.artifacts.digest === sv.artifacts.digest;
    if (!same && tv.version !== sv.version) continue;
    const whose = originOf(tv) ? `is a copy from ${JSON.stringify(originOf(tv)?.registry)}, not from this source` : "was not made by sync";
    out.push({
      code: "untracked-target-version",
      subject: tv.version,
      message: `target version ${tv.version} ${whose}${same ? " and holds identical content" : " and holds other content"}; identical files prove no copy, so it is left alone and this version gets its own`,
    });
  }
  return out;
}

/**
 * Decides which stage each copy may take so that sync never leaves two target versions in `production` (nor, where a
 * stage is one alias, in `staging`): only the newest selected source version there carries it, a copy of an older one
 * that holds it now moves to `archived`, and while a target version sync does not manage (someone else's, another
 * source's copy, a copy of a version left out) is in `production`, no copy is put there: moving that version out
 * would change a version sync did not make.
 */
function stageAuthority(
  target: ModelRegistry,
  selected: ModelVersion[],
  copyOf: (sv: ModelVersion) => ModelVersion | undefined,
  targetVersions: ModelVersion[],
) {
  const alias = target.capabilities.stages === "alias";
  const single = (stage: Stage) => stage === "production" || (alias && stage === "staging");
  const owner = new Map<Stage, string>();
  for (const v of selected) if (single(v.stage)) owner.set(v.stage, v.version);
  const managed = new Set(selected.map((v) => copyOf(v)?.version).filter((v): v is string => v !== undefined));
  // Where stages are aliases the adapter moves the stage alias itself, as it moves any alias: two holders cannot be.
  const held = alias ? [] : targetVersions.filter((tv) => tv.stage === "production" && !managed.has(tv.version)).map((tv) => tv.version);
  return {
    decide(sv: ModelVersion, current: Stage): { to: Stage; warning?: SyncWarning } {
      if (single(sv.stage) && owner.get(sv.stage) !== sv.version) {
        // A copy that holds the stage now must leave it for the owner; where the stage is an alias, the owner takes it.
        const demote = !alias && current === sv.stage;
        const message = `only one target version may be in ${sv.stage}; the copy of version ${owner.get(sv.stage)} carries it, so this copy ${demote ? "moves to archived" : `stays ${current}`}`;
        return { to: demote ? "archived" : current, warning: { code: "stage-limited", subject: sv.stage, message } };
      }
      if (sv.stage === "production" && held.length > 0 && current !== "production") {
        const message = `target version ${held.join(", ")} is in production and is not a copy this sync manages; it is left alone, so this copy stays ${current}`;
        return { to: current, warning: { code: "stage-held", subject: "production", message } };
      }
      return { to: sv.stage };
    },
  };
}

function metadataChanges(sv: ModelVersion, copy: ModelVersion, tags: Record<string, string>, target: ModelRegistry, warnings: SyncWarning[]): SyncChange[] {
  const out: SyncChange[] = [];
  // Providers differ on "no description" (absent or ""); only a real difference counts, or every run would update.
  if ((sv.description ?? "") !== "" && sv.description !== copy.description) out.push({ kind: "metadata", field: "description" });
  const tagKeys = Object.keys(tags).filter((k) => ownValue(copy.tags, k) !== tags[k]);
  if (tagKeys.length > 0) out.push({ kind: "metadata", field: "tags", keys: tagKeys });
  const metricKeys = Object.keys(sv.metrics).filter((k) => ownValue(copy.metrics, k) !== sv.metrics[k]);
  if (metricKeys.length > 0) {
    if (target.capabilities.updateMetrics) out.push({ kind: "metadata", field: "metrics", keys: metricKeys });
    else
      warnings.push({ code: "metrics-frozen", message: `the ${target.provider} target cannot change metrics after creation; ${metricKeys.join(", ")} differ` });
  }
  if (sv.modelCard !== undefined && stableJson(sv.modelCard) !== stableJson(copy.modelCard)) out.push({ kind: "metadata", field: "modelCard" });
  return out;
}

async function listOrEmpty(target: ModelRegistry, model: string, call: { signal?: AbortSignal }): Promise<ModelVersion[]> {
  try {
    return await target.listVersions(model, call).toArray();
  } catch (error) {
    // A model the target does not have yet is the usual first-run case, not an error.
    if (NotFoundError.isInstance(error)) return [];
    // A name the target cannot hold (Azure ML allows no '.') has nothing there either: its versions are planned, and
    // each create fails on its own with that error, so the other models of the sync still go.
    if (InvalidInputError.isInstance(error) && error.field === "model") return [];
    throw error;
  }
}

/** Orders versions by number, oldest first, without losing precision on long numbers. */
export function byNumber(a: { version: string }, b: { version: string }): number {
  const x = BigInt(a.version);
  const y = BigInt(b.version);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** JSON with sorted keys, so two adapters' round-trips of one object compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
