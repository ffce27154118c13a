import { createHash } from "node:crypto";

// Digests, not deep equality: comparing megabytes element by element is slow and its diff unreadable.
const sha = (bytes: Uint8Array | undefined) => (bytes ? createHash("sha256").update(bytes).digest("hex") : "missing");
import { describe, expect, it } from "vitest";
import { IntegrityError, type ModelVersion } from "modelreg";
import { BUCKET, useVertexFakes } from "./support/setup.js";

const fakes = useVertexFakes();
const KiB = 1024;

/** Deterministic bytes, produced in 100 KiB pieces so chunk edges fall mid-piece. */
function source(size: number) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7 + 3) % 251);
  const open = async function* () {
    for (let at = 0; at < size; at += 100 * KiB) yield bytes.subarray(at, Math.min(size, at + 100 * KiB));
  };
  return { bytes, entry: { path: "weights.bin", size, open }, unsized: { path: "weights.bin", open } };
}

/** The stored weights.bin of a version, found through its artifactUri. */
const storedFile = (v: ModelVersion | undefined) => fakes.gcs.objects.get(`${String(v?.artifacts.uri).slice("gs://".length)}weights.bin`);

describe("Cloud Storage uploads", () => {
  it("sends a small file in one multipart request carrying its md5 and crc32c", async () => {
    const { bytes, entry } = source(300 * KiB);
    const before = fakes.gcs.requests.length;
    const v = await fakes.registry().createVersion("small-up", { artifacts: { entries: [entry] } });
    const stored = storedFile(v);
    expect(sha(stored?.bytes)).toBe(sha(bytes));
    const sent = fakes.gcs.requests.slice(before);
    expect(sent.filter((r) => r.includes("uploadType=multipart")).length).toBeGreaterThan(0);
    expect(sent.filter((r) => r.startsWith("PUT session"))).toEqual([]);
  });

  it("sends a large file in 256 KiB-multiple chunks through a resumable session", async () => {
    const { bytes, entry } = source(1300 * KiB);
    const before = fakes.gcs.requests.length;
    const v = await fakes.registry({ multipartMaxBytes: 256 * KiB, uploadChunkBytes: 256 * KiB }).createVersion("big-up", { artifacts: { entries: [entry] } });
    expect(sha(storedFile(v)?.bytes)).toBe(sha(bytes));
    const chunks = fakes.gcs.requests.slice(before).filter((r) => r.startsWith("PUT session bytes "));
    expect(chunks).toEqual([
      "PUT session bytes 0-262143/1331200",
      "PUT session bytes 262144-524287/1331200",
      "PUT session bytes 524288-786431/1331200",
      "PUT session bytes 786432-1048575/1331200",
      "PUT session bytes 1048576-1310719/1331200",
      "PUT session bytes 1310720-1331199/1331200",
    ]);
    const files = await fakes.registry().listArtifacts(v);
    expect(files[0]?.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("sends the rest when GCS keeps less than a chunk, and uses * for the total while the size is unknown", async () => {
    const { bytes, unsized } = source(1000 * KiB);
    fakes.gcs.persistAtMost(256 * KiB);
    const before = fakes.gcs.requests.length;
    let v: ModelVersion | undefined;
    try {
      v = await fakes.registry({ multipartMaxBytes: 0, uploadChunkBytes: 512 * KiB }).createVersion("partial-up", { artifacts: { entries: [unsized] } });
    } finally {
      fakes.gcs.persistAtMost(undefined);
    }
    expect(sha(storedFile(v)?.bytes)).toBe(sha(bytes));
    const chunks = fakes.gcs.requests.slice(before).filter((r) => r.startsWith("PUT session"));
    expect(chunks[0]).toBe("PUT session bytes 0-524287/*");
    // GCS kept 256 KiB of the first 512, so the next chunk starts there.
    expect(chunks[1]).toMatch(/^PUT session bytes 262144-/);
    // The last chunk, once the end is known, names the total.
    expect(chunks.filter((r) => /\/1024000$/.test(r))).toHaveLength(1);
  });

  it("resumes after a dropped connection from the offset GCS reports, not from zero", async () => {
    const { bytes, entry } = source(1300 * KiB);
    fakes.gcs.dropNextChunkResponse();
    const before = fakes.gcs.requests.length;
    const v = await fakes.registry({ multipartMaxBytes: 0, uploadChunkBytes: 256 * KiB }).createVersion("dropped-up", { artifacts: { entries: [entry] } });
    expect(sha(storedFile(v)?.bytes)).toBe(sha(bytes));
    const puts = fakes.gcs.requests.slice(before).filter((r) => r.startsWith("PUT session"));
    expect(puts.slice(0, 3)).toEqual(["PUT session bytes 0-262143/1331200", "PUT session bytes */1331200", "PUT session bytes 262144-524287/1331200"]);
    expect(puts.filter((r) => r === "PUT session bytes 0-262143/1331200")).toHaveLength(1);
  });

  it("refuses an object GCS stored with another md5, and leaves no version", async () => {
    const { entry } = source(600 * KiB);
    fakes.gcs.corruptNextHash = true;
    const registry = fakes.registry({ multipartMaxBytes: 0, uploadChunkBytes: 256 * KiB });
    await expect(registry.createVersion("bad-hash", { artifacts: { entries: [entry] } })).rejects.toThrow(IntegrityError);
    expect(fakes.vertex.models.has("bad-hash")).toBe(false);
    expect([...fakes.gcs.objects.keys()].filter((k) => k.startsWith(`${BUCKET}/models/bad-hash/`))).toEqual([]);
  });
});
