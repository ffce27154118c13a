// Peak memory while moving 1 GiB and 4 GiB files through a real MLflow server. Each transfer runs in a fresh Node
// process (bench/memory-child.ts), so one size's garbage cannot hide or inflate another's. Streaming means the peak
// does not grow with the file: the goal is under 32 MiB of growth from 1 GiB to 4 GiB.
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Bench, BenchRow } from "./bench-types.js";
import { GiB, MiB, dataFile } from "./bench-support.js";

interface ChildResult {
  baselineRss: number;
  upPeakRss: number;
  downPeakRss: number;
  upMs: number;
  downMs: number;
  ok: boolean;
}

/** Runs one upload and download of `file` in a fresh process and returns its peaks (MLflow, or SageMaker on moto). */
export function measureInChild(file: string, url: string, kind: "mlflow" | "sagemaker" = "mlflow"): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "memory-child.ts"), file, url, kind], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`memory child exited with ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as ChildResult);
    });
  });
}

export const runMemory: Bench = async ({ quick, mlflow }) => {
  if (!mlflow) throw new Error("the memory benchmark needs an MLflow server");
  const small = quick ? 64 * MiB : GiB;
  const large = quick ? 256 * MiB : 4 * GiB;
  const label = (n: number) => (n >= GiB ? `${n / GiB} GiB` : `${n / MiB} MiB`);
  const a = await measureInChild(await dataFile(quick ? "64m.bin" : "1g.bin", small), mlflow.url);
  const b = await measureInChild(await dataFile(quick ? "256m.bin" : "4g.bin", large), mlflow.url);
  if (!a.ok || !b.ok) throw new Error("a memory-benchmark transfer came back with different bytes");
  const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
  const rows: BenchRow[] = [];
  for (const dir of ["up", "down"] as const) {
    const peak = (r: ChildResult) => (dir === "up" ? r.upPeakRss : r.downPeakRss);
    const growth = peak(b) - peak(a);
    rows.push({
      case: `${dir === "up" ? "upload" : "download"} peak RSS, ${label(small)} -> ${label(large)}`,
      ours: `${mib(peak(a))} -> ${mib(peak(b))} (growth ${mib(growth)})`,
      reference: `${label(large - small)} more data`,
      referenceName: "file size",
      ratio: null,
      goal: "growth < 32 MiB",
      met: growth < 32 * MiB,
      note: `baseline RSS ${mib(a.baselineRss)}; ${(large / MiB / ((dir === "up" ? b.upMs : b.downMs) / 1000)).toFixed(0)} MiB/s at ${label(large)}`,
    });
  }
  return {
    title: "Memory while streaming large files",
    method:
      "Peak resident set size of a fresh Node process (sampled every 20 ms) while it uploads a file with `createVersion` and downloads it with `downloadArtifacts` through the MLflow server, bytes checked by sha256 afterwards.",
    rows,
  };
};
