/**
 * Azure Resource Manager over the shared HTTP client: bearer tokens for ARM's scope (azureml-auth.ts), the
 * api-version on every request, ARM's error bodies as typed errors, and long-running operations polled to the end
 * (`Azure-AsyncOperation`, else `Location`), honouring `Retry-After`.
 *
 * @module
 */

import type * as z from "zod/mini";
import { AbortedError, InvalidInputError, TimeoutError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions, clientSettings } from "../../http/call-options.js";
import { createHttpClient } from "../../http/http-client.js";
import type { HttpClient, HttpMethod, HttpResponse } from "../../http/http-types.js";
import type { HttpQuery } from "../../http/url.js";
import { sleep } from "../../runtime/sleep.js";
import { operationStatusSchema } from "./azureml-api.js";
import { ARM_SCOPE, azureTokenSource } from "./azureml-auth.js";
import { mapArmError, operationError } from "./azureml-error.js";
import { PROVIDER, REGISTRY_NAME } from "./azureml-names.js";
import type { AzureMlRegistrySettings } from "./azureml-settings.js";

/** The api-version of every request modelreg sends (the newest stable one). */
export const API_VERSION = "2025-12-01";

/** Resource Manager, unless `endpoint` says otherwise. */
export const DEFAULT_ENDPOINT = "https://management.azure.com";

/** One ARM call. */
export interface ArmCall<S extends z.ZodMiniType = z.ZodMiniType> {
  /** The operation errors name. */
  operation: string;
  /** Default GET. */
  method?: HttpMethod;
  /** The path under the workspace or registry (`models/fraud`), or from the host when it starts with `/`. */
  path: string;
  /** More query parameters (the api-version is added). */
  query?: HttpQuery;
  /** The JSON body. */
  body?: unknown;
  /** The response schema. */
  schema?: () => S;
  /** Whether sending it twice is safe (a POST that only reads, or creates-or-gets by an id). */
  idempotent?: boolean;
  /** Statuses returned rather than thrown (404 for a lookup). */
  acceptStatus?: readonly number[];
  /** The caller's options. */
  options?: CallOptions | undefined;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._()-]{0,89}$/;

/** The transport: the ARM client, and where the workspace or registry is. */
export class ArmTransport {
  /** The client for Resource Manager's origin. */
  readonly http: HttpClient;
  /** `workspace` or `registry`. */
  readonly kind: "workspace" | "registry";
  /** The workspace or registry name. */
  readonly name: string;
  /** The subscription. */
  readonly subscriptionId: string;
  /** The resource group. */
  readonly resourceGroup: string;
  /** `/subscriptions/.../workspaces/{ws}` or `.../registries/{r}`: the ARM id of the workspace or registry. */
  readonly scopeId: string;
  /** Gives a bearer token for a scope (ARM's, or Storage's for identity-based datastores). */
  readonly tokenFor: (scope: string) => () => Promise<string>;
  readonly #settings: AzureMlRegistrySettings;

  /** @param settings - The registry settings, checked here before any request. */
  constructor(settings: AzureMlRegistrySettings) {
    const op = "createAzureMlRegistry";
    const invalid = (field: string, message: string) => new InvalidInputError(message, { provider: PROVIDER, operation: op, field });
    if (typeof settings.subscriptionId !== "string" || !/^[0-9A-Za-z-]{1,64}$/.test(settings.subscriptionId))
      throw invalid("subscriptionId", "subscriptionId must be an Azure subscription id (a GUID)");
    if (typeof settings.resourceGroup !== "string" || !/^[-\w._()]{1,90}$/.test(settings.resourceGroup) || settings.resourceGroup.endsWith("."))
      throw invalid("resourceGroup", "resourceGroup must be a resource group name (letters, digits, '-', '_', '.', '(', ')'; at most 90)");
    if ((settings.workspace === undefined) === (settings.registry === undefined))
      throw invalid("workspace", "give exactly one of workspace (a workspace's models) and registry (an Azure ML registry's models)");
    if (settings.workspace !== undefined && (typeof settings.workspace !== "string" || !SEGMENT.test(settings.workspace)))
      throw invalid("workspace", "workspace must be an Azure ML workspace name");
    if (settings.registry !== undefined && (typeof settings.registry !== "string" || !REGISTRY_NAME.test(settings.registry)))
      throw invalid("registry", "registry must be an Azure ML registry name (3-33 letters, digits, '-', '_')");
    if (settings.token !== undefined && typeof settings.token !== "string" && typeof settings.token !== "function")
      throw invalid("token", "token must be a string or a function returning one");
    if (typeof settings.token === "string" && (!settings.token || /\s/.test(settings.token)))
      throw invalid("token", "token must be a non-empty string without whitespace");
    if (settings.credential !== undefined && typeof settings.credential?.getToken !== "function")
      throw invalid("credential", "credential must be a TokenCredential (an object with getToken), such as @azure/identity's DefaultAzureCredential");
    let url: URL;
    try {
      url = new URL(settings.endpoint ?? DEFAULT_ENDPOINT);
    } catch {
      throw invalid("endpoint", "endpoint must be an https URL");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("endpoint", "endpoint must be an https URL");
    if (url.username || url.password) throw invalid("endpoint", "endpoint must not carry a user name or password");
    for (const field of ["pollIntervalMs", "operationDeadlineMs"] as const) {
      const value = settings[field];
      if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value <= 0))
        throw invalid(field, `${field} must be a positive number of milliseconds`);
    }
    this.#settings = settings;
    this.kind = settings.workspace !== undefined ? "workspace" : "registry";
    this.name = (settings.workspace ?? settings.registry) as string;
    this.subscriptionId = settings.subscriptionId;
    this.resourceGroup = settings.resourceGroup;
    this.scopeId = `/subscriptions/${settings.subscriptionId}/resourceGroups/${settings.resourceGroup}/providers/Microsoft.MachineLearningServices/${this.kind === "workspace" ? "workspaces" : "registries"}/${this.name}`;
    const sources = new Map<string, () => Promise<string>>();
    this.tokenFor = (scope: string): (() => Promise<string>) => {
      let source = sources.get(scope);
      if (source === undefined) {
        source = azureTokenSource(
          {
            ...(settings.token !== undefined && { token: settings.token }),
            ...(settings.credential && { credential: settings.credential }),
            ...(settings.env && { env: settings.env }),
          },
          scope,
        );
        sources.set(scope, source);
      }
      return source;
    };
    const armToken = this.tokenFor(ARM_SCOPE);
    this.http = createHttpClient({
      provider: PROVIDER,
      baseUrl: url,
      // Client headers go to ARM's origin only: blob SAS URLs and any other host never see the token.
      headers: async () => ({ authorization: `Bearer ${await armToken()}`, "user-agent": "modelreg" }),
      ...clientSettings(settings),
      timeoutMs: settings.timeoutMs ?? 60_000,
      secrets: () => [typeof settings.token === "string" ? settings.token : undefined],
      mapError: mapArmError,
    });
  }

  /** The path (no leading `/`) of something under the workspace or registry. */
  path(sub: string): string {
    return `${this.scopeId.slice(1)}/${sub}`;
  }

  /** Sends one ARM request with the api-version; returns the whole response (LROs need its headers). */
  async send<S extends z.ZodMiniType>(call: ArmCall<S> & { schema: () => S }): Promise<HttpResponse<z.output<S>>>;
  async send(call: ArmCall): Promise<HttpResponse<unknown>>;
  async send(call: ArmCall): Promise<HttpResponse<unknown>> {
    const path = call.path.startsWith("/") ? call.path.slice(1) : this.path(call.path);
    return this.http.request({
      operation: call.operation,
      method: call.method ?? "GET",
      path,
      query: { ...call.query, "api-version": API_VERSION },
      ...(call.body !== undefined && { json: call.body }),
      ...(call.schema && { schema: call.schema }),
      ...(call.acceptStatus && { acceptStatus: call.acceptStatus }),
      ...(call.idempotent !== undefined && { idempotent: call.idempotent }),
      ...callOptions(call.options),
    });
  }

  /** A URL ARM handed out (a next page, an operation to poll) as a path on this client, or `undefined` on any other host. */
  armPath(href: string): string | undefined {
    const base = new URL(this.http.baseUrl);
    const url = new URL(href, base);
    return url.origin === base.origin && url.pathname.startsWith(base.pathname) ? `${url.pathname.slice(base.pathname.length)}${url.search}` : undefined;
  }

  /**
   * Waits for the long-running operation a PUT or DELETE answered with (201/202 and `Azure-AsyncOperation` or
   * `Location`); returns at once for a synchronous answer. Polls with `Retry-After` when given, else backing off from
   * `pollIntervalMs` to 30 s.
   *
   * @throws the operation's error when it ends `Failed` or `Canceled`; `TimeoutError` past the deadline and
   * `AbortedError` on the signal (the operation goes on in Azure either way).
   */
  async waitFor(res: HttpResponse<unknown>, operation: string, options: CallOptions | undefined): Promise<void> {
    const asyncUrl = res.headers.get("azure-asyncoperation");
    const location = res.headers.get("location");
    // ARM's rules: any answer with Azure-AsyncOperation is polled there (a PUT may answer 200 or 201 with one); a
    // Location alone is polled only after a 202.
    if (!asyncUrl && !(location && res.status === 202)) return;
    const target = (asyncUrl ?? location) as string;
    const path = this.armPath(target);
    if (path === undefined)
      throw new InvalidInputError("Azure named an operation to poll on another host; modelreg sends its token to Resource Manager only", {
        provider: PROVIDER,
        operation,
        field: "operation",
      });
    const deadline = Date.now() + (this.#settings.operationDeadlineMs ?? 60 * 60_000);
    let delay = this.#settings.pollIntervalMs ?? 1000;
    let retryAfter = retryAfterMs(res.headers);
    for (;;) {
      const wait = retryAfter ?? delay;
      if (options?.signal?.aborted)
        throw new AbortedError("stopped waiting for an Azure operation; it continues in Azure", {
          provider: PROVIDER,
          operation,
          cause: options.signal.reason,
        });
      if (Date.now() + wait > deadline)
        throw new TimeoutError("an Azure operation was not done before the deadline; it continues in Azure", { provider: PROVIDER, operation });
      await sleep(wait, options?.signal);
      delay = Math.min(delay * 1.5, 30_000);
      if (asyncUrl) {
        const poll = await this.http.request({ operation, path, schema: operationStatusSchema, ...callOptions(options) });
        const status = poll.data.status.toLowerCase();
        if (status === "succeeded") return;
        if (status === "failed" || status === "canceled" || status === "cancelled") {
          const error = operationError(poll.data.status, poll.data, { provider: PROVIDER, operation }, (t) => this.http.redact(t));
          endedOperations.add(error);
          throw error;
        }
        retryAfter = retryAfterMs(poll.headers);
      } else {
        const poll = await this.http.request({ operation, path, responseType: "text", acceptStatus: [202], ...callOptions(options) });
        if (poll.status !== 202) return;
        retryAfter = retryAfterMs(poll.headers);
      }
    }
  }
}

const endedOperations = new WeakSet<object>();

/**
 * True for the error of a long-running operation Azure reported ended (`Failed`, `Canceled`): it did not do its
 * work. Every other failure while waiting (abort, deadline, a lost poll) leaves the outcome unknown.
 */
export function isEndedOperationError(error: unknown): boolean {
  return typeof error === "object" && error !== null && endedOperations.has(error);
}

/** `Retry-After` in seconds (ARM sends seconds), capped at a minute; `undefined` when absent. */
function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get("retry-after");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Math.min(Number(value) * 1000, 60_000);
}
