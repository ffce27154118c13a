// Cold start: how long each entry of the built package takes to import in a fresh Node process, against
// @google-cloud/aiplatform's require plus one ModelServiceClient; and how big a one-adapter serverless handler is
// once bundled (esbuild via tsup, minified, gzipped), with what dominates each bundle.
//
//   node --expose-gc --import tsx bench/cold-start.ts [--quick]     prints the section as JSON
//
// The reference is installed once into bench/.work/aiplatform (gitignored), never as a dependency of the package.
// Children run from bench/.work/cold-start with NODE_OPTIONS removed, one at a time, adapters interleaved per round so
// that noise from other processes (CI may be running on this 2-core machine) spreads over every entry alike.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { distIsFresh } from "../scripts/dist-fresh.mjs";
import { median, ratioText, type Bench, type BenchRow } from "./bench-types.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORK = join(ROOT, "bench", ".work");
const SCRATCH = join(WORK, "cold-start");
const BUNDLES = join(WORK, "bundles");
const AIPLATFORM_DIR = join(WORK, "aiplatform");
/**
 * The newest @google-cloud/aiplatform whose `engines` admits Node 20: 7.2 to 7.4 (google-gax 6) declare node >= 22,
 * 6.11.0 (google-gax 5) declares node >= 18. Override with MODELREG_BENCH_AIPLATFORM.
 */
const AIPLATFORM_VERSION = process.env.MODELREG_BENCH_AIPLATFORM ?? "6.11.0";

/** The built entries whose import is timed, by subpath. */
const ENTRIES: Array<{ subpath: string; file: string; adapter: boolean }> = [
  { subpath: "modelreg", file: "index.js", adapter: false },
  { subpath: "modelreg/local", file: "local.js", adapter: true },
  { subpath: "modelreg/mlflow", file: "mlflow.js", adapter: true },
  { subpath: "modelreg/vertex", file: "vertex.js", adapter: true },
  { subpath: "modelreg/wandb", file: "wandb.js", adapter: true },
  { subpath: "modelreg/sagemaker", file: "sagemaker.js", adapter: true },
  { subpath: "modelreg/sync", file: "sync.js", adapter: false },
];
/** Runtime dependencies the adapters import at load, timed alone for context (resolved from the scratch directory). */
const DEPENDENCIES = ["zod", "ky", "p-retry"];

/** The handlers in bench/handlers, one adapter each. */
const HANDLERS = ["mlflow", "vertex", "wandb", "local", "sagemaker", "huggingface", "azureml"] as const;
/** The bundle budget: 40 KiB gzipped. */
const BUNDLE_BUDGET = 40 * 1024;
/** The import goal: at most 50 ms over a bare node process, whole processes compared... */
const OVERHEAD_GOAL_MS = 50;
/** ...and at most 1/40 of the reference's require + construct. */
const IMPORT_GOAL = 1 / 40;

const KiB = 1024;
const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);
const kib = (n: number) => `${(n / KiB).toFixed(1)} KiB`;

/** The environment children get: ours, minus anything that would load tsx or other hooks into them. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** Runs `npm run build` when an entry is missing from dist/ or dist/ is older than a source of the build. */
export function ensureBuilt(): { built: boolean } {
  const missing = ENTRIES.some((e) => !existsSync(join(ROOT, "dist", e.file)));
  if (!missing && distIsFresh({ root: ROOT })) return { built: false };
  // Build output goes to stderr: stdout carries the section's JSON when this file runs alone.
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  return { built: true };
}

/** Installs the reference into bench/.work/aiplatform unless that version is already there. */
function ensureAiplatform(): string {
  const pkgDir = join(AIPLATFORM_DIR, "node_modules", "@google-cloud", "aiplatform");
  const pkgJson = join(pkgDir, "package.json");
  if (existsSync(pkgJson) && (JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string }).version === AIPLATFORM_VERSION) return pkgDir;
  mkdirSync(AIPLATFORM_DIR, { recursive: true });
  writeFileSync(
    join(AIPLATFORM_DIR, "package.json"),
    `${JSON.stringify({ name: "modelreg-bench-aiplatform", private: true, description: "scratch install for bench/cold-start.ts" }, null, 2)}\n`,
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", `@google-cloud/aiplatform@${AIPLATFORM_VERSION}`], {
    cwd: AIPLATFORM_DIR,
    stdio: ["ignore", 2, 2],
  });
  return pkgDir;
}

/** Runs `node <args>` in the scratch directory; returns its stdout and the wall time from spawn to exit. */
function node(args: string[], env: NodeJS.ProcessEnv = childEnv()): { stdout: string; wallMs: number } {
  const started = performance.now();
  const stdout = execFileSync(process.execPath, args, { cwd: SCRATCH, env, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
  return { stdout, wallMs: performance.now() - started };
}

/** Times `await import(specifier)` inside a fresh ESM process: a file URL, or a bare name resolved from the scratch directory. */
function importOnce(specifier: string): { importMs: number; wallMs: number } {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  const { stdout, wallMs } = node(["--input-type=module", "-e", script]);
  const importMs = Number(stdout.trim());
  if (!Number.isFinite(importMs)) throw new Error(`unexpected output importing ${specifier}: ${stdout}`);
  return { importMs, wallMs };
}

/**
 * The reference child: counts every socket connect, DNS lookup and http2 connect (patched before the library loads),
 * times require and construction separately, and waits a moment before reporting so that lazy I/O would be counted.
 */
const REFERENCE_SCRIPT = `
const net = require("node:net"), dns = require("node:dns"), http2 = require("node:http2");
let io = 0;
const wrap = (o, k) => { const f = o[k]; o[k] = function (...a) { io++; return f.apply(this, a); }; };
wrap(net.Socket.prototype, "connect"); wrap(dns, "lookup"); wrap(dns.promises, "lookup"); wrap(http2, "connect");
const t0 = performance.now();
const { ModelServiceClient } = require(process.env.BENCH_AIPLATFORM);
const t1 = performance.now();
new ModelServiceClient({
  apiEndpoint: "us-central1-aiplatform.googleapis.com",
  projectId: "bench-project",
  credentials: { client_email: "x@y.iam.gserviceaccount.com", private_key: process.env.BENCH_PEM },
});
const t2 = performance.now();
setTimeout(() => { console.log(JSON.stringify({ requireMs: t1 - t0, constructMs: t2 - t1, io })); process.exit(0); }, 200);
`;

function referenceOnce(pkgDir: string, pem: string): { requireMs: number; constructMs: number; io: number } {
  const { stdout } = node(["-e", REFERENCE_SCRIPT], childEnv({ BENCH_AIPLATFORM: pkgDir, BENCH_PEM: pem }));
  return JSON.parse(stdout.trim()) as { requireMs: number; constructMs: number; io: number };
}

/** Which package or source folder an esbuild input belongs to: `zod`, `@scope/name`, `src/http`, `src/adapters/wandb`. */
function owner(input: string): string {
  const at = input.lastIndexOf("node_modules/");
  if (at >= 0) {
    const [first = "", second = ""] = input.slice(at + "node_modules/".length).split("/");
    return first.startsWith("@") ? `${first}/${second}` : first;
  }
  const parts = input.split("/");
  return parts.slice(0, parts[0] === "src" && parts[1] === "adapters" ? 3 : 2).join("/");
}

interface EsbuildMetafile {
  outputs: Record<
    string,
    {
      bytes: number;
      entryPoint?: string;
      inputs: Record<string, { bytesInOutput: number }>;
      imports?: Array<{ path: string; kind: string; external?: boolean }>;
    }
  >;
}

/**
 * Modules only some calls load, by dynamic import, and which calls: each is the entry of a chunk of its own, which
 * esbuild splits off with whatever only it imports. The handlers in bench/handlers make none of these calls, so those
 * chunks are reported beside a bundle (`lazy`), not in it; a handler that makes one of them loads that chunk too.
 * Only a module that every `import()` of it in src/ sits on such a call's path belongs here (`grep -rn 'import(' src`).
 * ky is not here: every request loads it.
 */
const LAZY_MODULES: ReadonlyArray<{ module: RegExp; loadedBy: string }> = [
  { module: /src\/artifacts\/xxh128-wasm\.ts$/, loadedBy: "XXH128 digests (W&B)" },
  { module: /src\/core\/version-input\.ts$/, loadedBy: "createVersion and updateVersion" },
  { module: /src\/artifacts\/download\.ts$/, loadedBy: "downloadArtifacts" },
  { module: /src\/facade\/version-order\.ts$/, loadedBy: "listVersions with orderBy" },
  { module: /src\/http\/stream-monitor\.ts$/, loadedBy: "streamed responses (openArtifact, downloadArtifacts, sync)" },
  { module: /src\/http\/resume\.ts$/, loadedBy: "streamed responses (openArtifact, downloadArtifacts, sync)" },
  { module: /src\/adapters\/mlflow\/mlflow-create-version\.ts$/, loadedBy: "createVersion, and updateVersion with metrics (MLflow)" },
  { module: /src\/adapters\/vertex\/vertex-create-version\.ts$/, loadedBy: "createVersion (Vertex)" },
  { module: /src\/adapters\/wandb\/wandb-create-version\.ts$/, loadedBy: "createVersion (W&B)" },
  { module: /src\/artifacts\/resolve-source\.ts$/, loadedBy: "createVersion (W&B)" },
  { module: /src\/adapters\/wandb\/wandb-files\.ts$/, loadedBy: "listArtifacts, openArtifact and downloadArtifacts (W&B)" },
  { module: /src\/adapters\/wandb\/wandb-links\.ts$/, loadedBy: "inRegistry, link, listLinks and unlink (W&B)" },
  {
    module: /src\/adapters\/wandb\/wandb-write-operations\.ts$/,
    loadedBy: "createVersion, updateModel, updateVersion, deleteVersion, setAlias, deleteAlias, transitionStage, link and unlink (W&B)",
  },
  { module: /src\/adapters\/vertex\/vertex-endpoint-operations\.ts$/, loadedBy: "registry.endpoints (Vertex)" },
  { module: /src\/adapters\/vertex\/vertex-files\.ts$/, loadedBy: "listArtifacts, openArtifact and downloadArtifacts (Vertex)" },
  { module: /src\/adapters\/vertex\/vertex-writes\.ts$/, loadedBy: "updateModel, deleteModel, updateVersion, deleteVersion and transitionStage (Vertex)" },
  { module: /src\/adapters\/mlflow\/mlflow-s3\.ts$/, loadedBy: "files under s3:// artifact locations (MLflow with --no-serve-artifacts)" },
  { module: /src\/adapters\/sagemaker\/sagemaker-create-version\.ts$/, loadedBy: "createVersion (SageMaker)" },
  { module: /src\/adapters\/sagemaker\/sagemaker-endpoint-operations\.ts$/, loadedBy: "registry.endpoints (SageMaker)" },
  { module: /src\/adapters\/sagemaker\/sagemaker-files\.ts$/, loadedBy: "listArtifacts, openArtifact and downloadArtifacts (SageMaker)" },
  { module: /src\/adapters\/sagemaker\/sagemaker-writes\.ts$/, loadedBy: "createModel, updateModel, deleteModel, updateVersion and deleteVersion (SageMaker)" },
  { module: /src\/adapters\/sagemaker\/sagemaker-stages\.ts$/, loadedBy: "setAlias, deleteAlias and transitionStage (SageMaker)" },
  { module: /src\/adapters\/huggingface\/hf-create-version\.ts$/, loadedBy: "createVersion (Hugging Face)" },
  { module: /src\/adapters\/huggingface\/hf-writes\.ts$/, loadedBy: "every change but createVersion (Hugging Face)" },
  { module: /src\/adapters\/huggingface\/hf-cache\.ts$/, loadedBy: "downloadToHubCache (Hugging Face)" },
  { module: /src\/adapters\/huggingface\/hf-files\.ts$/, loadedBy: "listArtifacts, openArtifact, downloadArtifacts and downloadToHubCache (Hugging Face)" },
  { module: /src\/adapters\/huggingface\/hf-card\.ts$/, loadedBy: "createVersion, and reading versions another tool tagged (Hugging Face)" },
  { module: /src\/adapters\/azureml\/azureml-create-version\.ts$/, loadedBy: "createVersion (Azure ML)" },
  { module: /src\/adapters\/azureml\/azureml-writes\.ts$/, loadedBy: "every change but createVersion (Azure ML)" },
  { module: /src\/adapters\/azureml\/azureml-files\.ts$/, loadedBy: "listArtifacts, openArtifact and downloadArtifacts (Azure ML)" },
  { module: /src\/adapters\/azureml\/azureml-endpoint-operations\.ts$/, loadedBy: "registry.endpoints (Azure ML)" },
  // Every blob write goes through it.
  { module: /src\/storage\/azure-blob-upload\.ts$/, loadedBy: "createVersion (Azure ML)" },
  // Every S3 write goes through it, metadata files included.
  { module: /src\/storage\/s3-upload\.ts$/, loadedBy: "createVersion and every metadata write (SageMaker)" },
  // Every Cloud Storage write goes through it, metadata files included.
  { module: /src\/storage\/gcs-upload\.ts$/, loadedBy: "createVersion, updateModel and updateVersion (Vertex)" },
];

/** One bundled handler: its size, gzipped size, and minified bytes per package or source folder, largest first. */
export interface HandlerBundle {
  bytes: number;
  gzip: number;
  parts: Array<{ owner: string; bytes: number }>;
  /** Chunks only some calls load (see LAZY_MODULES), by the calls that load them: not counted above. */
  lazy: Array<{ loadedBy: string; bytes: number; gzip: number }>;
}

/**
 * Bundles each handler in bench/handlers into bench/.work/bundles the way a serverless function would ship: tsup
 * (esbuild), ESM, platform node, minified, every dependency inlined, `modelreg/*` resolved to src/ through the repo's
 * tsconfig paths, with code splitting so that what is imported dynamically lands in chunks of its own. A handler's
 * size is its entry and every chunk it imports, statically or dynamically (ky is imported by the first request, so
 * it counts), except the chunks of LAZY_MODULES and what only they import, which are reported apart by the calls
 * that load them. Each file is gzipped alone (node:zlib level 6), which is a little more than gzipping them together.
 * esbuild's own tree shaking only (tsup's extra rollup pass is off, so the metafile's byte counts describe the
 * written files exactly).
 */
export async function bundleHandlers(): Promise<Record<string, HandlerBundle>> {
  const { build } = await import("tsup");
  const gzipOf = (path: string) => gzipSync(readFileSync(join(process.cwd(), path))).byteLength;
  const out: Record<string, HandlerBundle> = {};
  for (const h of HANDLERS) {
    // One build per handler: a build of all four would share chunks between them, each holding what any one needs.
    const outDir = join(BUNDLES, h);
    await build({
      entry: { [`${h}-handler`]: join(ROOT, "bench", "handlers", `${h}-handler.ts`) },
      outDir,
      format: "esm",
      platform: "node",
      target: "node20",
      minify: true,
      splitting: true,
      treeshake: false,
      dts: false,
      sourcemap: false,
      clean: true,
      silent: true,
      metafile: true,
      noExternal: [/.*/],
      outExtension: () => ({ js: ".mjs" }),
      tsconfig: join(ROOT, "tsconfig.json"),
      // Not the project's tsup.config.ts, whose builds (one per format, one for types) would each write these bundles.
      config: false,
    });
    const meta = JSON.parse(readFileSync(join(outDir, "metafile-esm.json"), "utf8")) as EsbuildMetafile;
    const entry = Object.keys(meta.outputs).find((k) => k.endsWith(`/${h}-handler.mjs`));
    if (!entry) throw new Error(`no metafile output for ${h}-handler.mjs`);
    const lazyCall = (path: string) => {
      const entryPoint = meta.outputs[path]?.entryPoint;
      return entryPoint === undefined ? undefined : LAZY_MODULES.find((m) => m.module.test(entryPoint))?.loadedBy;
    };
    // The handler's chunks first; then each lazy chunk with what it imports that the handler has not loaded already.
    const walk = (path: string, into: Set<string>, skip: ReadonlySet<string>, lazyRoots: string[]) => {
      if (into.has(path) || skip.has(path)) return;
      into.add(path);
      for (const i of meta.outputs[path]?.imports ?? []) {
        if (i.external || !meta.outputs[i.path]) continue;
        if (i.kind === "dynamic-import" && lazyCall(i.path) !== undefined) lazyRoots.push(i.path);
        else walk(i.path, into, skip, lazyRoots);
      }
    };
    const reached = new Set<string>();
    const lazyRoots: string[] = [];
    walk(entry, reached, new Set(), lazyRoots);
    const byCall = new Map<string, Set<string>>();
    for (let k = 0; k < lazyRoots.length; k++) {
      const root = lazyRoots[k] as string;
      const chunks = byCall.get(lazyCall(root) as string) ?? new Set<string>();
      byCall.set(lazyCall(root) as string, chunks);
      walk(root, chunks, reached, lazyRoots);
    }
    const byOwner = new Map<string, number>();
    let bytes = 0;
    let gzip = 0;
    for (const path of reached) {
      const output = meta.outputs[path];
      if (!output) continue;
      bytes += output.bytes;
      gzip += gzipOf(path);
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) byOwner.set(owner(input), (byOwner.get(owner(input)) ?? 0) + bytesInOutput);
    }
    out[h] = {
      bytes,
      gzip,
      parts: [...byOwner].map(([o, b]) => ({ owner: o, bytes: b })).sort((a, b) => b.bytes - a.bytes),
      lazy: [...byCall].map(([loadedBy, chunks]) => ({
        loadedBy,
        bytes: [...chunks].reduce((n, path) => n + (meta.outputs[path]?.bytes ?? 0), 0),
        gzip: [...chunks].reduce((n, path) => n + gzipOf(path), 0),
      })),
    };
  }
  return out;
}

/** Minified and gzipped bytes of each one-adapter handler bundle, keyed by adapter: for a CI budget script. */
export async function bundleSizes(): Promise<Record<string, { bytes: number; gzip: number }>> {
  const bundles = await bundleHandlers();
  return Object.fromEntries(Object.entries(bundles).map(([h, b]) => [h, { bytes: b.bytes, gzip: b.gzip }]));
}

export const run: Bench = async ({ quick }) => {
  const importRuns = quick ? 7 : 25;
  const referenceRuns = quick ? 3 : 7;
  const { built } = ensureBuilt();
  mkdirSync(SCRATCH, { recursive: true });
  const pkgDir = ensureAiplatform();
  const aiplatformVersion = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string }).version;

  // The reference's throwaway key, made here so that key generation is not timed.
  const { privateKey: pem } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });

  // Interleaved: each round spawns a bare node, every entry and dependency once, and the reference runs are spread
  // over the rounds, so a change in machine load during the run falls on both sides of each ratio.
  const bare: number[] = [];
  const ref: Array<{ requireMs: number; constructMs: number; io: number }> = [];
  const specs = [
    ...ENTRIES.map((e) => ({ key: e.subpath, spec: pathToFileURL(join(ROOT, "dist", e.file)).href })),
    ...DEPENDENCIES.map((d) => ({ key: d, spec: d })),
  ];
  const times = new Map(specs.map((e) => [e.key, { importMs: [] as number[], wallMs: [] as number[] }]));
  for (let i = 0; i < importRuns; i++) {
    bare.push(node(["-e", ""]).wallMs);
    for (const { key, spec } of specs) {
      const t = importOnce(spec);
      times.get(key)?.importMs.push(t.importMs);
      times.get(key)?.wallMs.push(t.wallMs);
    }
    while (ref.length < Math.round(((i + 1) * referenceRuns) / importRuns)) ref.push(referenceOnce(pkgDir, pem));
  }
  const io = Math.max(...ref.map((r) => r.io));
  const refRequire = median(ref.map((r) => r.requireMs));
  const refConstruct = median(ref.map((r) => r.constructMs));
  const refTotal = median(ref.map((r) => r.requireMs + r.constructMs));
  const refName = `@google-cloud/aiplatform ${aiplatformVersion}: require + new ModelServiceClient()`;
  const bareMs = median(bare);

  const rows: BenchRow[] = [
    {
      case: 'bare node process (node -e "")',
      ours: "",
      reference: ms(bareMs),
      referenceName: "context: spawn to exit, no imports",
      ratio: null,
      goal: "",
      met: null,
      note: `median of ${importRuns}`,
    },
    {
      case: "reference: require @google-cloud/aiplatform",
      ours: "",
      reference: ms(refRequire),
      referenceName: `@google-cloud/aiplatform ${aiplatformVersion}`,
      ratio: null,
      goal: "",
      met: null,
      note: `median of ${referenceRuns}, in-process time of require()`,
    },
    {
      case: "reference: new ModelServiceClient()",
      ours: "",
      reference: ms(refConstruct),
      referenceName: `@google-cloud/aiplatform ${aiplatformVersion}`,
      ratio: null,
      goal: "",
      met: null,
      note: `median of ${referenceRuns}; apiEndpoint us-central1-aiplatform.googleapis.com, fake service-account credentials; ${io === 0 ? "no socket, DNS or http2 connect happened during or 200 ms after construction" : `WARNING: ${io} network call(s) seen, the figure includes I/O`}`,
    },
  ];
  for (const e of ENTRIES) {
    const t = times.get(e.subpath) ?? { importMs: [], wallMs: [] };
    // Whole processes, paired by round: this entry's spawn-to-exit minus the bare node's of the same round.
    const overhead = median(t.wallMs.map((w, i) => w - (bare[i] ?? bareMs)));
    const ratio = overhead / refTotal;
    rows.push({
      case: `import ${e.subpath}`,
      ours: `${ms(overhead)} over bare node`,
      reference: ms(refTotal),
      referenceName: refName,
      ratio,
      goal: e.adapter ? `<= ${OVERHEAD_GOAL_MS} ms over bare node, <= 1/${1 / IMPORT_GOAL} of reference` : "context (the goal is for adapters)",
      met: e.adapter ? overhead <= OVERHEAD_GOAL_MS && ratio <= IMPORT_GOAL : null,
      note: `median of ${importRuns} fresh processes, each paired with the bare node process of its round; \`await import()\` of dist/${e.file} itself ${ms(median(t.importMs))} inside the process; whole process ${ms(median(t.wallMs))} spawn to exit vs bare node ${ms(bareMs)}`,
    });
  }

  for (const d of DEPENDENCIES) {
    const t = times.get(d) ?? { importMs: [], wallMs: [] };
    rows.push({
      case: `import ${d} (dependency alone)`,
      ours: "",
      reference: ms(median(t.importMs)),
      referenceName: "context: what the adapters pull in at load",
      ratio: null,
      goal: "",
      met: null,
      note: `median of ${importRuns} fresh processes, resolved from node_modules as the built entries resolve it`,
    });
  }

  const bundles = await bundleHandlers();
  for (const h of HANDLERS) {
    const b = bundles[h];
    if (!b) continue;
    const ratio = b.gzip / BUNDLE_BUDGET;
    const top = b.parts.slice(0, 4).map((p) => `${p.owner} ${kib(p.bytes)}`);
    const first = b.parts[0];
    rows.push({
      case: `bundle: handler using modelreg/${h}`,
      ours: `${kib(b.gzip)} gzip (${kib(b.bytes)} min)`,
      reference: kib(BUNDLE_BUDGET),
      referenceName: "budget: 40 KiB = 40 960 bytes gzipped",
      ratio,
      goal: "< 40 KiB gzip",
      met: b.gzip < BUNDLE_BUDGET,
      note: `${first ? `${first.owner} ${kib(first.bytes)} of ${kib(b.bytes)} minified (${((first.bytes / b.bytes) * 100).toFixed(0)}%)` : ""}; largest parts: ${top.join(", ")}${b.lazy.map((l) => `; not counted: ${kib(l.gzip)} gzip (${kib(l.bytes)} min) loaded only by ${l.loadedBy}`).join("")}; bench/handlers/${h}-handler.ts`,
    });
  }

  return {
    title: "Cold start and bundle size",
    method:
      `Node ${process.version} on ${(await import("node:os")).cpus().length} cores (another process, such as CI, may have been running: figures are medians). ` +
      `Import: a fresh \`node --input-type=module\` process per entry that does \`await import()\` of the built dist/ entry${built ? " (rebuilt first)" : ""}, timed spawn to exit, minus a bare \`node -e ""\` of the same round; median of ${importRuns}, entries interleaved per round. ` +
      `Reference: ${refName} with fake credentials, in a fresh process, median of ${referenceRuns} (ratio = our whole-process overhead / median of require + construct). ` +
      `Bundles: bench/handlers/*-handler.ts bundled with tsup (esbuild ${(await import("esbuild")).version}, ESM, minified, all dependencies inlined, code splitting on), each file gzipped with node:zlib; a handler is its entry and every chunk it imports, statically or dynamically (ky, imported by the first request, included), except the chunks that only calls the handlers do not make load (${[...new Set(LAZY_MODULES.map((m) => m.loadedBy))].join("; ")}), which are shown apart; shares from esbuild's metafile.`,
    rows,
  };
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await run({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(section, null, 2));
  // A summary for a person watching, on stderr: stdout is the JSON.
  console.error(
    section.rows
      .filter((r) => r.met !== null)
      .map((r) => `${r.case}: ${r.ours} (${ratioText(r.ratio)}) ${r.met ? "met" : "NOT met"}`)
      .join("\n"),
  );
}
