// Longest files first, across projects. npm test runs several files at once, and most of its time is a handful of
// files that wait on servers, proxies and child processes; vitest's own order (project by project, then by the last
// run's durations, which a fresh clone does not have, else by file size) started the longest MLflow files last and left
// one worker running them alone at the end. This order keeps every worker busy until the short files fill the gaps.
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each slow file takes on a 2-core machine (Node 20, alone or with npm test's other files); a file not listed
 * is short. Only the order matters, so rough figures do; vitest's cache of the last run, when there is one, wins.
 */
export const SLOW_FILES: Record<string, number> = {
  "mlflow:test/mlflow/server/faulted-lifecycle.test.ts": 100,
  "mlflow:test/mlflow/server/mlflow-registry.test.ts": 50,
  "mlflow:test/mlflow/server/contract.test.ts": 45,
  "faults:test/wandb/faults.test.ts": 40,
  "unit:test/local/local-kill.test.ts": 35,
  "faults:test/vertex/faults.test.ts": 35,
  "package:test/package/exports.test.ts": 30,
  "mlflow:test/mlflow/server/mlflow-pyfunc.test.ts": 30,
  "mlflow:test/mlflow/server/sync-pairs.test.ts": 28,
  "mlflow:test/mlflow/server/sync-mlflow.test.ts": 20,
  "mlflow:test/mlflow/server/prototype-keys.test.ts": 17,
  "unit:test/local/local-many-writers.test.ts": 15,
  "mlflow:test/mlflow/server/mlflow-concurrency.test.ts": 12,
  "unit:test/report/report-browser.test.ts": 10,
  "unit:test/wandb/contract.test.ts": 9,
  "unit:test/vertex/contract.test.ts": 8,
  "mlflow:test/mlflow/server/serverless-sync.test.ts": 7,
  "mlflow:test/mlflow/server/sync-twins.test.ts": 7,
  "unit:test/property/prototype-keys.test.ts": 6,
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const estimate = (spec: TestSpecification) => {
      const key = `${spec.project.name}:${relative(config.root, spec.moduleId).split("\\").join("/")}`;
      const cached = cache.getFileTestResults(key)?.duration;
      // Files not listed by size, as vitest orders them: a millisecond per 10 kB never outranks a listed file.
      return cached ?? (SLOW_FILES[key] ?? 0) * 1000 + (cache.getFileStats(key)?.size ?? 0) / 1e4;
    };
    return [...files]
      .map((spec) => ({ spec, ms: estimate(spec) }))
      .sort((a, b) => b.ms - a.ms)
      .map(({ spec }) => spec);
  }
}
