/**
 * Validating response bodies against wire schemas, with errors that name the field that drifted.
 *
 * The schema instance brings its own `safeParse`. Schemas built through {@link lazySchema} get zod's English messages
 * (src/core/zod-locale.ts), so a mismatch still reads "expected string, received number".
 *
 * @module
 */

import type * as z from "zod/mini";
import { shapeCheck } from "./shape-check.js";
import { ensureZodEnglish } from "../core/zod-locale.js";
import { ResponseValidationError, type ModelRegistryErrorOptions } from "../core/errors.js";

/**
 * Memoises a schema factory: the schema is built on first use, not at import time (building zod schemas at import
 * slows serverless cold starts), and only once.
 *
 * @example
 * ```ts
 * export const mlflowModelVersionSchema = lazySchema(() => z.object({ version: z.string() }));
 * await client.request({ operation: "getVersion", path, schema: mlflowModelVersionSchema });
 * ```
 */
export function lazySchema<S extends z.ZodMiniType>(build: () => S): () => S {
  let schema: S | undefined;
  return () => {
    if (schema === undefined) {
      ensureZodEnglish();
      schema = build();
    }
    return schema;
  };
}

/** Formats a zod issue path the way a person reads it: `model_versions[0].version`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Parses `value` with `schema`, or throws a {@link ResponseValidationError} whose `field` is the first failing
 * path. The message quotes zod's description of the mismatch but never the value, which may hold user data.
 *
 * @param at - Maps the failing path within `value` to its path in the whole response, when `value` is a part of it.
 */
export function parseWithSchema<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  options: ModelRegistryErrorOptions,
  at: (path: readonly PropertyKey[]) => readonly PropertyKey[] = (path) => path,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0];
  const path = at(first?.path ?? []);
  const field = path.length > 0 ? formatIssuePath(path) : undefined;
  const where = field ? `at ${field}` : "at the top level";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? "s" : ""})` : "";
  const detail = first?.message ?? "invalid";
  throw new ResponseValidationError(`the response did not match the expected shape ${where}: ${detail}${more}`, {
    ...options,
    field,
    isRetryable: false,
  });
}

/**
 * Checks `value` against `schema` like {@link parseWithSchema}, but returns `value` itself, with every field it came
 * with, rather than zod's copy of the fields the schema names. For large pages, where that copy doubled what the
 * garbage collector traced (bench/listing.ts), and where the untouched object is what `raw` should show. The check
 * allocates nothing ({@link shapeCheck}); zod runs only when it fails, for the message. Only for schemas without
 * transforms, defaults or catches, whose effects would be in zod's copy.
 */
export function checkWithSchema<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  options: ModelRegistryErrorOptions,
  at?: (path: readonly PropertyKey[]) => readonly PropertyKey[],
): z.output<S> {
  if (!shapeCheck(schema)(value)) parseWithSchema(schema, value, options, at);
  return value as z.output<S>;
}
