/**
 * The facade's input checks that are more than one `assert*` call: list queries and events (createVersion's provider
 * options are parsed by core/version-input.ts, which that call imports).
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";
import type { RegistryEventInput, RegistryEventType } from "../core/events.js";
import type { AuditQuery, ListModelsOptions, ListVersionsOptions, VersionOrder } from "../core/model-registry.js";
import type { ProviderAuditQuery, ProviderModelQuery, ProviderVersionQuery, RegistryProviderV1 } from "../core/provider-spec.js";
import { assertModelName, assertPageSize, assertTags, parseStage, preview } from "../core/validation.js";

/** Every event type, for checking `recordEvent` and audit queries. */
export const EVENT_TYPES: ReadonlySet<RegistryEventType> = new Set<RegistryEventType>([
  "model.created",
  "model.updated",
  "model.deleted",
  "version.created",
  "version.updated",
  "version.deleted",
  "alias.set",
  "alias.deleted",
  "stage.changed",
  "approval.recorded",
  "promotion.completed",
  "promotion.blocked",
  "rollback.completed",
]);

type Provider = Pick<RegistryProviderV1, "provider" | "capabilities" | "checkPageToken">;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function checkCommon(
  options: { pageSize?: unknown; pageToken?: unknown },
  provider: Provider,
  op: string,
): { pageSize: number | undefined; pageToken: string | undefined } {
  const pageSize = assertPageSize(options.pageSize, provider.capabilities.maxPageSize, op);
  const token = options.pageToken;
  if (token !== undefined) {
    if (typeof token !== "string" || token === "") throw invalidInput(op, "pageToken", "pageToken must be a non-empty string", provider.provider);
    provider.checkPageToken?.(token, op);
  }
  return { pageSize, pageToken: token };
}

/** Checks `listModels` options. */
export function checkModelQuery(options: ListModelsOptions, provider: Provider): ProviderModelQuery {
  const op = "listModels";
  if (!isObject(options)) throw invalidInput(op, "options", "listModels takes { pageSize?, namePrefix?, tags? }", provider.provider);
  if (options.namePrefix !== undefined && typeof options.namePrefix !== "string")
    throw invalidInput(op, "namePrefix", "namePrefix must be a string", provider.provider);
  assertTags(options.tags, op);
  return { ...checkCommon(options, provider, op), namePrefix: options.namePrefix ?? "", tags: { ...(options.tags as Record<string, string> | undefined) } };
}

/** Checks `listVersions` options. */
export function checkVersionQuery(model: string, options: ListVersionsOptions, provider: Provider): ProviderVersionQuery {
  const op = "listVersions";
  assertModelName(model, op);
  if (!isObject(options)) throw invalidInput(op, "options", "listVersions takes { pageSize?, stage?, tags?, orderBy? }", provider.provider);
  const stage = options.stage === undefined ? undefined : parseStage(options.stage, op);
  assertTags(options.tags, op);
  return { ...checkCommon(options, provider, op), stage, tags: { ...(options.tags as Record<string, string> | undefined) } };
}

/** Checks `listAuditEvents` options. */
export function checkAuditQuery(query: AuditQuery & { pageSize?: number; pageToken?: string }, provider: Provider): ProviderAuditQuery {
  const op = "listAuditEvents";
  if (!isObject(query)) throw invalidInput(op, "query", "listAuditEvents takes { model?, types?, since? }", provider.provider);
  if (query.model !== undefined) assertModelName(query.model, op);
  if (query.types !== undefined && !Array.isArray(query.types)) throw invalidInput(op, "types", "types must be an array of event types", provider.provider);
  for (const type of query.types ?? []) if (!EVENT_TYPES.has(type)) throw invalidInput(op, "types", `unknown event type ${preview(type)}`, provider.provider);
  if (query.since !== undefined && !(query.since instanceof Date && !Number.isNaN(query.since.getTime())))
    throw invalidInput(op, "since", "since must be a valid Date", provider.provider);
  return { ...checkCommon(query, provider, op), model: query.model, types: query.types && new Set(query.types), since: query.since?.getTime() };
}

/** Checks an event given to `recordEvent`. */
export function checkEventInput(input: RegistryEventInput, provider: string): void {
  const op = "recordEvent";
  if (!isObject(input) || !EVENT_TYPES.has(input.type))
    throw invalidInput(op, "type", `unknown event type ${preview(isObject(input) ? input.type : input)}`, provider);
  assertModelName(input.model, op);
  if (input.details !== undefined) {
    try {
      JSON.stringify(input.details);
    } catch {
      throw invalidInput(op, "details", "details must be JSON-serialisable", provider);
    }
  }
}

/** Checks `listVersions`' `orderBy`; returns it with the direction filled in. */
export function checkVersionOrder(orderBy: unknown, pageToken: unknown, provider: string): Required<VersionOrder> {
  const op = "listVersions";
  if (!isObject(orderBy)) throw invalidInput(op, "orderBy", 'orderBy takes { metric: "auc", direction?: "asc" | "desc" }', provider);
  const { metric, direction = "desc" } = orderBy as Partial<VersionOrder>;
  if (typeof metric !== "string" || metric.trim() === "") throw invalidInput(op, "orderBy.metric", "orderBy.metric must name a metric, e.g. auc", provider);
  if (direction !== "asc" && direction !== "desc") throw invalidInput(op, "orderBy.direction", 'orderBy.direction is "asc" or "desc"', provider);
  // The order is only known once every version has been read, so there is no page to resume from.
  if (pageToken !== undefined) throw invalidInput(op, "pageToken", "orderBy reads every version, so it takes no pageToken", provider);
  return { metric, direction };
}
