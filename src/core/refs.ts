/**
 * Version references: `{ model, version }`, `{ model, alias }`, and the strings `fraud/3` and `fraud@champion`.
 *
 * @module
 */

import { invalidInput } from "./errors.js";
import type { AliasEntry } from "./types.js";
import { ALIAS_PATTERN, MODEL_NAME_PATTERN, VERSION_PATTERN, preview } from "./validation.js";

/** A reference to one version by number. */
export interface VersionNumberRef {
  /** The model's name. */
  model: string;
  /** The version, a string of digits. */
  version: string;
}

/** A reference to whatever version an alias points at. */
export interface AliasRef {
  /** The model's name. */
  model: string;
  /** The alias. `latest` resolves to the highest version. */
  alias: string;
}

/** A parsed version reference. */
export type VersionRef = VersionNumberRef | AliasRef;

/** Anything that names a version: an object, `"fraud/3"` or `"fraud@champion"`. */
export type VersionRefInput = VersionRef | string;

/**
 * Parses a reference strictly. Accepts `{ model, version }`, `{ model, alias }`, `"model/3"` and `"model@alias"`
 * (plus `"model@latest"`); throws `InvalidInputError` naming the accepted forms for anything else.
 *
 * @example
 * ```ts
 * parseRef("fraud@champion"); // { model: "fraud", alias: "champion" }
 * parseRef("fraud/3");        // { model: "fraud", version: "3" }
 * ```
 */
export function parseRef(input: VersionRefInput, operation = "parseRef"): VersionRef {
  if (typeof input === "string") {
    const at = /^([^/@]+)@([^/@]+)$/.exec(input);
    const slash = /^([^/@]+)\/([^/@]+)$/.exec(input);
    if (at) return checked({ model: at[1]!, alias: at[2]! }, input, operation);
    if (slash) return checked({ model: slash[1]!, version: slash[2]! }, input, operation);
    throw invalidInput(operation, "ref", `cannot parse reference ${preview(input)}: use "model/3", "model@alias", { model, version } or { model, alias }`);
  }
  if (typeof input !== "object" || input === null) {
    throw invalidInput(operation, "ref", `invalid reference ${preview(input)}: use "model/3", "model@alias", { model, version } or { model, alias }`);
  }
  const hasVersion = "version" in input && input.version !== undefined;
  const hasAlias = "alias" in input && (input as AliasRef).alias !== undefined;
  if (hasVersion === hasAlias) {
    throw invalidInput(operation, "ref", "a reference needs exactly one of version or alias");
  }
  const ref: VersionRef = hasVersion
    ? { model: input.model, version: (input as VersionNumberRef).version }
    : { model: input.model, alias: (input as AliasRef).alias };
  return checked(ref, JSON.stringify(input), operation);
}

function checked(ref: VersionRef, shown: string, operation: string): VersionRef {
  if (typeof ref.model !== "string" || !MODEL_NAME_PATTERN.test(ref.model)) {
    throw invalidInput(operation, "ref.model", `invalid model name in reference ${preview(shown)}`);
  }
  if ("version" in ref) {
    if (typeof ref.version !== "string" || !VERSION_PATTERN.test(ref.version)) {
      throw invalidInput(operation, "ref.version", `invalid version in reference ${preview(shown)}: a version is a string of digits`);
    }
  } else if (typeof ref.alias !== "string" || !ALIAS_PATTERN.test(ref.alias)) {
    throw invalidInput(operation, "ref.alias", `invalid alias in reference ${preview(shown)}`);
  }
  return ref;
}

/** Formats a reference as its string form: `fraud/3` or `fraud@champion`. */
export function formatRef(ref: VersionRef): string {
  return "version" in ref ? `${ref.model}/${ref.version}` : `${ref.model}@${ref.alias}`;
}

/** True for `{ model, version }` references. */
export function isVersionNumberRef(ref: VersionRef): ref is VersionNumberRef {
  return "version" in ref;
}

/** A model's alias map as a list sorted by alias. */
export function toAliasEntries(aliases: Record<string, string>): AliasEntry[] {
  return Object.entries(aliases)
    .map(([alias, version]) => ({ alias, version }))
    .sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
}
