/**
 * Input checks for sync, done before any registry call so bad input costs nothing and fails the same way everywhere.
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import { assertModelName, preview } from "../core/validation.js";
import type { ApplySyncOptions } from "./sync-report.js";
import type { SyncPlanInput } from "./sync-types.js";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function isRegistry(value: unknown): value is ModelRegistry {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.provider === "string" &&
    typeof r.capabilities === "object" &&
    r.capabilities !== null &&
    ["listModels", "listVersions", "createVersion", "listArtifacts", "openArtifact", "setAlias", "transitionStage", "updateVersion"].every(
      (m) => typeof r[m] === "function",
    )
  );
}

function assertSignal(signal: unknown, operation: string): void {
  if (signal !== undefined && !(typeof signal === "object" && signal !== null && typeof (signal as AbortSignal).aborted === "boolean")) {
    throw invalidInput(operation, "signal", "signal must be an AbortSignal");
  }
}

/** Throws `InvalidInputError` unless `input` is a usable {@link SyncPlanInput}. */
export function checkPlanInput(input: SyncPlanInput, operation: string): void {
  if (typeof input !== "object" || input === null) throw invalidInput(operation, "input", "sync takes { source, target, models?, versions?, ... }");
  if (!isRegistry(input.source)) throw invalidInput(operation, "source", "source must be a ModelRegistry");
  if (!isRegistry(input.target)) throw invalidInput(operation, "target", "target must be a ModelRegistry");
  // A registry synced into itself would copy every version next to itself, forever, one run after another.
  if (input.source === input.target) throw invalidInput(operation, "target", "source and target are the same registry");
  const { models } = input;
  if (models !== undefined && typeof models !== "function") {
    if (!Array.isArray(models)) throw invalidInput(operation, "models", "models must be an array of model names or a predicate");
    if (models.length === 0) throw invalidInput(operation, "models", "models is empty: omit it to sync every model");
    for (const [i, m] of models.entries()) assertModelName(m, operation, `models[${i}]`);
  }
  const { versions } = input;
  if (versions !== undefined && versions !== "all" && versions !== "aliased" && typeof versions !== "function") {
    throw invalidInput(operation, "versions", `versions must be "all", "aliased" or a predicate, got ${preview(versions)}`);
  }
  for (const key of ["aliases", "stages"] as const) {
    if (input[key] !== undefined && typeof input[key] !== "boolean") throw invalidInput(operation, key, `${key} must be a boolean`);
  }
  const { sourceName } = input;
  if (sourceName !== undefined && (typeof sourceName !== "string" || sourceName.trim() === "" || sourceName.length > 500 || CONTROL.test(sourceName))) {
    throw invalidInput(operation, "sourceName", `sourceName must be 1-500 printable characters, got ${preview(sourceName)}`);
  }
  if (input.reservedAliases !== undefined) {
    if (!Array.isArray(input.reservedAliases)) throw invalidInput(operation, "reservedAliases", "reservedAliases must be an array of aliases");
    input.reservedAliases.forEach((a, i) => {
      if (typeof a !== "string" || a === "") throw invalidInput(operation, `reservedAliases[${i}]`, "each reserved alias must be a non-empty string");
    });
  }
  assertSignal(input.signal, operation);
}

/** Throws `InvalidInputError` unless `options` are usable {@link ApplySyncOptions}. */
export function checkApplyOptions(options: ApplySyncOptions, operation: string): void {
  if (typeof options !== "object" || options === null) throw invalidInput(operation, "options", "options must be an object");
  const { concurrency } = options;
  if (concurrency !== undefined && !(typeof concurrency === "number" && Number.isInteger(concurrency) && concurrency >= 1)) {
    throw invalidInput(operation, "concurrency", `concurrency must be a whole number of at least 1, got ${preview(concurrency)}`);
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") throw invalidInput(operation, "onEvent", "onEvent must be a function");
  if (options.failFast !== undefined && typeof options.failFast !== "boolean") throw invalidInput(operation, "failFast", "failFast must be a boolean");
  if (options.tempDirectory !== undefined && (typeof options.tempDirectory !== "string" || options.tempDirectory === "")) {
    throw invalidInput(operation, "tempDirectory", "tempDirectory must be a path");
  }
  assertSignal(options.signal, operation);
}
