// sagemaker:// URIs (the descriptor), opening one, and syncing a local registry into SageMaker through it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalRegistry } from "modelreg/local";
import { openRegistry, parseRegistryUri, syncRegistries } from "modelreg/sync";
import { afterAll, describe, expect, it } from "vitest";
import { sagemakerAdapter } from "../../src/adapters/sagemaker/sagemaker-descriptor.js";
import { BUCKET, CREDENTIALS, IMAGE, useSageMakerFakes } from "./support/setup.js";

const fakes = useSageMakerFakes();
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("sagemaker:// URIs", () => {
  it("parse into a region, an artifact root and the optional hosts and image", () => {
    expect(parseRegistryUri("sagemaker://eu-west-1/my-bucket/team/models/?image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1")).toEqual({
      kind: "sagemaker",
      region: "eu-west-1",
      artifactRoot: "s3://my-bucket/team/models",
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1",
    });
    expect(parseRegistryUri("sagemaker://us-gov-west-1/b.k-t?endpoint=http://127.0.0.1:5000&s3Endpoint=http://127.0.0.1:5001")).toEqual({
      kind: "sagemaker",
      region: "us-gov-west-1",
      artifactRoot: "s3://b.k-t",
      endpoint: "http://127.0.0.1:5000",
      s3Endpoint: "http://127.0.0.1:5001",
    });
  });

  it("refuse a missing or malformed region or bucket, a prefix with empty or dot segments, and credentials", () => {
    for (const uri of [
      "sagemaker://nowhere/bucket",
      "sagemaker://us-east-1",
      "sagemaker://us-east-1/",
      "sagemaker://us-east-1/Bad_Bucket",
      "sagemaker://us-east-1/bucket/a//b",
      "sagemaker://us-east-1/bucket/a/../b",
      "sagemaker://us-east-1/bucket/./b",
      "sagemaker://us-east-1/bucket/%2e%2e/b",
      "sagemaker://AKIA:secret@us-east-1/bucket",
    ])
      expect(() => parseRegistryUri(uri), uri).toThrow(expect.objectContaining({ name: "InvalidInputError" }));
  });

  it("name one registry by region, endpoint and artifact root", async () => {
    const identity = (uri: string) => sagemakerAdapter.identity(parseRegistryUri(uri) as never, {});
    expect(await identity("sagemaker://us-east-1/bkt/models")).toBe(await identity("sagemaker://us-east-1/bkt/models/?image=x"));
    expect(await identity("sagemaker://us-east-1/bkt/models")).not.toBe(await identity("sagemaker://us-east-1/bkt/other"));
    expect(await identity("sagemaker://us-east-1/bkt/models")).not.toBe(await identity("sagemaker://us-west-2/bkt/models"));
    expect(await identity("sagemaker://us-east-1/bkt?endpoint=http://localhost:1")).not.toBe(await identity("sagemaker://us-east-1/bkt"));
  });
});

describe("a registry opened from a URI", () => {
  it("takes its credentials from the environment, and a local registry syncs into it", async () => {
    const env = { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: CREDENTIALS.sessionToken };
    const target = await openRegistry(`sagemaker://us-east-1/${BUCKET}/synced?image=${encodeURIComponent(IMAGE)}`, { env, actor: "syncer" });
    expect(target.provider).toBe("sagemaker");
    const dir = await mkdtemp(join(tmpdir(), "modelreg-sm-sync-"));
    dirs.push(dir);
    const source = createLocalRegistry({ root: dir });
    await source.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", content: "one" }] }, tags: { team: "risk" } });
    const v2 = await source.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", content: "two" }] } });
    await source.setAlias("fraud", "champion", v2.version);
    const report = await syncRegistries({ source, target });
    expect(report.failures.map((f) => f.error.message)).toEqual([]);
    const versions = await target.listVersions("fraud").toArray();
    expect(versions).toHaveLength(2);
    expect((await target.getVersion("fraud@champion")).lineage.syncedFrom).toMatchObject({ model: "fraud" });
    expect(versions.every((v) => v.createdBy === "syncer")).toBe(true);
    // A second run copies nothing: the versions are found by their provenance.
    const again = await syncRegistries({ source, target });
    expect(await target.listVersions("fraud").toArray()).toHaveLength(2);
    expect(again.failures).toEqual([]);
    expect(fakes.sagemaker.violations).toEqual([]);
  });
});
