// One upload and one download of a file through MLflow (or SageMaker and S3 on moto), in a process of its own; prints
// its peak RSS as JSON.
//   node --expose-gc --import tsx bench/memory-child.ts <file> <mlflow url>
//   node --expose-gc --import tsx bench/memory-child.ts <file> <moto url> sagemaker
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMlflowRegistry } from "../src/adapters/mlflow/index.js";
import { createSageMakerRegistry } from "../src/adapters/sagemaker/index.js";

const [file, url, kind = "mlflow"] = process.argv.slice(2) as [string, string, string?];

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function sampler() {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss());
  };
}

// On moto: path-style S3 and SageMaker on one port, with moto's bucket made by the parent (bench/budget.ts).
const registry =
  kind === "sagemaker"
    ? createSageMakerRegistry({
        region: "us-east-1",
        artifactRoot: "s3://bench-memory/registry",
        endpoint: url,
        s3Endpoint: url,
        forcePathStyle: true,
        credentials: { accessKeyId: "AKIABENCHMEMORY00001", secretAccessKey: "bench-memory-not-a-secret" },
        env: {},
        actor: "bench",
        timeoutMs: 600_000,
      })
    : createMlflowRegistry({ trackingUri: url, actor: "bench", timeoutMs: 600_000 });
// Load the adapter's code paths once on a tiny file, so the baseline includes them and the peaks measure the transfer.
const warm = await registry.createVersion(`bench-mem-warm-${process.pid}`, { artifacts: { entries: [{ path: "w", content: "w" }] } });
const warmDir = await mkdtemp(join(tmpdir(), "modelreg-mem-"));
await registry.downloadArtifacts(warm, warmDir);
global.gc?.();
const baselineRss = process.memoryUsage.rss();

let stop = sampler();
let t = performance.now();
const version = await registry.createVersion(`bench-mem-${process.pid}-${Date.now()}`, { artifacts: { files: [{ file, path: "weights.bin" }] } });
const upMs = performance.now() - t;
const upPeakRss = stop();
global.gc?.();

const dir = await mkdtemp(join(tmpdir(), "modelreg-mem-"));
stop = sampler();
t = performance.now();
await registry.downloadArtifacts(version, dir);
const downMs = performance.now() - t;
const downPeakRss = stop();
const ok = (await sha256(join(dir, "weights.bin"))) === (await sha256(file));
await rm(dir, { recursive: true, force: true });
await rm(warmDir, { recursive: true, force: true });
console.log(JSON.stringify({ baselineRss, upPeakRss, downPeakRss, upMs, downMs, ok }));
