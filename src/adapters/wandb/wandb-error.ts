/**
 * W&B's GraphQL errors to modelreg errors. W&B answers a failed query with HTTP 200 and an `errors[]` of messages
 * without codes, so the message is all there is to map.
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
  ServerError,
} from "../../core/errors.js";
import type { HttpErrorContext, HttpJsonContext } from "../../http/http-types.js";

/** The `providerCode` of an answer the server's GraphQL schema refused (a field or argument it does not have). */
export const GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED";

/**
 * Maps a GraphQL error to a typed error. W&B gives messages, and codes only in `extensions.code` on some servers, so
 * this is the one place that reads its wording; everything else decides by the class and `providerCode`.
 */
export function graphqlError(message: string, options: ModelRegistryErrorOptions, code?: string): ModelRegistryError {
  const text = message.toLowerCase();
  const providerCode = code ?? (/cannot query field|unknown argument/.test(text) ? GRAPHQL_VALIDATION_FAILED : undefined);
  if (providerCode === GRAPHQL_VALIDATION_FAILED) return new InvalidInputError(message, { ...options, providerCode, field: "request" });
  if (/protected|permission|not authorized|forbidden|admin/.test(text)) return new PermissionDeniedError(message, options);
  if (/not found|does not exist|no such|could not find/.test(text)) return new NotFoundError(message, options);
  if (/already exists|conflict|in use|has aliases/.test(text)) return new ConflictError(message, options);
  if (/unauthenticated|api key|login/.test(text)) return new AuthenticationError(message, options);
  if (/invalid|must|cannot|unknown argument|cannot query field|expected/.test(text)) return new InvalidInputError(message, { ...options, field: "request" });
  return new ServerError(message, options);
}

/** The transport's `inspectJson`: a GraphQL `errors[]` in an HTTP 200 answer becomes a typed error. */
export function inspectGraphqlErrors(context: HttpJsonContext): ModelRegistryError | undefined {
  const errors = (context.json as { errors?: Array<{ message?: string; extensions?: { code?: unknown } }> } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const message = context.redact(errors.map((e) => e.message ?? "GraphQL error").join("; "));
  const code = errors[0]?.extensions?.code;
  // An answered GraphQL error is the same on a second try: W&B's own client never retries these.
  return graphqlError(message, { ...context.errorOptions, isRetryable: false }, typeof code === "string" ? code : undefined);
}

/**
 * The transport's `mapError`: a schema refusal sent with an HTTP 4xx (older servers do) gets the same
 * `providerCode` as one sent under HTTP 200; every other failure keeps the status mapping.
 */
export function mapGraphqlErrorResponse(context: HttpErrorContext): ModelRegistryError | undefined {
  if (context.status < 400 || context.status >= 500) return undefined;
  const errors = (context.json as { errors?: Array<{ message?: string; extensions?: { code?: unknown } }> } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const message = context.redact(errors.map((e) => e.message ?? "GraphQL error").join("; "));
  const code = errors[0]?.extensions?.code;
  const error = graphqlError(message, { ...context.errorOptions, isRetryable: false }, typeof code === "string" ? code : undefined);
  return error.providerCode === GRAPHQL_VALIDATION_FAILED ? error : undefined;
}
