// A stateful fake of the Azure Machine Learning ARM API (management.azure.com) for the azureml adapter's tests, served
// on loopback over HTTP or HTTPS (the Python azure-ai-ml client needs HTTPS). It follows the reference
// (/work/shared/reference/azureml.md) and the generated client of azure-ai-ml 1.35.2, whose contract
// (test/contracts/azureml-contract.json, scripts/derive-azureml-contract.mjs) gives its routes, api-versions and the
// body types it checks. Where the client and the fake disagree, the fake is wrong; what neither says is marked as a
// guess where the fake decides it.
//
// Every request needs `Authorization: Bearer <token>` (401 otherwise), a known `api-version` for its operation (400),
// a body of the operation's type (400); unknown routes get 404, all as ARM ErrorResponse bodies. Split by role:
// arm-fake-models.ts (workspace and registry models), arm-fake-storage.ts (datastores, pending uploads, data
// references, Azurite), arm-fake-endpoints.ts (online endpoints and deployments), arm-fake-lro.ts (long-running
// operations), arm-fake-contract.ts (routes and body checks), arm-fake-errors.ts (answers), arm-fake-state.ts (state,
// options, paging), arm-fake-server.ts (sockets); blob-sas.ts mints the SAS tokens. Left out: writes to workspaces and
// registries themselves, jobs, environments, batch endpoints, PATCH of endpoints and deployments, endpoint keys and
// tokens, the registry discovery service azure-ai-ml calls before the data-plane routes. The workspace itself is only
// read (GET W, for its region).
import { armError, json } from "./arm-fake-errors.js";
import { contract, type ContractOperation, matchOperation, typeProblems } from "./arm-fake-contract.js";
import { endpointRoutes } from "./arm-fake-endpoints.js";
import { isOperationPath, pollOperation, settleOperations } from "./arm-fake-lro.js";
import { modelRoutes } from "./arm-fake-models.js";
import { type Answer, serveLoopback } from "./arm-fake-server.js";
import { type ArmFakeOptions, ArmFakeState, type Ctx, DEFAULT_ARM_TOKEN, type Handler, PROVIDER } from "./arm-fake-state.js";
import { datastoreEndpoint, registryBlobBase, storageRoutes } from "./arm-fake-storage.js";

export { DEFAULT_ARM_TOKEN, type ArmFakeOptions, ArmFakeState } from "./arm-fake-state.js";
export { ASSET_PATH_ERROR } from "./arm-fake-models.js";

/** One request the fake answered. */
export interface ArmRequestRecord {
  readonly method: string;
  /** The path as sent (still percent-encoded). */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The contract operation id, `Operation_Poll` for an operation URL, undefined for an unknown route. */
  readonly operation?: string;
  /** Whether it carried the right bearer token. */
  readonly authorized: boolean;
  /** The JSON body, when one was sent. */
  readonly body?: unknown;
  /** The status answered; 0 for a connection the fake cut. */
  status: number;
}

/** Which requests a fault applies to: any of method, contract operation id and path (substring or pattern), or a test. */
export type ArmFaultMatch =
  | { method?: string; operation?: string; path?: string | RegExp }
  | ((request: { method: string; path: string; operation?: string }) => boolean);

/**
 * What a faulted request gets: a status (an ARM error body; 429 and 503 carry `Retry-After: 1`), a custom error,
 * "reset" (the connection is cut before the fake acts), or "reset-after" (the fake acts, then cuts the connection: the
 * answer is lost).
 */
export type ArmFault =
  | number
  | "reset"
  | "reset-after"
  | { status: number; code?: string; message?: string; retryAfter?: number; headers?: Record<string, string> };

/** A running ARM fake. */
export interface ArmFake {
  /** `http(s)://127.0.0.1:<port>`: the ARM endpoint to give clients. */
  readonly url: string;
  /** The bearer token it takes. */
  readonly token: string;
  /** Everything it holds, for tests to look at or seed. */
  readonly state: ArmFakeState;
  /** Requests answered so far, in order. */
  readonly requests: ArmRequestRecord[];
  /** Makes the next `times` matching requests fail with `fault`. */
  failNext(match: ArmFaultMatch, fault: ArmFault, times?: number): void;
  /**
   * Makes the next `times` long-running operations that matching requests start end Failed with `error` (status:
   * what the Location URL answers, default 500), with the change not made.
   */
  failOperation(match: ArmFaultMatch, error?: { code?: string; message?: string; status?: number }, times?: number): void;
  /** Drops the faults not yet used. */
  clearFaults(): void;
  close(): Promise<void>;
}

/**
 * GET W: the workspace, for its region. Guess: the few properties answered (the service answers some thirty; the
 * contract keeps WorkspaceProperties by name only).
 */
function getWorkspace(ctx: Ctx): Response {
  const { state } = ctx;
  return json(200, {
    id: state.workspaceId,
    name: state.options.workspace,
    type: `${PROVIDER}/workspaces`,
    location: state.location,
    tags: {},
    kind: "Default",
    sku: { name: "Basic", tier: "Basic" },
    identity: { type: "SystemAssigned", principalId: state.workspaceGuid, tenantId: "00000000-0000-0000-0000-000000000000" },
    systemData: state.workspaceSystemData,
    properties: {
      friendlyName: state.options.workspace,
      workspaceId: state.workspaceGuid,
      storageAccount: state.storageAccountId,
      discoveryUrl: `https://${state.location}.api.azureml.ms/discovery`,
      mlFlowTrackingUri: `azureml://${state.location}.api.azureml.ms/mlflow/v1.0${state.workspaceId}`,
      provisioningState: "Succeeded",
    },
  });
}

const routes: Record<string, Handler> = { Workspaces_Get: getWorkspace, ...modelRoutes(), ...storageRoutes(), ...endpointRoutes() };
const unserved = contract.operations.filter((op) => !routes[op.id]).map((op) => op.id);
if (unserved.length > 0) throw new Error(`the ARM fake has no route for ${unserved.join(", ")}`);

type Request0 = { method: string; path: string; operation?: string };

function matcher(match: ArmFaultMatch): (request: Request0) => boolean {
  if (typeof match === "function") return match;
  return (r) =>
    (!match.method || match.method.toUpperCase() === r.method) &&
    (!match.operation || match.operation === r.operation) &&
    (!match.path || (typeof match.path === "string" ? r.path.includes(match.path) : match.path.test(r.path)));
}

/** The error a fault answers with. Guess: the codes ARM uses (throttling: SubscriptionRequestsThrottled). */
function faultResponse(fault: Exclude<ArmFault, "reset" | "reset-after">): Response {
  const spec = typeof fault === "number" ? { status: fault } : fault;
  const codes: Record<number, string> = {
    429: "SubscriptionRequestsThrottled",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
  };
  const retryAfter = spec.retryAfter ?? (spec.status === 429 || spec.status === 503 ? 1 : undefined);
  return armError(spec.status, spec.code ?? codes[spec.status] ?? "InjectedFault", spec.message ?? `Injected failure (${spec.status}).`, {
    headers: { ...(retryAfter !== undefined && { "Retry-After": String(retryAfter) }), ...spec.headers },
  });
}

/** 404 for a parent (subscription, resource group, workspace, registry) the fake does not serve, else undefined. */
function scopeProblem(state: ArmFakeState, params: Record<string, string>): Response | undefined {
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  const { options } = state;
  if (!same(params.subscriptionId, options.subscriptionId))
    return armError(404, "SubscriptionNotFound", `The subscription '${params.subscriptionId}' could not be found.`);
  if (!same(params.resourceGroupName, options.resourceGroup))
    return armError(404, "ResourceGroupNotFound", `Resource group '${params.resourceGroupName}' could not be found.`);
  for (const [param, type, served] of [
    ["workspaceName", "workspaces", options.workspace],
    ["registryName", "registries", options.registry],
  ] as const) {
    if (params[param] !== undefined && !same(params[param], served))
      return armError(
        404,
        "ResourceNotFound",
        `The Resource '${PROVIDER}/${type}/${params[param]}' under resource group '${params.resourceGroupName}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
  }
  return undefined;
}

/**
 * A copy of `body` without the fields the contract says the SDK adds by hand at this api-version (bodyExtras), which
 * the generated type does not know; the fake keeps none of them.
 */
function withoutExtras(body: unknown, op: ContractOperation, apiVersion: string): unknown {
  const extras = op.bodyExtras?.[apiVersion];
  if (!extras || typeof body !== "object" || body === null) return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const path of extras) {
    const keys = path.split(".");
    let at: unknown = copy;
    for (const key of keys.slice(0, -1)) at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[key] : undefined;
    if (typeof at === "object" && at !== null) delete (at as Record<string, unknown>)[keys[keys.length - 1] as string];
  }
  return copy;
}

/**
 * The request's JSON body checked against the operation's type, or an error answer: `body` as sent, `checked` what
 * the route gets (without the SDK's hand-added fields).
 */
function readBody(request: Request, text: string, op: ContractOperation, apiVersion: string): { body: unknown; checked: unknown } | Response {
  if (!op.body) {
    const body = text ? safeParse(text) : undefined;
    return { body, checked: body };
  }
  if (!text) {
    return op.bodyRequired
      ? armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: the body is empty.")
      : { body: undefined, checked: undefined };
  }
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "application/json")
    return armError(415, "UnsupportedMediaType", `The content media type '${type}' is not supported. Only 'application/json' is supported.`);
  const body = safeParse(text);
  if (body === undefined) return armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
  const checked = withoutExtras(body, op, apiVersion);
  const problems = typeProblems(op.body, checked);
  if (problems.length > 0) {
    // Guess: the resource provider's code and wording for a body that does not fit its model.
    return armError(400, "UserError", `The request content was invalid: ${problems.slice(0, 3).join("; ")}`, {
      details: problems.map((message) => ({ code: "InvalidRequestContent", message })),
    });
  }
  return { body, checked };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Starts the fake. With `blob`, the datastore's Azurite container is made on first use (so Azurite may start later). */
export async function startArmFake(options: ArmFakeOptions): Promise<ArmFake> {
  const state = new ArmFakeState(options);
  // Checks the blob endpoints' forms now rather than at the first call that uses them.
  datastoreEndpoint(state);
  registryBlobBase(state);
  const token = options.token ?? DEFAULT_ARM_TOKEN;
  const requests: ArmRequestRecord[] = [];
  const faults: Array<{ match: (r: Request0) => boolean; fault: ArmFault; times: number }> = [];

  async function answer(request: Request): Promise<Answer> {
    settleOperations(state);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const path = url.pathname;
    const polled = method === "GET" && isOperationPath(path);
    const matched = polled ? undefined : matchOperation(method, path);
    const operation = polled ? "Operation_Poll" : typeof matched === "object" ? matched.op.id : undefined;
    const authorized = request.headers.get("authorization") === `Bearer ${token}`;
    // Read whole before anything is answered, so an early answer never leaves a body half-sent on the connection.
    const text = await request.text();
    const record: ArmRequestRecord = { method, path, query: Object.fromEntries(url.searchParams), ...(operation && { operation }), authorized, status: 0 };
    requests.push(record);
    const done = (response: Response) => {
      record.status = response.status;
      return response;
    };

    const info = { method, path, ...(operation && { operation }) };
    const fault = faults.find((f) => f.match(info));
    if (fault && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
    if (fault?.fault === "reset") return "reset";
    if (fault && fault.fault !== "reset-after") return done(faultResponse(fault.fault));

    const response = await respond();
    if (fault?.fault === "reset-after") {
      record.status = 0;
      return "reset";
    }
    return done(response);

    async function respond(): Promise<Response> {
      if (!request.headers.has("authorization"))
        return armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", {
          headers: { "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' },
        });
      if (!authorized)
        return armError(401, "InvalidAuthenticationToken", "The access token is invalid.", {
          headers: { "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' },
        });
      if (polled) return pollOperation(state, path);
      if (matched === undefined) return armError(404, "NotFound", `The ARM fake serves no ${method} ${path}.`);
      if (matched === "method") return armError(405, "MethodNotAllowed", `The requested resource does not support http method '${method}'.`);
      const apiVersion = url.searchParams.get("api-version");
      if (!apiVersion) return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
      if (!matched.op.apiVersions.includes(apiVersion))
        // Guess: the code ARM answers for an api-version the resource type does not have.
        return armError(
          400,
          "NoRegisteredProviderFound",
          `No registered resource provider found for location '${state.location}' and API version '${apiVersion}' for this type. The supported api-versions are '${matched.op.apiVersions.join(", ")}'.`,
        );
      const outside = scopeProblem(state, matched.params);
      if (outside) return outside;
      const read = readBody(request, text, matched.op, apiVersion);
      if (read instanceof Response) return read;
      if (read.body !== undefined) (record as { body?: unknown }).body = read.body;
      const ctx: Ctx = { request, url, op: matched.op, params: matched.params, apiVersion, body: read.checked, state };
      return (routes[matched.op.id] as Handler)(ctx);
    }
  }

  const server = await serveLoopback(
    (request) =>
      answer(request).catch((error: unknown) =>
        json(500, {
          error: { code: "InternalServerError", message: `the ARM fake failed: ${error instanceof Error ? error.message : String(error)}`, details: [] },
        }),
      ),
    options,
  );
  state.publicUrl = server.url;
  return {
    url: server.url,
    token,
    state,
    requests,
    failNext(match, fault, times = 1) {
      faults.push({ match: matcher(match), fault, times });
    },
    failOperation(match, error = {}, times = 1) {
      state.operationFaults.push({
        match: matcher(match),
        error: { code: error.code ?? "InternalServerError", message: error.message ?? "Injected operation failure." },
        status: error.status ?? 500,
        times,
      });
    },
    clearFaults() {
      faults.length = 0;
      state.operationFaults.length = 0;
    },
    close: () => server.close(),
  };
}
