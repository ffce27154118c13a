/**
 * Where approvals live on a version: the version tag `modelreg.approvals`, a JSON list. Read by the facade (for
 * `ModelVersion.approvals`) and by the lifecycle functions, which refuse a tag they cannot read.
 *
 * @module
 */

import type { Approval } from "./types.js";

/** The version tag approvals are kept in. */
export const APPROVALS_TAG = "modelreg.approvals";

/** The approvals in a tag's text, or `undefined` when the text is not a JSON list of approvals. */
export function parseApprovals(text: string): Approval[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (a) =>
        typeof a === "object" &&
        a !== null &&
        typeof (a as Approval).by === "string" &&
        typeof (a as Approval).at === "string" &&
        ((a as Approval).role === undefined || typeof (a as Approval).role === "string") &&
        ((a as Approval).comment === undefined || typeof (a as Approval).comment === "string"),
    );
  return valid ? (parsed as Approval[]) : undefined;
}

/**
 * Sets `version.approvals` from its tag, in place, and returns the version: `[]` when there is no tag or it cannot be
 * read (the lifecycle functions report an unreadable tag).
 */
export function withApprovals<V extends { tags: Record<string, string>; approvals?: Approval[] }>(version: V): V {
  const text = version.tags[APPROVALS_TAG];
  version.approvals = text === undefined ? [] : (parseApprovals(text) ?? []);
  return version;
}
