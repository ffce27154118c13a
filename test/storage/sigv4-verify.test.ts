// The S3 fake's signature check (test/support/sigv4-verify.ts) is the only place SigV4 is verified (moto checks no
// signature), so it is held to AWS's own worked examples ("Examples: Signature Calculations in AWS Signature Version
// 4", S3 documentation, header-based auth), and shown to refuse what S3 refuses.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { awsSigner } from "../../src/aws/aws-signer.js";
import { canonicalQuery, canonicalUri, verifySigV4 } from "../support/sigv4-verify.js";
import { CREDENTIALS } from "./support/s3-setup.js";

// AWS's example credentials, from the documentation.
const EXAMPLE = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const AT = new Date("2013-05-24T00:00:00Z");
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const hex = (text: string) => createHash("sha256").update(text).digest("hex");

function exampleRequest(method: string, url: string, headers: Record<string, string>, signed: string, signature: string, body = "") {
  return {
    method,
    url: new URL(url),
    headers: new Headers({
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${signature}`,
    }),
    bodySha256: hex(body),
  };
}

describe("the SigV4 verifier against AWS's worked examples", () => {
  const expectation = { credentials: EXAMPLE, region: "us-east-1", now: AT };

  it("accepts GET Object with a Range", () => {
    const request = exampleRequest(
      "GET",
      "https://examplebucket.s3.amazonaws.com/test.txt",
      { range: "bytes=0-9", "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z" },
      "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
    expect(verifySigV4(request, expectation)).toBeUndefined();
  });

  it("accepts PUT Object, whose key needs encoding and whose payload is signed", () => {
    const body = "Welcome to Amazon S3.";
    const request = exampleRequest(
      "PUT",
      "https://examplebucket.s3.amazonaws.com/test%24file.text",
      {
        date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": hex(body),
      },
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
      body,
    );
    expect(hex(body)).toBe("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    expect(verifySigV4(request, expectation)).toBeUndefined();
  });

  it("accepts a bucket listing, whose query is sorted", () => {
    const request = exampleRequest(
      "GET",
      "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
      { "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z" },
      "host;x-amz-content-sha256;x-amz-date",
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    );
    expect(verifySigV4(request, expectation)).toBeUndefined();
  });

  it("refuses the same examples with one thing changed", () => {
    const base = (signature: string, path = "/test.txt", range = "bytes=0-9") =>
      exampleRequest(
        "GET",
        `https://examplebucket.s3.amazonaws.com${path}`,
        { range, "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z" },
        "host;range;x-amz-content-sha256;x-amz-date",
        signature,
      );
    const good = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
    expect(verifySigV4(base(good, "/test.txt2"), expectation)?.code).toBe("SignatureDoesNotMatch");
    expect(verifySigV4(base(good, "/test.txt", "bytes=0-10"), expectation)?.code).toBe("SignatureDoesNotMatch");
    expect(verifySigV4(base(good.replace(/^f/, "e")), expectation)?.code).toBe("SignatureDoesNotMatch");
    expect(verifySigV4(base(good), { ...expectation, credentials: { ...EXAMPLE, secretAccessKey: "other" } })?.code).toBe("SignatureDoesNotMatch");
    expect(verifySigV4(base(good), { ...expectation, region: "eu-west-1" })).toMatchObject({ code: "AuthorizationHeaderMalformed", region: "eu-west-1" });
    expect(verifySigV4(base(good), { ...expectation, now: new Date("2013-05-24T00:20:00Z") })?.code).toBe("RequestTimeTooSkewed");
  });

  it("canonicalises paths and queries as S3 does: decoded, then RFC 3986 once", () => {
    expect(canonicalUri("/a%20b/%E2%82%AC/x%2Ay")).toBe("/a%20b/%E2%82%AC/x%2Ay");
    // A client that sent `*` or `(` raw signed them raw; S3 signs them encoded, so the signatures differ.
    expect(canonicalUri("/x*(y)")).toBe("/x%2A%28y%29");
    expect(canonicalQuery("?uploads")).toBe("uploads=");
    expect(canonicalQuery("?prefix=a%2Fb&list-type=2&continuation-token=x%2By")).toBe("continuation-token=x%2By&list-type=2&prefix=a%2Fb");
  });
});

describe("the SigV4 verifier against modelreg's signer", () => {
  const sign = awsSigner({ service: "s3", region: "us-east-1", credentials: async () => CREDENTIALS, provider: "sagemaker" });
  const expectation = { credentials: CREDENTIALS, region: "us-east-1" };

  async function signed(method: "PUT" | "GET", url: string, body: string, extra: Record<string, string> = {}) {
    const headers = new Headers({ "x-amz-content-sha256": hex(body), ...extra });
    await sign({ method, url: new URL(url), headers, body: new TextEncoder().encode(body) });
    return { method, url: new URL(url), headers, bodySha256: hex(body) };
  }

  it("accepts what awsSigner signs, keys with spaces, unicode and RFC 3986 reserved characters included", async () => {
    const url = "https://bucket.s3.us-east-1.amazonaws.com/m/my%20model/%C3%BC%2B%21%27%28%29%2A.bin?partNumber=1&uploadId=a%2Bb";
    expect(verifySigV4(await signed("PUT", url, "part", { "x-amz-checksum-sha256": "x" }), expectation)).toBeUndefined();
  });

  it("refuses a changed body, an x-amz header added after signing, and a missing session token", async () => {
    const request = await signed("PUT", "https://bucket.s3.us-east-1.amazonaws.com/k", "data");
    expect(verifySigV4({ ...request, bodySha256: hex("other") }, expectation)?.code).toBe("XAmzContentSHA256Mismatch");
    const added = new Headers(request.headers);
    added.set("x-amz-meta-late", "1");
    expect(verifySigV4({ ...request, headers: added }, expectation)?.code).toBe("AccessDenied");
    const tokenless = new Headers(request.headers);
    tokenless.delete("x-amz-security-token");
    expect(verifySigV4({ ...request, headers: tokenless }, expectation)?.code).toBe("InvalidToken");
    const unsigned = new Headers(request.headers);
    unsigned.delete("authorization");
    expect(verifySigV4({ ...request, headers: unsigned }, expectation)?.code).toBe("AccessDenied");
  });
});
