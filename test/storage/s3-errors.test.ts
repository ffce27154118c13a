// S3's errors as typed errors, and credentials kept out of every error and log line (the canary setup also fails any
// test where a canary leaks; these tests make S3 echo them on purpose).
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { AuthenticationError, InvalidInputError, IntegrityError, PermissionDeniedError, RateLimitError, ResponseValidationError } from "modelreg";
import { mapS3Error } from "../../src/storage/s3-error.js";
import { parseXml, readErrorXml, readListPage } from "../../src/storage/s3-xml.js";
import { recordingLogger } from "../http/support/helpers.js";
import { CANARY } from "../support/canary.js";
import { rejectionOf } from "../support/rejection.js";
import { BUCKET, CREDENTIALS, file, MiB, useS3Fake } from "./support/s3-setup.js";

const s3 = useS3Fake();
const op = { operation: "createVersion" };

describe("S3 errors", () => {
  it("says AuthenticationError when S3 refuses the signature, without the secret", async () => {
    const fake = s3.fake({ credentials: { ...CREDENTIALS, secretAccessKey: "the-secret-S3-expects-00000000000000000000" } });
    const error = await rejectionOf(s3.storage({ maxRetries: 0 }).upload(BUCKET, "k", file(10).entry, op));
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as AuthenticationError).providerCode).toBe("SignatureDoesNotMatch");
    expect(fake.signatureFailures).toHaveLength(1);
  });

  it("names the region when the bucket's region is another", async () => {
    s3.fake({ region: "eu-west-1" });
    const error = await rejectionOf(s3.storage().getJson(BUCKET, "m.json", op));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as InvalidInputError).field).toBe("region");
    expect((error as Error).message).toContain("eu-west-1");
  });

  it("maps AccessDenied, SlowDown (retried) and InvalidPart", async () => {
    const fake = s3.fake();
    fake.inject({ operation: "GetObject", kind: "status", status: 403, code: "AccessDenied" });
    expect(PermissionDeniedError.isInstance(await rejectionOf(s3.storage().open(BUCKET, "x", op)))).toBe(true);
    fake.put(BUCKET, "x", new Uint8Array(4));
    fake.inject({ operation: "GetObject", kind: "status", status: 503, code: "SlowDown", times: 2 });
    await s3.storage().open(BUCKET, "x", op);
    expect(fake.sent("GetObject").map((r) => r.status)).toEqual([403, 503, 503, 200]);
    fake.inject({ operation: "CompleteMultipartUpload", kind: "status", status: 400, code: "InvalidPart" });
    const error = await rejectionOf(s3.storage({ tuning: { singlePutMaxBytes: MiB, partBytes: MiB } }).upload(BUCKET, "p", file(2 * MiB).entry, op));
    expect(IntegrityError.isInstance(error) && !error.isRetryable).toBe(true);
    expect(fake.uploads.size).toBe(0);
    const slow = mapS3Error({
      text: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
      status: 503,
      errorOptions: { provider: "sagemaker", operation: "x", isRetryable: true },
      redact: (t: string) => t,
    } as Parameters<typeof mapS3Error>[0]);
    expect(RateLimitError.isInstance(slow) && slow.isRetryable).toBe(true);
  });

  it("redacts the secret key and session token S3 echoes into errors and log lines", async () => {
    const fake = s3.fake();
    const echo = `key ${CANARY.awsSecretAccessKey} token ${CANARY.awsSessionToken}`;
    fake.inject({ operation: "PutObject", kind: "status", status: 400, code: "InvalidArgument", message: echo });
    const logger = recordingLogger();
    const error = await rejectionOf(s3.storage({ logger }).upload(BUCKET, "k", file(10).entry, op));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    const shown = `${(error as Error).message} ${(error as Error).stack} ${JSON.stringify(error)} ${logger.text()}`;
    expect(shown).not.toContain(CANARY.awsSecretAccessKey.slice(0, 20));
    expect(shown).not.toContain(CANARY.awsSessionToken.slice(0, 20));
    expect(logger.lines.length).toBeGreaterThan(0);
  });

  it("redacts credentials a hostile listing and a 200-with-Error echo", async () => {
    s3.fake();
    s3.server.use(
      http.get(
        /^https:\/\/bucket\.s3\.us-east-1\.amazonaws\.com\/$/,
        () => new HttpResponse(`<ListBucketResult><Oops>${CANARY.awsSecretAccessKey}`, { headers: { "content-type": "application/xml" } }),
      ),
    );
    const error = await rejectionOf(s3.storage().list(BUCKET, "", op));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain(CANARY.awsSecretAccessKey.slice(0, 20));
  });
});

describe("S3 XML", () => {
  it("decodes entities, character references and CDATA in listings", () => {
    const page = readListPage(
      `<?xml version="1.0" encoding="UTF-8"?>
      <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated>
        <Contents><Key>a &amp; b/&lt;x&gt;&#13;&#x1F600;.bin</Key><Size>12</Size></Contents>
        <Contents><Key><![CDATA[c <raw> & d]]></Key><Size>0</Size></Contents>
        <NextContinuationToken>t+/=</NextContinuationToken></ListBucketResult>`,
      { provider: "sagemaker", operation: "list" },
    );
    expect(page).toEqual({
      objects: [
        { key: "a & b/<x>\r😀.bin", size: 12 },
        { key: "c <raw> & d", size: 0 },
      ],
      isTruncated: true,
      nextToken: "t+/=",
    });
  });

  it("refuses document types, unknown entities and unbalanced tags", () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')).toThrow(/document type/);
    expect(() => parseXml("<x>&bogus;</x>")).toThrow(/entity/);
    expect(() => parseXml("<x><y></x>")).toThrow();
    expect(() => parseXml("<x></x><y></y>")).toThrow(/second root/);
    expect(readErrorXml("<html>503 Service Unavailable</html>")).toBeUndefined();
    expect(readErrorXml("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>")).toMatchObject({ code: "NoSuchKey", message: "gone" });
  });
});
