// What the CLI tests share: temp directories removed after the file, and an in-memory CliIo that records output.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { CliIo } from "../../../src/cli/cli-output.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test file. */
export async function tempDir(prefix = "modelreg-cli-"): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A CliIo that records stdout and stderr; `lines()` parses stdout's JSON lines. */
export function io(options: { tty?: boolean; env?: Record<string, string> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t), isTTY: options.tty === true, columns: 100 },
    env: options.env ?? {},
    cwd: "/",
  };
  return {
    io: value,
    out: () => out.join(""),
    err: () => err.join(""),
    lines: () =>
      out
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
