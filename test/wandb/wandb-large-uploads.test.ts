import { createHash, randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { http, HttpResponse } from "msw";
import { InvalidInputError } from "modelreg";
import { azureBlockSize, AZURE_MAX_BLOCKS } from "../../src/adapters/wandb/wandb-azure-upload.js";
import { MULTIPART_MAX_BYTES, MULTIPART_MAX_PARTS, MULTIPART_PART_BYTES, multipartPartSize } from "../../src/adapters/wandb/wandb-upload.js";
import { CANARY } from "../support/canary.js";
import { ENTITY, STORAGE } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const { fake, server, registry } = useWandbFake();
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/** A file of `size` patterned bytes, as an entry streamed in 100 KiB chunks. */
function patterned(path: string, size: number) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 13 + 5) % 251);
  const entry = {
    path,
    size,
    open: async function* () {
      for (let at = 0; at < size; at += 100 * KiB) yield bytes.subarray(at, at + 100 * KiB);
    },
  };
  return { bytes, entry };
}
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

afterEach(() => {
  fake.azure = false;
  fake.azureBlobs.putBlobMaxBytes = 5000 * MiB;
  fake.azureBlobs.log.length = 0;
});

describe("W&B multipart part size", () => {
  it("is W&B's getChunkSize: 100 MiB until a file would need more than 10,000 parts, then size/10,000 rounded up to 4 KiB", () => {
    expect(multipartPartSize(2 * GiB)).toBe(MULTIPART_PART_BYTES);
    expect(multipartPartSize(MULTIPART_PART_BYTES * MULTIPART_MAX_PARTS - 1)).toBe(MULTIPART_PART_BYTES);
    for (const size of [MULTIPART_PART_BYTES * MULTIPART_MAX_PARTS, TiB + 1, 3 * TiB + 12_345, MULTIPART_MAX_BYTES]) {
      const part = multipartPartSize(size);
      expect(part % 4096).toBe(0);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(MULTIPART_MAX_PARTS);
      // S3's part limits: at least 5 MiB, at most 5 GiB.
      expect(part).toBeGreaterThanOrEqual(5 * MiB);
      expect(part).toBeLessThanOrEqual(5 * GiB);
    }
    // W&B's own test value (core/pkg/artifacts/multipart_test.go works it the same way): 1 TiB + 1 byte.
    expect(multipartPartSize(TiB + 1)).toBe(Math.ceil(Math.ceil((TiB + 1) / 10_000) / 4096) * 4096);
  });

  it("grows so a file never declares more than 10,000 parts (the small part size tests use would need 10,001)", async () => {
    const size = 16 * MULTIPART_MAX_PARTS + 1;
    const { bytes, entry } = patterned("weights.bin", size);
    const r = registry({ entity: ENTITY, multipartMinBytes: 1024, multipartPartBytes: 16 });
    const v = await r.createVersion("many-parts", { artifacts: { entries: [entry] } });
    const spec = (
      fake.requests.filter((x) => x.operation === "CreateArtifactFiles").at(-1)?.variables as {
        input: { artifactFiles: Array<{ uploadPartsInput: unknown[] }> };
      }
    ).input.artifactFiles[0];
    expect(spec?.uploadPartsInput.length).toBeLessThanOrEqual(MULTIPART_MAX_PARTS);
    expect(spec?.uploadPartsInput).toHaveLength(Math.ceil(size / 4096));
    expect(sha(new Uint8Array(await new Response((await r.openArtifact(v, "weights.bin")).stream).arrayBuffer()))).toBe(sha(bytes));
  });

  it("refuses a file over S3's 5 TiB before any request, as W&B's client does", async () => {
    const before = fake.requests.length;
    const r = registry({ entity: ENTITY });
    const huge = {
      path: "huge.bin",
      size: MULTIPART_MAX_BYTES + 1,
      open: (): AsyncIterable<Uint8Array> => {
        throw new Error("must not be read");
      },
    };
    await expect(r.createVersion("too-big", { artifacts: { entries: [huge] } })).rejects.toThrow(InvalidInputError);
    expect(fake.requests.slice(before).filter((x) => x.operation !== "ServerFeatures" && x.operation !== "Viewer")).toEqual([]);
  });
});

describe("W&B uploads to Azure-backed storage", () => {
  it("sends a file bigger than one Put Blob takes as blocks and a block list, and reads it back whole", async () => {
    fake.azure = true;
    fake.azureBlobs.putBlobMaxBytes = 300 * KiB;
    const { bytes, entry } = patterned("weights.bin", 700 * KiB);
    const r = registry({ entity: ENTITY, azureBlockBytes: 64 * KiB });
    const v = await r.createVersion("azure-big", { artifacts: { entries: [entry, { path: "small.json", content: "{}" }] } });
    const log = fake.azureBlobs.log;
    expect(log.every((x) => x.status === 201)).toBe(true);
    const blocks = log.filter((x) => x.op === "putBlock");
    expect(blocks).toHaveLength(Math.ceil((700 * KiB) / (64 * KiB)));
    expect(Math.max(...blocks.map((b) => b.bytes))).toBe(64 * KiB);
    expect(log.filter((x) => x.op === "putBlockList")).toHaveLength(1);
    // The small file and the manifest fit in one block: one Put Blob each, as Microsoft's SDK sends them.
    expect(log.filter((x) => x.op === "putBlob")).toHaveLength(2);
    // The blob keeps the MD5 W&B asked for (Put Block List sets it; Azure checked each block's own).
    const committed = [...fake.azureBlobs.committed.values()].find((b) => b.blocks.length > 0);
    expect(committed?.contentMD5).toBe(createHash("md5").update(bytes).digest("base64"));
    expect(sha(new Uint8Array(await new Response((await r.openArtifact(v, "weights.bin")).stream).arrayBuffer()))).toBe(sha(bytes));
  });

  it("resends only the block that failed", async () => {
    fake.azure = true;
    let failed = 0;
    // The first Put Block to arrive fails once with Azure's 503; every other request goes through to the fake.
    server.use(
      http.put(`${STORAGE}/azure/:token`, ({ request }) => {
        if (new URL(request.url).searchParams.get("comp") !== "block" || failed > 0) return undefined;
        failed++;
        return new HttpResponse("<Error><Code>ServerBusy</Code></Error>", { status: 503 });
      }),
    );
    const { bytes, entry } = patterned("w.bin", 200 * KiB);
    const r = registry({ entity: ENTITY, azureBlockBytes: 64 * KiB, maxRetries: 2, retryBaseDelayMs: 1 });
    const v = await r.createVersion("azure-retry", { artifacts: { entries: [entry] } });
    expect(failed).toBe(1);
    const blocks = fake.azureBlobs.log.filter((x) => x.op === "putBlock");
    // Four blocks, each staged once by the fake (the failed attempt never reached it).
    expect(blocks).toHaveLength(4);
    expect(sha(new Uint8Array(await new Response((await r.openArtifact(v, "w.bin")).stream).arrayBuffer()))).toBe(sha(bytes));
  });

  it("grows blocks so a file never needs more than Azure's 50,000", () => {
    expect(azureBlockSize(10 * GiB)).toBe(4 * MiB);
    const size = 4 * MiB * AZURE_MAX_BLOCKS + 1;
    expect(Math.ceil(size / azureBlockSize(size))).toBeLessThanOrEqual(AZURE_MAX_BLOCKS);
  });
});

describe("the fake's Azure blob storage", () => {
  const put = (url: string, body: string, headers: Record<string, string> = {}) => fetch(url, { method: "PUT", body, headers });
  const grant = () => {
    const token = randomUUID();
    fake.signed.set(token, { path: `objects/azure-${token}`, md5: "" });
    return { url: `${STORAGE}/azure/${token}?sv=2022-11-02&sr=b&sp=cw&sig=${CANARY.urlSignature}`, path: `objects/azure-${token}` };
  };
  const id = (n: number, width = 8) => Buffer.from(String(n).padStart(width, "0")).toString("base64");
  const block = (url: string, n: string) => `${url}&comp=block&blockid=${encodeURIComponent(n)}`;

  it("keeps blocks invisible until a block list commits them, in the list's order", async () => {
    const { url, path } = grant();
    expect((await put(block(url, id(1)), "world")).status).toBe(201);
    expect((await put(block(url, id(0)), "hello ")).status).toBe(201);
    expect(fake.storage.has(path)).toBe(false);
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${id(0)}</Latest><Uncommitted>${id(1)}</Uncommitted></BlockList>`;
    expect((await put(`${url}&comp=blocklist`, list)).status).toBe(201);
    expect(new TextDecoder().decode(fake.storage.get(path))).toBe("hello world");
  });

  it("refuses block ids of another length, unknown ids in a list, a wrong block MD5 and Put Blob past its limit", async () => {
    const { url } = grant();
    expect((await put(block(url, id(0)), "a")).status).toBe(201);
    const other = await put(block(url, id(1, 12)), "b");
    expect(other.status).toBe(400);
    expect(other.headers.get("x-ms-error-code")).toBe("InvalidBlobOrBlock");
    const list = `<BlockList><Latest>${id(0)}</Latest><Latest>${id(9)}</Latest></BlockList>`;
    expect((await put(`${url}&comp=blocklist`, list)).headers.get("x-ms-error-code")).toBe("InvalidBlockList");
    expect((await put(block(url, id(2)), "c", { "content-md5": createHash("md5").update("d").digest("base64") })).headers.get("x-ms-error-code")).toBe(
      "Md5Mismatch",
    );
    fake.azureBlobs.putBlobMaxBytes = 3;
    expect((await put(url, "four", { "x-ms-blob-type": "BlockBlob" })).status).toBe(413);
    expect((await put(url, "abc")).headers.get("x-ms-error-code")).toBe("MissingRequiredHeader");
  });
});
