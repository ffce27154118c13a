// Artifact throughput through a real MLflow server on loopback: one large file, and many small files, up and down.
// References, in the same run against the same server: curl doing the same PUTs and GETs (the practical limit),
// and MLflow's own Python client (MlflowClient.log_artifact(s) / download_artifacts), timed inside Python so its
// interpreter start and imports do not count against it.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { createMlflowRegistry } from "../src/adapters/mlflow/index.js";
import { median, type Bench, type BenchRow } from "./bench-types.js";
import {
  GiB,
  MiB,
  childCpu,
  cpuTimed,
  dataDirectory,
  dataFile,
  hashFileCpu,
  mibps,
  mlflowRun,
  newSamples,
  python,
  rate,
  run,
  scratch,
  seconds,
  startFastServer,
  timed,
} from "./bench-support.js";

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

  // --- one large file, against MLflow and against the fast server: median of three rounds, each side in turn within
  // a round, because a loopback server on 2 cores shared with other work is noisy. Wall time and the client's CPU
  // seconds (ours: this process's cpuUsage, so the servers run elsewhere; curl's: the shell's `times` for its child).
  const rounds = quick ? 1 : 3;
  const fast = await startFastServer(mlflow.url);
  try {
    const hashCpu = await hashFileCpu(big);
    for (const [server, url] of [
      ["MLflow", mlflow.url],
      ["fast server", fast.url],
    ] as const) {
      const samples = { ours: newSamples(), curl: newSamples(), py: newSamples(), raw: newSamples() };
      const registryAt = createMlflowRegistry({ trackingUri: url, actor: "bench", timeoutMs: 600_000 });
      for (let round = 0; round < rounds; round++) {
        {
          const { dir, done } = await scratch("up1");
          try {
            let version: { model: string; version: string } | undefined;
            samples.ours.push(
              "up",
              await cpuTimed(async () => {
                version = await registryAt.createVersion(`bench-big-${Date.now()}`, { artifacts: { files: [{ file: big, path: "weights.bin" }] } });
              }),
            );
            samples.ours.push("down", await cpuTimed(() => registryAt.downloadArtifacts(version as { model: string; version: string }, dir)));
          } finally {
            await done();
          }
        }
        {
          const { artifacts } = await mlflowRun(url);
          const { dir, done } = await scratch("curl1");
          try {
            samples.curl.push("up", await childCpu("curl", ["-sS", "-f", "-o", "/dev/null", "-T", big, `${artifacts}/weights.bin`]));
            samples.curl.push("down", await childCpu("curl", ["-sS", "-f", "-o", join(dir, "weights.bin"), `${artifacts}/weights.bin`]));
            // The same GET by the least a Node process can do with sha256 on (bench/raw-get.mjs): the fast server
            // only, whose bodies carry a Content-Length.
            if (server === "fast server") {
              await rm(join(dir, "weights.bin"));
              samples.raw.push(
                "down",
                await childCpu(process.execPath, [join(import.meta.dirname, "raw-get.mjs"), `${artifacts}/weights.bin`, join(dir, "weights.bin")]),
              );
            }
          } finally {
            await done();
          }
        }
        if (server === "MLflow") {
          const { dir, done } = await scratch("py1");
          try {
            const py = await python(mlflow.python, PY_ONE, url, big, dir);
            samples.py.push("up", { ms: py.up ?? 0, cpuMs: 0 });
            samples.py.push("down", { ms: py.down ?? 0, cpuMs: 0 });
          } finally {
            await done();
          }
        }
      }
      const wallGoal = server === "MLflow" ? 0.95 : 0.8;
      for (const [dir, verb, refName] of [
        ["up", "upload", "curl -T"],
        ["down", "download", "curl -o"],
      ] as const) {
        const ours = samples.ours.median(dir);
        const curl = samples.curl.median(dir);
        const py = samples.py.median(dir);
        rows.push({
          case: `${verb} 1 file of ${label}, ${server}`,
          ours: rate(bigSize, ours.ms),
          reference: rate(bigSize, curl.ms),
          referenceName: refName,
          ratio: curl.ms / ours.ms,
          goal: `>= ${wallGoal} of curl`,
          met: curl.ms / ours.ms >= wallGoal,
          ...(server === "MLflow" && { note: `Python client: ${rate(bigSize, py.ms)}` }),
        });
        const perGiB = (cpuMs: number) => cpuMs / 1000 / (bigSize / GiB);
        rows.push({
          case: `${verb} CPU per GiB, ${server}`,
          ours: `${perGiB(ours.cpuMs).toFixed(2)} s`,
          reference: `${perGiB(curl.cpuMs).toFixed(2)} s`,
          referenceName: refName,
          ratio: curl.cpuMs / ours.cpuMs,
          goal: "<= 1.5x curl's CPU",
          met: ours.cpuMs <= 1.5 * curl.cpuMs,
          note: `sha256 verification included; reading and hashing the file alone in Node: ${perGiB(hashCpu.cpuMs).toFixed(2)} s/GiB, so curl + that: ${(perGiB(curl.cpuMs) + perGiB(hashCpu.cpuMs)).toFixed(2)} s (ours ${(ours.cpuMs / (curl.cpuMs + hashCpu.cpuMs)).toFixed(2)}x of it)${
            dir === "down" && server === "fast server"
              ? `; a bare Node GET on a raw socket with one reused buffer, sha256 and writeSync (bench/raw-get.mjs, the least Node can spend): ${perGiB(samples.raw.median("down").cpuMs).toFixed(2)} s, ${(samples.raw.median("down").cpuMs / curl.cpuMs).toFixed(2)}x curl's`
              : ""
          }`,
        });
      }
    }
  } finally {
    fast.stop();
  }

  // --- many small files: rounds of modelreg, curl and the Python client in turn, medians per side. One pass each
  // right after the large files measured whichever ran first slower (12.7 s for ours in the bench against 5.9-6.4 s
  // alone on the same server), so each side gets the same share of whatever the large files left behind, and the
  // kernel's dirty pages from them are written out before the first round.
  await run("sync", []);
  const manyRounds = quick ? 1 : 3;
  const ours: Record<"up" | "down", number[]> = { up: [], down: [] };
  const curls: Record<"up" | "down", number[]> = { up: [], down: [] };
  const pys: Record<"up" | "down", number[]> = { up: [], down: [] };
  for (let round = 0; round < manyRounds; round++) {
    {
      const { dir, done } = await scratch("upN");
      try {
        let version: { model: string; version: string } | undefined;
        ours.up.push(
          await timed(async () => {
            version = await registry.createVersion(`bench-many-${Date.now()}`, { artifacts: { directory: many } });
          }),
        );
        ours.down.push(await timed(() => registry.downloadArtifacts(version as { model: string; version: string }, dir)));
      } finally {
        await done();
      }
    }
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
        curls.up.push(await timed(() => run("curl", ["-sS", "-f", "--parallel", "--parallel-max", "8", "-K", "-"], { input: putCfg })));
        const get = curlConfig(
          names,
          (n) => `${artifacts}/many/${n}`,
          "get",
          (n) => join(dir, n),
        );
        curls.down.push(await timed(() => run("curl", ["-sS", "-f", "--parallel", "--parallel-max", "8", "-K", "-"], { input: get })));
      } finally {
        await done();
      }
    }
    {
      const { dir, done } = await scratch("pyN");
      try {
        const py = await python(mlflow.python, PY_MANY, mlflow.url, many, dir);
        pys.up.push(py.up ?? 0);
        pys.down.push(py.down ?? 0);
      } finally {
        await done();
      }
    }
  }
  const oursMany = { up: median(ours.up), down: median(ours.down) };
  const curlMany = { up: median(curls.up), down: median(curls.down) };
  const pyMany = { up: median(pys.up), down: median(pys.down) };
  const range = (values: number[]) => `${seconds(Math.min(...values))}-${seconds(Math.max(...values))}`;
  const spread = (dir: "up" | "down") =>
    `median of ${manyRounds} rounds, modelreg, curl and Python in turn (modelreg ${range(ours[dir])}, Python ${range(pys[dir])})`;
  const total = count * smallSize;
  const manyLabel = `${count} files of 100 KiB`;
  rows.push(
    {
      case: `upload ${manyLabel}`,
      ours: seconds(oursMany.up),
      reference: seconds(pyMany.up ?? 0),
      referenceName: "MLflow Python client",
      ratio: (pyMany.up ?? 0) / oursMany.up,
      goal: ">= 1.5x the Python client's speed",
      met: (pyMany.up ?? 0) / oursMany.up >= 1.5,
      note: `curl --parallel 8: ${seconds(curlMany.up)} (${(curlMany.up / oursMany.up).toFixed(2)} of curl); ${mibps(total, oursMany.up).toFixed(0)} MiB/s; ${spread("up")}`,
    },
    {
      case: `download ${manyLabel}`,
      ours: seconds(oursMany.down),
      reference: seconds(pyMany.down ?? 0),
      referenceName: "MLflow Python client",
      ratio: (pyMany.down ?? 0) / oursMany.down,
      goal: ">= 1.5x the Python client's speed",
      met: (pyMany.down ?? 0) / oursMany.down >= 1.5,
      note: `curl --parallel 8: ${seconds(curlMany.down)} (${(curlMany.down / oursMany.down).toFixed(2)} of curl); ${mibps(total, oursMany.down).toFixed(0)} MiB/s; ${spread("down")}`,
    },
  );
  return {
    title: "Artifact throughput against a real MLflow server",
    method:
      "MLflow 3.17.2 (`--serve-artifacts`, sqlite, artifacts on local disk, MLflow's default of four workers: the same server for every client) on loopback, and the fast server (bench/fast-server.ts: a Node process that answers MLflow's artifact-proxy URLs from a local directory with 1 MiB reads and passes every other request on to the same MLflow), so that the server is not what limits the client. modelreg is driven through its public API against both: it registers a version with `createVersion` (run, logged model, files, version: the whole sequence) and reads it back with `downloadArtifacts` (8 files at a time by default, 16 when files average 1 MiB or less, every file's sha256 checked). curl PUTs and GETs the same bytes through the same URLs (many files: one curl process, `--parallel-max 8`; modelreg, curl and the Python client take turns for three rounds, medians). The large file is the median of three rounds, modelreg and curl in turn within each. CPU is the client's user + system seconds per GiB: ours from `process.cpuUsage()` of this process (every thread, so hashing and the thread pool count), curl's from bash's `times` for its child; curl checks no digest. The Python client is timed inside Python. Ratios are the reference's time over ours (above 1: modelreg is faster or cheaper).",
    rows,
  };
};
