/**
 * Azure Resource Manager's errors to modelreg's. ARM bodies are the common `ErrorResponse`
 * (`{"error":{"code","message","target","details":[...]}}`); the status decides the error's type, the code rides along
 * as `providerCode`.
 *
 * @module
 */

import { type ModelRegistryError, type ModelRegistryErrorOptions, ServerError } from "../../core/errors.js";
import { statusError } from "../../http/http-errors.js";
import type { HttpErrorContext } from "../../http/http-types.js";

/** The code and message of an ARM error body (`error.code`, `error.message`), or of a failed operation's `error`. */
export function armErrorParts(json: unknown): { code: string | undefined; message: string | undefined } {
  const body = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : undefined;
  const error = typeof body?.error === "object" && body.error !== null ? (body.error as Record<string, unknown>) : body;
  const code = typeof error?.code === "string" ? error.code : undefined;
  const message = typeof error?.message === "string" ? error.message : undefined;
  return { code, message };
}

/** Maps an ARM error response; `undefined` keeps the default status mapping (a body that is not ARM's). */
export function mapArmError(context: HttpErrorContext): ModelRegistryError | undefined {
  const { code, message } = armErrorParts(context.json);
  if (!code && !message) return undefined;
  const text = context.redact(message ?? code ?? `HTTP ${context.status}`);
  const options: ModelRegistryErrorOptions = { ...context.errorOptions, ...(code && { providerCode: code }) };
  return statusError(context.status, `${text}${code ? ` (${code})` : ""}`, options, context.retryAfterMs);
}

/** The error of a long-running operation that ended `Failed` or `Canceled`. */
export function operationError(status: string, json: unknown, options: ModelRegistryErrorOptions, redact: (text: string) => string): ModelRegistryError {
  const { code, message } = armErrorParts(json);
  const text = redact(message ?? `the operation ended ${status}`);
  // The operation ran and failed: what it says decides (a conflict, bad input), else the service failed.
  const byCode: Record<string, number> = {
    Conflict: 409,
    UserError: 400,
    BadRequest: 400,
    NotFound: 404,
    ResourceNotFound: 404,
    Forbidden: 403,
    AuthorizationFailed: 403,
  };
  const status4xx = code ? byCode[code] : undefined;
  const o: ModelRegistryErrorOptions = { ...options, ...(code && { providerCode: code }) };
  return status4xx ? statusError(status4xx, `${text} (${code})`, o, undefined) : new ServerError(`${text}${code ? ` (${code})` : ""}`, o);
}
