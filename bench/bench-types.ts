// What every benchmark returns, so bench/run.ts can put them side by side in docs/benchmarks.md.

/** One measured figure against its reference, measured in the same run. */
export interface BenchRow {
  /** What was measured, e.g. "upload 1 GiB". */
  case: string;
  /** modelreg's figure, formatted with its unit. */
  ours: string;
  /** The reference's figure (curl, MLflow's Python client, sha256sum, ...), formatted. */
  reference: string;
  /** What the reference is. */
  referenceName: string;
  /** ours relative to the reference, as the goal reads it (for example throughput ours/curl); null when not a ratio. */
  ratio: number | null;
  /** The goal in words, e.g. ">= 0.9 of curl". */
  goal: string;
  /** Whether the goal was met; null when there is no goal for this row. */
  met: boolean | null;
  /** Anything a reader must know to read the figure. */
  note?: string;
}

/** A benchmark's section of docs/benchmarks.md. */
export interface BenchSection {
  /** A heading. */
  title: string;
  /** How it was measured, in a sentence or two. */
  method: string;
  /** The figures. */
  rows: BenchRow[];
}

/** What bench/run.ts hands each benchmark. */
export interface BenchOptions {
  /** Smaller sizes and fewer runs, for trying a benchmark out; the figures are not for docs/benchmarks.md. */
  quick: boolean;
  /** A running MLflow server (bench/run.ts starts one), and the Python of its virtualenv. */
  mlflow?: { url: string; python: string };
}

/** A benchmark module's entry point. */
export type Bench = (options: BenchOptions) => Promise<BenchSection>;

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Formats a ratio to two decimals. */
export const ratioText = (r: number | null): string => (r === null ? "" : r.toFixed(2));
