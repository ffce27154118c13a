// Starts a real `mlflow server` (sqlite backend; proxied local artifacts unless told otherwise) on a free loopback port
// and stops it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureMlflow, pythonEnv } from "../../../support/python-venv.js";
import { freePort } from "../../../support/free-port.js";

/** A running server. */
export interface MlflowServer {
  version: string;
  url: string;
  python: string;
  /** CPU seconds the server's processes have used so far (Linux; undefined elsewhere): CI's time is CPU time. */
  cpuSeconds(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** User plus system CPU seconds of every live process in process group `group`, from /proc (Linux only). */
async function groupCpuSeconds(group: number): Promise<number | undefined> {
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux CI runs on
  try {
    let ticks = 0;
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      // Fields after the command (which may hold spaces) start after its closing parenthesis: state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / ticksPerSecond;
  } catch {
    return undefined;
  }
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode} before it was ready:\n${log()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`mlflow server at ${url} was not healthy after ${timeoutMs} ms:\n${log()}`);
}

/** Where a server keeps artifacts, other than its own proxied directory. */
export type MlflowArtifactMode =
  /** `--artifacts-destination <uri> --serve-artifacts`: the server writes (an `s3://` destination with its own env). */
  | { proxiedTo: string }
  /** `--no-serve-artifacts --default-artifact-root <uri>`: clients write to the root themselves. */
  | { directRoot: string };

/**
 * Installs (if needed) and starts MLflow `version`.
 *
 * @param options.workers - Worker processes; default 1 (see below). The benchmarks pass MLflow's own default, 4.
 * @param options.artifacts - Where artifacts go; default a local directory the server proxies.
 * @param options.env - More environment for the server (the S3 endpoint and credentials of an `s3://` store).
 */
export async function startMlflowServer(version: string, options: StartOptions = {}): Promise<MlflowServer> {
  // The port is free when picked, but a server takes seconds to bind it: with several starting at once (and other
  // runs on the machine) another process took one in between. A fresh port then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(version, options);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

type StartOptions = { workers?: number; artifacts?: MlflowArtifactMode; env?: NodeJS.ProcessEnv };

async function startOnce(version: string, options: StartOptions): Promise<MlflowServer> {
  const { mlflow, python } = await ensureMlflow(version);
  const dir = await mkdtemp(join(tmpdir(), `modelreg-mlflow-${version}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    "server",
    "--backend-store-uri",
    `sqlite:///${join(dir, "mlflow.db")}`,
    ...(options.artifacts && "directRoot" in options.artifacts
      ? ["--no-serve-artifacts", "--default-artifact-root", options.artifacts.directRoot]
      : ["--artifacts-destination", options.artifacts?.proxiedTo ?? join(dir, "mlartifacts"), "--serve-artifacts"]),
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    // One worker process: a second for 3.x (uvicorn) cost more CPU than it saved, in a CI that is CPU-bound (npm test
    // 823 CPU-s and 671 s with two, against 756 and 601 with one).
    "--workers",
    String(options.workers ?? 1),
  ];
  // Env vars rather than flags: a 2.x server refuses the 3.x flags but ignores unknown variables.
  const env = pythonEnv({
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false",
    MLFLOW_WORKSPACE: undefined,
    PYTHONUNBUFFERED: "1",
    // Several test files load one server at once (npm test runs files side by side). SQLAlchemy's default pool (5,
    // plus 10 overflow) is smaller than the 40 threads a 3.x server answers with, and ran dry: requests waited 30 s for
    // a connection and failed with "QueuePool limit ... reached". Enough connections for every thread instead.
    MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: "10",
    MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: "40",
    // A 2.x server is gunicorn with one sync worker: one request at a time, so with four files at once a 1,000-file
    // create queued behind the others past its timeout. Threads (gunicorn then uses gthread) answer side by side, as
    // the 3.x server's do; 3.x runs uvicorn and ignores this.
    GUNICORN_CMD_ARGS: "--threads 16",
    ...options.env,
  });
  const child = spawn(mlflow, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      // The CLI spawns uvicorn or gunicorn workers: signal the whole process group.
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), "SIGKILL");
          } catch {
            // Already gone.
          }
          resolve();
        }, 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, () => output, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { version, url, python, stop, cpuSeconds: () => (child.pid ? groupCpuSeconds(child.pid) : Promise.resolve(undefined)) };
}
