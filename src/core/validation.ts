/**
 * Input rules shared by every adapter, checked before any request is sent. Adapters add stricter rules of their own
 * (Vertex aliases and labels, for example) on top of these.
 *
 * @module
 */

import { invalidInput } from "./errors.js";
import { STAGES, type Stage } from "./types.js";

/** Model names: letters, digits, `.`, `_`, `-`; start with a letter or digit; at most 128 characters. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Aliases: a letter, then letters, digits, `_`, `-`; at most 128 characters. */
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

/** Versions: a string of digits without leading zeros. */
export const VERSION_PATTERN = /^(0|[1-9][0-9]{0,17})$/;

/** Tag keys: printable, no control characters, at most 250 characters (MLflow's limit). */
export const TAG_KEY_MAX = 250;
/** Tag values: at most 5000 characters (MLflow's registered-model column). */
const TAG_VALUE_MAX = 5000;

// Control characters cannot travel through every provider (headers, labels, sqlite text), so they are refused everywhere.
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;

// Assigning `__proto__` on a plain object (a tag patch, a schema parse) sets the prototype instead of a key, so the
// tag would vanish silently; refusing it is the only way every adapter treats it alike.
export const PROTO_KEY = "__proto__";

/** Throws `InvalidInputError` unless `name` is a valid model name. */
export function assertModelName(name: unknown, operation: string, field = "model"): asserts name is string {
  if (typeof name !== "string" || !MODEL_NAME_PATTERN.test(name)) {
    throw invalidInput(operation, field, `invalid model name ${preview(name)}: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
}

/** Throws `InvalidInputError` unless `alias` is a valid alias that users may set. */
export function assertAlias(alias: unknown, operation: string, field = "alias"): asserts alias is string {
  if (typeof alias !== "string" || !ALIAS_PATTERN.test(alias)) {
    throw invalidInput(operation, field, `invalid alias ${preview(alias)}: use a letter, then up to 127 letters, digits, "_" or "-"`);
  }
  if (/^latest$/i.test(alias) || /^v\d+$/i.test(alias)) {
    throw invalidInput(operation, field, `alias ${preview(alias)} is reserved: "latest" and "v<number>" name versions themselves`);
  }
}

/** Throws `InvalidInputError` unless `version` is a string of digits. */
export function assertVersion(version: unknown, operation: string, field = "version"): asserts version is string {
  if (typeof version !== "string" || !VERSION_PATTERN.test(version)) {
    throw invalidInput(operation, field, `invalid version ${preview(version)}: a version is a string of digits such as "3"`);
  }
}

/** Parses a stage name case-insensitively (MLflow's `None` is `draft`), or throws `InvalidInputError`. */
export function parseStage(stage: unknown, operation = "parseStage"): Stage {
  if (typeof stage === "string") {
    const lower = stage.toLowerCase();
    if (lower === "none") return "draft";
    if ((STAGES as readonly string[]).includes(lower)) return lower as Stage;
  }
  throw invalidInput(operation, "stage", `invalid stage ${preview(stage)}: use one of ${STAGES.join(", ")}`);
}

/** Throws `InvalidInputError` unless every key and value is a valid tag; `null` values (removals) are allowed when `allowNull`. */
export function assertTags(tags: unknown, operation: string, options: { allowNull?: boolean; field?: string } = {}): void {
  const field = options.field ?? "tags";
  if (tags === undefined) return;
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    throw invalidInput(operation, field, "tags must be an object of string keys to string values");
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > TAG_KEY_MAX || CONTROL.test(key) || key.trim() !== key) {
      throw invalidInput(
        operation,
        `${field}.${key}`,
        `invalid tag key ${preview(key)}: 1-${TAG_KEY_MAX} characters, no control characters or surrounding spaces`,
      );
    }
    if (key === PROTO_KEY) throw invalidInput(operation, `${field}.${key}`, `the tag key "__proto__" is reserved by JavaScript objects`);
    if (value === null && options.allowNull) continue;
    if (typeof value !== "string") throw invalidInput(operation, `${field}.${key}`, `tag ${preview(key)} must have a string value`);
    if (value.length > TAG_VALUE_MAX || value.includes("\u0000")) {
      throw invalidInput(operation, `${field}.${key}`, `tag ${preview(key)} value must be at most ${TAG_VALUE_MAX} characters with no NUL byte`);
    }
  }
}

/**
 * Checks a path inside a version and returns it normalised (`/`-separated). Refuses absolute paths, `..`, empty
 * segments, backslashes, NUL and other control characters, so a path can never leave the directory it is joined to.
 */
export function assertArtifactPath(path: unknown, operation: string, field = "path"): string {
  if (typeof path !== "string" || path.length === 0 || path.length > 1024) {
    throw invalidInput(operation, field, `invalid artifact path ${preview(path)}: 1-1024 characters`);
  }
  if (CONTROL.test(path) || path.includes("\\")) {
    throw invalidInput(operation, field, `invalid artifact path ${preview(path)}: no control characters or backslashes`);
  }
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) {
    throw invalidInput(operation, field, `invalid artifact path ${preview(path)}: must be relative`);
  }
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    throw invalidInput(operation, field, `invalid artifact path ${preview(path)}: no empty, "." or ".." segments`);
  }
  return path;
}

/** A short, safe rendering of a bad value for an error message. */
export function preview(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a ${Array.isArray(value) ? "array" : typeof value}`;
}

/** Checks a page size against the provider's maximum. */
export function assertPageSize(pageSize: unknown, max: number, operation: string): number | undefined {
  if (pageSize === undefined) return undefined;
  if (typeof pageSize !== "number" || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > max) {
    throw invalidInput(operation, "pageSize", `pageSize must be a whole number from 1 to ${max}, got ${preview(pageSize)}`);
  }
  return pageSize;
}

/**
 * Checks a stage transition and returns the stage: `archiveExisting` only makes sense for staging and production
 * (MLflow answers it with an HTTP 500 for the others), so it is refused for them everywhere.
 */
export function checkTransition(stage: unknown, archiveExisting: boolean | undefined, operation: string, provider: string): Stage {
  const to = parseStage(stage, operation);
  if (archiveExisting && to !== "staging" && to !== "production") {
    throw invalidInput(operation, "archiveExisting", `archiveExisting applies to staging and production, not ${to}`, provider);
  }
  return to;
}
