/**
 * What every CLI command does with its arguments: positional counts, `key=value` lists, whole numbers, and opening
 * the registry a URI names (read-only commands refuse to create a local registry by looking at it).
 *
 * @module
 */

import type { ModelRegistry } from "../core/model-registry.js";
import type { ModelVersion } from "../core/types.js";
import { openRegistry, parseRegistryUri } from "../sync/registry-uri.js";
import { assertRegistryExists } from "./cli-locations.js";
import type { CliIo } from "./cli-output.js";

/** A usage error: the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {}

/** The positional arguments, refused unless there are between `min` and `max` of them. */
export function positionals(args: string[], min: number, max: number, usage: string): string[] {
  if (args.length < min) throw new UsageError(`expected ${usage}`);
  if (args.length > max) throw new UsageError(`too many arguments; expected ${usage}`);
  return args;
}

/** A `--flag N` value: a whole number above 0, or undefined when the flag was not given. */
export function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${flag} takes a whole number above 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Repeated `--flag key=value` options as a record; the same key twice is refused. */
export function keyValues(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UsageError(`${flag} takes key=value, got ${JSON.stringify(item)}`);
    const key = item.slice(0, at);
    if (Object.hasOwn(out, key)) throw new UsageError(`${flag} ${key} is given twice`);
    out[key] = item.slice(at + 1);
  }
  return out;
}

/** Repeated `--metric name=number` options. */
export function metricValues(values: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, text] of Object.entries(keyValues(values, "--metric"))) {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--metric ${key} takes a number, got ${JSON.stringify(text)}`);
    out[key] = value;
  }
  return out;
}

/**
 * Opens the registry `uri` names. `readOnly` commands need it to exist already: `modelreg show file:./typo ...` says
 * there is no registry there instead of creating an empty one. The actor recorded in audit events is
 * `MODELREG_ACTOR` when set, else the OS user.
 */
export async function openCliRegistry(uri: string, io: CliIo, command: string, readOnly: boolean): Promise<ModelRegistry> {
  if (readOnly) await assertRegistryExists(parseRegistryUri(uri, io.cwd), command);
  const actor = io.env.MODELREG_ACTOR;
  return openRegistry(uri, { cwd: io.cwd, env: io.env, ...(actor && { actor }) });
}

/**
 * A version as `--json` prints it: every field of {@link ModelVersion} except the provider's `raw` record, dates as
 * ISO 8601 strings, and `approvals` always present.
 */
export function versionJson(v: ModelVersion): Record<string, unknown> {
  const { raw: _raw, ...rest } = v;
  return { ...rest, approvals: v.approvals ?? [], createdAt: v.createdAt.toISOString(), updatedAt: v.updatedAt.toISOString() };
}
