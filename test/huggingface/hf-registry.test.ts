// The Hugging Face adapter's own behaviour against the fake Hub, through the public API: aliases and stages as
// branches, descriptions and tags in state.json on the orphan branch `modelreg` (redone on 412), versions another
// tool tagged, paged trees and model listings, checked downloads (git SHA-1 and SHA-256), and downloadToHubCache's
// cache layout. createVersion's failure cases are in hf-create.test.ts, tokens and endpoints in hf-auth.test.ts.
import { createHash } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConflictError, CorruptDataError, IntegrityError, NotFoundError } from "modelreg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rejectionOf } from "../support/rejection.js";
import { weights } from "../support/version-files.js";
import { HUB, type RepoState, USER } from "./support/hub-fake.js";
import { lfsEntry, regularEntry } from "./support/hub-fake-git.js";
import { NAMESPACE, useHubFake } from "./support/setup.js";

const { fake, registry } = useHubFake();
const id = (model: string) => `${NAMESPACE}/${model}`;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const gitSha1 = (bytes: Uint8Array) => createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8"));
const bytesOf = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());
const entries = (files: Record<string, string | Uint8Array>) => ({ entries: Object.entries(files).map(([path, content]) => ({ path, content })) });
/** The state modelreg keeps on the branch `modelreg`. */
const stateOf = (model: string) =>
  JSON.parse(text(fake.fileAt(id(model), "modelreg", "state.json")) ?? "null") as {
    model: { description?: string; tags: Record<string, string> };
    versions: Record<string, { description?: string; tags?: Record<string, string>; stage?: string; deleted?: boolean }>;
  } | null;
const must = (model: string): RepoState => {
  const repo = fake.repo(id(model));
  if (!repo) throw new Error(`no repository ${model}`);
  return repo;
};

let dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "modelreg-hf-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  fake.treePageSize = 1000;
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

describe("aliases are branches", () => {
  it("setAlias makes a branch at the version's commit, moves it, and deleteAlias removes it", async () => {
    const model = "alias-branches";
    const r = registry();
    await r.createVersion(model, { artifacts: entries({ "config.json": "{}" }), aliases: ["champion"] });
    await r.createVersion(model, { artifacts: entries({ "config.json": '{"n": 2}' }) });
    let refs = fake.refs(id(model));
    expect(refs.branches.champion).toBe(refs.tags.v1);
    expect(await r.setAlias(model, "champion", "2")).toEqual({ previous: "1" });
    refs = fake.refs(id(model));
    expect(refs.branches.champion).toBe(refs.tags.v2);
    expect((await r.getVersion(`${model}@champion`)).version).toBe("2");
    expect((await r.listAliases(model)).map((a) => [a.alias, a.version])).toEqual([["champion", "2"]]);
    await r.deleteAlias(model, "champion");
    expect(fake.refs(id(model)).branches.champion).toBeUndefined();
    expect(NotFoundError.isInstance(await rejectionOf(r.deleteAlias(model, "champion")))).toBe(true);
    // main and the state branch are no aliases, whatever they point at.
    expect((await r.getModel(model)).aliases).toEqual({});
  });

  it("a branch someone moved to a commit that is no version reads as no alias", async () => {
    const model = "alias-stray";
    const r = registry();
    await r.createVersion(model, { artifacts: entries({ "config.json": "{}" }), aliases: ["champion"] });
    const repo = must(model);
    const head = repo.commits.get(repo.branches.get("main") as string);
    fake.commitTo(repo, "champion", new Map(head?.tree), "edited on the Hub", "", "someone");
    expect((await r.getModel(model)).aliases).toEqual({});
    expect(NotFoundError.isInstance(await rejectionOf(r.getVersion(`${model}@champion`)))).toBe(true);
  });
});

describe("stages", () => {
  it("staging and production are branches that follow the newest version in the stage", async () => {
    const model = "stage-branches";
    const r = registry();
    for (let n = 1; n <= 3; n++) await r.createVersion(model, { artifacts: entries({ "config.json": `{"n": ${n}}` }) });
    const tags = fake.refs(id(model)).tags;
    await r.transitionStage({ model, version: "1" }, "production");
    expect(fake.refs(id(model)).branches.production).toBe(tags.v1);
    // Without archiving, two versions are in production; the branch names the last one moved there.
    await r.transitionStage({ model, version: "2" }, "production", { archiveExisting: false });
    expect(fake.refs(id(model)).branches.production).toBe(tags.v2);
    expect((await r.getVersion({ model, version: "1" })).stage).toBe("production");
    // Version 2 leaves: the branch goes back to version 1, still in production.
    await r.transitionStage({ model, version: "2" }, "draft");
    expect(fake.refs(id(model)).branches.production).toBe(tags.v1);
    // Version 1 leaves too: no version is in production, so no branch.
    await r.transitionStage({ model, version: "1" }, "archived");
    expect(fake.refs(id(model)).branches.production).toBeUndefined();
    await r.transitionStage({ model, version: "3" }, "staging");
    expect(fake.refs(id(model)).branches.staging).toBe(tags.v3);
    expect(stateOf(model)?.versions["3"]?.stage).toBe("staging");
    expect((await r.listVersions(model, { stage: "staging" }).toArray()).map((v) => v.version)).toEqual(["3"]);
    // Stage branches are not user aliases.
    expect((await r.getModel(model)).aliases).toEqual({});
  });

  it("archiveExisting archives the other versions in the stage, in state.json, and moves the branch once", async () => {
    const model = "stage-archive";
    const r = registry();
    for (let n = 1; n <= 3; n++) await r.createVersion(model, { artifacts: entries({ "config.json": `{"n": ${n}}` }) });
    await r.transitionStage({ model, version: "1" }, "production");
    await r.transitionStage({ model, version: "2" }, "production", { archiveExisting: false });
    await r.transitionStage({ model, version: "3" }, "production", { archiveExisting: true });
    const stages = Object.fromEntries(Object.entries(stateOf(model)?.versions ?? {}).map(([v, e]) => [v, e.stage]));
    expect(stages).toEqual({ "1": "archived", "2": "archived", "3": "production" });
    expect(fake.refs(id(model)).branches.production).toBe(fake.refs(id(model)).tags.v3);
    expect((await r.listVersions(model).toArray()).map((v) => [v.version, v.stage])).toEqual([
      ["3", "production"],
      ["2", "archived"],
      ["1", "archived"],
    ]);
  });

  it("a state that cannot be written moves the stage branch back", async () => {
    const model = "stage-undo";
    const r = registry({ maxRetries: 0 });
    await r.createVersion(model, { artifacts: entries({ "config.json": "{}" }) });
    await r.createVersion(model, { artifacts: entries({ "config.json": '{"n": 2}' }) });
    await r.transitionStage({ model, version: "1" }, "production");
    const before = fake.refs(id(model)).branches.production;
    fake.failNext((q) => q.method === "POST" && q.url.includes(`/${id(model)}/commit/modelreg`), 403, 1);
    await rejectionOf(r.transitionStage({ model, version: "2" }, "production"));
    expect(fake.refs(id(model)).branches.production).toBe(before);
    expect((await r.getVersion({ model, version: "2" })).stage).toBe("draft");
  });
});

describe("state.json on the branch modelreg", () => {
  it("holds later changes on an orphan branch; the version's commit and record stay as created", async () => {
    const model = "state-orphan";
    const r = registry();
    await r.createModel({ name: model, description: "first", tags: { team: "risk" } });
    const v = await r.createVersion(model, { artifacts: entries({ "config.json": "{}" }), description: "as made", tags: { a: "1" } });
    const commit = fake.refs(id(model)).tags.v1;
    await r.updateVersion(v, { description: "changed", tags: { a: null, b: "2" } });
    await r.updateModel(model, { tags: { owner: "me" } });
    expect(fake.refs(id(model)).tags.v1).toBe(commit);
    expect(JSON.parse(text(fake.fileAt(id(model), "v1", "modelreg.json")) ?? "{}").description).toBe("as made");
    const state = stateOf(model);
    expect(state?.versions["1"]).toMatchObject({ description: "changed", tags: { b: "2" } });
    expect(state?.model).toMatchObject({ description: "first", tags: { team: "risk", owner: "me" } });
    // An orphan: no history shared with main, and only state.json in its tree.
    const repo = must(model);
    const mainCommits = new Set<string>();
    for (let c = repo.branches.get("main"); c; c = repo.commits.get(c)?.parents[0]) mainCommits.add(c);
    for (let c = repo.branches.get("modelreg"); c; c = repo.commits.get(c)?.parents[0]) expect(mainCommits.has(c)).toBe(false);
    expect([...(fake.commitAt(id(model), "modelreg")?.tree.keys() ?? [])]).toEqual(["state.json"]);
    const read = await r.getVersion(v);
    expect(read.description).toBe("changed");
    expect(read.tags).toEqual({ b: "2" });
  });

  it("a 412 on the state commit is redone on top; two writers at once both keep their change", async () => {
    const model = "state-race";
    const r = registry();
    await r.createVersion(model, { artifacts: entries({ "config.json": "{}" }) });
    await r.createVersion(model, { artifacts: entries({ "config.json": '{"n": 2}' }) });
    fake.failNext((q) => q.method === "POST" && q.url.includes(`/${id(model)}/commit/modelreg`), 412, 1);
    await r.updateVersion({ model, version: "1" }, { tags: { first: "yes" } });
    await Promise.all([
      registry().updateVersion({ model, version: "1" }, { tags: { one: "a" } }),
      registry().updateVersion({ model, version: "2" }, { tags: { two: "b" } }),
      registry().updateModel(model, { description: "both" }),
    ]);
    const state = stateOf(model);
    expect(state?.versions["1"]?.tags).toEqual({ first: "yes", one: "a" });
    expect(state?.versions["2"]?.tags).toEqual({ two: "b" });
    expect(state?.model.description).toBe("both");
    const statuses = fake.requests.filter((q) => q.url.endsWith(`/${id(model)}/commit/modelreg`)).map((q) => q.status);
    expect(statuses).toContain(412);
  });

  it("gives up with ConflictError when the state keeps moving", async () => {
    const model = "state-forever";
    const r = registry();
    await r.createVersion(model, { artifacts: entries({ "config.json": "{}" }) });
    fake.failNext((q) => q.method === "POST" && q.url.includes(`/${id(model)}/commit/modelreg`), 412, 50);
    expect(ConflictError.isInstance(await rejectionOf(r.updateVersion({ model, version: "1" }, { description: "never" })))).toBe(true);
    expect((await r.getVersion({ model, version: "1" })).description).toBeUndefined();
  });

  it("a state.json that is not modelreg's is a CorruptDataError, not a crash", async () => {
    const model = "state-corrupt";
    const r = registry();
    await r.createVersion(model, { artifacts: entries({ "config.json": "{}" }) });
    await r.updateModel(model, { description: "x" });
    const repo = must(model);
    fake.commitTo(repo, "modelreg", new Map([["state.json", regularEntry(Buffer.from('{"format": "something else"}'))]]), "by hand", "", "someone");
    expect(CorruptDataError.isInstance(await rejectionOf(r.getVersion({ model, version: "1" })))).toBe(true);
  });
});

/** A repository another tool made, tagged `v1`: a card with a model-index, a regular file, an LFS file in a folder. */
function foreignRepo(model: string, files = 3): { weights: Uint8Array; config: Uint8Array; commit: string } {
  const w = weights(4000, 11);
  const config = Buffer.from('{"architectures": ["Bert"]}');
  const card = Buffer.from(
    "---\nlicense: mit\ntags:\n- text\nmodel-index:\n- name: m\n  results:\n  - task:\n      type: text-classification\n    dataset:\n      name: d\n      type: d\n    metrics:\n    - type: accuracy\n      value: 0.87\n---\n# Someone's model\n",
  );
  const tree = new Map([
    ["README.md", regularEntry(card)],
    ["config.json", regularEntry(config)],
    ["onnx/model.onnx", lfsEntry(sha256(w), w.byteLength)],
    ...Array.from({ length: files }, (_, i) => [`extra/f${i}.txt`, regularEntry(Buffer.from(`file ${i}`))] as const),
  ]);
  const repo = fake.createRepo(id(model), { private: true, author: USER });
  repo.lfs.set(sha256(w), w);
  const commit = fake.commitTo(repo, "main", new Map([...(repo.commits.get(repo.branches.get("main") as string)?.tree ?? []), ...tree]), "upload", "", USER);
  repo.tags.set("v1", { oid: commit.oid });
  return { weights: w, config, commit: commit.oid };
}

describe("versions another tool tagged", () => {
  it("reads a v<n> tag without modelreg.json from its card and tree, and downloads it checked", async () => {
    const model = "foreign";
    const { weights: w, config } = foreignRepo(model);
    const r = registry();
    const v = await r.getVersion({ model, version: "1" });
    expect(v.metrics).toEqual({ accuracy: 0.87 });
    expect(v.description).toBe("upload");
    const files = await r.listArtifacts(v);
    expect(files.map((f) => f.path).sort()).toEqual(["README.md", "config.json", "extra/f0.txt", "extra/f1.txt", "extra/f2.txt", "onnx/model.onnx"]);
    const dir = await tempDir();
    await r.downloadArtifacts(v, join(dir, "out"));
    expect(new Uint8Array(await readFile(join(dir, "out", "onnx/model.onnx")))).toEqual(w);
    expect(new Uint8Array(await readFile(join(dir, "out", "config.json")))).toEqual(new Uint8Array(config));
  });

  it("a corrupted byte of a regular file fails its git SHA-1; of an LFS file, its SHA-256", async () => {
    const model = "foreign-corrupt";
    const { weights: w } = foreignRepo(model, 0);
    const r = registry();
    const repo = must(model);
    const entry = repo.commits.get(fake.refs(id(model)).tags.v1 as string)?.tree.get("config.json");
    const content = entry?.content as Uint8Array;
    content[3] = (content[3] ?? 0) ^ 1;
    const regular = await rejectionOf(bytesOf((await r.openArtifact({ model, version: "1" }, "config.json")).stream));
    expect(IntegrityError.isInstance(regular), String(regular)).toBe(true);
    content[3] = (content[3] ?? 0) ^ 1;
    const stored = repo.lfs.get(sha256(w)) as Uint8Array;
    stored[100] = (stored[100] ?? 0) ^ 1;
    const dir = await tempDir();
    const lfs = await rejectionOf(r.downloadArtifacts({ model, version: "1" }, join(dir, "out"), { paths: ["onnx/model.onnx"] }));
    expect(IntegrityError.isInstance(lfs), String(lfs)).toBe(true);
    expect(await readdir(join(dir, "out")).catch(() => [])).toEqual([]);
    stored[100] = (stored[100] ?? 0) ^ 1;
  });
});

describe("downloads of modelreg's versions are checked", () => {
  it("a corrupted byte in the Hub's store is an IntegrityError, for regular and LFS files, and nothing is kept", async () => {
    const model = "checked";
    const r = registry();
    const w = weights(3000, 2);
    const v = await r.createVersion(model, { artifacts: entries({ "config.json": '{"a": 1}', "model.safetensors": w }) });
    const repo = must(model);
    const tree = repo.commits.get(fake.refs(id(model)).tags.v1 as string)?.tree;
    const content = tree?.get("config.json")?.content as Uint8Array;
    content[0] = (content[0] ?? 0) ^ 1;
    const dir = await tempDir();
    expect(IntegrityError.isInstance(await rejectionOf(r.downloadArtifacts(v, join(dir, "a"), { paths: ["config.json"] })))).toBe(true);
    content[0] = (content[0] ?? 0) ^ 1;
    const stored = repo.lfs.get(sha256(w)) as Uint8Array;
    stored[0] = (stored[0] ?? 0) ^ 1;
    expect(IntegrityError.isInstance(await rejectionOf(r.downloadArtifacts(v, join(dir, "b"), { paths: ["model.safetensors"] })))).toBe(true);
    stored[0] = (stored[0] ?? 0) ^ 1;
    for (const out of ["a", "b"]) expect(await readdir(join(dir, out)).catch(() => [])).toEqual([]);
    // Once the store is whole again, the same download works.
    await r.downloadArtifacts(v, join(dir, "c"));
    expect(new Uint8Array(await readFile(join(dir, "c", "model.safetensors")))).toEqual(w);
  });

  it("reads each file at the version's commit, not at a branch that moved since", async () => {
    const model = "at-commit";
    const r = registry();
    await r.createVersion(model, { artifacts: entries({ "config.json": '{"v": 1}' }), aliases: ["champion"] });
    await r.createVersion(model, { artifacts: entries({ "config.json": '{"v": 2}' }) });
    const read = async (ref: string) => new TextDecoder().decode(await bytesOf((await r.openArtifact(ref, "config.json")).stream));
    expect(await read(`${model}/1`)).toBe('{"v": 1}');
    expect(await read(`${model}@champion`)).toBe('{"v": 1}');
    expect(await read(`${model}@latest`)).toBe('{"v": 2}');
    const resolves = fake.requests.filter((q) => q.url.includes(`/${id(model)}/resolve/`) && q.url.endsWith("/config.json"));
    expect(resolves.every((q) => /\/resolve\/[0-9a-f]{40}\//.test(q.url))).toBe(true);
  });
});

describe("paging", () => {
  it("follows the tree's pages: a new version deletes every file of the last one, and the cache gets them all", async () => {
    const model = "paged-tree";
    const r = registry();
    fake.treePageSize = 2;
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`part/${i}.txt`, `part ${i}`]));
    await r.createVersion(model, { artifacts: entries(many) });
    await r.createVersion(model, { artifacts: entries({ "only.txt": "one" }) });
    expect([...(fake.commitAt(id(model), "v2")?.tree.keys() ?? [])].sort()).toEqual([".gitattributes", "README.md", "modelreg.json", "only.txt"]);
    const cache = await tempDir();
    const got = await r.downloadToHubCache({ model, version: "1" }, { cacheDir: cache });
    // Version 1 is no longer main's head: refs/main is not written for it.
    expect(got.revisions).toEqual(["v1"]);
    const snapshot = await readdir(join(got.snapshotDir, "part"));
    expect(snapshot.sort()).toEqual(
      Object.keys(many)
        .map((p) => p.slice(5))
        .sort(),
    );
    expect(fake.requests.filter((q) => q.url.includes(`/${id(model)}/tree/`) && q.url.includes("cursor=")).length).toBeGreaterThan(2);
  });

  it("lists a namespace's models page by page, and narrows by name prefix and tags", async () => {
    const r = registry({ namespace: USER });
    for (let i = 0; i < 5; i++) await r.createModel({ name: `listed-${i}`, tags: { parity: i % 2 === 0 ? "even" : "odd" } });
    await r.createModel({ name: "other" });
    const pages: string[][] = [];
    for await (const page of r.listModels({ pageSize: 2 }).pages()) pages.push(page.items.map((m) => m.name));
    expect(pages.length).toBe(3);
    expect(pages.flat().sort()).toEqual(["listed-0", "listed-1", "listed-2", "listed-3", "listed-4", "other"]);
    expect((await r.listModels({ namePrefix: "listed-", pageSize: 2 }).toArray()).map((m) => m.name).sort()).toEqual([
      "listed-0",
      "listed-1",
      "listed-2",
      "listed-3",
      "listed-4",
    ]);
    expect((await r.listModels({ tags: { parity: "odd" } }).toArray()).map((m) => m.name).sort()).toEqual(["listed-1", "listed-3"]);
    // A page token is the Hub's own cursor, which goes back to the Hub.
    const first = await r.listModels({ pageSize: 2 }).pages()[Symbol.asyncIterator]().next();
    const token = first.value?.nextPageToken as string;
    expect(token).toMatch(/^\?/);
    expect((await r.listModels({ pageSize: 2, pageToken: token }).pages()[Symbol.asyncIterator]().next()).value?.items).toHaveLength(2);
  });

  it("lists versions newest first across pages, without deleted ones", async () => {
    const model = "paged-versions";
    const r = registry();
    for (let n = 1; n <= 5; n++) await r.createVersion(model, { artifacts: entries({ "config.json": `{"n": ${n}}` }) });
    await r.deleteVersion({ model, version: "4" });
    const pages: string[][] = [];
    for await (const page of r.listVersions(model, { pageSize: 2 }).pages()) pages.push(page.items.map((v) => v.version));
    expect(pages).toEqual([
      ["5", "3"],
      ["2", "1"],
    ]);
    expect((await r.getModel(model)).latestVersion).toBe("5");
  });
});

describe("downloadToHubCache", () => {
  let cache: string;
  const model = "cached";
  let commit: string;
  const w = weights(6000, 21);
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), "modelreg-hf-cache-"));
    const r = registry();
    await r.createVersion(model, { artifacts: entries({ "config.json": '{"c": 1}', "sub/model.safetensors": w }), aliases: ["champion"] });
    commit = fake.refs(id(model)).tags.v1 as string;
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  it("writes blobs by etag, relative snapshot links and refs holding the commit, as huggingface_hub lays them out", async () => {
    const got = await registry().downloadToHubCache({ model, version: "1" }, { cacheDir: cache });
    const repoDir = join(cache, `models--${NAMESPACE}--${model}`);
    // main too, as the version is main's head: from_pretrained(repo) without a revision finds it offline.
    expect(got).toMatchObject({ repoId: id(model), version: "1", commit, revisions: ["v1", "main"], snapshotDir: join(repoDir, "snapshots", commit) });
    expect(await readFile(join(repoDir, "refs", "v1"), "utf8")).toBe(commit);
    expect(await readFile(join(repoDir, "refs", "main"), "utf8")).toBe(commit);
    const snap = join(repoDir, "snapshots", commit);
    const files = (await readdir(snap, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory());
    expect(files.map((e) => join(e.parentPath, e.name).slice(snap.length + 1)).sort()).toEqual([
      ".gitattributes",
      "README.md",
      "config.json",
      "modelreg.json",
      "sub/model.safetensors",
    ]);
    expect(files.every((e) => e.isSymbolicLink())).toBe(true);
    const config = Buffer.from('{"c": 1}');
    expect(await readlink(join(snap, "config.json"))).toBe(join("..", "..", "blobs", gitSha1(config)));
    expect(await readlink(join(snap, "sub", "model.safetensors"))).toBe(join("..", "..", "..", "blobs", sha256(w)));
    expect(new Uint8Array(await readFile(join(snap, "sub", "model.safetensors")))).toEqual(w);
    expect(await readFile(join(repoDir, "blobs", gitSha1(config)), "utf8")).toBe('{"c": 1}');
    expect(got.written).toBe(5);
  });

  it("asked by an alias, records the alias too; blobs already there are reused, not fetched", async () => {
    const before = fake.requests.length;
    const got = await registry().downloadToHubCache(`${model}@champion`, { cacheDir: cache });
    expect(got.revisions).toEqual(["v1", "champion", "main"]);
    expect(got).toMatchObject({ written: 0, reused: 5 });
    const repoDir = join(cache, `models--${NAMESPACE}--${model}`);
    expect(await readFile(join(repoDir, "refs", "champion"), "utf8")).toBe(commit);
    // Only the record is read again (to find the version); no file's bytes are fetched.
    const since = fake.requests.slice(before);
    expect(since.filter((q) => q.url.includes("/resolve/")).map((q) => q.url.slice(q.url.lastIndexOf("/") + 1))).toEqual(["modelreg.json"]);
    expect(since.filter((q) => q.url.includes("/api/resolve-cache/") && !q.url.endsWith("/modelreg.json"))).toEqual([]);
    expect(since.filter((q) => !q.url.startsWith(HUB))).toEqual([]);
    expect((await lstat(join(repoDir, "refs", "champion"))).isFile()).toBe(true);
  });

  it("reads HF_HUB_CACHE, then HF_HOME/hub, from the registry's env when no folder is given", async () => {
    const hubCache = await tempDir();
    const viaHubCache = await registry({ env: { HF_HUB_CACHE: hubCache } }).downloadToHubCache({ model, version: "1" });
    expect(viaHubCache.snapshotDir.startsWith(join(hubCache, `models--${NAMESPACE}--${model}`))).toBe(true);
    const hfHome = await tempDir();
    const viaHome = await registry({ env: { HF_HOME: hfHome } }).downloadToHubCache({ model, version: "1" });
    expect(viaHome.snapshotDir.startsWith(join(hfHome, "hub"))).toBe(true);
    const setting = await tempDir();
    const viaSetting = await registry({ cacheDir: setting, env: { HF_HUB_CACHE: hubCache } }).downloadToHubCache({ model, version: "1" });
    expect(viaSetting.snapshotDir.startsWith(setting)).toBe(true);
  });

  it("a corrupted byte leaves no blob, link or ref for the version", async () => {
    const other = "cached-corrupt";
    const r = registry();
    const bytes = weights(2000, 5);
    await r.createVersion(other, { artifacts: entries({ "model.safetensors": bytes }) });
    const stored = must(other).lfs.get(sha256(bytes)) as Uint8Array;
    stored[7] = (stored[7] ?? 0) ^ 1;
    const dir = await tempDir();
    const error = await rejectionOf(r.downloadToHubCache({ model: other, version: "1" }, { cacheDir: dir }));
    stored[7] = (stored[7] ?? 0) ^ 1;
    expect(IntegrityError.isInstance(error), String(error)).toBe(true);
    const repoDir = join(dir, `models--${NAMESPACE}--${other}`);
    expect(await readdir(join(repoDir, "refs")).catch(() => [])).toEqual([]);
    expect(
      await readdir(join(repoDir, "blobs"))
        .then((b) => b.filter((n) => n.startsWith(sha256(bytes))))
        .catch(() => []),
    ).toEqual([]);
  });

  it("a deleted version cannot be cached", async () => {
    const other = "cached-deleted";
    const r = registry();
    await r.createVersion(other, { artifacts: entries({ "config.json": "{}" }) });
    await r.deleteVersion({ model: other, version: "1" });
    const dir = await tempDir();
    expect(NotFoundError.isInstance(await rejectionOf(r.downloadToHubCache({ model: other, version: "1" }, { cacheDir: dir })))).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("models", () => {
  it("deleteModel deletes the repository; a missing one is NotFoundError", async () => {
    const r = registry();
    await r.createVersion("doomed", { artifacts: entries({ "config.json": "{}" }) });
    await r.deleteModel("doomed");
    expect(fake.repo(id("doomed"))).toBeUndefined();
    expect(NotFoundError.isInstance(await rejectionOf(r.deleteModel("doomed")))).toBe(true);
    expect(fake.requests.filter((q) => q.method === "DELETE" && q.url === `${HUB}/api/repos/delete`)).toHaveLength(1);
  });

  it("createModel on an existing repository is a ConflictError", async () => {
    const r = registry();
    await r.createModel({ name: "twice" });
    expect(ConflictError.isInstance(await rejectionOf(r.createModel({ name: "twice" })))).toBe(true);
  });
});
