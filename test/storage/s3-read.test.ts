// Reading S3: ListObjectsV2 paging, ranged resumed downloads, JSON documents and deletes, against the msw fake.
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { NotFoundError, ResponseValidationError } from "modelreg";
import { rejectionOf } from "../support/rejection.js";
import { BUCKET, file, KiB, MiB, readAll, sha, useS3Fake } from "./support/s3-setup.js";

const s3 = useS3Fake();

describe("S3 listings", () => {
  it("follows continuation tokens across pages and keeps to the prefix", async () => {
    const fake = s3.fake({ maxKeys: 2 });
    const inside = ["m/1/a.bin", "m/1/b/c.bin", "m/1/d.bin", "m/1/e f.bin", "m/1/z.bin"];
    for (const key of [...inside, "m/10/x.bin", "other/y.bin"]) fake.put(BUCKET, key, new Uint8Array(key.length));
    const listed = await s3.storage().list(BUCKET, "m/1/", { operation: "listArtifacts" });
    expect(listed).toEqual(inside.map((name) => ({ name, size: name.length })));
    const pages = fake.sent("ListObjectsV2");
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => new URLSearchParams(p.query).has("continuation-token"))).toEqual([false, true, true]);
    expect(pages.every((p) => new URLSearchParams(p.query).get("list-type") === "2")).toBe(true);
  });

  it("asks for smaller pages with tuning.listPageSize", async () => {
    const fake = s3.fake();
    for (const key of ["p/a", "p/b", "p/c"]) fake.put(BUCKET, key, new Uint8Array(1));
    expect((await s3.storage({ tuning: { listPageSize: 2 } }).list(BUCKET, "p/", { operation: "listArtifacts" })).map((o) => o.name)).toEqual([
      "p/a",
      "p/b",
      "p/c",
    ]);
    expect(fake.sent("ListObjectsV2").map((p) => new URLSearchParams(p.query).get("max-keys"))).toEqual(["2", "2"]);
  });

  it("lists nothing under a prefix without objects", async () => {
    s3.fake();
    expect(await s3.storage().list(BUCKET, "none/", { operation: "listArtifacts" })).toEqual([]);
  });

  it("refuses a listing that names a key outside the prefix", async () => {
    s3.fake();
    s3.server.use(
      http.get(
        /^https:\/\/bucket\.s3\.us-east-1\.amazonaws\.com\/$/,
        () =>
          new HttpResponse(
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>m/2/../../etc/passwd</Key><Size>1</Size></Contents></ListBucketResult>",
            { headers: { "content-type": "application/xml" } },
          ),
      ),
    );
    const error = await rejectionOf(s3.storage().list(BUCKET, "m/1/", { operation: "listArtifacts" }));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as ResponseValidationError).field).toBe("Contents[0].Key");
  });

  it("refuses a truncated listing without a continuation token instead of looping", async () => {
    s3.fake();
    let calls = 0;
    s3.server.use(
      http.get(/^https:\/\/bucket\.s3\.us-east-1\.amazonaws\.com\/$/, () => {
        calls++;
        return new HttpResponse("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", { headers: { "content-type": "application/xml" } });
      }),
    );
    expect(ResponseValidationError.isInstance(await rejectionOf(s3.storage().list(BUCKET, "", { operation: "listArtifacts" })))).toBe(true);
    expect(calls).toBe(1);
  });
});

describe("S3 downloads", () => {
  it("resumes a download cut mid-way with a Range request on the object's ETag", async () => {
    const fake = s3.fake();
    const { bytes } = file(1 * MiB);
    fake.put(BUCKET, "w.bin", bytes);
    fake.inject({ operation: "GetObject", kind: "cut-body", afterBytes: 300 * KiB });
    const { stream, size } = await s3.storage().open(BUCKET, "w.bin", { operation: "openArtifact" });
    expect(size).toBe(MiB);
    expect(sha(await readAll(stream))).toBe(sha(bytes));
    const gets = fake.sent("GetObject");
    expect(gets.map((g) => [g.status, g.headers.range, g.headers["if-range"]])).toEqual([
      [200, undefined, undefined],
      [206, `bytes=${300 * KiB}-`, fake.object(BUCKET, "w.bin")?.etag],
    ]);
  });

  it("says NotFoundError for a missing object", async () => {
    s3.fake();
    const error = await rejectionOf(s3.storage().open(BUCKET, "missing.bin", { operation: "openArtifact" }));
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as NotFoundError).providerCode).toBe("NoSuchKey");
  });
});

describe("S3 JSON documents and deletes", () => {
  it("gives undefined for a missing document, but NotFoundError for a missing bucket", async () => {
    s3.fake();
    const storage = s3.storage();
    expect(await storage.getJson(BUCKET, "m/none.json", { operation: "getVersion" })).toBeUndefined();
    const error = await rejectionOf(storage.getJson("no-such-bucket", "m/none.json", { operation: "getVersion" }));
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as NotFoundError).providerCode).toBe("NoSuchBucket");
  });

  it("refuses a document that is not JSON", async () => {
    const fake = s3.fake();
    fake.put(BUCKET, "m/meta.json", new TextEncoder().encode("{not json"));
    expect(ResponseValidationError.isInstance(await rejectionOf(s3.storage().getJson(BUCKET, "m/meta.json", { operation: "getVersion" })))).toBe(true);
  });

  it("deletes an object, and deleting a missing one succeeds as S3 answers it", async () => {
    const fake = s3.fake();
    fake.put(BUCKET, "m/x", new Uint8Array(3));
    const storage = s3.storage();
    await storage.delete(BUCKET, "m/x", { operation: "deleteVersion" });
    expect(fake.object(BUCKET, "m/x")).toBeUndefined();
    await storage.delete(BUCKET, "m/x", { operation: "deleteVersion" });
    expect(fake.sent("DeleteObject").map((r) => r.status)).toEqual([204, 204]);
  });
});
