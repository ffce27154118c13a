/**
 * The report's data step: everything the page shows, read from a registry with a bounded number of requests.
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";
import type { RegistryEvent } from "../core/events.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { CallOptions } from "../core/options.js";
import type { CollectReportOptions, ReportAudit, ReportData, ReportVersion } from "./report-types.js";

/** Versions read when the caller does not say: enough for any model people look at, bounded for one that is not. */
export const DEFAULT_MAX_VERSIONS = 500;
/** Audit events kept when the caller does not say. */
export const DEFAULT_MAX_AUDIT_EVENTS = 1000;

function limit(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw invalidInput("collectReport", field, `${field} must be a whole number above 0, got ${String(value)}`);
  return value;
}

/**
 * Reads what a report about `model` shows: the model, its newest `maxVersions` versions, and, when the registry keeps
 * an audit trail (`capabilities.audit`), the newest `maxAuditEvents` events about the model. A registry without one is
 * not asked (the call would throw `UnsupportedCapabilityError`); the data says so and the page shows a note instead.
 *
 * @param registry - Any registry.
 * @param model - The model's name.
 * @param options - Limits, the report's time stamp, and call options for every request.
 * @returns The data for {@link renderReport}.
 * @throws NotFoundError when the model does not exist; whatever the registry throws otherwise.
 */
export async function collectReport(registry: ModelRegistry, model: string, options: CollectReportOptions = {}): Promise<ReportData> {
  const { maxVersions: maxVersionsOption, maxAuditEvents: maxAuditOption, now, ...call } = options;
  const maxVersions = limit(maxVersionsOption, DEFAULT_MAX_VERSIONS, "maxVersions");
  const maxAuditEvents = limit(maxAuditOption, DEFAULT_MAX_AUDIT_EVENTS, "maxAuditEvents");
  const generatedAt = now ?? new Date();
  const { raw: _modelRaw, ...found } = await registry.getModel(model, call);

  const versions: ReportVersion[] = [];
  let versionsCapped = false;
  // One page can hold every version we keep plus the one that tells us there are more; adapters cap the size.
  const pageSize = Math.min(maxVersions + 1, registry.capabilities.maxPageSize);
  for await (const version of registry.listVersions(found.name, { ...call, pageSize })) {
    if (versions.length === maxVersions) {
      // One more than we keep: the model has more, and reading stops here instead of listing them all.
      versionsCapped = true;
      break;
    }
    const { raw: _raw, ...kept } = version;
    versions.push(kept);
  }

  const audit = registry.capabilities.audit ? await readAudit(registry, found.name, maxAuditEvents, call) : ({ kept: false } as const);
  return { provider: registry.provider, model: found, versions, maxVersions, versionsCapped, audit, generatedAt };
}

/**
 * The newest `max` events about `model`. The trail comes oldest first and cannot be read from its end, so it is read
 * through while only the newest `max` are held: memory stays bounded however long the model's history is.
 */
async function readAudit(registry: ModelRegistry, model: string, max: number, call: CallOptions): Promise<ReportAudit> {
  const window: RegistryEvent[] = [];
  let total = 0;
  for await (const event of registry.listAuditEvents({ ...call, model })) {
    total++;
    window.push(event);
    // Trimmed in batches: shifting one event off a thousand on every read would make a long trail quadratic.
    if (window.length >= 2 * max) window.splice(0, window.length - max);
  }
  return { kept: true, events: window.slice(-max), total };
}
