// Longest files first, across projects, then the short files project by project. npm test runs several files at once,
// and most of its time is a handful of files that wait on servers, proxies and child processes; vitest's own order
// (project by project, then by the last run's durations, which a fresh clone does not have, else by file size) started
// the longest MLflow files last and left one worker running them alone at the end. The same happened to a long file
// missing from the list below: the Hub's fault run (121 s, a small file) started 485 s into a run, last of all.
//
// A worker is kept for the next file only when that file is of the same project (vitest's pool): files of mixed
// projects in a row started a fresh worker, which imports the source again, for nearly every file (57 workers for 149
// files). The short files therefore go project by project, the unit project's last: its many small files fill the
// workers' gaps at the end.
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each slow file takes on a 2-core machine (Node 20, in CI's npm test beside the other lane); a file not
 * listed is short. Only the order matters, so rough figures do; vitest's cache of the last run, when there is one, wins.
 */
export const SLOW_FILES: Record<string, number> = {
  "mlflow:test/mlflow/server/contract.test.ts": 163,
  "mlflow:test/mlflow/server/faulted-lifecycle.test.ts": 126,
  "faults:test/huggingface/faults.test.ts": 121,
  "faults:test/wandb/faults.test.ts": 94,
  "mlflow:test/mlflow/server/mlflow-registry.test.ts": 92,
  "mlflow:test/mlflow/server/sync-pairs.test.ts": 87,
  "official:test/vertex/official/aiplatform.test.ts": 79,
  "mlflow:test/mlflow/server/prototype-keys.test.ts": 79,
  "faults:test/sagemaker/faults.test.ts": 78,
  "unit:test/local/local-kill.test.ts": 72,
  "faults:test/vertex/faults.test.ts": 67,
  "package:test/package/exports.test.ts": 63,
  "mlflow:test/mlflow/server/mlflow-concurrency.test.ts": 50,
  "aws:test/sagemaker/server/contract-moto.test.ts": 48,
  "mlflow:test/mlflow/server/serverless-sync.test.ts": 46,
  "unit:test/cli/cli-huggingface.test.ts": 44,
  "unit:test/vertex/contract.test.ts": 35,
  "mlflow:test/mlflow/server/mlflow-s3.test.ts": 35,
  "official:test/huggingface/official/modelreg-reads-python.test.ts": 32,
  "unit:test/local/local-many-writers.test.ts": 31,
  "unit:test/wandb/contract.test.ts": 29,
  "official:test/huggingface/official/fake-vs-python.test.ts": 29,
  "official:test/huggingface/official/python-reads-modelreg.test.ts": 28,
  "unit:test/property/names-aliases-stages.test.ts": 27,
  "unit:test/property/tags.test.ts": 26,
  "unit:test/sagemaker/contract.test.ts": 25,
  "unit:test/property/prototype-keys.test.ts": 24,
  "unit:test/local/local-disk-full.test.ts": 19,
  "unit:test/report/report-browser.test.ts": 19,
  "unit:test/huggingface/hostile.test.ts": 18,
  "mlflow:test/mlflow/server/sync-mlflow.test.ts": 18,
  "aws:test/storage/server/s3-moto.test.ts": 18,
  "unit:test/cli/cli-pipe.test.ts": 18,
  "official:test/wandb/official/wandb-reads-modelreg.test.ts": 16,
  "mlflow:test/mlflow/server/sync-twins.test.ts": 16,
  "unit:test/sync/sync-huggingface.test.ts": 16,
  "mlflow:test/mlflow/server/sync-huggingface.test.ts": 15,
  "unit:test/sync/sync-wandb.test.ts": 15,
  "unit:test/property/artifact-paths.test.ts": 14,
  "unit:test/sagemaker/sagemaker-endpoints.test.ts": 14,
  "mlflow:test/mlflow/server/examples.test.ts": 13,
  "mlflow:test/mlflow/server/sync-sagemaker.test.ts": 13,
  "mlflow:test/mlflow/server/mlflow-pyfunc.test.ts": 13,
  "unit:test/huggingface/hf-registry.test.ts": 12,
  "unit:test/lifecycle/lifecycle.test.ts": 12,
  "unit:test/huggingface/support/hub-fake.test.ts": 11,
  "aws:test/sagemaker/server/endpoints-moto.test.ts": 11,
  "unit:test/huggingface/hf-create.test.ts": 11,
  "unit:test/cli/cli.test.ts": 10,
  "unit:test/huggingface/contract.test.ts": 10,
  "unit:test/vertex/vertex-endpoints.test.ts": 10,
  "unit:test/sync/sync-apply.test.ts": 10,
  "unit:test/wandb/wandb-registry.test.ts": 10,
  "aws:test/sagemaker/server/interop-boto3.test.ts": 10,
  "official:test/wandb/official/modelreg-reads-wandb.test.ts": 10,
  // The Azure ML files, from a fresh-clone CI run's npm test (endpoints-interop from runs of its own, Python included).
  "azure:test/azureml/official/fake-vs-python.test.ts": 43,
  "azure:test/azureml/contract.test.ts": 39,
  "azure:test/azureml/official/endpoints-interop.test.ts": 25,
  "azure:test/azureml/official/python-reads-modelreg.test.ts": 20,
  "azure:test/azureml/azureml-create.test.ts": 20,
  "azure:test/azureml/azureml-kill.test.ts": 20,
  "azure:test/azureml/azureml-retries.test.ts": 19,
  "azure:test/azureml/sync-azureml.test.ts": 18,
  "azure:test/azureml/official/modelreg-reads-python.test.ts": 18,
  "azure:test/azureml/azureml-registry.test.ts": 17,
  "azure:test/azureml/cli-azureml.test.ts": 13,
  "azure:test/azureml/hostile.test.ts": 12,
};

/** Files estimated at this or more go first, longest first, whatever their project; the rest go project by project. */
export const LONG_MS = 20_000;

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const estimate = (spec: TestSpecification) => {
      const key = `${spec.project.name}:${relative(config.root, spec.moduleId).split("\\").join("/")}`;
      const cached = cache.getFileTestResults(key)?.duration;
      // Files not listed by size, as vitest orders them: a millisecond per 10 kB never outranks a listed file.
      return cached ?? (SLOW_FILES[key] ?? 0) * 1000 + (cache.getFileStats(key)?.size ?? 0) / 1e4;
    };
    const sorted = [...files].map((spec) => ({ spec, ms: estimate(spec) })).sort((a, b) => b.ms - a.ms);
    const long = sorted.filter((f) => f.ms >= LONG_MS);
    // Each project's short files together (longest first within it), projects in the order of their longest short
    // file, the unit project's last.
    const short = sorted.filter((f) => f.ms < LONG_MS);
    const projects = [...new Set(short.map((f) => f.spec.project.name))].sort((a, b) => Number(a === "unit") - Number(b === "unit"));
    return [...long, ...projects.flatMap((name) => short.filter((f) => f.spec.project.name === name))].map(({ spec }) => spec);
  }
}
