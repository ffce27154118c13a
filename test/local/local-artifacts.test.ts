import fs from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { AbortedError, ConflictError, InvalidInputError, NotFoundError, type TransferProgress } from "modelreg";
import { freshRegistry, rejectionOf, tempDir } from "./support/helpers.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("local registry artifacts", () => {
  it("registers every file below a directory, with nested paths, sizes and digests", async () => {
    const { registry } = await freshRegistry();
    const dir = await tempDir();
    await mkdir(join(dir, "weights", "layer1"), { recursive: true });
    await writeFile(join(dir, "MLmodel"), "flavor: sklearn");
    await writeFile(join(dir, "weights", "layer1", "w.bin"), "0123456789");
    const v = await registry.createVersion("fraud", { artifacts: { directory: dir } });
    expect(await registry.listArtifacts(v)).toEqual([
      expect.objectContaining({ path: "MLmodel", size: 15, sha256: sha256("flavor: sklearn") }),
      expect.objectContaining({ path: "weights/layer1/w.bin", size: 10, sha256: sha256("0123456789") }),
    ]);
    expect(v.artifacts).toMatchObject({ fileCount: 2, totalBytes: 25 });
    expect(v.artifacts.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("registers a list of files under the paths given, and streams Node and web streams", async () => {
    const { registry } = await freshRegistry();
    const dir = await tempDir();
    await writeFile(join(dir, "model.pkl"), "pickle");
    const v = await registry.createVersion("fraud", {
      artifacts: { files: [join(dir, "model.pkl"), { file: join(dir, "model.pkl"), path: "backup/model.pkl" }] },
    });
    expect((await registry.listArtifacts(v)).map((f) => f.path)).toEqual(["backup/model.pkl", "model.pkl"]);
    const w = await registry.createVersion("fraud", {
      artifacts: {
        entries: [
          { path: "node.bin", open: () => Readable.from([Buffer.from("ab"), Buffer.from("cd")]), size: 4 },
          { path: "web.bin", open: () => new Response("web bytes").body! },
        ],
      },
    });
    const opened = await registry.openArtifact(w, "node.bin");
    expect(await new Response(opened.stream).text()).toBe("abcd");
    expect(opened.size).toBe(4);
    expect(await new Response((await registry.openArtifact(w, "web.bin")).stream).text()).toBe("web bytes");
  });

  it("gives the same content digest to the same files whatever order they came in", async () => {
    const { registry } = await freshRegistry();
    const a = await registry.createVersion("m", {
      artifacts: {
        entries: [
          { path: "a", content: "1" },
          { path: "b", content: "2" },
        ],
      },
    });
    const b = await registry.createVersion("m", {
      artifacts: {
        entries: [
          { path: "b", content: "2" },
          { path: "a", content: "1" },
        ],
      },
    });
    const c = await registry.createVersion("m", {
      artifacts: {
        entries: [
          { path: "a", content: "2" },
          { path: "b", content: "1" },
        ],
      },
    });
    expect(a.artifacts.digest).toBe(b.artifacts.digest);
    expect(c.artifacts.digest).not.toBe(a.artifacts.digest);
  });

  it("refuses symbolic links, duplicate paths, unsafe paths, empty sources and a wrong declared size, creating nothing", async () => {
    const { registry } = await freshRegistry();
    const dir = await tempDir();
    await writeFile(join(dir, "real.bin"), "x");
    await symlink("/etc/passwd", join(dir, "link.bin"));
    const cases = [
      () => registry.createVersion("m", { artifacts: { directory: dir } }),
      () =>
        registry.createVersion("m", {
          artifacts: {
            entries: [
              { path: "a", content: "1" },
              { path: "a", content: "2" },
            ],
          },
        }),
      () => registry.createVersion("m", { artifacts: { entries: [{ path: "../escape", content: "1" }] } }),
      () => registry.createVersion("m", { artifacts: { entries: [{ path: "/abs", content: "1" }] } }),
      () => registry.createVersion("m", { artifacts: { entries: [] } }),
      () => registry.createVersion("m", { artifacts: { entries: [{ path: "a", open: () => Readable.from([Buffer.from("abc")]), size: 10 }] } }),
    ];
    for (const attempt of cases) {
      const error = await rejectionOf(attempt());
      expect(InvalidInputError.isInstance(error), String(error)).toBe(true);
    }
    expect(NotFoundError.isInstance(await rejectionOf(registry.getModel("m")))).toBe(true);
    expect(NotFoundError.isInstance(await rejectionOf(registry.createVersion("m", { artifacts: { files: [join(dir, "missing")] } })))).toBe(true);
  });

  it("leaves no version and no temp file when the caller aborts in the middle of a stream", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", content: "v1" }] } });
    const controller = new AbortController();
    async function* slow() {
      yield new Uint8Array(1024);
      controller.abort(new Error("user cancelled"));
      yield new Uint8Array(1024);
      yield new Uint8Array(1024);
    }
    const error = await rejectionOf(
      registry.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", open: () => slow() }] } }, { signal: controller.signal }),
    );
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((await registry.listVersions("fraud").toArray()).map((v) => v.version)).toEqual(["1"]);
    expect(await readdir(join(root, "tmp"))).toEqual([]);
  });

  it("leaves no temp file when the caller aborts before the disk has opened it", async () => {
    // A write stream opens its file on the thread pool; a slow open (a loaded machine, a network disk) used to finish
    // after the failed create had removed the temp file, and leave it behind.
    const { root, registry } = await freshRegistry();
    const open = fs.open;
    const slowOpen = (...args: unknown[]) => setTimeout(() => (open as (...a: unknown[]) => void)(...args), 150);
    const controller = new AbortController();
    async function* aborting() {
      yield new Uint8Array(1024);
      controller.abort(new Error("user cancelled"));
      yield new Uint8Array(1024);
    }
    fs.open = slowOpen as unknown as typeof fs.open;
    try {
      const error = await rejectionOf(
        registry.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", open: () => aborting() }] } }, { signal: controller.signal }),
      );
      expect(AbortedError.isInstance(error)).toBe(true);
    } finally {
      fs.open = open;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readdir(join(root, "tmp"))).toEqual([]);
  });

  it("reports upload and download progress per file and in total", async () => {
    const { registry } = await freshRegistry();
    const progress: TransferProgress[] = [];
    const v = await registry.createVersion(
      "fraud",
      {
        artifacts: {
          entries: [
            { path: "a.bin", content: new Uint8Array(300) },
            { path: "b.bin", content: new Uint8Array(200) },
          ],
        },
      },
      { onProgress: (p) => progress.push(p), concurrency: 1 },
    );
    expect(progress.at(-1)).toEqual({ path: "b.bin", fileBytes: 200, fileSize: 200, transferredBytes: 500, totalBytes: 500 });
    const down: TransferProgress[] = [];
    const out = await tempDir();
    const result = await registry.downloadArtifacts(v, out, { onProgress: (p) => down.push(p), concurrency: 1 });
    expect(result.totalBytes).toBe(500);
    expect(down.at(-1)?.transferredBytes).toBe(500);
  });

  it("downloads into a directory without replacing files unless asked, and only the paths asked for", async () => {
    const { registry } = await freshRegistry();
    const v = await registry.createVersion("fraud", {
      artifacts: {
        entries: [
          { path: "model.bin", content: "new" },
          { path: "sub/cfg.json", content: "{}" },
        ],
      },
    });
    const out = await tempDir();
    await writeFile(join(out, "model.bin"), "old");
    const error = await rejectionOf(registry.downloadArtifacts(v, out));
    expect(ConflictError.isInstance(error)).toBe(true);
    expect(await readFile(join(out, "model.bin"), "utf8")).toBe("old");
    expect(await readdir(out)).toEqual(["model.bin"]);
    await registry.downloadArtifacts(v, out, { overwrite: true });
    expect(await readFile(join(out, "model.bin"), "utf8")).toBe("new");
    expect(await readFile(join(out, "sub", "cfg.json"), "utf8")).toBe("{}");
    const only = await tempDir();
    const partial = await registry.downloadArtifacts(v, only, { paths: ["sub/cfg.json"] });
    expect(partial.files.map((f) => f.path)).toEqual(["sub/cfg.json"]);
    expect(NotFoundError.isInstance(await rejectionOf(registry.downloadArtifacts(v, only, { paths: ["nope"] })))).toBe(true);
  });

  it("leaves the download directory as it was when aborted", async () => {
    const { registry } = await freshRegistry();
    const v = await registry.createVersion("fraud", {
      artifacts: {
        entries: [
          { path: "a", content: new Uint8Array(4 * 1024 * 1024) },
          { path: "b", content: "b" },
        ],
      },
    });
    const out = await tempDir();
    const controller = new AbortController();
    const error = await rejectionOf(registry.downloadArtifacts(v, out, { signal: controller.signal, onProgress: () => controller.abort(new Error("stop")) }));
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(await readdir(out)).toEqual([]);
  });
});

describe("a file sync spooled (SPOOLED)", () => {
  const bytes = new TextEncoder().encode("weights");
  const md5 = createHash("md5").update(bytes).digest("base64");
  const sha = createHash("sha256").update(bytes).digest("hex");
  const entry = (extra: object) => ({ path: "w.bin", size: bytes.byteLength, open: () => Readable.from([bytes]), ...extra });

  it("is linked into the store with the digests sync computed; an unproven or unusable one is copied and hashed", async () => {
    const { SPOOLED } = await import("../../src/artifacts/resolve-source.js");
    const { root, registry } = await freshRegistry();
    const spool = join(await tempDir(), "0");
    await writeFile(spool, bytes);
    const linked = await registry.createVersion("m", { artifacts: { entries: [entry({ sha256: sha, [SPOOLED]: { file: spool, md5 } })] } });
    expect((await registry.listArtifacts(linked)).map((f) => [f.sha256, f.md5])).toEqual([[sha, md5]]);
    // The blob is the spool file itself (one inode), not a copy.
    const blobs = (await readdir(join(root, "blobs"), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(blobs).toHaveLength(1);
    const { stat } = await import("node:fs/promises");
    expect((await stat(join(blobs[0]?.parentPath as string, blobs[0]?.name as string))).ino).toBe((await stat(spool)).ino);
    // No sha256 to prove what the MD5 was computed over: ignored, and the real MD5 recorded from the bytes.
    const unproven = await registry.createVersion("n", { artifacts: { entries: [entry({ [SPOOLED]: { file: spool, md5: "bogus" } })] } });
    expect((await registry.listArtifacts(unproven)).map((f) => f.md5)).toEqual([md5]);
    // A spool that cannot be linked (gone): the bytes are read and checked against the sha256, and the MD5 taken.
    const missing = await registry.createVersion("o", { artifacts: { entries: [entry({ sha256: sha, [SPOOLED]: { file: `${spool}-gone`, md5 } })] } });
    expect((await registry.listArtifacts(missing)).map((f) => f.md5)).toEqual([md5]);
    // ... and refused whole when they do not match it.
    const wrong = createHash("sha256").update("other").digest("hex");
    const error = await rejectionOf(
      registry.createVersion("p", { artifacts: { entries: [entry({ sha256: wrong, [SPOOLED]: { file: `${spool}-gone`, md5 } })] } }),
    );
    expect((error as Error).name).toBe("IntegrityError");
  });
});
