// Installs fake-gcs-server (pinned, from the Go module proxy, into .cache/go-bin) on first use and starts it on a
// free loopback port with an in-memory backend and one bucket. GCS_EMULATOR_URL points at a running one instead.
import { execFile, spawn } from "node:child_process";
import { access, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { freePort } from "../../../support/free-port.js";

export const FAKE_GCS_SERVER = "github.com/fsouza/fake-gcs-server@v1.55.1";
export const EMULATOR_BUCKET = "emulated-bucket";

declare module "vitest" {
  export interface ProvidedContext {
    gcsEmulatorUrl: string;
  }
}

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../../../..");

/** Installs fake-gcs-server into .cache/go-bin unless it is there, and returns its path. */
export async function ensureFakeGcsServer(): Promise<string> {
  const bin = join(ROOT, ".cache", "go-bin");
  const exe = join(bin, "fake-gcs-server");
  const installed = await access(exe).then(
    () => true,
    () => false,
  );
  if (!installed) {
    await mkdir(bin, { recursive: true });
    await run("go", ["install", FAKE_GCS_SERVER], { env: { ...process.env, GOBIN: bin }, maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { stderr?: string; message: string }) => {
        throw new Error(`installing ${FAKE_GCS_SERVER} failed (Go >= 1.25 and the Go module proxy are needed): ${error.stderr ?? error.message}`);
      },
    );
  }
  return exe;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.GCS_EMULATOR_URL) {
    project.provide("gcsEmulatorUrl", process.env.GCS_EMULATOR_URL);
    return async () => {};
  }
  const exe = await ensureFakeGcsServer();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    exe,
    [
      "-scheme",
      "http",
      "-host",
      "127.0.0.1",
      "-port",
      String(port),
      "-backend",
      "memory",
      "-public-host",
      `127.0.0.1:${port}`,
      "-external-url",
      url,
      "-log-level",
      "error",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let log = "";
  child.stdout?.on("data", (d) => (log = (log + String(d)).slice(-5000)));
  child.stderr?.on("data", (d) => (log = (log + String(d)).slice(-5000)));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  };
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fake-gcs-server exited: ${log}`);
    const ok = await fetch(`${url}/_internal/healthcheck`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() - started > 30_000) {
      await stop();
      throw new Error(`fake-gcs-server did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = await fetch(`${url}/storage/v1/b?project=test`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: EMULATOR_BUCKET }),
  });
  if (!created.ok) throw new Error(`could not create the bucket: ${created.status} ${await created.text()}`);
  project.provide("gcsEmulatorUrl", url);
  return stop;
}
