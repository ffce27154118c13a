// The Hub fake served on loopback for Hugging Face's official clients: huggingface_hub (Python, pinned in
// test/support/official-clients.ts) run as a child process, and @huggingface/hub (JS) over real sockets. The Hub and
// its storage are two loopback servers, as huggingface.co and the signed-URL storage hosts are two origins: the
// clients send the token to the Hub only (Python's file_download.py drops it for other hosts), and the fake's storage
// refuses requests that carry it.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import { CANARY } from "../../../support/canary.js";
import { type LoopbackFake, serveFake } from "../../../support/loopback-fake.js";
import { ensureHfClient } from "../../../support/official-clients.js";
import { CDN, HF_TOKEN, HUB, HubFake, STRANGER_TOKEN } from "../../support/hub-fake.js";

const run = promisify(execFile);

/** The time a test that starts Python may take: the first run compiles huggingface_hub's bytecode, and CI runs other lanes beside it. */
export const HUB_TEST_TIMEOUT_MS = 120_000;

/** What {@link useHubLoopback} gives a test file. */
export interface HubLoopback {
  /** The fake; its state is what the clients wrote. */
  readonly fake: HubFake;
  /** The Hub's server: the API, resolve and the LFS batch endpoint (HF_ENDPOINT). */
  readonly hub: LoopbackFake;
  /** The storage server the fake's signed URLs point at. */
  readonly cdn: LoopbackFake;
  /** A folder of the test file's own, removed afterwards. */
  readonly home: string;
  /** Runs a Python driver with huggingface_hub pointed at the fake and returns the JSON its last line prints. */
  python(code: string, ...args: string[]): Promise<unknown>;
  /** The same, with `env` added to (or overriding) the driver's environment, e.g. HF_HUB_OFFLINE=1. */
  pythonWith(env: Record<string, string>, code: string, ...args: string[]): Promise<unknown>;
  /** Requests the fake answered with an error status (or cut), in order, as `METHOD url-without-query status` (Hub and storage URLs as HUB and CDN). */
  refused(): string[];
}

/** The Hub fake on loopback for one test file; `python: false` skips installing huggingface_hub (for JS-only files). */
export function useHubLoopback(options: { python?: boolean } = {}): HubLoopback {
  const fake = new HubFake();
  let hub: LoopbackFake | undefined;
  let cdn: LoopbackFake | undefined;
  let home = "";
  let pythonPath = "";
  beforeAll(async () => {
    if (options.python !== false) pythonPath = await ensureHfClient();
    const handlers = fake.handlers();
    hub = await serveFake({ handlers, origin: HUB });
    cdn = await serveFake({ handlers, origin: CDN });
    fake.hubOrigin = hub.url;
    fake.signedOrigin = cdn.url;
    home = await mkdtemp(join(tmpdir(), "modelreg-hub-official-"));
  });
  afterAll(async () => {
    await Promise.all([hub?.close(), cdn?.close()]);
    if (home) await rm(home, { recursive: true, force: true });
  });
  const started = () => {
    if (!hub || !cdn) throw new Error("the loopback fake is not running: use it inside a test");
    return { hub, cdn };
  };
  const pythonWith = async (extra: Record<string, string>, code: string, ...args: string[]) => {
    if (!pythonPath) throw new Error("useHubLoopback({ python: false }) installs no Python client");
    const hf = join(home, "hf");
    await mkdir(hf, { recursive: true });
    // A clean environment: only what huggingface_hub needs, so no credential of the test process reaches Python. The
    // token is the suite's canary. Xet is off: the fake has no Xet storage, and with hf_xet importable Python 2.4.0
    // uploads through Xet without asking the server (reference §1.5, §8).
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      HF_ENDPOINT: started().hub.url,
      HF_TOKEN,
      HF_HOME: hf,
      HF_HUB_DISABLE_XET: "1",
      HF_HUB_DISABLE_TELEMETRY: "1",
      HF_HUB_DISABLE_PROGRESS_BARS: "1",
      HF_HUB_ETAG_TIMEOUT: "30",
      HF_HUB_DOWNLOAD_TIMEOUT: "60",
      ...extra,
    };
    try {
      const { stdout } = await run(pythonPath, ["-c", code, ...args], { cwd: home, env, maxBuffer: 16 * 1024 * 1024 });
      return JSON.parse(stdout.trim().split("\n").pop() ?? "null");
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      // Tracebacks quote URLs (signed ones too) and may quote headers; a failure here should read as the client's error
      // without repeating the test's dummies.
      const mask = (text: string) =>
        text.replaceAll(CANARY.urlSignature, "<signature>").replaceAll(HF_TOKEN, "<hf-token>").replaceAll(STRANGER_TOKEN, "<stranger-token>");
      throw new Error(`the huggingface_hub driver failed: ${mask(`${e.stderr?.slice(-4000) ?? ""}\n${e.stdout?.slice(-1000) ?? ""}` || e.message)}`);
    }
  };
  return {
    fake,
    get hub() {
      return started().hub;
    },
    get cdn() {
      return started().cdn;
    },
    get home() {
      return home;
    },
    python: (code, ...args) => pythonWith({}, code, ...args),
    pythonWith,
    refused: () => fake.requests.filter((r) => r.status >= 400 || r.status === 0).map((r) => `${r.method} ${r.url.replace(/\?.*$/, "")} ${r.status}`),
  };
}
