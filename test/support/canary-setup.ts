// The suite-wide canary check (issue 8, point 4): every test runs with canary credentials and debug logging on, and
// fails when any error built during it, any console line (debug ones included) or anything written to stdout/stderr
// contains a canary. A setup file rather than a helper, so no test can forget it.
//
// Credentials reach adapters two ways: from the environment (set here) and from the test fixtures (the W&B and
// Vertex fakes, the MLflow factories), which use CANARY too, because many tests pass `env: {}` on purpose.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach } from "vitest";
import { observeErrors } from "../../src/core/error-observer.js";
import { CANARY, CanaryWatch, describeLeaks, formatConsoleArgs } from "./canary.js";

// Every env credential the adapters read (mlflow-transport, wandb-transport, sync/registry-uri). Not the MLflow
// user/password: with both set MLflow's rule is Basic over the token, and the token is the common case.
process.env.MLFLOW_TRACKING_TOKEN = CANARY.mlflowToken;
process.env.WANDB_API_KEY = CANARY.wandbApiKey;
process.env.GOOGLE_OAUTH_ACCESS_TOKEN = CANARY.googleAccessToken;
// The AWS adapters read these first (src/aws/aws-credentials.ts); AKIA... ids are not secret, the key and token are.
process.env.AWS_ACCESS_KEY_ID = "AKIACANARYTESTKEY0001";
process.env.AWS_SECRET_ACCESS_KEY = CANARY.awsSecretAccessKey;
process.env.AWS_SESSION_TOKEN = CANARY.awsSessionToken;
// The Hugging Face adapter reads HF_TOKEN (src/adapters/huggingface/hf-transport.ts).
process.env.HF_TOKEN = CANARY.hfToken;
// The Azure ML adapter's URIs take AZURE_ACCESS_TOKEN (src/adapters/azureml/azureml-descriptor.ts); its tests' ARM fake
// takes this token too (test/azureml/support/setup.ts).
process.env.AZURE_ACCESS_TOKEN = CANARY.azureToken;
// Clients built without a logger then log every attempt through console.debug, which is captured below.
process.env.MODELREG_LOG = "debug";

// A worker runs this file again before each of its test files (isolate: false), in the same process. The error
// observer and the stdout/stderr wrappers (which vitest does not reset between files, unlike console) are installed by
// the first file only and report to the watch of the file that runs: installed per file, every earlier file's watch
// also rendered every later error in every way, and a worker's twentieth file did it twenty times.
const CURRENT = Symbol.for("modelreg.canaryWatch");
const current = globalThis as { [CURRENT]?: CanaryWatch };
const firstFile = current[CURRENT] === undefined;
const watch = new CanaryWatch();
current[CURRENT] = watch;
if (firstFile) observeErrors((error) => current[CURRENT]?.recordError(error));

// Debug lines are captured, not printed: with every request logged, CI output would be unreadable.
for (const level of ["debug", "log", "info", "warn", "error", "trace"] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    watch.recordLine(`console.${level}`, formatConsoleArgs(args));
    if (level !== "debug") original(...args);
  };
}

// A canary split across two writes is still found: each chunk is scanned with the end of the one before.
for (const name of firstFile ? (["stdout", "stderr"] as const) : []) {
  const stream = process[name];
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let tail = "";
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : String(chunk);
    current[CURRENT]?.recordLine(name, tail + text);
    tail = text.slice(-100);
    return original(chunk, ...rest);
  }) as typeof stream.write;
}

let project = "unknown";

afterEach((context) => {
  project = context.task.file.projectName || project;
  const leaks = watch.drain();
  if (leaks.length > 0) throw new Error(describeLeaks(leaks));
});

afterAll(() => {
  // Errors built outside any test (module scope, beforeAll, afterAll hooks of the file) are checked here.
  const leaks = watch.drain();
  writeTally();
  if (leaks.length > 0) throw new Error(describeLeaks(leaks));
});

/**
 * Adds this file's counts to the worker's tally in .cache/canary/run-<pid of the vitest process>/ (gitignored), so a
 * run's totals can be summed from its directory and quoted.
 */
function writeTally(): void {
  try {
    const dir = fileURLToPath(new URL(`../../.cache/canary/run-${process.ppid}/`, import.meta.url));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${project}-${process.pid}.json`);
    let before = { files: 0, errorsInspected: 0, linesScanned: 0, debugLines: 0, outputChunks: 0, leaks: 0 };
    try {
      before = { ...before, ...(JSON.parse(readFileSync(path, "utf8")) as typeof before) };
    } catch {
      // First file in this worker.
    }
    const t = watch.tally;
    const after = {
      project,
      pid: process.pid,
      files: before.files + 1,
      errorsInspected: before.errorsInspected + t.errorsInspected,
      linesScanned: before.linesScanned + t.linesScanned,
      debugLines: before.debugLines + t.debugLines,
      outputChunks: before.outputChunks + t.outputChunks,
      leaks: before.leaks + t.leaks,
    };
    writeFileSync(path, `${JSON.stringify(after, null, 2)}\n`);
  } catch {
    // The tally is for reporting; failing to write it must not fail a test.
  }
}
