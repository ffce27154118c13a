// A training script's last step, on MLflow: log the trained model's files with metrics, register the version,
// alias it `challenger`, and promote it to `champion` only if it beats the current champion.
//
//   MLFLOW_TRACKING_URI=http://127.0.0.1:5000 node --import tsx examples/mlflow-training-script.ts [model] [auc]
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PromotionBlockedError, metricGate, notWorseThanCurrent, promote } from "modelreg";
import { createMlflowRegistry } from "modelreg/mlflow";

const model = process.argv[2] ?? "fraud-detector";
// A real script has these from its evaluation step; here they come from the command line so you can try both outcomes.
const auc = Number(process.argv[3] ?? (0.85 + Math.random() * 0.1).toFixed(3));

// Reads MLFLOW_TRACKING_URI (and MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD) like MLflow's own client.
const registry = createMlflowRegistry({ experimentName: "fraud-training" });

// "Training": the files a training step leaves behind. The loader module lets mlflow.pyfunc.load_model() serve it.
const out = await mkdtemp(join(tmpdir(), "fraud-train-"));
await mkdir(join(out, "code"));
await writeFile(join(out, "weights.json"), JSON.stringify({ bias: -2.1, scale: 0.004 }));
await writeFile(
  join(out, "code", "fraud_loader.py"),
  [
    "import json",
    "class _Model:",
    "    def __init__(self, w): self.w = w",
    "    def predict(self, df, params=None): return [self.w['bias'] + self.w['scale'] * float(x) for x in df['amount']]",
    "def _load_pyfunc(path):",
    "    with open(path) as f: return _Model(json.load(f))",
    "",
  ].join("\n"),
);

const version = await registry.createVersion(model, {
  artifacts: { directory: out },
  params: { learning_rate: 0.05, max_depth: 6 },
  metrics: { auc },
  lineage: { codeCommit: process.env.GIT_COMMIT ?? "0000000", dataSnapshots: [{ uri: "s3://fraud-data/2026-11-01", role: "train" }] },
  signature: { inputs: [{ name: "amount", type: "double" }], outputs: [{ type: "double" }] },
  aliases: ["challenger"],
  providerOptions: { mlflow: { pyfunc: { loaderModule: "fraud_loader", data: "weights.json" } } },
});
console.log(`registered ${model}/${version.version} (auc ${auc}) as challenger; files at ${await registry.getDownloadUri(version)}`);

try {
  const result = await promote(registry, `${model}@challenger`, {
    to: { alias: "champion" },
    gates: [metricGate("auc >= 0.8"), notWorseThanCurrent("auc")],
  });
  console.log(`promoted ${model}/${result.version} to champion${result.from ? ` (was ${result.from})` : ""}`);
} catch (error) {
  if (!PromotionBlockedError.isInstance(error)) throw error;
  console.log(`champion stays: ${error.failures.map((f) => f.reason).join("; ")}`);
}
