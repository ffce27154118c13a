// Runs huggingface_hub (the official Python client, test/support/official-clients.ts) offline in a folder of the test
// file's own, for the tests that need no Hub: the card and cache interop.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import { ensureHfClient } from "../../../support/official-clients.js";

const run = promisify(execFile);

/** What {@link useOfflinePython} gives a test file. */
export interface OfflinePython {
  /** The folder of the file's own (HOME and HF_HOME), removed afterwards. */
  readonly home: string;
  /** Runs `script` with a clean environment (HF_HUB_OFFLINE=1) and returns the JSON it printed on its last line. */
  py(script: string, ...args: string[]): Promise<unknown>;
}

/** huggingface_hub installed (on first use) and a home folder for the test file, `prefix` naming it. */
export function useOfflinePython(prefix: string): OfflinePython {
  let python = "";
  let home = "";
  beforeAll(async () => {
    python = await ensureHfClient();
    home = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });
  return {
    get home() {
      return home;
    },
    py: async (script, ...args) => {
      const env = { PATH: process.env.PATH ?? "", HOME: home, HF_HOME: home, HF_HUB_OFFLINE: "1", HF_HUB_DISABLE_TELEMETRY: "1" };
      const { stdout } = await run(python, ["-c", script, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
      return JSON.parse(stdout.trim().split("\n").pop() ?? "null");
    },
  };
}
