/**
 * The record modelreg keeps beside a version's files (`modelreg.json`, next to the `model/` folder `modelUri` names):
 * what Azure ML has no field for (params, metrics, lineage, signature, card, every file's SHA-256 and size).
 * Written once before the version exists, never changed: what changes later (description, tags, stage) lives on the
 * Azure resource.
 *
 * @module
 */

import * as z from "zod/mini";
import { CorruptDataError } from "../../core/errors.js";
import { lazySchema } from "../../http/schema.js";
import { PROVIDER, RECORD_FORMAT } from "./azureml-names.js";

const recordSchema = lazySchema(() =>
  z.object({
    format: z.literal(RECORD_FORMAT),
    model: z.string(),
    token: z.string(),
    params: z.record(z.string(), z.string()),
    metrics: z.record(z.string(), z.number()),
    lineage: z.record(z.string(), z.unknown()),
    signature: z.optional(z.record(z.string(), z.unknown())),
    modelCard: z.optional(z.record(z.string(), z.unknown())),
    files: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string() })),
    createdBy: z.string(),
    createdAt: z.string(),
  }),
);

/** `modelreg.json`. */
export type VersionRecord = z.output<ReturnType<typeof recordSchema>>;

/** Parses a record read from storage, or throws `CorruptDataError` naming where it was. */
export function parseRecord(json: unknown, where: string, operation: string): VersionRecord {
  const parsed = recordSchema().safeParse(json);
  if (!parsed.success)
    throw new CorruptDataError(`${where} is not a modelreg record: ${parsed.error.issues[0]?.message ?? "invalid"}`, { provider: PROVIDER, operation });
  return parsed.data;
}
