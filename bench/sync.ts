// Sync of a 1 GiB model from a real MLflow server into the local registry, against the practical alternative: curl
// downloading the file, then cp into a directory (what a copy script does, without any registry bookkeeping).
import { join } from "node:path";
import { createLocalRegistry } from "../src/adapters/local/index.js";
import { createMlflowRegistry } from "../src/adapters/mlflow/index.js";
import { syncRegistries } from "../src/sync/index.js";
import type { Bench } from "./bench-types.js";
import { GiB, MiB, dataFile, mlflowRun, rate, run, scratch, timed } from "./bench-support.js";

export const runSync: Bench = async ({ quick, mlflow }) => {
  if (!mlflow) throw new Error("the sync benchmark needs an MLflow server");
  const size = quick ? 128 * MiB : GiB;
  const file = await dataFile(quick ? "128m.bin" : "1g.bin", size);
  const source = createMlflowRegistry({ trackingUri: mlflow.url, actor: "bench", timeoutMs: 600_000 });
  const model = `bench-sync-${Date.now()}`;
  await source.createVersion(model, { artifacts: { files: [{ file, path: "weights.bin" }] } });

  const target = await scratch("sync-target");
  let oursMs = 0;
  let copied = 0;
  try {
    oursMs = await timed(async () => {
      const report = await syncRegistries({ source, target: createLocalRegistry({ root: join(target.dir, "registry") }), models: [model] });
      if (report.failures.length > 0) throw report.failures[0]?.error;
      copied = report.bytesCopied;
    });
  } finally {
    await target.done();
  }
  if (copied !== size) throw new Error(`sync copied ${copied} bytes, expected ${size}`);

  const { artifacts } = await mlflowRun(mlflow.url);
  await run("curl", ["-sS", "-f", "-o", "/dev/null", "-T", file, `${artifacts}/weights.bin`]);
  const ref = await scratch("sync-ref");
  let refMs = 0;
  try {
    refMs = await timed(async () => {
      await run("curl", ["-sS", "-f", "-o", join(ref.dir, "download.bin"), `${artifacts}/weights.bin`]);
      await run("cp", [join(ref.dir, "download.bin"), join(ref.dir, "copy.bin")]);
    });
  } finally {
    await ref.done();
  }
  const label = quick ? "128 MiB" : "1 GiB";
  return {
    title: "Sync",
    method: `\`syncRegistries\` from MLflow into a fresh local registry, one version with one ${label} file: planning, the streamed copy with sha256 and md5 checked, the local registry's content-addressed write, and the provenance tags. The reference is curl downloading the same file from the same server, then cp.`,
    rows: [
      {
        case: `MLflow -> local, ${label}`,
        ours: rate(size, oursMs),
        reference: rate(size, refMs),
        referenceName: "curl + cp",
        ratio: refMs / oursMs,
        goal: ">= 0.9 of curl + cp",
        met: refMs / oursMs >= 0.9,
      },
    ],
  };
};
