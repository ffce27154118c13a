/**
 * Aliases and stages on SageMaker. An alias is a group tag `modelreg:alias:<alias>` valued with the version number
 * (versions cannot be tagged, reference §0.1); a stage is the package's approval status, lifecycle and
 * `modelreg:stage` property, moved together (the mapping is in sagemaker-convert.ts). Loaded on the first move.
 *
 * @module
 */

import { NotFoundError } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { CallOptions } from "../../core/options.js";
import { ownValue } from "../../core/own-keys.js";
import type { ProviderChange, ProviderContext } from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion, Stage } from "../../core/types.js";
import type { SageMakerPackage } from "./sagemaker-api.js";
import { STAGE_STATE, aliasesOf, stageOf, versionOf } from "./sagemaker-convert.js";
import { ALIAS_TAG_PREFIX, MAX_PROPERTIES, PROPERTY } from "./sagemaker-names.js";
import { updateBody } from "./sagemaker-package.js";
import { PROVIDER } from "./sagemaker-transport.js";
import type { SageMakerWriteParts } from "./sagemaker-writes.js";

/**
 * Points an alias at a version with one `AddTags`, which AWS documents as adding or overwriting, so the alias is never
 * missing in between. moto appends a second tag of the same key instead (reference §12.2); reads take the last one.
 */
export async function setSageMakerAlias(
  p: SageMakerWriteParts,
  model: string,
  alias: string,
  version: string,
  ctx: ProviderContext,
): Promise<ProviderChange<{ previous?: string }>> {
  const { operation: op, options } = ctx;
  const group = await p.records.group(model, op, options);
  const [tags] = await Promise.all([p.records.tags(group.ModelPackageGroupArn, op, options), p.records.byVersion(model, version, op, options)]);
  const previous = ownValue(aliasesOf(tags), alias);
  if (previous === version) return { value: { previous }, events: [] };
  await p.records.transport.call({
    operation: op,
    action: "AddTags",
    body: { ResourceArn: group.ModelPackageGroupArn, Tags: [{ Key: `${ALIAS_TAG_PREFIX}${alias}`, Value: version }] },
    // Setting a tag to a value twice is setting it once.
    idempotent: true,
    options,
  });
  const events = ctx.stamp([{ type: "alias.set", model, alias, version, ...(previous !== undefined && { from: previous }), to: version }]);
  return { value: previous === undefined ? {} : { previous }, events };
}

/** Removes an alias's tag; `NotFoundError` when the model has no such alias. */
export async function deleteSageMakerAlias(p: SageMakerWriteParts, model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>> {
  const { operation: op, options } = ctx;
  const group = await p.records.group(model, op, options);
  const version = ownValue(aliasesOf(await p.records.tags(group.ModelPackageGroupArn, op, options)), alias);
  if (version === undefined)
    throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation: op });
  await p.records.transport.call({
    operation: op,
    action: "DeleteTags",
    body: { ResourceArn: group.ModelPackageGroupArn, TagKeys: [`${ALIAS_TAG_PREFIX}${alias}`] },
    idempotent: true,
    options,
  });
  return { value: undefined, events: ctx.stamp([{ type: "alias.deleted", model, alias, version, from: version }]) };
}

/**
 * Moves a version to a stage; with `archiveExisting`, first archives the other versions in that stage. Whole or not
 * at all: when a move fails, the moves already made are undone, and any that cannot be undone are told to
 * subscribers before the error is thrown, so no stage moves unheard.
 */
export async function transitionSageMakerStage(
  p: SageMakerWriteParts,
  ref: VersionRef,
  to: Stage,
  archiveExisting: boolean,
  ctx: ProviderContext,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options, actor } = ctx;
  const pkg = await p.records.resolve(ref, op, options);
  const version = versionOf(pkg);
  const from = stageOf(pkg);
  const moves: Array<{ pkg: SageMakerPackage; from: Stage; to: Stage }> = [];
  if (archiveExisting) {
    for (const summary of await p.records.allPackages(ref.model, op, options)) {
      if (versionOf(summary) === version) continue;
      const other = await p.records.describe(summary.ModelPackageArn, op, options);
      if (stageOf(other) === to) moves.push({ pkg: other, from: to, to: "archived" });
    }
  }
  if (from !== to) moves.push({ pkg, from, to });
  const done: Array<{ original: SageMakerPackage; after: SageMakerPackage; move: (typeof moves)[number] }> = [];
  try {
    for (const move of moves) done.push({ original: move.pkg, after: await setStage(p, move.pkg, move.from, move.to, actor, op, options), move });
  } catch (error) {
    const unheard: RegistryEventInput[] = [];
    for (const { original, after, move } of done.reverse()) {
      // Back to the package as it was: its own approval status, description, lifecycle and properties.
      const body = updateBody({ ...original, CustomerMetadataProperties: after.CustomerMetadataProperties }, { ...original.CustomerMetadataProperties });
      try {
        await p.records.transport.call({ operation: op, action: "UpdateModelPackage", body, idempotent: true, options });
      } catch {
        unheard.push(stageEvent(ref.model, move));
      }
    }
    if (unheard.length > 0) await p.reportChanges(unheard.reverse(), options);
    throw error;
  }
  const events = ctx.stamp(moves.map((move) => stageEvent(ref.model, move)));
  return { events, readBack: () => p.provider.doGetVersion({ model: ref.model, version }, ctx) };
}

function stageEvent(model: string, move: { pkg: SageMakerPackage; from: Stage; to: Stage }): RegistryEventInput {
  return { type: "stage.changed", model, version: versionOf(move.pkg), stage: move.to, from: move.from, to: move.to };
}

/**
 * Sets a package's stage with one `UpdateModelPackage` carrying the approval status, the lifecycle, every property
 * (`modelreg:stage` among them, while there is room for it) and an approval description saying who moved it. Returns
 * the package as it now is, for undoing.
 */
async function setStage(
  p: SageMakerWriteParts,
  pkg: SageMakerPackage,
  from: Stage,
  to: Stage,
  actor: string,
  op: string,
  options: CallOptions | undefined,
): Promise<SageMakerPackage> {
  const properties = { ...pkg.CustomerMetadataProperties };
  if (Object.hasOwn(properties, PROPERTY.stage) || Object.keys(properties).length < MAX_PROPERTIES) properties[PROPERTY.stage] = to;
  const who = actor.replace(/[\r\n]+/g, " ");
  const approvalDescription = `modelreg: ${from} to ${to} by ${who}`;
  // The body carries the whole state, so sending it twice is safe.
  await p.records.transport.call({
    operation: op,
    action: "UpdateModelPackage",
    body: updateBody(pkg, properties, { stage: to, approvalDescription }),
    idempotent: true,
    options,
  });
  const state = STAGE_STATE[to];
  return {
    ...pkg,
    CustomerMetadataProperties: properties,
    ModelApprovalStatus: state.approval,
    ApprovalDescription: approvalDescription,
    ModelLifeCycle: { ...state.lifeCycle },
  };
}
