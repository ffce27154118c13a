// An in-process S3 (msw) that behaves as AWS documents where moto does not (reference §12, "Where S3 differs from
// AWS"): it checks every SigV4 signature (moto checks none) with test/support/sigv4-verify.ts, validates
// `x-amz-checksum-sha256` against the bytes of PutObject and UploadPart (400 BadDigest; moto validates no checksum),
// the parts' checksums at CompleteMultipartUpload (InvalidPart), the 5 MiB minimum part size but the last
// (EntityTooSmall; lowered by `minPartBytes` so tests can use small parts), `If-None-Match: *` (412), and answers
// virtual-hosted requests as well as path-style ones (moto refuses `bucket.localhost`). Every request is checked
// against the botocore-derived contract (test/support/s3-fake-contract.ts) and recorded; faults are injected by
// operation. Tests reuse it through `installS3Fake(server, options)`.
import { createHash, randomUUID } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";
import type { SetupServer } from "msw/node";
import { operationOf, type S3Operation, s3RequestProblems } from "./s3-fake-contract.js";
import { checkedChecksum, type FakeObject, listResponse, NS, parseCompleteBody, readResponse, s3Error, tag, xml } from "./s3-fake-responses.js";
import { type SigV4Credentials, verifySigV4 } from "./sigv4-verify.js";

export type { S3Operation } from "./s3-fake-contract.js";
export type { FakeObject } from "./s3-fake-responses.js";

const MiB = 1024 * 1024;

/** Options of the fake. */
export interface S3FakeOptions {
  /** The endpoint it serves, path-style and virtual-hosted. Default `https://s3.us-east-1.amazonaws.com`. */
  endpoint?: string;
  /** The region signatures must name. Default `us-east-1`. */
  region?: string;
  /** When given, every request must be signed with these (403 SignatureDoesNotMatch otherwise). */
  credentials?: SigV4Credentials;
  /** Buckets that exist from the start. Default `["bucket"]`. */
  buckets?: string[];
  /** The smallest part but the last (EntityTooSmall below it). Default 5 MiB, as AWS. */
  minPartBytes?: number;
  /** Most keys per ListObjectsV2 page. Default 1000, as AWS. */
  maxKeys?: number;
}

interface FakePart {
  bytes: Uint8Array;
  etag: string;
  checksumSha256: string | undefined;
}

/** A multipart upload under way. */
export interface FakeUpload {
  bucket: string;
  key: string;
  contentType: string;
  checksumAlgorithm: string | undefined;
  parts: Map<number, FakePart>;
}

/** One request as the fake saw it (credential headers left out). */
export interface FakeS3Request {
  operation: S3Operation | "Unknown";
  method: string;
  style: "virtual" | "path";
  bucket: string;
  key: string | undefined;
  partNumber: number | undefined;
  headers: Record<string, string>;
  query: string;
  bodyBytes: number;
  status: number;
}

/** A fault to inject into the next request(s) of an operation. */
export interface S3Fault {
  operation: S3Operation;
  /** Only this part (UploadPart). */
  partNumber?: number;
  /** Only this key. */
  key?: string;
  /** How many matching requests it hits. Default 1. */
  times?: number;
  /**
   * `network`: the connection drops before an answer (`afterHandling`: after the request took effect, so only its
   * answer is lost); `status`: an error document with `status` and `code`; `complete-error`: CompleteMultipartUpload
   * answers HTTP 200 with an `<Error>` (`code`, default InternalError) and completes nothing; `cut-body`: GetObject
   * sends `afterBytes` bytes, then breaks off.
   */
  kind: "network" | "status" | "complete-error" | "cut-body";
  status?: number;
  code?: string;
  /** The error document's message (`status`). */
  message?: string;
  afterHandling?: boolean;
  afterBytes?: number;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest();
const md5Hex = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");
/** The fake's state and controls. */
export class S3Fake {
  /** Buckets and their objects. */
  readonly buckets = new Map<string, Map<string, FakeObject>>();
  /** Multipart uploads under way (completed and aborted ones are removed). */
  readonly uploads = new Map<string, FakeUpload>();
  /** Every request, in order. */
  readonly requests: FakeS3Request[] = [];
  /** Requests that broke the S3 contract; tests assert it stays empty. */
  readonly violations: string[] = [];
  /** Requests whose signature failed; tests that do not expect one assert it stays empty. */
  readonly signatureFailures: string[] = [];
  readonly #faults: S3Fault[] = [];
  readonly #endpoint: URL;
  readonly #options: Required<Omit<S3FakeOptions, "credentials" | "buckets" | "endpoint">> & { credentials: SigV4Credentials | undefined };

  constructor(options: S3FakeOptions = {}) {
    this.#endpoint = new URL(options.endpoint ?? "https://s3.us-east-1.amazonaws.com");
    this.#options = {
      region: options.region ?? "us-east-1",
      credentials: options.credentials,
      minPartBytes: options.minPartBytes ?? 5 * MiB,
      maxKeys: options.maxKeys ?? 1000,
    };
    for (const bucket of options.buckets ?? ["bucket"]) this.buckets.set(bucket, new Map());
  }

  /** The object at `bucket/key`. */
  object(bucket: string, key: string): FakeObject | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  /** Stores an object directly (as another client would have), with its full-object SHA-256 checksum. */
  put(bucket: string, key: string, bytes: Uint8Array, contentType = "application/octet-stream"): void {
    const objects = this.buckets.get(bucket) ?? new Map<string, FakeObject>();
    this.buckets.set(bucket, objects);
    objects.set(key, { bytes, contentType, etag: `"${md5Hex(bytes)}"`, checksumSha256: sha256(bytes).toString("base64"), checksumType: "FULL_OBJECT" });
  }

  /** Queues a fault. */
  inject(fault: S3Fault): void {
    this.#faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** The requests of one operation. */
  sent(operation: S3Operation): FakeS3Request[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  #takeFault(operation: S3Operation, key: string | undefined, partNumber: number | undefined): S3Fault | undefined {
    const at = this.#faults.findIndex(
      (f) => f.operation === operation && (f.key === undefined || f.key === key) && (f.partNumber === undefined || f.partNumber === partNumber),
    );
    if (at === -1) return undefined;
    const fault = this.#faults[at] as S3Fault;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.#faults.splice(at, 1);
    return fault;
  }

  /** The msw handlers: every request to the endpoint's host or a subdomain of it. */
  handlers(): HttpHandler[] {
    const host = this.#endpoint.host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const scheme = this.#endpoint.protocol.replace(":", "");
    const pattern = new RegExp(`^${scheme}://([a-z0-9.-]+\\.)?${host}(/.*)?$`);
    return [http.all(pattern, ({ request }) => this.#handle(request))];
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = new Uint8Array(await request.arrayBuffer());
    const virtual = url.host !== this.#endpoint.host;
    const segments = url.pathname.slice(1).split("/");
    let bucket: string;
    let key: string | undefined;
    try {
      bucket = virtual ? url.host.slice(0, -this.#endpoint.host.length - 1) : decodeURIComponent(segments.shift() ?? "");
      const rest = (virtual ? url.pathname.slice(1) : segments.join("/")) || undefined;
      key = rest === undefined ? undefined : decodeURIComponent(rest);
    } catch {
      return this.#error(400, "InvalidURI", "Couldn't parse the specified URI.");
    }
    const operation = operationOf(request.method, key, url.searchParams);
    const partNumber = url.searchParams.has("partNumber") ? Number(url.searchParams.get("partNumber")) : undefined;
    const record: FakeS3Request = {
      operation: operation ?? "Unknown",
      method: request.method,
      style: virtual ? "virtual" : "path",
      bucket,
      key,
      partNumber,
      headers: Object.fromEntries(
        [...(request.headers as unknown as Iterable<[string, string]>)].filter(([name]) => name !== "authorization" && name !== "x-amz-security-token"),
      ),
      query: url.search,
      bodyBytes: body.byteLength,
      status: 0,
    };
    this.requests.push(record);
    const respond = (response: Response) => {
      record.status = response.type === "error" ? 0 : response.status;
      return response;
    };
    if (this.#options.credentials) {
      let failure: ReturnType<typeof verifySigV4>;
      try {
        failure = verifySigV4(
          { method: request.method, url, headers: request.headers, bodySha256: sha256(body).toString("hex") },
          { credentials: this.#options.credentials, region: this.#options.region },
        );
      } catch {
        failure = { status: 400, code: "InvalidURI", message: "Couldn't parse the specified URI." };
      }
      if (failure) {
        this.signatureFailures.push(`${request.method} ${url.pathname}: ${failure.code}`);
        return respond(this.#error(failure.status, failure.code, failure.message, failure.region ? tag("Region", failure.region) : ""));
      }
    }
    if (!operation) return respond(this.#error(501, "NotImplemented", `the fake does not serve ${request.method} ${url.pathname}${url.search}`));
    let payload: unknown;
    if (operation === "CompleteMultipartUpload") payload = parseCompleteBody(new TextDecoder().decode(body));
    const problems = s3RequestProblems(operation, { bucket, key, headers: request.headers, query: url.searchParams, payload });
    if (problems.length > 0) {
      this.violations.push(`${operation}: ${problems.join("; ")}`);
      return respond(this.#error(400, "InvalidRequest", `the request breaks the S3 contract: ${problems.join("; ")}`));
    }
    const fault = this.#takeFault(operation, key, partNumber);
    if (fault?.kind === "network" && !fault.afterHandling) return respond(HttpResponse.error());
    if (fault?.kind === "status") return respond(this.#error(fault.status ?? 500, fault.code ?? "InternalError", fault.message ?? "injected"));
    if (fault?.kind === "complete-error")
      return respond(
        xml(`<Error>${tag("Code", fault.code ?? "InternalError")}${tag("Message", "We encountered an internal error. Please try again.")}</Error>`),
      );
    if (operation !== "CreateBucket" && !this.buckets.has(bucket)) return respond(this.#error(404, "NoSuchBucket", "The specified bucket does not exist"));
    const response = this.#serve(operation, bucket, key ?? "", request.headers, url.searchParams, body, payload, fault);
    return respond(fault?.kind === "network" ? HttpResponse.error() : response);
  }

  #error(status: number, code: string, message: string, extra = ""): Response {
    return s3Error(status, code, message, extra);
  }

  #serve(
    operation: S3Operation,
    bucket: string,
    key: string,
    headers: Headers,
    query: URLSearchParams,
    body: Uint8Array,
    payload: unknown,
    fault: S3Fault | undefined,
  ): Response {
    const objects = this.buckets.get(bucket) ?? new Map<string, FakeObject>();
    const existing = objects.get(key);
    switch (operation) {
      case "CreateBucket":
        if (this.buckets.has(bucket))
          return this.#error(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
        this.buckets.set(bucket, new Map());
        return new HttpResponse(null, { status: 200, headers: { location: `/${bucket}` } });
      case "PutObject": {
        const checked = checkedChecksum(headers, body);
        if (checked instanceof Response) return checked;
        const condition = this.#ifNoneMatch(headers, existing);
        if (condition) return condition;
        const stored: FakeObject = {
          bytes: body,
          contentType: headers.get("content-type") ?? "binary/octet-stream",
          etag: `"${md5Hex(body)}"`,
          checksumSha256: checked.checksum,
          checksumType: checked.checksum ? "FULL_OBJECT" : undefined,
        };
        objects.set(key, stored);
        return new HttpResponse(null, { status: 200, headers: { etag: stored.etag, ...(checked.checksum && { "x-amz-checksum-sha256": checked.checksum }) } });
      }
      case "GetObject":
      case "HeadObject":
        return readResponse(operation, key, existing, headers, fault?.kind === "cut-body" ? (fault.afterBytes ?? 0) : undefined);
      case "DeleteObject":
        objects.delete(key);
        return new HttpResponse(null, { status: 204 });
      case "ListObjectsV2":
        return listResponse(bucket, objects, query, this.#options.maxKeys);
      case "CreateMultipartUpload": {
        const uploadId = randomUUID().replaceAll("-", "");
        const algorithm = headers.get("x-amz-checksum-algorithm") ?? undefined;
        if (algorithm !== undefined && algorithm !== "SHA256") return this.#error(400, "InvalidRequest", `the fake checks SHA256 only, not ${algorithm}`);
        this.uploads.set(uploadId, {
          bucket,
          key,
          contentType: headers.get("content-type") ?? "binary/octet-stream",
          checksumAlgorithm: algorithm,
          parts: new Map(),
        });
        return xml(
          `<InitiateMultipartUploadResult xmlns="${NS}">${tag("Bucket", bucket)}${tag("Key", key)}${tag("UploadId", uploadId)}</InitiateMultipartUploadResult>`,
          200,
          algorithm ? { "x-amz-checksum-algorithm": algorithm } : {},
        );
      }
      case "UploadPart": {
        const upload = this.#upload(bucket, key, query);
        if (upload instanceof Response) return upload;
        const partNumber = Number(query.get("partNumber"));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)
          return this.#error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
        const checked = checkedChecksum(headers, body);
        if (checked instanceof Response) return checked;
        if (upload.checksumAlgorithm === "SHA256" && checked.checksum === undefined)
          return this.#error(400, "InvalidRequest", "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: null");
        const part = { bytes: body, etag: `"${md5Hex(body)}"`, checksumSha256: checked.checksum };
        upload.parts.set(partNumber, part);
        return new HttpResponse(null, {
          status: 200,
          headers: { etag: part.etag, ...(part.checksumSha256 && { "x-amz-checksum-sha256": part.checksumSha256 }) },
        });
      }
      case "CompleteMultipartUpload":
        return this.#complete(bucket, key, headers, query, payload, objects, existing);
      case "AbortMultipartUpload": {
        const upload = this.#upload(bucket, key, query);
        if (upload instanceof Response) return upload;
        this.uploads.delete(query.get("uploadId") ?? "");
        return new HttpResponse(null, { status: 204 });
      }
    }
  }

  #ifNoneMatch(headers: Headers, existing: FakeObject | undefined): Response | undefined {
    const condition = headers.get("if-none-match");
    if (condition === null) return undefined;
    if (condition !== "*")
      return this.#error(501, "NotImplemented", "A header you provided implies functionality that is not implemented", tag("Header", "If-None-Match"));
    if (existing)
      return this.#error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", tag("Condition", "If-None-Match"));
    return undefined;
  }

  #upload(bucket: string, key: string, query: URLSearchParams): FakeUpload | Response {
    const upload = this.uploads.get(query.get("uploadId") ?? "");
    if (!upload || upload.bucket !== bucket || upload.key !== key)
      return this.#error(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      );
    return upload;
  }

  #complete(
    bucket: string,
    key: string,
    headers: Headers,
    query: URLSearchParams,
    payload: unknown,
    objects: Map<string, FakeObject>,
    existing: FakeObject | undefined,
  ): Response {
    const upload = this.#upload(bucket, key, query);
    if (upload instanceof Response) return upload;
    const listed = (payload as { Parts?: Array<{ PartNumber?: number; ETag?: string; ChecksumSHA256?: string }> } | undefined)?.Parts;
    if (!listed || listed.length === 0)
      return this.#error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
    const parts: FakePart[] = [];
    for (const [i, entry] of listed.entries()) {
      if (i > 0 && (entry.PartNumber ?? 0) <= (listed[i - 1]?.PartNumber ?? 0))
        return this.#error(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");
      const part = upload.parts.get(entry.PartNumber ?? 0);
      const unquoted = (etag: string | undefined) => etag?.replace(/^"|"$/g, "");
      const checksumOk = upload.checksumAlgorithm !== "SHA256" || (entry.ChecksumSHA256 !== undefined && entry.ChecksumSHA256 === part?.checksumSha256);
      if (!part || unquoted(entry.ETag) !== unquoted(part.etag) || !checksumOk)
        return this.#error(
          400,
          "InvalidPart",
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        );
      parts.push(part);
    }
    for (const part of parts.slice(0, -1))
      if (part.bytes.byteLength < this.#options.minPartBytes)
        return this.#error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
    const size = parts.reduce((sum, p) => sum + p.bytes.byteLength, 0);
    const declared = headers.get("x-amz-mp-object-size");
    if (declared !== null && Number(declared) !== size)
      return this.#error(400, "InvalidRequest", `The provided 'x-amz-mp-object-size' header value ${declared} does not match what was computed: ${size}`);
    const condition = this.#ifNoneMatch(headers, existing);
    if (condition) return condition;
    const bytes = new Uint8Array(Buffer.concat(parts.map((p) => p.bytes)));
    const etag = `"${createHash("md5")
      .update(Buffer.concat(parts.map((p) => Buffer.from(unquotedHex(p.etag), "hex"))))
      .digest("hex")}-${parts.length}"`;
    const composite =
      upload.checksumAlgorithm === "SHA256"
        ? `${sha256(Buffer.concat(parts.map((p) => Buffer.from(p.checksumSha256 ?? "", "base64")))).toString("base64")}-${parts.length}`
        : undefined;
    objects.set(key, { bytes, contentType: upload.contentType, etag, checksumSha256: composite, checksumType: composite ? "COMPOSITE" : undefined });
    this.uploads.delete(query.get("uploadId") ?? "");
    return xml(
      `<CompleteMultipartUploadResult xmlns="${NS}">${tag("Location", `/${bucket}/${key}`)}${tag("Bucket", bucket)}${tag("Key", key)}${tag("ETag", etag)}${
        composite ? tag("ChecksumSHA256", composite) + tag("ChecksumType", "COMPOSITE") : ""
      }</CompleteMultipartUploadResult>`,
    );
  }
}

const unquotedHex = (etag: string) => etag.replace(/^"|"$/g, "");

/** Creates the fake and installs its handlers on an msw server (`server.use`, so `resetHandlers` removes them). */
export function installS3Fake(server: SetupServer, options: S3FakeOptions = {}): S3Fake {
  const fake = new S3Fake(options);
  server.use(...fake.handlers());
  return fake;
}
