/**
 * Azure Blob Storage's errors (`<Error><Code>…</Code><Message>…</Message></Error>`, or the `x-ms-error-code` header
 * of an answer without a body, such as HEAD) as modelreg's typed errors. Codes from doc "Blob Storage error codes" and
 * "Common REST API error codes"; Azurite's own answers where they differ (reference §8).
 *
 * @module
 */

import {
  AuthenticationError,
  ConflictError,
  IntegrityError,
  InvalidInputError,
  type ModelRegistryError,
  type ModelRegistryErrorOptions,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnsupportedCapabilityError,
} from "../core/errors.js";
import { statusError } from "../http/http-errors.js";
import type { HttpErrorContext } from "../http/http-types.js";
import { readAzureErrorXml } from "./azure-blob-xml.js";

const NOT_FOUND = new Set(["BlobNotFound", "ContainerNotFound", "ResourceNotFound"]);
const CONFLICT = new Set([
  "BlobAlreadyExists",
  "ContainerAlreadyExists",
  "ContainerBeingDeleted",
  "ConditionNotMet",
  "TargetConditionNotMet",
  "LeaseIdMissing",
  "LeaseAlreadyPresent",
  "LeaseIdMismatchWithBlobOperation",
  "BlobImmutableDueToPolicy",
  "BlobArchived",
]);
/** The credential is missing, malformed, expired or signed wrong. */
const AUTHENTICATION = new Set(["AuthenticationFailed", "InvalidAuthenticationInfo", "NoAuthenticationInformation", "ExpiredAuthenticationToken"]);
/** The credential is good but may not do this (RBAC role, SAS permissions, protocol, IP, network rules). */
const PERMISSION = new Set([
  "AuthorizationFailure",
  "AuthorizationPermissionMismatch",
  "AuthorizationProtocolMismatch",
  "AuthorizationResourceTypeMismatch",
  "AuthorizationServiceMismatch",
  "AuthorizationSourceIPMismatch",
  "InsufficientAccountPermissions",
  "AccountIsDisabled",
  "KeyBasedAuthenticationNotPermitted",
]);
/** The bytes arrived other than their MD5 (or CRC64) says: damage on the way, so sending the same buffer again may work. */
const DAMAGED = new Set(["Md5Mismatch", "Crc64Mismatch"]);
const INVALID = new Set([
  "InvalidBlockList",
  "InvalidBlockId",
  "InvalidBlobOrBlock",
  "InvalidHeaderValue",
  "InvalidQueryParameterValue",
  "InvalidInput",
  "InvalidUri",
  "InvalidResourceName",
  "InvalidXmlDocument",
  "InvalidXmlNodeValue",
  "InvalidMd5",
  "MissingRequiredHeader",
  "MissingRequiredQueryParameter",
  "MissingContentLengthHeader",
  "OutOfRangeInput",
  "OutOfRangeQueryParameterValue",
  "RequestBodyTooLarge",
  "BlockCountExceedsLimit",
  "BlockListTooLong",
  "UnsupportedHeader",
  "UnsupportedQueryParameter",
  "UnsupportedXmlNode",
  "Md5MismatchOnBlockList",
  "InvalidRange",
]);

/**
 * The error for an Azure error code. `message` is already redacted. Returns `undefined` for a code this does not
 * know, so the HTTP status decides.
 */
export function azureBlobErrorFor(code: string, message: string, options: ModelRegistryErrorOptions): ModelRegistryError | undefined {
  const o = { ...options, providerCode: code };
  if (NOT_FOUND.has(code)) return new NotFoundError(message, { ...o, isRetryable: false });
  if (CONFLICT.has(code)) return new ConflictError(message, { ...o, isRetryable: false });
  if (AUTHENTICATION.has(code)) return new AuthenticationError(message, { ...o, isRetryable: false });
  // Azurite answers a bad or expired signature, and a request with none, with AuthorizationFailure under Azure's
  // AuthenticationFailed message (reference §8); on Azure the code means the credential was fine but not allowed.
  if (code === "AuthorizationFailure" && /failed to authenticate/i.test(message)) return new AuthenticationError(message, { ...o, isRetryable: false });
  if (PERMISSION.has(code)) return new PermissionDeniedError(message, { ...o, isRetryable: false });
  if (DAMAGED.has(code)) return new IntegrityError(message, { ...o, isRetryable: true });
  // Azurite's answer to a Content-MD5 that does not match (Azure's is Md5Mismatch).
  if (code === "InvalidOperation" && /md5/i.test(message)) return new IntegrityError(message, { ...o, isRetryable: true });
  if (code === "ServerBusy") return new RateLimitError(message, { ...o, isRetryable: true });
  if (code === "InternalError" || code === "OperationTimedOut") return new ServerError(message, { ...o, isRetryable: true });
  if (code === "FeatureVersionMismatch" || code === "UnsupportedHttpVerb")
    return new UnsupportedCapabilityError(message, { ...o, capability: "serverFeature", isRetryable: false });
  if (INVALID.has(code)) return new InvalidInputError(message, { ...o, field: "request", isRetryable: false });
  return undefined;
}

/**
 * The HTTP client's `mapError` hook for Azure Blob Storage: the code from the `<Error>` body, else from the
 * `x-ms-error-code` header; a code this does not know keeps the status's error class, with the code and message.
 * Answers with neither keep the client's own status mapping.
 */
export function mapAzureBlobError(context: HttpErrorContext): ModelRegistryError | undefined {
  const body = readAzureErrorXml(context.text);
  const code = body?.code ?? context.headers.get("x-ms-error-code")?.trim();
  if (!code) return undefined;
  const message = context.redact(`${code}: ${(body?.message ?? `HTTP ${context.status}`).slice(0, 1000)}`);
  return (
    azureBlobErrorFor(code, message, context.errorOptions) ??
    statusError(context.status, message, { ...context.errorOptions, providerCode: code }, context.retryAfterMs)
  );
}
