// Sync between the local registry and the Hugging Face Hub (the in-process Hub fake): local -> Hub and Hub -> local,
// with the Hub's rules in play: version n is a commit on main tagged v<n>, aliases and the staging/production stages
// are branches (the stages are the adapter's managed aliases: one version each), what changes later lives in
// state.json on the branch `modelreg`, and a version exists only once its tag does.
import { describe, expect, it } from "vitest";
import type { ModelVersion } from "modelreg";
import { SYNC_TAGS, originOf, planSync, syncRegistries, type SyncCreateItem, type SyncPlanItem } from "modelreg/sync";
import { freshRegistry } from "../local/support/helpers.js";
import { useHubFake } from "../huggingface/support/setup.js";
import { ORG } from "../huggingface/support/hub-fake.js";
import { lfsEntry, regularEntry } from "../huggingface/support/hub-fake-git.js";
import { copiesBySource, expectSameFiles, prng, randomBytes, readFile, seedVersion, sha256, wrap } from "./support/helpers.js";

const { fake, registry } = useHubFake();
const MiB = 1024 * 1024;
let n = 0;
/** A model (repository) name no other test in this file uses (the fake keeps its state for the whole file). */
const fresh = (prefix: string) => `${prefix}-${++n}`;
const repoId = (model: string) => `${ORG}/${model}`;

const signature = {
  inputs: [
    { name: "amount", type: "double" as const },
    { name: "country", type: "string" as const },
  ],
  outputs: [{ type: "boolean" as const }],
};
const modelCard = { summary: "flags fraud", owners: ["risk@example.com"], limitations: "card-present only" };

const item = (items: SyncPlanItem[], version: string) => {
  const found = items.find((i) => i.sourceVersion === version);
  expect(found, `no plan item for version ${version}`).toBeDefined();
  return found as SyncPlanItem;
};
const codes = (i: SyncPlanItem) => i.warnings.map((w) => [w.code, w.subject]);
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8"));

/** Every commit the fake holds, in every repository: a run that wrote nothing leaves this as it was. */
const commits = () => [...fake.repos.values()].reduce((sum, repo) => sum + repo.commits.size, 0);
/** Requests that could change the Hub (anything but GET and HEAD). */
const writes = () => fake.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD").length;
/** A repository's branches and tags, as name -> commit. */
const refsOf = (model: string) => fake.refs(repoId(model));
/** The paths of the tree a revision names, sorted. */
const treeAt = (model: string, revision: string) => [...(fake.commitAt(repoId(model), revision)?.tree.keys() ?? [])].sort();

describe("sync local -> Hugging Face Hub", () => {
  it("copies files (one of 3 MiB through LFS, streamed), metadata, aliases and stages as branches; a second run writes nothing", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const hub = registry();
    const model = fresh("l2h");
    const weights = randomBytes(prng(11), 3 * MiB + 123);
    const v1 = await seedVersion(
      local,
      model,
      { "model.bin": weights, "conf/params.json": '{"depth":3}' },
      {
        description: "first fraud model",
        params: { depth: 3, lr: 0.1 },
        metrics: { auc: 0.91, f1: 0.7 },
        tags: { team: "risk", "data.version": "2024-05" },
        lineage: { codeCommit: "abc123", codeRepository: "https://git.example/fraud", dataSnapshots: [{ uri: "s3://data/train", role: "train" }] },
        signature,
        modelCard,
        aliases: ["champion"],
      },
    );
    await local.transitionStage(`${model}/1`, "production");
    // A README.md among the files is the card as written: it travels byte for byte and no card is rendered over it.
    const readme = "---\nlicense: mit\n---\n# fraud v2\n";
    const v2 = await seedVersion(
      local,
      model,
      { "model.bin": "second weights", "conf/params.json": '{"depth":4}', "README.md": readme },
      { description: "retrained", metrics: { auc: 0.93 }, aliases: ["candidate"] },
    );
    await local.transitionStage(`${model}/2`, "staging");

    const bytes: number[] = [];
    const report = await syncRegistries({ source: local, target: hub, models: [model], onEvent: (e) => e.type === "bytes" && bytes.push(e.bytes) });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 2, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.bytesCopied).toBe(weights.byteLength + 11 + 14 + 11 + readme.length);
    // Streamed: progress came in many steps for the big file, not one.
    expect(bytes.length).toBeGreaterThan(3);
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
    expect((report.plan.items[0] as SyncCreateItem).changes).toEqual([
      { kind: "alias", alias: "champion" },
      { kind: "stage", from: "draft", to: "production" },
    ]);
    expect(report.results.map((r) => r.targetVersion)).toEqual(["1", "2"]);

    const copies = await copiesBySource(hub, model);
    expect([...copies.keys()].sort()).toEqual(["1", "2"]);
    const c1 = copies.get("1") as ModelVersion;
    const c2 = copies.get("2") as ModelVersion;
    expect([c1.version, c2.version]).toEqual(["1", "2"]);
    await expectSameFiles(local, `${model}/1`, hub, c1);
    await expectSameFiles(local, `${model}/2`, hub, c2);
    expect(sha256(await readFile(hub, c1, "model.bin"))).toBe(sha256(weights));

    const origin1 = { registry: "local", model, version: "1", digest: v1.artifacts.digest as string };
    expect(c1).toMatchObject({
      description: "first fraud model",
      params: { depth: "3", lr: "0.1" },
      metrics: { auc: 0.91, f1: 0.7 },
      signature,
      modelCard,
      aliases: ["champion"],
      stage: "production",
    });
    expect(c1.artifacts.digest).toBe(v1.artifacts.digest);
    expect(c1.tags).toEqual({
      team: "risk",
      "data.version": "2024-05",
      [SYNC_TAGS.source]: "local",
      [SYNC_TAGS.model]: model,
      [SYNC_TAGS.version]: "1",
      [SYNC_TAGS.digest]: v1.artifacts.digest,
    });
    expect(c1.lineage).toEqual({ ...v1.lineage, syncedFrom: origin1 });
    expect(originOf(c1)).toEqual(origin1);
    expect(c2).toMatchObject({ description: "retrained", metrics: { auc: 0.93 }, aliases: ["candidate"], stage: "staging" });
    expect(originOf(c2)).toEqual({ registry: "local", model, version: "2", digest: v2.artifacts.digest });

    // On the Hub: a private repository; each version a commit on main tagged v<n> whose tree is exactly its files,
    // its card and its record; aliases and stages are branches at those commits; the big file is an LFS object.
    const repo = fake.repo(repoId(model));
    expect(repo?.private).toBe(true);
    const refs = refsOf(model);
    expect(Object.keys(refs.tags).sort()).toEqual(["v1", "v2"]);
    expect(refs.branches.main).toBe(refs.tags.v2);
    expect(refs.branches.champion).toBe(refs.tags.v1);
    expect(refs.branches.production).toBe(refs.tags.v1);
    expect(refs.branches.candidate).toBe(refs.tags.v2);
    expect(refs.branches.staging).toBe(refs.tags.v2);
    expect(Object.keys(refs.branches).sort()).toEqual(["candidate", "champion", "main", "modelreg", "production", "staging"]);
    expect(treeAt(model, "v1")).toEqual([".gitattributes", "README.md", "conf/params.json", "model.bin", "modelreg.json"]);
    expect(treeAt(model, "v2")).toEqual([".gitattributes", "README.md", "conf/params.json", "model.bin", "modelreg.json"]);
    const big = fake.commitAt(repoId(model), "v1")?.tree.get("model.bin");
    expect(big?.lfs).toMatchObject({ sha256: sha256(weights), size: weights.byteLength });
    expect(repo?.lfs.has(sha256(weights))).toBe(true);
    expect(fake.requests.filter((r) => r.method === "PUT" && r.url.includes(`/upload/${repoId(model)}/${sha256(weights)}`))).toHaveLength(1);
    // v1's card is rendered from the version (its summary and metrics); v2's README.md is the source's, byte for byte.
    const card1 = text(fake.fileAt(repoId(model), "v1", "README.md")) ?? "";
    expect(card1).toMatch(/^---\n/);
    expect(card1).toContain("flags fraud");
    expect(card1).toMatch(/model-index:/);
    expect(sha256(fake.fileAt(repoId(model), "v2", "README.md") as Uint8Array)).toBe(sha256(Buffer.from(readme)));
    const record1 = JSON.parse(text(fake.fileAt(repoId(model), "v1", "modelreg.json")) ?? "{}") as {
      version: string;
      files: Array<{ path: string; sha256: string }>;
    };
    expect(record1.version).toBe("1");
    expect(record1.files.find((f) => f.path === "model.bin")?.sha256).toBe(sha256(weights));
    // main holds the newest version, so from_pretrained(repo) loads it.
    expect(text(fake.fileAt(repoId(model), "main", "model.bin"))).toBe("second weights");

    const before = { commits: commits(), writes: writes(), refs: refsOf(model) };
    const again = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 2, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.bytesCopied).toBe(0);
    expect(again.plan.items.map((i) => [i.action, i.action === "skip" && i.reason])).toEqual([
      ["skip", "already-synced"],
      ["skip", "already-synced"],
    ]);
    expect(commits()).toBe(before.commits);
    expect(writes()).toBe(before.writes);
    expect(refsOf(model)).toEqual(before.refs);
    expect(await hub.listVersions(model).toArray()).toHaveLength(2);
  });

  it("warns where the Hub cannot hold something: the stage branches as aliases, a second holder of a stage; each alias is carried or warned", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const hub = registry();
    const model = fresh("reserved");
    // The local registry lets users name aliases staging and production; on the Hub those are the stages' branches.
    await seedVersion(local, model, { "m.bin": "one" }, { aliases: ["production", "champion"] });
    await local.transitionStage(`${model}/1`, "production");
    await seedVersion(local, model, { "m.bin": "two" }, { aliases: ["staging"] });
    await local.transitionStage(`${model}/2`, "production");
    await seedVersion(local, model, { "m.bin": "three" });
    await local.transitionStage(`${model}/3`, "staging");
    await seedVersion(local, model, { "m.bin": "four" });
    await local.transitionStage(`${model}/4`, "staging");

    const plan = await planSync({ source: local, target: hub, models: [model] });
    expect(plan.summary).toEqual({ create: 4, update: 0, skip: 0, conflict: 0 });
    const [p1, p2, p3, p4] = ["1", "2", "3", "4"].map((v) => item(plan.items, v) as SyncCreateItem);
    expect(codes(p1 as SyncPlanItem)).toEqual([
      ["alias-reserved", "production"],
      ["stage-limited", "production"],
    ]);
    expect(p1?.warnings[1]?.message).toMatch(/version 2 carries it/);
    expect(p1?.changes).toEqual([{ kind: "alias", alias: "champion" }]);
    expect(codes(p2 as SyncPlanItem)).toEqual([["alias-reserved", "staging"]]);
    expect(p2?.changes).toEqual([{ kind: "stage", from: "draft", to: "production" }]);
    // staging is one branch too: only the newest version in staging gets it.
    expect(codes(p3 as SyncPlanItem)).toEqual([["stage-limited", "staging"]]);
    expect(p3?.changes).toEqual([]);
    expect(codes(p4 as SyncPlanItem)).toEqual([]);
    expect(p4?.changes).toEqual([{ kind: "stage", from: "draft", to: "staging" }]);
    for (const i of plan.items as SyncCreateItem[]) {
      const carried = i.changes.flatMap((c) => (c.kind === "alias" ? [c.alias] : []));
      const warned = i.warnings.filter((w) => w.code === "alias-reserved").map((w) => w.subject);
      expect([...carried, ...warned].sort()).toEqual([...i.source.aliases].sort());
    }

    // `latest` is reserved everywhere; a source that reports it (another provider's) gets a warning for it too.
    const withLatest = wrap(local, {
      listVersions: (m: string, o?: object) => ({
        toArray: async () => (await local.listVersions(m, o).toArray()).map((v) => (v.version === "4" ? { ...v, aliases: ["latest"] } : v)),
      }),
    });
    const latestPlan = await planSync({ source: withLatest, target: hub, models: [model] });
    expect(codes(item(latestPlan.items, "4"))).toEqual([["alias-reserved", "latest"]]);
    // Planning wrote nothing: no repository yet.
    expect(fake.repo(repoId(model))).toBeUndefined();

    const report = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts.created).toBe(4);
    const copies = await copiesBySource(hub, model);
    expect([1, 2, 3, 4].map((v) => copies.get(String(v))?.version)).toEqual(["1", "2", "3", "4"]);
    expect(copies.get("1")).toMatchObject({ aliases: ["champion"], stage: "draft" });
    expect(copies.get("2")).toMatchObject({ aliases: [], stage: "production" });
    expect(copies.get("3")).toMatchObject({ aliases: [], stage: "draft" });
    expect(copies.get("4")).toMatchObject({ aliases: [], stage: "staging" });
    const refs = refsOf(model);
    expect(refs.branches.production).toBe(refs.tags.v2);
    expect(refs.branches.staging).toBe(refs.tags.v4);
    expect(refs.branches.champion).toBe(refs.tags.v1);
    expect(Object.keys((await hub.getModel(model)).aliases)).toEqual(["champion"]);

    const again = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, skipped: 4, failed: 0 });
    expect(codes(item(again.plan.items, "1"))).toEqual([
      ["alias-reserved", "production"],
      ["stage-limited", "production"],
    ]);
  });

  it("warns about aliases the Hub keeps for itself (main, the state branch) instead of copying the version and failing on the alias", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const hub = registry();
    const model = fresh("branch-names");
    // Legal local aliases, but on the Hub `main` holds the newest version and `modelreg` the state: no alias may take them.
    await seedVersion(local, model, { "m.bin": "one" }, { aliases: ["main", "keep"] });
    await seedVersion(local, model, { "m.bin": "two" }, { aliases: ["modelreg"] });

    const plan = await planSync({ source: local, target: hub, models: [model] });
    expect(codes(item(plan.items, "1"))).toEqual([["alias-reserved", "main"]]);
    expect(codes(item(plan.items, "2"))).toEqual([["alias-reserved", "modelreg"]]);
    const report = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(report.failures.map((f) => [f.version, f.error.name, f.error.message])).toEqual([]);
    expect(report.counts).toMatchObject({ created: 2, failed: 0 });
    expect(refsOf(model).branches.keep).toBe(refsOf(model).tags.v1);
  });

  it("moves an alias a Hub version of its own holds to the copy, reports the previous holder, and leaves that version alone", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const hub = registry();
    const model = fresh("alias-conflict");
    const own = await hub.createVersion(model, {
      artifacts: { entries: [{ path: "m.bin", content: "the Hub's own weights" }] },
      aliases: ["champion"],
      tags: { owner: "hub" },
    });
    expect(own.version).toBe("1");
    await seedVersion(local, model, { "m.bin": "local weights" }, { aliases: ["champion"] });

    const plan = await planSync({ source: local, target: hub, models: [model] });
    const p = item(plan.items, "1") as SyncCreateItem;
    expect(p.action).toBe("create");
    expect(codes(p)).toEqual([["untracked-target-version", "1"]]);
    expect(p.changes).toEqual([{ kind: "alias", alias: "champion", previous: "1" }]);
    const report = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(report.counts.created).toBe(1);
    expect(report.results[0]).toMatchObject({ status: "created", targetVersion: "2", movedAliases: [{ alias: "champion", previous: "1" }] });
    expect(await hub.resolveAlias(model, "champion")).toBe("2");
    expect(refsOf(model).branches.champion).toBe(refsOf(model).tags.v2);
    const untouched = await hub.getVersion(`${model}/1`);
    expect(untouched).toMatchObject({ aliases: [], tags: { owner: "hub" } });
    expect(originOf(untouched)).toBeUndefined();
    expect(text(await readFile(hub, `${model}/1`, "m.bin"))).toBe("the Hub's own weights");
    expect((await syncRegistries({ source: local, target: hub, models: [model] })).counts).toMatchObject({ created: 0, skipped: 1 });
  });
});

describe("sync Hugging Face Hub -> local", () => {
  it("copies modelreg's versions and one another tool tagged, byte for byte, stages and aliases included; a second run copies nothing", async () => {
    const hub = registry();
    const { registry: local } = await freshRegistry({ actor: "target" });
    const model = fresh("h2l");
    const weights = randomBytes(prng(5), 3 * MiB + 7);
    const h1 = await hub.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: weights },
          { path: "conf/params.json", content: '{"depth":3}' },
          { path: "deep/er/notes.txt", content: "notes" },
        ],
      },
      description: "trained on the Hub's side",
      params: { depth: 3 },
      metrics: { auc: 0.9 },
      tags: { team: "risk" },
      lineage: { sourceRun: "runs/abc123", dataSnapshots: [{ uri: "hf://datasets/acme/fraud-train", role: "train" }] },
      signature,
      modelCard,
      aliases: ["champion"],
    });
    await hub.transitionStage(h1, "production");
    const h2 = await hub.createVersion(model, {
      artifacts: { entries: [{ path: "model.bin", content: "v2 weights" }] },
      aliases: ["candidate"],
      metrics: { auc: 0.92 },
    });
    await hub.transitionStage(h2, "staging");

    // Another tool (a training script with huggingface_hub, say) commits to main and tags v3: no modelreg.json, a
    // card of its own with a model-index, an LFS file and a regular one.
    const repo = fake.repo(repoId(model));
    if (!repo) throw new Error("no repository");
    const foreignWeights = randomBytes(prng(9), 256 * 1024);
    const foreignCard = [
      "---",
      "tags:",
      "- fraud",
      "model-index:",
      "- name: fraud",
      "  results:",
      "  - task:",
      "      type: text-classification",
      "    dataset:",
      "      name: holdout",
      "      type: custom",
      "    metrics:",
      "    - type: accuracy",
      "      value: 0.88",
      "---",
      "# pushed by hand",
      "",
    ].join("\n");
    repo.lfs.set(sha256(foreignWeights), foreignWeights);
    const main = fake.commitAt(repoId(model), "main");
    const foreignTree = new Map([
      [".gitattributes", main?.tree.get(".gitattributes") ?? regularEntry(Buffer.from(""))],
      ["README.md", regularEntry(Buffer.from(foreignCard))],
      ["pytorch_model.bin", lfsEntry(sha256(foreignWeights), foreignWeights.byteLength)],
      ["config.json", regularEntry(Buffer.from('{"hidden":8}'))],
    ]);
    const foreign = fake.commitTo(repo, "main", foreignTree, "Upload model from a notebook", "", "tester");
    repo.tags.set("v3", { oid: foreign.oid });
    const h3 = await hub.getVersion(`${model}/3`);
    expect(h3).toMatchObject({ version: "3", description: "Upload model from a notebook", metrics: { accuracy: 0.88 }, stage: "draft" });
    expect(h3.artifacts.digest).toBeUndefined();

    const report = await syncRegistries({ source: hub, target: local, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 3, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
    expect(report.bytesCopied).toBe(weights.byteLength + 11 + 5 + 10 + foreignWeights.byteLength + foreignCard.length + 12);

    const copies = await copiesBySource(local, model);
    expect(["1", "2", "3"].map((v) => copies.get(v)?.version)).toEqual(["1", "2", "3"]);
    for (const [from, copy] of copies) await expectSameFiles(hub, { model, version: from }, local, copy);
    expect(sha256(await readFile(local, `${model}/1`, "model.bin"))).toBe(sha256(weights));
    // The foreign version's files are its tree's (the card included, .gitattributes not), byte for byte.
    expect((await local.listArtifacts(`${model}/3`)).map((f) => f.path).sort()).toEqual(["README.md", "config.json", "pytorch_model.bin"]);
    expect(sha256(await readFile(local, `${model}/3`, "pytorch_model.bin"))).toBe(sha256(foreignWeights));
    expect(sha256(await readFile(local, `${model}/3`, "README.md"))).toBe(sha256(Buffer.from(foreignCard)));
    expect(text(await readFile(local, `${model}/3`, "config.json"))).toBe('{"hidden":8}');

    const c1 = copies.get("1") as ModelVersion;
    const s1 = await hub.getVersion(`${model}/1`);
    const origin1 = { registry: "huggingface", model, version: "1", digest: s1.artifacts.digest as string };
    expect(c1).toMatchObject({
      description: "trained on the Hub's side",
      params: { depth: "3" },
      metrics: { auc: 0.9 },
      signature,
      modelCard,
      aliases: ["champion"],
      stage: "production",
    });
    expect(c1.artifacts.digest).toBe(s1.artifacts.digest);
    expect(c1.tags).toEqual({
      team: "risk",
      [SYNC_TAGS.source]: "huggingface",
      [SYNC_TAGS.model]: model,
      [SYNC_TAGS.version]: "1",
      [SYNC_TAGS.digest]: s1.artifacts.digest,
    });
    expect(c1.lineage).toEqual({ ...h1.lineage, syncedFrom: origin1 });
    expect(copies.get("2")).toMatchObject({ aliases: ["candidate"], stage: "staging", metrics: { auc: 0.92 } });
    // The foreign version has no digest on the Hub's side; sync records the one it computed over the bytes.
    const c3 = copies.get("3") as ModelVersion;
    expect(c3).toMatchObject({ description: "Upload model from a notebook", metrics: { accuracy: 0.88 }, aliases: [], stage: "draft", tags: { fraud: "" } });
    expect(originOf(c3)).toEqual({ registry: "huggingface", model, version: "3", digest: c3.artifacts.digest });
    expect(Object.fromEntries((await local.listAliases(model)).map((a) => [a.alias, a.version]))).toEqual({ champion: "1", candidate: "2" });

    const reads = fake.requests.length;
    const again = await syncRegistries({ source: hub, target: local, models: [model] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.bytesCopied).toBe(0);
    expect(await local.listVersions(model).toArray()).toHaveLength(3);
    // No version file was downloaded again (the records and cards that metadata is read from are, of course).
    const versionFiles = ["model.bin", "conf/params.json", "deep/er/notes.txt", "pytorch_model.bin", "config.json"];
    const downloads = fake.requests
      .slice(reads)
      .filter((r) => r.url.includes("/lfs/") || versionFiles.some((f) => r.url.includes(`/resolve/`) && r.url.endsWith(`/${f}`)));
    expect(downloads).toEqual([]);
    // (The same filter did see the first run's downloads.)
    expect(fake.requests.slice(0, reads).filter((r) => r.url.includes("/resolve/") && r.url.endsWith("/pytorch_model.bin")).length).toBeGreaterThan(0);

    // A change on the Hub travels as an update, without moving bytes: the alias moves, the description follows.
    await hub.updateVersion(`${model}/2`, { description: "re-evaluated" });
    await hub.setAlias(model, "champion", "2");
    const update = await syncRegistries({ source: hub, target: local, models: [model] });
    expect(update.counts).toMatchObject({ created: 0, updated: 1, skipped: 2, failed: 0 });
    expect(update.bytesCopied).toBe(0);
    expect(update.results.find((r) => r.status === "updated")).toMatchObject({ targetVersion: "2", movedAliases: [{ alias: "champion", previous: "1" }] });
    expect(await local.getVersion(`${model}/2`)).toMatchObject({ description: "re-evaluated", aliases: ["candidate", "champion"] });
  });
});

describe("a sync that fails midway", () => {
  it("leaves no tag and no version for the copy that failed between its commit and its tag, and a rerun completes it", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const hub = registry({ retryBaseDelayMs: 1 });
    const model = fresh("tag-fails");
    const weights = randomBytes(prng(21), 3 * MiB);
    await seedVersion(local, model, { "m.bin": "first" }, { aliases: ["champion"] });
    await seedVersion(local, model, { "model.bin": weights, "notes.txt": "second" }, { aliases: ["candidate"] });

    // The first copy goes through; the second's tag is refused every time it is asked for (retries included).
    let armed = false;
    let refused = 0;
    fake.failNext(
      (r) => {
        const hit = armed && r.method === "POST" && r.url.includes(`/api/models/${repoId(model)}/tag/`);
        if (hit) refused++;
        return hit;
      },
      503,
      Number.POSITIVE_INFINITY,
    );
    const report = await syncRegistries({
      source: local,
      target: hub,
      models: [model],
      onEvent: (e) => {
        if (e.type === "version.started" && e.version === "2") armed = true;
      },
    });
    armed = false;
    expect(refused).toBeGreaterThan(0);
    expect(report.counts).toMatchObject({ created: 1, failed: 1 });
    expect(report.failures.map((f) => f.version)).toEqual(["2"]);
    // No half version: only v1 is tagged, main is back at v1's commit, no alias points past it, and the registry
    // shows one version.
    const refs = refsOf(model);
    expect(Object.keys(refs.tags)).toEqual(["v1"]);
    expect(refs.branches.main).toBe(refs.tags.v1);
    expect(refs.branches.candidate).toBeUndefined();
    expect((await hub.listVersions(model).toArray()).map((v) => v.version)).toEqual(["1"]);
    await expect(hub.getVersion(`${model}/2`)).rejects.toThrow(/no version 2/);
    // The commit was made (the failure came after it), and nothing names it.
    const orphan = [...(fake.repo(repoId(model))?.commits.values() ?? [])].filter((c) => c.summary === `modelreg: version 2 of ${model}`);
    expect(orphan).toHaveLength(1);
    expect(Object.values({ ...refs.branches, ...refs.tags })).not.toContain(orphan[0]?.oid);

    const rerun = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(rerun.failures).toEqual([]);
    expect(rerun.counts).toMatchObject({ created: 1, skipped: 1, failed: 0 });
    const copies = await copiesBySource(hub, model);
    expect([...copies.keys()].sort()).toEqual(["1", "2"]);
    await expectSameFiles(local, `${model}/2`, hub, copies.get("2") as ModelVersion);
    expect(Object.keys(refsOf(model).tags).sort()).toEqual(["v1", "v2"]);
    expect(refsOf(model).branches.candidate).toBe(refsOf(model).tags.v2);
    expect(refsOf(model).branches.main).toBe(refsOf(model).tags.v2);
  });

  it("leaves nothing on the Hub when an LFS upload is cut, and a rerun copies the version whole", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const hub = registry({ retryBaseDelayMs: 1, maxRetries: 0 });
    const model = fresh("upload-cut");
    const weights = randomBytes(prng(33), 3 * MiB + 1);
    const v1 = await seedVersion(local, model, { "model.bin": weights, "conf.json": "{}" }, { aliases: ["champion"] });
    const before = commits();
    fake.failNext({ method: "PUT", url: `/upload/${repoId(model)}/` }, "reset", 1);

    const report = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(report.counts).toMatchObject({ created: 0, failed: 1 });
    expect(fake.requests.some((r) => r.method === "PUT" && r.url.includes(`/upload/${repoId(model)}/`) && r.status === 0)).toBe(true);
    // The repository the create made is deleted again: no commit, no tag, no model.
    expect(fake.repo(repoId(model))).toBeUndefined();
    expect(commits()).toBe(before);

    const rerun = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(rerun.failures).toEqual([]);
    expect(rerun.counts).toMatchObject({ created: 1, failed: 0 });
    const copy = await hub.getVersion(`${model}/1`);
    expect(originOf(copy)).toEqual({ registry: "local", model, version: "1", digest: v1.artifacts.digest });
    expect(sha256(await readFile(hub, copy, "model.bin"))).toBe(sha256(weights));
    expect(Object.keys(refsOf(model).tags)).toEqual(["v1"]);
    expect(refsOf(model).branches.champion).toBe(refsOf(model).tags.v1);
  });

  it("keeps a copy whose stage could not be set (its state commit refused), undoes the stage branch, and a rerun sets the stage", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const hub = registry({ retryBaseDelayMs: 1 });
    const model = fresh("stage-fails");
    const v1 = await seedVersion(local, model, { "m.bin": "weights" }, { aliases: ["champion"] });
    await local.transitionStage(`${model}/1`, "production");
    let armed = true;
    let refused = 0;
    fake.failNext(
      (r) => {
        const hit = armed && r.method === "POST" && r.url.includes(`/api/models/${repoId(model)}/commit/modelreg`);
        if (hit) refused++;
        return hit;
      },
      403,
      Number.POSITIVE_INFINITY,
    );
    const report = await syncRegistries({ source: local, target: hub, models: [model] });
    armed = false;
    expect(refused).toBeGreaterThan(0);
    expect(report.counts).toMatchObject({ created: 0, failed: 1 });
    expect(report.failures[0]?.error.name).toBe("PermissionDeniedError");
    // The version itself is whole (tagged, with its provenance and alias); the production branch was taken back.
    const refs = refsOf(model);
    expect(Object.keys(refs.tags)).toEqual(["v1"]);
    expect(refs.branches.champion).toBe(refs.tags.v1);
    expect(refs.branches.production).toBeUndefined();
    const copy = await hub.getVersion(`${model}/1`);
    expect(copy.stage).toBe("draft");
    expect(originOf(copy)).toEqual({ registry: "local", model, version: "1", digest: v1.artifacts.digest });

    const plan = await planSync({ source: local, target: hub, models: [model] });
    expect(plan.items.map((i) => [i.action, i.action === "update" && i.changes])).toEqual([["update", [{ kind: "stage", from: "draft", to: "production" }]]]);
    const rerun = await syncRegistries({ source: local, target: hub, models: [model] });
    expect(rerun.failures).toEqual([]);
    expect(rerun.counts).toMatchObject({ created: 0, updated: 1, failed: 0 });
    expect(rerun.bytesCopied).toBe(0);
    expect(await hub.getVersion(`${model}/1`)).toMatchObject({ stage: "production", aliases: ["champion"] });
    expect(refsOf(model).branches.production).toBe(refsOf(model).tags.v1);
    expect(Object.keys(refsOf(model).tags)).toEqual(["v1"]);
  });
});
