/**
 * Where an S3 request goes and how its key is spelled: `s3://` URIs, bucket and key checks, virtual-hosted against
 * path-style addressing, and RFC 3986 encoding of keys and query strings as S3 (and SigV4) expect them.
 *
 * @module
 */

import { InvalidInputError } from "../core/errors.js";
import { preview } from "../core/validation.js";

/** Bucket names S3 accepts: today's rules (3-63 of `a-z 0-9 . -`), and the legacy us-east-1 names (upper case, `_`, up to 255). */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/** Buckets that can be a DNS label in front of the endpoint's host: no dots (TLS wildcards cover one label), no upper case. */
const DNS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** Control characters: XML 1.0 cannot carry most of them in a listing, and no modelreg path contains one. */
const CONTROL = /[\u0000-\u001f\u007f]/;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A surrogate without its pair: `encodeURIComponent` throws on it, and it is no UTF-8 at all. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8Length = (text: string) => new TextEncoder().encode(text).byteLength;

/**
 * Percent-encodes a string as RFC 3986 unreserved characters and `%XX` for the rest, which is what SigV4 signs and
 * what S3 decodes: `encodeURIComponent` leaves `!'()*` as they are, and S3 would sign them encoded.
 */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A query string (without `?`) from name-value pairs, each RFC 3986 encoded; a `null` value gives a bare name (`?uploads`). */
export function s3Query(params: ReadonlyArray<readonly [string, string | null]>): string {
  return params.map(([name, value]) => (value === null ? rfc3986(name) : `${rfc3986(name)}=${rfc3986(value)}`)).join("&");
}

/** An `s3://bucket/prefix` URI, split. */
export interface S3Location {
  /** The bucket. */
  bucket: string;
  /** The key prefix, without leading or trailing `/`; `""` for the bucket's root. Join names to it with `/`. */
  prefix: string;
}

/**
 * Splits an `s3://bucket[/prefix]` URI (MLflow's artifact roots, SageMaker's `artifactRoot`). The prefix is taken as
 * written (S3 URIs are not percent-encoded), without leading or trailing slashes.
 *
 * @param uri - The URI.
 * @param context - The provider and operation errors name. Default `core`/`parseS3Uri`.
 * @throws InvalidInputError for another scheme, a missing or invalid bucket, credentials, a query, or empty, `.` or
 *   `..` segments in the prefix.
 */
export function parseS3Uri(uri: string, context: { provider: string; operation: string } = { provider: "core", operation: "parseS3Uri" }): S3Location {
  const fail = (why: string) => new InvalidInputError(`${why}; expected s3://bucket[/prefix]`, { ...context, field: "uri" });
  if (typeof uri !== "string") throw fail(`${preview(uri)} is not an s3:// URI`);
  const match = /^s3:\/\/([^/?#]*)(?:\/([^?#]*))?$/i.exec(uri);
  // The URI itself is not quoted when it has an `@`: it may carry a secret.
  if (uri.includes("@") && /^s3:\/\/[^/]*@/i.test(uri)) throw fail("an s3:// URI cannot carry credentials");
  if (!match) throw fail(/^s3:\/\//i.test(uri) ? `${preview(uri)} has a query or fragment` : `${preview(uri)} is not an s3:// URI`);
  const bucket = match[1] ?? "";
  if (!BUCKET.test(bucket)) throw fail(`${preview(bucket)} in ${preview(uri)} is not an S3 bucket name`);
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix !== "") checkKey(prefix, { ...context, field: "uri" }, "the prefix");
  return { bucket, prefix };
}

/** Throws `InvalidInputError` unless `bucket` is a bucket name S3 accepts. */
export function checkBucket(bucket: unknown, context: { provider: string; operation: string }): string {
  if (typeof bucket !== "string" || !BUCKET.test(bucket))
    throw new InvalidInputError(`${preview(bucket)} is not an S3 bucket name (3-63 letters, digits, dots and hyphens)`, { ...context, field: "bucket" });
  return bucket;
}

/**
 * Throws `InvalidInputError` unless `key` is a key modelreg can address: 1-1024 UTF-8 bytes, no control characters,
 * no empty, `.` or `..` segments (a URL parser folds `.` and `..`, even encoded, so the request would name another
 * key), and well-formed UTF-16.
 */
export function checkKey(key: unknown, context: { provider: string; operation: string; field?: string }, what = "the key"): string {
  const fail = (why: string) => new InvalidInputError(`${what} ${preview(key)} ${why}`, { field: "name", ...context });
  if (typeof key !== "string" || key === "") throw fail("is not a non-empty string");
  if (LONE_SURROGATE.test(key)) throw fail("is not well-formed Unicode");
  if (utf8Length(key) > 1024) throw fail("is longer than S3's 1024 bytes");
  if (CONTROL.test(key)) throw fail("contains a control character");
  if (key.split("/").some((s) => s === "" || s === "." || s === "..")) throw fail('has an empty, "." or ".." segment');
  return key;
}

/** Throws `InvalidInputError` unless `prefix` is a string a listing can send (it may be empty or end with `/`). */
export function checkPrefix(prefix: unknown, context: { provider: string; operation: string }): string {
  if (typeof prefix !== "string" || LONE_SURROGATE.test(prefix) || CONTROL.test(prefix) || utf8Length(prefix) > 1024)
    throw new InvalidInputError(`the prefix ${preview(prefix)} is not a key prefix S3 can list`, { ...context, field: "prefix" });
  return prefix;
}

/** A key as a URL path: each segment RFC 3986 encoded, `/` kept (S3 signs the path as sent, not encoded twice). */
export function encodeKey(key: string): string {
  return key.split("/").map(rfc3986).join("/");
}

/** Where one bucket's requests go. */
export interface BucketTarget {
  /** The base URL of the HTTP client for this bucket: the bucket's own host, or the endpoint for path style. */
  baseUrl: string;
  /** What goes before an encoded key in a request path: `""` (virtual-hosted) or `<bucket>/` (path style). */
  keyPrefix: string;
}

/** Whether a host is an IP address or localhost, where a bucket cannot be a DNS label in front of it. */
export function isIpOrLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return IPV4.test(host) || host.includes(":") || host === "localhost" || host.endsWith(".localhost");
}

/**
 * Addresses buckets as the AWS SDKs' S3 rule set does: `https://<bucket>.<endpoint host>/<key>` (virtual-hosted) for
 * DNS-compatible buckets on a named host, and `<endpoint>/<bucket>/<key>` (path style) for IP and localhost endpoints,
 * other bucket names, or when asked for.
 */
export class S3Addressing {
  readonly #endpoint: URL;
  readonly #forcePathStyle: boolean;

  /**
   * @param endpoint - The S3 endpoint (`https://s3.<region>.amazonaws.com`, MinIO's, moto's).
   * @param forcePathStyle - Always put the bucket in the path.
   */
  constructor(endpoint: URL, forcePathStyle: boolean) {
    this.#endpoint = endpoint;
    this.#forcePathStyle = forcePathStyle;
  }

  /** Whether requests for `bucket` carry it in the path. */
  pathStyle(bucket: string): boolean {
    return this.#forcePathStyle || !DNS_BUCKET.test(bucket) || isIpOrLocalHost(this.#endpoint.hostname);
  }

  /** The base URL and key prefix of a bucket's requests. */
  target(bucket: string): BucketTarget {
    const base = new URL(this.#endpoint.href);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    if (this.pathStyle(bucket)) return { baseUrl: base.href, keyPrefix: `${rfc3986(bucket)}/` };
    base.hostname = `${bucket}.${base.hostname}`;
    return { baseUrl: base.href, keyPrefix: "" };
  }
}
