// Starts fake-gcs-server for the Cloud Storage tests: installed from the Go module proxy into .cache/go-bin/<tag>
// the first time (a directory per tag, so another suite's pinned build is never reused by mistake), run on a free
// loopback port with an in-memory backend, one bucket created, and stopped when the run ends.
import { execFile, spawn } from "node:child_process";
import { access, mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { EMULATOR_BUCKET, FAKE_GCS_SERVER_VERSION } from "./emulator.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The running fake-gcs-server, e.g. `http://127.0.0.1:41234`. */
    gcsUrl: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.on("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no free port"))));
    });
  });
}

async function install(): Promise<string> {
  const bin = join(ROOT, ".cache", "go-bin", FAKE_GCS_SERVER_VERSION);
  const exe = join(bin, "fake-gcs-server");
  if (await access(exe).then(() => true, () => false)) return exe;
  await mkdir(bin, { recursive: true });
  const started = performance.now();
  const module = `github.com/fsouza/fake-gcs-server@${FAKE_GCS_SERVER_VERSION}`;
  await run("go", ["install", module], { env: { ...process.env, GOBIN: bin }, maxBuffer: 16 * 1024 * 1024 }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`go install ${module} failed (it needs Go >= 1.26 and the Go module proxy): ${error.stderr ?? error.message}`);
  });
  console.log(`installed fake-gcs-server ${FAKE_GCS_SERVER_VERSION} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return exe;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const exe = await install();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["-scheme", "http", "-host", "127.0.0.1", "-port", String(port), "-backend", "memory", "-public-host", `127.0.0.1:${port}`, "-external-url", url];
  const child = spawn(exe, [...args, "-log-level", "error"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (data: Buffer) => (output = (output + data.toString()).slice(-4000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    // Polls until the server answers; the deadline only bounds a hang, no test asserts on timing.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`fake-gcs-server exited with ${child.exitCode}: ${output}`);
      if (await fetch(`${url}/_internal/healthcheck`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`fake-gcs-server did not answer within 30 s: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await fetch(`${url}/storage/v1/b?project=test`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: EMULATOR_BUCKET }),
    });
    if (!created.ok) throw new Error(`creating the bucket failed: HTTP ${created.status} ${await created.text()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide("gcsUrl", url);
  return stop;
}
