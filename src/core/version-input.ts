/**
 * Checks for what `createVersion` and `updateVersion` take, shared by every adapter so bad input is refused the same
 * way everywhere, before any byte is uploaded. The facade imports this module when one of those calls is made, so a
 * client that only reads does not load it. The metric and param rules live here for that reason (modelreg/adapter
 * exports them with the other input rules).
 *
 * @module
 */

import { invalidInput } from "./errors.js";
import type { RegistryProviderV1 } from "./provider-spec.js";
import type { ModelSignature } from "./signature.js";
import type { CreateVersionInput, Lineage, ModelCard, UpdateVersionInput } from "./types.js";
import { CONTROL, PROTO_KEY, TAG_KEY_MAX, assertAlias, assertTags, preview } from "./validation.js";

const SIGNATURE_TYPES = new Set(["string", "integer", "long", "float", "double", "boolean", "binary", "datetime", "tensor"]);
const CARD_TEXT = ["summary", "intendedUse", "limitations", "ethicalConsiderations", "training", "evaluation", "markdown"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Throws `InvalidInputError` unless `lineage` is a well-formed {@link Lineage}. */
export function assertLineage(lineage: unknown, operation: string): asserts lineage is Lineage | undefined {
  if (lineage === undefined) return;
  if (!isObject(lineage)) throw invalidInput(operation, "lineage", "lineage must be an object");
  for (const key of ["codeCommit", "codeRepository", "parentVersion", "sourceRun"] as const) {
    const value = lineage[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw invalidInput(operation, `lineage.${key}`, `lineage.${key} must be a non-empty string, got ${preview(value)}`);
    }
  }
  const snapshots = lineage.dataSnapshots;
  if (snapshots !== undefined) {
    if (!Array.isArray(snapshots)) throw invalidInput(operation, "lineage.dataSnapshots", "lineage.dataSnapshots must be an array");
    snapshots.forEach((s: unknown, i) => {
      if (!isObject(s) || typeof s.uri !== "string" || s.uri === "") {
        throw invalidInput(operation, `lineage.dataSnapshots[${i}]`, "each data snapshot needs a `uri` string");
      }
      for (const key of ["digest", "role"] as const) {
        if (s[key] !== undefined && typeof s[key] !== "string") throw invalidInput(operation, `lineage.dataSnapshots[${i}].${key}`, `${key} must be a string`);
      }
    });
  }
  const synced = lineage.syncedFrom;
  if (synced !== undefined) {
    if (!isObject(synced) || !["registry", "model", "version", "digest"].every((k) => typeof synced[k] === "string")) {
      throw invalidInput(operation, "lineage.syncedFrom", "lineage.syncedFrom needs registry, model, version and digest strings");
    }
  }
}

/** Throws `InvalidInputError` unless `signature` is a well-formed {@link ModelSignature}. */
export function assertSignature(signature: unknown, operation: string): asserts signature is ModelSignature | undefined {
  if (signature === undefined) return;
  if (!isObject(signature) || !Array.isArray(signature.inputs))
    throw invalidInput(operation, "signature", "signature must be { inputs: [...], outputs?: [...] }");
  for (const side of ["inputs", "outputs"] as const) {
    const fields = signature[side];
    if (fields === undefined) continue;
    if (!Array.isArray(fields)) throw invalidInput(operation, `signature.${side}`, `signature.${side} must be an array`);
    fields.forEach((f: unknown, i) => {
      const where = `signature.${side}[${i}]`;
      if (!isObject(f) || typeof f.type !== "string" || !SIGNATURE_TYPES.has(f.type)) {
        throw invalidInput(operation, where, `${where} needs a type, one of ${[...SIGNATURE_TYPES].join(", ")}`);
      }
      if (f.name !== undefined && typeof f.name !== "string") throw invalidInput(operation, `${where}.name`, "name must be a string");
      if (f.shape !== undefined && !(Array.isArray(f.shape) && f.shape.every((d) => Number.isInteger(d) && d >= -1))) {
        throw invalidInput(operation, `${where}.shape`, "shape must be whole numbers, -1 for a free dimension");
      }
    });
  }
}

/** Throws `InvalidInputError` unless `card` is a well-formed {@link ModelCard}. */
export function assertModelCard(card: unknown, operation: string): asserts card is ModelCard | undefined {
  if (card === undefined) return;
  if (!isObject(card)) throw invalidInput(operation, "modelCard", "modelCard must be an object");
  for (const key of CARD_TEXT) {
    if (card[key] !== undefined && typeof card[key] !== "string") throw invalidInput(operation, `modelCard.${key}`, `modelCard.${key} must be a string`);
  }
  if (card.owners !== undefined && !(Array.isArray(card.owners) && card.owners.every((o) => typeof o === "string"))) {
    throw invalidInput(operation, "modelCard.owners", "modelCard.owners must be an array of strings");
  }
  if (card.fairness !== undefined) {
    if (!Array.isArray(card.fairness)) throw invalidInput(operation, "modelCard.fairness", "modelCard.fairness must be an array of { slice, metrics }");
    card.fairness.forEach((f: unknown, i) => {
      const where = `modelCard.fairness[${i}]`;
      if (!isObject(f) || typeof f.slice !== "string" || f.slice.trim() === "") throw invalidInput(operation, `${where}.slice`, `${where} needs a slice name`);
      if (!isObject(f.metrics) || !Object.values(f.metrics).every((m) => typeof m === "number" && Number.isFinite(m)))
        throw invalidInput(operation, `${where}.metrics`, `${where}.metrics must map metric names to finite numbers`);
      if (f.size !== undefined && !(Number.isInteger(f.size) && (f.size as number) >= 0))
        throw invalidInput(operation, `${where}.size`, `${where}.size must be a whole number`);
      if (f.note !== undefined && typeof f.note !== "string") throw invalidInput(operation, `${where}.note`, `${where}.note must be a string`);
    });
  }
}

/** The metadata of a `createVersion` input, checked and normalised (params as strings). */
export interface CheckedVersionMetadata {
  /** The version's description. */
  description: string | undefined;
  /** Its params, every value as a string. */
  params: Record<string, string>;
  /** Its metrics (a copy). */
  metrics: Record<string, number>;
  /** Its tags (a copy). */
  tags: Record<string, string>;
  /** Its lineage (a deep copy; `{}` when none was given). */
  lineage: Lineage;
  /** Its signature (a deep copy). */
  signature: ModelSignature | undefined;
  /** Its model card (a deep copy). */
  modelCard: ModelCard | undefined;
  /** The aliases to point at it, each checked, without repeats. */
  aliases: string[];
  /** The key that makes a retried create return the first version (`capabilities.idempotentCreate`). */
  idempotencyKey: string | undefined;
}

/**
 * Checks everything in a `createVersion` input except the artifacts (adapters resolve those with the artifact
 * helpers), and returns the metadata normalised.
 *
 * @throws InvalidInputError naming the first bad field.
 */
export function checkCreateVersionInput(input: CreateVersionInput, operation = "createVersion"): CheckedVersionMetadata {
  if (!isObject(input)) throw invalidInput(operation, "input", "createVersion takes an object with at least `artifacts`");
  if (input.artifacts === undefined) throw invalidInput(operation, "artifacts", "a version needs `artifacts`");
  if (input.description !== undefined && typeof input.description !== "string") throw invalidInput(operation, "description", "description must be a string");
  assertMetrics(input.metrics, operation);
  assertTags(input.tags, operation);
  assertLineage(input.lineage, operation);
  assertSignature(input.signature, operation);
  assertModelCard(input.modelCard, operation);
  const aliases = input.aliases ?? [];
  if (!Array.isArray(aliases)) throw invalidInput(operation, "aliases", "aliases must be an array of alias names");
  for (const [i, a] of aliases.entries()) assertAlias(a, operation, `aliases[${i}]`);
  if (input.idempotencyKey !== undefined && (typeof input.idempotencyKey !== "string" || input.idempotencyKey === "" || input.idempotencyKey.length > 256)) {
    throw invalidInput(operation, "idempotencyKey", "idempotencyKey must be a string of 1-256 characters");
  }
  return {
    description: input.description,
    params: normalizeParams(input.params, operation),
    metrics: { ...(input.metrics ?? {}) },
    tags: { ...(input.tags ?? {}) },
    lineage: structuredClone(input.lineage ?? {}),
    signature: input.signature === undefined ? undefined : structuredClone(input.signature),
    modelCard: input.modelCard === undefined ? undefined : structuredClone(input.modelCard),
    aliases: [...new Set(aliases)],
    idempotencyKey: input.idempotencyKey,
  };
}

/** Checks an `updateVersion` patch. */
export function checkUpdateVersionInput(patch: UpdateVersionInput, operation = "updateVersion"): void {
  if (!isObject(patch)) throw invalidInput(operation, "patch", "updateVersion takes an object");
  if (patch.description !== undefined && typeof patch.description !== "string") throw invalidInput(operation, "description", "description must be a string");
  assertTags(patch.tags, operation, { allowNull: true });
  assertMetrics(patch.metrics, operation);
  assertModelCard(patch.modelCard, operation);
}

/**
 * Parses `providerOptions.<provider>` with the adapter's schema. Other providers' options are left alone, so one
 * input can carry options for several registries (sync does).
 */
export function parseProviderOptions<O>(
  providerOptions: unknown,
  provider: Pick<RegistryProviderV1<O>, "provider" | "createVersionOptions">,
  op: string,
): O | undefined {
  if (providerOptions === undefined) return undefined;
  if (!isObject(providerOptions)) throw invalidInput(op, "providerOptions", "providerOptions must be an object keyed by provider", provider.provider);
  const own = Object.hasOwn(providerOptions, provider.provider) ? providerOptions[provider.provider] : undefined;
  if (own === undefined || !provider.createVersionOptions) return undefined;
  const parsed = provider.createVersionOptions.safeParse(own);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ["providerOptions", provider.provider, ...(issue?.path ?? []).map(String)].join(".");
  throw invalidInput(op, field, `${field}: ${issue?.message ?? "invalid"}`, provider.provider);
}

/** Throws `InvalidInputError` unless every metric is a finite number with a sensible key. */
export function assertMetrics(metrics: unknown, operation: string): void {
  if (metrics === undefined) return;
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw invalidInput(operation, "metrics", "metrics must be an object of names to numbers");
  }
  for (const [key, value] of Object.entries(metrics)) {
    if (key.length === 0 || key.length > TAG_KEY_MAX || CONTROL.test(key) || key === PROTO_KEY)
      throw invalidInput(operation, `metrics.${key}`, `invalid metric name ${preview(key)}`);
    if (typeof value !== "number" || !Number.isFinite(value))
      throw invalidInput(operation, `metrics.${key}`, `metric ${preview(key)} must be a finite number, got ${preview(value)}`);
  }
}

/** Throws `InvalidInputError` unless every param is a string, number or boolean; returns them as strings. */
export function normalizeParams(params: unknown, operation: string): Record<string, string> {
  if (params === undefined) return {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw invalidInput(operation, "params", "params must be an object of names to strings, numbers or booleans");
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (key.length === 0 || key.length > TAG_KEY_MAX || CONTROL.test(key) || key === PROTO_KEY)
      throw invalidInput(operation, `params.${key}`, `invalid param name ${preview(key)}`);
    if (typeof value === "number" && !Number.isFinite(value)) throw invalidInput(operation, `params.${key}`, `param ${preview(key)} must be finite`);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw invalidInput(operation, `params.${key}`, `param ${preview(key)} must be a string, number or boolean`);
    }
    out[key] = String(value);
  }
  return out;
}
