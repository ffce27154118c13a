/**
 * Reading Azure ML: containers, versions (with their records), `latest`, aliases.
 *
 * @module
 */

import type * as z from "zod/mini";
import { NotFoundError, ResponseValidationError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ModelVersion } from "../../core/types.js";
import { type ArmModelContainer, type ArmModelVersion, modelContainerSchema, modelVersionSchema, versionPageSchema } from "./azureml-api.js";
import { aliasesOf, toModelVersion } from "./azureml-convert.js";
import { PROP, PROVIDER, RECORD_FORMAT } from "./azureml-names.js";
import { parseRecord, type VersionRecord } from "./azureml-records.js";
import type { AzureStorage } from "./azureml-storage.js";
import type { ArmTransport } from "./azureml-transport.js";

/** Checks a body read with a 404 accepted (the client checks only 2xx bodies), as the client would: typed, naming the field. */
function checked<S extends z.ZodMiniType>(schema: () => S, data: unknown, what: string, operation: string): z.output<S> {
  const parsed = schema().safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") || undefined;
  throw new ResponseValidationError(`Azure answered ${what} in an unexpected shape${field ? ` at ${field}` : ""}: ${issue?.message ?? "invalid"}`, {
    provider: PROVIDER,
    operation,
    ...(field && { field }),
  });
}

/**
 * Every item of a listing, following `nextLink`s; a link on another host is refused (the token would go with it),
 * never silently dropped, since a lookup that stops early answers wrongly.
 */
export async function listAll<T>(
  t: ArmTransport,
  first: () => Promise<{ value: T[]; nextLink?: string | null | undefined }>,
  next: (path: string) => Promise<{ value: T[]; nextLink?: string | null | undefined }>,
  operation: string,
): Promise<T[]> {
  const out: T[] = [];
  let page = await first();
  for (;;) {
    out.push(...page.value);
    if (!page.nextLink) return out;
    page = await next(nextPath(t, page.nextLink, operation));
  }
}

/** A `nextLink` as a path on Resource Manager's host, or `ResponseValidationError` for one elsewhere. */
export function nextPath(t: ArmTransport, link: string, operation: string): string {
  let path: string | undefined;
  try {
    path = t.armPath(link);
  } catch {
    path = undefined;
  }
  if (path === undefined)
    throw new ResponseValidationError("Azure named a next page on another host; modelreg sends its token to Resource Manager only", {
      provider: PROVIDER,
      operation,
      field: "nextLink",
    });
  return path;
}

/** The path of a model's container. */
export function containerPath(model: string): string {
  return `models/${encodeURIComponent(model)}`;
}

/** The path of a version. */
export function versionPath(model: string, version: string): string {
  return `models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`;
}

/** A model's container, or `undefined` when there is none. */
export async function findContainer(
  t: ArmTransport,
  model: string,
  operation: string,
  options: CallOptions | undefined,
): Promise<ArmModelContainer | undefined> {
  const res = await t.send({ operation, path: containerPath(model), acceptStatus: [404], options });
  return res.status === 404 ? undefined : checked(modelContainerSchema, res.data, `model ${model}`, operation);
}

/** A model's container, or `NotFoundError`. */
export async function getContainer(t: ArmTransport, model: string, operation: string, options: CallOptions | undefined): Promise<ArmModelContainer> {
  const container = await findContainer(t, model, operation, options);
  if (!container) throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation });
  return container;
}

/** A version's resource, or `undefined` when there is none. */
export async function findArmVersion(
  t: ArmTransport,
  model: string,
  version: string,
  operation: string,
  options: CallOptions | undefined,
): Promise<ArmModelVersion | undefined> {
  const res = await t.send({ operation, path: versionPath(model, version), acceptStatus: [404], options });
  return res.status === 404 ? undefined : checked(modelVersionSchema, res.data, `version ${model}/${version}`, operation);
}

/**
 * The newest version by creation, archived ones included: what the Python SDK's `label="latest"` reads
 * (`$orderBy=createdtime desc&$top=1`), over every version.
 */
export async function latestArmVersion(
  t: ArmTransport,
  model: string,
  operation: string,
  options: CallOptions | undefined,
): Promise<ArmModelVersion | undefined> {
  const res = await t.send({
    operation,
    path: `${containerPath(model)}/versions`,
    query: { $orderBy: "createdtime desc", $top: 1, listViewType: "All" },
    schema: versionPageSchema,
    acceptStatus: [404],
    options,
  });
  return res.status === 404 ? undefined : res.data.value[0];
}

/**
 * The record of a version modelreg made, or `undefined` for one made elsewhere: without modelreg's properties, or
 * whose record names another model or another create (files copied from elsewhere describe that version, not this).
 */
export async function readRecord(
  storage: AzureStorage,
  model: string,
  arm: ArmModelVersion,
  operation: string,
  options: CallOptions | undefined,
): Promise<VersionRecord | undefined> {
  const props = arm.properties.properties ?? {};
  if (props[PROP.format] !== RECORD_FORMAT) return undefined;
  const place = await storage.placeOf(model, arm, operation, options);
  if (!place?.record) return undefined;
  const json = await place.store.getJson(place.bucket, place.record, { ...options, operation });
  if (json === undefined) return undefined;
  const record = parseRecord(json, `the record of ${model} version ${arm.name}`, operation);
  return record.model === model && record.token === props[PROP.token] ? record : undefined;
}

/** A version as modelreg's type, with its record and aliases. */
export async function loadVersion(
  _t: ArmTransport,
  storage: AzureStorage,
  model: string,
  arm: ArmModelVersion,
  container: ArmModelContainer | undefined,
  operation: string,
  options: CallOptions | undefined,
): Promise<ModelVersion> {
  const record = await readRecord(storage, model, arm, operation, options);
  return toModelVersion(model, arm, record, aliasesOf(container));
}

/** The version an alias names (`latest`: the newest), or `NotFoundError`. */
export async function resolveAlias(t: ArmTransport, model: string, alias: string, operation: string, options: CallOptions | undefined): Promise<string> {
  if (alias === "latest") {
    const latest = await latestArmVersion(t, model, operation, options);
    if (!latest) throw new NotFoundError(`model ${JSON.stringify(model)} has no versions`, { provider: PROVIDER, operation });
    return latest.name;
  }
  const container = await getContainer(t, model, operation, options);
  const version = Object.hasOwn(aliasesOf(container), alias) ? aliasesOf(container)[alias] : undefined;
  if (version === undefined) throw new NotFoundError(`model ${JSON.stringify(model)} has no alias ${JSON.stringify(alias)}`, { provider: PROVIDER, operation });
  return version;
}
