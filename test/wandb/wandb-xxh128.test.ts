import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { IntegrityError, UnsupportedCapabilityError } from "modelreg";
import { ENTITY } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const { fake, registry } = useWandbFake();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "modelreg-wb-xxh-"));
  dirs.push(d);
  return d;
};
const text = (s: string) => new TextEncoder().encode(s);
// XXH128 digests computed by W&B's own clients, from W&B's own tests (see test/artifacts/xxh128.test.ts): never by
// the code under test.
const HELLO_XXH128 = "tenBrQcbPn/Hec+qXlI4GA==";
const FOOBAR_XXH128 = "PJ4QJiiZf0Ssh7CxMcaZLQ==";
const md5 = (s: string) => createHash("md5").update(s).digest("base64");

const DEFAULT_FEATURES = { ...fake.features };
afterEach(() => {
  fake.features = { ...DEFAULT_FEATURES };
  delete fake.entities.get(ENTITY)?.xxhashDigestsEnabled;
});
const xxhashOn = () => {
  fake.features = { ...DEFAULT_FEATURES, ARTIFACT_DIGEST_ALGORITHM: true };
  (fake.entities.get(ENTITY) as { xxhashDigestsEnabled?: boolean }).xxhashDigestsEnabled = true;
};
const lastVars = <T>(operation: string) => fake.requests.filter((x) => x.operation === operation).at(-1)?.variables as T;
const storedManifest = (collection: string) => {
  const c = fake.collections.get(`${ENTITY}/models/${collection}`);
  const a = c?.members.at(-1);
  return JSON.parse(new TextDecoder().decode(fake.storage.get(a?.manifestPath ?? "") ?? new Uint8Array())) as {
    contents: Record<string, { digest: string; extra?: { alg?: string } }>;
  };
};

describe("W&B versions logged by W&B's client with XXH128 digests", () => {
  it("download and open with each file checked against its XXH128", async () => {
    fake.logAsWandbClient({
      collection: "xxh-good",
      files: [
        { path: "hello.txt", bytes: text("hello"), digest: HELLO_XXH128, alg: "XXH128" },
        { path: "sub/foobar.txt", bytes: text("foobar"), digest: FOOBAR_XXH128, alg: "XXH128" },
        // An MD5 entry beside them, as a version made from an older draft has.
        { path: "old.txt", bytes: text("old"), digest: md5("old") },
      ],
    });
    const r = registry({ entity: ENTITY });
    const v = await r.getVersion("xxh-good@latest");
    const listed = await r.listArtifacts(v);
    // XXH128 is not MD5: those files are listed without an md5 rather than with a digest that would never match.
    expect(listed.find((f) => f.path === "hello.txt")).toEqual({ path: "hello.txt", size: 5 });
    expect(listed.find((f) => f.path === "old.txt")?.md5).toBe(md5("old"));
    const dir = await tempDir();
    await r.downloadArtifacts(v, dir);
    expect(await readFile(join(dir, "hello.txt"), "utf8")).toBe("hello");
    expect(await readFile(join(dir, "sub/foobar.txt"), "utf8")).toBe("foobar");
    expect(await new Response((await r.openArtifact(v, "sub/foobar.txt")).stream).text()).toBe("foobar");
  });

  it("are an IntegrityError when a file's bytes are not its XXH128, and nothing lands", async () => {
    fake.logAsWandbClient({
      collection: "xxh-bad",
      files: [
        { path: "a.txt", bytes: text("foobar"), digest: FOOBAR_XXH128, alg: "XXH128" },
        // Corrupted in storage: the manifest says "hello".
        { path: "b.txt", bytes: text("hellp"), digest: HELLO_XXH128, alg: "XXH128" },
      ],
    });
    const r = registry({ entity: ENTITY });
    const v = await r.getVersion("xxh-bad@latest");
    const dir = await tempDir();
    await expect(r.downloadArtifacts(v, dir)).rejects.toThrow(IntegrityError);
    expect(await readdir(dir)).toEqual([]);
    await expect(new Response((await r.openArtifact(v, "b.txt")).stream).text()).rejects.toThrow(/xxh128/);
    await expect(new Response((await r.openArtifact(v, "a.txt")).stream).text()).resolves.toBe("foobar");
  });

  it("refuse a digest algorithm this SDK does not know before fetching the file", async () => {
    fake.logAsWandbClient({ collection: "xxh-future", files: [{ path: "f.bin", bytes: text("f"), digest: "AAAA", alg: "BLAKE3" }] });
    const r = registry({ entity: ENTITY });
    const v = await r.getVersion("xxh-future@latest");
    const before = fake.storageRequests.length;
    await expect(r.openArtifact(v, "f.bin")).rejects.toThrow(UnsupportedCapabilityError);
    await expect(r.downloadArtifacts(v, await tempDir())).rejects.toThrow(UnsupportedCapabilityError);
    expect(fake.storageRequests.slice(before).filter((x) => x.url.includes("objects/"))).toEqual([]);
  });
});

describe("W&B versions created where W&B has XXH128 on", () => {
  beforeEach(xxhashOn);

  it("are hashed with XXH128 like W&B's client: tagged entries, XXH128 artifact digest, digests sent with the files", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("xxh-new", { artifacts: { entries: [{ path: "file1.txt", content: "hello" }] } });
    const ops = fake.requests.map((x) => x.operation);
    expect(ops.slice(ops.lastIndexOf("XXHashDigestsEnabled"), ops.lastIndexOf("XXHashDigestsEnabled") + 3)).toEqual([
      "XXHashDigestsEnabled",
      "FetchArtifactDigestAlgorithm",
      "UpsertBucket",
    ]);
    const created = lastVars<{ input: { digest: string; digestAlgorithm: string } }>("CreateArtifact").input;
    // W&B's client gives this digest for the same one file (test_artifact_upload_with_correct_digests).
    expect(created).toMatchObject({ digest: "fe0d6c1a25b6d98451da9b04ebf6d80c", digestAlgorithm: "MANIFEST_XXH128" });
    const filesInput = lastVars<{ input: { digestAlgorithm: string; artifactFiles: Array<{ md5: string; digest: string }> } }>("CreateArtifactFiles").input;
    expect(filesInput.digestAlgorithm).toBe("MANIFEST_XXH128");
    // The MD5 still goes with the file: storage checks the PUT against it.
    expect(filesInput.artifactFiles[0]).toMatchObject({ md5: md5("hello"), digest: HELLO_XXH128 });
    expect(storedManifest("xxh-new").contents["file1.txt"]).toMatchObject({ digest: HELLO_XXH128, extra: { alg: "XXH128" } });
    expect(fake.collections.get(`${ENTITY}/models/xxh-new`)?.digestAlgorithm).toBe("MANIFEST_XXH128");
    expect(await new Response((await r.openArtifact(v, "file1.txt")).stream).text()).toBe("hello");
  });

  it("follow a sequence W&B's client made with XXH128, and stay MD5 in a sequence that is MD5", async () => {
    fake.logAsWandbClient({ collection: "xxh-theirs", files: [{ path: "x.txt", bytes: text("hello"), digest: HELLO_XXH128, alg: "XXH128" }] });
    const r = registry({ entity: ENTITY });
    await r.createVersion("xxh-theirs", { artifacts: { entries: [{ path: "x.txt", content: "foobar" }] } });
    expect(lastVars<{ input: { digestAlgorithm: string } }>("CreateArtifact").input.digestAlgorithm).toBe("MANIFEST_XXH128");
    expect(storedManifest("xxh-theirs").contents["x.txt"]).toMatchObject({ digest: FOOBAR_XXH128, extra: { alg: "XXH128" } });

    fake.logAsWandbClient({ collection: "md5-theirs", digestAlgorithm: "MANIFEST_MD5", files: [{ path: "x.txt", bytes: text("old"), digest: md5("old") }] });
    await r.createVersion("md5-theirs", { artifacts: { entries: [{ path: "x.txt", content: "new" }] } });
    expect(lastVars<{ input: { digestAlgorithm: string } }>("CreateArtifact").input.digestAlgorithm).toBe("MANIFEST_MD5");
    const entry = storedManifest("md5-theirs").contents["x.txt"];
    expect(entry).toEqual(expect.objectContaining({ digest: md5("new") }));
    expect(entry?.extra).toBeUndefined();
  });

  it("stay MD5 where the entity has XXH128 off, asking nothing more", async () => {
    (fake.entities.get(ENTITY) as { xxhashDigestsEnabled?: boolean }).xxhashDigestsEnabled = false;
    const before = fake.requests.length;
    const r = registry({ entity: ENTITY });
    await r.createVersion("xxh-off", { artifacts: { entries: [{ path: "a.txt", content: "hello" }] } });
    const ops = fake.requests.slice(before).map((x) => x.operation);
    expect(ops).toContain("XXHashDigestsEnabled");
    expect(ops).not.toContain("FetchArtifactDigestAlgorithm");
    expect(lastVars<{ input: { digestAlgorithm: string } }>("CreateArtifact").input.digestAlgorithm).toBe("MANIFEST_MD5");
    expect(storedManifest("xxh-off").contents["a.txt"]).toEqual(expect.objectContaining({ digest: md5("hello") }));
  });
});

describe("W&B versions created on a server without ARTIFACT_DIGEST_ALGORITHM", () => {
  it("are MD5, with no digest-algorithm query and no digest fields the server would refuse", async () => {
    const before = fake.requests.length;
    const r = registry({ entity: ENTITY });
    await r.createVersion("md5-old-server", { artifacts: { entries: [{ path: "a.txt", content: "hello" }] } });
    const ops = fake.requests.slice(before).map((x) => x.operation);
    expect(ops).not.toContain("XXHashDigestsEnabled");
    expect(ops).not.toContain("FetchArtifactDigestAlgorithm");
    expect(lastVars<{ input: { digestAlgorithm: string } }>("CreateArtifact").input.digestAlgorithm).toBe("MANIFEST_MD5");
    const filesInput = lastVars<{ input: Record<string, unknown> & { artifactFiles: Array<Record<string, unknown>> } }>("CreateArtifactFiles").input;
    expect(filesInput).not.toHaveProperty("digestAlgorithm");
    expect(filesInput.artifactFiles[0]).not.toHaveProperty("digest");
  });
});
