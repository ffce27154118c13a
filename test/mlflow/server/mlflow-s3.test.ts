// MLflow servers whose artifacts are in S3 (moto): one proxying them (the server writes; large files go up in parts
// straight to the bucket through presigned URLs), one with --no-serve-artifacts and an s3:// root (modelreg writes and
// reads the bucket itself, as MLflow's Python client does). What lands in the bucket is read back from moto directly.
import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createMlflowRegistry, type MlflowRegistrySettings } from "modelreg/mlflow";
import { AbortedError, ModelRegistryError, UnsupportedCapabilityError } from "modelreg";
import { awsSigner } from "../../../src/aws/aws-signer.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../../support/moto-server.js";
import { startCuttingProxy } from "./support/cutting-proxy.js";
import { PYTHON_TEST_TIMEOUT_MS, python, tempDir, unique } from "./support/helpers.js";
import { startTlsMoto } from "./support/mlflow-s3-servers.js";

const s3 = inject("mlflowS3");
const servers = inject("mlflowServers");
const MiB = 1024 * 1024;
/** Small sizes, so an 11 MiB file goes up in three parts (S3's smallest part is 5 MiB). */
const multipartUpload = { minFileBytes: 8 * MiB, partBytes: 5 * MiB };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

// moto answers unsigned reads of private objects with 403, as S3 does: the checks below sign theirs.
const sign = awsSigner({ service: "s3", region: MOTO_REGION, credentials: async () => MOTO_CREDENTIALS, provider: "test" });
async function signedGet(url: string): Promise<Response> {
  const headers = new Headers();
  await sign({ method: "GET", url: new URL(url), headers, body: undefined });
  return fetch(url, { headers });
}

/** The keys under `prefix` in moto's bucket (ListObjectsV2, one page is enough here). */
async function listKeys(prefix: string): Promise<string[]> {
  const ctx = s3 as NonNullable<typeof s3>;
  const res = await signedGet(`${ctx.motoUrl}/${ctx.bucket}?list-type=2&max-keys=1000&prefix=${encodeURIComponent(prefix)}`);
  expect(res.status).toBe(200);
  return [...(await res.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1] as string);
}

/** The keys of multipart uploads started and neither completed nor aborted. */
async function openUploads(): Promise<string[]> {
  const ctx = s3 as NonNullable<typeof s3>;
  const res = await signedGet(`${ctx.motoUrl}/${ctx.bucket}?uploads`);
  expect(res.status).toBe(200);
  return [...(await res.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1] as string);
}

/** An object's bytes and ETag, read from moto without modelreg. */
async function getObject(key: string): Promise<{ bytes: Uint8Array; etag: string }> {
  const ctx = s3 as NonNullable<typeof s3>;
  const res = await signedGet(`${ctx.motoUrl}/${ctx.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`);
  expect(res.status, key).toBe(200);
  return { bytes: new Uint8Array(await res.arrayBuffer()), etag: res.headers.get("etag") ?? "" };
}

/** The bucket key of a file below an artifact URI (`mlflow-artifacts:/<path>` on the proxied server, `s3://bucket/<key>`). */
function keyOf(uri: string, file: string): string {
  const ctx = s3 as NonNullable<typeof s3>;
  const proxied = /^mlflow-artifacts:\/+(.*)$/.exec(uri);
  if (proxied) return `${ctx.proxied.prefix}/${proxied[1]}/${file}`;
  const direct = new RegExp(`^s3://${ctx.bucket}/(.*)$`).exec(uri);
  if (!direct) throw new Error(`not in the bucket: ${uri}`);
  return `${direct[1]}/${file}`;
}

/** A directory with a small file and an 11 MiB one of random bytes. */
async function modelDir(): Promise<{ dir: string; big: Uint8Array; small: string }> {
  const dir = await tempDir("modelreg-mlflow-s3-");
  const big = randomBytes(11 * MiB);
  const small = JSON.stringify({ bias: 1, scale: 10 });
  await mkdir(join(dir, "weights"));
  await writeFile(join(dir, "weights", "big.bin"), big);
  await writeFile(join(dir, "config.json"), small);
  return { dir, big, small };
}

/** A file whose stream fails after 6 MiB of its 11: the first part is in the bucket by then. */
function brokenEntry(path: string) {
  return {
    path,
    size: 11 * MiB,
    open: async function* () {
      for (let i = 0; i < 6; i++) yield new Uint8Array(MiB).fill(i);
      throw new Error("the disk went away");
    },
  };
}

describe.skipIf(!s3)("MLflow with artifacts proxied to S3", () => {
  const ctx = s3 as NonNullable<typeof s3>;
  const registry = createMlflowRegistry({ trackingUri: ctx.proxied.url, actor: "tester", multipartUpload });

  it("stores a small file with one PUT and a large one in parts sent to the bucket, both byte for byte", async () => {
    const { dir, big, small } = await modelDir();
    const name = unique("s3-proxied");
    const progress: number[] = [];
    const v = await registry.createVersion(
      name,
      { artifacts: { directory: dir } },
      {
        onProgress: (p) => {
          if (p.path === "weights/big.bin") progress.push(p.fileBytes);
        },
      },
    );
    const uri = await registry.getDownloadUri(v);
    const stored = await getObject(keyOf(uri, "weights/big.bin"));
    expect(sha256(stored.bytes)).toBe(sha256(big));
    // S3 names a multipart object's ETag after its part count: three parts of at most 5 MiB, not one buffered PUT.
    expect(stored.etag).toMatch(/-3"?$/);
    expect(progress.at(-1)).toBe(11 * MiB);
    expect(new TextDecoder().decode((await getObject(keyOf(uri, "config.json"))).bytes)).toBe(small);
    expect(await registry.listArtifacts(v)).toEqual([
      expect.objectContaining({ path: "config.json", size: small.length }),
      expect.objectContaining({ path: "weights/big.bin", size: 11 * MiB, sha256: sha256(big) }),
    ]);
    const out = await tempDir("modelreg-mlflow-s3-dl-");
    await registry.downloadArtifacts(v, out);
    expect(sha256(await readFile(join(out, "weights", "big.bin")))).toBe(sha256(big));
    expect(await openUploads()).toEqual([]);
  });

  it("aborts the multipart upload when the file fails or the caller aborts: no object, no parts, no version", async () => {
    const name = unique("s3-proxied-broken");
    const failing = unique("failing");
    await expect(registry.createVersion(name, { artifacts: { entries: [brokenEntry(`${failing}.bin`)] } })).rejects.toThrow(/disk went away/);
    const aborted = unique("aborted");
    const controller = new AbortController();
    const big = randomBytes(11 * MiB);
    const error = await registry
      .createVersion(
        name,
        { artifacts: { entries: [{ path: `${aborted}.bin`, content: big }] } },
        {
          signal: controller.signal,
          // The first part is stored: the upload is under way in the bucket.
          onProgress: (p) => {
            if (p.fileBytes >= 5 * MiB) controller.abort();
          },
        },
      )
      .catch((e: unknown) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    const keys = await listKeys(`${ctx.proxied.prefix}/`);
    expect(keys.filter((k) => k.includes(failing) || k.includes(aborted))).toEqual([]);
    expect((await openUploads()).filter((k) => k.includes(failing) || k.includes(aborted))).toEqual([]);
    expect(await registry.listVersions(name).toArray()).toEqual([]);
  });

  it("finds the object whole when the answer to mpu/complete is lost, and keeps the version", async () => {
    const proxy = await startCuttingProxy(ctx.proxied.url);
    try {
      const viaProxy = createMlflowRegistry({ trackingUri: proxy.url, actor: "tester", multipartUpload });
      proxy.cutNext((req) => req.method === "POST" && (req.url ?? "").includes("/mlflow-artifacts/mpu/complete/"));
      const big = randomBytes(11 * MiB);
      const v = await viaProxy.createVersion(unique("s3-lost-complete"), { artifacts: { entries: [{ path: "big.bin", content: big }] } });
      // Completed once (a second completion would fail: the upload is gone), then found listed with its size.
      expect(proxy.seen.filter((s) => s.includes("/mpu/complete/"))).toHaveLength(1);
      expect(proxy.seen.filter((s) => s.includes("/mpu/abort/"))).toHaveLength(0);
      const stored = await getObject(keyOf(await registry.getDownloadUri(v), "big.bin"));
      expect(sha256(stored.bytes)).toBe(sha256(big));
    } finally {
      await proxy.close();
    }
  });

  it("falls back to one PUT on a server whose destination has no multipart, and asks only once per client", async () => {
    const local = servers.find((s) => s.version.startsWith("3."));
    if (!local) return;
    const asked: string[] = [];
    const counting: typeof globalThis.fetch = (input, init) => {
      if (String(input).includes("/mlflow-artifacts/mpu/")) asked.push(String(input));
      return globalThis.fetch(input, init);
    };
    const onLocal = createMlflowRegistry({ trackingUri: local.url, actor: "tester", multipartUpload, fetch: counting });
    const big = randomBytes(9 * MiB);
    const name = unique("no-multipart");
    for (let i = 0; i < 2; i++) {
      const v = await onLocal.createVersion(name, { artifacts: { entries: [{ path: "big.bin", content: big }] } });
      const out = await tempDir("modelreg-mlflow-local-dl-");
      await onLocal.downloadArtifacts(v, out);
      expect(sha256(await readFile(join(out, "big.bin")))).toBe(sha256(big));
    }
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/\/mpu\/create\//);
  });
});

describe.skipIf(!s3)("MLflow with --no-serve-artifacts and an s3:// root", () => {
  const ctx = s3 as NonNullable<typeof s3>;
  // As a user of MLflow's Python client would configure it: the variables it reads, none of the settings.
  const env = {
    MLFLOW_TRACKING_URI: ctx.direct.url,
    MLFLOW_S3_ENDPOINT_URL: ctx.motoUrl,
    MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: "path",
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
    AWS_DEFAULT_REGION: MOTO_REGION,
  };
  const registry = createMlflowRegistry({ env, actor: "tester", multipartUpload });

  it("writes a version's files to the bucket itself, then lists, opens and downloads them from there", async () => {
    // The server moves no bytes: its artifact routes are off.
    expect((await fetch(`${ctx.direct.url}/api/2.0/mlflow-artifacts/artifacts?path=x`)).status).toBe(503);
    const { dir, big, small } = await modelDir();
    const name = unique("s3-direct");
    const v = await registry.createVersion(name, { artifacts: { directory: dir }, metrics: { auc: 0.9 } });
    const uri = await registry.getDownloadUri(v);
    expect(uri.startsWith(`s3://${ctx.bucket}/${ctx.direct.prefix}/`)).toBe(true);
    const stored = await getObject(keyOf(uri, "weights/big.bin"));
    expect(sha256(stored.bytes)).toBe(sha256(big));
    expect(new TextDecoder().decode((await getObject(keyOf(uri, "config.json"))).bytes)).toBe(small);

    // Another client, configured through settings instead of the environment, reads it back.
    const settings: MlflowRegistrySettings = {
      trackingUri: ctx.direct.url,
      env: {},
      s3: { endpoint: ctx.motoUrl, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true },
    };
    const reader = createMlflowRegistry(settings);
    expect((await reader.listArtifacts(v)).map((f) => [f.path, f.size])).toEqual([
      ["config.json", small.length],
      ["weights/big.bin", 11 * MiB],
    ]);
    const opened = await reader.openArtifact(v, "config.json");
    expect(await new Response(opened.stream).text()).toBe(small);
    const out = await tempDir("modelreg-mlflow-s3-dl-");
    await reader.downloadArtifacts(v, out);
    expect(sha256(await readFile(join(out, "weights", "big.bin")))).toBe(sha256(big));
  });

  it("refuses a version whose files are under another scheme, naming the capability", async () => {
    // Registered by hand with a gs:// source: this adapter reaches only the proxy and S3.
    const name = unique("gs-source");
    const call = (path: string, body: unknown) =>
      fetch(`${ctx.direct.url}/api/2.0/mlflow/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await call("registered-models/create", { name })).status).toBe(200);
    expect((await call("model-versions/create", { name, source: "gs://elsewhere/model" })).status).toBe(200);
    const error = await registry.listArtifacts({ model: name, version: "1" }).catch((e: unknown) => e);
    expect(UnsupportedCapabilityError.isInstance(error)).toBe(true);
    expect((error as UnsupportedCapabilityError).capability).toBe("foreignFiles");
  });

  it("reaches an https endpoint whose certificate it cannot verify only with MLFLOW_S3_IGNORE_TLS", async () => {
    const tls = await startTlsMoto(ctx.bucket);
    try {
      const tlsEnv = { ...env, MLFLOW_S3_ENDPOINT_URL: tls.url };
      const name = unique("s3-tls");
      const artifacts = { entries: [{ path: "w.txt", content: "over tls" }] };
      const refused = await createMlflowRegistry({ env: tlsEnv, maxRetries: 0 })
        .createVersion(name, { artifacts })
        .catch((e: unknown) => e);
      expect(ModelRegistryError.isInstance(refused) && refused.message).toMatch(/certificate/i);
      const unchecked = createMlflowRegistry({ env: { ...tlsEnv, MLFLOW_S3_IGNORE_TLS: "true" } });
      const v = await unchecked.createVersion(name, { artifacts });
      expect(await new Response((await unchecked.openArtifact(v, "w.txt")).stream).text()).toBe("over tls");
      // Not in the plain moto, the one the server's root points at for everyone else: the endpoint was the https one.
      expect(await listKeys(keyOf(await unchecked.getDownloadUri(v), "w.txt"))).toEqual([]);
      expect((await unchecked.listVersions(name).toArray()).map((x) => x.version)).toEqual([v.version]);
    } finally {
      await tls.stop();
    }
  });

  /** Points MLflow's client at moto; moto checks no signature, so its own made-up keys do. */
  const PYTHON_S3 = `
import os, sys
os.environ.update(MLFLOW_S3_ENDPOINT_URL=sys.argv[2], AWS_ACCESS_KEY_ID="AKIAPYTHONCLIENT0001", AWS_SECRET_ACCESS_KEY="python-client-key", AWS_DEFAULT_REGION="us-east-1")
for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
    os.environ.pop(name, None)
`;

  it(
    "writes what MLflow's Python client loads: a pyfunc model by models:/name/version, from the bucket",
    async () => {
      const name = unique("s3-direct-pyfunc");
      const loader = `
import json

class _Model:
    def __init__(self, weights):
        self.weights = weights

    def predict(self, model_input, params=None):
        return [self.weights["bias"] + self.weights["scale"] * float(x) for x in model_input["amount"]]

def _load_pyfunc(path):
    with open(path) as f:
        return _Model(json.load(f))
`;
      const v = await registry.createVersion(name, {
        artifacts: {
          entries: [
            { path: "code/s3_loader.py", content: loader },
            { path: "weights.json", content: JSON.stringify({ bias: 1, scale: 10 }) },
          ],
        },
        providerOptions: { mlflow: { pyfunc: { loaderModule: "s3_loader", data: "weights.json" } } },
      });
      const predicted = await python(
        ctx.python,
        `${PYTHON_S3}
import json, mlflow, pandas as pd
mlflow.set_tracking_uri(sys.argv[1])
model = mlflow.pyfunc.load_model(sys.argv[3])
print(json.dumps([float(x) for x in model.predict(pd.DataFrame({"amount": [1.0, 2.5]}))]))
`,
        ctx.direct.url,
        ctx.motoUrl,
        `models:/${name}/${v.version}`,
      );
      expect(predicted).toEqual([11, 26]);
    },
    PYTHON_TEST_TIMEOUT_MS,
  );

  it(
    "reads a version MLflow's Python client logged to the bucket, file for file",
    async () => {
      const name = unique("s3-direct-by-python");
      const logged = (await python(
        ctx.python,
        `${PYTHON_S3}
import hashlib, json, os, tempfile, mlflow
mlflow.set_tracking_uri(sys.argv[1])
class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input["amount"] * 2
with mlflow.start_run():
    mlflow.pyfunc.log_model(name="model", python_model=Doubler(), pip_requirements=["mlflow"], registered_model_name=sys.argv[3])
out = mlflow.artifacts.download_artifacts(f"models:/{sys.argv[3]}/1", dst_path=tempfile.mkdtemp())
files = {}
for root, _, names in os.walk(out):
    for n in names:
        path = os.path.join(root, n)
        files[os.path.relpath(path, out)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
print(json.dumps(files))
`,
        ctx.direct.url,
        ctx.motoUrl,
        name,
      )) as Record<string, string>;
      expect(Object.keys(logged)).toContain("MLmodel");
      // MLflow's download adds a file of its own that is not among the model's artifacts.
      delete logged.registered_model_meta;
      const v = await registry.getVersion({ model: name, version: "1" });
      expect(await registry.getDownloadUri(v)).toMatch(new RegExp(`^s3://${ctx.bucket}/${ctx.direct.prefix}/`));
      expect((await registry.listArtifacts(v)).map((f) => f.path)).toEqual(Object.keys(logged).sort());
      const out = await tempDir("modelreg-mlflow-s3-py-");
      await registry.downloadArtifacts(v, out);
      const ours: Record<string, string> = {};
      for (const path of Object.keys(logged)) ours[path] = sha256(await readFile(join(out, path)));
      expect(ours).toEqual(logged);
    },
    PYTHON_TEST_TIMEOUT_MS,
  );
});
