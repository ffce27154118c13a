import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { IntegrityError, ModelRegistryError, type ArtifactFile, type ModelVersion } from "modelreg";
import { SYNC_TAGS, originOf, planSync, syncIdempotencyKey, syncRegistries, type SyncEvent } from "modelreg/sync";
import { tempDir } from "../local/support/helpers.js";
import { expectSameFiles, prng, randomBytes, readFile, seedVersion, sha256, twoRegistries, wrap } from "./support/helpers.js";

describe("applySyncPlan and syncRegistries", () => {
  it("copies every file byte for byte with its metadata, lineage link and provenance", async () => {
    const { source, target } = await twoRegistries();
    const random = prng(7);
    const weights = randomBytes(random, 300_000);
    const v1 = await seedVersion(
      source,
      "fraud",
      { "model.bin": weights, "conf/params.json": '{"depth":3}' },
      {
        description: "first",
        params: { depth: 3, lr: 0.1 },
        metrics: { auc: 0.91 },
        tags: { team: "risk" },
        lineage: { codeCommit: "abc123", dataSnapshots: [{ uri: "s3://data/train", role: "train" }] },
        signature: { inputs: [{ name: "amount", type: "double" }], outputs: [{ type: "boolean" }] },
        modelCard: { summary: "flags fraud", owners: ["risk@example.com"] },
        aliases: ["champion"],
      },
    );
    await source.transitionStage("fraud/1", "production");

    const report = await syncRegistries({ source, target, models: ["fraud"] });
    expect(report.counts).toEqual({ created: 1, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.bytesCopied).toBe(300_000 + 11);
    const [copy] = await target.listVersions("fraud").toArray();
    expect(copy).toBeDefined();
    const tv = copy as ModelVersion;
    await expectSameFiles(source, "fraud/1", target, { model: "fraud", version: tv.version });
    expect(tv).toMatchObject({
      description: "first",
      params: { depth: "3", lr: "0.1" },
      metrics: { auc: 0.91 },
      signature: v1.signature,
      modelCard: v1.modelCard,
      aliases: ["champion"],
      stage: "production",
    });
    expect(tv.artifacts.digest).toBe(v1.artifacts.digest);
    const origin = { registry: "local", model: "fraud", version: "1", digest: v1.artifacts.digest as string };
    expect(tv.lineage).toEqual({ ...v1.lineage, syncedFrom: origin });
    expect(tv.tags).toEqual({
      team: "risk",
      [SYNC_TAGS.source]: "local",
      [SYNC_TAGS.model]: "fraud",
      [SYNC_TAGS.version]: "1",
      [SYNC_TAGS.digest]: v1.artifacts.digest,
    });
    expect(originOf(tv)).toEqual(origin);
    expect((tv.raw as { idempotencyKey?: string }).idempotencyKey).toBe(syncIdempotencyKey(origin));
  });

  it("a second run copies nothing, and a dry run copies nothing at all", async () => {
    const { source, target } = await twoRegistries();
    for (let i = 0; i < 3; i++) await seedVersion(source, "fraud", { "m.bin": `v${i}` }, { aliases: i === 1 ? ["champion"] : [] });

    const dry = await syncRegistries({ source, target, models: ["fraud"], dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.plan.summary.create).toBe(3);
    expect(dry.counts.created).toBe(0);
    expect(dry.bytesCopied).toBe(0);
    await expect(target.listModels().toArray()).resolves.toEqual([]);

    const first = await syncRegistries({ source, target, models: ["fraud"], sourceName: "laptop" });
    expect(first.counts.created).toBe(3);
    const before = await target.listVersions("fraud").toArray();
    const second = await syncRegistries({ source, target, models: ["fraud"], sourceName: "laptop" });
    expect(second.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });
    expect(second.bytesCopied).toBe(0);
    expect(second.plan.items.every((i) => i.action === "skip" && i.reason === "already-synced")).toBe(true);
    const after = await target.listVersions("fraud").toArray();
    expect(after.map((v) => [v.version, v.updatedAt.getTime()])).toEqual(before.map((v) => [v.version, v.updatedAt.getTime()]));
    expect(after.every((v) => v.tags[SYNC_TAGS.source] === "laptop")).toBe(true);

    // Another source name does not recognise those copies: it is another origin.
    expect((await planSync({ source, target, models: ["fraud"], sourceName: "other" })).summary.create).toBe(3);
  });

  it("moves a target alias held by a version sync did not make, and reports the previous holder", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "source weights" }, { aliases: ["champion"] });
    const own = await seedVersion(target, "fraud", { "m.bin": "target's own" }, { aliases: ["champion"] });

    const plan = await planSync({ source, target, models: ["fraud"] });
    const [only] = plan.items;
    expect(only).toMatchObject({ action: "create", changes: [{ kind: "alias", alias: "champion", previous: own.version }] });
    // Same number, other content, no provenance: left alone, and said so.
    expect(only?.warnings.map((w) => [w.code, w.subject])).toEqual([["untracked-target-version", own.version]]);

    const report = await syncRegistries({ source, target, models: ["fraud"] });
    const result = report.results[0];
    expect(result?.status).toBe("created");
    expect(result?.movedAliases).toEqual([{ alias: "champion", previous: own.version }]);
    expect(await target.resolveAlias("fraud", "champion")).toBe(result?.targetVersion);
    expect(result?.targetVersion).not.toBe(own.version);
    expect(new TextDecoder().decode(await readFile(target, `fraud/${own.version}`, "m.bin"))).toBe("target's own");
    expect((await target.getVersion(`fraud/${own.version}`)).aliases).toEqual([]);
    expect(await target.listVersions("fraud").toArray()).toHaveLength(2);
  });

  it("copies beside an untracked target version with the same content instead of adopting it (identical files prove no copy)", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "same" }, { aliases: ["champion"] });
    const twin = await seedVersion(target, "fraud", { "m.bin": "same" }, { description: "theirs" });
    const plan = await planSync({ source, target, models: ["fraud"] });
    expect(plan.items[0]).toMatchObject({ action: "create", changes: [{ kind: "alias", alias: "champion" }] });
    expect(plan.items[0]?.warnings.map((w) => [w.code, w.subject])).toEqual([["untracked-target-version", twin.version]]);
    const report = await syncRegistries({ source, target, models: ["fraud"] });
    expect(report.results[0]).toMatchObject({ status: "created" });
    expect(report.results[0]?.targetVersion).not.toBe(twin.version);
    const untouched = await target.getVersion(twin);
    expect(untouched).toMatchObject({ description: "theirs", aliases: [] });
    expect(untouched.tags).toEqual(twin.tags);
    expect(untouched.updatedAt.getTime()).toBe(twin.updatedAt.getTime());
    expect(await target.resolveAlias("fraud", "champion")).toBe(report.results[0]?.targetVersion);
    expect((await planSync({ source, target, models: ["fraud"] })).summary.skip).toBe(1);
  });

  it("reports a copy whose recorded digest differs as a conflict and leaves it alone", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "new content" });
    const stale = await seedVersion(
      target,
      "fraud",
      { "m.bin": "old content" },
      {
        tags: { [SYNC_TAGS.source]: "local", [SYNC_TAGS.model]: "fraud", [SYNC_TAGS.version]: "1", [SYNC_TAGS.digest]: "sha256:old" },
      },
    );
    const report = await syncRegistries({ source, target, models: ["fraud"] });
    expect(report.plan.items[0]).toMatchObject({ action: "conflict", targetVersion: stale.version, targetDigest: "sha256:old" });
    expect(report.counts).toMatchObject({ conflicts: 1, created: 0 });
    expect(await target.listVersions("fraud").toArray()).toHaveLength(1);
  });

  it("goes on after a failed version by default, and stops starting new ones with failFast", async () => {
    const { source, target } = await twoRegistries();
    for (let i = 1; i <= 4; i++) await seedVersion(source, "fraud", { "m.bin": `weights ${i}` });
    const broken = wrap(source, {
      openArtifact: async (ref: { version?: string }, path: string, options?: object) => {
        if (ref.version === "2") throw new Error("disk on fire");
        return source.openArtifact(ref as never, path, options);
      },
    });

    const events: SyncEvent[] = [];
    const report = await syncRegistries({ source: broken, target, models: ["fraud"], onEvent: (e) => events.push(e) });
    expect(report.counts).toMatchObject({ created: 3, failed: 1, notStarted: 0 });
    expect(report.failures.map((f) => f.version)).toEqual(["2"]);
    const error = report.failures[0]?.error;
    expect(ModelRegistryError.isInstance(error)).toBe(true);
    expect(error?.message).toContain("disk on fire");
    expect(events.filter((e) => e.type === "failed").map((e) => e.type === "failed" && e.version)).toEqual(["2"]);
    expect((await target.listVersions("fraud").toArray()).map((v) => v.tags[SYNC_TAGS.version]).sort()).toEqual(["1", "3", "4"]);

    const { target: target2 } = await twoRegistries();
    const stopped = await syncRegistries({ source: broken, target: target2, models: ["fraud"], failFast: true });
    expect(stopped.counts).toMatchObject({ created: 1, failed: 1, notStarted: 2 });
    expect(stopped.results.map((r) => r.status)).toEqual(["created", "failed", "not-started", "not-started"]);
    expect(await target2.listVersions("fraud").toArray()).toHaveLength(1);

    // The next run with a healthy source finishes the job.
    const healed = await syncRegistries({ source, target: target2, models: ["fraud"] });
    expect(healed.counts).toMatchObject({ created: 3, skipped: 1 });
  });

  it("refuses bytes that do not match the source's listed digest, and creates nothing", async () => {
    const { source, target } = await twoRegistries();
    await seedVersion(source, "fraud", { "m.bin": "honest bytes" });
    const lying = wrap(source, {
      listArtifacts: async (ref: never, options?: object): Promise<ArtifactFile[]> =>
        (await source.listArtifacts(ref, options)).map((f) => ({ ...f, sha256: sha256(new TextEncoder().encode("other bytes!")) })),
    });
    const report = await syncRegistries({ source: lying, target, models: ["fraud"] });
    expect(report.counts.failed).toBe(1);
    expect(IntegrityError.isInstance(report.failures[0]?.error)).toBe(true);
    await expect(target.listVersions("fraud").toArray()).rejects.toMatchObject({ kind: "NotFoundError" });
  });

  it("emits planned, then per version started, bytes and done in order, with counts and bytes that add up", async () => {
    const { source, target } = await twoRegistries();
    const random = prng(11);
    const sizes = [50_000, 120_000, 10];
    for (const size of sizes) await seedVersion(source, "fraud", { "m.bin": randomBytes(random, size) });
    await seedVersion(source, "churn", { "m.bin": "x" });
    await syncRegistries({ source, target, models: ["churn"] });

    const events: SyncEvent[] = [];
    const report = await syncRegistries({ source, target, models: ["fraud", "churn"], concurrency: 1, onEvent: (e) => events.push(e) });
    expect(events[0]).toEqual({ type: "planned", summary: { create: 3, update: 0, skip: 1, conflict: 0 }, items: 4 });
    const kinds = events.slice(1).map((e) => (e.type === "planned" ? e.type : `${e.type}:${e.version}`));
    const compact = kinds.filter((k, i) => !(k.startsWith("bytes") && kinds[i + 1] === k));
    expect(compact).toEqual([
      "version.started:1",
      "bytes:1",
      "version.done:1",
      "version.started:2",
      "bytes:2",
      "version.done:2",
      "version.started:3",
      "bytes:3",
      "version.done:3",
      "skipped:1",
    ]);
    sizes.forEach((size, i) => {
      const version = String(i + 1);
      const bytes = events.filter((e) => e.type === "bytes" && e.model === "fraud" && e.version === version);
      expect(bytes.at(-1)).toMatchObject({ bytes: size, totalBytes: size });
      const done = events.find((e) => e.type === "version.done" && e.model === "fraud" && e.version === version);
      expect(done).toMatchObject({ action: "create", bytes: size });
    });
    expect(report.counts).toEqual({ created: 3, updated: 0, skipped: 1, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.bytesCopied).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(report.results.filter((r) => r.status === "created").every((r) => r.durationMs > 0)).toBe(true);
    expect(report.durationMs).toBeGreaterThan(0);
  });

  it("spools files of unknown size, or of a version without any digest, to a temp directory it removes afterwards", async () => {
    const { source, target } = await twoRegistries();
    const random = prng(5);
    const bytes = randomBytes(random, 80_000);
    await seedVersion(source, "fraud", { "m.bin": bytes, "n.txt": "note" });
    // A provider that reports neither sizes nor sha256 nor a version digest (MLflow versions made outside modelreg).
    const vague = wrap(source, {
      listVersions: (model: string, options?: object) => {
        const inner = source.listVersions(model, options);
        return { ...inner, toArray: async () => (await inner.toArray()).map((v) => ({ ...v, artifacts: {} })) };
      },
      listArtifacts: async (ref: never, options?: object): Promise<ArtifactFile[]> => (await source.listArtifacts(ref, options)).map((f) => ({ path: f.path })),
    });
    const spoolRoot = await tempDir("modelreg-sync-spool-");
    const report = await syncRegistries({ source: vague, target, models: ["fraud"], tempDirectory: spoolRoot });
    expect(report.failures).toEqual([]);
    expect(report.bytesCopied).toBe(80_004);
    const [copy] = await target.listVersions("fraud").toArray();
    await expectSameFiles(source, "fraud/1", target, { model: "fraud", version: copy?.version as string });
    // The digest computed while spooling is the one a modelreg registry computes from the same files.
    expect(copy?.tags[SYNC_TAGS.digest]).toBe((await source.getVersion("fraud/1")).artifacts.digest);
    // The target took the MD5s computed while spooling (it hashed only sha256): they are the source's own.
    const md5s = (files: ArtifactFile[]) => files.map((f) => [f.path, f.md5]);
    expect(md5s(await target.listArtifacts({ model: "fraud", version: copy?.version as string }))).toEqual(md5s(await source.listArtifacts("fraud/1")));
    expect(await readdir(spoolRoot)).toEqual([]);
    expect((await syncRegistries({ source: vague, target, models: ["fraud"] })).counts.skipped).toBe(1);
  });
});
