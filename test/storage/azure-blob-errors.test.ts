// Azure Blob Storage's error documents and listings as modelreg reads them (src/storage/azure-blob-error.ts,
// azure-blob-xml.ts): Azure's documented codes, and Azurite's answers where they differ (reference §8).
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConflictError,
  IntegrityError,
  InvalidInputError,
  type ModelRegistryError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  ServerError,
} from "modelreg";
import { redact } from "../../src/http/redact.js";
import { mapAzureBlobError } from "../../src/storage/azure-blob-error.js";
import { blockListXml, readAzureErrorXml, readBlobListPage } from "../../src/storage/azure-blob-xml.js";

const errorXml = (code: string, message: string) =>
  `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:0f1e2d3c\nTime:2026-01-02T03:04:05.0000000Z</Message></Error>`;

function mapped(status: number, text: string, headers: Record<string, string> = {}): ModelRegistryError | undefined {
  return mapAzureBlobError({
    provider: "azureml",
    operation: "createVersion",
    method: "PUT",
    url: "https://acct.blob.core.windows.net/models/a",
    status,
    headers: new Headers(headers),
    text,
    json: undefined,
    requestId: undefined,
    retryAfterMs: undefined,
    errorOptions: { provider: "azureml", operation: "createVersion", statusCode: status, isRetryable: status >= 500 },
    redact: (t) => redact(t),
  });
}

describe("Azure Blob errors", () => {
  it("reads the code and the message's first line, a byte-order mark or not", () => {
    expect(readAzureErrorXml(errorXml("BlobNotFound", "The specified blob does not exist."))).toEqual({
      code: "BlobNotFound",
      message: "The specified blob does not exist.",
    });
    expect(readAzureErrorXml("<html>bad gateway</html>")).toBeUndefined();
    expect(readAzureErrorXml("")).toBeUndefined();
  });

  it("maps Azure's codes to typed errors that keep the code and name the operation", () => {
    const cases: Array<[number, string, string, (e: unknown) => boolean, boolean]> = [
      [404, "BlobNotFound", "The specified blob does not exist.", NotFoundError.isInstance.bind(NotFoundError), false],
      [404, "ContainerNotFound", "The specified container does not exist.", NotFoundError.isInstance.bind(NotFoundError), false],
      [409, "BlobAlreadyExists", "The specified blob already exists.", ConflictError.isInstance.bind(ConflictError), false],
      [412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.", ConflictError.isInstance.bind(ConflictError), false],
      [403, "AuthenticationFailed", "Server failed to authenticate the request.", AuthenticationError.isInstance.bind(AuthenticationError), false],
      [
        401,
        "InvalidAuthenticationInfo",
        "Authentication information is not given in the correct format.",
        AuthenticationError.isInstance.bind(AuthenticationError),
        false,
      ],
      [
        403,
        "AuthorizationFailure",
        "This request is not authorized to perform this operation.",
        PermissionDeniedError.isInstance.bind(PermissionDeniedError),
        false,
      ],
      [
        403,
        "AuthorizationPermissionMismatch",
        "This request is not authorized to perform this operation using this permission.",
        PermissionDeniedError.isInstance.bind(PermissionDeniedError),
        false,
      ],
      [
        400,
        "Md5Mismatch",
        "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
        IntegrityError.isInstance.bind(IntegrityError),
        true,
      ],
      [503, "ServerBusy", "Ingress is over the account limit.", RateLimitError.isInstance.bind(RateLimitError), true],
      [500, "InternalError", "The server encountered an internal error.", ServerError.isInstance.bind(ServerError), true],
      [400, "InvalidBlockList", "The specified block list is invalid.", InvalidInputError.isInstance.bind(InvalidInputError), false],
    ];
    for (const [status, code, message, is, retryable] of cases) {
      const error = mapped(status, errorXml(code, message));
      expect(is(error), code).toBe(true);
      expect(error?.providerCode).toBe(code);
      expect(error?.isRetryable, code).toBe(retryable);
      expect(error?.message).toBe(`[azureml] createVersion: ${code}: ${message}`);
    }
  });

  it("reads Azurite's codes where they differ from Azure's", () => {
    // A bad signature, an expired SAS, no credential at all: Azurite says AuthorizationFailure with Azure's
    // AuthenticationFailed message.
    const auth = mapped(
      403,
      errorXml(
        "AuthorizationFailure",
        "Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.",
      ),
    );
    expect(AuthenticationError.isInstance(auth)).toBe(true);
    // A Content-MD5 that does not match: Azure's Md5Mismatch is Azurite's InvalidOperation.
    const md5 = mapped(400, errorXml("InvalidOperation", "Provided contentMD5 doesn't match."));
    expect(IntegrityError.isInstance(md5) && md5.isRetryable).toBe(true);
    // Another InvalidOperation keeps the status's class and the code.
    const other = mapped(400, errorXml("InvalidOperation", "Something else."));
    expect(InvalidInputError.isInstance(other) && other.providerCode === "InvalidOperation").toBe(true);
  });

  it("takes the code from x-ms-error-code when there is no body (HEAD), and leaves bodies of other kinds to the status mapping", () => {
    const head = mapped(404, "", { "x-ms-error-code": "BlobNotFound" });
    expect(NotFoundError.isInstance(head) && head.providerCode === "BlobNotFound").toBe(true);
    expect(head?.message).toContain("HTTP 404");
    expect(mapped(502, "<html>bad gateway</html>")).toBeUndefined();
  });

  it("redacts a SAS signature an error message echoes", () => {
    const error = mapped(
      403,
      errorXml("AuthenticationFailed", "Signature did not match for https://a.blob.core.windows.net/c?sv=1&amp;sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"),
    );
    expect(error?.message).not.toContain("c2VjcmV0LXNpZ25hdHVyZQ");
    expect(error?.message).toContain("sig=[REDACTED]");
  });
});

describe("Azure Blob listings", () => {
  const page = (blobs: string, next = "") =>
    `\uFEFF<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://a.blob.core.windows.net/" ContainerName="c"><Prefix>m/</Prefix><MaxResults>2</MaxResults><Blobs>${blobs}</Blobs><NextMarker>${next}</NextMarker></EnumerationResults>`;
  const blob = (name: string, size: number, md5 = "") =>
    `<Blob><Name>${name}</Name><Properties><Content-Length>${size}</Content-Length><Content-MD5>${md5}</Content-MD5><BlobType>BlockBlob</BlobType></Properties></Blob>`;
  const ctx = { provider: "azureml", operation: "downloadArtifacts" };

  it("reads names, sizes, MD5s and the next marker, decoding names Azure had to percent-encode", () => {
    const text = page(
      `${blob("m/a &amp; b.bin", 3, "kAFQmDzST7DWlj99KOF/cg==")}<Blob><Name Encoded="true">m/%01odd</Name><Properties><Content-Length>0</Content-Length></Properties></Blob>`,
      "2!84!MDAwMDA",
    );
    expect(readBlobListPage(text, ctx)).toEqual({
      blobs: [
        { name: "m/a & b.bin", size: 3, md5: "kAFQmDzST7DWlj99KOF/cg==" },
        { name: "m/\u0001odd", size: 0, md5: undefined },
      ],
      nextMarker: "2!84!MDAwMDA",
    });
    expect(readBlobListPage(page(""), ctx)).toEqual({ blobs: [], nextMarker: undefined });
  });

  it("refuses pages it cannot read", () => {
    for (const text of ["not xml <", "<Error><Code>x</Code></Error>", page("<Blob><Name>m/x</Name><Properties/></Blob>")])
      expect(() => readBlobListPage(text, ctx)).toThrow(ResponseValidationError);
  });

  it("writes the block list as Latest entries", () => {
    expect(blockListXml(["QQ==", "Qg=="])).toBe('<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>QQ==</Latest><Latest>Qg==</Latest></BlockList>');
  });
});
