/**
 * The Hub's errors as modelreg's typed errors. The Hub names what is missing in `X-Error-Code` (`RepoNotFound`,
 * `RevisionNotFound`, `EntryNotFound`, `GatedRepo`) and says why in `X-Error-Message` or a JSON `{ error }` body;
 * `huggingface_hub` decides by the same headers (`utils/_http.py::hf_raise_for_status`).
 *
 * @module
 */

import { AuthenticationError, ConflictError, type ModelRegistryError, NotFoundError, PermissionDeniedError } from "../../core/errors.js";
import type { HttpErrorContext } from "../../http/http-types.js";

/** The Hub's word for a token it does not accept, as `huggingface_hub` checks it. */
const INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

/** The `X-Error-Code`s that mean "not found". */
const NOT_FOUND_CODES = new Set(["RepoNotFound", "RevisionNotFound", "EntryNotFound"]);

/** The Hub's reason: `X-Error-Message`, else the JSON body's `error`, redacted and shortened. */
function reason(context: HttpErrorContext): string {
  const body = context.json as { error?: unknown; message?: unknown } | undefined;
  const text =
    context.headers.get("x-error-message") ??
    (typeof body?.error === "string" ? body.error : typeof body?.message === "string" ? body.message : undefined) ??
    (context.text.trim().slice(0, 300) || `HTTP ${context.status}`);
  return context.redact(text.slice(0, 1000));
}

/**
 * The transport's `mapError`. A private repository answers others with 401 or 404 (`RepoNotFound`), so a 401 is
 * "not found" unless the Hub says the token itself is bad; 409 (a tag or branch that exists) and 412 (the branch moved
 * since `parentCommit`) are conflicts. Anything else keeps the shared status mapping (429 with its wait, 5xx retried).
 */
export function mapHubError(context: HttpErrorContext): ModelRegistryError | undefined {
  const code = context.headers.get("x-error-code") ?? undefined;
  const options = { ...context.errorOptions, ...(code && { providerCode: code }) };
  const message = reason(context);
  if (context.status === 401) {
    if (message.includes(INVALID_CREDENTIALS)) return new AuthenticationError(`the Hub refused the token: ${message}`, options);
    return new NotFoundError(`${message} (the repository does not exist, or is private and the token cannot read it)`, {
      ...options,
      providerCode: code ?? "RepoNotFound",
    });
  }
  if (code === "GatedRepo") return new PermissionDeniedError(`${message} (a gated repository: ask for access on the Hub)`, options);
  if (context.status === 404 || (code !== undefined && NOT_FOUND_CODES.has(code))) return new NotFoundError(message, options);
  if (context.status === 409 || context.status === 412) return new ConflictError(message, { ...options, isRetryable: false });
  return undefined;
}
