import { describe, expect, it } from "vitest";
import { createXxh128, xxh128Base64 } from "../../src/artifacts/xxh128.js";

// Known answers, none computed by the code under test:
// - "", "hello", "foobar", "example data": W&B's own tests (wandb/wandb branch amusipatla/xxhash-legacy-fallback:
//   tests/system_tests/test_artifacts/test_wandb_artifacts_full.py `tenBrQcbPn/Hec+qXlI4GA==` for "hello";
//   core/internal/hashencode/hashencode_test.go for "foobar" and "example data") and xxHash's own value for the empty
//   input (XXH3_128bits("") = 99aa06d3014798d86001c324468d497f).
// - PATTERN: computed once with Python's `xxhash` package (the binding W&B's Python client uses), installed by
//   test/support/python-venv.ts `ensureVenv("xxhash-check", ["xxhash==4.1.0"])`, as
//   `base64.b64encode(xxhash.xxh128(bytes((i * 31 + 7) % 251 for i in range(1048583))).digest())` (xxhash 4.1.0 on
//   libxxhash 0.8.4; it also gave W&B's values above for the four short inputs).
const VECTORS: Array<[string, Uint8Array, string]> = [
  ["empty", new Uint8Array(0), Buffer.from("99aa06d3014798d86001c324468d497f", "hex").toString("base64")],
  ["hello", new TextEncoder().encode("hello"), "tenBrQcbPn/Hec+qXlI4GA=="],
  ["foobar", new TextEncoder().encode("foobar"), "PJ4QJiiZf0Ssh7CxMcaZLQ=="],
  ["example data", new TextEncoder().encode("example data"), Buffer.from("f3c20656bd27147872c71e4cece53b20", "hex").toString("base64")],
];
const PATTERN_SIZE = 1048583;
const PATTERN = new Uint8Array(PATTERN_SIZE).map((_, i) => (i * 31 + 7) % 251);
const PATTERN_XXH128 = "fL8Vnkv99+Qy+jI2Omw9ow==";

describe("XXH128 as W&B writes it", () => {
  it.each(VECTORS)("matches the known digest of %s (canonical byte order, base64)", async (_name, bytes, expected) => {
    expect(await xxh128Base64([bytes])).toBe(expected);
  });

  it("gives the same digest whatever the chunking, past xxHash's 240-byte short-input path", async () => {
    async function* chunks(size: number) {
      for (let at = 0; at < PATTERN.byteLength; at += size) yield PATTERN.subarray(at, at + size);
    }
    expect(await xxh128Base64([PATTERN])).toBe(PATTERN_XXH128);
    for (const size of [239, 1021, 4096, 65_537]) expect(await xxh128Base64(chunks(size))).toBe(PATTERN_XXH128);
  });

  it("keeps independent state per hasher", async () => {
    const a = await createXxh128();
    const b = await createXxh128();
    a.update(new TextEncoder().encode("hel"));
    b.update(new TextEncoder().encode("foobar"));
    a.update(new TextEncoder().encode("lo"));
    expect(Buffer.from(a.digest()).toString("base64")).toBe("tenBrQcbPn/Hec+qXlI4GA==");
    expect(Buffer.from(b.digest()).toString("base64")).toBe("PJ4QJiiZf0Ssh7CxMcaZLQ==");
  });
});
