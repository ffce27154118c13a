// The MLflow servers of the S3 tests: moto as the bucket, one server proxying artifacts to s3:// (the server writes,
// and hands out presigned part URLs for multipart uploads) and one with --no-serve-artifacts and an s3:// root (clients
// write to the bucket themselves). One worker each; they start beside the suite's other servers.
import { execFile, spawn } from "node:child_process";
import { access, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { ensureAwsPeers } from "../../../support/official-clients.js";
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoServer, startMoto } from "../../../support/moto-server.js";
import { ensureMlflow, pythonEnv } from "../../../support/python-venv.js";
import { type MlflowServer, startMlflowServer } from "./mlflow-server.js";

const run = promisify(execFile);

/** The bucket both servers keep artifacts in, each under its own prefix. */
export const S3_BUCKET = "modelreg-mlflow";

/** What the S3 tests get through `inject("mlflowS3")`. */
export interface MlflowS3Context {
  /** moto's URL: the S3 endpoint. */
  motoUrl: string;
  bucket: string;
  /** The MLflow version of both servers, and its Python (which has boto3). */
  version: string;
  python: string;
  /** `--artifacts-destination s3://<bucket>/<prefix> --serve-artifacts`. */
  proxied: { url: string; prefix: string };
  /** `--no-serve-artifacts --default-artifact-root s3://<bucket>/<prefix>`. */
  direct: { url: string; prefix: string };
}

/**
 * Adds boto3 to MLflow's virtualenv (MLflow does not depend on it; its S3 artifact store and client import it), once:
 * a marker beside the virtualenv's own says it is there. Call it where installs run one at a time.
 */
export async function ensureBoto3(version: string): Promise<void> {
  const { python } = await ensureMlflow(version);
  const venv = resolve(dirname(python), "..");
  const marker = join(venv, ".modelreg-boto3");
  if (
    await access(marker).then(
      () => true,
      () => false,
    )
  )
    return;
  const uv = resolve(venv, "..", "tools", "bin", "uv");
  // Pinned with the boto3 the AWS tests use (official-clients.ts).
  await run(uv, ["pip", "install", "--quiet", "--python", python, "boto3==1.44.8"], { maxBuffer: 16 * 1024 * 1024 });
  await writeFile(marker, "");
}

/** Starts moto, makes the bucket, and starts both servers; everything started is stopped again if one fails. */
export async function startS3Servers(version: string): Promise<{ context: MlflowS3Context; servers: MlflowServer[]; stop(): Promise<void> }> {
  const moto: MotoServer = await startMoto();
  const started: MlflowServer[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
    await moto.stop();
  };
  try {
    // moto checks no signature: an unsigned CreateBucket does.
    const made = await fetch(`${moto.url}/${S3_BUCKET}`, { method: "PUT" });
    if (!made.ok) throw new Error(`moto refused to create the bucket: HTTP ${made.status} ${await made.text()}`);
    // The server's own S3 credentials (boto3 reads them). The canary secret and session token: the session token is in
    // every presigned part URL the proxied server hands out, so a client that logs such a URL fails its test.
    const env = {
      MLFLOW_S3_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
      AWS_DEFAULT_REGION: MOTO_REGION,
      AWS_PROFILE: undefined,
    };
    const results = await Promise.allSettled([
      startMlflowServer(version, { artifacts: { proxiedTo: `s3://${S3_BUCKET}/proxied` }, env }),
      startMlflowServer(version, { artifacts: { directRoot: `s3://${S3_BUCKET}/direct` }, env }),
    ]);
    for (const r of results) if (r.status === "fulfilled") started.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    const [proxied, direct] = started as [MlflowServer, MlflowServer];
    return {
      context: {
        motoUrl: moto.url,
        bucket: S3_BUCKET,
        version,
        python: proxied.python,
        proxied: { url: proxied.url, prefix: "proxied" },
        direct: { url: direct.url, prefix: "direct" },
      },
      servers: started,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Installs what the S3 servers need (moto's virtualenv, boto3 beside MLflow); one install at a time, as the setup does. */
export async function installS3Peers(version: string): Promise<void> {
  await ensureAwsPeers();
  await ensureBoto3(version);
}

/**
 * A moto of its own serving HTTPS with a self-signed certificate (moto's `--ssl`), holding `bucket`: an S3-compatible
 * store whose certificate a client cannot verify. Started by the test that needs it.
 */
export async function startTlsMoto(bucket: string): Promise<{ url: string; stop(): Promise<void> }> {
  const { bin } = await ensureAwsPeers();
  const port = await new Promise<number>((done, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
  const child = spawn(`${bin}/moto_server`, ["-H", "127.0.0.1", "-p", String(port), "--ssl"], { stdio: "ignore", env: pythonEnv() });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
  };
  const url = `https://127.0.0.1:${port}`;
  // The test's own requests skip the check the client under test is asked to skip.
  const unchecked = (method: string, path: string) =>
    new Promise<number>((done) => {
      const req = httpsRequest(`${url}${path}`, { method, rejectUnauthorized: false }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on("error", () => done(0));
      req.end();
    });
  try {
    const deadline = Date.now() + 60_000;
    while ((await unchecked("GET", "/moto-api/data.json")) !== 200) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error("moto with --ssl did not start");
      await new Promise((done) => setTimeout(done, 200));
    }
    const status = await unchecked("PUT", `/${bucket}`);
    if (status !== 200) throw new Error(`moto with --ssl refused to create the bucket: HTTP ${status}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
