/**
 * S3's XML errors (`<Error><Code>…</Code><Message>…</Message></Error>`) as modelreg's typed errors: the shared AWS
 * codes through `awsErrorForCode`, and the codes only S3 has (checksums, multipart parts, wrong regions) here.
 *
 * @module
 */

import { awsErrorForCode } from "../aws/aws-errors.js";
import { IntegrityError, InvalidInputError, type ModelRegistryError, type ModelRegistryErrorOptions, UnsupportedCapabilityError } from "../core/errors.js";
import type { HttpErrorContext } from "../http/http-types.js";
import { readErrorXml, type S3ErrorBody } from "./s3-xml.js";

/**
 * The bytes arrived other than their checksum says. modelreg computes every checksum from the very buffer it sends,
 * so this is damage on the way, and sending the buffer again may succeed.
 */
const DAMAGED = new Set(["BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest", "IncompleteBody"]);

/** Requests S3 refuses as malformed; not worth a retry. */
const INVALID = new Set([
  "EntityTooSmall",
  "EntityTooLarge",
  "InvalidPartOrder",
  "InvalidArgument",
  "InvalidRequest",
  "MalformedXML",
  "KeyTooLongError",
  "InvalidBucketName",
  "InvalidURI",
  "TooManyParts",
  "MissingContentLength",
]);

/**
 * The error for an S3 error document. `message` is already redacted. Returns `undefined` for a code neither this nor
 * `awsErrorForCode` knows, so the HTTP status decides.
 */
export function s3ErrorFor(body: S3ErrorBody, message: string, options: ModelRegistryErrorOptions): ModelRegistryError | undefined {
  const o = { ...options, providerCode: body.code };
  if (DAMAGED.has(body.code)) return new IntegrityError(message, { ...o, isRetryable: true });
  // A part S3 does not have with that ETag and checksum: what was stored is not what was sent.
  if (body.code === "InvalidPart") return new IntegrityError(message, { ...o, isRetryable: false });
  if (body.code === "PermanentRedirect" || body.code === "AuthorizationHeaderMalformed" || body.code === "IllegalLocationConstraintException") {
    const where = body.region ? ` (the bucket is in ${body.region})` : body.endpoint ? ` (S3 points to ${body.endpoint})` : "";
    return new InvalidInputError(`${message}${where}: set the bucket's region`, { ...o, field: "region", isRetryable: false });
  }
  if (INVALID.has(body.code)) return new InvalidInputError(message, { ...o, field: "request", isRetryable: false });
  if (body.code === "NotImplemented") return new UnsupportedCapabilityError(message, { ...o, capability: "serverFeature", isRetryable: false });
  return awsErrorForCode(body.code, message, o);
}

/** The HTTP client's `mapError` hook for S3: reads the `<Error>` body; HEAD answers and bodies of other forms keep the status mapping. */
export function mapS3Error(context: HttpErrorContext): ModelRegistryError | undefined {
  const body = readErrorXml(context.text);
  if (!body) return undefined;
  const message = context.redact(`${body.code}: ${(body.message ?? `HTTP ${context.status}`).slice(0, 1000)}`);
  return s3ErrorFor(body, message, context.errorOptions);
}
