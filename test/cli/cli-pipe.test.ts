// Issue 13, item 14: `modelreg ls --json | head -1` died with an unhandled EPIPE. These run the real executable with
// a reader that leaves after the first line. The executable is src/cli/bin.ts bundled once (test/support/child-script.ts),
// dependencies inlined: twenty starts through tsx took a minute on a shared machine, these take seconds.
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { processIo } from "../../src/cli/cli-process.js";
import { childScript } from "../support/child-script.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
/** Runs at once: the machine is shared. */
const PARALLEL = 2;
const RUNS = 20;
let scratch: string;
let root: string;
let bin: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "modelreg-pipe-"));
  root = join(scratch, "registry");
  bin = await childScript(new URL("../../src/cli/bin.ts", import.meta.url));
  const registry = createLocalRegistry({ root });
  // About 160 KB of JSON lines, well past a pipe's 64 KB buffer: the CLI is still writing when the reader leaves.
  for (let i = 0; i < 40; i++)
    await registry.createVersion("fraud", { artifacts: { entries: [{ path: "m.bin", content: `${i}` }] }, tags: { note: "x".repeat(4000) } });
}, 60_000);
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  firstLine: string;
  stderr: string;
}

/** Starts the CLI, reads its first line, then closes the read end of its stdout, as `head -1` does. */
function runAndLeave(args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("\n")) child.stdout.destroy();
    });
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, firstLine: out.split("\n")[0] ?? "", stderr }));
  });
}

describe("modelreg in a pipeline whose reader leaves early", () => {
  it(`exits 0 without a stack trace, ${RUNS} times out of ${RUNS}`, async () => {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i += PARALLEL) {
      runs.push(...(await Promise.all(Array.from({ length: Math.min(PARALLEL, RUNS - i) }, () => runAndLeave(["ls", `file:${root}`, "fraud", "--json"])))));
    }
    for (const run of runs) {
      // The reader did get a version before it left, so the CLI was mid-listing.
      expect(JSON.parse(run.firstLine)).toMatchObject({ type: "version", model: "fraud" });
      expect(run.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(run.stderr).toBe("");
      expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    }
  }, 180_000);
});

describe("processIo", () => {
  /** A stand-in for process.stdout: records writes, and fails the way a stream does, by an `error` event. */
  function fakeStream() {
    const written: string[] = [];
    const stream = Object.assign(new EventEmitter(), { isTTY: false, columns: 80, write: (text: string) => written.push(text) > 0 });
    return {
      stream: stream as unknown as NodeJS.WriteStream,
      written,
      fail: (code: string) => stream.emit("error", Object.assign(new Error(`write ${code}`), { code })),
    };
  }

  it("drops writes once the reader has gone, aborts outputClosed, and keeps the exit code", () => {
    const out = fakeStream();
    const err = fakeStream();
    const { io, exitCode } = processIo({ stdout: out.stream, stderr: err.stream, env: {}, cwd: () => "/" });
    io.stdout.write("one\n");
    expect(io.outputClosed?.aborted).toBe(false);
    out.fail("EPIPE");
    io.stdout.write("two\n");
    expect(out.written).toEqual(["one\n"]);
    expect(io.outputClosed?.aborted).toBe(true);
    expect([exitCode(0), exitCode(1), exitCode(2)]).toEqual([0, 1, 2]);
    io.stderr.write("still there\n");
    expect(err.written).toEqual(["still there\n"]);
  });

  it("turns a success into exit 1 when output was lost another way (a full disk behind a redirect)", () => {
    const out = fakeStream();
    const { io, exitCode } = processIo({ stdout: out.stream, stderr: fakeStream().stream, env: {}, cwd: () => "/" });
    out.fail("ENOSPC");
    io.stdout.write("lost\n");
    expect(out.written).toEqual([]);
    expect([exitCode(0), exitCode(2)]).toEqual([1, 2]);
  });
});
