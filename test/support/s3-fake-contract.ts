// Checks an S3 request against its operation in the contract derived from botocore's S3 model
// (test/contracts/aws-contract.json): the request's URI, header, query and XML payload members are gathered into the
// operation's input structure, which must then conform (required members, enums, types); an `x-amz-*` header or a
// query parameter that the operation does not declare is a problem too. Used by test/support/s3-fake.ts.
import { awsService, shapeProblems } from "./aws-contract.js";

/** The S3 operations the fake serves. */
export type S3Operation =
  | "PutObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "ListObjectsV2"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "CreateBucket";

/** What a request carries, already split by the fake's router. */
export interface S3RequestParts {
  bucket: string;
  key: string | undefined;
  headers: Headers;
  query: URLSearchParams;
  /** The parsed XML payload, for operations whose input has a structure payload (CompleteMultipartUpload). */
  payload?: unknown;
}

/** Headers every signed request may carry that no operation declares: signing, and the SDKs' own. */
const SIGNING_HEADERS = new Set([
  "x-amz-date",
  "x-amz-content-sha256",
  "x-amz-security-token",
  "x-amz-user-agent",
  "x-amz-decoded-content-length",
  "x-amz-trailer",
]);

function converted(type: string | undefined, raw: string): unknown {
  switch (type) {
    case "integer":
    case "long":
      return /^-?\d+$/.test(raw) ? Number(raw) : raw;
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
    case "timestamp": {
      const ms = Date.parse(raw);
      return Number.isNaN(ms) ? raw : ms / 1000;
    }
    default:
      return raw;
  }
}

/** The problems with a request as an instance of `operation`'s input; empty when it conforms. */
export function s3RequestProblems(operation: S3Operation, parts: S3RequestParts): string[] {
  const service = awsService("s3/2006-03-01");
  const op = service.operations[operation];
  if (!op?.input) return [`${operation} is not an operation modelreg's contract covers`];
  const shape = service.shapes[op.input] as unknown as {
    members: Record<string, { shape: string; location?: string; locationName?: string }>;
    payload?: string;
  };
  const typeOf = (name: string) => service.shapes[name]?.type;
  const input: Record<string, unknown> = {};
  const problems: string[] = [];
  const declaredHeaders = new Set<string>();
  const declaredQuery = new Set<string>(
    (op.http.requestUri.split("?")[1] ?? "")
      .split("&")
      .filter(Boolean)
      .map((p) => p.split("=")[0] as string),
  );
  declaredQuery.add("x-id");
  for (const [name, member] of Object.entries(shape.members)) {
    const where = member.locationName ?? name;
    switch (member.location) {
      case "uri": {
        const value = name === "Bucket" ? parts.bucket : name === "Key" ? parts.key : undefined;
        if (value !== undefined) input[name] = value;
        break;
      }
      case "header": {
        declaredHeaders.add(where.toLowerCase());
        const value = parts.headers.get(where);
        if (value !== null) input[name] = converted(typeOf(member.shape), value);
        break;
      }
      case "headers":
        // A prefix (`x-amz-meta-`): every header under it belongs to this member.
        declaredHeaders.add(where.toLowerCase());
        break;
      case "querystring": {
        declaredQuery.add(where);
        const value = parts.query.get(where);
        if (value !== null) input[name] = converted(typeOf(member.shape), value);
        break;
      }
      default:
        if (name === shape.payload && typeOf(member.shape) === "structure" && parts.payload !== undefined) input[name] = parts.payload;
    }
  }
  parts.headers.forEach((_, header) => {
    if (!header.startsWith("x-amz-") || SIGNING_HEADERS.has(header) || declaredHeaders.has(header)) return;
    if (header.startsWith("x-amz-meta-") && declaredHeaders.has("x-amz-meta-")) return;
    problems.push(`header ${header} is not a member of ${op.input}`);
  });
  for (const name of parts.query.keys()) if (!declaredQuery.has(name)) problems.push(`query parameter ${name} is not a member of ${op.input}`);
  problems.push(...shapeProblems(service as Parameters<typeof shapeProblems>[0], op.input, input));
  return problems;
}

/** The operation a request is, by method, key and query; `undefined` for one the fake does not serve. */
export function operationOf(method: string, key: string | undefined, query: URLSearchParams): S3Operation | undefined {
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
