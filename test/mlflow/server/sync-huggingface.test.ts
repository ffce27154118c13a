// Sync MLflow -> Hugging Face Hub (issue 19, item 3): publishing a champion. A real MLflow server is the source; the
// Hub fake (test/huggingface/support, which checks every request body against the Hub's contract) answers in-process
// through msw, and MLflow's traffic passes through untouched. Only the version holding `champion` travels (a
// `versions` predicate); on the Hub it becomes a tagged commit with the `champion` branch on it, and when MLflow
// crowns another version the next sync publishes that one and moves the branch. local <-> Hub is
// test/sync/sync-huggingface.test.ts.
import { createHash } from "node:crypto";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { createHuggingFaceRegistry } from "modelreg/huggingface";
import type { ModelVersion } from "modelreg";
import { SYNC_TAGS, originOf, syncRegistries, type SyncVersionFilter } from "modelreg/sync";
import { HF_TOKEN, HUB, HubFake, ORG } from "../../huggingface/support/hub-fake.js";
import { unique } from "./support/helpers.js";
import { sha256Of, weights } from "../../support/version-files.js";

const servers = inject("mlflowServers");
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

const fake = new HubFake();
const msw = setupServer(...fake.handlers());
beforeAll(() => msw.listen({ onUnhandledRequest: "bypass" }));
afterAll(() => msw.close());

const hub = createHuggingFaceRegistry({ namespace: ORG, token: HF_TOKEN, endpoint: HUB, env: {}, actor: "sync-test", retryBaseDelayMs: 1 });
/** The champion only: the version MLflow's `champion` alias points at. */
const champion: SyncVersionFilter = (v) => v.aliases.includes("champion");

/** Every commit the fake holds, and the requests that could change it: a run that writes nothing leaves both. */
const commits = () => [...fake.repos.values()].reduce((sum, repo) => sum + repo.commits.size, 0);
const writes = () => fake.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD").length;

describe.each(servers)("sync MLflow $version -> Hugging Face Hub", (server) => {
  const mlflow = createMlflowRegistry({ trackingUri: server.url, actor: "sync-test" });

  it("publishes the champion only (files through LFS, metadata, the champion branch), then the next champion; reruns write nothing", async () => {
    const model = unique("m2h");
    const repoId = `${ORG}/${model}`;
    const big = weights(3 * MiB + 5, 7);
    await mlflow.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "an old candidate" }] }, metrics: { auc: 0.8 } });
    const m2 = await mlflow.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: big },
          { path: "MLmodel", content: "flavors: {}\n" },
        ],
      },
      description: "the champion",
      params: { depth: 3 },
      metrics: { auc: 0.91, f1: 0.7 },
      tags: { team: "risk" },
      lineage: { codeCommit: "abc123" },
      aliases: ["champion"],
    });
    await mlflow.transitionStage(m2, "production");
    const m3 = await mlflow.createVersion(model, {
      artifacts: { entries: [{ path: "model.bin", content: "a challenger" }] },
      metrics: { auc: 0.95 },
      aliases: ["challenger"],
    });
    const s2 = await mlflow.getVersion(m2);

    const report = await syncRegistries({ source: mlflow, target: hub, models: [model], versions: champion });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 1, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.plan.items.map((i) => [i.sourceVersion, i.action, i.action === "skip" ? i.reason : undefined])).toEqual([
      ["1", "skip", "filtered-out"],
      [m2.version, "create", undefined],
      [m3.version, "skip", "filtered-out"],
    ]);
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
    expect(report.bytesCopied).toBe(big.byteLength + 12);
    expect(report.results.find((r) => r.status === "created")?.targetVersion).toBe("1");

    // On the Hub: one version, the champion's copy, with the champion branch and the production stage on its commit.
    const versions = await hub.listVersions(model).toArray();
    expect(versions.map((v) => v.version)).toEqual(["1"]);
    const c1 = versions[0] as ModelVersion;
    expect(c1).toMatchObject({
      description: "the champion",
      params: { depth: "3" },
      metrics: { auc: 0.91, f1: 0.7 },
      aliases: ["champion"],
      stage: "production",
    });
    const origin = { registry: "mlflow", model, version: m2.version, digest: s2.artifacts.digest as string };
    expect(originOf(c1)).toEqual(origin);
    expect(c1.tags).toMatchObject({ team: "risk", [SYNC_TAGS.source]: "mlflow", [SYNC_TAGS.version]: m2.version });
    expect(c1.lineage).toEqual({ ...s2.lineage, syncedFrom: origin });
    expect(c1.artifacts.digest).toBe(s2.artifacts.digest);
    expect(await sha256Of(hub, c1, "model.bin")).toBe(sha256(big));
    expect(await sha256Of(hub, c1, "MLmodel")).toBe(await sha256Of(mlflow, m2, "MLmodel"));
    const refs = fake.refs(repoId);
    expect(Object.keys(refs.tags)).toEqual(["v1"]);
    expect(refs.branches.champion).toBe(refs.tags.v1);
    expect(refs.branches.production).toBe(refs.tags.v1);
    expect(refs.branches.main).toBe(refs.tags.v1);
    expect(refs.branches.challenger).toBeUndefined();
    const tree = fake.commitAt(repoId, "v1")?.tree;
    expect([...(tree?.keys() ?? [])].sort()).toEqual([".gitattributes", "MLmodel", "README.md", "model.bin", "modelreg.json"]);
    expect(tree?.get("model.bin")?.lfs).toMatchObject({ sha256: sha256(big), size: big.byteLength });
    expect(Buffer.from(fake.fileAt(repoId, "v1", "README.md") ?? new Uint8Array()).toString("utf8")).toMatch(/model-index:/);

    let before = { commits: commits(), writes: writes() };
    const again = await syncRegistries({ source: mlflow, target: hub, models: [model], versions: champion });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.bytesCopied).toBe(0);
    expect({ commits: commits(), writes: writes() }).toEqual(before);

    // MLflow crowns the challenger: the next sync publishes it and moves the champion branch onto it; the old
    // champion's copy stays, in production, without the alias.
    await mlflow.setAlias(model, "champion", m3.version);
    const next = await syncRegistries({ source: mlflow, target: hub, models: [model], versions: champion });
    expect(next.failures).toEqual([]);
    expect(next.counts).toMatchObject({ created: 1, updated: 0, failed: 0 });
    expect(next.bytesCopied).toBe(12);
    expect(next.results.find((r) => r.status === "created")).toMatchObject({ targetVersion: "2", movedAliases: [{ alias: "champion", previous: "1" }] });
    expect(await hub.resolveAlias(model, "champion")).toBe("2");
    const after = fake.refs(repoId);
    expect(Object.keys(after.tags).sort()).toEqual(["v1", "v2"]);
    expect(after.branches.champion).toBe(after.tags.v2);
    expect(after.branches.production).toBe(after.tags.v1);
    expect(after.branches.main).toBe(after.tags.v2);
    const c2 = await hub.getVersion(`${model}/2`);
    expect(originOf(c2)).toMatchObject({ registry: "mlflow", model, version: m3.version });
    // The version travels with all its aliases: the challenger's too.
    expect(c2).toMatchObject({ metrics: { auc: 0.95 }, aliases: ["challenger", "champion"], stage: "draft" });
    expect(after.branches.challenger).toBe(after.tags.v2);
    expect(await sha256Of(hub, c2, "model.bin")).toBe(sha256("a challenger"));
    expect(await hub.getVersion(`${model}/1`)).toMatchObject({ aliases: [], stage: "production" });

    before = { commits: commits(), writes: writes() };
    const last = await syncRegistries({ source: mlflow, target: hub, models: [model], versions: champion });
    expect(last.counts).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(last.bytesCopied).toBe(0);
    expect({ commits: commits(), writes: writes() }).toEqual(before);
    expect(await hub.listVersions(model).toArray()).toHaveLength(2);
  });
});
