/**
 * The append-only audit log: one JSON line per event, appended with `O_APPEND` so lines from several processes never
 * overwrite each other, and read back as a stream so a long history is never loaded whole.
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { appendFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { CorruptDataError } from "../../core/errors.js";
import type { RegistryEvent } from "../../core/events.js";
import { errorCode } from "./local-files.js";
import type { LocalPaths } from "./local-paths.js";
import { localSchemas } from "./local-schemas.js";

/** Appends events in one write, so a batch (a stage move and the archiving it caused) lands together. */
export async function appendAudit(paths: LocalPaths, events: RegistryEvent[]): Promise<void> {
  if (events.length === 0) return;
  await appendFile(paths.auditLog, events.map((e) => `${JSON.stringify(e)}\n`).join(""), { flag: "a" });
}

/**
 * Reads audit events from line `start` on, keeping those that match, until `limit` matched.
 *
 * @returns the events and the line to continue from, if more lines remain.
 */
export async function readAudit(
  paths: LocalPaths,
  options: { start: number; limit: number; match: (event: RegistryEvent) => boolean; operation: string },
): Promise<{ events: RegistryEvent[]; next: number | undefined }> {
  const events: RegistryEvent[] = [];
  const schema = localSchemas().event;
  const stream = createReadStream(paths.auditLog, { encoding: "utf8" });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { events, next: undefined };
    throw error;
  }
  // Another process's append becomes visible in pieces (a page at a time), so the log may end in part of a line. Such
  // a line is only judged once we know whether a newline ends it: without one it is still being written.
  let endsWithNewline = true;
  stream.on("data", (chunk: string | Buffer) => {
    if (chunk.length > 0) endsWithNewline = typeof chunk === "string" ? chunk.endsWith("\n") : chunk.at(-1) === 0x0a;
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let unparsed: number | undefined;
  try {
    for await (const line of lines) {
      lineNo++;
      if (lineNo <= options.start || line.trim() === "") continue;
      if (unparsed !== undefined) throw damaged(paths, unparsed, "not JSON", options.operation);
      if (events.length === options.limit) return { events, next: lineNo - 1 };
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        unparsed = lineNo;
        continue;
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw damaged(paths, lineNo, parsed.error.issues[0]?.message ?? "unexpected shape", options.operation);
      const event = parsed.data as RegistryEvent;
      if (options.match(event)) events.push(event);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (unparsed !== undefined && endsWithNewline) throw damaged(paths, unparsed, "not JSON", options.operation);
  return { events, next: undefined };
}

function damaged(paths: LocalPaths, line: number, why: string, operation: string): CorruptDataError {
  return new CorruptDataError(`line ${line} of audit/audit.jsonl in the local registry at ${paths.root} is damaged (${why})`, {
    provider: "local",
    operation,
  });
}
