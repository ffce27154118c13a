import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import LongestFirst from "./test/support/sequencer.js";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));
// Runs every test with canary credentials and fails it when one leaks into an error, a log line or the output.
const canarySetup = "test/support/canary-setup.ts";

export default defineConfig({
  // Examples import the package by name, as users do; in tests that name means the source (tsconfig paths do the same).
  resolve: {
    alias: [
      { find: /^modelreg$/, replacement: src("index.ts") },
      { find: /^modelreg\/testing$/, replacement: src("testing/index.ts") },
      { find: /^modelreg\/sync$/, replacement: src("sync/index.ts") },
      { find: /^modelreg\/(local|mlflow|vertex|wandb)$/, replacement: src("adapters/$1/index.ts") },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Real-server suites start processes; forks isolate them from each other and from msw's global fetch patch.
    pool: "forks",
    // vitest's default (one worker fewer than the cores) runs one file at a time on a 2-core machine, where most files
    // wait on servers, proxies and child processes: 804 s. Four at once, longest first (test/support/sequencer.ts),
    // keep both cores busy. The MLflow servers get enough database connections for that (mlflow-server.ts); with
    // SQLAlchemy's default pool three files at once ran one dry. MODELREG_TEST_WORKERS sets the count by hand.
    maxWorkers: Number(process.env.MODELREG_TEST_WORKERS ?? 4),
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/mlflow/**", "test/package/**", "test/gcs-emulator/**", "test/faults/**"], setupFiles: [canarySetup] } },
      // The scripted lifecycle against the Vertex and W&B fakes through faulting proxies, once per seed
      // (MODELREG_FAULT_SEEDS). A project of its own so that CI can run the seeds on one Node line.
      { extends: true, test: { name: "faults", include: ["test/faults/**/*.test.ts"], setupFiles: [canarySetup] } },
      // Starts fake-gcs-server (installed with `go install` into .cache/go-bin on first use) for the Cloud Storage tests.
      { extends: true, test: { name: "gcs", include: ["test/gcs-emulator/**/*.test.ts"], globalSetup: ["test/gcs-emulator/support/global-setup.ts"], setupFiles: [canarySetup] } },
      // Starts real MLflow servers (installed into .venv on first use) once for every MLflow test file.
      { extends: true, test: { name: "mlflow", include: ["test/mlflow/**/*.test.ts"], globalSetup: ["test/mlflow/support/global-setup.ts"], setupFiles: [canarySetup] } },
      { extends: true, test: { name: "package", include: ["test/package/**/*.test.ts"] } },
    ],
  },
});
