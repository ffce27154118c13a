// The W&B fake served on loopback for W&B's official Python client (wandb, pinned in test/support/official-clients.ts),
// and a runner for the Python drivers the interop tests start. The API and storage are two loopback servers, as
// api.wandb.ai and the signed-URL buckets are two hosts: W&B's client attaches its key to requests for the API host
// only, and the fake refuses storage requests that carry it.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createWandbRegistry, type WandbRegistry } from "modelreg/wandb";
import { afterAll, beforeAll } from "vitest";
import { CANARY } from "../../../support/canary.js";
import { serveFake, type LoopbackFake } from "../../../support/loopback-fake.js";
import { ensureWandbClient } from "../../../support/official-clients.js";
import { API_KEY, BASE, STORAGE, WandbFake } from "../../support/wandb-fake.js";

const run = promisify(execFile);

/**
 * The time a test that starts wandb may take: the first run compiles the package's bytecode, wandb-core starts as a
 * child process, and CI runs other lanes beside it on 2 cores.
 */
export const WANDB_TEST_TIMEOUT_MS = 180_000;

/** Requests the client may send that the fake does not serve: wandb-core's own telemetry (OpenTelemetry exports). */
const TELEMETRY = /^https:\/\/api\.wandb\.test\/sdk\/otel\//;

/** What {@link useWandbLoopback} gives a test file. */
export interface WandbLoopback {
  /** The fake; its state is what both clients wrote. */
  readonly fake: WandbFake;
  /** The API server (GraphQL, file_stream). */
  readonly api: LoopbackFake;
  /** The storage server the fake's signed URLs point at. */
  readonly storage: LoopbackFake;
  /** A modelreg registry talking to the loopback API, as a user's would talk to W&B. */
  registry(settings?: Parameters<typeof createWandbRegistry>[0]): WandbRegistry;
  /** Runs a Python driver with wandb pointed at the fake and returns the JSON its last line prints. */
  python(code: string, ...args: string[]): Promise<unknown>;
  /** Requests the fake refused: error statuses (telemetry left out) as `METHOD url status`, GraphQL errors as `operation: message`. */
  refused(): string[];
}

/** The W&B fake on loopback for one test file, with wandb installed (on first use) and a home of its own for it. */
export function useWandbLoopback(): WandbLoopback {
  const fake = new WandbFake();
  let api: LoopbackFake | undefined;
  let storage: LoopbackFake | undefined;
  let home = "";
  let pythonPath = "";
  beforeAll(async () => {
    pythonPath = await ensureWandbClient();
    const handlers = fake.handlers();
    api = await serveFake({ handlers, origin: BASE });
    storage = await serveFake({ handlers, origin: STORAGE });
    fake.signedOrigin = storage.url;
    home = await mkdtemp(join(tmpdir(), "modelreg-wandb-official-"));
  });
  afterAll(async () => {
    await Promise.all([api?.close(), storage?.close()]);
    if (home) await rm(home, { recursive: true, force: true });
  });
  const started = () => {
    if (!api || !storage) throw new Error("the loopback fake is not running: use it inside a test");
    return { api, storage };
  };
  return {
    fake,
    get api() {
      return started().api;
    },
    get storage() {
      return started().storage;
    },
    registry: (settings = {}) => createWandbRegistry({ apiKey: API_KEY, baseUrl: started().api.url, project: "models", env: {}, actor: "tester", ...settings }),
    python: async (code, ...args) => {
      const dirs = Object.fromEntries(
        await Promise.all(
          ["wandb", "cache", "config", "data", "artifacts"].map(async (name) => {
            const dir = join(home, name);
            await mkdir(dir, { recursive: true });
            return [name, dir] as const;
          }),
        ),
      );
      // A clean environment: only what wandb needs, so no credential of the test process reaches Python. The key is
      // the suite's canary (a dummy with the shape W&B checks: 40 word characters).
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: home,
        WANDB_BASE_URL: started().api.url,
        WANDB_API_KEY: API_KEY,
        WANDB_SILENT: "true",
        WANDB_DISABLE_GIT: "true",
        WANDB_DISABLE_CODE: "true",
        WANDB__DISABLE_STATS: "true",
        WANDB_CONSOLE: "off",
        WANDB_DIR: dirs.wandb,
        WANDB_CACHE_DIR: dirs.cache,
        WANDB_CONFIG_DIR: dirs.config,
        WANDB_DATA_DIR: dirs.data,
        WANDB_ARTIFACT_DIR: dirs.artifacts,
      };
      try {
        const { stdout } = await run(pythonPath, ["-c", code, ...args], { cwd: home, env, maxBuffer: 16 * 1024 * 1024 });
        return JSON.parse(stdout.trim().split("\n").pop() ?? "null");
      } catch (error) {
        const e = error as { stderr?: string; stdout?: string; message: string };
        // wandb's tracebacks quote signed URLs and may quote the key; the canary check watches modelreg's output, and
        // a failure here should read as the client's error, so the test's own dummies are masked in it.
        const mask = (text: string) => text.replaceAll(CANARY.urlSignature, "<signature>").replaceAll(API_KEY, "<api-key>");
        throw new Error(`the wandb driver failed: ${mask(`${e.stderr?.slice(-4000) ?? ""}\n${e.stdout?.slice(-1000) ?? ""}` || e.message)}`);
      }
    },
    refused: () =>
      [...started().api.requests, ...started().storage.requests]
        .filter((r) => r.status >= 400 && !TELEMETRY.test(r.url))
        .map((r) => `${r.method} ${r.url.replace(/\?.*$/, "")} ${r.status}`)
        .concat(fake.requests.flatMap((r) => (r.errors ?? []).map((e) => `${r.operation}: ${e}`))),
  };
}
