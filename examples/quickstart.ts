// The modelreg quickstart: a local registry in a temp directory, two versions registered from files, an alias, a
// promotion through gates, a gate refusing a worse model, Production's four-eyes approval, and rollbacks. Run it with
// `npm run quickstart`.
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NoEarlierHolderError, PromotionBlockedError, approve, metricGate, notWorseThanCurrent, promote, rollback, type CreateVersionInput } from "modelreg";
import { createLocalRegistry } from "modelreg/local";

const step = (n: number, text: string) => console.log(`\n${n}. ${text}`);
const say = (text: string) => console.log(`   ${text}`);

const workdir = await mkdtemp(join(tmpdir(), "modelreg-quickstart-"));
const registry = createLocalRegistry({ root: join(workdir, "registry"), actor: "quickstart" });
console.log(`modelreg quickstart: a local registry in ${registry.root}`);

/** Pretends to train: writes a model's files where a training script would, and returns what to register. */
async function train(run: string, auc: number): Promise<CreateVersionInput> {
  const out = join(workdir, "runs", run);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "model.json"), JSON.stringify({ kind: "logistic-regression", weights: [0.4, -1.2, 2.3], run }));
  await writeFile(join(out, "requirements.txt"), "scikit-learn==1.5.2\n");
  return {
    artifacts: { files: [join(out, "model.json"), join(out, "requirements.txt")] },
    params: { C: 1.0, penalty: "l2" },
    metrics: { auc },
    lineage: { codeCommit: "9f2c1e7", dataSnapshots: [{ uri: "s3://data/fraud/2026-11-01", role: "train" }], sourceRun: run },
    signature: {
      inputs: [
        { name: "amount", type: "double" },
        { name: "country", type: "string" },
      ],
      outputs: [{ name: "score", type: "double" }],
    },
    modelCard: { summary: "Scores card transactions for fraud.", intendedUse: "Ranking transactions for review.", owners: ["risk-ml"] },
  };
}

step(1, "Register two versions of the model `fraud` from files");
const v1 = await registry.createVersion("fraud", await train("run-1", 0.91));
say(`fraud/${v1.version}: auc ${v1.metrics.auc}, ${v1.artifacts.fileCount} files, ${v1.artifacts.digest?.slice(0, 19)}...`);
const v2 = await registry.createVersion("fraud", await train("run-2", 0.94));
say(`fraud/${v2.version}: auc ${v2.metrics.auc}, ${v2.artifacts.fileCount} files, ${v2.artifacts.digest?.slice(0, 19)}...`);

step(2, "Point the alias `champion` at version 1");
await registry.setAlias("fraud", "champion", v1.version);
say(`fraud@champion -> ${await registry.resolveAlias("fraud", "champion")}`);

step(3, "Promote version 2 to `champion` through a metric gate (auc >= 0.9) and a no-regression gate");
const promoted = await promote(registry, `fraud/${v2.version}`, { to: { alias: "champion" }, gates: [metricGate("auc >= 0.9"), notWorseThanCurrent("auc")] });
for (const gate of promoted.gates) say(`gate ${gate.name}: ${gate.passed ? "passed" : "failed"} (${gate.message})`);
say(`fraud@champion -> ${await registry.resolveAlias("fraud", "champion")}`);

step(4, "Try to promote version 1 back to `champion`: it is worse than the champion, so a gate refuses");
try {
  await promote(registry, `fraud/${v1.version}`, { to: { alias: "champion" }, gates: [metricGate("auc >= 0.9"), notWorseThanCurrent("auc")] });
  throw new Error("the gate should have refused version 1");
} catch (error) {
  if (!PromotionBlockedError.isInstance(error)) throw error;
  for (const failure of error.failures) say(`refused by ${failure.gate}: ${failure.reason}`);
  say(`nothing changed: fraud@champion -> ${await registry.resolveAlias("fraud", "champion")}`);
}

step(5, "Promote version 2 to Production: the default policy wants one approval from someone other than its creator");
/** Tries the promotion and says what happened, returning whether it went through. */
async function toProduction(): Promise<boolean> {
  try {
    await promote(registry, `fraud/${v2.version}`, { to: "production" });
    say(`promoted: fraud/${v2.version} is in ${(await registry.getVersion(`fraud/${v2.version}`)).stage}`);
    return true;
  } catch (error) {
    if (!PromotionBlockedError.isInstance(error)) throw error;
    for (const failure of error.failures) say(`refused by ${failure.gate}: ${failure.reason}`);
    return false;
  }
}
if (await toProduction()) throw new Error("an unapproved version should not reach Production");
say(`${v2.createdBy} (who registered it) approves it: a creator's own approval does not count`);
await approve(registry, `fraud/${v2.version}`, { by: v2.createdBy ?? "quickstart", comment: "looks good to me" });
if (await toProduction()) throw new Error("the creator's own approval should not be enough");
say("dana from risk approves it");
await approve(registry, `fraud/${v2.version}`, { by: "dana", role: "risk", comment: "backtest reviewed" });
if (!(await toProduction())) throw new Error("an approval from dana should be enough");

step(6, "Roll `champion` back to the version that held it before, then try once more");
const rolledBack = await rollback(registry, "fraud", { alias: "champion" });
say(`fraud@champion moved from ${rolledBack.from} back to ${rolledBack.to}`);
try {
  await rollback(registry, "fraud", { alias: "champion" });
  throw new Error("a second rollback should find nothing earlier");
} catch (error) {
  if (!NoEarlierHolderError.isInstance(error)) throw error;
  say(`a second rollback refuses rather than flip back: ${error.message}`);
}

step(7, "The audit trail: who did what, when");
for await (const event of registry.listAuditEvents({ model: "fraud" })) {
  const change = event.from !== undefined || event.to !== undefined ? ` ${event.from ?? "-"} -> ${event.to ?? "-"}` : "";
  say(`${event.at.slice(11, 19)} ${event.actor} ${event.type}${event.alias ? ` ${event.alias}` : ""}${event.version ? ` v${event.version}` : ""}${change}`);
}
console.log(`\nDone. The registry stays in ${registry.root} for you to look at.`);
