// An independent check of AWS Signature Version 4 for S3 requests, written from AWS's documentation ("Authenticating
// Requests: Using the Authorization Header (AWS Signature Version 4)" and "Signature Calculations for the Authorization
// Header") with node:crypto, sharing no code with @smithy/signature-v4. The S3 fake runs it on every request, since
// moto checks no signature (reference §12, "Where S3 differs from AWS", 4). It computes the canonical request the way
// S3 does on its side: from the decoded path and query, each re-encoded per RFC 3986, so a client that signs a
// spelling S3 would not produce fails here as it would on AWS.
import { createHash, createHmac } from "node:crypto";

/** The credentials the request should be signed with. */
export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What the check needs of a request. */
export interface SigV4Request {
  method: string;
  url: URL;
  headers: Headers;
  /** The SHA-256 (hex) of the body as received. */
  bodySha256: string;
}

/** Why S3 would refuse the request: its status, code and message. */
export interface SigV4Failure {
  status: number;
  code: string;
  message: string;
  /** The region S3 names when the scope has the wrong one. */
  region?: string;
}

/** What the check takes. */
export interface SigV4Expectation {
  credentials: SigV4Credentials;
  region: string;
  service?: string;
  /** The server's clock. Default now. */
  now?: Date;
}

const sha256Hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986: everything but A-Z a-z 0-9 - . _ ~ as %XX of its UTF-8 bytes, hex in upper case. */
export function uriEncode(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

/** S3's canonical URI: each segment of the path decoded, then encoded once (S3 does not encode twice). */
export function canonicalUri(pathname: string): string {
  if (pathname === "" || pathname === "/") return "/";
  return pathname
    .split("/")
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join("/");
}

/** The canonical query: each name and value decoded, encoded per RFC 3986, sorted by name then value; `a` is `a=`. */
export function canonicalQuery(search: string): string {
  const raw = search.startsWith("?") ? search.slice(1) : search;
  const pairs = raw
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const at = p.indexOf("=");
      const name = at === -1 ? p : p.slice(0, at);
      const value = at === -1 ? "" : p.slice(at + 1);
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
    })
    .filter(([name]) => name !== "X-Amz-Signature");
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** The signing key: HMAC("AWS4" + secret, date), then region, service and "aws4_request". */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
function parseAuthorization(value: string): { credential: string[]; signedHeaders: string[]; signature: string } | undefined {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(value.trim());
  if (!match?.[1]) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[1].split(",")) {
    const at = part.indexOf("=");
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = fields.get("Credential")?.split("/");
  const signedHeaders = fields.get("SignedHeaders")?.split(";");
  const signature = fields.get("Signature");
  if (credential?.length !== 5 || !signedHeaders || !signature) return undefined;
  return { credential, signedHeaders, signature };
}

/** The canonical request and string to sign the request should have been signed over (exported for tests). */
export function stringToSign(
  request: SigV4Request,
  signedHeaders: readonly string[],
  scope: string,
  amzDate: string,
): { canonicalRequest: string; stringToSign: string } {
  const header = (name: string) => (name === "host" ? (request.headers.get("host") ?? request.url.host) : (request.headers.get(name) ?? ""));
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${header(name).trim().replace(/\s+/g, " ")}\n`).join("");
  const payload = request.headers.get("x-amz-content-sha256") ?? request.bodySha256;
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.url.pathname),
    canonicalQuery(request.url.search),
    canonicalHeaders,
    signedHeaders.join(";"),
    payload,
  ].join("\n");
  return { canonicalRequest, stringToSign: ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n") };
}

/** Checks a request's SigV4 signature and payload hash as S3 does; `undefined` when S3 would accept it. */
export function verifySigV4(request: SigV4Request, expected: SigV4Expectation): SigV4Failure | undefined {
  const service = expected.service ?? "s3";
  const authorization = request.headers.get("authorization");
  if (!authorization) return { status: 403, code: "AccessDenied", message: "Anonymous users cannot access this resource." };
  const parsed = parseAuthorization(authorization);
  if (!parsed) return { status: 400, code: "AuthorizationHeaderMalformed", message: "The authorization header is malformed." };
  const [accessKeyId, date, region, scopeService, terminator] = parsed.credential as [string, string, string, string, string];
  if (accessKeyId !== expected.credentials.accessKeyId)
    return { status: 403, code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records." };
  const amzDate = request.headers.get("x-amz-date") ?? "";
  const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!when) return { status: 403, code: "AccessDenied", message: "AWS authentication requires a valid Date or x-amz-date header" };
  if (date !== amzDate.slice(0, 8) || scopeService !== service || terminator !== "aws4_request")
    return {
      status: 400,
      code: "AuthorizationHeaderMalformed",
      message: `The authorization header is malformed; the scope ${parsed.credential.slice(1).join("/")} is wrong.`,
    };
  if (region !== expected.region)
    return {
      status: 400,
      code: "AuthorizationHeaderMalformed",
      message: `The authorization header is malformed; the region '${region}' is wrong; expecting '${expected.region}'`,
      region: expected.region,
    };
  const signedAt = Date.UTC(Number(when[1]), Number(when[2]) - 1, Number(when[3]), Number(when[4]), Number(when[5]), Number(when[6]));
  if (Math.abs((expected.now ?? new Date()).getTime() - signedAt) > 15 * 60_000)
    return { status: 403, code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large." };
  const token = request.headers.get("x-amz-security-token");
  if ((expected.credentials.sessionToken ?? null) !== token)
    return { status: 400, code: "InvalidToken", message: "The provided token is malformed or otherwise invalid." };
  const signed = new Set(parsed.signedHeaders);
  if ([...parsed.signedHeaders].sort().join(";") !== parsed.signedHeaders.join(";") || !signed.has("host"))
    return { status: 400, code: "AuthorizationHeaderMalformed", message: "SignedHeaders must be sorted and include host." };
  const unsigned: string[] = [];
  request.headers.forEach((_, name) => {
    if (name.startsWith("x-amz-") && !signed.has(name)) unsigned.push(name);
  });
  if (unsigned.length > 0)
    return { status: 403, code: "AccessDenied", message: `There were headers present in the request which were not signed: ${unsigned.sort().join(", ")}` };
  const payload = request.headers.get("x-amz-content-sha256");
  if (payload === null) return { status: 400, code: "InvalidRequest", message: "Missing required header for this request: x-amz-content-sha256" };
  if (payload.startsWith("STREAMING-")) return { status: 501, code: "NotImplemented", message: `this fake does not take ${payload} bodies` };
  if (payload !== "UNSIGNED-PAYLOAD") {
    if (!/^[0-9a-f]{64}$/.test(payload))
      return { status: 400, code: "InvalidArgument", message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256 in hex" };
    if (payload !== request.bodySha256)
      return { status: 400, code: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed." };
  }
  const scope = `${date}/${region}/${service}/aws4_request`;
  const { stringToSign: text } = stringToSign(request, parsed.signedHeaders, scope, amzDate);
  const signature = createHmac("sha256", signingKey(expected.credentials.secretAccessKey, date, region, service))
    .update(text)
    .digest("hex");
  if (signature !== parsed.signature)
    return {
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    };
  return undefined;
}
