/**
 * A repository's refs as modelreg reads them: version tags `v<n>`, alias and stage branches, `main` and the state
 * branch, and the calls that move them. The Hub has no compare-and-swap on refs: a tag cannot be moved at all (create
 * answers 409 when it exists) and a branch moves with `overwrite`, last writer wins.
 *
 * @module
 */

import { ConflictError, InvalidInputError, NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import { commitsSchema, refsSchema } from "./hf-api.js";
import { versionOfTag } from "./hf-names.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";

/** A repository's refs at one moment. */
export interface RepoRefs {
  /** Branch name to commit. */
  branches: Map<string, string>;
  /** Tag name to commit. */
  tags: Map<string, string>;
  /** Version number to its commit, from the `v<n>` tags. */
  versions: Map<string, string>;
  /** Commit to the version tagged there (a commit holds one version: each has its own record). */
  byCommit: Map<string, string>;
}

/** The highest version number a repository's tags name, 0 when none. */
export function highestVersion(refs: RepoRefs): number {
  let max = 0;
  for (const v of refs.versions.keys()) max = Math.max(max, Number(v));
  return max;
}

/** Reads a repository's refs (`GET .../refs`). A missing repository is a `NotFoundError`. */
export async function readRefs(t: HubTransport, model: string, operation: string, options: CallOptions | undefined): Promise<RepoRefs> {
  const res = await t.http.request({ operation, path: `${t.api(model)}/refs`, schema: refsSchema, ...callOptions(options) });
  const branches = new Map(res.data.branches.map((b) => [b.name, b.targetCommit]));
  const tags = new Map(res.data.tags.map((b) => [b.name, b.targetCommit]));
  const versions = new Map<string, string>();
  const byCommit = new Map<string, string>();
  for (const [tag, commit] of tags) {
    const version = versionOfTag(tag);
    if (version === undefined) continue;
    versions.set(version, commit);
    // Two tags on one commit (a person tagged a version again): the lower number is the version, as it came first.
    const held = byCommit.get(commit);
    if (held === undefined || Number(version) < Number(held)) byCommit.set(commit, version);
  }
  return { branches, tags, versions, byCommit };
}

/**
 * The newest commit of `branch`, among its `pages` newest pages of `limit`, whose message has `line` (modelreg puts
 * tokens and key digests there); `undefined` when there is none, or the branch has no commits yet.
 */
export async function findCommitWithLine(
  t: HubTransport,
  model: string,
  branch: string,
  line: string,
  search: { limit: number; pages: number },
  operation: string,
  options: CallOptions | undefined,
): Promise<string | undefined> {
  for (let page = 0; page < search.pages; page++) {
    let res;
    try {
      res = await t.http.request({
        operation,
        path: `${t.api(model)}/commits/${encodeURIComponent(branch)}`,
        query: { limit: search.limit, ...(page > 0 && { p: page }) },
        schema: commitsSchema,
        ...callOptions(options),
      });
    } catch (error) {
      if (error instanceof NotFoundError && error.providerCode === "RevisionNotFound") return undefined;
      throw error;
    }
    const hit = res.data.find((c) => (c.message ?? "").split("\n").includes(line));
    if (hit) return hit.id;
    if (res.data.length < search.limit) return undefined;
  }
  return undefined;
}

/**
 * Tags `commit`. A 409 (the tag exists) is success when the tag already names this commit (a retry of a create whose
 * answer was lost), and a `ConflictError` otherwise.
 */
export async function createTag(
  t: HubTransport,
  model: string,
  tag: string,
  commit: string,
  message: string,
  operation: string,
  options: CallOptions | undefined,
): Promise<void> {
  try {
    await t.http.request({
      operation,
      method: "POST",
      path: `${t.api(model)}/tag/${encodeURIComponent(commit)}`,
      json: { tag, message },
      // Sent twice it answers 409, which is read below: safe to retry.
      idempotent: true,
      responseType: "none",
      ...callOptions(options),
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const refs = await readRefs(t, model, operation, options);
    if (refs.tags.get(tag) !== commit)
      throw new ConflictError(`tag ${tag} of ${t.repoId(model)} already names another commit`, { provider: PROVIDER, operation, cause: error });
  }
}

/** Deletes a tag; one already gone is fine (a retry after a lost answer). */
export async function deleteTag(t: HubTransport, model: string, tag: string, operation: string, options: CallOptions | undefined): Promise<void> {
  try {
    await t.http.request({
      operation,
      method: "DELETE",
      path: `${t.api(model)}/tag/${encodeURIComponent(tag)}`,
      responseType: "none",
      ...callOptions(options),
    });
  } catch (error) {
    if (!(error instanceof NotFoundError && error.providerCode === "RevisionNotFound")) throw error;
  }
}

/** Points a branch at `commit`, creating it or moving it (`overwrite`): the same call twice has the same effect. */
export async function moveBranch(
  t: HubTransport,
  model: string,
  branch: string,
  commit: string,
  operation: string,
  options: CallOptions | undefined,
): Promise<void> {
  await t.http.request({
    operation,
    method: "POST",
    path: `${t.api(model)}/branch/${encodeURIComponent(branch)}`,
    json: { startingPoint: commit, overwrite: true },
    idempotent: true,
    responseType: "none",
    ...callOptions(options),
  });
}

/**
 * Deletes a branch; one already gone is fine (a resend after a lost answer). The Hub answers the delete of a missing
 * branch with 400 "Invalid rev id" (`huggingface_hub`'s test_delete_branch_on_missing_branch_fails), so a refusal is
 * checked against the refs before it is believed.
 */
export async function deleteBranch(t: HubTransport, model: string, branch: string, operation: string, options: CallOptions | undefined): Promise<void> {
  try {
    await t.http.request({
      operation,
      method: "DELETE",
      path: `${t.api(model)}/branch/${encodeURIComponent(branch)}`,
      responseType: "none",
      ...callOptions(options),
    });
  } catch (error) {
    if (error instanceof NotFoundError && error.providerCode === "RevisionNotFound") return;
    if (InvalidInputError.isInstance(error) && !(await readRefs(t, model, operation, options)).branches.has(branch)) return;
    throw error;
  }
}
