// A local registry with one model worth reporting on, for the report tests: five versions that cover every stage,
// aliases, two metrics (one version without `loss`), params, a lineage chain (parents, data snapshots shared between
// versions, commits, runs, a sync origin), a model card, an approval, and the audit trail all of that leaves. Strings a
// user controls carry markup, so every test also checks that nothing of it reaches the page unescaped.
import { createLocalRegistry } from "modelreg/local";
import { approve, promote } from "modelreg";

/** Markup that runs a script if it is ever written into the page unescaped. */
export const XSS = "</script><img src=x onerror=alert(1)>";

export const MODEL = "fraud";
export const TRAIN = "s3://acme-data/fraud/train@2026-01-01";
export const EVAL = "s3://acme-data/fraud/eval@2026-01-01";
export const CARD_SUMMARY = "Scores card transactions for fraud in real time.";

const signature = { inputs: [{ name: "amount", type: "double" as const }], outputs: [{ name: "score", type: "double" as const }] };
const artifacts = (content: string) => ({ entries: [{ path: "model.bin", content }] });

/** Builds the registry in `root`; returns it with what the tests check against. */
export async function seedReportRegistry(root: string) {
  const registry = createLocalRegistry({ root, actor: "alice" });
  const common = { codeRepository: "https://github.com/acme/fraud.git", dataSnapshots: [{ uri: TRAIN, role: "train", digest: "sha256:1111" }] };
  await registry.createVersion(MODEL, {
    artifacts: artifacts("one"),
    description: `first baseline ${XSS}`,
    metrics: { auc: 0.81, loss: 0.52 },
    params: { lr: 0.1, depth: 4, features: XSS },
    tags: { team: "risk", note: XSS },
    lineage: { ...common, codeCommit: "a1b2c3d4e5f60718293a", sourceRun: "run-001" },
  });
  await registry.createVersion(MODEL, {
    artifacts: artifacts("two"),
    metrics: { auc: 0.86, loss: 0.44 },
    params: { lr: 0.05, depth: 6 },
    lineage: {
      ...common,
      dataSnapshots: [...common.dataSnapshots, { uri: EVAL, role: "eval" }],
      codeCommit: "b2c3d4e5f60718293a4b",
      parentVersion: `${MODEL}/1`,
      sourceRun: "run-002",
    },
    signature,
  });
  await registry.createVersion(MODEL, {
    artifacts: artifacts("three"),
    description: "retrained on January's data",
    metrics: { auc: 0.9, loss: 0.37 },
    params: { lr: 0.05, depth: 8 },
    lineage: { ...common, codeCommit: "c3d4e5f60718293a4b5c", parentVersion: `${MODEL}/2`, sourceRun: "run-003" },
    signature,
    modelCard: {
      summary: CARD_SUMMARY,
      intendedUse: "Card-present and card-not-present transactions in the EU.",
      limitations: `Not evaluated on business accounts. ${XSS}`,
      ethicalConsiderations: "No protected attributes are used as features.",
      training: "Gradient-boosted trees on 14 months of labelled transactions.",
      evaluation: "AUC 0.90 on the January hold-out set.",
      owners: ["risk-ml@acme.example", "dana"],
      fairness: [
        { slice: "age >= 65", metrics: { auc: 0.84, recall: 0.55 }, size: 12_400, note: "fewer labelled examples" },
        { slice: "region = EU", metrics: { auc: 0.91, recall: 0.63 }, size: 310_000 },
      ],
      markdown: `## Details\n\nTrained with **class weights**; see \`train.py\`.\n\n- recall at 1% FPR: 0.62\n- latency p99: 4 ms\n\n<script>alert(1)</script>\n\n[runbook](https://wiki.acme.example/fraud)`,
    },
  });
  await registry.createVersion(MODEL, {
    artifacts: artifacts("four"),
    metrics: { auc: 0.92 },
    lineage: { ...common, codeCommit: "c3d4e5f60718293a4b5c", parentVersion: `${MODEL}/3`, sourceRun: "run-004" },
  });
  await registry.createVersion(MODEL, {
    artifacts: artifacts("five"),
    metrics: { auc: 0.88, loss: 0.4 },
    lineage: {
      parentVersion: `${MODEL}/3`,
      syncedFrom: { registry: "mlflow+https://mlflow.acme.example", model: MODEL, version: "12", digest: "sha256:2222" },
    },
  });
  // Stages: 2 goes to production first and is archived when 3 (card, lineage, signature, approved by someone other
  // than its creator) takes its place under the default policy; 4 is staging; 1 and 5 stay drafts.
  await promote(registry, `${MODEL}/2`, { to: "production", policy: false });
  await approve(registry, `${MODEL}/3`, { by: "bob", role: "risk", comment: `backtest reviewed ${XSS}` });
  await promote(registry, `${MODEL}/3`, { to: "production" });
  await registry.transitionStage(`${MODEL}/4`, "staging");
  await registry.setAlias(MODEL, "champion", "3");
  await registry.setAlias(MODEL, "challenger", "4");
  await registry.setAlias(MODEL, "candidate", "5");
  return { registry, model: MODEL, versions: 5, withAuc: 5, withLoss: 4 };
}
