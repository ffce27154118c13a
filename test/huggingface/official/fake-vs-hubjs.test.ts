// Hugging Face's official JS client (@huggingface/hub 2.17.5) against the Hub fake, twice: in-process through msw (as
// the adapter's unit tests run) and over loopback sockets with Node's own fetch (undici follows the redirects and drops
// the token on the way to storage itself). What it uploads lands in the fake as the Hub stores it; what it reads back
// is what was uploaded. Where the client and the fake disagree, the fake is wrong.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as hubjs from "@huggingface/hub";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CDN, HF_TOKEN, HUB, HubFake } from "../support/hub-fake.js";
import { DEFAULT_GITATTRIBUTES } from "../support/hub-fake-git.js";
import { HUB_TEST_TIMEOUT_MS, useHubLoopback } from "./support/hub-official.js";

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const REPO = "acme/js-model";

/** What the client commits: a small JSON file, an LFS file by pattern (.bin, over 1 MiB), a binary one by its NUL bytes. */
const FILES: Record<string, Buffer> = {
  "config.json": Buffer.from('{"threshold": 0.5}\n'),
  "weights.bin": Buffer.from(Array.from({ length: 1200 * 1024 }, (_, i) => (i * 7 + (i >> 10)) & 0xff)),
  "sub/data.raw": Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => i % 251)),
};
const digests = Object.fromEntries(Object.entries(FILES).map(([path, bytes]) => [path, sha256(bytes)]));

/** The JS client's calls and what the fake holds after each, against `target()` (its fake and the URL to use). */
function hubJsSuite(target: () => { fake: HubFake; hubUrl: string }) {
  const params = () => ({ accessToken: HF_TOKEN, hubUrl: target().hubUrl });
  let first = "";

  it(
    "creates a private repository and commits small files inline and large or binary ones through LFS (useXet: false)",
    async () => {
      const { fake, hubUrl } = target();
      const created = await hubjs.createRepo({ ...params(), repo: REPO, private: true });
      expect(created.repoUrl).toBe(`${hubUrl}/${REPO}`);
      expect(created.id).toBe(fake.repo(REPO)?.objectId);
      expect(fake.repo(REPO)?.private).toBe(true);
      const out = await hubjs.commit({
        ...params(),
        repo: REPO,
        title: "First version",
        description: "from hub.js",
        useXet: false,
        operations: Object.entries(FILES).map(([path, bytes]) => ({ operation: "addOrUpdate" as const, path, content: new Blob([new Uint8Array(bytes)]) })),
      });
      first = out?.commit.oid as string;
      expect(out?.commit.url).toBe(`${hubUrl}/${REPO}/commit/${first}`);
      const head = fake.commitAt(REPO, "main");
      expect(head).toMatchObject({ oid: first, summary: "First version", description: "from hub.js" });
      const kinds = Object.fromEntries([...(head?.tree ?? [])].map(([path, e]) => [path, e.lfs ? `lfs ${e.lfs.sha256}` : "regular"]));
      expect(kinds).toEqual({
        ".gitattributes": "regular",
        "config.json": "regular",
        "weights.bin": `lfs ${digests["weights.bin"]}`,
        "sub/data.raw": `lfs ${digests["sub/data.raw"]}`,
      });
      for (const path of Object.keys(FILES)) expect(sha256(fake.fileAt(REPO, "main", path) ?? ""), path).toBe(digests[path]);
      expect(Buffer.from(fake.fileAt(REPO, "main", ".gitattributes") ?? []).toString()).toBe(
        `${DEFAULT_GITATTRIBUTES}sub/data.raw filter=lfs diff=lfs merge=lfs -text\n`,
      );
      const storage = fake.requests.filter((r) => r.url.startsWith(CDN));
      expect(storage.map((r) => [r.method, r.status, r.authorized])).toEqual([
        ["PUT", 200, false],
        ["PUT", 200, false],
      ]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "refuses a stale parentCommit with 412, and uploads nothing again for content the repository holds",
    async () => {
      const { fake } = target();
      const puts = () => fake.requests.filter((r) => r.url.startsWith(CDN) && r.method === "PUT").length;
      const before = puts();
      const second = await hubjs.uploadFiles({
        ...params(),
        repo: REPO,
        useXet: false,
        commitTitle: "Same weights, new name",
        files: [{ path: "copy/weights.bin", content: new Blob([new Uint8Array(FILES["weights.bin"] as Buffer)]) }],
      });
      expect(puts()).toBe(before);
      expect(fake.commitAt(REPO, "main")?.oid).toBe(second?.commit.oid);
      const stale = hubjs.commit({
        ...params(),
        repo: REPO,
        title: "Late",
        parentCommit: first,
        useXet: false,
        operations: [{ operation: "addOrUpdate", path: "late.txt", content: new Blob(["late"]) }],
      });
      await expect(stale).rejects.toMatchObject({ statusCode: 412, message: expect.stringContaining("The branch was updated since you opened this page") });
      expect(fake.fileAt(REPO, "main", "late.txt")).toBeUndefined();
      await hubjs.deleteFile({ ...params(), repo: REPO, path: "copy/weights.bin" });
      expect(fake.fileAt(REPO, "main", "copy/weights.bin")).toBeUndefined();
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "lists files, model info, paths info and commits as the fake holds them",
    async () => {
      const { fake } = target();
      const head = fake.commitAt(REPO, "main");
      const listed = [];
      for await (const entry of hubjs.listFiles({ ...params(), repo: REPO, recursive: true })) listed.push(entry);
      expect(listed.map((e) => [e.path, e.type, e.size, e.lfs?.oid ?? null])).toEqual([
        [".gitattributes", "file", head?.tree.get(".gitattributes")?.size, null],
        ["config.json", "file", FILES["config.json"]?.length, null],
        ["sub", "directory", 0, null],
        ["sub/data.raw", "file", FILES["sub/data.raw"]?.length, digests["sub/data.raw"]],
        ["weights.bin", "file", FILES["weights.bin"]?.length, digests["weights.bin"]],
      ]);
      const info = await hubjs.modelInfo({ ...params(), name: REPO, additionalFields: ["sha", "filePaths"] });
      expect(info).toMatchObject({ id: fake.repo(REPO)?.objectId, name: REPO, private: true, sha: head?.oid, gated: false });
      expect(info.filePaths.sort()).toEqual([...(head?.tree.keys() ?? [])].sort());
      const paths = await hubjs.pathsInfo({ ...params(), repo: REPO, paths: ["weights.bin", "sub", "missing"], expand: true });
      expect(paths.map((p) => [p.path, p.type, p.lastCommit.id])).toEqual([
        ["weights.bin", "file", first],
        ["sub", "directory", first],
      ]);
      const commits = [];
      for await (const c of hubjs.listCommits({ ...params(), repo: REPO, batchSize: 2 })) commits.push(c);
      expect(commits.map((c) => c.title)).toEqual(["Delete copy/weights.bin", "Same weights, new name", "First version", "initial commit"]);
      expect(commits[0]?.oid).toBe(head?.oid);
      expect(await hubjs.countCommits({ ...params(), repo: REPO })).toBe(4);
      const models = [];
      for await (const m of hubjs.listModels({ ...params(), search: { owner: "acme" } })) models.push(m);
      expect(models.map((m) => [m.name, m.private, m.updatedAt.toISOString()])).toEqual([[REPO, true, head?.date]]);
      expect(await hubjs.repoExists({ ...params(), repo: REPO })).toBe(true);
      expect(await hubjs.repoExists({ hubUrl: target().hubUrl, repo: REPO })).toBe(false);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "downloads every file byte for byte, and snapshotDownload writes the cache layout",
    async () => {
      const { fake } = target();
      for (const path of Object.keys(FILES)) {
        const blob = await hubjs.downloadFile({ ...params(), repo: REPO, path });
        expect(sha256(new Uint8Array((await blob?.arrayBuffer()) ?? new ArrayBuffer(0))), path).toBe(digests[path]);
      }
      const info = await hubjs.fileDownloadInfo({ ...params(), repo: REPO, path: "weights.bin" });
      expect(info).toMatchObject({ size: FILES["weights.bin"]?.length, etag: `"${digests["weights.bin"]}"` });
      expect(await hubjs.downloadFile({ ...params(), repo: REPO, path: "missing.txt" })).toBeNull();
      expect(await hubjs.fileExists({ ...params(), repo: REPO, path: "weights.bin" })).toBe(true);
      expect(await hubjs.fileExists({ ...params(), repo: REPO, path: "missing.txt" })).toBe(false);
      const cacheDir = await mkdtemp(join(tmpdir(), "modelreg-hubjs-cache-"));
      try {
        const head = fake.commitAt(REPO, "main")?.oid as string;
        const snapshot = await hubjs.snapshotDownload({ ...params(), repo: REPO, cacheDir });
        expect(snapshot).toBe(join(cacheDir, "models--acme--js-model", "snapshots", head));
        for (const path of Object.keys(FILES)) expect(sha256(await readFile(join(snapshot, path))), path).toBe(digests[path]);
        expect(await readFile(join(cacheDir, "models--acme--js-model", "refs", "main"), "utf8")).toBe(head);
        expect(sha256(await readFile(join(cacheDir, "models--acme--js-model", "blobs", digests["weights.bin"] as string)))).toBe(digests["weights.bin"]);
      } finally {
        await rm(cacheDir, { recursive: true, force: true });
      }
      const storage = fake.requests.filter((r) => r.url.startsWith(CDN) && r.method === "GET");
      expect(storage.length).toBeGreaterThan(0);
      expect(storage.every((r) => r.status < 400 && !r.authorized)).toBe(true);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "creates, moves, empties and deletes branches, and refuses an existing one with 409",
    async () => {
      const { fake } = target();
      const head = fake.commitAt(REPO, "main")?.oid as string;
      await hubjs.createBranch({ ...params(), repo: REPO, branch: "champion", revision: first });
      await expect(hubjs.createBranch({ ...params(), repo: REPO, branch: "champion" })).rejects.toMatchObject({
        statusCode: 409,
        message: expect.stringContaining("Reference refs/heads/champion already exists"),
      });
      expect(fake.refs(REPO).branches.champion).toBe(first);
      await hubjs.createBranch({ ...params(), repo: REPO, branch: "champion", overwrite: true });
      expect(fake.refs(REPO).branches.champion).toBe(head);
      await hubjs.createBranch({ ...params(), repo: REPO, branch: "state", empty: true });
      expect(fake.commitAt(REPO, "state")).toMatchObject({ parents: [], tree: new Map() });
      await hubjs.deleteBranch({ ...params(), repo: REPO, branch: "state" });
      expect(fake.refs(REPO).branches).toEqual({ main: head, champion: head });
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "uploads an object over the multipart threshold in parts, which the completion call assembles",
    async () => {
      const { fake } = target();
      const big = Buffer.from(Array.from({ length: 700 * 1024 }, (_, i) => (i * 13 + (i >> 12)) & 0xff));
      const mark = fake.requests.length;
      fake.multipartThreshold = 300 * 1024;
      fake.multipartChunkSize = 256 * 1024;
      try {
        await hubjs.uploadFiles({ ...params(), repo: REPO, useXet: false, files: [{ path: "parts/big.bin", content: new Blob([new Uint8Array(big)]) }] });
      } finally {
        fake.multipartThreshold = Number.POSITIVE_INFINITY;
        fake.multipartChunkSize = 5 * 1024 * 1024;
      }
      const sent = fake.requests
        .slice(mark)
        .map((r) => [r.method, r.url.replace(/\?.*$/, ""), new URL(r.url).searchParams.get("partNumber"), r.status, r.authorized]);
      const part = (n: string) => ["PUT", `${CDN}/upload/${REPO}/${sha256(big)}`, n, 200, false];
      expect(sent.filter((r) => r[0] === "PUT").sort()).toEqual([part("1"), part("2"), part("3")]);
      expect(sent).toContainEqual(["POST", `${HUB}/api/complete_multipart`, null, 200, false]);
      expect(sha256(fake.fileAt(REPO, "main", "parts/big.bin") ?? "")).toBe(sha256(big));
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it("answered errors only where the tests asked for them", () => {
    const refused = target()
      .fake.requests.filter((r) => r.status >= 400)
      .map((r) => `${r.method} ${r.url.replace(/\?.*$/, "").replace(/\/commit\/main$/, "/commit")} ${r.status}`);
    expect(refused).toEqual([
      `POST ${HUB}/api/models/${REPO}/commit 412`,
      `GET ${HUB}/api/models/${REPO} 401`,
      `GET ${HUB}/${REPO}/resolve/main/missing.txt 404`,
      `HEAD ${HUB}/${REPO}/raw/main/missing.txt 404`,
      `POST ${HUB}/api/models/${REPO}/branch/champion 409`,
    ]);
  });
}

describe("@huggingface/hub 2.17.5 in-process (msw)", () => {
  const fake = new HubFake();
  const server = setupServer(...fake.handlers());
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterAll(() => server.close());
  hubJsSuite(() => ({ fake, hubUrl: HUB }));
});

describe("@huggingface/hub 2.17.5 over loopback (undici)", () => {
  const loop = useHubLoopback({ python: false });
  hubJsSuite(() => ({ fake: loop.fake, hubUrl: loop.hub.url }));
});
