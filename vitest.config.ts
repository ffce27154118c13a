import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { packageEntries } from "./scripts/package-entries.mjs";

const root = (path: string) => fileURLToPath(new URL(`./${path}`, import.meta.url));
// Runs every test with canary credentials and fails it when one leaks into an error, a log line or the output.
const canarySetup = "test/support/canary-setup.ts";

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
    // vitest's default (one worker fewer than the cores) runs one file at a time on a 2-core machine. Three at once
    // cut npm test from 804 s to about 550 s, but then several MLflow files load one server together and it ran out
    // of database connections (QueuePool limit) in one CI run out of two; MODELREG_TEST_WORKERS sets it by hand.
    ...(process.env.MODELREG_TEST_WORKERS !== undefined && { maxWorkers: Number(process.env.MODELREG_TEST_WORKERS) }),
    projects: [
      // Tests that need a real server process live in test/<provider>/server/, each such folder with its own project
      // below (its globalSetup starts the server); everything else under test/ runs in unit, in-process.
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/mlflow/server/**", "test/vertex/server/**", "test/package/**"],
          setupFiles: [canarySetup],
        },
      },
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
        },
      },
      { extends: true, test: { name: "package", include: ["test/package/**/*.test.ts"] } },
    ],
  },
});
