// Sync MLflow -> SageMaker (issue 18, item 6): a real MLflow server as the source, the SageMaker and S3 fakes
// (test/sagemaker/support, which check every request's signature and contract) as the target. The MLflow traffic
// passes through msw untouched. local <-> SageMaker against moto is test/sagemaker/server/sync-sagemaker.test.ts.
import { createHash } from "node:crypto";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { createSageMakerRegistry } from "modelreg/sagemaker";
import type { ModelVersion } from "modelreg";
import { originOf, syncRegistries } from "modelreg/sync";
import { CREDENTIALS, IMAGE } from "../../sagemaker/support/setup.js";
import { REGION, SageMakerFake } from "../../sagemaker/support/sagemaker-fake.js";
import { S3Fake } from "../../support/s3-fake.js";
import { unique } from "./support/helpers.js";
import { sha256Of, weights } from "../../support/version-files.js";

const servers = inject("mlflowServers");
const BUCKET = "mlflow-to-sagemaker";
const MiB = 1024 * 1024;

const sagemakerFake = new SageMakerFake({ credentials: CREDENTIALS });
const s3Fake = new S3Fake({ credentials: CREDENTIALS, buckets: [BUCKET] });
const msw = setupServer(...sagemakerFake.handlers(), ...s3Fake.handlers());
beforeAll(() => msw.listen({ onUnhandledRequest: "bypass" }));
afterAll(() => msw.close());

const sagemaker = createSageMakerRegistry({
  region: REGION,
  artifactRoot: `s3://${BUCKET}/models`,
  image: IMAGE,
  credentials: CREDENTIALS,
  env: {},
  actor: "sync-test",
  retryBaseDelayMs: 1,
});

describe.each(servers)("sync MLflow $version -> SageMaker", (server) => {
  const mlflow = createMlflowRegistry({ trackingUri: server.url, actor: "sync-test" });

  it("copies files (one past the multipart threshold), metadata, aliases and stages; a second run copies nothing", async () => {
    const model = unique("m2s");
    const big = weights(9 * MiB + 3, 5);
    const m1 = await mlflow.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: big },
          { path: "MLmodel", content: "flavors: {}\n" },
        ],
      },
      description: "first fraud model",
      params: { depth: 3 },
      metrics: { auc: 0.91, f1: 0.7 },
      tags: { team: "risk" },
      lineage: { codeCommit: "abc123" },
      aliases: ["champion"],
    });
    await mlflow.transitionStage(m1, "production");
    const m2 = await mlflow.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "second weights" }] }, aliases: ["candidate"] });
    const s1 = await mlflow.getVersion(m1);

    const report = await syncRegistries({ source: mlflow, target: sagemaker, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts).toMatchObject({ created: 2, failed: 0, conflicts: 0 });
    expect(report.bytesCopied).toBe(big.byteLength + 12 + 14);

    const copies = new Map<string, ModelVersion>();
    for await (const version of sagemaker.listVersions(model)) copies.set(originOf(version)?.version ?? "", version);
    const c1 = copies.get(m1.version) as ModelVersion;
    const c2 = copies.get(m2.version) as ModelVersion;
    expect(c1).toMatchObject({
      description: "first fraud model",
      params: { depth: "3" },
      metrics: { auc: 0.91, f1: 0.7 },
      aliases: ["champion"],
      stage: "production",
    });
    expect(c1.tags.team).toBe("risk");
    expect(c1.lineage.codeCommit).toBe("abc123");
    expect(originOf(c1)).toEqual({ registry: "mlflow", model, version: m1.version, digest: s1.artifacts.digest });
    expect(c2.aliases).toEqual(["candidate"]);
    expect(await sha256Of(sagemaker, c1, "model.bin")).toBe(createHash("sha256").update(big).digest("hex"));
    expect(await sha256Of(sagemaker, c2, "model.bin")).toBe(await sha256Of(mlflow, m2, "model.bin"));
    // The production copy is Approved on SageMaker (deployable), the other is not.
    const packages = () => [...(sagemakerFake.groups.get(model)?.packages.values() ?? [])] as Array<{ ModelApprovalStatus?: string }>;
    expect(
      packages()
        .map((p) => p.ModelApprovalStatus)
        .sort(),
    ).toEqual(["Approved", "PendingManualApproval"]);
    expect(sagemakerFake.violations).toEqual([]);

    const again = await syncRegistries({ source: mlflow, target: sagemaker, models: [model] });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, skipped: 2, failed: 0 });
    expect(again.bytesCopied).toBe(0);
    expect(packages()).toHaveLength(2);
  });
});
