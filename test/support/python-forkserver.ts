// Starts python-forkserver.py (see there for why) and runs scripts through it.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pythonEnv } from "./python-venv.js";

const SCRIPT = fileURLToPath(new URL("./python-forkserver.py", import.meta.url));

/** A running fork server. */
export interface PythonForkServer {
  /** The Unix socket to send scripts to. */
  socket: string;
  /** Stops the server (running scripts finish on their own) and removes its socket. */
  stop(): Promise<void>;
}

/** What a script did: as `python -c` would have exited and printed. */
export interface PythonRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Starts a fork server on `python` that has imported `modules`; rejects with its output when it cannot start. */
export async function startPythonForkServer(python: string, modules: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<PythonForkServer> {
  const dir = await mkdtemp(join(tmpdir(), "modelreg-py-"));
  const socket = join(dir, "fork.sock");
  const child = spawn(python, [SCRIPT, socket, ...modules], { cwd: tmpdir(), env: pythonEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-10_000);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) resolve();
      });
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the Python fork server exited with ${code} before it was ready:\n${output}`)));
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  child.stdout.resume();
  return {
    socket,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `code` with `args` as `sys.argv[1:]` in a fork of the server at `socket`. */
export function runInForkServer(
  socket: string,
  code: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = connect(socket, () => conn.write(`${JSON.stringify({ code, args, cwd: options.cwd ?? tmpdir(), env: options.env ?? {} })}\n`));
    conn.on("data", (chunk: Buffer) => chunks.push(chunk));
    conn.once("error", reject);
    conn.once("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as PythonRun);
      } catch (error) {
        reject(new Error(`the Python fork server's answer was not JSON: ${String(error)}`));
      }
    });
  });
}
