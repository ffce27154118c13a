/**
 * MLflow error codes to modelreg errors. The status alone misleads: a duplicate name is HTTP 400
 * `RESOURCE_ALREADY_EXISTS`, and an unknown alias is HTTP 400 `INVALID_PARAMETER_VALUE`.
 *
 * @module
 */

import {
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  type ModelRegistryError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnsupportedCapabilityError,
} from "../../core/errors.js";
import { describeErrorJson } from "../../http/http-errors.js";
import type { HttpErrorContext } from "../../http/http-types.js";

/** Maps an MLflow error response; `undefined` leaves it to the default status mapping. */
export function mapMlflowError(context: HttpErrorContext): ModelRegistryError | undefined {
  const { message, code } = describeErrorJson(context.json);
  if (!code) return undefined;
  const text = context.redact(message ?? code);
  const options = { ...context.errorOptions, providerCode: code };
  switch (code) {
    case "RESOURCE_ALREADY_EXISTS":
    case "ALREADY_EXISTS":
    case "RESOURCE_CONFLICT":
    case "ABORTED":
      return new ConflictError(text, { ...options, isRetryable: false });
    case "RESOURCE_DOES_NOT_EXIST":
    case "NOT_FOUND":
      return new NotFoundError(text, options);
    case "ENDPOINT_NOT_FOUND":
    case "NOT_IMPLEMENTED":
      return new UnsupportedCapabilityError(text, { ...options, capability: "serverFeature" });
    case "INVALID_PARAMETER_VALUE":
    case "BAD_REQUEST":
    case "INVALID_STATE":
      // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE; the adapter turns that case into NotFoundError.
      return context.status >= 500 ? new ServerError(text, options) : new InvalidInputError(text, { ...options, field: "request" });
    case "UNAUTHENTICATED":
    case "CUSTOMER_UNAUTHORIZED":
      return new AuthenticationError(text, options);
    case "PERMISSION_DENIED":
      return new PermissionDeniedError(text, options);
    case "REQUEST_LIMIT_EXCEEDED":
    case "RESOURCE_EXHAUSTED":
      return new RateLimitError(text, { ...options, isRetryable: true, ...(context.retryAfterMs !== undefined && { retryAfterMs: context.retryAfterMs }) });
    default:
      return undefined;
  }
}

/**
 * Whether an error is the database's unique-constraint failure, which MLflow passes on as a 400. MLflow checks for a
 * row and then inserts it, so two requests writing the same key at once (two clients, or a retry racing the attempt
 * whose answer was lost) both insert, and the later one fails like this. The row exists by then; sending the same
 * request again finds it and succeeds, which is what the caller asked for.
 */
export function isUniqueViolation(error: unknown): boolean {
  return InvalidInputError.isInstance(error) && /UNIQUE constraint|IntegrityError|Duplicate entry|duplicate key/i.test(error.message);
}
