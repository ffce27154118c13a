/**
 * The append-only audit log: one JSON line per event, read back as a stream so a long history is never loaded whole.
 *
 * Appends from every model go through one short lock, so that an append can first repair the log's end: a line torn
 * by a full disk or a killed writer is cut off (its change never landed, see local-journal.ts) instead of being
 * continued by the next event, which would make both unreadable.
 *
 * @module
 */

import { CorruptDataError } from "../../core/errors.js";
import type { RegistryEvent } from "../../core/events.js";
import { errorCode, namePath } from "./local-errors.js";
import { withLock, type LockOptions } from "./local-lock.js";
import type { LocalPaths } from "./local-paths.js";
import { localSchemas } from "./local-schemas.js";
import { nodeFs, nodeFsSync, nodeReadline } from "../../runtime/builtins.js";

/** Lock settings for the audit log's lock, without the parts this module fills in. */
export type AuditLockOptions = Omit<LockOptions, "what" | "tmp">;

/**
 * The offset just after the log's last whole line: where the next event will start even if a torn tail is cut off
 * before it is written.
 */
export async function auditLineEnd(paths: LocalPaths): Promise<number> {
  let handle;
  try {
    handle = await nodeFs().open(paths.auditLog, "r");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return 0;
    throw error;
  }
  try {
    return await lastLineEnd(handle);
  } catch (error) {
    // A read error on an open handle names no file; this one is the log.
    throw namePath(error, paths.auditLog);
  } finally {
    await handle.close();
  }
}

async function lastLineEnd(handle: import("node:fs/promises").FileHandle): Promise<number> {
  const { size } = await handle.stat();
  // Small reads first: on every change the last line is whole and short, so one 4 KiB read finds its end.
  let chunk = Buffer.alloc(4 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at !== -1) return start + at + 1;
    end = start;
    if (chunk.length < 1024 * 1024) chunk = Buffer.alloc(chunk.length * 4);
  }
  return 0;
}

/**
 * Appends events in one write, so a batch (a stage move and the archiving it caused) lands together or not at all.
 * A failed write is cut back off, so it leaves no partial line.
 *
 * @param beforeAppend - Runs under the log's lock just before the write; a throw cancels the append.
 */
export async function appendAudit(
  paths: LocalPaths,
  events: readonly RegistryEvent[],
  lock: AuditLockOptions,
  beforeAppend?: () => Promise<void>,
): Promise<void> {
  if (events.length === 0) return;
  const text = events.map((e) => `${JSON.stringify(e)}\n`).join("");
  await withAuditLock(paths, lock, async () => {
    await beforeAppend?.();
    const handle = await nodeFs().open(paths.auditLog, "a+");
    let size: number | undefined;
    try {
      size = await cutTornTail(handle);
      // appendFile, not write: on a nearly full disk write() may store part of the text and report success.
      await handle.appendFile(text);
      // The log is the record that a change happened: it must be on disk before the change lands.
      await handle.datasync();
    } catch (error) {
      if (size !== undefined) await handle.truncate(size).catch(() => undefined);
      throw namePath(error, paths.auditLog);
    } finally {
      await handle.close();
    }
  });
}

/** Runs `work` holding the audit log's lock. */
export function withAuditLock<T>(paths: LocalPaths, lock: AuditLockOptions, work: () => Promise<T>): Promise<T> {
  return withLock(paths.auditLock, { ...lock, what: "the audit log", tmp: paths.tmp }, work);
}

/**
 * Cuts a partial last line off the log. Called under the log's lock, so no append is under way: a last line without
 * its newline was torn by a writer that failed or died mid-write, and its change was undone.
 *
 * @returns the log's size after the cut.
 */
async function cutTornTail(handle: import("node:fs/promises").FileHandle): Promise<number> {
  const { size } = await handle.stat();
  if (size === 0) return 0;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at !== -1) {
      const keep = start + at + 1;
      if (keep !== size) await handle.truncate(keep);
      return keep;
    }
    end = start;
  }
  await handle.truncate(0);
  return 0;
}

/**
 * Whether a whole line of the log from byte `offset` on holds the event `id`. A torn line does not count: its append
 * failed.
 */
export async function auditHasEvent(paths: LocalPaths, id: string, offset: number): Promise<boolean> {
  const needle = `"id":${JSON.stringify(id)}`;
  const stream = nodeFsSync().createReadStream(paths.auditLog, { encoding: "utf8", start: offset });
  let rest = "";
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest + chunk;
      const cut = text.lastIndexOf("\n");
      if (cut === -1) {
        rest = text;
        continue;
      }
      if (text.slice(0, cut).includes(needle)) return true;
      rest = text.slice(cut + 1);
    }
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  } finally {
    stream.destroy();
  }
  return false;
}

/** What {@link readAudit} found besides events. */
export interface AuditReadNotes {
  /** Lines that were not JSON (torn by a crash in an older version, or damaged), by line number. */
  skipped: number[];
}

/**
 * Reads audit events from line `start` on, keeping those that match, until `limit` matched.
 *
 * @returns the events and the line to continue from, if more lines remain.
 */
export async function readAudit(
  paths: LocalPaths,
  options: {
    start: number;
    limit: number;
    match: (event: RegistryEvent) => boolean;
    operation: string;
    notes?: AuditReadNotes;
    /** Read from this byte (a line start) instead of the beginning; line numbers then count from there. */
    startByte?: number;
  },
): Promise<{ events: RegistryEvent[]; next: number | undefined }> {
  const events: RegistryEvent[] = [];
  const schema = localSchemas().event;
  const stream = nodeFsSync().createReadStream(paths.auditLog, { encoding: "utf8", start: options.startByte ?? 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { events, next: undefined };
    throw error;
  }
  // Another process's append becomes visible in pieces, so the log may end in part of a line: such a line is still
  // being written, and is left for the next read.
  let endsWithNewline = true;
  stream.on("data", (chunk: string | Buffer) => {
    if (chunk.length > 0) endsWithNewline = typeof chunk === "string" ? chunk.endsWith("\n") : chunk.at(-1) === 0x0a;
  });
  const lines = nodeReadline().createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let pending: { line: string; lineNo: number } | undefined;
  const take = (line: string, at: number): void => {
    const json = parseLine(line);
    if (json === undefined) {
      options.notes?.skipped.push(at);
      return;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw damaged(paths, at, parsed.error.issues[0]?.message ?? "unexpected shape", options.operation);
    const event = parsed.data as RegistryEvent;
    if (options.match(event)) events.push(event);
  };
  try {
    for await (const line of lines) {
      lineNo++;
      if (lineNo <= options.start || line.trim() === "") continue;
      // A line is judged once the next one arrives, since only the last line can still be in the middle of a write.
      if (pending) take(pending.line, pending.lineNo);
      pending = undefined;
      if (events.length === options.limit) return { events, next: lineNo - 1 };
      pending = { line, lineNo };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (pending && endsWithNewline) {
    if (events.length === options.limit) return { events, next: pending.lineNo - 1 };
    take(pending.line, pending.lineNo);
  }
  return { events, next: undefined };
}

/**
 * Parses one line. Logs written before the tail repair could hold a torn event with the next one glued on; the whole
 * events inside such a line are kept rather than lost with it.
 */
function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    const at = line.lastIndexOf('{"id":');
    if (at <= 0) return undefined;
    try {
      return JSON.parse(line.slice(at));
    } catch {
      return undefined;
    }
  }
}

function damaged(paths: LocalPaths, line: number, why: string, operation: string): CorruptDataError {
  return new CorruptDataError(`line ${line} of audit/audit.jsonl in the local registry at ${paths.root} is damaged (${why})`, {
    provider: "local",
    operation,
  });
}
