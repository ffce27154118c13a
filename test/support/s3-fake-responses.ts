// The answers of the S3 fake (test/support/s3-fake.ts) that need no state of its own: XML documents, errors, object
// reads with ranges, listing pages, and the CompleteMultipartUpload body read back into the contract's shape.
import { createHash, randomUUID } from "node:crypto";
import { HttpResponse } from "msw";

/** S3's XML namespace. */
export const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** A stored object. */
export interface FakeObject {
  bytes: Uint8Array;
  contentType: string;
  etag: string;
  /** The SHA-256 checksum S3 keeps: base64, with `-<parts>` for a multipart object. */
  checksumSha256: string | undefined;
  checksumType: "FULL_OBJECT" | "COMPOSITE" | undefined;
}

const escapeText = (text: string) => text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
/** An XML answer. */
export const xml = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, { status, headers: { "content-type": "application/xml", ...headers } });
/** An element with escaped text. */
export const tag = (name: string, value: string | number) => `<${name}>${escapeText(String(value))}</${name}>`;
/** UTF-8 byte order, as S3 lists keys. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** An S3 error document. */
export function s3Error(status: number, code: string, message: string, extra = ""): Response {
  return xml(`<Error>${tag("Code", code)}${tag("Message", message)}${extra}${tag("RequestId", randomUUID())}</Error>`, status, {
    "x-amz-request-id": randomUUID(),
  });
}

/**
 * A GetObject or HeadObject answer: ranges (206, 416), `If-Range` on the ETag, the checksum when asked for with
 * `x-amz-checksum-mode: ENABLED` (whole objects only, as AWS), and a body that breaks off after `cutAfter` bytes.
 */
export function readResponse(
  operation: "GetObject" | "HeadObject",
  key: string,
  object: FakeObject | undefined,
  headers: Headers,
  cutAfter: number | undefined,
): Response {
  if (!object)
    return operation === "HeadObject"
      ? new HttpResponse(null, { status: 404 })
      : s3Error(404, "NoSuchKey", "The specified key does not exist.", tag("Key", key));
  const size = object.bytes.byteLength;
  const ifRange = headers.get("if-range");
  const range = ifRange === null || ifRange === object.etag ? parseRange(headers.get("range"), size) : undefined;
  if (range === "invalid") return s3Error(416, "InvalidRange", "The requested range is not satisfiable", tag("RangeRequested", headers.get("range") ?? ""));
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
  if (cutAfter === undefined) return new HttpResponse(bytes, { status, headers: head });
  const cut = Math.min(cutAfter, bytes.byteLength);
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

/** A ListObjectsV2 page of at most `maxKeys` keys (and the request's `max-keys`), keys in UTF-8 byte order. */
export function listResponse(bucket: string, objects: Map<string, FakeObject>, query: URLSearchParams, maxKeys: number): Response {
  const prefix = query.get("prefix") ?? "";
  const asked = query.has("max-keys") ? Number(query.get("max-keys")) : 1000;
  const pageSize = Math.min(asked, maxKeys);
  const token = query.get("continuation-token");
  let after: string | undefined;
  if (token !== null) {
    after = Buffer.from(token, "base64url").toString("utf8");
    if (token === "" || Buffer.from(after).toString("base64url") !== token)
      return s3Error(400, "InvalidArgument", "The continuation token provided is incorrect");
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

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` as [start, end]; `undefined` without a usable header (S3 then sends the whole object). */
export function parseRange(header: string | null, size: number): [number, number] | "invalid" | undefined {
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
export function parseCompleteBody(text: string): unknown {
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

/** The checksum a request declares, checked against its bytes: an error response, or the checksum (maybe none). */
export function checkedChecksum(headers: Headers, bytes: Uint8Array): Response | { checksum: string | undefined } {
  const algorithm = headers.get("x-amz-sdk-checksum-algorithm");
  const checksum = headers.get("x-amz-checksum-sha256") ?? undefined;
  if (algorithm !== null && algorithm !== "SHA256") return s3Error(400, "InvalidRequest", `the fake checks SHA256 only, not ${algorithm}`);
  if (algorithm !== null && checksum === undefined)
    return s3Error(400, "InvalidRequest", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.");
  if (checksum !== undefined && checksum !== createHash("sha256").update(bytes).digest("base64"))
    return s3Error(400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.");
  return { checksum };
}
