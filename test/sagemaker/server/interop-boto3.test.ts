// Interop with AWS's own client, boto3 (from .venv/aws-peers), both ways, against moto: what modelreg registers is
// what SageMaker users see (approval status, CustomerMetadataProperties, MetadataProperties, the model data source,
// the metrics document with its digest) and the files they download from its S3 location are the version's; and a
// package boto3 registered without modelreg (no record beside it) lists, reads and, for an S3Prefix or a
// model.tar.gz, downloads its files.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../../support/moto-server.js";
import { ensureAwsPeers } from "../../support/official-clients.js";
import { pythonEnv } from "../../support/python-venv.js";
import { IMAGE, motoBucket, motoRegistry } from "./support/moto-registry.js";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("./support/boto3_interop.py", import.meta.url));
const BUCKET = "interop-boto3";
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

let python: string;
const dirs: string[] = [];

/** Runs the boto3 side and returns what it printed. */
async function boto3(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(python, [SCRIPT, ...args], {
    env: pythonEnv({
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
      AWS_DEFAULT_REGION: MOTO_REGION,
      AWS_ENDPOINT_URL: undefined,
    }),
    timeout: 120_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  python = (await ensureAwsPeers()).python;
  await motoBucket(BUCKET);
}, 600_000);

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("boto3 reads what modelreg registered", () => {
  it("sees the approval status, properties, lineage, model data source and metrics, and downloads the version's files", async () => {
    const registry = motoRegistry(BUCKET, "written");
    const weights = new Uint8Array(40_000).map((_, i) => (i * 7) % 256);
    const v = await registry.createVersion(
      "interop-written",
      {
        artifacts: {
          entries: [
            { path: "model.bin", content: weights },
            { path: "code/inference.py", content: "def model_fn(d):\n    return d\n" },
          ],
        },
        description: "gradient boosting\nsecond line",
        metrics: { auc: 0.93 },
        tags: { team: "risk", "modelreg.holders.alias.champion": '{"below":[]}' },
        lineage: { codeCommit: "9f2c1e7", codeRepository: "https://example.com/fraud.git" },
        providerOptions: { sagemaker: { image: IMAGE, supportedContentTypes: ["text/csv"] } },
      },
      { actor: "alice" },
    );
    await registry.transitionStage(v, "production");
    const { arn } = await registry.packageOf(v);
    const seen = await boto3("read", inject("motoUrl"), arn);
    expect(seen.approval).toBe("Approved");
    expect(seen.approvalDescription).toBe("modelreg: draft to production by tester");
    // A tag that fits CustomerMetadataProperties is there; one that does not (a JSON value) is in the record only.
    expect(seen.properties).toMatchObject({ team: "risk", "modelreg:stage": "production", "modelreg:folder": "1" });
    expect(Object.keys(seen.properties as object)).not.toContain("modelreg.holders.alias.champion");
    expect(seen.metadata).toEqual({ GeneratedBy: "modelreg", CommitId: "9f2c1e7", Repository: "https://example.com/fraud.git" });
    // SageMaker's description has no line breaks; the version keeps its own.
    expect(seen.description).toBe("gradient boosting second line");
    expect((await registry.getVersion(v)).description).toBe("gradient boosting\nsecond line");
    expect(seen.image).toBe(IMAGE);
    expect(seen.contentTypes).toEqual(["text/csv"]);
    expect(seen.source).toEqual({ S3Uri: `s3://${BUCKET}/written/interop-written/1/`, S3DataType: "S3Prefix", CompressionType: "None" });
    // The prefix holds the version's files and nothing else (no folder keys, no record).
    expect(seen.files).toEqual({ "model.bin": sha256(weights), "code/inference.py": sha256("def model_fn(d):\n    return d\n") });
    const metrics = seen.metrics as { digest: string; declared: string; document: Record<string, unknown> };
    expect(metrics.declared).toBe(metrics.digest);
    expect(metrics.document).toMatchObject({ modelreg_metrics: { auc: { value: 0.93 } } });
    expect(seen.listed).toEqual([arn]);
  });
});

describe("modelreg reads what boto3 registered", () => {
  // A group with capitals: moto lowercases it in package ARNs (reference §12.8), AWS keeps it; both are read.
  const group = "Interop-Boto3";
  let made: { prefix: string; tarball: string; bare: string; digests: Record<string, string>; tarballSha256: string };
  beforeAll(async () => {
    made = (await boto3("register", inject("motoUrl"), group, BUCKET)) as typeof made;
  }, 120_000);

  it("lists and reads the packages, their stages from the approval status, and their properties as tags", async () => {
    const registry = motoRegistry(BUCKET, "reader");
    const model = await registry.getModel(group);
    expect(model).toMatchObject({ name: group, description: "registered with boto3", tags: {}, aliases: {}, latestVersion: "3" });
    const versions = await registry.listVersions(group).toArray();
    expect(versions.map((v) => [v.version, v.stage, v.description])).toEqual([
      ["3", "archived", "no inference specification"],
      ["2", "draft", "tarball"],
      ["1", "production", "uncompressed"],
    ]);
    const v1 = await registry.getVersion(`${group}/1`);
    expect(v1).toMatchObject({ tags: { owner: "ml-platform" }, lineage: { codeCommit: "4b825dc", codeRepository: "https://example.com/ml.git" } });
    expect(v1.artifacts.uri).toBe(`s3://${BUCKET}/byo/${group}/uncompressed/`);
    expect((await registry.packageOf(`${group}/1`)).arn).toBe(made.prefix);
  });

  it("downloads an S3Prefix package's files, and a model.tar.gz as the one file it is", async () => {
    const registry = motoRegistry(BUCKET, "reader");
    const files = await registry.listArtifacts(`${group}/1`);
    expect(files.map((f) => f.path).sort()).toEqual(["code/inference.py", "model.pth"]);
    const dir = await mkdtemp(join(tmpdir(), "modelreg-boto3-"));
    dirs.push(dir);
    await registry.downloadArtifacts(`${group}/1`, dir);
    for (const [path, digest] of Object.entries(made.digests)) expect(sha256(await readFile(join(dir, path)))).toBe(digest);
    expect((await registry.listArtifacts(`${group}/2`)).map((f) => f.path)).toEqual(["model.tar.gz"]);
    const tarDir = await mkdtemp(join(tmpdir(), "modelreg-boto3-"));
    dirs.push(tarDir);
    await registry.downloadArtifacts(`${group}/2`, tarDir);
    expect(sha256(await readFile(join(tarDir, "model.tar.gz")))).toBe(made.tarballSha256);
    await expect(registry.listArtifacts(`${group}/3`)).rejects.toMatchObject({ name: "NotFoundError" });
  });

  it("moves a stage and an alias on a package modelreg did not make", async () => {
    const registry = motoRegistry(BUCKET, "reader");
    expect((await registry.transitionStage(`${group}/2`, "staging")).stage).toBe("staging");
    await registry.setAlias(group, "candidate", "2");
    expect((await registry.getVersion(`${group}@candidate`)).version).toBe("2");
    // Its own property stays beside modelreg's: every update carries them all (moto resets what is left out, §12.5).
    expect((await registry.updateVersion(`${group}/1`, { tags: { reviewed: "yes" } })).tags).toEqual({ owner: "ml-platform", reviewed: "yes" });
    expect((await registry.getVersion(`${group}/1`)).stage).toBe("production");
  });
});
