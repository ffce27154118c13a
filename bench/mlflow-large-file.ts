// Uploads and downloads one large file through a real MLflow server and samples this process's memory meanwhile.
// Memory must stay flat as the file grows: bytes are streamed, never held whole.
//
//   npm run bench -- 64 256 1100        sizes in MiB (default: 64 256 1100)
//   MODELREG_MLFLOW_URI=http://...      use a running server instead of starting MLflow 3.17.2
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMlflowRegistry } from "../src/adapters/mlflow/index.js";
import { startMlflowServer, type MlflowServer } from "../test/mlflow/support/mlflow-server.js";

const MiB = 1024 * 1024;
const sizes = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["64", "256", "1100"]).map((s) => Number(s) * MiB);

/** Deterministic pseudo-random bytes, generated chunk by chunk so the source itself holds nothing. */
function* chunks(total: number): Generator<Uint8Array> {
  let seed = 42;
  for (let sent = 0; sent < total; sent += MiB) {
    const chunk = new Uint8Array(Math.min(MiB, total - sent));
    for (let i = 0; i < chunk.length; i += 4) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      chunk[i] = seed & 255;
      chunk[i + 1] = (seed >>> 8) & 255;
      chunk[i + 2] = (seed >>> 16) & 255;
      chunk[i + 3] = seed >>> 24;
    }
    yield chunk;
  }
}

function sampler() {
  let peakRss = 0;
  let peakHeap = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
  }, 50);
  return () => {
    clearInterval(timer);
    return { peakRss, peakHeap };
  };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

let server: MlflowServer | undefined;
const url = process.env.MODELREG_MLFLOW_URI ?? (server = await startMlflowServer("3.17.2")).url;
const registry = createMlflowRegistry({ trackingUri: url, actor: "bench", timeoutMs: 300_000 });
const rows: string[] = [];
try {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  console.log(`node ${process.version}, baseline RSS ${(baseline / MiB).toFixed(0)} MiB, server ${url}`);
  for (const size of sizes) {
    const expected = createHash("sha256");
    for (const chunk of chunks(size)) expected.update(chunk);
    const sha = expected.digest("hex");

    const stopUp = sampler();
    let t = performance.now();
    const v = await registry.createVersion(`bench-${size / MiB}mib-${Date.now()}`, {
      artifacts: { entries: [{ path: "weights.bin", size, open: async function* () { yield* chunks(size); } }] },
    });
    const upMs = performance.now() - t;
    const up = stopUp();

    const dir = await mkdtemp(join(tmpdir(), "modelreg-bench-"));
    const stopDown = sampler();
    t = performance.now();
    await registry.downloadArtifacts(v, dir);
    const downMs = performance.now() - t;
    const down = stopDown();
    const file = join(dir, "weights.bin");
    const ok = (await stat(file)).size === size && (await sha256File(file)) === sha;
    await rm(dir, { recursive: true, force: true });

    const mb = (n: number) => (n / MiB).toFixed(0);
    const row = `| ${mb(size)} MiB | ${(size / MiB / (upMs / 1000)).toFixed(0)} MiB/s | ${mb(up.peakRss)} MiB (+${mb(up.peakRss - baseline)}) | ${(size / MiB / (downMs / 1000)).toFixed(0)} MiB/s | ${mb(down.peakRss)} MiB (+${mb(down.peakRss - baseline)}) | ${ok ? "yes" : "NO"} |`;
    rows.push(row);
    console.log(row);
    if (!ok) process.exitCode = 1;
  }
  console.log("\n| file | upload | peak RSS during upload | download | peak RSS during download | sha256 matches |\n|---|---|---|---|---|---|");
  console.log(rows.join("\n"));
} finally {
  await server?.stop();
}
