/**
 * Google's errors to modelreg's. HTTP errors carry `{error: {code, status, message}}`; a failed long-running
 * operation carries only the numeric gRPC code.
 *
 * @module
 */

import {
  AbortedError,
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  type ModelRegistryError,
  type ModelRegistryErrorOptions,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
  UnsupportedCapabilityError,
} from "../../core/errors.js";
import { describeErrorJson } from "../../http/http-errors.js";
import type { HttpErrorContext } from "../../http/http-types.js";

const GRPC_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** An error for a canonical Google status name. */
export function errorForStatus(status: string, message: string, options: ModelRegistryErrorOptions): ModelRegistryError | undefined {
  const o = { ...options, providerCode: status };
  switch (status) {
    case "INVALID_ARGUMENT":
    case "OUT_OF_RANGE":
      return new InvalidInputError(message, { ...o, field: "request" });
    case "FAILED_PRECONDITION":
    case "ALREADY_EXISTS":
    case "ABORTED":
      return new ConflictError(message, o);
    case "NOT_FOUND":
      return new NotFoundError(message, o);
    case "PERMISSION_DENIED":
      return new PermissionDeniedError(message, o);
    case "UNAUTHENTICATED":
      return new AuthenticationError(message, o);
    case "RESOURCE_EXHAUSTED":
      return new RateLimitError(message, { ...o, isRetryable: true });
    case "UNIMPLEMENTED":
      return new UnsupportedCapabilityError(message, { ...o, capability: "serverFeature" });
    case "DEADLINE_EXCEEDED":
      return new TimeoutError(message, { ...o, isRetryable: true });
    case "CANCELLED":
      return new AbortedError(message, o);
    case "UNAVAILABLE":
    case "INTERNAL":
    case "UNKNOWN":
    case "DATA_LOSS":
      return new ServerError(message, { ...o, isRetryable: status === "UNAVAILABLE" || options.isRetryable === true });
    default:
      return undefined;
  }
}

/** Maps an HTTP error response (Vertex or Cloud Storage envelope); `undefined` keeps the status mapping. */
export function mapGoogleError(context: HttpErrorContext): ModelRegistryError | undefined {
  const { message, code } = describeErrorJson(context.json);
  if (!code || !/^[A-Z_]+$/.test(code)) return undefined;
  // FAILED_PRECONDITION comes with HTTP 400: it is a state conflict, not bad input.
  return errorForStatus(code, context.redact(message ?? code), context.errorOptions);
}

/** The error of a finished operation, which carries the numeric gRPC code. */
export function operationError(error: { code?: number; message?: string }, options: ModelRegistryErrorOptions): ModelRegistryError {
  const status = GRPC_NAMES[error.code ?? 2] ?? "UNKNOWN";
  return errorForStatus(status, error.message ?? status, options) ?? new ServerError(error.message ?? status, { ...options, providerCode: status });
}
