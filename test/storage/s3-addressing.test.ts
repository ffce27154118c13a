// Where S3 requests go and how keys are spelled: virtual-hosted on AWS, path style on IP and localhost endpoints or
// when forced, keys encoded per RFC 3986 (and signed so, which the fake verifies), and input refused before any request.
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "modelreg";
import { parseS3Uri, S3Storage } from "../../src/storage/s3-storage.js";
import { CANARY } from "../support/canary.js";
import { BUCKET, CREDENTIALS, file, readAll, REGION, sha, useS3Fake } from "./support/s3-setup.js";

const s3 = useS3Fake();
const op = { operation: "createVersion" };

describe("S3 addressing", () => {
  it("puts the bucket in the host name on AWS's endpoint", async () => {
    const fake = s3.fake();
    await s3.storage().upload(BUCKET, "k.bin", file(10).entry, op);
    expect(fake.requests.map((r) => [r.style, r.bucket, r.key])).toEqual([["virtual", BUCKET, "k.bin"]]);
    expect(fake.signatureFailures).toEqual([]);
  });

  it("puts the bucket in the path when forced, for a dotted bucket, and on IP and localhost endpoints", async () => {
    const cases: Array<{ endpoint?: string; forcePathStyle?: boolean; bucket: string }> = [
      { forcePathStyle: true, bucket: BUCKET },
      { bucket: "my.dotted.bucket" },
      { endpoint: "http://127.0.0.1:9000", bucket: BUCKET },
      { endpoint: "http://localhost:4566", bucket: BUCKET },
    ];
    for (const { endpoint, forcePathStyle, bucket } of cases) {
      const fake = s3.fake({ buckets: [bucket], ...(endpoint && { endpoint }) });
      const storage = s3.storage({ ...(endpoint && { endpoint }), ...(forcePathStyle && { forcePathStyle }) });
      await storage.upload(bucket, "a b/k.bin", file(10).entry, op);
      expect(await storage.list(bucket, "a b/", op)).toEqual([{ name: "a b/k.bin", size: 10 }]);
      expect(fake.requests.map((r) => [r.style, r.bucket, r.key ?? null])).toEqual([
        ["path", bucket, "a b/k.bin"],
        ["path", bucket, null],
      ]);
      expect(fake.signatureFailures).toEqual([]);
    }
  });

  it("uses virtual-hosted addressing on a named custom endpoint", async () => {
    const fake = s3.fake({ endpoint: "https://minio.example.com:9443" });
    await s3.storage({ endpoint: "https://minio.example.com:9443" }).upload(BUCKET, "k.bin", file(10).entry, op);
    expect(fake.requests.map((r) => r.style)).toEqual(["virtual"]);
    expect(fake.signatureFailures).toEqual([]);
  });

  it("encodes keys with spaces, unicode and reserved characters as S3 signs them, and reads them back", async () => {
    const fake = s3.fake();
    const keys = ["models/my model/weights (1).bin", "données/モデル/ü+x!'*~.bin", "a/%41/100%.bin"];
    const storage = s3.storage();
    for (const [i, key] of keys.entries()) {
      const { bytes, entry } = file(1000 + i);
      await storage.upload(BUCKET, key, entry, op);
      expect(sha(fake.object(BUCKET, key)?.bytes)).toBe(sha(bytes));
      expect(sha(await readAll((await storage.open(BUCKET, key, op)).stream))).toBe(sha(bytes));
    }
    expect((await storage.list(BUCKET, "", op)).map((o) => o.name).sort()).toEqual([...keys].sort());
    expect(await storage.list(BUCKET, "données/モデル/", op)).toEqual([{ name: keys[1], size: 1001 }]);
    expect(fake.signatureFailures).toEqual([]);
  });
});

describe("S3 input checks", () => {
  it("refuses bad buckets and keys before any request", async () => {
    const fake = s3.fake();
    const storage = s3.storage();
    const badBuckets = ["", "ab", "bad/bucket", "-lead", "a".repeat(256)];
    const badKeys = ["", "a//b", "/lead", "trail/", "../x", "a/./b", "a\u0000b", "a\nb", "\ud800x", "k".repeat(1025)];
    for (const bucket of badBuckets) {
      const error = await storage.upload(bucket, "k", file(1).entry, op).catch((e: unknown) => e);
      expect(InvalidInputError.isInstance(error)).toBe(true);
      expect((error as InvalidInputError).field).toBe("bucket");
    }
    for (const key of badKeys) {
      for (const call of [() => storage.upload(BUCKET, key, file(1).entry, op), () => storage.open(BUCKET, key, op), () => storage.delete(BUCKET, key, op)]) {
        const error = await call().catch((e: unknown) => e);
        expect(InvalidInputError.isInstance(error), JSON.stringify(key)).toBe(true);
      }
    }
    expect(InvalidInputError.isInstance(await storage.list(BUCKET, "a\u0001", op).catch((e: unknown) => e))).toBe(true);
    expect(InvalidInputError.isInstance(await storage.getJson(BUCKET, "k", { operation: "" }).catch((e: unknown) => e))).toBe(true);
    expect(fake.requests).toEqual([]);
  });

  it("refuses settings it cannot work with", () => {
    const base = { provider: "sagemaker", region: REGION, credentials: async () => CREDENTIALS };
    const field = (settings: object) => {
      try {
        new S3Storage(settings as ConstructorParameters<typeof S3Storage>[0]);
      } catch (error) {
        return InvalidInputError.isInstance(error) ? error.field : "not InvalidInputError";
      }
      return "accepted";
    };
    expect(field(base)).toBe("accepted");
    expect(field({ ...base, provider: "" })).toBe("provider");
    expect(field({ ...base, region: "US East" })).toBe("region");
    expect(field({ ...base, endpoint: "ftp://s3.example.com" })).toBe("endpoint");
    expect(field({ ...base, endpoint: "https://user:pw@s3.example.com" })).toBe("endpoint");
    expect(field({ ...base, tuning: { partBytes: 0 } })).toBe("tuning.partBytes");
    expect(field({ ...base, tuning: { singlePutMaxBytes: 6 * 1024 ** 3 } })).toBe("tuning.singlePutMaxBytes");
    expect(field({ ...base, credentials: CREDENTIALS })).toBe("credentials");
    expect(field({ ...base, tuning: { listPageSize: 1001 } })).toBe("tuning.listPageSize");
  });
});

describe("parseS3Uri", () => {
  it("splits s3:// URIs into bucket and prefix", () => {
    expect(parseS3Uri("s3://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Uri("s3://bucket/")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Uri("s3://my.bucket/models/fraud/")).toEqual({ bucket: "my.bucket", prefix: "models/fraud" });
    expect(parseS3Uri("S3://bucket/1/abc/artifacts")).toEqual({ bucket: "bucket", prefix: "1/abc/artifacts" });
    expect(parseS3Uri("s3://bucket/my dir/x")).toEqual({ bucket: "bucket", prefix: "my dir/x" });
  });

  it("refuses other URIs with InvalidInputError, never quoting credentials", () => {
    for (const uri of [
      "gs://bucket/x",
      "s3a://bucket/x",
      "s3://",
      "s3:///x",
      "s3://b/x",
      "s3://bucket/x?versionId=1",
      "s3://bucket/a/../b",
      "s3://bucket/a//b",
      "/tmp/x",
    ]) {
      expect(() => parseS3Uri(uri), uri).toThrow(InvalidInputError);
    }
    const withSecret = `s3://AKIA:${CANARY.awsSecretAccessKey}@bucket/x`;
    let message = "";
    try {
      parseS3Uri(withSecret, { provider: "mlflow", operation: "createVersion" });
    } catch (error) {
      expect(InvalidInputError.isInstance(error) && error.provider).toBe("mlflow");
      message = (error as Error).message;
    }
    expect(message).toContain("credentials");
    expect(message).not.toContain(CANARY.awsSecretAccessKey.slice(0, 20));
  });
});
