// Cold start of Azure credentials: what DefaultAzureCredential costs a fresh process (importing @azure/identity 4.13.1,
// the last release for Node 20, and constructing it) against a source given a token, which never loads the peer
// (modelreg's azureml-auth.ts: import and the first token). Each variant runs in its own fresh Node process, and
// a bare process is measured beside them, so the figures are what a serverless function or a CLI run pays.
//
//   node --import tsx bench/azure-identity.ts [--quick] [--runs N]     prints the section as a table and JSON
//
// The peer is the tests' copy in .cache/node-peers (test/support/node-peer.ts installs it when missing), reached from a
// scratch project in bench/.work/azure-identity whose node_modules links to it, as a user's install would resolve it.
// modelreg's side is src/adapters/azureml/azureml-auth.ts bundled into that folder (esbuild via tsup, every
// dependency inlined), so nothing resolves back into the repository. Variants are interleaved per round, so that noise
// from other processes on the machine spreads over all of them alike; the medians are reported.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { identityImportUrl, peerNodeModules } from "../test/azureml/support/identity-peer.js";
import { AZURE_IDENTITY } from "../test/support/node-peer.js";
import { type Bench, type BenchSection, median } from "./bench-types.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCRATCH = join(ROOT, "bench", ".work", "azure-identity");
const BUNDLE = join(SCRATCH, "azureml-auth.mjs");

const MiB = 1024 * 1024;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

/** What a child prints: its in-process timings and its memory when done. */
interface ChildResult {
  /** `await import(...)` of the module under test. */
  importMs: number;
  /** What follows the import: the first token (token source) or `new DefaultAzureCredential()`. */
  afterMs: number;
  /** CPU time (user + system) of the whole process, start-up included: less sensitive to a busy machine than wall time. */
  cpuMs: number;
  rss: number;
  heapUsed: number;
}

interface Sample extends ChildResult {
  /** Spawn to exit, as the parent saw it. */
  wallMs: number;
}

const REPORT =
  "const cpu = process.cpuUsage(); console.log(JSON.stringify({ importMs: t1 - t0, afterMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed }));";

/** The children's scripts (ESM, evaluated in the scratch project, so bare names resolve from its node_modules). */
const SCRIPTS = {
  bare: "const t0 = performance.now(), t1 = t0, t2 = t0;\n" + REPORT,
  token: `const t0 = performance.now();
const { azureTokenSource, ARM_SCOPE } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)});
const t1 = performance.now();
const token = await azureTokenSource({ token: "bench-token" }, ARM_SCOPE)();
if (token !== "bench-token") throw new Error("no token");
const t2 = performance.now();
${REPORT}`,
  identity: `const t0 = performance.now();
const { DefaultAzureCredential } = await import("@azure/identity");
const t1 = performance.now();
new DefaultAzureCredential();
const t2 = performance.now();
${REPORT}`,
  // The same through require (the CJS build), as the reference's figure was taken; modelreg's import() loads the ESM one.
  identityRequire: `const { createRequire } = await import("node:module");
const require = createRequire(process.cwd() + "/");
const t0 = performance.now();
const { DefaultAzureCredential } = require("@azure/identity");
const t1 = performance.now();
new DefaultAzureCredential();
const t2 = performance.now();
${REPORT}`,
} as const;
type Variant = keyof typeof SCRIPTS;

/** The environment children get: ours without hooks (tsx) and without any Azure configuration of this machine's. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const name of Object.keys(env)) if (/^(AZURE_|IDENTITY_|MSI_|IMDS_)/.test(name)) delete env[name];
  return env;
}

/** The scratch project: node_modules linking to the installed peer, and modelreg's token source bundled. */
async function prepare(): Promise<{ bundleBytes: number; bundleGzip: number; azureInputs: string[] }> {
  const modules = peerNodeModules(await identityImportUrl());
  mkdirSync(SCRATCH, { recursive: true });
  const link = join(SCRATCH, "node_modules");
  rmSync(link, { force: true, recursive: false });
  symlinkSync(modules, link, "dir");
  const { build } = await import("tsup");
  await build({
    entry: { "azureml-auth": join(ROOT, "src", "adapters", "azureml", "azureml-auth.ts") },
    outDir: SCRATCH,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    splitting: false,
    dts: false,
    sourcemap: false,
    clean: false,
    silent: true,
    metafile: true,
    noExternal: [/.*/],
    outExtension: () => ({ js: ".mjs" }),
    tsconfig: join(ROOT, "tsconfig.json"),
    // Not the project's tsup.config.ts.
    config: false,
  });
  const meta = JSON.parse(readFileSync(join(SCRATCH, "metafile-esm.json"), "utf8")) as { inputs: Record<string, unknown> };
  const code = readFileSync(BUNDLE);
  // The computed import must leave the peer out of the bundle.
  return { bundleBytes: code.byteLength, bundleGzip: gzipSync(code).byteLength, azureInputs: Object.keys(meta.inputs).filter((i) => i.includes("@azure/")) };
}

function runChild(variant: Variant): Sample {
  const started = performance.now();
  const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", SCRIPTS[variant]], {
    cwd: SCRATCH,
    env: childEnv(),
    encoding: "utf8",
    timeout: 120_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const wallMs = performance.now() - started;
  return { ...(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ChildResult), wallMs };
}

/** Medians of each field over `samples`. */
function medians(samples: Sample[]): Sample {
  const pick = (key: keyof Sample) => median(samples.map((s) => s[key]));
  return { importMs: pick("importMs"), afterMs: pick("afterMs"), cpuMs: pick("cpuMs"), rss: pick("rss"), heapUsed: pick("heapUsed"), wallMs: pick("wallMs") };
}

/** Measures every variant `runs` times, interleaved, after one warm-up round (file cache, not a JIT). */
export async function measure(runs: number) {
  const bundle = await prepare();
  const variants: Variant[] = ["bare", "token", "identity", "identityRequire"];
  for (const v of variants) runChild(v);
  const samples: Record<Variant, Sample[]> = { bare: [], token: [], identity: [], identityRequire: [] };
  const load = loadavg()[0] ?? 0;
  for (let round = 0; round < runs; round++) for (const v of variants) samples[v].push(runChild(v));
  return {
    node: process.version,
    cores: cpus().length,
    /** The 1-minute load average before and after: wall times on a busy machine are longer than on an idle one. */
    load: [load, loadavg()[0] ?? 0],
    peer: `${AZURE_IDENTITY.name}@${AZURE_IDENTITY.version}`,
    runs,
    bundle,
    bare: medians(samples.bare),
    token: medians(samples.token),
    identity: medians(samples.identity),
    identityRequire: medians(samples.identityRequire),
    samples,
  };
}

export const run: Bench = async ({ quick }) => {
  const m = await measure(quick ? 3 : 11);
  const { bare, token, identity } = m;
  const section: BenchSection = {
    title: "Azure credentials at cold start",
    method: `Fresh Node ${m.node} processes, ${m.runs} runs each interleaved after a warm-up, medians. modelreg: src/adapters/azureml/azureml-auth.ts bundled and minified, imported, then a source given a token asked for its first token (it never loads @azure/identity). Reference: \`await import("@azure/identity")\` (${m.peer}, resolved from a project's node_modules) and \`new DefaultAzureCredential()\`, what modelreg does on the first request when neither token nor credential is given. A bare node process: ${ms(bare.cpuMs)} CPU, ${ms(bare.wallMs)} wall, ${mib(bare.rss)} RSS; load average ${m.load.map((l) => l.toFixed(1)).join(" -> ")} on ${m.cores} cores.`,
    rows: [
      {
        case: "Azure credentials: import + first token / construct",
        ours: ms(token.importMs + token.afterMs),
        reference: `${ms(identity.importMs + identity.afterMs)} (import ${ms(identity.importMs)}, construct ${ms(identity.afterMs)})`,
        referenceName: "DefaultAzureCredential",
        ratio: (token.importMs + token.afterMs) / (identity.importMs + identity.afterMs),
        goal: "",
        met: null,
        note: `modelreg's import() loads the package's ESM build; through require (its CJS build) it takes ${ms(m.identityRequire.importMs + m.identityRequire.afterMs)}, ${ms(m.identityRequire.cpuMs - bare.cpuMs)} CPU and ${mib(m.identityRequire.rss - bare.rss)} RSS over bare node.`,
      },
      {
        case: "Azure credentials: process CPU time over bare node",
        ours: ms(token.cpuMs - bare.cpuMs),
        reference: ms(identity.cpuMs - bare.cpuMs),
        referenceName: "DefaultAzureCredential",
        ratio: null,
        goal: "",
        met: null,
      },
      {
        case: "Azure credentials: process wall time over bare node",
        ours: ms(token.wallMs - bare.wallMs),
        reference: ms(identity.wallMs - bare.wallMs),
        referenceName: "DefaultAzureCredential",
        ratio: null,
        goal: "",
        met: null,
      },
      {
        case: "Azure credentials: RSS over bare node",
        ours: mib(token.rss - bare.rss),
        reference: `${mib(identity.rss - bare.rss)} (heap ${mib(identity.heapUsed - bare.heapUsed)})`,
        referenceName: "DefaultAzureCredential",
        ratio: null,
        goal: "",
        met: null,
        note: `modelreg's token source bundled alone: ${(m.bundle.bundleBytes / 1024).toFixed(1)} KiB minified, ${(m.bundle.bundleGzip / 1024).toFixed(1)} KiB gzipped, ${m.bundle.azureInputs.length === 0 ? "no @azure/* code in it" : `with ${m.bundle.azureInputs.join(", ")}`}.`,
      },
    ],
  };
  return section;
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--runs");
  const runs = at >= 0 ? Number(args[at + 1]) : args.includes("--quick") ? 3 : 11;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a positive integer");
  const m = await measure(runs);
  const row = (name: string, s: Sample) =>
    `| ${name} | ${ms(s.importMs)} | ${ms(s.afterMs)} | ${ms(s.cpuMs)} | ${ms(s.cpuMs - m.bare.cpuMs)} | ${ms(s.wallMs)} | ${ms(s.wallMs - m.bare.wallMs)} | ${mib(s.rss)} | ${mib(s.rss - m.bare.rss)} | ${mib(s.heapUsed)} |`;
  console.log(
    [
      `Node ${m.node}, ${m.peer}, median of ${m.runs} fresh processes each; ${m.cores} cores, load average ${m.load.map((l) => l.toFixed(1)).join(" -> ")}`,
      "",
      "| variant | import | then | process CPU | CPU over bare | process wall | wall over bare | RSS | RSS over bare | heap used |",
      "|---|---|---|---|---|---|---|---|---|---|",
      row("bare node", m.bare),
      row("token source (import azureml-auth bundle, first token)", m.token),
      row("@azure/identity (import, new DefaultAzureCredential())", m.identity),
      row("@azure/identity (require, new DefaultAzureCredential())", m.identityRequire),
      "",
      `azureml-auth bundle: ${m.bundle.bundleBytes} B minified, ${m.bundle.bundleGzip} B gzipped, @azure/* inputs: ${m.bundle.azureInputs.length}`,
    ].join("\n"),
  );
  const { samples: _samples, ...summary } = m;
  console.log(JSON.stringify(summary));
}
