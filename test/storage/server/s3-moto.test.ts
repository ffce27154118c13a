// S3Storage against moto's S3 (the `aws` project starts it), path style: moto refuses virtual-hosted `bucket.localhost`
// requests (reference §12, "Where S3 differs from AWS", 5). moto checks neither checksums nor signatures (1, 4), so
// those are tested against the msw fake (test/storage/*.test.ts); here is what moto does as AWS does: the 5 MiB part
// minimum, If-None-Match (412 on PutObject and on completion), ranges (206), continuation tokens, and what AWS's own
// client, boto3, makes of modelreg's objects and modelreg of boto3's.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConflictError } from "modelreg";
import type { ResolvedArtifact } from "../../../src/artifacts/resolve-source.js";
import { S3Storage, type S3StorageSettings } from "../../../src/storage/s3-storage.js";
import { recordingLogger } from "../../http/support/helpers.js";
import { type FaultProxy, startFaultProxy } from "../../support/fault-proxy.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../../support/moto-server.js";
import { ensureAwsPeers } from "../../support/official-clients.js";
import { pythonEnv } from "../../support/python-venv.js";
import { rejectionOf } from "../../support/rejection.js";

const run = promisify(execFile);
const MiB = 1024 * 1024;
const BUCKET = "modelreg-s3-layer";
const op = { operation: "createVersion" };
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

/** The same deterministic bytes boto3's side makes (`(i * 7 + 3) % 251`), given out in 1 MiB pieces. */
function file(size: number, path = "f.bin"): { bytes: Uint8Array; entry: ResolvedArtifact } {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7 + 3) % 251);
  const open = async function* () {
    for (let at = 0; at < size; at += MiB) yield bytes.subarray(at, Math.min(size, at + MiB));
  };
  return { bytes, entry: { path, size, open } };
}

/** boto3's side: `put <key> <size> [multipart]` uploads those bytes; `get <key>` reads an object with its checksum. */
const BOTO3 = `
import boto3, hashlib, io, json, os, sys
from boto3.s3.transfer import TransferConfig
s3 = boto3.client("s3", endpoint_url=os.environ["MOTO_URL"], region_name=os.environ["AWS_DEFAULT_REGION"])
bucket, out = sys.argv[1], {}
for spec in sys.argv[2:]:
    verb, key, *rest = spec.split(" ", 2)
    if verb == "put":
        size, multipart = int(rest[0].split(" ")[0]), rest[0].endswith("multipart")
        # (i * 7 + 3) % 251 repeats every 251 bytes.
        body = (bytes((i * 7 + 3) % 251 for i in range(251)) * (size // 251 + 1))[:size]
        if multipart:
            s3.upload_fileobj(io.BytesIO(body), bucket, key, Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
        else:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256")
        out[key] = "put"
    else:
        got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        body = got["Body"].read()
        out[key] = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "checksum": got.get("ChecksumSHA256"), "type": got.get("ChecksumType")}
print(json.dumps(out))
`;

let python: string;
let moto: string;

async function boto3(...specs: string[]): Promise<Record<string, { sha256: string; size: number; checksum?: string; type?: string } | string>> {
  const { stdout } = await run(python, ["-c", BOTO3, BUCKET, ...specs], {
    env: pythonEnv({
      MOTO_URL: moto,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
      AWS_DEFAULT_REGION: MOTO_REGION,
      AWS_ENDPOINT_URL: undefined,
    }),
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, { sha256: string; size: number; checksum?: string; type?: string }>;
}

function storage(settings: Partial<S3StorageSettings> = {}): S3Storage {
  return new S3Storage({
    provider: "sagemaker",
    region: MOTO_REGION,
    credentials: async () => MOTO_CREDENTIALS,
    endpoint: moto,
    forcePathStyle: true,
    retryBaseDelayMs: 1,
    ...settings,
    // moto enforces S3's 5 MiB minimum part size, so parts are real-sized here.
    tuning: { singlePutMaxBytes: 5 * MiB, partBytes: 5 * MiB, ...settings.tuning },
  });
}

/** moto's open multipart uploads in the bucket (ListMultipartUploads; moto checks no signature). */
async function openUploads(): Promise<number> {
  const text = await (await fetch(`${moto}/${BUCKET}?uploads`)).text();
  return text.match(/<Upload>/g)?.length ?? 0;
}

const proxies: FaultProxy[] = [];

beforeAll(async () => {
  moto = inject("motoUrl");
  python = (await ensureAwsPeers()).python;
  const made = await fetch(`${moto}/${BUCKET}`, { method: "PUT" });
  expect(made.ok).toBe(true);
}, 600_000);

afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
});

describe("S3Storage on moto", () => {
  const small = file(300 * 1024);
  const large = file(11 * MiB);

  it("uploads a small file and an 11 MiB multipart file, lists them and reads them back", async () => {
    const s3 = storage();
    expect(await s3.upload(BUCKET, "m/1/small.bin", small.entry, op)).toEqual({ size: small.bytes.byteLength, sha256: sha(small.bytes) });
    expect(await s3.upload(BUCKET, "m/1/large.bin", large.entry, op)).toEqual({ size: 11 * MiB, sha256: sha(large.bytes) });
    expect(await s3.list(BUCKET, "m/1/", op)).toEqual([
      { name: "m/1/large.bin", size: 11 * MiB },
      { name: "m/1/small.bin", size: small.bytes.byteLength },
    ]);
    for (const [key, bytes] of [
      ["m/1/small.bin", small.bytes],
      ["m/1/large.bin", large.bytes],
    ] as const) {
      const { stream, size } = await s3.open(BUCKET, key, op);
      expect(size).toBe(bytes.byteLength);
      expect(sha(new Uint8Array(await new Response(stream).arrayBuffer()))).toBe(sha(bytes));
    }
    expect(await openUploads()).toBe(0);
  });

  it("pages a listing with continuation tokens", async () => {
    const keys = ["paged/a", "paged/b", "paged/c d", "paged/e/f", "paged/g"];
    await Promise.all(keys.map((key) => fetch(`${moto}/${BUCKET}/${key}`, { method: "PUT", body: "x" })));
    const logger = recordingLogger();
    const listed = await storage({ tuning: { listPageSize: 2 }, logger }).list(BUCKET, "paged/", op);
    expect(listed.map((o) => o.name)).toEqual(keys);
    const pages = logger.lines.map((l) => String(l.data?.url));
    expect(pages).toHaveLength(3);
    expect(pages.map((url) => new URL(url).searchParams.has("continuation-token"))).toEqual([false, true, true]);
  });

  it("resumes a download cut mid-way with a Range request, which moto answers with 206", async () => {
    let cut = false;
    const proxy = await startFaultProxy({
      upstream: moto,
      seed: 1,
      rate: 1,
      kinds: ["truncate"],
      eligible: (method, path) => {
        if (cut || method !== "GET" || !path.endsWith("/m/1/large.bin")) return false;
        cut = true;
        return true;
      },
    });
    proxies.push(proxy);
    const logger = recordingLogger();
    const { stream } = await storage({ endpoint: proxy.url, logger }).open(BUCKET, "m/1/large.bin", op);
    expect(sha(new Uint8Array(await new Response(stream).arrayBuffer()))).toBe(sha(large.bytes));
    expect(proxy.faults.map((f) => f.kind)).toEqual(["truncate"]);
    expect(logger.lines.map((l) => l.data?.status)).toEqual([200, 206]);
  });

  it("refuses to replace an object: moto answers 412 on PutObject and on completion, and the upload is aborted", async () => {
    const s3 = storage();
    for (const replacement of [file(1000), file(11 * MiB)]) {
      const error = await rejectionOf(s3.upload(BUCKET, "m/1/small.bin", replacement.entry, op));
      expect(ConflictError.isInstance(error)).toBe(true);
      expect((error as ConflictError).message).toContain(`${BUCKET}/m/1/small.bin`);
    }
    const { stream } = await s3.open(BUCKET, "m/1/small.bin", op);
    expect(sha(new Uint8Array(await new Response(stream).arrayBuffer()))).toBe(sha(small.bytes));
    expect(await openUploads()).toBe(0);
  });

  it("writes JSON over itself, and reads nothing where there is nothing", async () => {
    const s3 = storage();
    await s3.putJson(BUCKET, "m/1/meta.json", { stage: "staging" }, op);
    await s3.putJson(BUCKET, "m/1/meta.json", { stage: "production" }, op);
    expect(await s3.getJson(BUCKET, "m/1/meta.json", op)).toEqual({ stage: "production" });
    expect(await s3.getJson(BUCKET, "m/1/none.json", op)).toBeUndefined();
    await s3.delete(BUCKET, "m/1/meta.json", op);
    expect(await s3.getJson(BUCKET, "m/1/meta.json", op)).toBeUndefined();
  });
});

describe("interop with boto3", () => {
  it("boto3 reads what modelreg wrote, with the SHA-256 checksum modelreg sent", async () => {
    const s3 = storage();
    const one = file(2 * MiB + 5);
    const three = file(12 * MiB);
    await s3.upload(BUCKET, "interop/modelreg-single.bin", one.entry, op);
    await s3.upload(BUCKET, "interop/modelreg-multi.bin", three.entry, op);
    const got = await boto3("get interop/modelreg-single.bin", "get interop/modelreg-multi.bin");
    expect(got["interop/modelreg-single.bin"]).toMatchObject({ sha256: sha(one.bytes), size: one.bytes.byteLength, checksum: b64(sha(one.bytes)) });
    // A multipart object's checksum is over its parts' checksums: `base64(sha256(part digests))-<parts>`.
    const digests = Buffer.concat(
      [0, 1, 2].map((i) =>
        createHash("sha256")
          .update(three.bytes.subarray(i * 5 * MiB, Math.min(three.bytes.byteLength, (i + 1) * 5 * MiB)))
          .digest(),
      ),
    );
    expect(got["interop/modelreg-multi.bin"]).toMatchObject({
      sha256: sha(three.bytes),
      size: 12 * MiB,
      checksum: `${createHash("sha256").update(digests).digest("base64")}-3`,
      type: "COMPOSITE",
    });
  });

  it("modelreg reads and lists what boto3 uploaded, in one PUT and in parts", async () => {
    await boto3("put interop/boto3/single.bin 1048583", "put interop/boto3/multi.bin 11534336 multipart");
    const s3 = storage();
    expect(await s3.list(BUCKET, "interop/boto3/", op)).toEqual([
      { name: "interop/boto3/multi.bin", size: 11 * MiB },
      { name: "interop/boto3/single.bin", size: 1048583 },
    ]);
    for (const [key, size] of [
      ["interop/boto3/single.bin", 1048583],
      ["interop/boto3/multi.bin", 11 * MiB],
    ] as const) {
      const { stream } = await s3.open(BUCKET, key, op);
      expect(sha(new Uint8Array(await new Response(stream).arrayBuffer()))).toBe(sha(file(size).bytes));
    }
  });
});
