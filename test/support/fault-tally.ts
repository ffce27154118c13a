// Appends one line per faulted run to .cache/reliability/faults.jsonl, so docs/reliability.md can quote what a test run
// injected. The file is a record, never an input: no test reads it back.
import { appendFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { FaultKind } from "./fault-proxy.js";

const DIR = fileURLToPath(new URL("../../.cache/reliability/", import.meta.url));

/** One scripted run under faults. */
export interface FaultRun {
  target: string;
  seed: number;
  requests: number;
  faults: Record<FaultKind, number>;
  bytes: number;
  seconds: number;
}

/** Appends a run to the tally and prints a one-line summary. */
export async function recordFaultRun(run: FaultRun): Promise<void> {
  await mkdir(DIR, { recursive: true });
  await appendFile(`${DIR}faults.jsonl`, `${JSON.stringify({ ...run, at: new Date().toISOString() })}\n`);
  const total = Object.values(run.faults).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `[faults] ${run.target} seed ${run.seed}: ${total} faults in ${run.requests} requests, ${(run.bytes / 2 ** 20).toFixed(0)} MiB, ${run.seconds.toFixed(1)} s\n`,
  );
}
