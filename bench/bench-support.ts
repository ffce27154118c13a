// Shared pieces of the benchmarks: data files on disk, timing, and the reference tools (curl, MLflow's Python client).
import { execFile, spawn } from "node:child_process";
import { median } from "./bench-types.js";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Scratch space for benchmark data: bench/.work (ignored by git), or MODELREG_BENCH_DIR. */
export const WORK = process.env.MODELREG_BENCH_DIR ?? join(import.meta.dirname, ".work");

/** A file of `size` random bytes under bench/.work/data, written once and reused. */
export async function dataFile(name: string, size: number): Promise<string> {
  const dir = join(WORK, "data");
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const have = await stat(path).catch(() => undefined);
  if (have?.size === size) return path;
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += 4 * MiB) {
    const chunk = randomBytes(Math.min(4 * MiB, size - written));
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return path;
}

/** A directory of `count` random files of `size` bytes each, written once and reused. */
export async function dataDirectory(name: string, count: number, size: number): Promise<string> {
  const dir = join(WORK, "data", name);
  const marker = join(dir, ".complete");
  if (await stat(marker).catch(() => undefined)) return dir;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(join(dir, `part-${String(i).padStart(5, "0")}.bin`), randomBytes(size));
  await writeFile(marker, "");
  return dir;
}

/** A fresh temp directory, removed by the returned function. */
export async function scratch(prefix: string): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `modelreg-bench-${prefix}-`));
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}

/** Milliseconds `fn` takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const exec = promisify(execFile);

/** Runs a command, failing on a non-zero exit; returns its stdout. */
export async function run(cmd: string, args: string[], options: { cwd?: string; input?: string } = {}): Promise<string> {
  if (options.input === undefined) return (await exec(cmd, args, { cwd: options.cwd, maxBuffer: 64 * MiB })).stdout;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
    child.stdin.end(options.input);
  });
}

/** Runs Python code with the MLflow virtualenv's interpreter; the code prints one JSON line, which is returned. */
export async function python(pythonPath: string, code: string, ...args: string[]): Promise<Record<string, number>> {
  const { dir, done } = await scratch("py");
  try {
    // Run from a temp directory: MLflow's client writes ./mlruns when it falls back to a local store.
    const out = await run(pythonPath, ["-c", code, ...args], { cwd: dir });
    return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Record<string, number>;
  } finally {
    await done();
  }
}

/** An MLflow run to PUT artifacts into by hand (for curl): its id and artifact proxy URL prefix. */
export async function mlflowRun(url: string): Promise<{ runId: string; artifacts: string }> {
  const res = await fetch(`${url}/api/2.0/mlflow/runs/create`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ experiment_id: "0" }),
  });
  if (!res.ok) throw new Error(`runs/create answered ${res.status}`);
  const run = ((await res.json()) as { run: { info: { run_id: string; artifact_uri: string } } }).run.info;
  // mlflow-artifacts:/0/<run>/artifacts is served at /api/2.0/mlflow-artifacts/artifacts/0/<run>/artifacts.
  const path = run.artifact_uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/+/, "");
  return { runId: run.run_id, artifacts: `${url}/api/2.0/mlflow-artifacts/artifacts/${path}` };
}

/** MiB/s for `bytes` in `ms`. */
export const mibps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

/** A throughput for a table cell. */
export const rate = (bytes: number, ms: number) => `${mibps(bytes, ms).toFixed(0)} MiB/s`;

/** A duration for a table cell. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Wall and CPU milliseconds of one run. */
export interface CpuTimed {
  ms: number;
  cpuMs: number;
}

/** Wall time and this process's CPU time (user + system, every thread) for `fn`. */
export async function cpuTimed(fn: () => Promise<unknown>): Promise<CpuTimed> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Wall time and the CPU time (user + system) of a command, from bash's `times` (the children's line), so no
 * `/usr/bin/time` is needed. The command's stdout is discarded.
 */
export async function childCpu(cmd: string, args: string[]): Promise<CpuTimed> {
  const t = performance.now();
  const out = await run("bash", ["-c", '"$@" > /dev/null || exit 1; times', "bench", cmd, ...args]);
  const ms = performance.now() - t;
  const line = out.trim().split("\n").at(-1) ?? "";
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`could not read the CPU time of ${cmd} from ${JSON.stringify(line)}`);
  return { ms, cpuMs: ((secs[0] ?? 0) + (secs[1] ?? 0)) * 1000 };
}

/**
 * Wall and CPU time of reading a file and hashing it with sha256 in this process: the verification floor. The file is
 * read once before the timed pass, so the figure is hashing plus reads from the page cache, not from the disk (a run
 * that starts with a cold cache measured 2.6 s per GiB instead of about 1.1).
 */
export async function hashFileCpu(path: string): Promise<CpuTimed> {
  const { createHash } = await import("node:crypto");
  const { createReadStream } = await import("node:fs");
  const pass = async () => {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
    hash.digest();
  };
  await pass();
  return cpuTimed(pass);
}

/** Samples per direction, for medians. */
export function newSamples() {
  const all = { up: [] as CpuTimed[], down: [] as CpuTimed[] };
  return {
    push(dir: "up" | "down", sample: CpuTimed) {
      all[dir].push(sample);
    },
    /** Median wall and median CPU, each on its own. */
    median(dir: "up" | "down"): CpuTimed {
      return { ms: median(all[dir].map((s) => s.ms)), cpuMs: median(all[dir].map((s) => s.cpuMs)) };
    },
  };
}

/** Starts bench/fast-server.ts in front of an MLflow server; its artifacts live in a temp directory. */
export async function startFastServer(upstream: string): Promise<{ url: string; stop: () => void }> {
  const { dir, done } = await scratch("fast");
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fast-server.ts"), upstream, dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(line.trim());
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the fast server exited with ${code}`)));
  });
  return {
    url,
    stop: () => {
      // Its stdout pipe would otherwise keep this process alive after the benchmarks.
      child.stdout.destroy();
      child.kill();
      child.unref();
      void done();
    },
  };
}
