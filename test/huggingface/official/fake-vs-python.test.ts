// Hugging Face's official Python client (huggingface_hub 2.4.0) against the Hub fake on loopback: what it uploads
// lands in the fake's git as the Hub would store it, what it reads back is byte for byte what was uploaded, and its
// error handling sees the Hub's statuses. Where the client and the fake disagree, the fake is wrong.
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CDN, HUB, STRANGER_TOKEN } from "../support/hub-fake.js";
import { DEFAULT_GITATTRIBUTES } from "../support/hub-fake-git.js";
import { HUB_TEST_TIMEOUT_MS, useHubLoopback } from "./support/hub-official.js";

const loop = useHubLoopback();
const REPO = "acme/fraud";
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** The folder upload_folder sends: a card, a small text file, a nested one, a binary over 1 MiB with NUL bytes, a .safetensors file. */
const FILES: Record<string, Buffer> = {
  "README.md": Buffer.from("---\nlicense: mit\ntags:\n- fraud\n- tabular\nlibrary_name: sklearn\n---\n# Fraud model\n"),
  "notes.txt": Buffer.from("hello from python\n"),
  "nested/deep/config.json": Buffer.from('{"threshold": 0.7}\n'),
  "data/blob.dat": Buffer.from(Array.from({ length: 1536 * 1024 }, (_, i) => (i * 31 + (i >> 9)) & 0xff)),
  "model.safetensors": Buffer.from('{"__metadata__":{"format":"pt"}}'),
};
/** Each file's sha256: comparing digests, not megabytes, keeps failures readable and the deep-equality cost away. */
const digests = Object.fromEntries(Object.entries(FILES).map(([path, bytes]) => [path, createHash("sha256").update(bytes).digest("hex")]));
let folder = "";
/** The oid of the upload_folder commit, tagged v1. */
let v1 = "";

/** The refused requests since `mark` (a length of loop.refused()). */
const refusedSince = (mark: number) => loop.refused().slice(mark);

beforeAll(async () => {
  folder = join(loop.home, "folder");
  for (const [path, bytes] of Object.entries(FILES)) {
    await mkdir(join(folder, path, ".."), { recursive: true });
    await writeFile(join(folder, path), bytes);
  }
});

describe("huggingface_hub 2.4.0 against the Hub fake", () => {
  it(
    "creates a private repository and uploads a folder: small files inline, large and binary ones through LFS",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(
        `
import json, sys
from huggingface_hub import HfApi
api = HfApi()
url = api.create_repo("${REPO}", private=True)
again = api.create_repo("${REPO}", private=True, exist_ok=True)
info = api.upload_folder(repo_id="${REPO}", folder_path=sys.argv[1], commit_message="First version", commit_description="from python")
print(json.dumps({"url": str(url), "repo_id": url.repo_id, "again": str(again), "oid": info.oid, "commit_url": info.commit_url}))
`,
        folder,
      )) as { url: string; repo_id: string; again: string; oid: string; commit_url: string };
      v1 = out.oid;
      expect(out).toMatchObject({
        url: `${loop.hub.url}/${REPO}`,
        repo_id: REPO,
        again: `${loop.hub.url}/${REPO}`,
        commit_url: `${loop.hub.url}/${REPO}/commit/${v1}`,
      });
      const repo = loop.fake.repo(REPO);
      expect(repo?.private).toBe(true);
      const head = loop.fake.commitAt(REPO, "main");
      expect(head).toMatchObject({ oid: v1, summary: "First version", description: "from python", author: "tester" });
      for (const [path, bytes] of Object.entries(FILES)) expect(sha256(loop.fake.fileAt(REPO, "main", path) ?? ""), path).toBe(sha256(bytes));
      const kinds = Object.fromEntries([...(head?.tree ?? [])].map(([path, entry]) => [path, entry.lfs ? `lfs ${entry.lfs.sha256}` : "regular"]));
      expect(kinds).toEqual({
        ".gitattributes": "regular",
        "README.md": "regular",
        "notes.txt": "regular",
        "nested/deep/config.json": "regular",
        "data/blob.dat": `lfs ${sha256(FILES["data/blob.dat"] as Buffer)}`,
        "model.safetensors": `lfs ${sha256(FILES["model.safetensors"] as Buffer)}`,
      });
      // blob.dat went to LFS for its NUL bytes, not for a pattern: the commit endpoint tracked it.
      expect(Buffer.from(loop.fake.fileAt(REPO, "main", ".gitattributes") ?? []).toString()).toBe(
        `${DEFAULT_GITATTRIBUTES}data/blob.dat filter=lfs diff=lfs merge=lfs -text\n`,
      );
      const paths = loop.fake.requests.map((r) => `${r.method} ${r.url.replace(/\?.*$/, "")}`);
      expect(paths).toEqual(
        expect.arrayContaining([
          `POST ${HUB}/api/validate-yaml`,
          `POST ${HUB}/api/models/${REPO}/preupload/main`,
          `POST ${HUB}/${REPO}.git/info/lfs/objects/batch`,
          // Python confirms each single-part upload with the batch answer's verify action (lfs.py lfs_upload).
          `POST ${HUB}/${REPO}.git/info/lfs/objects/verify`,
        ]),
      );
      const storage = loop.fake.requests.filter((r) => r.url.startsWith(CDN));
      expect(storage.map((r) => [r.method, r.status, r.authorized])).toEqual([
        ["PUT", 200, false],
        ["PUT", 200, false],
      ]);
      // create_repo(exist_ok=True) relies on the Hub's 409.
      expect(refusedSince(mark)).toEqual([`POST ${HUB}/api/repos/create 409`]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "commits with parent_commit: the head passes, a stale parent gets 412, and a folder deletion removes the folder",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(`
import json
from huggingface_hub import HfApi, CommitOperationAdd, CommitOperationDelete
from huggingface_hub.errors import HfHubHTTPError
api = HfApi()
head = api.model_info("${REPO}").sha
second = api.create_commit("${REPO}", operations=[CommitOperationAdd("extra/a.txt", b"a"), CommitOperationAdd("extra/b.txt", b"b")], commit_message="Second", parent_commit=head)
try:
    api.create_commit("${REPO}", operations=[CommitOperationAdd("late.txt", b"late")], commit_message="Late", parent_commit=head)
    stale = None
except HfHubHTTPError as e:
    stale = {"status": e.response.status_code, "type": type(e).__name__, "message": str(e).splitlines()[-1]}
third = api.create_commit("${REPO}", operations=[CommitOperationDelete("extra/", is_folder=True)], commit_message="Third", parent_commit=second.oid)
print(json.dumps({"head": head, "second": second.oid, "stale": stale, "third": third.oid}))
`)) as { head: string; second: string; stale: { status: number; type: string; message: string }; third: string };
      expect(out.head).toBe(v1);
      expect(out.stale).toEqual({
        status: 412,
        type: "HfHubHTTPError",
        message: "The branch was updated since you opened this page. Please refresh and try again.",
      });
      expect(loop.fake.commitAt(REPO, out.second)?.parents).toEqual([v1]);
      expect(loop.fake.commitAt(REPO, "main")).toMatchObject({ oid: out.third, parents: [out.second], summary: "Third" });
      expect(Buffer.from(loop.fake.fileAt(REPO, out.second, "extra/b.txt") ?? [])).toEqual(Buffer.from("b"));
      expect(loop.fake.fileAt(REPO, "main", "extra/b.txt")).toBeUndefined();
      expect(loop.fake.fileAt(REPO, "main", "late.txt")).toBeUndefined();
      expect(refusedSince(mark)).toEqual([`POST ${HUB}/api/models/${REPO}/commit/main 412`]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "creates, refuses and deletes tags and branches, and lists refs with their target commits",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(`
import json
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
api = HfApi()
api.create_tag("${REPO}", tag="v1", revision="${v1}", tag_message="version 1")
try:
    api.create_tag("${REPO}", tag="v1")
    twice = None
except HfHubHTTPError as e:
    twice = e.response.status_code
api.create_tag("${REPO}", tag="v1", exist_ok=True)
api.create_tag("${REPO}", tag="scratch-tag")
api.delete_tag("${REPO}", tag="scratch-tag")
api.create_branch("${REPO}", branch="champion", revision="v1")
api.create_branch("${REPO}", branch="champion", exist_ok=True)
api.create_branch("${REPO}", branch="feature/x")
api.delete_branch("${REPO}", branch="feature/x")
refs = api.list_repo_refs("${REPO}")
print(json.dumps({
    "twice": twice,
    "branches": sorted([b.name, b.ref, b.target_commit] for b in refs.branches),
    "tags": [[t.name, t.ref, t.target_commit] for t in refs.tags],
    "converts": refs.converts,
}))
`)) as { twice: number; branches: string[][]; tags: string[][]; converts: unknown[] };
      const main = loop.fake.commitAt(REPO, "main")?.oid as string;
      expect(out).toEqual({
        twice: 409,
        branches: [
          ["champion", "refs/heads/champion", v1],
          ["main", "refs/heads/main", main],
        ],
        tags: [["v1", "refs/tags/v1", v1]],
        converts: [],
      });
      expect(loop.fake.refs(REPO)).toEqual({ branches: { main, champion: v1 }, tags: { v1 } });
      expect(loop.fake.repo(REPO)?.tags.get("v1")?.message).toBe("version 1");
      // create_tag and create_branch with exist_ok=True rely on the 409 too.
      const conflicts = [
        `POST ${HUB}/api/models/${REPO}/tag/main 409`,
        `POST ${HUB}/api/models/${REPO}/tag/main 409`,
        `POST ${HUB}/api/models/${REPO}/branch/champion 409`,
      ];
      expect(refusedSince(mark)).toEqual(conflicts);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "lists files, the tree, commits, model info, paths info and models as the fake holds them",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(`
import json
from huggingface_hub import HfApi
from huggingface_hub.hf_api import RepoFile
api = HfApi()
info = api.model_info("${REPO}", files_metadata=True)
tree = list(api.list_repo_tree("${REPO}", recursive=True, revision="v1"))
commits = api.list_repo_commits("${REPO}")
paths = api.get_paths_info("${REPO}", ["data/blob.dat", "nested", "missing.txt"], revision="v1", expand=True)
print(json.dumps({
    "files": sorted(api.list_repo_files("${REPO}", revision="v1")),
    "tree": [[f.path, type(f).__name__, getattr(f, "size", None), f.lfs.sha256 if isinstance(f, RepoFile) and f.lfs else None] for f in tree],
    "commits": [[c.commit_id, c.title, c.message, c.authors] for c in commits],
    "info": {"id": info.id, "sha": info.sha, "private": info.private, "tags": info.tags, "library": info.library_name,
             "siblings": sorted([s.rfilename, s.size, s.blob_id] for s in info.siblings), "card": info.card_data.to_dict()},
    "paths": [[p.path, type(p).__name__, p.last_commit.oid if p.last_commit else None] for p in paths],
    "exists": [api.file_exists("${REPO}", "notes.txt"), api.file_exists("${REPO}", "nope.txt"), api.file_exists("${REPO}", "late.txt", revision="v1")],
    "models": [[m.id, m.private] for m in api.list_models(author="acme")],
}))
`)) as Record<string, unknown>;
      const tagged = loop.fake.commitAt(REPO, "v1");
      const main = loop.fake.commitAt(REPO, "main");
      expect(out.files).toEqual([".gitattributes", ...Object.keys(FILES)].sort());
      expect(out.tree).toEqual([
        [".gitattributes", "RepoFile", tagged?.tree.get(".gitattributes")?.size, null],
        ["README.md", "RepoFile", FILES["README.md"]?.length, null],
        ["data", "RepoFolder", null, null],
        ["data/blob.dat", "RepoFile", FILES["data/blob.dat"]?.length, sha256(FILES["data/blob.dat"] as Buffer)],
        ["model.safetensors", "RepoFile", FILES["model.safetensors"]?.length, sha256(FILES["model.safetensors"] as Buffer)],
        ["nested", "RepoFolder", null, null],
        ["nested/deep", "RepoFolder", null, null],
        ["nested/deep/config.json", "RepoFile", FILES["nested/deep/config.json"]?.length, null],
        ["notes.txt", "RepoFile", FILES["notes.txt"]?.length, null],
      ]);
      const history: string[][] = [];
      for (let c = main; c; c = c.parents[0] ? loop.fake.commitAt(REPO, c.parents[0]) : undefined) history.push([c.oid, c.summary, c.description]);
      expect((out.commits as unknown[][]).map(([id, title, message]) => [id, title, message])).toEqual(history);
      expect((out.commits as unknown[][]).every((c) => JSON.stringify(c[3]) === '["tester"]' || JSON.stringify(c[3]) === '["acme"]')).toBe(true);
      expect(out.info).toEqual({
        id: REPO,
        sha: main?.oid,
        private: true,
        tags: ["fraud", "tabular"],
        library: "sklearn",
        siblings: [...(main?.tree ?? [])].map(([path, e]) => [path, e.size, e.oid]).sort(),
        card: { license: "mit", tags: ["fraud", "tabular"], library_name: "sklearn" },
      });
      expect(out.paths).toEqual([
        ["data/blob.dat", "RepoFile", v1],
        ["nested", "RepoFolder", v1],
      ]);
      expect(out.exists).toEqual([true, false, false]);
      expect(out.models).toEqual([[REPO, true]]);
      // file_exists on a missing path: the HEAD's 404 EntryNotFound is how the client learns it.
      expect(refusedSince(mark)).toEqual([`HEAD ${HUB}/${REPO}/resolve/main/nope.txt 404`, `HEAD ${HUB}/${REPO}/resolve/v1/late.txt 404`]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "downloads every file byte for byte, by branch and by tag, and snapshot_download reuses the cache offline",
    async () => {
      const mark = loop.refused().length;
      const driver = `
import json, os
from huggingface_hub import hf_hub_download, snapshot_download
names = ${JSON.stringify(Object.keys(FILES))}
main = {n: hf_hub_download("${REPO}", n) for n in names}
tagged = hf_hub_download("${REPO}", "data/blob.dat", revision="v1")
snapshot = snapshot_download("${REPO}", revision="v1")
listing = sorted(os.path.relpath(os.path.join(d, f), snapshot) for d, _, fs in os.walk(snapshot) for f in fs)
print(json.dumps({"main": main, "tagged": tagged, "snapshot": snapshot, "listing": listing}))
`;
      const online = (await loop.python(driver)) as { main: Record<string, string>; tagged: string; snapshot: string; listing: string[] };
      for (const [name, path] of Object.entries(online.main)) expect(sha256(await readFile(path)), name).toBe(digests[name]);
      expect(sha256(await readFile(online.tagged))).toBe(digests["data/blob.dat"]);
      expect(online.snapshot).toBe(join(loop.home, "hf", "hub", "models--acme--fraud", "snapshots", v1));
      expect(online.listing).toEqual([".gitattributes", ...Object.keys(FILES)].sort());
      for (const name of Object.keys(FILES)) expect(sha256(await readFile(join(online.snapshot, name))), name).toBe(digests[name]);
      const cache = join(loop.home, "hf", "hub", "models--acme--fraud");
      expect((await readFile(join(cache, "refs", "v1"), "utf8")).trim()).toBe(v1);
      // Blobs are named by the ETag resolve gave: the sha256 for an LFS file, the git blob sha1 otherwise (reference §3.3).
      const tagged = loop.fake.commitAt(REPO, "v1");
      expect(sha256(await readFile(join(cache, "blobs", digests["data/blob.dat"] as string)))).toBe(digests["data/blob.dat"]);
      expect(sha256(await readFile(join(cache, "blobs", tagged?.tree.get("notes.txt")?.oid as string)))).toBe(digests["notes.txt"]);
      // The LFS downloads went to storage without the token (Python drops it when the redirect leaves the Hub).
      const storage = loop.fake.requests.filter((r) => r.url.startsWith(CDN) && r.method === "GET");
      expect(storage.length).toBeGreaterThan(0);
      expect(storage.every((r) => r.status === 200 && !r.authorized)).toBe(true);
      const before = loop.fake.requests.length;
      const offline = await loop.pythonWith({ HF_HUB_OFFLINE: "1" }, driver);
      expect(offline).toEqual(online);
      expect(loop.fake.requests.length).toBe(before);
      expect(refusedSince(mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "uploads an object over the multipart threshold in parts, which the completion call assembles, and reads it back",
    async () => {
      const mark = loop.refused().length;
      const big = Buffer.from(Array.from({ length: 1200 * 1024 }, (_, i) => (i * 13 + (i >> 12)) & 0xff));
      await writeFile(join(loop.home, "big.bin"), big);
      const start = loop.fake.requests.length;
      loop.fake.multipartThreshold = 512 * 1024;
      loop.fake.multipartChunkSize = 512 * 1024;
      let out: { oid: string; path: string };
      try {
        out = (await loop.python(
          `
import json, sys
from huggingface_hub import HfApi, hf_hub_download
api = HfApi()
info = api.upload_file(path_or_fileobj=sys.argv[1], path_in_repo="parts/big.bin", repo_id="${REPO}", commit_message="Big")
print(json.dumps({"oid": info.oid, "path": hf_hub_download("${REPO}", "parts/big.bin")}))
`,
          join(loop.home, "big.bin"),
        )) as { oid: string; path: string };
      } finally {
        loop.fake.multipartThreshold = Number.POSITIVE_INFINITY;
        loop.fake.multipartChunkSize = 5 * 1024 * 1024;
      }
      const sent = loop.fake.requests
        .slice(start)
        .map((r) => [r.method, r.url.replace(/\?.*$/, ""), new URL(r.url).searchParams.get("partNumber"), r.status, r.authorized]);
      const part = (n: string) => ["PUT", `${CDN}/upload/${REPO}/${sha256(big)}`, n, 200, false];
      expect(sent.filter((r) => r[0] === "PUT")).toEqual([part("1"), part("2"), part("3")]);
      expect(sent).toContainEqual(["POST", `${HUB}/api/complete_multipart`, null, 200, false]);
      expect(loop.fake.commitAt(REPO, "main")?.oid).toBe(out.oid);
      expect(sha256(loop.fake.fileAt(REPO, "main", "parts/big.bin") ?? "")).toBe(sha256(big));
      expect(sha256(await readFile(out.path))).toBe(sha256(big));
      expect(refusedSince(mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "hides the private repository from a user outside its organization",
    async () => {
      const mark = loop.refused().length;
      const out = await loop.pythonWith(
        { HF_TOKEN: STRANGER_TOKEN },
        `
import json
from huggingface_hub import HfApi
from huggingface_hub.errors import RepositoryNotFoundError
api = HfApi()
try:
    api.model_info("${REPO}")
    seen = True
except RepositoryNotFoundError as e:
    seen = e.response.status_code
print(json.dumps({"seen": seen, "listed": [m.id for m in api.list_models(author="acme")]}))
`,
      );
      expect(out).toEqual({ seen: 404, listed: [] });
      expect(refusedSince(mark)).toEqual([`GET ${HUB}/api/models/${REPO} 404`]);
    },
    HUB_TEST_TIMEOUT_MS,
  );
});
