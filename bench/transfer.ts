// Artifact throughput through a real MLflow server on loopback: one large file, and many small files, up and down.
// References, in the same run against the same server: curl doing the same PUTs and GETs (the practical limit),
// and MLflow's own Python client (MlflowClient.log_artifact(s) / download_artifacts), timed inside Python so its
// interpreter start and imports do not count against it.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createMlflowRegistry } from "../src/adapters/mlflow/index.js";
import { median, type Bench, type BenchRow } from "./bench-types.js";
import { GiB, MiB, dataDirectory, dataFile, mibps, mlflowRun, python, rate, run, scratch, seconds, timed } from "./bench-support.js";

const PY_ONE = `
import json, sys, time
from mlflow.tracking import MlflowClient
url, path, dst = sys.argv[1:4]
c = MlflowClient(tracking_uri=url)
run = c.create_run("0")
t = time.perf_counter(); c.log_artifact(run.info.run_id, path); up = time.perf_counter() - t
t = time.perf_counter(); c.download_artifacts(run.info.run_id, path.rsplit("/", 1)[-1], dst); down = time.perf_counter() - t
print(json.dumps({"up": up * 1000, "down": down * 1000}))
`;

const PY_MANY = `
import json, sys, time
from mlflow.tracking import MlflowClient
url, path, dst = sys.argv[1:4]
c = MlflowClient(tracking_uri=url)
run = c.create_run("0")
t = time.perf_counter(); c.log_artifacts(run.info.run_id, path, "many"); up = time.perf_counter() - t
t = time.perf_counter(); c.download_artifacts(run.info.run_id, "many", dst); down = time.perf_counter() - t
print(json.dumps({"up": up * 1000, "down": down * 1000}))
`;

/** curl config lines moving every file of `dir` (PUT with -T, or GET with -o) in one process. */
function curlConfig(files: string[], urlOf: (name: string) => string, mode: "put" | "get", localOf: (name: string) => string): string {
  return files
    .map((f) => (mode === "put" ? `upload-file = "${localOf(f)}"\nurl = "${urlOf(f)}"\n` : `output = "${localOf(f)}"\nurl = "${urlOf(f)}"\n`))
    .join("");
}

export const runTransfer: Bench = async ({ quick, mlflow }) => {
  if (!mlflow) throw new Error("the transfer benchmark needs an MLflow server");
  const registry = createMlflowRegistry({ trackingUri: mlflow.url, actor: "bench", timeoutMs: 600_000 });
  const rows: BenchRow[] = [];
  const bigSize = quick ? 128 * MiB : GiB;
  const count = quick ? 100 : 1000;
  const smallSize = 100 * 1024;
  const big = await dataFile(quick ? "128m.bin" : "1g.bin", bigSize);
  const many = await dataDirectory(`many-${count}`, count, smallSize);
  const names = (await readdir(many)).filter((n) => n.endsWith(".bin"));
  const label = quick ? "128 MiB" : "1 GiB";

  // --- one large file: median of three rounds, each side in turn, because a loopback server on 2 cores is noisy
  const rounds = quick ? 1 : 3;
  const samples = {
    ours: { up: [] as number[], down: [] as number[] },
    curl: { up: [] as number[], down: [] as number[] },
    py: { up: [] as number[], down: [] as number[] },
  };
  for (let round = 0; round < rounds; round++) {
    {
      const { dir, done } = await scratch("up1");
      try {
        let version: { model: string; version: string } | undefined;
        samples.ours.up.push(
          await timed(async () => {
            version = await registry.createVersion(`bench-big-${Date.now()}`, { artifacts: { files: [{ file: big, path: "weights.bin" }] } });
          }),
        );
        samples.ours.down.push(await timed(() => registry.downloadArtifacts(version as { model: string; version: string }, dir)));
      } finally {
        await done();
      }
    }
    {
      const { artifacts } = await mlflowRun(mlflow.url);
      const { dir, done } = await scratch("curl1");
      try {
        samples.curl.up.push(await timed(() => run("curl", ["-sS", "-f", "-o", "/dev/null", "-T", big, `${artifacts}/weights.bin`])));
        samples.curl.down.push(await timed(() => run("curl", ["-sS", "-f", "-o", join(dir, "weights.bin"), `${artifacts}/weights.bin`])));
      } finally {
        await done();
      }
    }
    {
      const { dir, done } = await scratch("py1");
      try {
        const py = await python(mlflow.python, PY_ONE, mlflow.url, big, dir);
        samples.py.up.push(py.up ?? 0);
        samples.py.down.push(py.down ?? 0);
      } finally {
        await done();
      }
    }
  }
  const ours = { up: median(samples.ours.up), down: median(samples.ours.down) };
  const curl = { up: median(samples.curl.up), down: median(samples.curl.down) };
  const py = { up: median(samples.py.up), down: median(samples.py.down) };
  rows.push(
    {
      case: `upload 1 file of ${label}`,
      ours: rate(bigSize, ours.up),
      reference: rate(bigSize, curl.up),
      referenceName: "curl -T",
      ratio: curl.up / ours.up,
      goal: ">= 0.9 of curl",
      met: curl.up / ours.up >= 0.9,
      note: `Python client: ${rate(bigSize, py.up ?? 0)}`,
    },
    {
      case: `download 1 file of ${label}`,
      ours: rate(bigSize, ours.down),
      reference: rate(bigSize, curl.down),
      referenceName: "curl -o",
      ratio: curl.down / ours.down,
      goal: ">= 0.9 of curl",
      met: curl.down / ours.down >= 0.9,
      note: `Python client: ${rate(bigSize, py.down ?? 0)}`,
    },
  );

  // --- many small files
  const oursMany = { up: 0, down: 0 };
  {
    const { dir, done } = await scratch("upN");
    try {
      let version: { model: string; version: string } | undefined;
      oursMany.up = await timed(async () => {
        version = await registry.createVersion(`bench-many-${Date.now()}`, { artifacts: { directory: many } });
      });
      oursMany.down = await timed(() => registry.downloadArtifacts(version as { model: string; version: string }, dir));
    } finally {
      await done();
    }
  }
  const curlMany = { up: 0, down: 0 };
  {
    const { artifacts } = await mlflowRun(mlflow.url);
    const { dir, done } = await scratch("curlN");
    try {
      const put = curlConfig(
        names,
        (n) => `${artifacts}/many/${n}`,
        "put",
        (n) => join(many, n),
      );
      // -o /dev/null per transfer: uploads answer with a body.
      const putCfg = put.replaceAll("url = ", 'output = "/dev/null"\nurl = ');
      curlMany.up = await timed(() => run("curl", ["-sS", "-f", "--parallel", "--parallel-max", "8", "-K", "-"], { input: putCfg }));
      const get = curlConfig(
        names,
        (n) => `${artifacts}/many/${n}`,
        "get",
        (n) => join(dir, n),
      );
      curlMany.down = await timed(() => run("curl", ["-sS", "-f", "--parallel", "--parallel-max", "8", "-K", "-"], { input: get }));
    } finally {
      await done();
    }
  }
  const pyMany = await (async () => {
    const { dir, done } = await scratch("pyN");
    try {
      return await python(mlflow.python, PY_MANY, mlflow.url, many, dir);
    } finally {
      await done();
    }
  })();
  const total = count * smallSize;
  const manyLabel = `${count} files of 100 KiB`;
  rows.push(
    {
      case: `upload ${manyLabel}`,
      ours: seconds(oursMany.up),
      reference: seconds(pyMany.up ?? 0),
      referenceName: "MLflow Python client",
      ratio: (pyMany.up ?? 0) / oursMany.up,
      goal: "faster than the Python client",
      met: oursMany.up < (pyMany.up ?? 0),
      note: `curl --parallel 8: ${seconds(curlMany.up)} (${(curlMany.up / oursMany.up).toFixed(2)} of curl); ${mibps(total, oursMany.up).toFixed(0)} MiB/s`,
    },
    {
      case: `download ${manyLabel}`,
      ours: seconds(oursMany.down),
      reference: seconds(pyMany.down ?? 0),
      referenceName: "MLflow Python client",
      ratio: (pyMany.down ?? 0) / oursMany.down,
      goal: "faster than the Python client",
      met: oursMany.down < (pyMany.down ?? 0),
      note: `curl --parallel 8: ${seconds(curlMany.down)} (${(curlMany.down / oursMany.down).toFixed(2)} of curl); ${mibps(total, oursMany.down).toFixed(0)} MiB/s`,
    },
  );
  return {
    title: "Artifact throughput against a real MLflow server",
    method:
      "MLflow 3.17.2 (`--serve-artifacts`, sqlite, artifacts on local disk) on loopback; the large file is the median of three rounds. modelreg registers a version with `createVersion` (run, logged model, files, version: the whole sequence) and reads it back with `downloadArtifacts` (8 files at a time by default, every file's sha256 checked). curl PUTs and GETs the same bytes through the same artifact proxy (many files: one curl process, `--parallel-max 8`). The Python client is timed inside Python. Ratios are the reference's time over ours (above 1: modelreg is faster).",
    rows,
  };
};
