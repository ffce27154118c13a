import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { artifactDigest, artifactDigestFor, buildManifest, compareUtf8, entryAlgorithm, parseManifest } from "../../src/adapters/wandb/wandb-manifest.js";

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

  // Both digests from W&B's own system test (test_wandb_artifacts_full.py on branch amusipatla/xxhash-legacy-fallback:
  // test_artifact_upload_with_correct_digests and test_artifact_new_draft_mixed_digest_algorithms).
  it("hashes an XXH128 artifact's lines with XXH128, hex, as W&B's client does", async () => {
    const hello = { digest: "tenBrQcbPn/Hec+qXlI4GA==", extra: { alg: "XXH128" } };
    expect(await artifactDigestFor({ "file1.txt": hello }, "MANIFEST_XXH128")).toBe("fe0d6c1a25b6d98451da9b04ebf6d80c");
    // An MD5 artifact that kept an XXH128 entry from its base: the lines are the same, the hash is MD5.
    const mixed = { "file1.txt": hello, "file2.txt": { digest: createHash("md5").update("hi").digest("base64") } };
    expect(await artifactDigestFor(mixed, "MANIFEST_MD5")).toBe("2799203cb650433b7c69edef406fdc5b");
    expect(artifactDigest(mixed)).toBe("2799203cb650433b7c69edef406fdc5b");
  });

  it("reads each entry's algorithm from extra.alg, MD5 when untagged, and keeps it when parsing", () => {
    const read = parseManifest({
      version: 1,
      contents: {
        "a.bin": { digest: "tenBrQcbPn/Hec+qXlI4GA==", size: 5, extra: { alg: "XXH128", etag: "x" } },
        "b.bin": { digest: "XUFAKrxLKna5cZ2REBfFkg==", size: 5 },
      },
    });
    expect(read.contents["a.bin"]).toEqual({ digest: "tenBrQcbPn/Hec+qXlI4GA==", size: 5, extra: { alg: "XXH128" } });
    expect(entryAlgorithm(read.contents["a.bin"] as { extra?: Record<string, unknown> })).toBe("XXH128");
    expect(entryAlgorithm(read.contents["b.bin"] as { extra?: Record<string, unknown> })).toBe("MD5");
    expect(() => parseManifest({ contents: { "c.bin": { digest: "x", extra: { alg: 7 } } } })).toThrow(/digest algorithm/);
  });
});
