/**
 * The on-disk records, with zod schemas to check them when read back: a file edited by hand, truncated by a crash
 * of another tool, or not ours at all becomes a clear `CorruptDataError` instead of a crash further on.
 * Schemas are built on first use, not at import.
 *
 * @module
 */

import * as z from "zod/mini";
import { ensureZodEnglish } from "../../core/zod-locale.js";
import { plainMap } from "./local-util.js";
import type { Lineage, ModelCard, Stage } from "../../core/types.js";
import type { ModelSignature } from "../../core/signature.js";

/** The on-disk format version this code reads and writes. */
export const LOCAL_FORMAT = { format: "modelreg-local", version: 1 } as const;

/** A registered model on disk. */
export interface ModelRecord {
  name: string;
  description?: string;
  tags: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** The highest version number ever given out, so a deleted version's number is never reused. */
  lastVersion: number;
}

/** One file of a version on disk. */
export interface FileRecord {
  path: string;
  size: number;
  sha256: string;
  md5: string;
}

/** A version on disk. */
export interface VersionRecord {
  model: string;
  version: string;
  description?: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  lineage: Lineage;
  signature?: ModelSignature;
  modelCard?: ModelCard;
  stage: Stage;
  files: FileRecord[];
  digest: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  idempotencyKey?: string;
}

/** A model's aliases on disk. */
export interface AliasesRecord {
  aliases: Record<string, string>;
}

let cache: ReturnType<typeof build> | undefined;

/** The schemas, built once on first use. */
export function localSchemas(): ReturnType<typeof build> {
  cache ??= build();
  return cache;
}

function build() {
  // zod/mini reports issues without a custom message in English only once a locale is registered (zod classic did it
  // itself); the corrupt-record errors quote these messages.
  ensureZodEnglish();
  // Not z.record: it drops a "__proto__" key and returns an object whose inherited names ("constructor") read as
  // entries. These maps hold user-chosen keys, so they come back as prototype-free objects holding exactly the file's.
  const mapOf = <V>(check: (v: unknown) => v is V, what: string) =>
    z.pipe(
      z.custom<Record<string, V>>(
        (v) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(check),
        `expected an object of ${what}`,
      ),
      z.transform((v: Record<string, V>) => plainMap(v)),
    );
  const stringMap = mapOf((v): v is string => typeof v === "string", "strings");
  const iso = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), "not a date"));
  // Lineage, signatures and cards are the caller's structures, checked on the way in; here only their outline.
  const object = z.record(z.string(), z.unknown());
  // z.number().check(z.int()) is what zod classic's z.number().int() was: the same checks, the same messages.
  const count = () => z.number().check(z.int(), z.nonnegative());
  const marker = z.object({ format: z.literal(LOCAL_FORMAT.format), version: z.number().check(z.int()) });
  const model = z.object({
    name: z.string(),
    description: z.optional(z.string()),
    tags: stringMap,
    createdAt: iso,
    updatedAt: iso,
    lastVersion: count(),
  });
  const file = z.object({ path: z.string(), size: count(), sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)), md5: z.string() });
  const version = z.object({
    model: z.string(),
    version: z.string().check(z.regex(/^[0-9]+$/)),
    description: z.optional(z.string()),
    params: stringMap,
    metrics: mapOf((v): v is number => typeof v === "number", "numbers"),
    tags: stringMap,
    lineage: object,
    signature: z.optional(object),
    modelCard: z.optional(object),
    stage: z.enum(["draft", "staging", "production", "archived"]),
    files: z.array(file),
    digest: z.string(),
    createdBy: z.string(),
    createdAt: iso,
    updatedAt: iso,
    idempotencyKey: z.optional(z.string()),
  });
  const aliases = z.object({ aliases: stringMap });
  const idempotency = z.object({ version: z.string().check(z.regex(/^[0-9]+$/)) });
  const event = z.object({
    id: z.string(),
    type: z.string(),
    at: iso,
    actor: z.string(),
    provider: z.string(),
    model: z.string(),
    version: z.optional(z.string()),
    alias: z.optional(z.string()),
    stage: z.optional(z.enum(["draft", "staging", "production", "archived"])),
    from: z.optional(z.string()),
    to: z.optional(z.string()),
    details: z.optional(object),
  });
  return { marker, model, version, aliases, idempotency, event };
}
