/**
 * How the CLI talks: JSON lines with `--json` (one object per event, for pipelines), otherwise plain lines, with a
 * progress bar redrawn in place when stderr is a terminal.
 *
 * @module
 */

import { ModelRegistryError } from "../core/errors.js";
import type { SyncEvent } from "../sync/sync-report.js";

/** A writable text stream: `process.stdout` fits. */
export interface CliStream {
  /** Writes text. */
  write(text: string): unknown;
  /** True for a terminal. */
  isTTY?: boolean;
  /** The terminal's width. */
  columns?: number;
}

/** What the CLI runs against; `process` fits. Tests pass their own. */
export interface CliIo {
  /** Results. */
  stdout: CliStream;
  /** Progress and errors. */
  stderr: CliStream;
  /** Where credentials and defaults are read from. */
  env: Record<string, string | undefined>;
  /** Relative `file:` URIs resolve against this. */
  cwd: string;
  /**
   * Aborts when stdout's reader has gone (`modelreg ls | head -1`): a command that only prints stops there, one that
   * changes things finishes its work. Writes after it are dropped by the stream, not by the commands.
   */
  outputClosed?: AbortSignal;
}

/** Errors as JSON: a modelreg error's own fields (already free of secrets), else the name and message. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (ModelRegistryError.isInstance(error)) return (error as ModelRegistryError).toJSON();
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** Writes one JSON line. */
export function jsonLine(stream: CliStream, value: Record<string, unknown>): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

/** Bytes for people: `12.3 MiB`. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * Turns sync events into output: every event as a JSON line with `--json`; else a line per finished, skipped or
 * failed version, and on a terminal a progress bar for the versions in flight.
 */
export function syncEventPrinter(io: CliIo, json: boolean): { onEvent: (event: SyncEvent) => void; done: () => void } {
  if (json) {
    return {
      onEvent: (event) => jsonLine(io.stdout, event.type === "failed" ? { ...event, error: errorJson(event.error) } : { ...event }),
      done: () => undefined,
    };
  }
  const tty = io.stderr.isTTY === true;
  const inFlight = new Map<string, { bytes: number; total?: number }>();
  let drawn = false;
  const clear = () => {
    if (drawn) io.stderr.write("\r\x1b[2K");
    drawn = false;
  };
  const draw = () => {
    if (!tty || inFlight.size === 0) return;
    const [key, p] = [...inFlight.entries()].at(-1) as [string, { bytes: number; total?: number }];
    const width = Math.max(10, Math.min(30, (io.stderr.columns ?? 80) - 60));
    const ratio = p.total ? Math.min(1, p.bytes / p.total) : 0;
    const bar = p.total ? `[${"#".repeat(Math.round(ratio * width)).padEnd(width, ".")}] ${String(Math.round(ratio * 100)).padStart(3)}%` : "[copying]";
    const more = inFlight.size > 1 ? ` (+${inFlight.size - 1} more)` : "";
    io.stderr.write(`\r\x1b[2K${bar} ${key} ${formatBytes(p.bytes)}${p.total ? ` / ${formatBytes(p.total)}` : ""}${more}`);
    drawn = true;
  };
  const line = (stream: CliStream, text: string) => {
    clear();
    stream.write(`${text}\n`);
    draw();
  };
  return {
    onEvent: (event) => {
      const key = "model" in event ? `${event.model}/${event.version}` : "";
      switch (event.type) {
        case "planned":
          line(
            io.stderr,
            `plan: ${event.summary.create} to copy, ${event.summary.update} to update, ${event.summary.skip} to skip, ${event.summary.conflict} in conflict`,
          );
          return;
        case "version.started":
          inFlight.set(key, { bytes: 0 });
          draw();
          return;
        case "bytes":
          inFlight.set(key, { bytes: event.bytes, ...(event.totalBytes !== undefined && { total: event.totalBytes }) });
          draw();
          return;
        case "version.done":
          inFlight.delete(key);
          line(
            io.stdout,
            `${event.action === "create" ? "copied " : "updated"} ${key} -> ${event.targetVersion} (${formatBytes(event.bytes)}, ${Math.round(event.durationMs)} ms)`,
          );
          return;
        case "skipped":
          line(io.stdout, `skipped ${key}: ${event.reason}`);
          return;
        case "failed":
          inFlight.delete(key);
          line(io.stderr, `failed  ${key}: ${event.error.message}`);
          return;
      }
    },
    done: clear,
  };
}
