/**
 * The CLI's streams when it runs as a process. In a pipeline the reader may close its end while the CLI is still
 * writing (`modelreg ls --json | head -1`); Node then reports EPIPE as an `error` event on `process.stdout`, which,
 * with no listener, kills the process with a stack trace and exit code 1. A closed pipe is normal there, so the
 * CLI stops writing to that stream and exits as it would have.
 *
 * @module
 */

import type { CliIo, CliStream } from "./cli-output.js";
import { errorCode } from "../runtime/system-error.js";

/** The parts of `process` the CLI uses; `process` fits. */
export interface CliProcess {
  /** Where results go. */
  stdout: NodeJS.WriteStream;
  /** Where progress and errors go. */
  stderr: NodeJS.WriteStream;
  /** The environment. */
  env: Record<string, string | undefined>;
  /** The working directory. */
  cwd(): string;
}

/** What {@link processIo} returns. */
export interface ProcessIo {
  /** The streams and settings to pass to `runCli`. */
  io: CliIo;
  /**
   * The exit code to use for the command's `code`: the same, unless a stream failed for another reason than its
   * reader leaving (a full disk behind `> out.json`), when the output is incomplete and the run must not look done.
   */
  exitCode(code: number): number;
}

/**
 * Wraps the process's stdout and stderr so that a failed write (a closed pipe above all) ends the writing on that
 * stream instead of the process. A closed stdout also aborts `io.outputClosed`.
 */
export function processIo(proc: CliProcess = process): ProcessIo {
  const closed = new AbortController();
  let broken = false;
  const guard = (stream: NodeJS.WriteStream, isStdout: boolean): CliStream => {
    let gone = false;
    stream.on("error", (error: unknown) => {
      gone = true;
      if (isStdout) closed.abort();
      // EPIPE: the reader left, which a pipeline does all the time. Anything else means output was lost.
      if (errorCode(error) !== "EPIPE") broken = true;
    });
    return {
      write: (text: string) => (gone ? false : stream.write(text)),
      get isTTY() {
        return stream.isTTY;
      },
      // A terminal's width changes when it is resized, so it is read on every use.
      get columns() {
        return stream.columns;
      },
    };
  };
  const io: CliIo = { stdout: guard(proc.stdout, true), stderr: guard(proc.stderr, false), env: proc.env, cwd: proc.cwd(), outputClosed: closed.signal };
  return { io, exitCode: (code) => (broken && code === 0 ? 1 : code) };
}
