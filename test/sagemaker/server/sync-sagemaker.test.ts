// Sync with SageMaker on either side (issue 18, item 6), against moto's SageMaker and S3: local -> SageMaker copies
// files, metadata, aliases and stages, a second run copies nothing, and SageMaker -> local brings the copy back
// byte for byte with its provenance. Also through the CLI, with a `sagemaker://` URI.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import type { ModelRegistry, ModelVersion } from "modelreg";
import { originOf, syncRegistries } from "modelreg/sync";
import { runCli } from "../../../src/cli/main.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../../support/moto-server.js";
import { IMAGE, motoBucket, motoRegistry } from "./support/moto-registry.js";
import { expectSameFiles, weights } from "../../support/version-files.js";

const BUCKET = "sync-sagemaker";
const MiB = 1024 * 1024;
const dirs: string[] = [];
beforeAll(() => motoBucket(BUCKET));
afterAll(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function localRegistry(actor: string) {
  const dir = await mkdtemp(join(tmpdir(), "modelreg-sync-sm-"));
  dirs.push(dir);
  return { dir, registry: createLocalRegistry({ root: dir, actor }) };
}

const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

async function bySource(registry: ModelRegistry, model: string): Promise<Map<string, ModelVersion>> {
  const out = new Map<string, ModelVersion>();
  for await (const version of registry.listVersions(model)) {
    const origin = originOf(version);
    if (origin) out.set(origin.version, version);
  }
  return out;
}

describe("sync with SageMaker (moto)", () => {
  it("local -> SageMaker -> local: files (one of 11 MiB, multipart), metadata, aliases and stages; a second run copies nothing", async () => {
    const model = unique("l2s");
    const { registry: local } = await localRegistry("sync-test");
    // Past the 8 MiB single-PUT limit: a multipart upload in 8 MiB parts (moto enforces S3's 5 MiB minimum).
    const sagemaker = motoRegistry(BUCKET, "synced", { image: IMAGE });
    const big = weights(11 * MiB + 5, 7);
    const v1 = await local.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: big },
          { path: "conf/params.json", content: '{"depth":3}' },
        ],
      },
      description: "first fraud model",
      params: { depth: 3 },
      metrics: { auc: 0.91 },
      tags: { team: "risk" },
      lineage: { codeCommit: "0123456789abcdef0123456789abcdef01234567", codeRepository: "https://github.com/acme/fraud" },
      aliases: ["champion"],
    });
    await local.transitionStage(v1, "production");
    const v2 = await local.createVersion(model, {
      artifacts: { entries: [{ path: "model.bin", content: "second" }] },
      metrics: { auc: 0.93 },
      aliases: ["candidate"],
    });
    await local.transitionStage(v2, "staging");

    const report = await syncRegistries({ source: local, target: sagemaker, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts).toMatchObject({ created: 2, failed: 0, conflicts: 0 });
    expect(report.bytesCopied).toBe(big.byteLength + 11 + 6);

    const copies = await bySource(sagemaker, model);
    const c1 = copies.get(v1.version) as ModelVersion;
    const c2 = copies.get(v2.version) as ModelVersion;
    expect(c1).toBeDefined();
    expect(c2).toBeDefined();
    await expectSameFiles(local, v1, sagemaker, c1);
    await expectSameFiles(local, v2, sagemaker, c2);
    expect(c1).toMatchObject({ description: "first fraud model", params: { depth: "3" }, metrics: { auc: 0.91 }, aliases: ["champion"], stage: "production" });
    expect(c1.tags.team).toBe("risk");
    expect(c1.lineage.codeCommit).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(c2).toMatchObject({ aliases: ["candidate"], stage: "staging" });
    expect(originOf(c1)?.digest).toBe((await local.getVersion(v1)).artifacts.digest);

    const again = await syncRegistries({ source: local, target: sagemaker, models: [model] });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, failed: 0, conflicts: 0, skipped: 2 });
    expect(again.bytesCopied).toBe(0);
    expect(await sagemaker.listVersions(model).toArray()).toHaveLength(2);

    // Back again: a fresh local registry gets the SageMaker versions, byte for byte.
    const { registry: back } = await localRegistry("sync-back");
    const home = await syncRegistries({ source: sagemaker, target: back, models: [model] });
    expect(home.failures).toEqual([]);
    expect(home.counts.created).toBe(2);
    const returned = await bySource(back, model);
    const r1 = returned.get(c1.version) as ModelVersion;
    expect(r1).toMatchObject({ stage: "production", aliases: ["champion"], metrics: { auc: 0.91 } });
    await expectSameFiles(sagemaker, c1, back, r1);
    await expectSameFiles(local, v1, back, r1);
  });

  it("modelreg sync takes sagemaker:// URIs (credentials and endpoints from the environment)", async () => {
    const model = unique("cli");
    const { dir, registry: local } = await localRegistry("cli");
    await local.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "cli weights" }] }, aliases: ["champion"] });
    const url = inject("motoUrl");
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
      AWS_ENDPOINT_URL: url,
      AWS_REGION: MOTO_REGION,
    };
    let out = "";
    let err = "";
    const code = await runCli(["sync", `file:${dir}`, `sagemaker://${MOTO_REGION}/${BUCKET}/cli`, "--model", model, "--json"], {
      env,
      cwd: process.cwd(),
      stdout: {
        write: (text: string) => {
          out += text;
          return true;
        },
      },
      stderr: {
        write: (text: string) => {
          err += text;
          return true;
        },
      },
    } as Parameters<typeof runCli>[1]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain('"created":1');
    const target = motoRegistry(BUCKET, "cli");
    const [copy] = await target.listVersions(model).toArray();
    expect(copy?.aliases).toEqual(["champion"]);
    expect(
      new TextDecoder().decode(new Uint8Array(await new Response((await target.openArtifact(copy as ModelVersion, "model.bin")).stream).arrayBuffer())),
    ).toBe("cli weights");
  });
});
