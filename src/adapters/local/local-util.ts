/**
 * Small helpers of the local registry: tag patches, tag filters, page tokens.
 *
 * @module
 */

import { invalidInput } from "../../core/errors.js";
import { preview } from "../../core/validation.js";

/**
 * Copies a map of user-chosen keys into an object without a prototype, so that a key such as `constructor`,
 * `toString` or `__proto__` is plain data: it reads back only when set, and setting it never changes a prototype.
 */
export function plainMap<V>(from: Readonly<Record<string, V>> | undefined): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [key, value] of Object.entries(from ?? {})) out[key] = value;
  return out;
}

/** Applies a tag patch: a string sets, `null` removes, an absent key stays. */
export function applyTagPatch(tags: Record<string, string>, patch: Record<string, string | null> | undefined): Record<string, string> {
  const out = plainMap(tags);
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** True when `tags` has every key/value in `wanted`. */
export function matchesTags(tags: Record<string, string>, wanted: Record<string, string> | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => Object.hasOwn(tags, k) && tags[k] === v);
}

/** Reads a page token: the local registry's tokens are offsets, refused when they are anything else. */
export function decodeOffset(token: string, operation: string): number {
  if (typeof token !== "string" || !/^[0-9]{1,12}$/.test(token)) {
    throw invalidInput(operation, "pageToken", `invalid page token ${preview(token)}: pass a nextPageToken from an earlier page`, "local");
  }
  return Number(token);
}
