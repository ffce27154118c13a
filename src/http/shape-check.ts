/**
 * A yes/no check of a value against a zod schema that allocates nothing, for the large pages where zod's parse (which
 * builds a copy of everything it checks) cost as much as parsing the JSON (bench/listing.ts).
 *
 * It understands the plain shapes wire schemas are made of: objects, arrays, strings, finite numbers, booleans,
 * literals, unions, optional, nullable and unknown. Any other part of a schema, and any part with checks of its own
 * (a regex, a minimum), is handed to zod. It never accepts what zod refuses; where it refuses, the caller asks zod
 * for the message.
 *
 * @module
 */

import type * as z from "zod/mini";

type Check = (value: unknown) => boolean;

/** The parts of a zod definition this file reads. */
interface Def {
  type: string;
  checks?: unknown[];
  shape?: Record<string, z.ZodMiniType>;
  catchall?: z.ZodMiniType;
  element?: z.ZodMiniType;
  innerType?: z.ZodMiniType;
  options?: z.ZodMiniType[];
  values?: unknown[];
}

const compiled = new WeakMap<object, Check>();

/** The check for `schema`, compiled once per schema. */
export function shapeCheck(schema: z.ZodMiniType): Check {
  let check = compiled.get(schema);
  if (!check) {
    check = compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function compile(schema: z.ZodMiniType): Check {
  const def = schema._zod.def as unknown as Def;
  const byZod: Check = (value) => schema.safeParse(value).success;
  if (def.checks && def.checks.length > 0) return byZod;
  switch (def.type) {
    case "string":
      return (value) => typeof value === "string";
    case "number":
      return (value) => typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return (value) => typeof value === "boolean";
    case "unknown":
    case "any":
      return () => true;
    case "literal": {
      const values = def.values ?? [];
      return (value) => values.includes(value);
    }
    case "optional": {
      const inner = shapeCheck(def.innerType as z.ZodMiniType);
      return (value) => value === undefined || inner(value);
    }
    case "nullable": {
      const inner = shapeCheck(def.innerType as z.ZodMiniType);
      return (value) => value === null || inner(value);
    }
    case "union": {
      const options = (def.options ?? []).map(shapeCheck);
      return (value) => options.some((option) => option(value));
    }
    case "array": {
      const element = shapeCheck(def.element as z.ZodMiniType);
      return (value) => Array.isArray(value) && value.every(element);
    }
    case "object": {
      // A catchall (strict or loose objects, records of extra keys) is zod's to judge.
      if (def.catchall !== undefined) return byZod;
      const fields = Object.entries(def.shape ?? {}).map(([key, field]) => [key, shapeCheck(field)] as const);
      return (value) => {
        if (!isObject(value)) return false;
        for (const [key, field] of fields) if (!field(value[key])) return false;
        return true;
      };
    }
    default:
      return byZod;
  }
}
