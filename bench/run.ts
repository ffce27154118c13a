// `npm run bench`: every benchmark, each against its reference in the same run, written to docs/benchmarks.md with
// the machine, the Node version and the date. Benchmarks never run inside `npm test`.
//
//   npm run bench                        everything, full sizes (about 10 minutes), rewrites docs/benchmarks.md
//   npm run bench -- --quick             small sizes, prints the tables, writes nothing
//   npm run bench -- --only transfer,sync
//   MODELREG_MLFLOW_URI=http://host:5000 use a running server instead of starting MLflow 3.17.2
import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { startMlflowServer, type MlflowServer } from "../test/mlflow/server/support/mlflow-server.js";
import { ensureMlflow } from "../test/support/python-venv.js";
import { ratioText, type Bench, type BenchSection } from "./bench-types.js";
import { run as runColdStart } from "./cold-start.js";
import { runHashing } from "./hashing.js";
import { run as runListing } from "./listing.js";
import { runMemory } from "./memory.js";
import { runSync } from "./sync.js";
import { runTransfer } from "./transfer.js";

/**
 * Why a goal can be missed, by the start of the row's case: written under the tables whenever that row misses. These
 * are findings from profiling, not excuses: each names what the time or bytes go to.
 */
const WHY_MISSED: Array<[string, string]> = [
  [
    "upload 1 file",
    "MLflow's server reads a whole PUT body into its own memory before handling it (MLflow #24324), which makes the server the limit and the figures vary from run to run. modelreg also reads, hashes (sha256) and sends on one thread, through fetch (undici) and its web streams.",
  ],
  [
    "download 1 file",
    "modelreg checks every byte's sha256 as it arrives, on the one thread that also runs the HTTP client and writes the file; curl and the Python client check nothing. MD5 is computed only where the provider lists one.",
  ],
  [
    "upload CPU",
    "sha256 alone (reading and hashing the file in Node, in the note) costs about as much CPU as curl's whole upload: a client that verifies cannot come within 1.5x of one that does not. Profiled (perf, `--cpu-prof`), the rest is undici's fetch streams and our web-stream layers (about 0.5-0.8 s per GiB each) and a timer and abort listener per chunk. A transport on node:http for large bodies (branch `transfer`) cut download CPU from 9-12 to 4.2-6.5 s per GiB in trials, but is not merged yet: behind msw, a body it cancelled kept being served.",
  ],
  [
    "download CPU",
    "sha256 (reading and hashing the file in Node, in the note) is most of what curl does not pay: curl + that is the floor for a verified download, and the note gives ours against it. The rest, profiled, is undici's fetch streams and our web-stream layers (about 0.5-0.8 s per GiB each), a timer and an abort listener per chunk, and the garbage collection of a new buffer per 64 KiB chunk; see the upload CPU row for the node:http transport that removes most of it and is not merged yet.",
  ],
  ["upload 1000", "Each file is one PUT to a single-worker MLflow server; modelreg moves 8 at a time by default."],
  ["download 1000", "Each file is one GET, hashed and renamed into place once all are whole; modelreg moves 8 at a time by default."],
  [
    "MLflow -> local",
    "The local registry hashes sha256 for its content addresses while writing; sync no longer hashes a second time (the source's sha256 travels with the entry and the target checks it).",
  ],
  [
    "import modelreg/",
    "zod is inlined into dist/ as zod/mini and ky waits for the first request, so what an adapter's import still costs is its own code and zod/mini's core being evaluated (about 15 ms of it here), and Node's crypto, stream and fs/promises modules, which the artifact code imports at the top.",
  ],
  [
    "bundle:",
    "What only some calls need (createVersion's input checks, source resolution and uploads; downloads; Vertex's updates, deletes, stage moves, file reads and endpoint operations; W&B's write documents, links, file reads, manifests and XXH128 WebAssembly) is in chunks those calls import, shown beside each bundle and not counted. What every handler carries is its adapter's read path, the shared HTTP client (24 KiB minified), ky (14 KiB, about 5 gzipped, kept for the JSON API), zod/mini (21-30 KiB minified, about 7 gzipped) and the facade and core.",
  ],
  [
    "listVersions",
    "Each version still costs what the bare loop skips: parsing its metadata JSON string (about 2.5 µs), two dates, the ModelVersion object, and the garbage collection of a page of versions kept alive until it is consumed (each version keeps W&B's node as raw). zod no longer copies the nodes (a compiled check that allocates nothing; about 30 ms per 10,000 versions before) and no field is copied twice. Meeting 1.3x would take fields computed when first read, which a plain ModelVersion object cannot have without surprising spread, JSON and console.log.",
  ],
];

const BENCHES: Record<string, Bench> = {
  transfer: runTransfer,
  memory: runMemory,
  hashing: runHashing,
  sync: runSync,
  "cold-start": runColdStart,
  listing: runListing,
};

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",") : Object.keys(BENCHES);
for (const name of only) if (!BENCHES[name]) throw new Error(`no benchmark ${name}; there are ${Object.keys(BENCHES).join(", ")}`);

function table(section: BenchSection): string {
  const lines = [`## ${section.title}`, "", section.method, "", "| case | modelreg | reference | ratio | goal | met |", "|---|---|---|---|---|---|"];
  for (const r of section.rows) {
    const met = r.met === null ? "" : r.met ? "yes" : "**no**";
    lines.push(`| ${r.case} | ${r.ours} | ${r.reference} (${r.referenceName}) | ${ratioText(r.ratio)} | ${r.goal} | ${met} |`);
    if (r.note) lines.push(`| | ${r.note} | | | | |`);
  }
  return lines.join("\n");
}

const needsServer = only.some((n) => ["transfer", "memory", "sync"].includes(n));
let server: MlflowServer | undefined;
let mlflow: { url: string; python: string } | undefined;
if (needsServer) {
  if (process.env.MODELREG_MLFLOW_URI) mlflow = { url: process.env.MODELREG_MLFLOW_URI, python: (await ensureMlflow("3.17.2")).python };
  else {
    server = await startMlflowServer("3.17.2");
    mlflow = { url: server.url, python: server.python };
  }
}
const sections: BenchSection[] = [];
try {
  for (const name of only) {
    const t = performance.now();
    console.error(`bench ${name}...`);
    const section = await (BENCHES[name] as Bench)({ quick, ...(mlflow && { mlflow }) });
    sections.push(section);
    console.log(`${table(section)}\n`);
    console.error(`bench ${name} took ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
} finally {
  await server?.stop();
}

/** One bullet per reason, naming every row it explains: a reason shared by several rows is written once. */
function whyMissed(all: BenchSection[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const row of all.flatMap((x) => x.rows.filter((r) => r.met === false))) {
    const why = WHY_MISSED.find(([prefix]) => row.case.startsWith(prefix))?.[1] ?? "Not yet explained: see the closing note of the issue.";
    byReason.set(why, [...(byReason.get(why) ?? []), `**${row.case}** (${row.ours} against ${row.reference})`]);
  }
  return [...byReason].map(([why, rows]) => `- ${rows.join("; ")}: ${why}`);
}

const missed = sections.flatMap((s) => s.rows.filter((r) => r.met === false).map((r) => `${s.title}: ${r.case}`));
if (!quick && onlyAt < 0) {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const doc = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (bench/run.ts); never part of `npm test`. Every figure is measured against its reference on the same machine in the same run.",
    "",
    "| machine | Node | date |",
    "|---|---|---|",
    `| ${cpus().length} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${process.platform} ${process.arch} | ${process.version} | ${new Date().toISOString().slice(0, 10)} |`,
    "",
    missed.length === 0 ? "Every goal was met." : `Goals missed: ${missed.join("; ")}. Each is explained under its table; no reference was tuned down.`,
    "",
    ...sections.map((s) => `${table(s)}\n`),
    ...(missed.length === 0 ? [] : ["## Why goals were missed", "", ...whyMissed(sections), ""]),
    "CI checks the figures stable enough to budget (bundle sizes, and memory growth on a short transfer) with generous margins: `npm run bench:budget`.",
    "",
  ].join("\n");
  await writeFile(join(import.meta.dirname, "..", "docs", "benchmarks.md"), doc);
  console.error("wrote docs/benchmarks.md");
}
if (missed.length > 0) console.error(`goals missed: ${missed.join("; ")}`);
