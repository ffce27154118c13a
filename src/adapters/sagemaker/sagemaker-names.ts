/**
 * Names under SageMaker's rules: model package group names, the keys modelreg keeps in `CustomerMetadataProperties`
 * and in group tags, what fits those (their lengths and charset), descriptions, `s3://` locations and package ARNs.
 *
 * @module
 */

import { invalidInput } from "../../core/errors.js";
import { PROVIDER } from "./sagemaker-transport.js";

/** SageMaker's `EntityName`, the rule for model package group names (reference/sagemaker.md §0.3). */
export const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * Throws `InvalidInputError` unless SageMaker can hold a group of this name. modelreg's own rule allows `.`, `_` and
 * 128 characters; a group name is letters, digits and `-`, at most 63, so such a name could never exist there.
 */
export function checkGroupName(name: string, operation: string, field = "model"): void {
  if (!GROUP_NAME.test(name))
    throw invalidInput(
      operation,
      field,
      `SageMaker model package group names are 1-63 letters, digits or "-", starting and ending with a letter or digit: ${JSON.stringify(name.slice(0, 80))}`,
      PROVIDER,
    );
}

/** The charset of tags and `CustomerMetadataProperties` (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`, SM:TagKey, SM:CustomerMetadataKey). */
const METADATA_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Keys modelreg sets itself, in `CustomerMetadataProperties` and group tags; a user tag with this prefix stays in the record. */
export const MANAGED_PREFIX = "modelreg:";

/** The `CustomerMetadataProperties` modelreg keeps on its packages. */
export const PROPERTY = {
  /** The stage, also kept here because moto drops `ModelLifeCycle` (reference §12.6). */
  stage: "modelreg:stage",
  /** The create's token (its `ClientToken`), which finds the package again after a lost response. */
  token: "modelreg:token",
  /** The number of the artifact folder `<model>/<folder>/`, which names the record beside it. */
  folder: "modelreg:folder",
  /** The artifact folder as an `s3://` URI, for packages made without a serving image (no `InferenceSpecification`). */
  artifacts: "modelreg:artifacts",
} as const;

/** The group tag of an alias: `modelreg:alias:<alias>`, valued with the version number. */
export const ALIAS_TAG_PREFIX = "modelreg:alias:";

/** At most this many `CustomerMetadataProperties` per package (SM:CustomerMetadataMap). */
export const MAX_PROPERTIES = 50;

/** At most this many tags per group (SM:TagList); modelreg keeps some of them for aliases. */
export const MAX_TAGS = 50;

/** User tags of a model that go on the group; the rest of the 50 stay free for aliases. More stay in the model record. */
export const MAX_GROUP_USER_TAGS = 30;

/** True when a key and value fit `CustomerMetadataProperties` (key 1-128, value 1-256, the charset) and are not modelreg's. */
export function fitsProperty(key: string, value: string): boolean {
  return (
    !key.startsWith(MANAGED_PREFIX) &&
    [...key].length <= 128 &&
    key.length > 0 &&
    value.length > 0 &&
    [...value].length <= 256 &&
    METADATA_TEXT.test(key) &&
    METADATA_TEXT.test(value)
  );
}

/** True when a key and value fit a tag (key 1-128, value 0-256, the charset) and are not modelreg's. */
export function fitsTag(key: string, value: string): boolean {
  return (
    !key.startsWith(MANAGED_PREFIX) &&
    key.length > 0 &&
    [...key].length <= 128 &&
    [...value].length <= 256 &&
    METADATA_TEXT.test(key) &&
    METADATA_TEXT.test(value)
  );
}

/** True when a value fits the charset of tags and properties (for modelreg's own values, such as an `s3://` URI). */
export function fitsMetadataText(value: string, max: number): boolean {
  return value.length > 0 && [...value].length <= max && METADATA_TEXT.test(value);
}

/** The longest alias a group tag can hold: the key is at most 128 characters, `modelreg:alias:` included. */
export const MAX_ALIAS_LENGTH = 128 - ALIAS_TAG_PREFIX.length;

/** Throws `InvalidInputError` naming `field` when the alias is too long for its group tag. */
export function checkSageMakerAlias(alias: string, operation: string, field: string): void {
  if (alias.length > MAX_ALIAS_LENGTH)
    throw invalidInput(operation, field, `SageMaker keeps aliases in group tags, whose keys allow aliases of at most ${MAX_ALIAS_LENGTH} characters`, PROVIDER);
}

/**
 * A description as SageMaker takes it (SM:EntityDescription: letters, marks, spaces, symbols, digits and punctuation,
 * at most 1024): other characters, such as line breaks, become spaces. The whole text stays in modelreg's record.
 */
export function packageDescription(text: string): string {
  return [...text.replace(/[^\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]/gu, " ")].slice(0, 1024).join("");
}

/** An `s3://bucket/prefix` split in two (the prefix without its trailing slash). */
export function parseS3Location(uri: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) return undefined;
  return { bucket: m[1] as string, prefix: (m[2] ?? "").replace(/\/+$/, "") };
}

/**
 * The ARN of version `n` of a group, built from the group's ARN: `arn:<partition>:sagemaker:<region>:<account>:
 * model-package/<group>/<n>`. AWS keeps the group's case in it (reference §6); moto lowercases it (§12.8), which the
 * caller learns from the ARNs it sees.
 */
export function packageArn(groupArn: string, group: string, version: string, lowercase: boolean): string {
  const base = groupArn.replace(/:model-package-group\/.*$/, "");
  return `${base}:model-package/${lowercase ? group.toLowerCase() : group}/${version}`;
}

/** The version number at the end of a versioned package's ARN. */
export function versionOfArn(arn: string): string | undefined {
  return /\/(\d+)$/.exec(arn)?.[1];
}

/** A token for a `ClientToken` (1-36 of `[a-zA-Z0-9-]`) from an idempotency key: `k` and 32 hex digits of its SHA-256. */
export async function tokenForKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `k${Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
