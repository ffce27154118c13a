/**
 * Changes that land whole or not at all. A change to a model (a stage move that archives the old holder, a version
 * with its model record and aliases) touches several files, and its audit events must land with it. So, under the
 * model's lock:
 *
 * 1. every new file is written to a temp file, and a journal naming them (and what to remove) is renamed into place;
 * 2. the events are appended to the audit log, and that append is the moment the change happens;
 * 3. the temp files are renamed over their targets and the removals done, then the journal is removed.
 *
 * A failure before the append undoes everything (nothing changed, nothing logged). A crash at any point leaves a
 * journal that the next access to the model settles by looking for the change's first event in the log: present,
 * the change is finished (step 3 is safe to repeat); absent, it is undone.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import { CorruptDataError } from "../../core/errors.js";
import { auditHasEvent } from "./local-audit.js";
import { errorCode } from "./local-errors.js";
import { removeTree, writeTemp } from "./local-files.js";
import type { LocalPaths } from "./local-paths.js";
import { nodeCrypto, nodeFs } from "../../runtime/builtins.js";

/** The files a change writes and removes. Paths are absolute; values are JSON records. */
export interface FileChanges {
  /** Records to write (each replaces the file whole). */
  writes?: Array<{ file: string; value: unknown }>;
  /** Files or directories to remove. */
  removes?: string[];
}

/** A journal on disk: paths relative to the root, so a registry moved or mounted elsewhere still settles. */
interface JournalRecord {
  journal: 1;
  id: string;
  model: string;
  operation: string;
  /** The audit log's size before this change's append: its events are after this offset. */
  auditOffset: number;
  /** The change's first event: in the log means the change happened. */
  eventId: string;
  /** In order: `temp` set renames it over `file`; `temp` absent removes `file`. */
  steps: Array<{ file: string; temp?: string }>;
}

/** A staged change, ready to be applied once its events are in the log. */
export interface StagedChange {
  /** The journal's contents. */
  readonly record: JournalRecord;
}

/**
 * Writes the change's files to temp files and its journal into place. On failure nothing is left behind.
 *
 * @param auditOffset - The audit log's size now; the change's events will be appended after it.
 */
export async function stageChange(
  paths: LocalPaths,
  model: string,
  operation: string,
  changes: FileChanges,
  eventId: string,
  auditOffset: number,
): Promise<StagedChange> {
  const steps: JournalRecord["steps"] = [];
  const temps: string[] = [];
  try {
    for (const { file, value } of changes.writes ?? []) {
      const temp = await writeTemp(paths, `${JSON.stringify(value, null, 2)}\n`, "txn");
      temps.push(temp);
      steps.push({ file: relative(paths.root, file), temp: relative(paths.root, temp) });
    }
    for (const file of changes.removes ?? []) steps.push({ file: relative(paths.root, file) });
    const record: JournalRecord = { journal: 1, id: nodeCrypto().randomUUID(), model, operation, auditOffset, eventId, steps };
    const temp = await writeTemp(paths, JSON.stringify(record), "journal");
    temps.push(temp);
    await nodeFs().mkdir(paths.journals, { recursive: true });
    await nodeFs().rename(temp, paths.journal(model));
    return { record };
  } catch (error) {
    await Promise.all(
      temps.map((t) =>
        nodeFs()
          .rm(t, { force: true })
          .catch(() => undefined),
      ),
    );
    throw error;
  }
}

/** Lands a staged change whose events are in the log. Safe to repeat after a crash part-way. */
export async function applyChange(paths: LocalPaths, staged: StagedChange): Promise<void> {
  for (const step of staged.record.steps) {
    const file = inside(paths, step.file);
    if (step.temp === undefined) {
      await removeTree(paths, file);
      continue;
    }
    try {
      await nodeFs().rename(inside(paths, step.temp), file);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      // Either the temp was renamed already (a repeat) or the target's directory is missing (a new model).
      try {
        await nodeFs().mkdir(dirname(file), { recursive: true });
        await nodeFs().rename(inside(paths, step.temp), file);
      } catch (again) {
        if (errorCode(again) !== "ENOENT") throw again;
      }
    }
  }
  await nodeFs().rm(paths.journal(staged.record.model), { force: true });
}

/** Undoes a staged change whose events never reached the log: its temp files and journal go. */
export async function discardChange(paths: LocalPaths, staged: StagedChange): Promise<void> {
  for (const step of staged.record.steps) if (step.temp !== undefined) await nodeFs().rm(inside(paths, step.temp), { force: true });
  await nodeFs().rm(paths.journal(staged.record.model), { force: true });
}

/**
 * Settles a change a writer left unfinished (it crashed, or failed after logging): finishes it when its event is in
 * the log, undoes it otherwise. Must be called holding the model's lock.
 *
 * @returns what was done, or `undefined` when there was no journal.
 */
export async function settleJournal(paths: LocalPaths, model: string, operation: string): Promise<"finished" | "undone" | undefined> {
  const staged = await readJournal(paths, model, operation);
  if (!staged) return undefined;
  if (await auditHasEvent(paths, staged.record.eventId, staged.record.auditOffset)) {
    await applyChange(paths, staged);
    return "finished";
  }
  await discardChange(paths, staged);
  return "undone";
}

/** The models that have a journal now: changes in flight, or left by writers that died. */
export async function journaledModels(paths: LocalPaths): Promise<string[]> {
  let names: string[];
  try {
    names = await nodeFs().readdir(paths.journals);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
  return names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -".json".length));
}

/** Reads a model's journal, or `undefined` when there is none. */
export async function readJournal(paths: LocalPaths, model: string, operation: string): Promise<StagedChange | undefined> {
  let text: string;
  try {
    text = await nodeFs().readFile(paths.journal(model), "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  let record: JournalRecord;
  try {
    record = JSON.parse(text) as JournalRecord;
  } catch {
    record = undefined as unknown as JournalRecord;
  }
  if (!isJournal(record) || record.model !== model) {
    throw new CorruptDataError(`journal/${model}.json in the local registry at ${paths.root} is damaged; run verify`, { provider: "local", operation });
  }
  return { record };
}

/** The temp files a pending journal still needs, relative to the root (for gc). */
export function journalTemps(staged: StagedChange): string[] {
  return staged.record.steps.flatMap((s) => (s.temp === undefined ? [] : [s.temp]));
}

function isJournal(value: unknown): value is JournalRecord {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Partial<JournalRecord>;
  return (
    r.journal === 1 &&
    typeof r.id === "string" &&
    typeof r.model === "string" &&
    typeof r.eventId === "string" &&
    typeof r.auditOffset === "number" &&
    Array.isArray(r.steps) &&
    r.steps.every((s) => typeof s === "object" && s !== null && typeof s.file === "string" && (s.temp === undefined || typeof s.temp === "string"))
  );
}

/** Resolves a journal path, refusing one that leaves the root (a damaged or planted journal must not remove files elsewhere). */
function inside(paths: LocalPaths, path: string): string {
  const full = resolve(paths.root, path);
  const rel = relative(paths.root, full);
  if (rel === "" || rel.startsWith("..") || resolve(paths.root, rel) !== full) {
    throw new CorruptDataError(`a journal in the local registry at ${paths.root} names a path outside it`, { provider: "local", operation: "settle" });
  }
  return join(paths.root, rel);
}
