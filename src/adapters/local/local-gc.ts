/**
 * `gc`: reclaims what crashes leave behind, safely while other processes write.
 *
 * - Temp files go when their maker is provably gone (this host, process not running), or, for files whose maker
 *   cannot be told (another host, an older modelreg), when older than `graceMs`.
 * - A blob goes when no version references it. A create in progress lists the blobs it is about to reference in a
 *   pin file before it stores or reuses them, and checks they all still exist under the audit log's lock as its
 *   version comes into being; gc removes blobs under that same lock, after reading the pins and every version
 *   created since it started looking. So a blob is never removed from under a version.
 *
 * @module
 */

import { basename, join } from "node:path";
import { throwIfAborted } from "../../core/errors.js";
import { withAuditLock, auditLineEnd, readAudit, type AuditLockOptions } from "./local-audit.js";
import { blobsOfRecordFile, blobsOnDisk, journalBlobs, listDir, referencedBlobs } from "./local-scan.js";
import { journaledModels, journalTemps, readJournal } from "./local-journal.js";
import { ownerIsGone, processIsGone, readOwner } from "./local-lock.js";
import { tempOwner } from "./local-paths.js";
import type { LocalStore } from "./local-store.js";
import { nodeFs } from "../../runtime/builtins.js";

/** Options of {@link LocalRegistry.gc}. */
export interface GcOptions {
  /** Report what would be removed, and remove nothing. */
  dryRun?: boolean;
  /** Temp files whose maker cannot be checked are kept until this old. Default one hour. */
  graceMs?: number;
  /** Stops gc between files. */
  signal?: AbortSignal;
}

/** One thing gc removed (or would remove, on a dry run). */
export interface GcItem {
  /** `temp`: a leftover in tmp; `blob`: bytes no version references; `lock`: a dead process's lock. */
  kind: "temp" | "blob" | "lock";
  /** Relative to the registry's root. */
  path: string;
  /** Bytes freed. */
  bytes: number;
}

/** What gc did. */
export interface GcReport {
  /** True when nothing was removed because `dryRun` was set. */
  dryRun: boolean;
  /** Each removed item. */
  items: GcItem[];
  /** Total bytes freed (or that would be). */
  bytes: number;
}

const OP = "gc";

/** Reclaims leftovers of a local registry. */
export async function collectGarbage(store: LocalStore, lock: AuditLockOptions, options: GcOptions = {}): Promise<GcReport> {
  const { paths } = store;
  const grace = options.graceMs ?? 60 * 60 * 1000;
  const items: GcItem[] = [];
  const remove = async (item: GcItem, full: string) => {
    if (!options.dryRun) await nodeFs().rm(full, { recursive: true, force: true });
    items.push(item);
  };

  // A journal names temp files a live writer still needs; anything it names stays.
  // Unreadable (a journal being replaced right now): keep every change's temp file this time.
  const needed = await journalTempNames(paths);
  const now = Date.now();
  for (const name of await listDir(paths.tmp)) {
    throwIfAborted(options.signal, "local", OP);
    if (needed ? needed.has(name) : name.startsWith("txn-")) continue;
    const full = join(paths.tmp, name);
    const info = await nodeFs()
      .stat(full)
      .catch(() => undefined);
    if (!info) continue;
    const owner = tempOwner(name);
    const gone = owner ? owner.hereHost && processIsGone(owner.pid) : false;
    if (!gone && now - info.mtimeMs < grace) continue;
    if (owner?.hereHost && !gone) continue;
    await remove({ kind: "temp", path: `tmp/${name}`, bytes: info.isDirectory() ? 0 : info.size }, full);
  }
  for (const name of await listDir(paths.locks)) {
    const owner = await readOwner(join(paths.locks, name));
    if (owner && ownerIsGone(owner)) await remove({ kind: "lock", path: `locks/${name}`, bytes: 0 }, join(paths.locks, name));
  }

  const offset = await auditLineEnd(paths);
  const referenced = await referencedBlobs(paths, options.signal);
  const candidates = [...(await blobsOnDisk(paths, options.signal))].filter(([sha]) => !referenced.has(sha));
  if (candidates.length > 0) {
    await withAuditLock(paths, lock, async () => {
      // What became referenced while we looked: pins of live creates, pending journals, versions created since.
      const late = new Set<string>(await journalBlobs(paths));
      for (const name of await listDir(paths.tmp)) {
        const owner = tempOwner(name);
        if (owner?.kind !== "pin" || (owner.hereHost && processIsGone(owner.pid))) continue;
        const text = await nodeFs()
          .readFile(join(paths.tmp, name), "utf8")
          .catch(() => "");
        for (const sha of text.split("\n")) if (sha) late.add(sha);
      }
      const { events } = await readAudit(paths, {
        start: 0,
        limit: Number.MAX_SAFE_INTEGER,
        operation: OP,
        match: (e) => e.type === "version.created" && e.version !== undefined,
        startByte: offset,
      });
      for (const event of events) {
        // Journal first, record second: the record is renamed into place before the journal goes, so one of the two
        // reads sees the version's files.
        for (const sha of await journalBlobs(paths, event.model)) late.add(sha);
        for (const sha of await blobsOfRecordFile(paths.version(event.model, event.version as string))) late.add(sha);
      }
      for (const [sha, blob] of candidates) {
        throwIfAborted(options.signal, "local", OP);
        if (late.has(sha)) continue;
        await remove({ kind: "blob", path: blob.path.slice(paths.root.length + 1), bytes: blob.size }, blob.path);
      }
    });
  }
  return { dryRun: options.dryRun === true, items, bytes: items.reduce((n, i) => n + i.bytes, 0) };
}

/**
 * Removes the temp files of writers on this host that are gone, except those a journal still names (settling the
 * journal needs them). Runs when a process first opens the registry, so a crash's leftovers do not pile up until
 * someone runs gc. Never touches a live writer's files or another host's.
 */
export async function sweepDeadWriters(paths: LocalStore["paths"]): Promise<number> {
  const needed = await journalTempNames(paths);
  // A journal unreadable right now (being replaced): leave everything for this time.
  if (!needed) return 0;
  let removed = 0;
  for (const name of await listDir(paths.tmp)) {
    const owner = tempOwner(name);
    if (!owner?.hereHost || needed.has(name) || !processIsGone(owner.pid)) continue;
    await nodeFs().rm(join(paths.tmp, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** The names in tmp/ that journals still name, or `undefined` when a journal could not be read. */
async function journalTempNames(paths: LocalStore["paths"]): Promise<Set<string> | undefined> {
  const needed = new Set<string>();
  for (const model of await journaledModels(paths)) {
    let staged;
    try {
      staged = await readJournal(paths, model, OP);
    } catch {
      return undefined;
    }
    for (const temp of staged ? journalTemps(staged) : []) needed.add(basename(temp));
  }
  return needed;
}
