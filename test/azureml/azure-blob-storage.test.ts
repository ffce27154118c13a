// AzureBlobStorage against Azurite (the `azure` project starts it): uploads in one Put Blob and in blocks read back byte
// for byte, every Content-MD5 checked by Azurite (a wrong one, sent through a wrapping fetch, is refused and the same
// bytes sent again), no blob ever replaced, listings in pages, downloads resumed, and writes whose answer was lost.
// Authorisation (SAS given or minted, wrong keys, bearer tokens) is in azure-blob-auth.test.ts.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ConflictError, IntegrityError, NotFoundError } from "modelreg";
import type { ResolvedArtifact } from "../../src/artifacts/resolve-source.js";
import { AZURE_STORAGE_VERSION, AzureBlobStorage, type AzureBlobStorageSettings } from "../../src/storage/azure-blob-storage.js";
import { recordingLogger } from "../http/support/helpers.js";
import { createContainer } from "../support/azurite.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { rejectionOf } from "../support/rejection.js";

const KiB = 1024;
const BLOCK = 256 * KiB;
const CONTAINER = "blob-store";
const op = { operation: "createVersion" };
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("base64");

/** Deterministic bytes (`(i * 7 + seed) % 251`) given out in 100 KiB pieces, which no block boundary lines up with. */
function file(size: number, seed = 3, path = "f.bin"): { bytes: Uint8Array; entry: ResolvedArtifact } {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7 + seed) % 251);
  const open = async function* () {
    for (let at = 0; at < size; at += 100 * KiB) yield bytes.subarray(at, Math.min(size, at + 100 * KiB));
  };
  return { bytes, entry: { path, size, open } };
}

/** One request as the wrapping fetch saw it, and the status Azurite answered. */
interface Seen {
  method: string;
  comp: string | null;
  blockid: string | null;
  path: string;
  headers: Record<string, string>;
  status: number;
}

function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** A fetch that records every request, and may rewrite one's headers before it goes. */
function recordingFetch(rewrite?: (seen: Omit<Seen, "status">, headers: Headers) => void): typeof fetch & { seen: Seen[] } {
  const seen: Seen[] = [];
  const wrapped = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const entry = {
      method: init?.method ?? "GET",
      comp: url.searchParams.get("comp"),
      blockid: url.searchParams.get("blockid"),
      path: decodeURIComponent(url.pathname),
      headers: headersOf(headers),
    };
    rewrite?.(entry, headers);
    const res = await fetch(input, { ...init, headers });
    seen.push({ ...entry, status: res.status });
    return res;
  }) as typeof fetch & { seen: Seen[] };
  wrapped.seen = seen;
  return wrapped;
}

let bucket: string;
let endpoint: string;
let accountKey: string;

function storage(settings: Partial<AzureBlobStorageSettings> = {}): AzureBlobStorage {
  return new AzureBlobStorage({ provider: "azureml", auth: { kind: "key", accountKey }, blockBytes: BLOCK, retryBaseDelayMs: 1, ...settings });
}

async function read(store: AzureBlobStorage, name: string, into = bucket): Promise<Uint8Array> {
  const { stream } = await store.open(into, name, op);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

beforeAll(async () => {
  const azurite = inject("azurite");
  endpoint = azurite.blobEndpoint;
  accountKey = azurite.accountKey;
  bucket = await createContainer(azurite, CONTAINER);
});

describe("AzureBlobStorage uploads on Azurite", () => {
  it("sends a file shorter than a block as one Put Blob with its Content-MD5 and If-None-Match", async () => {
    const { bytes, entry } = file(100 * KiB + 7);
    const recorder = recordingFetch();
    const stored = await storage({ fetch: recorder }).upload(bucket, "m/1/small.bin", entry, { ...op, contentType: "application/x-test" });
    expect(stored).toEqual({ size: bytes.byteLength, sha256: sha(bytes), md5: md5(bytes) });
    expect(recorder.seen).toHaveLength(1);
    const [put] = recorder.seen;
    expect(put).toMatchObject({ method: "PUT", comp: null, path: `/devstoreaccount1/${CONTAINER}/m/1/small.bin`, status: 201 });
    expect(put?.headers).toMatchObject({
      "x-ms-blob-type": "BlockBlob",
      "x-ms-version": AZURE_STORAGE_VERSION,
      "content-md5": md5(bytes),
      "content-type": "application/x-test",
      "if-none-match": "*",
    });
    expect(sha(await read(storage(), "m/1/small.bin"))).toBe(sha(bytes));
  });

  it("sends a larger file as checksummed blocks and commits them with the whole file's MD5, read back byte for byte", async () => {
    const { bytes, entry } = file(4 * BLOCK + 123);
    const recorder = recordingFetch();
    const progress: number[] = [];
    const stored = await storage({ fetch: recorder }).upload(bucket, "m/1/large.bin", entry, { ...op, onBytes: (n) => progress.push(n) });
    expect(stored).toEqual({ size: bytes.byteLength, sha256: sha(bytes), md5: md5(bytes) });
    const blocks = recorder.seen.filter((r) => r.comp === "block");
    expect(recorder.seen.map((r) => r.comp)).toEqual(["block", "block", "block", "block", "block", "blocklist"]);
    expect(blocks.map((b) => b.status)).toEqual([201, 201, 201, 201, 201]);
    for (const [i, block] of blocks.entries()) expect(block.headers["content-md5"]).toBe(md5(bytes.subarray(i * BLOCK, (i + 1) * BLOCK)));
    // Block ids: base64 of equal-length strings, all different, one random prefix for the upload.
    const ids = blocks.map((b) => Buffer.from(b.blockid ?? "", "base64").toString());
    expect(new Set(ids.map((id) => id.length)).size).toBe(1);
    expect(new Set(ids).size).toBe(5);
    expect(new Set(ids.map((id) => id.split("-")[0])).size).toBe(1);
    const commit = recorder.seen.at(-1);
    expect(commit?.headers).toMatchObject({
      "x-ms-blob-content-md5": md5(bytes),
      "x-ms-blob-content-type": "application/octet-stream",
      "if-none-match": "*",
    });
    expect(commit?.status).toBe(201);
    expect(progress.at(-1)).toBe(bytes.byteLength);
    const store = storage();
    const { size } = await store.open(bucket, "m/1/large.bin", op);
    expect(size).toBe(bytes.byteLength);
    expect(sha(await read(store, "m/1/large.bin"))).toBe(sha(bytes));
    // Azure keeps the MD5 the commit named: the listing says it.
    const listed = await store.list(bucket, "m/1/", op);
    expect(listed).toEqual([
      { name: "m/1/large.bin", size: bytes.byteLength, md5: md5(bytes) },
      { name: "m/1/small.bin", size: 100 * KiB + 7, md5: md5(file(100 * KiB + 7).bytes) },
    ]);
  });

  it("sends a file of exactly two blocks as two blocks, an empty file as an empty Put Blob, and a file of unknown size by reading it", async () => {
    const two = file(2 * BLOCK, 5);
    const recorder = recordingFetch();
    await storage({ fetch: recorder }).upload(bucket, "m/2/two.bin", two.entry, op);
    expect(recorder.seen.map((r) => r.comp)).toEqual(["block", "block", "blocklist"]);
    expect(sha(await read(storage(), "m/2/two.bin"))).toBe(sha(two.bytes));
    expect(await storage().upload(bucket, "m/2/empty", file(0).entry, op)).toEqual({ size: 0, sha256: sha(new Uint8Array()), md5: md5(new Uint8Array()) });
    expect(await read(storage(), "m/2/empty")).toHaveLength(0);
    const unknown = file(BLOCK + 1, 9);
    const stored = await storage().upload(bucket, "m/2/unknown.bin", { ...unknown.entry, size: undefined }, op);
    expect(stored.size).toBe(BLOCK + 1);
    expect(sha(await read(storage(), "m/2/unknown.bin"))).toBe(sha(unknown.bytes));
  });

  it("stores nothing when the file is not what its source declared", async () => {
    for (const [name, size] of [
      ["m/3/small.bin", 10 * KiB],
      ["m/3/large.bin", 2 * BLOCK + 5],
    ] as const) {
      const { entry } = file(size);
      const error = await rejectionOf(storage().upload(bucket, name, { ...entry, sha256: "0".repeat(64) }, op));
      expect(IntegrityError.isInstance(error)).toBe(true);
      expect(NotFoundError.isInstance(await rejectionOf(storage().open(bucket, name, op)))).toBe(true);
    }
  });
});

describe("Content-MD5 on Azurite", () => {
  /** Rewrites the Content-MD5 of the first `times` requests `match` picks to the MD5 of other bytes. */
  function corrupting(match: (seen: Omit<Seen, "status">) => boolean, times: number) {
    let left = times;
    return recordingFetch((seen, headers) => {
      if (left > 0 && match(seen) && headers.has("content-md5")) {
        left--;
        headers.set("content-md5", md5(new TextEncoder().encode("other bytes")));
      }
    });
  }

  it("is checked on Put Blob and on every Put Block: a wrong one is refused, and the same buffer sent again succeeds", async () => {
    const small = file(50 * KiB, 11);
    const single = corrupting((r) => r.method === "PUT" && r.comp === null, 1);
    await storage({ fetch: single }).upload(bucket, "md5/single.bin", small.entry, op);
    expect(single.seen.map((r) => r.status)).toEqual([400, 201]);
    expect(sha(await read(storage(), "md5/single.bin"))).toBe(sha(small.bytes));

    const large = file(3 * BLOCK, 13);
    const blocks = corrupting((r) => r.comp === "block" && r.blockid !== null, 1);
    await storage({ fetch: blocks }).upload(bucket, "md5/blocks.bin", large.entry, op);
    expect(blocks.seen.map((r) => `${r.comp} ${r.status}`)).toEqual(["block 400", "block 201", "block 201", "block 201", "blocklist 201"]);
    expect(sha(await read(storage(), "md5/blocks.bin"))).toBe(sha(large.bytes));
  });

  it("fails typed when every attempt is refused, and nothing is stored", async () => {
    for (const [name, size, match] of [
      ["md5/never-single.bin", 10 * KiB, (r: Omit<Seen, "status">) => r.comp === null],
      ["md5/never-blocks.bin", 2 * BLOCK, (r: Omit<Seen, "status">) => r.comp === "block"],
    ] as const) {
      const recorder = corrupting(match, 100);
      const error = await rejectionOf(storage({ fetch: recorder, maxRetries: 1 }).upload(bucket, name, file(size).entry, op));
      expect(IntegrityError.isInstance(error)).toBe(true);
      expect((error as IntegrityError).providerCode).toBe("InvalidOperation");
      expect((error as Error).message).toMatch(/^\[azureml\] createVersion: InvalidOperation: Provided contentMD5 doesn't match/);
      expect(recorder.seen.map((r) => r.status)).toEqual([400, 400]);
      expect(NotFoundError.isInstance(await rejectionOf(storage().open(bucket, name, op)))).toBe(true);
    }
  });
});

describe("never replacing a blob", () => {
  it("refuses an upload over an existing blob, in one Put Blob and in blocks, and keeps the first bytes", async () => {
    const first = file(30 * KiB, 17);
    await storage().upload(bucket, "once/a.bin", first.entry, op);
    for (const replacement of [file(1000, 19), file(2 * BLOCK + 1, 23)]) {
      const error = await rejectionOf(storage().upload(bucket, "once/a.bin", replacement.entry, op));
      expect(ConflictError.isInstance(error)).toBe(true);
      expect((error as ConflictError).providerCode).toBe("BlobAlreadyExists");
      expect((error as ConflictError).statusCode).toBe(409);
      expect((error as Error).message).toBe(
        `[azureml] createVersion: ${CONTAINER}/once/a.bin already exists in Azure Blob Storage; a version's files are never replaced`,
      );
    }
    expect(sha(await read(storage(), "once/a.bin"))).toBe(sha(first.bytes));
  });

  it("writes JSON over itself (metadata the adapter owns), and reads nothing where there is nothing", async () => {
    const store = storage();
    await store.putJson(bucket, "once/meta.json", { stage: "staging" }, op);
    await store.putJson(bucket, "once/meta.json", { stage: "production" }, op);
    expect(await store.getJson(bucket, "once/meta.json", op)).toEqual({ stage: "production" });
    expect(await store.getJson(bucket, "once/none.json", op)).toBeUndefined();
    await store.delete(bucket, "once/meta.json", op);
    expect(await store.getJson(bucket, "once/meta.json", op)).toBeUndefined();
    const missing = await rejectionOf(store.delete(bucket, "once/meta.json", op));
    expect(NotFoundError.isInstance(missing) && missing.providerCode === "BlobNotFound").toBe(true);
  });

  it("says a missing container is missing, rather than reading it as an empty one", async () => {
    const error = await rejectionOf(storage().getJson(`${endpoint}/no-such-container`, "a.json", op));
    expect(NotFoundError.isInstance(error) && error.providerCode === "ContainerNotFound").toBe(true);
  });

  it("names a container by its name under the account URL as well as by its URL", async () => {
    const store = storage({ accountUrl: endpoint });
    await store.putJson(CONTAINER, "byname/x.json", { a: 1 }, op);
    expect(await store.getJson(bucket, "byname/x.json", op)).toEqual({ a: 1 });
  });
});

describe("listing and reading on Azurite", () => {
  it("follows NextMarker through pages of maxresults blobs", async () => {
    // In the order Azure lists them: by code point, so ü after z.
    const names = ["paged/a", "paged/b c", "paged/d/e", "paged/z", "paged/ü"];
    for (const name of names) await storage().putJson(bucket, name, { name }, op);
    await storage().putJson(bucket, "pagedx", {}, op);
    const logger = recordingLogger();
    const listed = await storage({ listPageSize: 2, logger }).list(bucket, "paged/", op);
    expect(listed.map((o) => o.name)).toEqual(names);
    for (const o of listed) expect(o.size).toBe(JSON.stringify({ name: o.name }, null, 2).length + (o.name === "paged/ü" ? 1 : 0));
    const pages = logger.lines.map((l) => new URL(String(l.data?.url)).searchParams);
    expect(pages.map((p) => [p.get("maxresults"), p.has("marker")])).toEqual([
      ["2", false],
      ["2", true],
      ["2", true],
    ]);
    expect(await storage().list(bucket, "paged/none/", op)).toEqual([]);
  });

  let proxies: FaultProxy[] = [];

  it("resumes a download cut mid-way with a Range request, which Azurite answers with 206", async () => {
    const { bytes, entry } = file(3 * BLOCK + 77, 29);
    await storage().upload(bucket, "resume/big.bin", entry, op);
    let cut = false;
    const proxy = await startFaultProxy({
      upstream: new URL(endpoint).origin,
      seed: 1,
      rate: 1,
      kinds: ["truncate"],
      eligible: (method, path) => {
        if (cut || method !== "GET" || !path.includes("/resume/big.bin")) return false;
        cut = true;
        return true;
      },
    });
    proxies.push(proxy);
    try {
      const logger = recordingLogger();
      const through = `${proxy.url}${new URL(endpoint).pathname}/${CONTAINER}`;
      const got = await read(storage({ logger }), "resume/big.bin", through);
      expect(sha(got)).toBe(sha(bytes));
      expect(proxy.faults.map((f) => f.kind)).toEqual(["truncate"]);
      expect(logger.lines.map((l) => l.data?.status)).toEqual([200, 206]);
    } finally {
      await Promise.all(proxies.map((p) => p.close()));
      proxies = [];
    }
  });

  it("recognises its own write when the answer to a Put Blob or a Put Block List was lost and the resend meets the blob", async () => {
    // The proxy sees paths without their query: the Put Blob is the first PUT to its blob, the Put Block List of a
    // three-block file the fourth.
    for (const [name, size, nth] of [
      ["lost/single.bin", 20 * KiB, 1],
      ["lost/blocks.bin", 2 * BLOCK + 9, 4],
    ] as const) {
      let puts = 0;
      const proxy = await startFaultProxy({
        upstream: new URL(endpoint).origin,
        seed: 2,
        rate: 1,
        kinds: ["reset-after"],
        eligible: (method, path) => method === "PUT" && path.endsWith(name) && ++puts === nth,
      });
      try {
        const { bytes, entry } = file(size, 31);
        const logger = recordingLogger();
        const through = `${proxy.url}${new URL(endpoint).pathname}/${CONTAINER}`;
        expect(await storage({ logger }).upload(through, name, entry, op)).toMatchObject({ size, sha256: sha(bytes) });
        expect(proxy.faults.map((f) => f.kind)).toEqual(["reset-after"]);
        // The resend met the blob (409), and a HEAD found the MD5 this upload sent.
        const attempts = logger.lines.filter((l) => l.data?.method !== undefined).map((l) => `${l.data?.method} ${l.data?.outcome}`);
        expect(attempts.slice(-3)).toEqual(["PUT ConnectionError", "PUT 409", "HEAD 200"]);
        expect(sha(await read(storage(), name))).toBe(sha(bytes));
      } finally {
        await proxy.close();
      }
    }
  });
});
