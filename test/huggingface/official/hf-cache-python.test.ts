// huggingface_hub (the official Python client) reads offline what writeHubCacheSnapshot put in the cache:
// hf_hub_download by tag, branch, pull-request ref and commit, snapshot_download by branch and tag, the same bytes
// each time, and scan_cache_dir sees the repository, its revisions and refs with no warning and no partial download.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type HubCacheFile, writeHubCacheSnapshot } from "../../../src/adapters/huggingface/hf-cache.js";
import { useOfflinePython } from "./support/offline-python.js";

const python = useOfflinePython("modelreg-hf-cache-py-");
const py = python.py;

const READ = `
import hashlib, json, os, sys
from huggingface_hub import hf_hub_download, scan_cache_dir, snapshot_download
cache, repo, first = sys.argv[1:4]
def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
def tree(root):
    return {os.path.relpath(os.path.join(d, n), root).replace(os.sep, "/"): digest(os.path.join(d, n)) for d, _, names in os.walk(root) for n in names}
files = ["config.json", "model.safetensors", "tokenizer/vocab.txt", "a/b/c.bin"]
downloads = {rev: {f: digest(hf_hub_download(repo, f, revision=rev, cache_dir=cache)) for f in files} for rev in ["v1", "main", "refs/pr/1", first]}
snapshots = {rev: tree(snapshot_download(repo, revision=rev, cache_dir=cache)) for rev in ["main", "v1"]}
info = scan_cache_dir(cache)
repos = [{"repo_id": r.repo_id, "repo_type": r.repo_type, "nb_files": r.nb_files, "size_on_disk": r.size_on_disk,
          "revisions": sorted(({"commit_hash": v.commit_hash, "refs": sorted(v.refs),
                                "files": sorted(str(f.file_path.relative_to(v.snapshot_path)) for f in v.files)} for v in r.revisions),
                               key=lambda v: v["commit_hash"])} for r in info.repos]
print(json.dumps({"downloads": downloads, "snapshots": snapshots, "repos": repos,
                  "warnings": [str(w) for w in info.warnings], "incomplete": len(info.incomplete_files)}))
`;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const gitSha1 = (bytes: Uint8Array) => createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
const text = (value: string) => new TextEncoder().encode(value);

/** An LFS file (sha256 etag) or a regular one (git blob sha1 etag), streamed in chunks. */
function entry(path: string, bytes: Uint8Array, lfs: boolean): HubCacheFile {
  return {
    path,
    etag: lfs ? sha256(bytes) : gitSha1(bytes),
    size: bytes.byteLength,
    async *open() {
      for (let i = 0; i < bytes.byteLength; i += 256 * 1024) yield bytes.subarray(i, i + 256 * 1024);
    },
  };
}

describe("huggingface_hub reads the cache writeHubCacheSnapshot wrote", () => {
  it("finds every file by tag, branch, pull-request ref and commit, offline, with no warning from scan_cache_dir", async () => {
    const cacheDir = join(python.home, "hub");
    const repoId = "acme/fraud";
    const [first, second] = ["1".repeat(40), "2".repeat(40)];
    // Every byte value, over more than one chunk: a text round trip would change it.
    const weights = new Uint8Array(1024 * 1024 + 3).map((_, i) => (i * 131) % 256);
    const shared = {
      "model.safetensors": weights,
      "tokenizer/vocab.txt": text("[PAD]\n[UNK]\nfraud\n"),
      "a/b/c.bin": new Uint8Array([0, 255, 10, 13]),
    };
    const v1Files = { "config.json": text('{"depth": 3}\n'), ...shared };
    const mainFiles = { "config.json": text('{"depth": 4}\n'), ...shared };
    const lfs = (path: string) => path.endsWith(".safetensors") || path.endsWith(".bin");
    const files = (set: Record<string, Uint8Array>) => Object.entries(set).map(([path, bytes]) => entry(path, bytes, lfs(path)));

    const v1 = await writeHubCacheSnapshot({
      cacheDir,
      repoId,
      commit: first,
      revisions: ["main", "v1"],
      files: files(v1Files),
      operation: "test",
      provider: "huggingface",
    });
    // main moves on; the second commit shares three of its four blobs with the first.
    const main = await writeHubCacheSnapshot({
      cacheDir,
      repoId,
      commit: second,
      revisions: ["main", "refs/pr/1"],
      files: files(mainFiles),
      operation: "test",
      provider: "huggingface",
    });
    expect([v1.written, v1.reused, main.written, main.reused]).toEqual([4, 0, 1, 3]);

    const seen = (await py(READ, cacheDir, repoId, first)) as {
      downloads: Record<string, Record<string, string>>;
      snapshots: Record<string, Record<string, string>>;
      repos: Array<{
        repo_id: string;
        repo_type: string;
        nb_files: number;
        size_on_disk: number;
        revisions: Array<{ commit_hash: string; refs: string[]; files: string[] }>;
      }>;
      warnings: string[];
      incomplete: number;
    };
    const digests = (set: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(set).map(([path, bytes]) => [path, sha256(bytes)]));
    expect(seen.downloads).toEqual({ v1: digests(v1Files), main: digests(mainFiles), "refs/pr/1": digests(mainFiles), [first]: digests(v1Files) });
    expect(seen.snapshots).toEqual({ main: digests(mainFiles), v1: digests(v1Files) });
    expect(seen.warnings).toEqual([]);
    expect(seen.incomplete).toBe(0);
    const paths = Object.keys(v1Files).sort();
    expect(seen.repos).toEqual([
      {
        repo_id: repoId,
        repo_type: "model",
        nb_files: 5,
        size_on_disk: Object.values(v1Files).reduce((n, b) => n + b.byteLength, 0) + mainFiles["config.json"].byteLength,
        revisions: [
          { commit_hash: first, refs: ["v1"], files: paths },
          { commit_hash: second, refs: ["main", "refs/pr/1"], files: paths },
        ],
      },
    ]);
  });
});
