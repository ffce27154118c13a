// Small helpers the MLflow test files share.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, inject } from "vitest";
import { runInForkServer } from "../../../support/python-forkserver.js";
import { pythonEnv } from "../../../support/python-venv.js";

const run = promisify(execFile);

/** A model name no other test (or earlier run against the same server) uses. */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A temp directory removed after the file's tests. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * The timeout of a test that starts Python with MLflow: a few seconds alone, but npm test runs several files at once
 * and CI runs other Node lines beside it, and on a busy 2-core machine 30 s was not always enough.
 */
export const PYTHON_TEST_TIMEOUT_MS = 120_000;

/** Runs Python code with the server's Python (which has MLflow) and parses the last line it prints as JSON. */
export async function python(pythonPath: string, code: string, ...args: string[]): Promise<unknown> {
  // cwd: MLflow may create ./mlruns; keep it out of the repository.
  const socket = inject("mlflowServers").find((server) => server.python === pythonPath)?.pythonSocket;
  let stdout: string;
  if (socket) {
    // A fork of a Python that imported MLflow already (global-setup.ts): the same script, without the import's cost.
    const done = await runInForkServer(socket, code, args, { cwd: tmpdir() });
    if (done.status !== 0) throw new Error(`Python exited with ${done.status}:\n${done.stderr}\n${done.stdout}`);
    stdout = done.stdout;
  } else {
    ({ stdout } = await run(pythonPath, ["-c", code, ...args], {
      cwd: tmpdir(),
      env: pythonEnv({ GIT_PYTHON_REFRESH: "quiet" }),
      maxBuffer: 16 * 1024 * 1024,
    }));
  }
  return JSON.parse(stdout.trim().split("\n").pop() ?? "null");
}
