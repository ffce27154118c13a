// writeHubCacheSnapshot: the Hugging Face cache layout (blobs by etag, relative links per snapshot, refs holding the
// commit), checked bytes, reused blobs, and nothing half-written: a corrupt file, an unsafe path, an abort or a disk
// error leaves no blob, link, ref or temporary file behind.
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HubCacheFile, hubCacheDir, repoFolderName, writeHubCacheSnapshot } from "../../src/adapters/huggingface/hf-cache.js";
import { AbortedError, IntegrityError, InvalidInputError, StorageError } from "../../src/core/errors.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const gitSha1 = (bytes: Uint8Array) => createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
const bytes = (text: string) => new TextEncoder().encode(text);

/** A file whose bytes come in chunks; `opened` counts the reads. */
function file(path: string, content: Uint8Array, how: { lfs?: boolean; size?: boolean; etag?: string; chunk?: number } = {}) {
  const entry = {
    opened: 0,
    path,
    etag: how.etag ?? (how.lfs ? sha256(content) : gitSha1(content)),
    ...(how.size !== false && { size: content.byteLength }),
    async *open() {
      entry.opened++;
      const step = how.chunk ?? 7;
      for (let i = 0; i < content.byteLength; i += step) yield content.subarray(i, i + step);
    },
  };
  return entry;
}

/** Every path under `dir`, with `-> target` for links. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = path.slice(dir.length + 1);
    if (entry.isSymbolicLink()) out.push(`${rel} -> ${await readlink(path)}`);
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

let cache: string;
const repo = () => join(cache, "models--acme--fraud");
const write = (files: HubCacheFile[], extra: { commit?: string; revisions?: string[]; repoId?: string; signal?: AbortSignal } = {}) =>
  writeHubCacheSnapshot({
    cacheDir: cache,
    repoId: extra.repoId ?? "acme/fraud",
    commit: extra.commit ?? A,
    revisions: extra.revisions ?? ["main", "v1"],
    files,
    ...(extra.signal && { signal: extra.signal }),
    operation: "downloadToHubCache",
    provider: "huggingface",
  });

beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), "modelreg-hf-cache-"));
});
afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
});

describe("writeHubCacheSnapshot", () => {
  it("writes blobs by etag, relative links one ../ deeper per folder, and refs holding the commit without a line break", async () => {
    const weights = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 31) % 256);
    const files = [
      file("config.json", bytes('{"a": 1}\n')),
      file("weights/model.safetensors", weights, { lfs: true, chunk: 64 * 1024 }),
      file("a/b/c/deep.txt", bytes("deep"), { size: false }),
    ];
    const result = await write(files);
    expect(result).toEqual({ snapshotDir: join(repo(), "snapshots", A), written: 3, reused: 0 });
    const [config, model, deep] = files.map((f) => f.etag);
    expect(await tree(repo())).toEqual(
      [
        `blobs/${config}`,
        `blobs/${model}`,
        `blobs/${deep}`,
        "refs/main",
        "refs/v1",
        `snapshots/${A}/config.json -> ../../blobs/${config}`,
        `snapshots/${A}/weights/model.safetensors -> ../../../blobs/${model}`,
        `snapshots/${A}/a/b/c/deep.txt -> ../../../../../blobs/${deep}`,
      ].sort(),
    );
    expect(await readFile(join(repo(), "refs/main"), "utf8")).toBe(A);
    expect(await readFile(join(repo(), "refs/v1"), "utf8")).toBe(A);
    expect(sha256(await readFile(join(result.snapshotDir, "weights/model.safetensors")))).toBe(sha256(weights));
    expect(await readFile(join(result.snapshotDir, "a/b/c/deep.txt"), "utf8")).toBe("deep");
    expect(await readFile(join(cache, "CACHEDIR.TAG"), "utf8")).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/);
  });

  it("reuses a blob the cache holds without opening its file, and reads identical files once", async () => {
    const content = bytes("same bytes");
    await write([file("one.txt", content)]);
    const again = [file("one.txt", content), file("copy/two.txt", content), file("new.bin", bytes("new"), { lfs: true })];
    expect(await write(again, { commit: B, revisions: ["main"] })).toMatchObject({ written: 1, reused: 2 });
    expect(again.map((f) => f.opened)).toEqual([0, 0, 1]);
    // main moved to B; v1 still names A.
    expect(await readFile(join(repo(), "refs/main"), "utf8")).toBe(B);
    expect(await readFile(join(repo(), "refs/v1"), "utf8")).toBe(A);
    expect(await readlink(join(repo(), "snapshots", B, "copy/two.txt"))).toBe(`../../../blobs/${gitSha1(content)}`);
  });

  it("writes a revision with / as a file in subfolders of refs, as huggingface_hub does", async () => {
    await write([file("x", bytes("x"))], { revisions: ["refs/pr/1", "release/2026"] });
    expect(await readFile(join(repo(), "refs/refs/pr/1"), "utf8")).toBe(A);
    expect(await readFile(join(repo(), "refs/release/2026"), "utf8")).toBe(A);
  });

  it("replaces a blob of the wrong size instead of reusing it", async () => {
    const content = bytes("the whole file");
    await mkdir(join(repo(), "blobs"), { recursive: true });
    await writeFile(join(repo(), "blobs", gitSha1(content)), "the wh");
    expect(await write([file("f", content)])).toMatchObject({ written: 1, reused: 0 });
    expect(await readFile(join(repo(), "blobs", gitSha1(content)), "utf8")).toBe("the whole file");
  });

  it("refuses bytes that do not match the etag or size with an IntegrityError naming the path, keeping no blob", async () => {
    const cases: HubCacheFile[] = [
      file("weights.bin", bytes("tampered"), { etag: sha256(bytes("original")) }),
      file("config.json", bytes("tampered"), { etag: gitSha1(bytes("original")) }),
      file("unsized.json", bytes("tampered"), { etag: gitSha1(bytes("original")), size: false }),
      { ...file("short.bin", bytes("short"), { lfs: true }), size: 99 },
    ];
    for (const bad of cases) {
      const error = await write([file("good.txt", bytes("good")), bad]).catch((e: unknown) => e);
      expect(IntegrityError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toContain(JSON.stringify(bad.path));
      expect((error as IntegrityError).operation).toBe("downloadToHubCache");
      // The good file's blob may stay (a verified blob is harmless); no link, no ref, no temporary file, no bad blob.
      expect((await tree(repo())).filter((p) => !p.startsWith(`blobs/${gitSha1(bytes("good"))}`))).toEqual([]);
    }
  });

  it("refuses unsafe paths, bad ids and clashing names before writing anything", async () => {
    const ok = file("ok.txt", bytes("ok"));
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["../escape", () => write([file("../escape", bytes("x"))])],
      ["/etc/passwd", () => write([file("/etc/passwd", bytes("x"))])],
      ["a\\b", () => write([file("a\\..\\..\\b", bytes("x"))])],
      ["a//b", () => write([file("a//b", bytes("x"))])],
      ["./a", () => write([file("./a", bytes("x"))])],
      ["twice", () => write([ok, file("ok.txt", bytes("ok"))])],
      ["file and folder", () => write([file("a", bytes("x")), file("a/b", bytes("y"))])],
      ["etag", () => write([file("x", bytes("x"), { etag: "W/not-a-hash" })])],
      ["commit", () => write([ok], { commit: "main" })],
      ["commit case", () => write([ok], { commit: A.toUpperCase() })],
      ["revision ..", () => write([ok], { revisions: ["../../escape"] })],
      ["revision absolute", () => write([ok], { revisions: ["/tmp/x"] })],
      ["revision hash", () => write([ok], { revisions: [B] })],
      ["revision clash", () => write([ok], { revisions: ["v1", "v1/x"] })],
      ["repo id", () => write([ok], { repoId: "../../etc" })],
      ["repo id parts", () => write([ok], { repoId: "a/b/c" })],
    ];
    for (const [what, attempt] of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(InvalidInputError.isInstance(error), `${what}: ${String(error)}`).toBe(true);
      expect(await readdir(cache), what).toEqual([]);
    }
    expect(ok.opened).toBe(0);
  });

  it("stops at an abort, even in a stalled read, and leaves no temporary file", async () => {
    const controller = new AbortController();
    const stalled: HubCacheFile = {
      path: "big.bin",
      etag: "c".repeat(64),
      async *open() {
        yield new Uint8Array(1024);
        controller.abort(new Error("user cancelled"));
        await new Promise(() => {});
      },
    };
    const error = await write([stalled], { signal: controller.signal }).catch((e: unknown) => e);
    expect(AbortedError.isInstance(error), String(error)).toBe(true);
    expect(await tree(repo())).toEqual([]);
    const before = await write([file("x", bytes("x"))], { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(AbortedError.isInstance(before)).toBe(true);
  });

  it("reports a file-system failure as a StorageError naming the operation", async () => {
    await writeFile(join(cache, "models--acme--fraud"), "a file where the repository folder goes");
    const error = await write([file("x", bytes("x"))]).catch((e: unknown) => e);
    expect(StorageError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject({ operation: "downloadToHubCache", provider: "huggingface", code: "ENOTDIR" });
    expect((await lstat(join(cache, "models--acme--fraud"))).isFile()).toBe(true);
  });
});

describe("hubCacheDir and repoFolderName", () => {
  it("resolves the cache folder as huggingface_hub does", () => {
    expect(hubCacheDir({ HOME: "/home/u" }, "/explicit")).toBe("/explicit");
    expect(hubCacheDir({ HOME: "/home/u", HF_HUB_CACHE: "/hub", HF_HOME: "/hf" })).toBe("/hub");
    expect(hubCacheDir({ HOME: "/home/u", HUGGINGFACE_HUB_CACHE: "/legacy", HF_HOME: "/hf" })).toBe("/legacy");
    expect(hubCacheDir({ HOME: "/home/u", HF_HOME: "/hf", XDG_CACHE_HOME: "/xdg" })).toBe("/hf/hub");
    expect(hubCacheDir({ HOME: "/home/u", XDG_CACHE_HOME: "/xdg" })).toBe("/xdg/huggingface/hub");
    expect(hubCacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/huggingface/hub");
    expect(hubCacheDir({ HOME: "/home/u", HF_HUB_CACHE: "" })).toBe("/home/u/.cache/huggingface/hub");
    expect(hubCacheDir({ HOME: "/home/u", HF_HOME: "~/hf" })).toBe("/home/u/hf/hub");
    // Python's expandvars: $VAR and its braced form (written with "$" + "{" here, as the linter reads ${ as a template).
    expect(hubCacheDir({ HOME: "/home/u", HF_HUB_CACHE: "$" + "{ROOT}/x/$ROOT/$UNSET", ROOT: "/r" })).toBe("/r/x/r/$UNSET");
    expect(hubCacheDir({ HOME: "/home/u", HF_HOME: "relative" })).toBe(resolve("relative/hub"));
  });

  it("names the repository folder models--{org}--{name}, refusing ids that are not Hub repository ids", () => {
    expect(repoFolderName("acme/fraud-v2.1_x")).toBe("models--acme--fraud-v2.1_x");
    expect(repoFolderName("gpt2")).toBe("models--gpt2");
    for (const bad of ["", "a/b/c", "../x", "a--b/c", "a/b.git", "-a/b", "a/.b", "a b/c", "é/x", `${"x".repeat(97)}`]) {
      expect(() => repoFolderName(bad), bad).toThrow(InvalidInputError);
    }
  });
});
