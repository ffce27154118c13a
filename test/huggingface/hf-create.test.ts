// createVersion on the Hub when things go wrong or happen at once: two writers on one model, a 412 on the commit, a
// tag that cannot be made, a commit whose answer is lost after the Hub applied it, retries with an idempotency key,
// a failing first create that made the repository, deleted numbers, names and paths refused before any request.
import { createHash } from "node:crypto";
import { ConflictError, InvalidInputError, ModelRegistryError, NotFoundError, type RegistryEvent, ServerError } from "modelreg";
import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { rejectionOf } from "../support/rejection.js";
import { weights } from "../support/version-files.js";
import { CDN, HUB } from "./support/hub-fake.js";
import { NAMESPACE, useHubFake } from "./support/setup.js";

/** What the commit hook below does to the next commit on `main`. */
const onCommit: { before?: () => Promise<void>; after?: () => Promise<void>; cutAfterApplying: number; applied: number[] } = {
  cutAfterApplying: 0,
  applied: [],
};
const FORWARDED = "x-test-forwarded";

/**
 * Stands in front of the fake's commit call: runs `onCommit.before` first (another writer getting in between), or
 * forwards the commit to the fake (which applies it), runs `onCommit.after`, and then cuts the connection, so the
 * client never hears.
 */
const commitHook = http.post(/^https:\/\/hub\.hf\.test\/api\/models\/[^/]+\/[^/]+\/commit\/main$/, async ({ request }) => {
  if (request.headers.has(FORWARDED)) return undefined;
  const before = onCommit.before;
  onCommit.before = undefined;
  if (before) await before();
  if (onCommit.cutAfterApplying === 0) return undefined;
  onCommit.cutAfterApplying--;
  const headers = new Headers(request.headers);
  headers.set(FORWARDED, "1");
  const answer = await fetch(request.url, { method: "POST", headers, body: await request.arrayBuffer() });
  onCommit.applied.push(answer.status);
  await answer.arrayBuffer();
  const after = onCommit.after;
  onCommit.after = undefined;
  if (after) await after();
  return HttpResponse.error();
});

/** Lets the Hub make a repository, then cuts the answer (a create whose answer was lost). */
let cutRepoCreate = 0;
const repoCreateHook = http.post(`${HUB}/api/repos/create`, async ({ request }) => {
  if (request.headers.has(FORWARDED) || cutRepoCreate === 0) return undefined;
  cutRepoCreate--;
  const headers = new Headers(request.headers);
  headers.set(FORWARDED, "1");
  const answer = await fetch(request.url, { method: "POST", headers, body: await request.arrayBuffer() });
  await answer.arrayBuffer();
  return HttpResponse.error();
});

const { fake, registry } = useHubFake([commitHook, repoCreateHook]);

afterEach(() => {
  onCommit.before = undefined;
  onCommit.after = undefined;
  onCommit.cutAfterApplying = 0;
  onCommit.applied = [];
  cutRepoCreate = 0;
  fake.multipartThreshold = Number.POSITIVE_INFINITY;
  fake.multipartChunkSize = 5 * 1024 * 1024;
});

const id = (model: string) => `${NAMESPACE}/${model}`;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8"));
/** One regular (inline) file. */
const config = (content = '{"layers": 2}') => ({ entries: [{ path: "config.json", content }] });
/** A version's commit tree: its paths, sorted. */
const treeAt = (model: string, revision: string) => [...(fake.commitAt(id(model), revision)?.tree.keys() ?? [])].sort();
/** The commits of `main`, newest first (first-parent history). */
function history(model: string) {
  const repo = fake.repo(id(model));
  const out = [];
  for (let oid = repo?.branches.get("main"); oid; ) {
    const commit = repo?.commits.get(oid);
    if (!commit) break;
    out.push(commit);
    oid = commit.parents[0];
  }
  return out;
}
/** The record modelreg wrote at a revision. */
const recordAt = (model: string, revision: string) =>
  JSON.parse(text(fake.fileAt(id(model), revision, "modelreg.json")) ?? "null") as { version: string; token: string; idempotencyKey?: string } | null;
/** Fails the next `times` POSTs of `model` whose URL matches `path` (faults of one test never reach another's model). */
const failOn = (model: string, path: RegExp, outcome: number, times = 1) =>
  fake.failNext((r) => r.method === "POST" && r.url.includes(`/${id(model)}/`) && path.test(r.url), outcome, times);
const commitCalls = (model: string) => fake.requests.filter((r) => r.method === "POST" && r.url === `${HUB}/api/models/${id(model)}/commit/main`);
const tagCalls = (model: string) => fake.requests.filter((r) => r.method === "POST" && r.url.startsWith(`${HUB}/api/models/${id(model)}/tag/`));

describe("two writers on one model", () => {
  it("four registries creating at once all succeed, with numbers 1 to 4, each version exactly its own files", async () => {
    const model = "race-four";
    await registry().createModel({ name: model });
    const made = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        registry().createVersion(model, { artifacts: { entries: [{ path: `w${i}.json`, content: `{"writer": ${i}}` }] }, tags: { writer: String(i) } }),
      ),
    );
    expect(made.map((v) => v.version).sort()).toEqual(["1", "2", "3", "4"]);
    const refs = fake.refs(id(model));
    expect(Object.keys(refs.tags).sort()).toEqual(["v1", "v2", "v3", "v4"]);
    for (const v of made) {
      const writer = v.tags.writer;
      // The tag names the commit holding this version's record and only this writer's file.
      expect(recordAt(model, `v${v.version}`)?.version).toBe(v.version);
      expect(treeAt(model, `v${v.version}`)).toEqual([".gitattributes", "README.md", "modelreg.json", `w${writer}.json`]);
      expect(text(fake.fileAt(id(model), `v${v.version}`, `w${writer}.json`))).toBe(`{"writer": ${writer}}`);
      expect((await registry().getVersion({ model, version: v.version })).tags.writer).toBe(writer);
    }
    // Every commit on main is a tagged version: no writer's commit was lost or made twice.
    const tagged = new Set(Object.values(refs.tags));
    expect(
      history(model)
        .filter((c) => c.summary.startsWith("modelreg: version"))
        .map((c) => tagged.has(c.oid)),
    ).toEqual([true, true, true, true]);
  });

  it("a writer that commits between our read and our commit makes the Hub answer 412; we take the next number", async () => {
    const model = "race-between";
    await registry().createVersion(model, { artifacts: config("{}") });
    let theirs: string | undefined;
    onCommit.before = async () => {
      theirs = (await registry().createVersion(model, { artifacts: { entries: [{ path: "theirs.json", content: "{}" }] } })).version;
    };
    const ours = await registry().createVersion(model, { artifacts: { entries: [{ path: "ours.json", content: "{}" }] } });
    expect(theirs).toBe("2");
    expect(ours.version).toBe("3");
    expect(commitCalls(model).map((r) => r.status)).toEqual([200, 200, 412, 200]);
    expect(treeAt(model, "v2")).toContain("theirs.json");
    expect(treeAt(model, "v3")).toContain("ours.json");
    expect(treeAt(model, "v3")).not.toContain("theirs.json");
    expect(fake.refs(id(model)).branches.main).toBe(fake.refs(id(model)).tags.v3);
  });

  it("a 412 on the first commit is read again and committed on top, once", async () => {
    const model = "race-412";
    await registry().createModel({ name: model });
    failOn(model, /\/commit\/main$/, 412);
    const v = await registry().createVersion(model, { artifacts: config() });
    expect(v.version).toBe("1");
    expect(commitCalls(model).map((r) => r.status)).toEqual([412, 200]);
    expect(history(model).filter((c) => c.summary.startsWith("modelreg:"))).toHaveLength(1);
  });

  it("gives up with ConflictError after a stream of 412s, leaving no version", async () => {
    const model = "race-forever";
    await registry().createModel({ name: model });
    failOn(model, /\/commit\/main$/, 412, 20);
    const error = await rejectionOf(registry().createVersion(model, { artifacts: config() }));
    expect(ConflictError.isInstance(error), String(error)).toBe(true);
    expect(fake.refs(id(model)).tags).toEqual({});
    expect(commitCalls(model).length).toBeGreaterThan(1);
    expect(commitCalls(model).length).toBeLessThan(20);
  });
});

describe("nothing half-done", () => {
  it("a tag that cannot be made leaves no version and main where it was; a retry with the same key makes it", async () => {
    const model = "half-tag";
    await registry().createVersion(model, { artifacts: config("{}") });
    const before = fake.refs(id(model));
    failOn(model, /\/tag\//, 500, 2);
    const error = await rejectionOf(registry({ maxRetries: 1 }).createVersion(model, { artifacts: config(), idempotencyKey: "run-1" }));
    expect(ServerError.isInstance(error), String(error)).toBe(true);
    // Version 1's tag, then the two attempts at version 2's.
    expect(tagCalls(model).map((r) => r.status)).toEqual([200, 500, 500]);
    const after = fake.refs(id(model));
    expect(after.tags).toEqual(before.tags);
    expect(after.branches.main).toBe(before.branches.main);
    await expect(registry().getVersion({ model, version: "2" })).rejects.toSatisfy((e) => NotFoundError.isInstance(e));
    // The Hub answers again: the retry with the same key makes version 2, once.
    const v = await registry().createVersion(model, { artifacts: config(), idempotencyKey: "run-1" });
    expect(v.version).toBe("2");
    expect(fake.refs(id(model)).tags.v2).toBe(fake.refs(id(model)).branches.main);
    expect(history(model).filter((c) => c.description.includes(`modelreg-key: ${sha256("run-1")}`))).toHaveLength(1);
  });

  it("does not move main back when someone committed on top of the untagged commit", async () => {
    const model = "half-ontop";
    await registry().createVersion(model, { artifacts: config("{}") });
    // The tag call fails once another tool has committed to main after our commit.
    const repoOf = () => fake.repo(id(model));
    let ontop: string | undefined;
    fake.failNext(
      (request) => {
        if (request.method !== "POST" || !request.url.includes(`/${model}/tag/`)) return false;
        const repo = repoOf();
        if (repo && !ontop) {
          const head = repo.commits.get(repo.branches.get("main") as string);
          ontop = fake.commitTo(repo, "main", new Map(head?.tree), "someone else's commit", "", "other").oid;
        }
        return true;
      },
      500,
      10,
    );
    await rejectionOf(registry({ maxRetries: 0 }).createVersion(model, { artifacts: config() }));
    expect(ontop).toBeDefined();
    expect(fake.refs(id(model)).branches.main).toBe(ontop);
    expect(Object.keys(fake.refs(id(model)).tags)).toEqual(["v1"]);
  });

  it("a failing first create deletes the repository it made", async () => {
    const model = "half-new";
    failOn(model, /\/tag\//, 500, 10);
    const error = await rejectionOf(registry({ maxRetries: 0 }).createVersion(model, { artifacts: config(), aliases: ["champion"] }));
    expect(ModelRegistryError.isInstance(error)).toBe(true);
    expect(fake.repo(id(model))).toBeUndefined();
    await expect(registry().getModel(model)).rejects.toSatisfy((e) => NotFoundError.isInstance(e));
  });

  it("a failing create into a repository that existed keeps the repository", async () => {
    const model = "half-kept";
    await registry().createModel({ name: model, description: "kept" });
    failOn(model, /\/tag\//, 500, 10);
    await rejectionOf(registry({ maxRetries: 0 }).createVersion(model, { artifacts: config() }));
    expect(fake.repo(id(model))).toBeDefined();
    expect((await registry().getModel(model)).description).toBe("kept");
  });

  it("an untagged commit left at main's head is tagged by a retry with its key, not committed again", async () => {
    const model = "half-untagged";
    await registry().createVersion(model, { artifacts: config("{}") });
    // The tag fails and so does moving main back: the commit stays at main's head, untagged.
    failOn(model, /\/tag\//, 500, 1);
    failOn(model, /\/branch\/main$/, 500, 1);
    await rejectionOf(registry({ maxRetries: 0 }).createVersion(model, { artifacts: config(), idempotencyKey: "run-9" }));
    const head = fake.refs(id(model)).branches.main;
    expect(recordAt(model, "main")?.version).toBe("2");
    expect(fake.refs(id(model)).tags.v2).toBeUndefined();
    const commits = commitCalls(model).length;
    const v = await registry().createVersion(model, { artifacts: config(), idempotencyKey: "run-9" });
    expect(v.version).toBe("2");
    expect(fake.refs(id(model)).tags.v2).toBe(head);
    expect(commitCalls(model).length).toBe(commits);
    // A create without the key numbers above the untagged commit's number.
    expect((await registry().createVersion(model, { artifacts: config('{"x": 1}') })).version).toBe("3");
  });

  it("without a key, a create after an untagged head commit never reuses its number", async () => {
    const model = "half-number";
    await registry().createVersion(model, { artifacts: config("{}") });
    failOn(model, /\/tag\//, 500, 1);
    failOn(model, /\/branch\/main$/, 500, 1);
    await rejectionOf(registry({ maxRetries: 0 }).createVersion(model, { artifacts: config() }));
    expect(recordAt(model, "main")?.version).toBe("2");
    const v = await registry().createVersion(model, { artifacts: config('{"x": 2}') });
    expect(v.version).toBe("3");
    expect(Object.keys(fake.refs(id(model)).tags).sort()).toEqual(["v1", "v3"]);
  });
});

describe("a commit whose answer is lost", () => {
  it("after the Hub applied it: finds its own commit by its token, tags it, and the version exists once", async () => {
    const model = "lost-commit";
    await registry().createVersion(model, { artifacts: config("{}") });
    const commits = commitCalls(model).length;
    onCommit.cutAfterApplying = 1;
    const v = await registry().createVersion(model, { artifacts: config('{"lost": true}') });
    expect(onCommit.applied).toEqual([200]);
    expect(v.version).toBe("2");
    // One commit call for version 2 reached the Hub: the adapter read main instead of sending it again.
    expect(commitCalls(model).length - commits).toBe(1);
    expect(history(model).filter((c) => c.summary === `modelreg: version 2 of ${model}`)).toHaveLength(1);
    expect(fake.refs(id(model)).tags.v2).toBe(fake.refs(id(model)).branches.main);
    expect(text(fake.fileAt(id(model), "v2", "config.json"))).toBe('{"lost": true}');
  });

  it("of the first version of a new model: the repository stays, the version exists once", async () => {
    const model = "lost-first";
    onCommit.cutAfterApplying = 1;
    const v = await registry().createVersion(model, { artifacts: config() });
    expect(v.version).toBe("1");
    expect(fake.repo(id(model))).toBeDefined();
    expect(Object.keys(fake.refs(id(model)).tags)).toEqual(["v1"]);
    expect(history(model).filter((c) => c.summary.startsWith("modelreg:"))).toHaveLength(1);
  });

  it("a lost answer whose commit another writer built on is still found by its token: ours is 2, theirs 3", async () => {
    const model = "lost-other";
    await registry().createVersion(model, { artifacts: config("{}") });
    // Our commit is applied and its answer lost; before we look, another registry commits on top.
    onCommit.cutAfterApplying = 1;
    let theirs: string | undefined;
    onCommit.after = async () => {
      theirs = (await registry().createVersion(model, { artifacts: { entries: [{ path: "theirs.json", content: "{}" }] } })).version;
    };
    const ours = await registry({ maxRetries: 0 }).createVersion(model, { artifacts: { entries: [{ path: "ours.json", content: "{}" }] } });
    // Ours took 2 (found in main's history by the token in its message), theirs 3: each number names one commit.
    expect([ours.version, theirs]).toEqual(["2", "3"]);
    const refs = fake.refs(id(model));
    expect(Object.keys(refs.tags).sort()).toEqual(["v1", "v2", "v3"]);
    expect(treeAt(model, "v2")).toContain("ours.json");
    expect(treeAt(model, "v3")).toContain("theirs.json");
    expect(history(model).filter((c) => c.summary === `modelreg: version 2 of ${model}`)).toHaveLength(1);
    expect((await registry().createVersion(model, { artifacts: config('{"n": 4}') })).version).toBe("4");
  });

  it("createModel whose answer is lost after the Hub made the repository succeeds (its retry hears 409)", async () => {
    const model = "lost-create-model";
    cutRepoCreate = 1;
    const created = await registry().createModel({ name: model, description: "mine" });
    expect(created.name).toBe(model);
    expect((await registry().getModel(model)).description).toBe("mine");
  });
});

describe("idempotency keys", () => {
  it("a retried call returns the first version without uploading or committing again", async () => {
    const model = "key-retry";
    const first = await registry().createVersion(model, {
      artifacts: { entries: [{ path: "model.bin", content: weights(4096, 1) }] },
      idempotencyKey: "run-42",
    });
    const before = fake.requests.length;
    const again = await registry().createVersion(model, {
      artifacts: { entries: [{ path: "model.bin", content: weights(4096, 2) }] },
      idempotencyKey: "run-42",
    });
    expect(again.version).toBe(first.version);
    const since = fake.requests.slice(before);
    expect(since.filter((r) => r.method === "POST" && /\/(commit|preupload)\/|objects\/batch/.test(r.url))).toEqual([]);
    expect(since.filter((r) => r.url.startsWith(CDN))).toEqual([]);
    expect(Object.keys(fake.refs(id(model)).tags)).toEqual(["v1"]);
    // The key's digest is in the commit message and the record; the key itself is not.
    const head = history(model)[0];
    expect(head?.description).toContain(`modelreg-key: ${sha256("run-42")}`);
    expect(JSON.stringify(recordAt(model, "v1"))).not.toContain("run-42");
    // Another key is another version.
    expect((await registry().createVersion(model, { artifacts: config(), idempotencyKey: "run-43" })).version).toBe("2");
  });

  it("finds a keyed version that is no longer main's head", async () => {
    const model = "key-deep";
    await registry().createVersion(model, { artifacts: config("{}"), idempotencyKey: "k-1" });
    await registry().createVersion(model, { artifacts: config('{"n": 2}') });
    await registry().createVersion(model, { artifacts: config('{"n": 3}') });
    expect((await registry().createVersion(model, { artifacts: config("{}"), idempotencyKey: "k-1" })).version).toBe("1");
    expect(Object.keys(fake.refs(id(model)).tags).sort()).toEqual(["v1", "v2", "v3"]);
  });
});

describe("a keyed retry completes the call it repeats", () => {
  const branchCalls = (model: string) => fake.requests.filter((r) => r.method === "POST" && r.url.startsWith(`${HUB}/api/models/${id(model)}/branch/`));
  /** What subscribers of `reg` hear while `work` runs. */
  async function hearing<T>(reg: ReturnType<typeof registry>, work: () => Promise<T>): Promise<{ value: T; heard: RegistryEvent[] }> {
    const heard: RegistryEvent[] = [];
    const stop = reg.events.subscribe((e) => {
      heard.push(e);
    });
    try {
      return { value: await work(), heard };
    } finally {
      stop();
    }
  }

  it("sets the aliases a first call that failed on them left unset, on the version it made", async () => {
    const model = "key-alias";
    await registry().createVersion(model, { artifacts: config("{}"), aliases: ["champion"] });
    // The first call tags version 2 and moves fresh, then champion's branch fails: the version stays without it.
    failOn(model, /\/branch\/champion$/, 500, 1);
    const call = { artifacts: config(), aliases: ["fresh", "champion"], idempotencyKey: "run-a" };
    const error = await rejectionOf(registry({ maxRetries: 0 }).createVersion(model, call));
    expect(ServerError.isInstance(error), String(error)).toBe(true);
    expect(fake.refs(id(model)).branches.champion).toBe(fake.refs(id(model)).tags.v1);
    expect((await registry().getVersion({ model, version: "2" })).aliases).toEqual(["fresh"]);
    const commits = commitCalls(model).length;
    const branches = branchCalls(model).length;
    const reg = registry();
    const { value: again, heard } = await hearing(reg, () => reg.createVersion(model, call));
    expect(again.version).toBe("2");
    expect([...again.aliases].sort()).toEqual(["champion", "fresh"]);
    expect([...(await registry().getVersion({ model, version: "2" })).aliases].sort()).toEqual(["champion", "fresh"]);
    expect(fake.refs(id(model)).branches.champion).toBe(fake.refs(id(model)).tags.v2);
    expect(Object.keys(fake.refs(id(model)).tags).sort()).toEqual(["v1", "v2"]);
    expect(commitCalls(model).length).toBe(commits);
    // Only champion moved: fresh was on the version already.
    expect(
      branchCalls(model)
        .slice(branches)
        .map((r) => r.url.split("/").at(-1)),
    ).toEqual(["champion"]);
    expect(heard.map((e) => [e.type, e.alias, e.from, e.to])).toEqual([["alias.set", "champion", "1", "2"]]);
  });

  it("sets the aliases too when it tags a commit the first call left untagged", async () => {
    const model = "key-alias-untagged";
    await registry().createVersion(model, { artifacts: config("{}") });
    failOn(model, /\/tag\//, 500, 1);
    failOn(model, /\/branch\/main$/, 500, 1);
    const call = { artifacts: config(), aliases: ["champion"], idempotencyKey: "run-u" };
    await rejectionOf(registry({ maxRetries: 0 }).createVersion(model, call));
    expect(fake.refs(id(model)).tags.v2).toBeUndefined();
    const reg = registry();
    const { value: again, heard } = await hearing(reg, () => reg.createVersion(model, call));
    expect(again.version).toBe("2");
    expect(again.aliases).toEqual(["champion"]);
    expect(fake.refs(id(model)).branches.champion).toBe(fake.refs(id(model)).tags.v2);
    expect(heard.map((e) => [e.type, e.alias, e.version])).toEqual([
      ["version.created", undefined, "2"],
      ["alias.set", "champion", "2"],
    ]);
  });

  it("sends no alias write and tells nobody when the aliases are already on the version", async () => {
    const model = "key-alias-done";
    const call = { artifacts: config(), aliases: ["champion"], idempotencyKey: "run-d" };
    const first = await registry().createVersion(model, call);
    const branches = branchCalls(model).length;
    const reg = registry();
    const { value: again, heard } = await hearing(reg, () => reg.createVersion(model, call));
    expect(again.version).toBe(first.version);
    expect(again.aliases).toEqual(["champion"]);
    expect(branchCalls(model).length).toBe(branches);
    expect(heard).toEqual([]);
  });
});

describe("numbers are never reused", () => {
  it("after deleting the newest version the next one skips its number, and the deletion is in state.json", async () => {
    const model = "numbers-delete";
    await registry().createVersion(model, { artifacts: config("{}") });
    await registry().createVersion(model, { artifacts: config('{"n": 2}'), aliases: ["champion"] });
    await registry().deleteVersion({ model, version: "2" });
    const refs = fake.refs(id(model));
    expect(Object.keys(refs.tags)).toEqual(["v1"]);
    expect(refs.branches.champion).toBeUndefined();
    const state = JSON.parse(text(fake.fileAt(id(model), "modelreg", "state.json")) ?? "{}") as { versions: Record<string, { deleted?: boolean }> };
    expect(state.versions["2"]?.deleted).toBe(true);
    expect((await registry().createVersion(model, { artifacts: config('{"n": 3}') })).version).toBe("3");
  });

  it("remembers a deleted number even after main moved to a commit that is no version", async () => {
    const model = "numbers-moved";
    await registry().createVersion(model, { artifacts: config("{}") });
    await registry().createVersion(model, { artifacts: config('{"n": 2}') });
    await registry().deleteVersion({ model, version: "2" });
    // Another tool commits to main: neither the tags (v1) nor main's head (no record) say 2 was used.
    const repo = fake.repo(id(model));
    if (!repo) throw new Error("no repo");
    fake.commitTo(repo, "main", new Map(repo.commits.get(repo.branches.get("main") as string)?.tree), "edit by hand", "", "other");
    expect((await registry().createVersion(model, { artifacts: config('{"n": 3}') })).version).toBe("3");
  });
});

describe("LFS uploads", () => {
  it("sends a large file in parts when the Hub asks for multipart, with no token to storage", async () => {
    const model = "lfs-multipart";
    fake.multipartThreshold = 1000;
    fake.multipartChunkSize = 700;
    const bytes = weights(2000, 7);
    const before = fake.requests.length;
    const v = await registry().createVersion(model, { artifacts: { entries: [{ path: "model.safetensors", content: bytes }] } });
    const since = fake.requests.slice(before);
    const parts = since.filter((r) => r.method === "PUT" && r.url.startsWith(`${CDN}/upload/`));
    expect(parts.map((r) => [new URL(r.url).searchParams.get("partNumber"), r.status, r.authorized])).toEqual([
      ["1", 200, false],
      ["2", 200, false],
      ["3", 200, false],
    ]);
    expect(since.filter((r) => r.url.startsWith(`${HUB}/api/complete_multipart`)).map((r) => r.status)).toEqual([200]);
    expect(fake.repo(id(model))?.lfs.get(sha256(bytes))).toEqual(bytes);
    expect(fake.commitAt(id(model), "v1")?.tree.get("model.safetensors")?.lfs?.sha256).toBe(sha256(bytes));
    const { stream } = await registry().openArtifact(v, "model.safetensors");
    expect(new Uint8Array(await new Response(stream).arrayBuffer())).toEqual(bytes);
  });

  it("uploads an LFS object once for two paths and not at all when the repository has it", async () => {
    const model = "lfs-dedupe";
    const bytes = weights(3000, 9);
    await registry().createVersion(model, {
      artifacts: {
        entries: [
          { path: "a.bin", content: bytes },
          { path: "b/a.bin", content: bytes },
        ],
      },
    });
    expect(fake.requests.filter((r) => r.method === "PUT" && r.url.includes(`/upload/${id(model)}/`))).toHaveLength(1);
    await registry().createVersion(model, { artifacts: { entries: [{ path: "c.bin", content: bytes }] } });
    expect(fake.requests.filter((r) => r.method === "PUT" && r.url.includes(`/upload/${id(model)}/`))).toHaveLength(1);
    expect(treeAt(model, "v2")).toEqual([".gitattributes", "README.md", "c.bin", "modelreg.json"]);
  });
});

describe("refused before any request", () => {
  it("refuses the reserved paths modelreg.json and .gitattributes", async () => {
    const before = fake.requests.length;
    for (const path of ["modelreg.json", ".gitattributes"]) {
      const error = await rejectionOf(registry().createVersion("reserved", { artifacts: { entries: [{ path, content: "{}" }] } }));
      expect(InvalidInputError.isInstance(error), String(error)).toBe(true);
      expect((error as InvalidInputError).field).toBe("artifacts");
    }
    expect(fake.requests.length).toBe(before);
  });

  it("refuses repository names the Hub cannot hold, for every call", async () => {
    const before = fake.requests.length;
    for (const name of ["a--b", "a..b", "ends.", "ends-", "x.git", "n".repeat(97)]) {
      for (const call of [
        () => registry().createVersion(name, { artifacts: config() }),
        () => registry().createModel({ name }),
        () => registry().getModel(name),
        () => registry().getVersion({ model: name, version: "1" }),
        () => registry().deleteModel(name),
        () => registry().downloadToHubCache({ model: name, version: "1" }, { cacheDir: "/nonexistent" }),
      ]) {
        const error = await rejectionOf(call());
        expect(InvalidInputError.isInstance(error), `${name}: ${String(error)}`).toBe(true);
      }
    }
    expect(fake.requests.length).toBe(before);
  });

  it("refuses the branches the Hub and modelreg use as aliases", async () => {
    const before = fake.requests.length;
    for (const alias of ["main", "modelreg", "HEAD", "staging", "production"]) {
      const error = await rejectionOf(registry().createVersion("aliases", { artifacts: config(), aliases: [alias] }));
      expect(InvalidInputError.isInstance(error), `${alias}: ${String(error)}`).toBe(true);
      expect(InvalidInputError.isInstance(await rejectionOf(registry().setAlias("aliases", alias, "1")))).toBe(true);
    }
    expect(fake.requests.length).toBe(before);
  });
});

describe("what a version commit holds", () => {
  it("exactly its files, a rendered card and its record; the previous version's files are removed", async () => {
    const model = "layout";
    await registry().createVersion(model, {
      artifacts: {
        entries: [
          { path: "config.json", content: "{}" },
          { path: "old/weights.bin", content: weights(100, 3) },
        ],
      },
    });
    const v = await registry().createVersion(model, {
      artifacts: {
        entries: [
          { path: "config.json", content: '{"v": 2}' },
          { path: "sub/dir/tok.txt", content: "tokens" },
        ],
      },
      metrics: { auc: 0.93 },
      providerOptions: { huggingface: { license: "apache-2.0", libraryName: "sklearn" } },
    });
    expect(treeAt(model, "v2")).toEqual([".gitattributes", "README.md", "config.json", "modelreg.json", "sub/dir/tok.txt"]);
    const card = text(fake.fileAt(id(model), "v2", "README.md")) ?? "";
    expect(card).toMatch(/^---\n/);
    expect(card).toContain("apache-2.0");
    expect(card).toContain("sklearn");
    const record = recordAt(model, "v2") as unknown as { version: string; files: Array<{ path: string; sha256: string; size: number }> };
    expect(record.version).toBe(v.version);
    expect(record.files.map((f) => f.path).sort()).toEqual(["config.json", "sub/dir/tok.txt"]);
    expect(record.files.find((f) => f.path === "sub/dir/tok.txt")?.sha256).toBe(sha256("tokens"));
    // README.md and modelreg.json are not the version's files.
    expect((await registry().listArtifacts(v)).map((f) => f.path).sort()).toEqual(["config.json", "sub/dir/tok.txt"]);
  });

  it("keeps a user's README.md verbatim as the card", async () => {
    const model = "own-card";
    const readme = "# My model\n\nHand-written, no front matter. ünïcode ✓\n";
    const v = await registry().createVersion(model, {
      artifacts: {
        entries: [
          { path: "README.md", content: readme },
          { path: "config.json", content: "{}" },
        ],
      },
      metrics: { auc: 0.5 },
    });
    expect(text(fake.fileAt(id(model), "v1", "README.md"))).toBe(readme);
    expect((await registry().listArtifacts(v)).map((f) => f.path).sort()).toEqual(["README.md", "config.json"]);
  });

  it("makes new repositories private unless told otherwise", async () => {
    await registry().createVersion("vis-private", { artifacts: config() });
    await registry({ private: false }).createVersion("vis-public", { artifacts: config() });
    expect(fake.repo(id("vis-private"))?.private).toBe(true);
    expect(fake.repo(id("vis-public"))?.private).toBe(false);
  });
});
