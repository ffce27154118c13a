/**
 * Creating a version on the Hub (reference §7, the proposal this follows): the files are hashed, the LFS objects
 * uploaded, then one commit on `main` whose tree is exactly the version (its files, the card `README.md` and
 * `modelreg.json`; files of the previous head that the version lacks are deleted in the same commit), made with
 * `parentCommit` so a concurrent writer makes the Hub answer 412 and the number is chosen again; then the tag
 * `v<n>`. The version exists once the tag does: a reader never sees a half-made version.
 *
 * What cannot be undone on the Hub is kept small: a failure before the commit leaves uploaded LFS objects only (the
 * Hub keeps them unreferenced; a retry reuses them), and a failure between the commit and the tag moves `main` back
 * to where it was when no one else has committed since; a repository the create made is deleted again. A retry with
 * the same idempotency key finds the version by the key's digest in `main`'s commit messages, tags it if the first
 * call did not, and sets the aliases it asks for that are not on it (a failed or killed create left them unset).
 *
 * @module
 */

import { resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { transferProgress } from "../../artifacts/progress.js";
import { ConflictError, InvalidInputError, ModelRegistryError, NotFoundError } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { TransferOptions } from "../../core/options.js";
import type { ProviderChange, ProviderContext, ProviderCreateVersion } from "../../core/provider-spec.js";
import type { ModelVersion } from "../../core/types.js";
import { nodeCrypto } from "../../runtime/builtins.js";
import { renderHubCard } from "./hf-card.js";
import { commit, type CommitOperation } from "./hf-commit.js";
import { recordToVersion } from "./hf-convert.js";
import { CARD_FILE, GITATTRIBUTES, MAIN, RECORD_FILE, RESERVED_PATHS, versionTag } from "./hf-names.js";
import type { HuggingFaceCreateVersionOptions } from "./hf-options.js";
import { emptyState, readRecord, RECORD_FORMAT, type VersionRecord } from "./hf-records.js";
import { createTag, findCommitWithLine, highestVersion, moveBranch, readRefs, type RepoRefs } from "./hf-refs.js";
import { listTree, snapshot } from "./hf-read.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";
import { hashFiles, type HashedFile, lfsPaths, uploadLfsObjects } from "./hf-upload.js";
import type { HubRepos } from "./hf-repos.js";

/** Commits tried before a stream of concurrent writers wins. */
const ATTEMPTS = 6;

/** Commits of `main` searched for a retried create's idempotency key (pages of 100). */
const KEY_SEARCH_PAGES = 3;

/** The line of a version commit's description that names the create that made it. */
const CREATE_LINE = "modelreg-create: ";

/** The line of a version commit's description that carries the idempotency key's digest. */
const KEY_LINE = "modelreg-key: ";

/** What creating a version needs from the provider. */
export interface CreateParts {
  /** The transport. */
  t: HubTransport;
  /** Repositories: create and delete. */
  repos: HubRepos;
  /** Reads a version back, for the change's `readBack`. */
  read(model: string, version: string, ctx: ProviderContext): Promise<ModelVersion>;
}

const sha256 = (text: string) => nodeCrypto().createHash("sha256").update(text).digest("hex");

/** Creates a version; see the module comment. */
export async function createHubVersion(
  parts: CreateParts,
  model: string,
  create: ProviderCreateVersion<HuggingFaceCreateVersionOptions>,
  ctx: ProviderContext<TransferOptions>,
): Promise<ProviderChange<ModelVersion>> {
  const { t } = parts;
  const { operation: op, options, actor } = ctx;
  const { meta } = create;
  const files = await resolveArtifactSource(create.input.artifacts, { provider: PROVIDER, operation: op });
  for (const f of files)
    if (RESERVED_PATHS.has(f.path))
      throw new InvalidInputError(`${JSON.stringify(f.path)} is a file the Hub or modelreg writes itself; rename it`, {
        provider: PROVIDER,
        operation: op,
        field: "artifacts",
      });
  const keyDigest = meta.idempotencyKey === undefined ? undefined : sha256(meta.idempotencyKey);
  const transfer = { ...options, operation: op };

  // The repository, created private on the first version of a new model.
  let createdRepo = false;
  let refs: RepoRefs | undefined;
  try {
    refs = await readRefs(t, model, op, options);
  } catch (error) {
    if (!(NotFoundError.isInstance(error) && error.providerCode === "RepoNotFound")) throw error;
    if (create.input.createModel === false)
      throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation: op, cause: error });
    createdRepo = await parts.repos.create(model, op, options);
  }
  const events: RegistryEventInput[] = createdRepo ? [{ type: "model.created", model }] : [];
  try {
    if (keyDigest !== undefined) {
      const earlier = await findByKey(parts, model, keyDigest, meta.aliases, op, ctx);
      if (earlier) return earlier;
    }
    const hashed = await hashFiles(files, transfer);
    const lfs = await lfsPaths(t, model, MAIN, hashed, transfer);
    const progress = transferProgress(hashed, options.onProgress);
    await uploadLfsObjects(
      t,
      model,
      hashed.filter((f) => lfs.has(f.path)),
      (f) => progress(f),
      transfer,
    );
    const token = nodeCrypto().randomUUID();
    const made = await commitVersion(parts, model, create, hashed, lfs, { token, keyDigest, actor }, ctx, refs);
    try {
      await createTag(t, model, versionTag(made.version), made.commit, `modelreg version ${made.version}`, op, options);
    } catch (error) {
      await restoreMain(t, model, made, op, options);
      throw error;
    }
    for (const f of hashed) if (!lfs.has(f.path)) progress(f)(f.size);
    events.push({ type: "version.created", model, version: made.version });
    events.push(...(await setAliases(t, model, made, made.refs, meta.aliases, op, options)));
    return { readBack: () => parts.read(model, made.version, ctx), events: ctx.stamp(events) };
  } catch (error) {
    if (createdRepo) await parts.repos.remove(model, op, options).catch(() => undefined);
    throw error;
  }
}

/** A commit made for a version, and where `main` was before it. */
interface MadeCommit {
  version: string;
  commit: string;
  previousHead: string | undefined;
  /** The refs the number was chosen from. */
  refs: RepoRefs;
}

/** The commit of the version, retried on 412 with a fresh number; see the module comment. */
async function commitVersion(
  parts: CreateParts,
  model: string,
  create: ProviderCreateVersion<HuggingFaceCreateVersionOptions>,
  hashed: HashedFile[],
  lfs: ReadonlySet<string>,
  ids: { token: string; keyDigest: string | undefined; actor: string },
  ctx: ProviderContext<TransferOptions>,
  known: RepoRefs | undefined,
): Promise<MadeCommit> {
  const { t } = parts;
  const { operation: op, options } = ctx;
  const { meta } = create;
  const userCard = hashed.some((f) => f.path === CARD_FILE);
  for (let attempt = 1; ; attempt++) {
    // The refs read a moment ago serve the first attempt; a retry reads them again.
    const snap = await snapshot(t, model, op, options, attempt === 1 ? known : undefined);
    const head = snap.refs.branches.get(MAIN);
    // A tagged head's number is among the tags already; only an untagged one's record can hold a higher number.
    const headRecord = head === undefined || snap.refs.byCommit.has(head) ? undefined : await readRecord(t, model, head, op, options).catch(() => undefined);
    // Numbers are never reused: above every tag, every version the state remembers (deleted ones too), and an
    // untagged version commit at the head (a create that failed after its commit, whose number may be in use).
    const stateMax = Math.max(0, ...Object.keys(snap.state.versions).map(Number).filter(Number.isSafeInteger));
    const version = String(Math.max(highestVersion(snap.refs), stateMax, Number(headRecord?.version ?? 0)) + 1);
    const record: VersionRecord = {
      format: RECORD_FORMAT,
      model,
      version,
      token: ids.token,
      ...(meta.description !== undefined && { description: meta.description }),
      params: meta.params,
      metrics: meta.metrics,
      tags: meta.tags,
      lineage: meta.lineage as Record<string, unknown>,
      ...(meta.signature && { signature: meta.signature as unknown as Record<string, unknown> }),
      ...(meta.modelCard && { modelCard: meta.modelCard as Record<string, unknown> }),
      files: hashed.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
      createdBy: ids.actor,
      createdAt: new Date().toISOString(),
      ...(ids.keyDigest !== undefined && { idempotencyKey: ids.keyDigest }),
    };
    const ops: CommitOperation[] = [];
    const keep = new Set([...hashed.map((f) => f.path), CARD_FILE, RECORD_FILE, GITATTRIBUTES]);
    if (head !== undefined) for (const e of await listTree(t, model, head, op, options)) if (!keep.has(e.path)) ops.push({ kind: "delete", path: e.path });
    for (const f of hashed)
      ops.push(
        lfs.has(f.path)
          ? { kind: "lfs", path: f.path, sha256: f.sha256, size: f.size }
          : { kind: "file", path: f.path, size: f.size, open: () => f.file.open() },
      );
    if (!userCard) {
      const shown = recordToVersion(model, "", record, emptyState(), meta.aliases, "");
      ops.push(textFile(CARD_FILE, renderHubCard(shown, { repoId: t.repoId(model), ...create.providerOptions })));
    }
    ops.push(textFile(RECORD_FILE, `${JSON.stringify(record, null, 2)}\n`));
    const header = {
      summary: `modelreg: version ${version} of ${model}`,
      description: [`modelreg-version: ${version}`, `${CREATE_LINE}${ids.token}`, ...(ids.keyDigest ? [`${KEY_LINE}${ids.keyDigest}`] : [])].join("\n"),
      parentCommit: head,
    };
    try {
      const oid = await commit(t, model, MAIN, header, ops, op, options);
      return { version, commit: oid, previousHead: head, refs: snap.refs };
    } catch (error) {
      if (ConflictError.isInstance(error) && attempt < ATTEMPTS) continue;
      // No answer: the Hub may have made the commit anyway (reference §1.6). It is ours if one of main's newest
      // commits carries our token (even under another writer's, who then took the next number); otherwise it did not
      // land, and sending it again is safe: of two commits on one parent only one can land.
      if (ModelRegistryError.isInstance(error) && error.isRetryable && !options.signal?.aborted) {
        const ours = await findCommitWithLine(t, model, MAIN, `${CREATE_LINE}${ids.token}`, { limit: 20, pages: 1 }, op, options).catch(() => undefined);
        if (ours !== undefined) return { version, commit: ours, previousHead: head, refs: snap.refs };
        if (attempt < ATTEMPTS) continue;
      }
      throw error;
    }
  }
}

/** A small text file as a commit operation. */
function textFile(path: string, text: string): CommitOperation {
  const bytes = Buffer.from(text, "utf8");
  return {
    kind: "file",
    path,
    size: bytes.byteLength,
    open: async function* () {
      yield bytes;
    },
  };
}

/**
 * After a commit whose tag could not be made: `main` goes back to where it was, so it does not show a version that
 * does not exist, but only while it is still at that commit (a branch move has no compare-and-swap, and someone
 * else's commit on top must stay). Best effort: the untagged commit is no version either way.
 */
async function restoreMain(t: HubTransport, model: string, made: MadeCommit, op: string, options: TransferOptions): Promise<void> {
  if (made.previousHead === undefined) return;
  try {
    const now = (await readRefs(t, model, op, options)).branches.get(MAIN);
    if (now === made.commit) await moveBranch(t, model, MAIN, made.previousHead, op, options);
  } catch {
    // The tag's error is the one to report.
  }
}

/**
 * Points the create's aliases at a version (its commit), and returns an `alias.set` event for each that moved; a
 * branch already on the commit is left alone and told to nobody. Where each pointed before is taken from `refs` (for
 * a new version, those its number was chosen from): a branch moves with no compare-and-swap anyway, so a later read
 * would not make the move safer.
 */
async function setAliases(
  t: HubTransport,
  model: string,
  made: { version: string; commit: string },
  refs: RepoRefs,
  aliases: readonly string[],
  op: string,
  options: TransferOptions,
): Promise<RegistryEventInput[]> {
  const events: RegistryEventInput[] = [];
  for (const alias of aliases) {
    const held = refs.branches.get(alias);
    if (held === made.commit) continue;
    const from = held === undefined ? undefined : refs.byCommit.get(held);
    await moveBranch(t, model, alias, made.commit, op, options);
    events.push({ type: "alias.set", model, alias, version: made.version, ...(from !== undefined && { from }), to: made.version });
  }
  return events;
}

/**
 * The version an earlier create with this idempotency key made, from the key's digest in `main`'s recent commit
 * messages. A commit that was made but never tagged (the earlier call failed in between) is tagged now, and the
 * aliases asked for that are not on it are set, which finishes that create.
 */
async function findByKey(
  parts: CreateParts,
  model: string,
  keyDigest: string,
  aliases: readonly string[],
  op: string,
  ctx: ProviderContext<TransferOptions>,
): Promise<ProviderChange<ModelVersion> | undefined> {
  const { t } = parts;
  const { options } = ctx;
  const hit = await findCommitWithLine(t, model, MAIN, `${KEY_LINE}${keyDigest}`, { limit: 100, pages: KEY_SEARCH_PAGES }, op, options);
  if (hit === undefined) return undefined;
  const record = await readRecord(t, model, hit, op, options);
  if (!record || record.idempotencyKey !== keyDigest) return undefined;
  const refs = await readRefs(t, model, op, options);
  const events: RegistryEventInput[] = [];
  if (refs.byCommit.get(hit) !== record.version) {
    await createTag(t, model, versionTag(record.version), hit, `modelreg version ${record.version}`, op, options);
    events.push({ type: "version.created", model, version: record.version });
  }
  // A retry completes what the first call asked for, as the MLflow adapter's does: a create that ended between its
  // tag and its aliases (killed, or an alias branch failed) left them unset, and this call's caller is told they are
  // set. A failure here leaves the version alone: this call did not make it.
  events.push(...(await setAliases(t, model, { version: record.version, commit: hit }, refs, aliases, op, options)));
  return { readBack: () => parts.read(model, record.version, ctx), events: ctx.stamp(events) };
}
