/**
 * Azure ML's naming rules, and the names modelreg gives what it keeps there.
 *
 * @module
 */

import { InvalidInputError } from "../../core/errors.js";
import type { Stage } from "../../core/types.js";

/** The provider name. */
export const PROVIDER = "azureml";

/**
 * Asset names: Azure ML's rule for registry models (`^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$`, which the service also
 * applies to workspace assets in practice); modelreg's own rule (which also allows `.`) is checked first by the facade.
 */
const ASSET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;

/** Registry names (`registries/{registryName}`). */
export const REGISTRY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;

/** Throws `InvalidInputError` when Azure ML would refuse `name` as a model name. */
export function checkModelName(name: string, operation: string, field = "model"): void {
  if (!ASSET_NAME.test(name))
    throw new InvalidInputError(
      `Azure ML model names are letters, digits, '-' and '_' (no '.'), starting with a letter or digit, at most 255: ${JSON.stringify(name)}`,
      {
        provider: PROVIDER,
        operation,
        field,
      },
    );
}

/** The container tag that holds an alias (Azure ML has no aliases): `modelreg.alias.<alias>` = version. */
export const ALIAS_TAG_PREFIX = "modelreg.alias.";

/** The alias tag of `alias`. */
export function aliasTag(alias: string): string {
  return `${ALIAS_TAG_PREFIX}${alias}`;
}

/**
 * The version tag holding a model card changed after the version was made (the record beside the files is written
 * once). Not shown among the version's tags.
 */
export const CARD_TAG = "modelreg.modelCard";

/** Azure ML's `stage` values for modelreg's stages (`archived` is also `isArchived`). */
const STAGE_VALUES: Record<Stage, string> = {
  draft: "Development",
  staging: "Staging",
  production: "Production",
  archived: "Archived",
};

/** The `stage` field modelreg writes for a stage. */
export function azureStage(stage: Stage): string {
  return STAGE_VALUES[stage];
}

/**
 * modelreg's stage of a version: archived when `isArchived` (whatever the stage field says, since the SDK's archive
 * keeps it), else the stage field read without regard to case; any other value (`None`, a team's own word) is draft.
 */
export function stageOf(stage: string | undefined | null, isArchived: boolean | undefined | null): Stage {
  if (isArchived) return "archived";
  switch (stage?.trim().toLowerCase()) {
    case "staging":
      return "staging";
    case "production":
      return "production";
    case "archived":
      return "archived";
    default:
      return "draft";
  }
}

/** Properties modelreg writes on a version it creates (small facts; the rest is in the record). */
export const PROP = {
  /** The format of the record beside the files. */
  format: "modelreg.format",
  /** The create call's token: finds the version a lost answer made. */
  token: "modelreg.token",
  /** The SHA-256 of the idempotency key. */
  key: "modelreg.idempotencyKey",
  /** The record's blob path, relative to the version's folder. */
  record: "modelreg.record",
} as const;

/** The record's file name, beside the `model/` folder the files are in. */
export const RECORD_FILE = "modelreg.json";

/** The folder, under a version's folder, that holds its files (what `modelUri` points at). */
export const FILES_DIR = "model";

/** The record format. */
export const RECORD_FORMAT = "modelreg-azureml/1";
