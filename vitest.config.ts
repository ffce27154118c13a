import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { packageEntries } from "./scripts/package-entries.mjs";
import LongestFirst from "./test/support/sequencer.js";

const root = (path: string) => fileURLToPath(new URL(`./${path}`, import.meta.url));
// Runs every test with canary credentials and fails it when one leaks into an error, a log line or the output.
const canarySetup = "test/support/canary-setup.ts";
// The scripted lifecycle against the Vertex, W&B and SageMaker fakes through faulting proxies, once per
// MODELREG_FAULT_SEEDS seed.
const FAULT_RUNS = ["test/vertex/faults.test.ts", "test/wandb/faults.test.ts", "test/sagemaker/faults.test.ts", "test/huggingface/faults.test.ts"];

export default defineConfig({
  // Examples import the package by name, as users do; in tests that name means the source (tsconfig paths do the same).
  resolve: {
    // Every published entry (scripts/package-entries.mjs: the fixed ones and one per adapter folder). Anchored
    // patterns, because a string alias also rewrites what starts with it: "modelreg" would take "modelreg/sync".
    alias: packageEntries().map((entry) => ({ find: new RegExp(`^modelreg${entry.subpath.slice(1)}$`), replacement: root(entry.source) })),
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Real-server suites start processes; forks isolate them from each other and from msw's global fetch patch.
    pool: "forks",
    // One module graph per worker instead of one per file: importing src (zod, msw, the adapters) for each of 60 files
    // was 90 s of CPU per unit run, a fifth of it, paid three times in CI (Node 20, 22, 24). Files still get fresh
    // setup files and their own msw servers; a file that leaves global state behind is a bug this surfaces.
    isolate: false,
    // vitest's default (one worker fewer than the cores) runs one file at a time on a 2-core machine, where most files
    // wait on servers, proxies and child processes: 804 s. Four at once, longest first (test/support/sequencer.ts),
    // keep both cores busy. The MLflow servers get enough database connections for that (mlflow-server.ts); with
    // SQLAlchemy's default pool three files at once ran one dry. MODELREG_TEST_WORKERS sets the count by hand.
    maxWorkers: Number(process.env.MODELREG_TEST_WORKERS ?? 4),
    sequence: { sequencer: LongestFirst },
    projects: [
      // Tests that need a real server process live in test/<provider>/server/, each such folder with its own project
      // below (its globalSetup starts the server); the seeded fault runs against the Vertex and W&B fakes are a project
      // of their own, so CI can run their long seeds on one Node line; everything else runs in unit, in-process.
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          // MODELREG_UNIT_SKIP (comma-separated files) leaves files out: CI's Node 22/24 lane skips what npm test runs.
          exclude: [
            "test/mlflow/server/**",
            "test/vertex/server/**",
            "test/sagemaker/server/**",
            "test/storage/server/**",
            "test/azureml/**",
            "test/package/**",
            "test/*/official/**",
            ...FAULT_RUNS,
            ...(process.env.MODELREG_UNIT_SKIP?.split(",").filter(Boolean) ?? []),
          ],
          setupFiles: [canarySetup],
          // msw answers these suites in-process. Its node:http interceptor reads a mocked body to the end whatever the
          // client does (no back-pressure, no cancel), so the hostile servers' endless bodies would spin forever; its
          // fetch interceptor cancels them as a closed socket would. The node:http transport is tested on real
          // sockets: test/http/node-fetch.test.ts here, and the mlflow, gcs, official and faults projects.
          env: { MODELREG_HTTP_TRANSPORT: "fetch" },
        },
      },
      { extends: true, test: { name: "faults", include: FAULT_RUNS, setupFiles: [canarySetup] } },
      // Starts fake-gcs-server (installed with `go install` into .cache/go-bin on first use) for the Cloud Storage tests.
      {
        extends: true,
        test: {
          name: "gcs",
          include: ["test/vertex/server/**/*.test.ts"],
          globalSetup: ["test/vertex/server/support/global-setup.ts"],
          setupFiles: [canarySetup],
        },
      },
      // Starts real MLflow servers (installed into .venv on first use) once for every MLflow test file.
      {
        extends: true,
        test: {
          name: "mlflow",
          include: ["test/mlflow/server/**/*.test.ts"],
          globalSetup: ["test/mlflow/server/support/global-setup.ts"],
          setupFiles: [canarySetup],
          // MLflow 3's telemetry thread sets an environment variable while the client's HTTP library walks the
          // environment for proxies: "KeyError: '_MLFLOW_TELEMETRY_SESSION_ID'" failed a Python-client step once.
          env: { MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true" },
        },
      },
      // Starts moto's server (installed into .venv/aws-peers on first use) for the SageMaker and S3 tests.
      {
        extends: true,
        test: {
          name: "aws",
          include: ["test/sagemaker/server/**/*.test.ts", "test/storage/server/**/*.test.ts"],
          globalSetup: ["test/sagemaker/server/support/global-setup.ts"],
          setupFiles: [canarySetup],
        },
      },
      { extends: true, test: { name: "package", include: ["test/package/**/*.test.ts"] } },
      // The providers' official Python clients (google-cloud-aiplatform, wandb; installed into .venv on first use, see
      // test/support/official-clients.ts) driven against our fakes served on loopback, both ways.
      // test/azureml/official runs in the azure project below, which starts the Azurite it needs.
      {
        extends: true,
        test: { name: "official", include: ["test/*/official/**/*.test.ts"], exclude: ["test/azureml/**"], setupFiles: [canarySetup] },
      },
      // Every Azure ML test file (the ARM fake, Azurite, the Python client): starts one Azurite Blob service for the run
      // (the azurite devDependency), whose endpoint and key the files read with inject("azurite").
      {
        extends: true,
        test: {
          name: "azure",
          include: ["test/azureml/**/*.test.ts"],
          globalSetup: ["test/azureml/support/global-setup.ts"],
          setupFiles: [canarySetup],
        },
      },
    ],
  },
});
