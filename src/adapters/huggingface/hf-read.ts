/**
 * Reading a model's versions: the refs say which commits are versions (tags `v<n>`) and where aliases point
 * (branches), the state says what changed since, and each version's commit holds its record. A version is found
 * only through its tag; a tagged commit without a record of that number is read as another tool's version.
 *
 * @module
 */

import { CorruptDataError, NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import { callOptions } from "../../http/call-options.js";
import { commitsSchema, type HubTreeEntry, treeSchema } from "./hf-api.js";
import { HF_MANAGED_ALIASES } from "./hf-aliases.js";
import { foreignToVersion, recordToVersion } from "./hf-convert.js";
import { CARD_FILE, GITATTRIBUTES, MAIN, STATE_BRANCH } from "./hf-names.js";
import { type HubState, readRecord, readState, readTextAt, type VersionRecord, versionState } from "./hf-records.js";
import { readRefs, type RepoRefs } from "./hf-refs.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";

/** A model's refs and state, read together. */
export interface Snapshot {
  /** The refs. */
  refs: RepoRefs;
  /** The state. */
  state: HubState;
}

/** A version found: its number and commit, and its record when modelreg made it. */
export interface FoundVersion {
  /** The number. */
  version: string;
  /** Its commit. */
  commit: string;
  /** `modelreg.json`, absent for versions another tool tagged. */
  record: VersionRecord | undefined;
}

/** Reads the refs (unless just read: `known`), then the state at its branch's head. */
export async function snapshot(t: HubTransport, model: string, operation: string, options: CallOptions | undefined, known?: RepoRefs): Promise<Snapshot> {
  const refs = known ?? (await readRefs(t, model, operation, options));
  const state = await readState(t, model, refs.branches.get(STATE_BRANCH), operation, options);
  return { refs, state };
}

/** The live version numbers, highest first: tagged and not deleted. */
export function liveVersions(snap: Snapshot): string[] {
  return [...snap.refs.versions.keys()].filter((v) => !versionState(snap.state, v)?.deleted).sort((a, b) => Number(b) - Number(a));
}

/** The version an alias names: `latest` is the highest live version; a stage name is its branch. */
export function resolveAlias(t: HubTransport, model: string, alias: string, snap: Snapshot, operation: string): string {
  const missing = () => new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation });
  if (alias === "latest") {
    const latest = liveVersions(snap)[0];
    if (latest === undefined) throw new NotFoundError(`model ${JSON.stringify(model)} has no versions`, { provider: PROVIDER, operation });
    return latest;
  }
  if (alias === MAIN || alias === STATE_BRANCH) throw missing();
  const commit = snap.refs.branches.get(alias);
  if (commit === undefined) throw missing();
  const version = snap.refs.byCommit.get(commit);
  // A branch named like an alias whose head is no version: someone committed to it, or it is not modelreg's.
  if (version === undefined || versionState(snap.state, version)?.deleted)
    throw new NotFoundError(`alias ${JSON.stringify(alias)} of ${t.repoId(model)} points at commit ${commit.slice(0, 12)}, which is no version`, {
      provider: PROVIDER,
      operation,
    });
  return version;
}

/** Resolves a reference to a live version's number and commit. */
export function locate(t: HubTransport, ref: VersionRef, snap: Snapshot, operation: string): { version: string; commit: string } {
  const version = "version" in ref ? ref.version : resolveAlias(t, ref.model, ref.alias, snap, operation);
  const commit = snap.refs.versions.get(version);
  if (commit === undefined || versionState(snap.state, version)?.deleted)
    throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no version ${version}`, { provider: PROVIDER, operation });
  return { version, commit };
}

/** The version's record, checked against its tag. */
export async function find(t: HubTransport, ref: VersionRef, snap: Snapshot, operation: string, options: CallOptions | undefined): Promise<FoundVersion> {
  const { version, commit } = locate(t, ref, snap, operation);
  const record = await readRecord(t, ref.model, commit, operation, options);
  // A record of another number was inherited: another tool committed on top of modelreg's version n (keeping its
  // modelreg.json) and tagged that commit. The tag's commit is then another tool's version, read from its tree.
  // (Where the same number was tagged again on such a commit, the record's SHA-256s still guard the downloads.)
  return { version, commit, record: record?.version === version ? record : undefined };
}

/** A model's user aliases, alias to version: every branch on a version's commit but `main`, the state branch and the stage branches. */
export function userAliases(snap: Snapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [version, aliases] of aliasesByVersion(snap)) for (const alias of aliases) out[alias] = version;
  return out;
}

/** The user aliases on each version. */
export function aliasesByVersion(snap: Snapshot): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [branch, commit] of snap.refs.branches) {
    if (branch === MAIN || branch === STATE_BRANCH || HF_MANAGED_ALIASES.includes(branch)) continue;
    const version = snap.refs.byCommit.get(commit);
    if (version !== undefined) out.set(version, [...(out.get(version) ?? []), branch]);
  }
  return out;
}

/** Every file of a commit's tree (recursive, following the listing's pages). */
export async function listTree(t: HubTransport, model: string, commit: string, operation: string, options: CallOptions | undefined): Promise<HubTreeEntry[]> {
  const entries: HubTreeEntry[] = [];
  let next: { path: string } | undefined = { path: `${t.api(model)}/tree/${encodeURIComponent(commit)}` };
  let query: Record<string, string> | undefined = { recursive: "true", expand: "false" };
  while (next) {
    const res = await t.http.request({ operation, ...next, ...(query && { query }), schema: treeSchema, ...callOptions(options) });
    for (const e of res.data) if (e.type === "file") entries.push(e);
    const link = nextLink(res.headers.get("link"));
    next = link === undefined ? undefined : { path: nextPath(t, link, operation) };
    query = undefined;
  }
  return entries;
}

/** The `rel="next"` URL of a `Link` header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

/** A next-page link as a client path (credentials go with it); one that leaves the Hub is refused. */
function nextPath(t: HubTransport, link: string, operation: string): string {
  const path = t.hubPath(link);
  if (path === undefined) throw new CorruptDataError("the Hub's next-page link leaves the Hub", { provider: PROVIDER, operation });
  return path;
}

/** A version as modelreg shows it, from its record or, for versions another tool tagged, its card and commit. */
export async function loadVersion(
  t: HubTransport,
  model: string,
  found: FoundVersion,
  snap: Snapshot,
  aliases: readonly string[],
  operation: string,
  options: CallOptions | undefined,
): Promise<ModelVersion> {
  const uri = `${t.endpoint}${t.repoId(model)}/tree/v${found.version}`;
  if (found.record) return recordToVersion(model, found.commit, found.record, snap.state, aliases, uri);
  const [card, commits, tree] = await Promise.all([
    readTextAt(t, model, found.commit, CARD_FILE, operation, options),
    t.http.request({
      operation,
      path: `${t.api(model)}/commits/${encodeURIComponent(found.commit)}`,
      query: { limit: 1 },
      schema: commitsSchema,
      ...callOptions(options),
    }),
    listTree(t, model, found.commit, operation, options),
  ]);
  // Loaded only for versions another tool tagged: modelreg's own carry their metrics in modelreg.json.
  const read = card === undefined ? undefined : (await import("./hf-card.js")).readHubCard(card);
  const files = tree.filter((e) => e.path !== GITATTRIBUTES);
  const head = commits.data[0];
  return foreignToVersion(
    model,
    {
      version: found.version,
      commit: found.commit,
      date: head?.date,
      title: head?.title,
      metrics: read?.metrics ?? {},
      cardTags: read?.tags ?? [],
      fileCount: files.length,
      totalBytes: files.reduce((n, e) => n + (e.lfs?.size ?? e.size ?? 0), 0),
    },
    snap.state,
    aliases,
    uri,
  );
}
