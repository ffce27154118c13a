// Starts one real MLflow server per tested version before the MLflow test files run, and stops them after; beside them
// moto and two MLflow 3 servers on S3 artifacts (mlflow-s3-servers.ts) for the S3 tests, unless MODELREG_MLFLOW_S3=0.
// MODELREG_MLFLOW_URI points the tests at a server you run yourself instead (MODELREG_MLFLOW_PYTHON: its Python); the
// S3 tests are skipped then.
import type { TestProject } from "vitest/node";
import { startMlflowServer } from "./mlflow-server.js";
import { installS3Peers, type MlflowS3Context, startS3Servers } from "./mlflow-s3-servers.js";
import { ensureMlflow } from "../../../support/python-venv.js";
import { startPythonForkServer } from "../../../support/python-forkserver.js";

/** The MLflow releases the suite runs against: the current 3.x and the last 2.x. */
export const MLFLOW_VERSIONS = (process.env.MODELREG_MLFLOW_VERSIONS ?? "3.17.2,2.22.5").split(",").map((v) => v.trim());

/** The MLflow release of the S3 servers: the current 3.x. */
const S3_MLFLOW_VERSION = "3.17.2";

declare module "vitest" {
  export interface ProvidedContext {
    /** `pythonSocket`: a fork server with MLflow imported (helpers.ts `python()`), when one started. */
    mlflowServers: Array<{ version: string; url: string; python: string; pythonSocket?: string }>;
    /** moto and the MLflow servers on S3 artifacts; `null` when they were not started (external server, MODELREG_MLFLOW_S3=0). */
    mlflowS3: MlflowS3Context | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.MODELREG_MLFLOW_URI;
  if (external) {
    const version = (await (await fetch(new URL("version", external.endsWith("/") ? external : `${external}/`))).text()).trim();
    project.provide("mlflowServers", [{ version, url: external, python: process.env.MODELREG_MLFLOW_PYTHON ?? "" }]);
    project.provide("mlflowS3", null);
    return async () => {};
  }
  const withS3 = process.env.MODELREG_MLFLOW_S3 !== "0";
  // Installs one after the other (two at once would both write the shared uv tool environment), then the servers
  // start side by side: every test file, not only MLflow's, waits for this setup.
  for (const version of MLFLOW_VERSIONS) await ensureMlflow(version);
  if (withS3) await installS3Peers(S3_MLFLOW_VERSION);
  const s3Start = performance.now();
  let s3Seconds = 0;
  const [s3, ...started] = await Promise.allSettled([
    withS3
      ? startS3Servers(S3_MLFLOW_VERSION).finally(() => {
          s3Seconds = (performance.now() - s3Start) / 1000;
        })
      : Promise.resolve(undefined),
    ...MLFLOW_VERSIONS.map((version) => startMlflowServer(version)),
  ]);
  const allSeconds = (performance.now() - s3Start) / 1000;
  const servers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const s3Servers = s3?.status === "fulfilled" ? s3.value : undefined;
  const failed = [s3, ...started].find((s): s is PromiseRejectedResult => s?.status === "rejected");
  if (failed) {
    await Promise.all([...servers.map((s) => s.stop()), s3Servers?.stop()]);
    throw failed.reason;
  }
  console.log(`[mlflow] servers answered after ${allSeconds.toFixed(1)} s${s3Servers ? `; moto and the two S3 servers after ${s3Seconds.toFixed(1)} s` : ""}`);
  // The tests' Python scripts (the official client reading and writing) run in forks of one Python per version that
  // imported MLflow once: each import cost 3-5 s of CPU, a dozen times. Without one, scripts start Python as before.
  const forkServers = await Promise.all(
    servers.map((server) =>
      startPythonForkServer(server.python, PYTHON_PRELOAD, { GIT_PYTHON_REFRESH: "quiet" }).catch((error: unknown) => {
        console.warn(`[mlflow] ${server.version}: no Python fork server, scripts start Python each time: ${String(error)}`);
        return undefined;
      }),
    ),
  );
  project.provide(
    "mlflowServers",
    servers.map(({ version, url, python }, i) => ({ version, url, python, ...(forkServers[i] && { pythonSocket: forkServers[i].socket }) })),
  );
  project.provide("mlflowS3", s3Servers?.context ?? null);
  const ready = performance.now();
  return async () => {
    // One line per server in the log: a server that is busy most of the run is what holds npm test up.
    const seconds = ((performance.now() - ready) / 1000).toFixed(0);
    for (const server of servers) {
      const cpu = await server.cpuSeconds();
      if (cpu !== undefined) console.log(`[mlflow] ${server.version} server: ${cpu.toFixed(0)} s of CPU in ${seconds} s`);
    }
    for (const [i, server] of (s3Servers?.servers ?? []).entries()) {
      const cpu = await server.cpuSeconds();
      if (cpu !== undefined) console.log(`[mlflow] ${server.version} ${i === 0 ? "proxied" : "direct"} S3 server: ${cpu.toFixed(0)} s of CPU in ${seconds} s`);
    }
    await Promise.all([...servers.map((s) => s.stop()), ...forkServers.map((f) => f?.stop()), s3Servers?.stop()]);
  };
}

/** What the tests' scripts import: MLflow's client, pyfunc and pandas (which loading a pyfunc model needs). */
const PYTHON_PRELOAD = ["mlflow", "mlflow.pyfunc", "mlflow.tracking", "pandas"];
