/**
 * AWS error codes to modelreg's errors, shared by the SageMaker JSON API and S3's XML errors. Decided by code, and by
 * HTTP status where the code is unknown; a `ValidationException` is refined by its message only where AWS gives no
 * other signal (a missing resource and a duplicate are both `ValidationException`, reference/sagemaker.md §7).
 *
 * @module
 */

import {
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  type ModelRegistryError,
  type ModelRegistryErrorOptions,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnsupportedCapabilityError,
} from "../core/errors.js";

/** botocore's throttling codes (`botocore/retries/standard.py`): retried with backoff. */
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

const AUTHENTICATION = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidToken",
  "TokenRefreshRequired",
  "RequestExpired",
  "RequestTimeTooSkewed",
]);

const PERMISSION = new Set(["AccessDenied", "AccessDeniedException", "AllAccessDisabled", "AccountProblem", "InvalidObjectState"]);
const NOT_FOUND = new Set(["ResourceNotFound", "ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound", "NoSuchVersion"]);
const CONFLICT = new Set([
  "ConflictException",
  "ResourceInUse",
  "PreconditionFailed",
  "ConditionalRequestConflict",
  "OperationAborted",
  "BucketAlreadyExists",
  "BucketAlreadyOwnedByYou",
]);
const SERVER = new Set(["InternalFailure", "InternalError", "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout"]);

/**
 * The error for an AWS error code (already cut to its short form, `ValidationException`), or `undefined` to keep the
 * HTTP status mapping.
 *
 * @param code - The error code.
 * @param message - The message to carry, already redacted.
 * @param options - Error options from the HTTP client (provider, operation, status, request id).
 */
export function awsErrorForCode(code: string, message: string, options: ModelRegistryErrorOptions): ModelRegistryError | undefined {
  const o = { ...options, providerCode: code };
  if (THROTTLING.has(code)) return new RateLimitError(message, { ...o, isRetryable: true });
  if (AUTHENTICATION.has(code)) return new AuthenticationError(message, { ...o, isRetryable: false });
  if (PERMISSION.has(code)) return new PermissionDeniedError(message, { ...o, isRetryable: false });
  if (NOT_FOUND.has(code)) return new NotFoundError(message, { ...o, isRetryable: false });
  // 409 ConditionalRequestConflict is a concurrent conditional write: S3 asks for a retry.
  if (CONFLICT.has(code)) return new ConflictError(message, { ...o, isRetryable: code === "ConditionalRequestConflict" || code === "OperationAborted" });
  if (SERVER.has(code)) return new ServerError(message, { ...o, isRetryable: true });
  if (code === "ResourceLimitExceeded") return new RateLimitError(message, { ...o, isRetryable: false });
  if (code === "NotImplemented" || code === "UnknownOperationException")
    return new UnsupportedCapabilityError(message, { ...o, capability: "serverFeature", isRetryable: false });
  if (code === "ValidationException") {
    // SageMaker gives no code of its own for these two (getmoto/moto#7246 quotes AWS's message).
    if (/does not exist|not found|could not find/i.test(message)) return new NotFoundError(message, { ...o, isRetryable: false });
    if (/already exist/i.test(message)) return new ConflictError(message, { ...o, isRetryable: false });
    return new InvalidInputError(message, { ...o, field: "request", isRetryable: false });
  }
  return undefined;
}

/**
 * The short form of an AWS JSON error type: `X-Amzn-Errortype` or `__type`/`code`, the part before `:`, then after `#`
 * (`aws.protocoltests#ValidationException:http://...` gives `ValidationException`).
 */
export function shortErrorCode(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const code = raw.split(":")[0]?.split("#").pop()?.trim();
  return code || undefined;
}
