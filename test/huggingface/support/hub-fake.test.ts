// The Hub fake on its own, through plain fetch (msw in-process): the contract it checks requests against is the one
// the derive script makes from @huggingface/hub's types today, and it answers as the Hub does (status codes, error
// headers, git ids, LFS and storage rules, paging). The official clients are held against it in test/huggingface/official/.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CANARY } from "../../support/canary.js";
import { CDN, HF_TOKEN, HUB, HubFake, STRANGER_TOKEN } from "./hub-fake.js";
import { CONTRACT_PATH, typeProblems } from "./hub-fake-contract.js";
import { DEFAULT_GITATTRIBUTES, gitIgnored, lfsTracked, refNameProblem, sha1 } from "./hub-fake-git.js";

const fake = new HubFake();
const server = setupServer(...fake.handlers());
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  fake.multipartThreshold = Number.POSITIVE_INFINITY;
  fake.treePageSize = 1000;
});
afterAll(() => server.close());

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const ndjson = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join("\n");
let repos = 0;

/** A request to the fake, as `token`'s owner (HF_TOKEN by default; null for none). */
function call(method: string, path: string, init: { token?: string | null; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {}) {
  const token = init.token === undefined ? HF_TOKEN : init.token;
  const headers: Record<string, string> = { ...(token && { Authorization: `Bearer ${token}` }), ...init.headers };
  if (init.json !== undefined) headers["Content-Type"] ??= "application/json";
  const url = path.startsWith("http") ? path : `${HUB}${path}`;
  return fetch(url, { method, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body, redirect: "manual" });
}

/** A new repository of user tester (or `org`), created through the API. */
async function newRepo(options: { private?: boolean; org?: string } = {}): Promise<string> {
  const name = `model-${++repos}`;
  const response = await call("POST", "/api/repos/create", {
    json: { name, organization: options.org ?? null, visibility: options.private ? "private" : undefined },
  });
  expect(response.status).toBe(200);
  return `${options.org ?? "tester"}/${name}`;
}

function commit(repo: string, lines: unknown[], branch = "main") {
  return call("POST", `/api/models/${repo}/commit/${branch}`, { body: ndjson(...lines), headers: { "Content-Type": "application/x-ndjson" } });
}

const header = (summary = "change", parentCommit?: string) => ({ key: "header", value: { summary, description: "", ...(parentCommit && { parentCommit }) } });
const file = (path: string, content: string | Buffer) => ({
  key: "file",
  value: { path, content: Buffer.from(content).toString("base64"), encoding: "base64" },
});

/** Uploads `bytes` through the LFS batch API and the signed URL it hands out; returns the sha256. */
async function uploadLfs(repo: string, bytes: Buffer): Promise<string> {
  const oid = sha256(bytes);
  const batch = await call("POST", `/${repo}.git/info/lfs/objects/batch`, {
    body: JSON.stringify({ operation: "upload", transfers: ["basic", "multipart"], hash_algo: "sha256", objects: [{ oid, size: bytes.length }] }),
    headers: { Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" },
  });
  const object = (await batch.json()).objects[0];
  if (object.actions) expect((await fetch(object.actions.upload.href, { method: "PUT", body: new Uint8Array(bytes) })).status).toBe(200);
  return oid;
}

describe("the Hub contract", () => {
  it("is what scripts/derive-hf-contract.mjs derives from the installed @huggingface/hub now", async () => {
    const script = pathToFileURL(join(import.meta.dirname, "../../../scripts/derive-hf-contract.mjs")).href;
    const { deriveHfContract } = (await import(script)) as { deriveHfContract: () => unknown };
    expect(JSON.parse(readFileSync(CONTRACT_PATH, "utf8"))).toEqual(deriveHfContract());
  });

  it("refuses wrong types, missing required fields and values outside enums, and ignores unknown fields", () => {
    expect(typeProblems("CreateTagBody", { tag: "v1", extra: 1 })).toEqual([]);
    expect(typeProblems("CreateTagBody", { message: "m" })).toEqual(["$.tag: required"]);
    expect(typeProblems("ApiLfsBatchRequest", { operation: "upload", objects: [{ oid: "a", size: "1" }] })).toEqual([
      "$.objects[0].size: expected number, got string",
    ]);
    expect(typeProblems("ApiCommitLine", { key: "lfsFile", value: { path: "a", algo: "md5" } })).toEqual(['$.value.algo: "md5" is not one of "sha256"']);
    expect(typeProblems("ApiCommitLine", { key: "deletedFolder", value: { path: "a/" } })).toEqual([]);
    // Python sends create_repo's organization as null when the id has no namespace, and no type.
    expect(typeProblems("ApiCreateRepoPayload", { name: "x", organization: null })).toEqual([]);
  });
});

describe("git rules", () => {
  it("matches .gitattributes and .gitignore patterns as git does", () => {
    expect(lfsTracked(DEFAULT_GITATTRIBUTES, "a/b/model.safetensors")).toBe(true);
    expect(lfsTracked(DEFAULT_GITATTRIBUTES, "saved_model/variables/data")).toBe(true);
    expect(lfsTracked(DEFAULT_GITATTRIBUTES, "events.out.tfevents.1")).toBe(true);
    expect(lfsTracked(DEFAULT_GITATTRIBUTES, "README.md")).toBe(false);
    expect(lfsTracked("my[[:space:]]file.dat filter=lfs\n", "my file.dat")).toBe(true);
    expect(lfsTracked("*.bin filter=lfs\nkeep.bin -filter\n", "keep.bin")).toBe(false);
    expect(gitIgnored("logs/\n*.tmp\n!keep.tmp\n", "logs/a.txt")).toBe(true);
    expect(gitIgnored("logs/\n*.tmp\n!keep.tmp\n", "x/keep.tmp")).toBe(false);
    for (const bad of ["a b", "a..b", "-x", "x.lock", "x/", "a~1", "a:b", "a\\b"]) expect(refNameProblem(bad), bad).toBeDefined();
    for (const good of ["v1", "feature/x", "champion", "v1.0"]) expect(refNameProblem(good), good).toBeUndefined();
  });
});

describe("repositories and access", () => {
  it("creates a repository with the Hub's first commit, and answers 409 with its url when it exists", async () => {
    const id = await newRepo();
    const again = await call("POST", "/api/repos/create", { json: { name: id.split("/")[1], organization: "tester", type: "model" } });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: "You already created this model repo", url: `${HUB}/${id}` });
    const main = fake.commitAt(id, "main");
    expect(main?.summary).toBe("initial commit");
    expect([...(main?.tree.keys() ?? [])]).toEqual([".gitattributes"]);
    expect(Buffer.from(fake.fileAt(id, "main", ".gitattributes") ?? []).toString()).toBe(DEFAULT_GITATTRIBUTES);
    const info = await (await call("GET", `/api/models/${id}`)).json();
    expect(info).toMatchObject({ id, sha: main?.oid, private: false, siblings: [{ rfilename: ".gitattributes" }] });
    expect(typeProblems("ApiCreateRepoPayload", { name: 1 })).not.toEqual([]);
  });

  it("refuses bad names, foreign namespaces, missing and wrong tokens, and malformed bodies", async () => {
    const status = async (r: Promise<Response>) => (await r).status;
    expect(await status(call("POST", "/api/repos/create", { json: { name: "-bad" } }))).toBe(400);
    expect(await status(call("POST", "/api/repos/create", { json: { name: "x", organization: "elsewhere" } }))).toBe(403);
    expect(await status(call("POST", "/api/repos/create", { json: { name: "x" }, token: null }))).toBe(401);
    const wrong = await call("POST", "/api/repos/create", { json: { name: "x" }, token: "hf_notAKnownTokenAtAllQqQqQqQqQqQqQq" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("X-Error-Message")).toBe("Invalid credentials in Authorization header");
    const malformed = await call("POST", "/api/repos/create", { json: { name: 7 } });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toMatch(/\$\.name: expected string/);
  });

  it("hides a private repository: 401 to anonymous callers, 404 to others, both RepoNotFound", async () => {
    const id = await newRepo({ private: true, org: "acme" });
    const anonymous = await call("GET", `/api/models/${id}`, { token: null });
    const stranger = await call("GET", `/api/models/${id}`, { token: STRANGER_TOKEN });
    expect([anonymous.status, anonymous.headers.get("X-Error-Code")]).toEqual([401, "RepoNotFound"]);
    expect([stranger.status, stranger.headers.get("X-Error-Code")]).toEqual([404, "RepoNotFound"]);
    expect((await call("GET", `/api/models/${id}`)).status).toBe(200);
    expect((await call("GET", `/api/models/${id.toUpperCase()}`)).status).toBe(200);
    const listed = async (token: string | null) => (await (await call("GET", "/api/models?author=acme", { token })).json()).map((m: { id: string }) => m.id);
    expect(await listed(HF_TOKEN)).toContain(id);
    expect(await listed(STRANGER_TOKEN)).not.toContain(id);
    expect((await call("DELETE", "/api/repos/delete", { json: { name: id.split("/")[1], organization: "acme" }, token: STRANGER_TOKEN })).status).toBe(404);
    expect((await call("DELETE", "/api/repos/delete", { json: { name: id.split("/")[1], organization: "acme" } })).status).toBe(200);
    expect(fake.repo(id)).toBeUndefined();
  });
});

describe("commits", () => {
  it("commits regular files, refuses a stale parent with 412, and keeps every commit", async () => {
    const id = await newRepo();
    const first = fake.commitAt(id, "main")?.oid as string;
    const ok = await commit(id, [header("add", first), file("a.txt", "hello"), file("dir/b.txt", "nested")]);
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body).toMatchObject({ commitUrl: `${HUB}/${id}/commit/${body.commitOid}`, hookOutput: "" });
    expect(fake.commitAt(id, "main")).toMatchObject({ oid: body.commitOid, parents: [first], summary: "add" });
    expect(fake.commitAt(id, "main")?.tree.get("a.txt")?.oid).toBe(sha1(Buffer.concat([Buffer.from("blob 5\0"), Buffer.from("hello")])));
    const stale = await commit(id, [header("late", first), file("c.txt", "x")]);
    expect(stale.status).toBe(412);
    expect((await stale.json()).error).toBe("The branch was updated since you opened this page. Please refresh and try again.");
    expect(fake.fileAt(id, "main", "c.txt")).toBeUndefined();
    expect(fake.commitAt(id, first)?.oid).toBe(first);
  });

  it("answers the Hub's errors for missing paths, bad paths, missing LFS objects, no operations and unknown lines", async () => {
    const id = await newRepo();
    const missing = await commit(id, [header(), { key: "deletedFile", value: { path: "nope.txt" } }]);
    expect([missing.status, missing.headers.get("X-Error-Code")]).toEqual([404, "EntryNotFound"]);
    expect((await commit(id, [header(), file("..\\ddd", "x")])).status).toBe(422);
    const lfs = await commit(id, [header(), { key: "lfsFile", value: { path: "w.bin", algo: "sha256", oid: sha256("never uploaded"), size: 14 } }]);
    expect(lfs.status).toBe(422);
    expect((await commit(id, [header()])).status).toBe(400);
    const unknown = await commit(id, [header(), { key: "renamedFile", value: { path: "a" } }]);
    expect([unknown.status, (await unknown.json()).error]).toEqual([400, expect.stringContaining("matches none of the forms")]);
    expect((await commit(id, [header(), file("a", "x")], "no-such-branch")).headers.get("X-Error-Code")).toBe("RevisionNotFound");
    // Pull requests are not modelled: the fake says so rather than committing to main.
    expect((await commit(id, [header(), file("a", "x")], "main?create_pr=1")).status).toBe(400);
    expect(fake.fileAt(id, "main", "a")).toBeUndefined();
  });

  it("deletes folders (Python's deletedFolder) and tracks LFS files no pattern covers in .gitattributes", async () => {
    const id = await newRepo();
    const blob = Buffer.from([1, 0, 2, 0, 3]);
    const preupload = await call("POST", `/api/models/${id}/preupload/main`, {
      json: {
        files: [
          { path: "notes.txt", size: 4, sample: Buffer.from("text").toString("base64") },
          { path: "weights.data", size: 5, sample: blob.toString("base64") },
          { path: "model.safetensors", size: 3, sample: Buffer.from("abc").toString("base64") },
          { path: "huge.txt", size: 10 * 1024 * 1024, sample: Buffer.from("text").toString("base64") },
        ],
      },
    });
    expect((await preupload.json()).files.map((f: { uploadMode: string; shouldIgnore: boolean }) => [f.uploadMode, f.shouldIgnore])).toEqual([
      ["regular", false],
      ["lfs", false],
      ["lfs", false],
      ["lfs", false],
    ]);
    const oid = await uploadLfs(id, blob);
    const done = await commit(id, [
      header(),
      file("dir/a.txt", "a"),
      file("dir/sub/b.txt", "b"),
      { key: "lfsFile", value: { path: "weights.data", algo: "sha256", oid, size: 5 } },
    ]);
    expect(done.status).toBe(200);
    expect(Buffer.from(fake.fileAt(id, "main", ".gitattributes") ?? []).toString()).toBe(
      `${DEFAULT_GITATTRIBUTES}weights.data filter=lfs diff=lfs merge=lfs -text\n`,
    );
    expect(fake.commitAt(id, "main")?.tree.get("weights.data")?.lfs).toEqual({ sha256: oid, size: 5, pointerSize: 126 });
    const again = await call("POST", `/api/models/${id}/preupload/main`, {
      json: { files: [{ path: "weights.data", size: 5, sample: blob.toString("base64") }] },
    });
    expect((await again.json()).files[0].oid).toBe(oid);
    expect((await commit(id, [header(), { key: "deletedFolder", value: { path: "dir/" } }])).status).toBe(200);
    expect([...(fake.commitAt(id, "main")?.tree.keys() ?? [])].sort()).toEqual([".gitattributes", "weights.data"]);
  });
});

describe("LFS and storage", () => {
  it("hands out signed upload URLs that refuse credentials, unsigned requests and wrong bytes, and skips held objects", async () => {
    const id = await newRepo();
    const bytes = Buffer.from("large file content");
    const oid = sha256(bytes);
    const body = JSON.stringify({ operation: "upload", transfers: ["basic"], objects: [{ oid, size: bytes.length }] });
    const lfsHeaders = { Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" };
    expect((await call("POST", `/${id}.git/info/lfs/objects/batch`, { body, headers: { "Content-Type": "application/vnd.git-lfs+json" } })).status).toBe(406);
    expect((await call("POST", `/${id}.git/info/lfs/objects/batch`, { body: body.replace('["basic"]', '["xet"]'), headers: lfsHeaders })).status).toBe(422);
    const batch = await (await call("POST", `/${id}.git/info/lfs/objects/batch`, { body, headers: lfsHeaders })).json();
    expect(batch.transfer).toBe("basic");
    const href = batch.objects[0].actions.upload.href as string;
    expect(href.startsWith(`${CDN}/upload/${id}/${oid}?`)).toBe(true);
    expect(new URL(href).searchParams.get("X-Amz-Signature")).toBe(CANARY.urlSignature);
    const withToken = await fetch(href, { method: "PUT", body: bytes, headers: { Authorization: `Bearer ${HF_TOKEN}` } });
    expect([withToken.status, await withToken.text()]).toEqual([400, expect.stringContaining("Only one auth mechanism allowed")]);
    expect((await fetch(href.replace(CANARY.urlSignature, "forged"), { method: "PUT", body: bytes })).status).toBe(403);
    expect((await fetch(href, { method: "PUT", body: Buffer.from("other content of same size") })).status).toBe(400);
    expect((await call("POST", batch.objects[0].actions.verify.href, { json: { oid, size: bytes.length } })).status).toBe(404);
    expect((await fetch(href, { method: "PUT", body: bytes })).status).toBe(200);
    expect((await call("POST", batch.objects[0].actions.verify.href, { json: { oid, size: bytes.length } })).status).toBe(200);
    const held = await (await call("POST", `/${id}.git/info/lfs/objects/batch`, { body, headers: lfsHeaders })).json();
    expect(held.objects).toEqual([{ oid, size: bytes.length }]);
    expect(fake.repo(id)?.lfs.get(oid)).toEqual(new Uint8Array(bytes));
  });

  it("splits large objects into parts and completes them only with every part's ETag", async () => {
    const id = await newRepo();
    fake.multipartThreshold = 1000;
    const bytes = Buffer.alloc(2500, 7);
    const oid = sha256(bytes);
    const batch = await (
      await call("POST", `/${id}.git/info/lfs/objects/batch`, {
        body: JSON.stringify({ operation: "upload", objects: [{ oid, size: bytes.length }] }),
        headers: { Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" },
      })
    ).json();
    const { href, header } = batch.objects[0].actions.upload;
    const chunk = Number(header.chunk_size);
    const parts = Object.keys(header).filter((k) => /^\d+$/.test(k));
    expect(parts).toEqual(Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => String(i + 1).padStart(5, "0")));
    const etags = [];
    for (const [i, part] of parts.entries()) {
      const r = await fetch(header[part], { method: "PUT", body: bytes.subarray(i * chunk, (i + 1) * chunk) });
      etags.push({ partNumber: i + 1, etag: r.headers.get("ETag") as string });
    }
    expect((await fetch(href, { method: "POST", body: JSON.stringify({ oid, parts: etags.slice(1) }) })).status).toBe(400);
    expect((await fetch(href, { method: "POST", body: JSON.stringify({ oid, parts: etags }) })).status).toBe(200);
    expect(fake.repo(id)?.lfs.get(oid)?.length).toBe(bytes.length);
  });
});

describe("resolve", () => {
  it("redirects regular files to resolve-cache and LFS files to signed storage, with the Hub's headers and Range", async () => {
    const id = await newRepo();
    const big = Buffer.from("0123456789".repeat(10));
    const oid = await uploadLfs(id, big);
    await commit(id, [header(), file("dir/a b.txt", "hello world"), { key: "lfsFile", value: { path: "w.bin", algo: "sha256", oid, size: big.length } }]);
    const head = fake.commitAt(id, "main");
    const regular = await call("HEAD", `/${id}/resolve/main/dir/a%20b.txt`);
    expect(regular.status).toBe(307);
    expect(regular.headers.get("X-Repo-Commit")).toBe(head?.oid);
    expect(regular.headers.get("Location")).toBe(`/api/resolve-cache/models/${id}/${head?.oid}/dir/a%20b.txt`);
    const range = await call("GET", `/${id}/resolve/main/dir/a%20b.txt`, { headers: { Range: "bytes=6-" } });
    expect([range.status, range.headers.get("Content-Range"), await range.text()]).toEqual([307, null, ""]);
    const followed = await fetch(`${HUB}/${id}/resolve/main/dir/a%20b.txt`, { headers: { Range: "bytes=6-", Authorization: `Bearer ${HF_TOKEN}` } });
    expect([followed.status, followed.headers.get("Content-Range"), await followed.text()]).toEqual([206, "bytes 6-10/11", "world"]);
    const lfs = await call("HEAD", `/${id}/resolve/${head?.oid}/w.bin`);
    expect(lfs.status).toBe(302);
    expect([lfs.headers.get("X-Linked-Etag"), lfs.headers.get("X-Linked-Size")]).toEqual([`"${oid}"`, "100"]);
    const location = lfs.headers.get("Location") as string;
    expect(location.startsWith(`${CDN}/lfs/${id}/${oid}?`)).toBe(true);
    expect((await fetch(location, { headers: { Authorization: `Bearer ${HF_TOKEN}` } })).status).toBe(400);
    expect(Buffer.from(await (await fetch(location)).arrayBuffer())).toEqual(big);
    const pointer = await call("GET", `/${id}/raw/main/w.bin`);
    expect([pointer.status, await pointer.text()]).toEqual([200, `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 100\n`]);
    expect(await (await call("GET", `/${id}/raw/main/dir/a%20b.txt`)).text()).toBe("hello world");
    const missing = await call("HEAD", `/${id}/resolve/main/nope.txt`);
    expect([missing.status, missing.headers.get("X-Error-Code"), missing.headers.get("X-Repo-Commit")]).toEqual([404, "EntryNotFound", head?.oid]);
    expect((await call("HEAD", `/${id}/resolve/nope/a.txt`)).headers.get("X-Error-Code")).toBe("RevisionNotFound");
    expect(fake.requests.filter((r) => r.url.startsWith(CDN) && r.status < 400).every((r) => !r.authorized)).toBe(true);
  });
});

describe("refs, listings and paging", () => {
  it("creates, refuses and deletes tags and branches as the Hub does", async () => {
    const id = await newRepo();
    const main = fake.commitAt(id, "main")?.oid as string;
    const tag = (rev: string, name: string) => call("POST", `/api/models/${id}/tag/${encodeURIComponent(rev)}`, { json: { tag: name } });
    expect((await tag("main", "v1")).status).toBe(200);
    expect((await tag("main", "v1")).status).toBe(409);
    expect((await tag(main.slice(0, 7), "short")).status).toBe(200);
    expect((await tag("nope", "invalid tag")).headers.get("X-Error-Code")).toBe("RevisionNotFound");
    expect((await tag("main", "invalid tag")).status).toBe(400);
    expect((await call("DELETE", `/api/models/${id}/tag/v9`)).headers.get("X-Error-Code")).toBe("RevisionNotFound");
    expect((await call("DELETE", `/api/models/${id}/tag/main`)).status).toBe(500);
    const branch = (name: string, json: unknown = {}) => call("POST", `/api/models/${id}/branch/${encodeURIComponent(name)}`, { json });
    expect((await branch("v1")).status).toBe(200);
    const exists = await branch("v1");
    expect([exists.status, (await exists.json()).error]).toEqual([409, "Reference refs/heads/v1 already exists"]);
    expect((await branch("refs/pr/5")).status).toBe(400);
    expect((await branch("orphan", { emptyBranch: true })).status).toBe(200);
    expect(fake.commitAt(id, "orphan")?.tree.size).toBe(0);
    expect((await branch("orphan", { startingPoint: "v1", overwrite: true })).status).toBe(200);
    expect((await call("DELETE", `/api/models/${id}/branch/main`)).status).toBe(403);
    expect((await (await call("DELETE", `/api/models/${id}/branch/short`)).json()).error).toMatch(/Invalid rev id/);
    expect((await call("DELETE", `/api/models/${id}/branch/orphan`)).status).toBe(200);
    const refs = await (await call("GET", `/api/models/${id}/refs?include_prs=1`)).json();
    expect(refs).toEqual({
      branches: [
        { name: "main", ref: "refs/heads/main", targetCommit: main },
        { name: "v1", ref: "refs/heads/v1", targetCommit: main },
      ],
      converts: [],
      tags: [
        { name: "v1", ref: "refs/tags/v1", targetCommit: main },
        { name: "short", ref: "refs/tags/short", targetCommit: main },
      ],
      pullRequests: [],
    });
    expect(typeProblems("ApiGitRefs", refs)).toEqual([]);
  });

  it("pages trees, commits and model listings with Link, and lists expand's fields only", async () => {
    const id = await newRepo();
    for (const n of [1, 2, 3]) await commit(id, [header(`commit ${n}`), file(`d/f${n}.txt`, String(n))]);
    fake.treePageSize = 2;
    const pages: unknown[][] = [];
    let next: string | undefined = `${HUB}/api/models/${id}/tree/main?recursive=true&expand=true`;
    while (next) {
      const r = await call("GET", next);
      pages.push(await r.json());
      next = /<([^>]+)>; rel="next"/.exec(r.headers.get("Link") ?? "")?.[1];
    }
    const entries = pages.flat() as Array<Record<string, unknown>>;
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(entries.map((e) => e.path)).toEqual([".gitattributes", "d", "d/f1.txt", "d/f2.txt", "d/f3.txt"]);
    expect(entries.every((e) => typeProblems("ApiIndexTreeEntry", e).length === 0)).toBe(true);
    expect(entries.find((e) => e.path === "d/f1.txt")?.lastCommit).toMatchObject({ title: "commit 1" });
    expect(entries.find((e) => e.path === "d")?.lastCommit).toMatchObject({ title: "commit 3" });
    const form = await call("POST", `/api/models/${id}/paths-info/main`, {
      body: "paths=d&paths=d%2Ff2.txt&paths=missing&expand=True",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect((await form.json()).map((e: { path: string; type: string }) => [e.path, e.type])).toEqual([
      ["d", "directory"],
      ["d/f2.txt", "file"],
    ]);
    const commits = await call("GET", `/api/models/${id}/commits/main?limit=3`);
    expect(commits.headers.get("X-Total-Count")).toBe("4");
    expect(commits.headers.get("Link")).toBe(`<${HUB}/api/models/${id}/commits/main?limit=3&p=1>; rel="next"`);
    const listed = await commits.json();
    expect(listed.map((c: { title: string }) => c.title)).toEqual(["commit 3", "commit 2", "commit 1"]);
    expect(listed.every((c: unknown) => typeProblems("ApiCommitData", c).length === 0)).toBe(true);
    const expanded = await (await call("GET", `/api/models?author=tester&search=${id.split("/")[1]}&expand=sha`)).json();
    expect(expanded).toEqual([{ _id: fake.repo(id)?.objectId, id, sha: fake.commitAt(id, "main")?.oid }]);
    expect((await call("GET", "/api/models?expand=foo")).status).toBe(400);
  });

  it("validates card metadata, injects faults, and answers unknown routes with a JSON 404", async () => {
    const yaml = (content: string) => call("POST", "/api/validate-yaml", { json: { content, repoType: "model" } });
    expect(await (await yaml("---\nlicense: mit\ntags:\n- a\n---\n# card")).json()).toEqual({ errors: [], warnings: [] });
    expect((await (await yaml("no metadata")).json()).warnings).toHaveLength(1);
    expect((await yaml("---\nlicense: mit\n")).status).toBe(400);
    fake.failNext({ method: "GET", url: "/api/models/tester/" }, 503);
    fake.failNext({ url: /\/refs$/ }, "reset");
    expect((await call("GET", "/api/models/tester/anything")).status).toBe(503);
    await expect(call("GET", "/api/models/tester/anything/refs")).rejects.toThrow();
    const unknown = await call("GET", "/api/spaces/tester/x");
    expect([unknown.status, (await unknown.json()).error]).toEqual([404, expect.stringContaining("no route for GET /api/spaces/tester/x")]);
  });
});
