// The serverless sync function, bundled as it is deployed (examples/serverless-sync/build.mjs), called twice on a
// schedule against a real MLflow server and the local registry: the second call copies nothing.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { createMlflowRegistry } from "modelreg/mlflow";
import { tempDir, unique } from "./support/helpers.js";

const [server] = inject("mlflowServers");
const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith("SYNC_")) delete process.env[key];
  Object.assign(process.env, saved);
});

describe("examples/serverless-sync", () => {
  it("bundles to one file per entry, and the bundled Lambda handler copies once, then nothing", async () => {
    const { bundle } = (await import(pathToFileURL(join(process.cwd(), "examples/serverless-sync/build.mjs")).href)) as {
      bundle: (out: string) => Promise<Record<string, { bytes: number; gzip: number }>>;
    };
    const out = await tempDir("serverless-bundle-");
    const sizes = await bundle(out);
    expect(sizes.lambda?.gzip).toBeGreaterThan(10_000);
    const lambda = (await import(pathToFileURL(join(out, "lambda.mjs")).href)) as {
      handler: (
        event?: object,
      ) => Promise<{ counts: { created: number; skipped: number; failed: number }; copied: Array<{ model: string; version: string }>; bytesCopied: number }>;
    };

    const model = unique("serverless");
    const mlflow = createMlflowRegistry({ trackingUri: server!.url });
    await mlflow.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "weights-1" }] }, metrics: { auc: 0.8 } });
    await mlflow.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "weights-22" }] }, aliases: ["champion"] });
    const root = join(await tempDir("serverless-target-"), "registry");
    Object.assign(process.env, {
      SYNC_SOURCE_URI: `mlflow+${server!.url}`,
      SYNC_TARGET_URI: `file:${root}`,
      SYNC_MODELS: model,
      SYNC_SOURCE_NAME: "mlflow-prod",
    });

    const first = await lambda.handler({});
    expect(first.counts).toMatchObject({ created: 2, failed: 0 });
    expect(first.bytesCopied).toBe("weights-1".length + "weights-22".length);
    expect(first.copied.map((c) => c.version).sort()).toEqual(["1", "2"]);
    const local = createLocalRegistry({ root });
    expect(await local.resolveAlias(model, "champion")).toBe("2");
    expect(await new Response((await local.openArtifact(`${model}/2`, "model.bin")).stream).text()).toBe("weights-22");

    const second = await lambda.handler({});
    expect(second.counts).toMatchObject({ created: 0, skipped: 2, failed: 0 });
    expect(second.bytesCopied).toBe(0);
    expect(await local.listVersions(model).toArray()).toHaveLength(2);
  }, 120_000);
});
