// Starts moto's server (the AWS emulator, from PyPI into .venv/aws-peers on first use) on a free loopback port. One
// process serves every service: SageMaker's JSON API on POST / and S3 in path style. Its state is in memory and goes
// with the process. MOTO_URL points the tests at one already running instead.
import { spawn } from "node:child_process";
import { CANARY } from "./canary.js";
import { ensureAwsPeers } from "./official-clients.js";
import { pythonEnv } from "./python-venv.js";
import { freePort } from "./free-port.js";

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops it (a no-op for one given by MOTO_URL). */
  stop(): Promise<void>;
}

/** The region the tests use; moto accepts any. */
export const MOTO_REGION = "us-east-1";

/** Credentials moto accepts (it checks no signature; the msw fake does): canaries, so a leak fails the test. */
export const MOTO_CREDENTIALS = {
  accessKeyId: "AKIACANARYTESTKEY0001",
  secretAccessKey: CANARY.awsSecretAccessKey,
  sessionToken: CANARY.awsSessionToken,
} as const;

/** Starts moto's server and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  if (process.env.MOTO_URL) return { url: process.env.MOTO_URL, stop: async () => {} };
  const { bin } = await ensureAwsPeers();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(`${bin}/moto_server`, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: pythonEnv({ MOTO_ALLOW_NONEXISTENT_REGION: "true" }),
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((done) => child.once("exit", done));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const code = await Promise.race([exited, new Promise<"wait">((done) => setTimeout(() => done("wait"), 200))]);
    if (code !== "wait") throw new Error(`moto_server exited with ${code}: ${stderr}`);
    const ok = await fetch(`${url}/moto-api/data.json`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not answer within 60 s: ${stderr}`);
    }
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
