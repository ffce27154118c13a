// The serverless sync example's platform wrappers, run in-process between two local registries.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { syncHttp } from "../../examples/serverless-sync/cloud-run.js";
import { handler as lambda } from "../../examples/serverless-sync/lambda.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith("SYNC_")) delete process.env[key];
});

async function pair() {
  const base = await mkdtemp(join(tmpdir(), "modelreg-serverless-"));
  dirs.push(base);
  const source = createLocalRegistry({ root: join(base, "a") });
  await source.createVersion("churn", { artifacts: { entries: [{ path: "m.bin", content: "one" }] }, aliases: ["champion"] });
  process.env.SYNC_SOURCE_URI = `file:${join(base, "a")}`;
  process.env.SYNC_TARGET_URI = `file:${join(base, "b")}`;
  return { target: () => createLocalRegistry({ root: join(base, "b") }) };
}

function response() {
  const sent: { status?: number; body?: unknown } = {};
  return { sent, res: { status: (code: number) => ({ json: (body: unknown) => Object.assign(sent, { status: code, body }) }) } };
}

describe("examples/serverless-sync wrappers", () => {
  it("Cloud Run: answers 200 with the report, honours dryRun from the body, and 500 without configuration", async () => {
    const { target } = await pair();
    const dry = response();
    await syncHttp({ body: { dryRun: true } }, dry.res);
    expect(dry.sent).toMatchObject({ status: 200, body: { dryRun: true, counts: { created: 0 } } });
    await expect(target().getModel("churn")).rejects.toThrow();
    const real = response();
    await syncHttp({ body: {} }, real.res);
    expect(real.sent).toMatchObject({
      status: 200,
      body: { dryRun: false, counts: { created: 1, failed: 0 }, copied: [{ model: "churn", version: "1", targetVersion: "1" }] },
    });
    expect(await target().resolveAlias("churn", "champion")).toBe("1");
    delete process.env.SYNC_SOURCE_URI;
    const unconfigured = response();
    await syncHttp({}, unconfigured.res);
    expect(unconfigured.sent).toMatchObject({ status: 500, body: { error: expect.stringMatching(/SYNC_SOURCE_URI/) } });
  });

  it("Lambda: returns the report, copies nothing the second time, and takes the model list from the event", async () => {
    await pair();
    expect((await lambda({ models: ["churn"] })).counts).toMatchObject({ created: 1 });
    expect((await lambda({ models: ["churn"] })).counts).toMatchObject({ created: 0, skipped: 1 });
    await expect(lambda({ models: ["missing-model"] })).rejects.toThrow();
  });
});
