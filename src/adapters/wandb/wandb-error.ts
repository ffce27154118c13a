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
import type { HttpJsonContext } from "../../http/http-types.js";

/** Maps a GraphQL error message to a typed error: W&B gives messages, not codes. */
export function graphqlError(message: string, options: ModelRegistryErrorOptions): ModelRegistryError {
  const text = message.toLowerCase();
  if (/protected|permission|not authorized|forbidden|admin/.test(text)) return new PermissionDeniedError(message, options);
  if (/not found|does not exist|no such|could not find/.test(text)) return new NotFoundError(message, options);
  if (/already exists|conflict|in use|has aliases/.test(text)) return new ConflictError(message, options);
  if (/unauthenticated|api key|login/.test(text)) return new AuthenticationError(message, options);
  if (/invalid|must|cannot|unknown argument|cannot query field|expected/.test(text)) return new InvalidInputError(message, { ...options, field: "request" });
  return new ServerError(message, options);
}

/** The transport's `inspectJson`: a GraphQL `errors[]` in an HTTP 200 answer becomes a typed error. */
export function inspectGraphqlErrors(context: HttpJsonContext): ModelRegistryError | undefined {
  const errors = (context.json as { errors?: Array<{ message?: string }> } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const message = context.redact(errors.map((e) => e.message ?? "GraphQL error").join("; "));
  // An answered GraphQL error is the same on a second try: W&B's own client never retries these.
  return graphqlError(message, { ...context.errorOptions, isRetryable: false });
}
