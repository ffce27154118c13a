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
import { type S3Operation, s3RequestProblems } from "./s3-fake-contract.js";
import { type SigV4Credentials, verifySigV4 } from "./sigv4-verify.js";

export type { S3Operation } from "./s3-fake-contract.js";

const MiB = 1024 * 1024;
const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

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

/** A stored object. */
export interface FakeObject {
  bytes: Uint8Array;
  contentType: string;
  etag: string;
  /** The SHA-256 checksum S3 keeps: base64, with `-<parts>` for a multipart object. */
  checksumSha256: string | undefined;
  checksumType: "FULL_OBJECT" | "COMPOSITE" | undefined;
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
const escapeText = (text: string) => text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
const xml = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, { status, headers: { "content-type": "application/xml", ...headers } });
const tag = (name: string, value: string | number) => `<${name}>${escapeText(String(value))}</${name}>`;
/** UTF-8 byte order, as S3 lists keys. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

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
    const operation = this.#operation(request.method, key, url.searchParams);
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

  #operation(method: string, key: string | undefined, query: URLSearchParams): S3Operation | undefined {
    if (key === undefined) {
      if (method === "PUT") return "CreateBucket";
      if (method === "GET" && query.get("list-type") === "2") return "ListObjectsV2";
      return undefined;
    }
    switch (method) {
      case "PUT":
        return query.has("uploadId") ? "UploadPart" : "PutObject";
      case "GET":
        return "GetObject";
      case "HEAD":
        return "HeadObject";
      case "POST":
        return query.has("uploads") ? "CreateMultipartUpload" : query.has("uploadId") ? "CompleteMultipartUpload" : undefined;
      case "DELETE":
        return query.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
      default:
        return undefined;
    }
  }

  #error(status: number, code: string, message: string, extra = ""): Response {
    return xml(`<Error>${tag("Code", code)}${tag("Message", message)}${extra}${tag("RequestId", randomUUID())}</Error>`, status, {
      "x-amz-request-id": randomUUID(),
    });
  }

  /** The checksum a request declares, checked against its bytes: an error response, or the checksum (maybe none). */
  #checksum(headers: Headers, bytes: Uint8Array): Response | { checksum: string | undefined } {
    const algorithm = headers.get("x-amz-sdk-checksum-algorithm");
    const checksum = headers.get("x-amz-checksum-sha256") ?? undefined;
    if (algorithm !== null && algorithm !== "SHA256") return this.#error(400, "InvalidRequest", `the fake checks SHA256 only, not ${algorithm}`);
    if (algorithm !== null && checksum === undefined)
      return this.#error(
        400,
        "InvalidRequest",
        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.",
      );
    if (checksum !== undefined && checksum !== sha256(bytes).toString("base64"))
      return this.#error(400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.");
    return { checksum };
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
        const checked = this.#checksum(headers, body);
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
        return this.#read(operation, key, existing, headers, fault);
      case "DeleteObject":
        objects.delete(key);
        return new HttpResponse(null, { status: 204 });
      case "ListObjectsV2":
        return this.#list(bucket, objects, query);
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
        const checked = this.#checksum(headers, body);
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

  #read(operation: "GetObject" | "HeadObject", key: string, object: FakeObject | undefined, headers: Headers, fault: S3Fault | undefined): Response {
    if (!object)
      return operation === "HeadObject"
        ? new HttpResponse(null, { status: 404 })
        : this.#error(404, "NoSuchKey", "The specified key does not exist.", tag("Key", key));
    const size = object.bytes.byteLength;
    const ifRange = headers.get("if-range");
    const range = ifRange === null || ifRange === object.etag ? parseRange(headers.get("range"), size) : undefined;
    if (range === "invalid")
      return this.#error(416, "InvalidRange", "The requested range is not satisfiable", tag("RangeRequested", headers.get("range") ?? ""));
    const [start, end] = range ?? [0, size - 1];
    const head: Record<string, string> = {
      etag: object.etag,
      "content-type": object.contentType,
      "content-length": String(Math.max(0, end - start + 1)),
      "accept-ranges": "bytes",
      "last-modified": new Date(0).toUTCString(),
      ...(range && { "content-range": `bytes ${start}-${end}/${size}` }),
      // AWS returns the checksum for whole objects only, when asked.
      ...(!range &&
        headers.get("x-amz-checksum-mode") === "ENABLED" &&
        object.checksumSha256 && { "x-amz-checksum-sha256": object.checksumSha256, "x-amz-checksum-type": object.checksumType ?? "FULL_OBJECT" }),
    };
    const status = range ? 206 : 200;
    if (operation === "HeadObject") return new HttpResponse(null, { status, headers: head });
    const bytes = object.bytes.subarray(start, end + 1);
    if (fault?.kind !== "cut-body") return new HttpResponse(bytes, { status, headers: head });
    const cut = Math.min(fault.afterBytes ?? 0, bytes.byteLength);
    let sent = false;
    // Pulled only when the reader wants more (high-water mark 0), so the bytes before the cut reach it: an error
    // discards whatever a stream still queues.
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (sent) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            return controller.error(new Error("socket hang up"));
          }
          sent = true;
          controller.enqueue(bytes.slice(0, cut));
        },
      },
      { highWaterMark: 0 },
    );
    return new HttpResponse(stream, { status, headers: head });
  }

  #list(bucket: string, objects: Map<string, FakeObject>, query: URLSearchParams): Response {
    const prefix = query.get("prefix") ?? "";
    const asked = query.has("max-keys") ? Number(query.get("max-keys")) : 1000;
    const pageSize = Math.min(asked, this.#options.maxKeys);
    const token = query.get("continuation-token");
    let after: string | undefined;
    if (token !== null) {
      after = Buffer.from(token, "base64url").toString("utf8");
      if (token === "" || Buffer.from(after).toString("base64url") !== token)
        return this.#error(400, "InvalidArgument", "The continuation token provided is incorrect");
    }
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || byteOrder(k, after) > 0)).sort(byteOrder);
    const page = keys.slice(0, pageSize);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const o = objects.get(k) as FakeObject;
        return `<Contents>${tag("Key", k)}${tag("LastModified", new Date(0).toISOString())}${tag("ETag", o.etag)}${
          o.checksumSha256 ? tag("ChecksumAlgorithm", "SHA256") + tag("ChecksumType", o.checksumType ?? "FULL_OBJECT") : ""
        }${tag("Size", o.bytes.byteLength)}${tag("StorageClass", "STANDARD")}</Contents>`;
      })
      .join("");
    const next = truncated ? tag("NextContinuationToken", Buffer.from(page.at(-1) ?? "").toString("base64url")) : "";
    return xml(
      `<ListBucketResult xmlns="${NS}">${tag("Name", bucket)}${tag("Prefix", prefix)}${token !== null ? tag("ContinuationToken", token) : ""}${tag("KeyCount", page.length)}${tag("MaxKeys", asked)}${tag("IsTruncated", String(truncated))}${contents}${next}</ListBucketResult>`,
    );
  }
}

const unquotedHex = (etag: string) => etag.replace(/^"|"$/g, "");

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` as [start, end]; `undefined` without a usable header (S3 then sends the whole object). */
function parseRange(header: string | null, size: number): [number, number] | "invalid" | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const n = Number(match[2]);
    return n === 0 ? "invalid" : [Math.max(0, size - n), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "invalid";
  return [start, end];
}

/** The `<CompleteMultipartUpload>` body as the contract's `CompletedMultipartUpload`, or `undefined` when it is not one. */
function parseCompleteBody(text: string): unknown {
  if (!/<CompleteMultipartUpload[\s>]/.test(text)) return undefined;
  const parts = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, inner]) => {
    const field = (name: string) =>
      new RegExp(`<${name}>([\\s\\S]*?)</${name}>`)
        .exec(inner ?? "")?.[1]
        ?.replace(/&quot;/g, '"')
        .replace(/&amp;/g, "&");
    const number = field("PartNumber");
    return {
      ...(number !== undefined && { PartNumber: Number(number) }),
      ...(field("ETag") !== undefined && { ETag: field("ETag") }),
      ...(field("ChecksumSHA256") !== undefined && { ChecksumSHA256: field("ChecksumSHA256") }),
    };
  });
  return { Parts: parts };
}

/** Creates the fake and installs its handlers on an msw server (`server.use`, so `resetHandlers` removes them). */
export function installS3Fake(server: SetupServer, options: S3FakeOptions = {}): S3Fake {
  const fake = new S3Fake(options);
  server.use(...fake.handlers());
  return fake;
}
