import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { artifactDigest, buildManifest, compareUtf8, parseManifest } from "../../src/adapters/wandb/wandb-manifest.js";

describe("W&B manifest digests", () => {
  it("hashes the header and sorted path:digest lines, hex", () => {
    const contents = { "b.txt": { digest: "YjI=" }, "a.txt": { digest: "YTE=" } };
    const expected = createHash("md5").update("wandb-artifact-manifest-v1\na.txt:YTE=\nb.txt:YjI=\n").digest("hex");
    expect(artifactDigest(contents)).toBe(expected);
  });

  it("sorts by UTF-8 bytes, not UTF-16 code units", () => {
    // U+FF5E (3 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 ...) in UTF-8, after it in UTF-16 (D83D ...).
    const paths = ["\u{1F600}.bin", "\uFF5E.bin"];
    expect([...paths].sort()).toEqual(["\u{1F600}.bin", "\uFF5E.bin"]);
    expect([...paths].sort(compareUtf8)).toEqual(["\uFF5E.bin", "\u{1F600}.bin"]);
    const contents = Object.fromEntries(paths.map((p) => [p, { digest: "x" }]));
    const expected = createHash("md5").update("wandb-artifact-manifest-v1\n\uFF5E.bin:x\n\u{1F600}.bin:x\n").digest("hex");
    expect(artifactDigest(contents)).toBe(expected);
  });

  it("builds and reads back a manifest, tolerating extra keys", () => {
    const m = buildManifest({ "z.bin": { digest: "Wg==", size: 1 }, "a.bin": { digest: "QQ==", size: 1 } });
    expect(Object.keys(m.contents)).toEqual(["a.bin", "z.bin"]);
    const read = parseManifest({ ...m, contents: { "a.bin": { digest: "QQ==", size: 1, local_path: "/tmp/x", skip_cache: false } } });
    expect(read.contents["a.bin"]).toEqual({ digest: "QQ==", size: 1 });
    expect(() => parseManifest({ version: 1 })).toThrow(/not a W&B artifact manifest/);
  });
});
