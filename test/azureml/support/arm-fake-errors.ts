// The ARM fake's answers: JSON bodies and errors in the ARM ErrorResponse shape (common-types v3, the contract's
// ErrorResponse type: `{"error": {"code", "message", "target"?, "details": [], "additionalInfo": []}}`), with the
// request ids ARM puts on every answer.
import { randomUUID } from "node:crypto";

/** One error of an ErrorResponse (its `details` hold more of them). */
export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
}

/** Headers ARM sets on every answer (doc "Azure Resource Manager request headers"). */
export function armHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const id = randomUUID();
  return { "x-ms-request-id": id, "x-ms-correlation-request-id": id, ...extra };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: armHeaders({ "content-type": "application/json; charset=utf-8", ...headers }) });
}

/** An answer without a body (204, or a 202 whose headers say where to poll). */
export function empty(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: armHeaders(headers) });
}

/** An error answer in ARM's ErrorResponse shape. */
export function armError(
  status: number,
  code: string,
  message: string,
  options: { details?: ArmErrorDetail[]; target?: string; headers?: Record<string, string> } = {},
): Response {
  const detail = (d: ArmErrorDetail): Record<string, unknown> => ({
    code: d.code,
    message: d.message,
    ...(d.target !== undefined && { target: d.target }),
    details: (d.details ?? []).map(detail),
    additionalInfo: [],
  });
  return json(status, { error: detail({ code, message, target: options.target, details: options.details }) }, options.headers);
}

/**
 * An error of the Machine Learning resource provider itself. Guess: it answers validation and lookup failures with code
 * `UserError` (the SDK's "(UserError) Asset paths cannot be updated." shows that code for one of them; the reference
 * has no others).
 */
export function userError(status: number, message: string, details: ArmErrorDetail[] = []): Response {
  return armError(status, "UserError", message, { details });
}

/** 404 for a missing asset, endpoint or deployment. Guess: the wording; the status is the spec's. */
export function notFound(what: string): Response {
  return userError(404, `${what} not found.`);
}

/**
 * 409 for a resource that another long-running operation is changing. Guess: ARM resource providers commonly refuse
 * a second write while one is in progress; the reference says nothing of it for Azure ML.
 */
export function busy(what: string): Response {
  return armError(409, "Conflict", `${what} has an operation in progress; wait for it to finish.`);
}
