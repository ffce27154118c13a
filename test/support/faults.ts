// What the fault runs against the Vertex and W&B fakes share: client settings, sizes, proxies and the run itself.
// The proxies forward with node:http, which msw intercepts in the test process, so the fakes answer what the proxies
// pass on and check it against the providers' contracts as always.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { http, passthrough } from "msw";
import { expect } from "vitest";
import { createLocalRegistry } from "../../src/adapters/local/index.js";
import type { ModelRegistry } from "../../src/core/model-registry.js";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { recordFaultRun } from "./fault-tally.js";
import { checkLifecycle, runLifecycle } from "./faulted-lifecycle.js";

/** Seeds to run, from MODELREG_FAULT_SEEDS; a failure names its seed. */
export const SEEDS = (process.env.MODELREG_FAULT_SEEDS ?? "11,23,37").split(",").map((s) => Number(s.trim()));
/** The share of requests faulted. */
export const RATE = 0.2;
/** The fakes keep every byte in memory, so their runs stop at 4 MiB; the MLflow run covers sizes up to 64 MiB. */
export const SIZES = [1, 4, 16, 64, 256, 1024, 4096].map((k) => k * 1024);
/**
 * A stall is cut after 2 s, and a flaky network is met with more retries and short waits. The fakes answer in the
 * client's own process (three seeds in one): on a busy 2-core machine a fake took up to about 800 ms to answer a 4 MiB
 * upload. (Twice in CI runs 1 s timers also fired before answers already waiting in the socket were read, for 11
 * attempts in a row; the deadline now reads the socket before it gives up: src/http/deadline.ts.)
 */
export const CLIENT = { maxRetries: 10, retryBaseDelayMs: 10, retryMaxDelayMs: 100, timeoutMs: 2_000 };
/** What the proxies' throttling faults ask the client to wait: a whole second each was a third of a run. */
export const RETRY_AFTER_MS = 50;

/** Lets the adapters' requests to the proxies through msw; the proxies' own requests upstream reach the fakes. */
export const toProxies = http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough());

/** Starts a proxy with the standard rate, a stall longer than {@link CLIENT}'s timeout and short Retry-After waits. */
export function faultProxy(upstream: string, seed: number): Promise<FaultProxy> {
  return startFaultProxy({ upstream, seed, rate: RATE, stallMs: CLIENT.timeoutMs + 1_000, retryAfterMs: RETRY_AFTER_MS });
}

/**
 * Runs the scripted lifecycle through `faulted`, syncs it into a local registry, and checks both through `clean`
 * (a registry that reaches the fake directly) and the local copy.
 */
export async function runAndCheck(input: {
  seed: number;
  prefix: string;
  faulted: ModelRegistry;
  clean: ModelRegistry;
  proxies: Record<string, FaultProxy>;
  /** Proxies that other runs use too: in the failure message, but tallied by their owner, not per run. */
  shared?: Record<string, FaultProxy>;
}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `modelreg-${input.prefix}-`));
  // Removed here, not in an afterAll of this shared module: that hook left a 50 MB directory behind per Vertex run.
  try {
    const proxies = Object.values(input.proxies);
    const seen = () => [...proxies, ...Object.values(input.shared ?? {})].map((p) => p.describe()).join("; ");
    const local = createLocalRegistry({ root: join(dir, "local"), actor: "fault-test" });
    const started = performance.now();
    const record = await runLifecycle({
      registry: input.faulted,
      syncTarget: local,
      prefix: `${input.prefix}${input.seed}`,
      workDir: join(dir, "src"),
      sizes: SIZES,
    }).catch((error: unknown) => {
      throw new Error(`lifecycle failed under ${seen()}: ${String(error)}`, { cause: error });
    });
    const seconds = (performance.now() - started) / 1000;
    const problems = [
      ...(await checkLifecycle(input.clean, record, join(dir, "check"))),
      ...(await checkLifecycle(local, record, join(dir, "check-local"))).map((p) => `local copy: ${p}`),
    ];
    expect(problems, seen()).toEqual([]);
    expect(record.models.flatMap((m) => m.versions)).toHaveLength(30);
    const requests = proxies.reduce((n, p) => n + p.requests, 0);
    const faults = proxies.reduce((n, p) => n + p.faults.length, 0);
    expect(faults, seen()).toBeGreaterThan(requests * RATE * 0.6);
    for (const [name, p] of Object.entries(input.proxies))
      await recordFaultRun({ target: name, seed: input.seed, requests: p.requests, faults: p.tally(), bytes: 0, seconds });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
