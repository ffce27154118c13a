/**
 * The changes after a version is made: model and version metadata and stages in `state.json` (hf-state.ts), aliases
 * and stages as branches, deletes as removed tags. Imported on first use, so a client that only reads never loads it.
 *
 * Branches have no compare-and-swap on the Hub, so a branch move is last-writer-wins; what a reader sees between the
 * steps of one change is said at each.
 *
 * @module
 */

import { ConflictError, NotFoundError } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { ProviderChange, ProviderContext } from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { CreateModelInput, ModelVersion, RegisteredModel, Stage, UpdateModelInput, UpdateVersionInput } from "../../core/types.js";
import { HF_MANAGED_ALIASES } from "./hf-aliases.js";
import { MAIN, STATE_BRANCH, versionTag } from "./hf-names.js";
import { find, loadVersion, locate, snapshot } from "./hf-read.js";
import type { HubRepos } from "./hf-repos.js";
import { deleteBranch, deleteTag, moveBranch, readRefs } from "./hf-refs.js";
import { changeState } from "./hf-state.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";

/** What the changes need from the provider. */
export interface WriteParts {
  /** The transport. */
  t: HubTransport;
  /** Repositories. */
  repos: HubRepos;
  /** Reads a model back. */
  readModel(name: string, ctx: ProviderContext): Promise<RegisteredModel>;
  /** Reads a version back. */
  readVersion(model: string, version: string, ctx: ProviderContext): Promise<ModelVersion>;
}

const now = () => new Date().toISOString();

/** Applies a tags patch (`null` removes) to a copy. */
function patched(tags: Record<string, string>, patch: Record<string, string | null> | undefined): Record<string, string> {
  const out = { ...tags };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Creates an empty model: a repository (private by default) and, when there is something to say, its state. */
export async function createHubModel(p: WriteParts, input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
  const { operation: op, options } = ctx;
  if (!(await p.repos.create(input.name, op, options)))
    throw new ConflictError(`model ${JSON.stringify(input.name)} exists: ${p.t.repoId(input.name)} is already a repository`, {
      provider: PROVIDER,
      operation: op,
    });
  if (input.description !== undefined || Object.keys(input.tags ?? {}).length > 0) {
    try {
      await changeState(
        p.t,
        input.name,
        (state) => {
          state.model = { ...(input.description !== undefined && { description: input.description }), tags: { ...input.tags }, updatedAt: now() };
          return "describe the model";
        },
        op,
        options,
      );
    } catch (error) {
      // Whole or not at all: the repository this call made goes again.
      await p.repos.remove(input.name, op, options).catch(() => undefined);
      throw error;
    }
  }
  return { readBack: () => p.readModel(input.name, ctx), events: ctx.stamp([{ type: "model.created", model: input.name }]) };
}

/** Changes a model's description and tags in the state. */
export async function updateHubModel(p: WriteParts, name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>> {
  const { changed } = await changeState(
    p.t,
    name,
    (state) => {
      const description = patch.description ?? state.model.description;
      const tags = patched(state.model.tags, patch.tags);
      if (description === state.model.description && JSON.stringify(tags) === JSON.stringify(state.model.tags)) return undefined;
      state.model = { ...(description !== undefined && { description }), tags, updatedAt: now() };
      return "update the model";
    },
    ctx.operation,
    ctx.options,
  );
  return { readBack: () => p.readModel(name, ctx), events: changed ? ctx.stamp([{ type: "model.updated", model: name }]) : [] };
}

/** Deletes a model's repository. */
export async function deleteHubModel(p: WriteParts, name: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
  // Read first: a missing model is a NotFoundError, as everywhere, not whatever the delete call says (the refs say
  // it with one request; the whole model would take three).
  await readRefs(p.t, name, ctx.operation, ctx.options);
  await p.repos.remove(name, ctx.operation, ctx.options);
  return { value: undefined, events: ctx.stamp([{ type: "model.deleted", model: name }]) };
}

/** Changes a version's description and tags in the state (its record stays as created). */
export async function updateHubVersion(p: WriteParts, ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const snap = await snapshot(p.t, ref.model, op, options);
  const found = await find(p.t, ref, snap, op, options);
  // What it holds now, from the refs and state just read (its aliases play no part in the patch).
  const before = await loadVersion(p.t, ref.model, found, snap, [], op, options);
  const { changed } = await changeState(
    p.t,
    ref.model,
    (state, refs) => {
      if (refs.versions.get(found.version) !== found.commit || state.versions[found.version]?.deleted)
        throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no version ${found.version}`, { provider: PROVIDER, operation: op });
      const entry = state.versions[found.version] ?? {};
      const description = patch.description ?? entry.description ?? before.description;
      const tags = patched(entry.tags ?? before.tags, patch.tags);
      const card = patch.modelCard ?? entry.modelCard ?? before.modelCard;
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      if (description === (entry.description ?? before.description) && same(tags, entry.tags ?? before.tags) && same(card, entry.modelCard ?? before.modelCard))
        return undefined;
      state.versions[found.version] = {
        ...entry,
        ...(description !== undefined && { description }),
        tags,
        ...(card !== undefined && { modelCard: card as Record<string, unknown> }),
        updatedAt: now(),
      };
      return `update version ${found.version}`;
    },
    op,
    options,
  );
  return {
    readBack: () => p.readVersion(ref.model, found.version, ctx),
    events: changed ? ctx.stamp([{ type: "version.updated", model: ref.model, version: found.version }]) : [],
  };
}

/**
 * Deletes a version: marked deleted in the state first (from then on no modelreg reader sees it, and its number is
 * never given again), then its tag and the alias and stage branches on its commit are removed. The files stay in the
 * repository's history: the Hub frees storage only when history is rewritten (reference §1.7), which modelreg never does.
 */
export async function deleteHubVersion(p: WriteParts, ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const { version, commit } = locate(p.t, ref, await snapshot(p.t, ref.model, op, options), op);
  const { refs } = await changeState(
    p.t,
    ref.model,
    (state, current) => {
      if (current.versions.get(version) !== commit || state.versions[version]?.deleted)
        throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no version ${version}`, { provider: PROVIDER, operation: op });
      state.versions[version] = { ...state.versions[version], deleted: true, updatedAt: now() };
      return `delete version ${version}`;
    },
    op,
    options,
  );
  await deleteTag(p.t, ref.model, versionTag(version), op, options);
  for (const [branch, at] of refs.branches)
    if (at === commit && branch !== MAIN && branch !== STATE_BRANCH) await deleteBranch(p.t, ref.model, branch, op, options);
  return { value: undefined, events: ctx.stamp([{ type: "version.deleted", model: ref.model, version }]) };
}

/** Points an alias (a branch) at a version. */
export async function setHubAlias(
  p: WriteParts,
  model: string,
  alias: string,
  version: string,
  ctx: ProviderContext,
): Promise<ProviderChange<{ previous?: string }>> {
  const { operation: op, options } = ctx;
  const snap = await snapshot(p.t, model, op, options);
  const { commit } = locate(p.t, { model, version }, snap, op);
  const held = snap.refs.branches.get(alias);
  const previous = held === undefined ? undefined : snap.refs.byCommit.get(held);
  if (held === commit) return { value: previous === undefined ? {} : { previous }, events: [] };
  await moveBranch(p.t, model, alias, commit, op, options);
  const events = ctx.stamp([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }]);
  return { value: previous === undefined ? {} : { previous }, events };
}

/** Deletes an alias's branch; `NotFoundError` when there is none on a version. */
export async function deleteHubAlias(p: WriteParts, model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const snap = await snapshot(p.t, model, op, options);
  const held = snap.refs.branches.get(alias);
  const version = held === undefined ? undefined : snap.refs.byCommit.get(held);
  if (version === undefined)
    throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation: op });
  await deleteBranch(p.t, model, alias, op, options);
  return { value: undefined, events: ctx.stamp([{ type: "alias.deleted", model, alias, version, from: version }]) };
}

/** True for the stages that have a branch. */
const branchStage = (stage: Stage): boolean => HF_MANAGED_ALIASES.includes(stage);

/**
 * Moves a version to a stage. The stage is in the state; `staging` and `production` also have a branch, which points
 * at the last version moved there, so `from_pretrained(repo, revision="production")` loads it. The branch moves
 * first (it is the step the Hub may refuse, for a protected branch), then the state; if the state cannot be
 * written the branch goes back. A reader between the two steps sees the branch on the new version while its stage
 * still reads as before.
 */
export async function transitionHubStage(
  p: WriteParts,
  ref: VersionRef,
  to: Stage,
  archiveExisting: boolean,
  ctx: ProviderContext,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const snap = await snapshot(p.t, ref.model, op, options);
  const { version, commit } = locate(p.t, ref, snap, op);
  const heldBefore = branchStage(to) ? snap.refs.branches.get(to) : undefined;
  if (branchStage(to) && heldBefore !== commit) await moveBranch(p.t, ref.model, to, commit, op, options);
  const events: RegistryEventInput[] = [];
  let from: Stage = "draft";
  try {
    const { state } = await changeState(
      p.t,
      ref.model,
      (state, refs) => {
        events.length = 0;
        if (refs.versions.get(version) !== commit || state.versions[version]?.deleted)
          throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no version ${version}`, { provider: PROVIDER, operation: op });
        from = state.versions[version]?.stage ?? "draft";
        if (from !== to) {
          state.versions[version] = { ...state.versions[version], stage: to, updatedAt: now() };
          events.push({ type: "stage.changed", model: ref.model, version, stage: to, from, to });
        }
        if (archiveExisting)
          for (const [other, entry] of Object.entries(state.versions)) {
            if (other === version || entry.deleted || entry.stage !== to || !refs.versions.has(other)) continue;
            state.versions[other] = { ...entry, stage: "archived", updatedAt: now() };
            events.push({ type: "stage.changed", model: ref.model, version: other, stage: "archived", from: to, to: "archived" });
          }
        return events.length > 0 ? `version ${version} to ${to}` : undefined;
      },
      op,
      options,
    );
    // Leaving a stage that has a branch: the branch goes to the newest version still in it, or away.
    if (branchStage(from) && from !== to && snap.refs.branches.get(from) === commit) {
      const still = Object.entries(state.versions)
        .filter(([v, e]) => e.stage === from && !e.deleted && snap.refs.versions.has(v))
        .map(([v]) => v)
        .sort((a, b) => Number(b) - Number(a))[0];
      const target = still === undefined ? undefined : snap.refs.versions.get(still);
      if (target) await moveBranch(p.t, ref.model, from, target, op, options);
      else await deleteBranch(p.t, ref.model, from, op, options);
    }
  } catch (error) {
    if (branchStage(to) && heldBefore !== commit) {
      const undo = heldBefore === undefined ? deleteBranch(p.t, ref.model, to, op, options) : moveBranch(p.t, ref.model, to, heldBefore, op, options);
      await undo.catch(() => undefined);
    }
    throw error;
  }
  return { readBack: () => p.readVersion(ref.model, version, ctx), events: ctx.stamp(events) };
}
