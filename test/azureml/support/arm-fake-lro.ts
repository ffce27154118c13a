// Long-running operations as ARM runs them (doc "Track asynchronous Azure operations"; reference §6): the first answer
// is 201/200 with `Azure-AsyncOperation` (create-or-update, as the generated client reads it on 201) or 202 with
// `Location` (delete), both with `Retry-After`; the Azure-AsyncOperation URL answers `{status: "InProgress"}` and then
// a terminal `Succeeded` or `Failed` (with `error`); the Location URL answers 202 while running, then 200 with the
// resource (204 after a delete) or the failure's status and error body.
//
// The fake runs an operation by polls, and by time: the first `lroPolls` polls (of either URL) answer InProgress, the
// next one applies the change and answers the end; an operation nobody polls ends by itself `lroSettleMs` after it
// started (checked at every request the fake gets), as Azure goes on with what it accepted whether or not anyone asks.
//
// Guess: the URLs' shape. Azure ML answers with `.../providers/Microsoft.MachineLearningServices/locations/{region}/
// mfeOperationsStatus/{id}` and `.../mfeOperationResults/{id}` (as seen from the service; not in the reference).
import { randomUUID } from "node:crypto";
import { armError, empty, json } from "./arm-fake-errors.js";
import type { ArmErrorDetail } from "./arm-fake-errors.js";
import { type ArmFakeState, type Ctx, type OperationState, PROVIDER } from "./arm-fake-state.js";

const STATUS = "mfeOperationsStatus";
const RESULT = "mfeOperationResults";

/** What starting an operation takes. */
export interface OperationSpec {
  kind: OperationState["kind"];
  apply: OperationState["apply"];
  revert?: OperationState["revert"];
  result?: OperationState["result"];
}

/** Starts an operation for the request in `ctx`, failing at its end if a fault for such a request was injected. */
export function startOperation(ctx: Ctx, spec: OperationSpec): OperationState {
  const { state } = ctx;
  const request = { method: ctx.request.method, path: ctx.url.pathname, operation: ctx.op.id };
  const fault = state.operationFaults.find((f) => f.match(request));
  if (fault && --fault.times <= 0) state.operationFaults.splice(state.operationFaults.indexOf(fault), 1);
  const op: OperationState = {
    id: randomUUID(),
    kind: spec.kind,
    operation: ctx.op.id,
    apiVersion: ctx.apiVersion,
    status: "InProgress",
    pollsLeft: state.lroPolls,
    startTime: state.now(),
    startedAt: Date.now(),
    apply: fault ? () => fault.error : spec.apply,
    revert: spec.revert ?? (() => {}),
    ...(fault && { errorStatus: fault.status }),
    ...(spec.result && { result: spec.result }),
  };
  state.operations.set(op.id, op);
  return op;
}

function operationUrl(state: ArmFakeState, op: OperationState, kind: typeof STATUS | typeof RESULT): string {
  const path = `/subscriptions/${state.options.subscriptionId}/providers/${PROVIDER}/locations/${state.location}/${kind}/${op.id}`;
  return `${state.publicUrl}${path}?api-version=${encodeURIComponent(op.apiVersion)}`;
}

const retryAfter = (state: ArmFakeState) => String(state.options.retryAfter ?? 0);

/** The first answer of a create-or-update: `status` (201 create, 200 update) with Azure-AsyncOperation and the body. */
export function acceptedWrite(state: ArmFakeState, op: OperationState, status: 200 | 201, body: unknown): Response {
  return json(status, body, {
    "Azure-AsyncOperation": operationUrl(state, op, STATUS),
    "x-ms-async-operation-timeout": "PT1H",
    "Retry-After": retryAfter(state),
  });
}

/** The first answer of a delete: 202 with Location. */
export function acceptedDelete(state: ArmFakeState, op: OperationState): Response {
  return empty(202, { Location: operationUrl(state, op, RESULT), "Retry-After": retryAfter(state), "x-ms-async-operation-timeout": "PT1H" });
}

/** Ends every operation that has run `lroSettleMs` (Azure's go on without polls). Called at every request. */
export function settleOperations(state: ArmFakeState): void {
  const settle = state.options.lroSettleMs ?? 300;
  for (const op of state.operations.values()) {
    if (op.status !== "InProgress" || Date.now() - op.startedAt < settle) continue;
    op.pollsLeft = 0;
    advance(state, op);
  }
}

/** Counts a poll; the poll after `lroPolls` of them ends the operation. */
function advance(state: ArmFakeState, op: OperationState): void {
  if (op.status !== "InProgress") return;
  if (op.pollsLeft > 0) {
    op.pollsLeft--;
    return;
  }
  let error: ArmErrorDetail | undefined;
  try {
    error = op.apply();
  } catch (thrown) {
    error = { code: "InternalServerError", message: `the fake failed: ${thrown instanceof Error ? thrown.message : String(thrown)}` };
  }
  if (error) {
    op.status = "Failed";
    op.error = error;
    op.errorStatus ??= error.code === "UserError" ? 400 : 500;
    op.revert();
  } else op.status = "Succeeded";
  op.endTime = state.now();
}

const OPERATION_PATH = new RegExp(`^/subscriptions/([^/]+)/providers/${PROVIDER.replace(".", "\\.")}/locations/([^/]+)/(${STATUS}|${RESULT})/([^/]+)$`, "i");

/** Whether a path is one of the fake's operation URLs. */
export const isOperationPath = (path: string) => OPERATION_PATH.test(path);

/** Answers a GET of an operation URL. */
export function pollOperation(state: ArmFakeState, path: string): Response {
  const m = OPERATION_PATH.exec(path);
  const op = m && state.operations.get(m[4] as string);
  if (!m || !op || m[1]?.toLowerCase() !== state.options.subscriptionId.toLowerCase())
    return armError(404, "NotFound", "The operation was not found. It may have expired.");
  advance(state, op);
  if ((m[3] as string).toLowerCase() === STATUS.toLowerCase()) {
    const body = {
      id: path,
      name: op.id,
      status: op.status,
      startTime: op.startTime,
      ...(op.endTime && { endTime: op.endTime }),
      ...(op.error && { error: { code: op.error.code, message: op.error.message, details: [] } }),
    };
    return json(200, body, op.status === "InProgress" ? { "Retry-After": retryAfter(state) } : {});
  }
  if (op.status === "InProgress") return empty(202, { Location: operationUrl(state, op, RESULT), "Retry-After": retryAfter(state) });
  if (op.status === "Failed") return armError(op.errorStatus ?? 500, op.error?.code ?? "InternalServerError", op.error?.message ?? "The operation failed.");
  return op.kind === "delete" || !op.result ? empty(204) : json(200, op.result());
}
