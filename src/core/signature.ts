/**
 * Model signatures: the shape of what a model takes and returns, and a checker that explains mismatches.
 *
 * @module
 */

import { ownValue } from "./own-keys.js";

/** The scalar types a column can hold. They match MLflow's schema types, so signatures travel unchanged. */
export type ColumnType = "string" | "integer" | "long" | "float" | "double" | "boolean" | "binary" | "datetime";

/** One named column (tabular models) or tensor (deep-learning models). */
export interface SignatureField {
  /** The column or tensor name. Optional only for a single unnamed tensor. */
  name?: string;
  /** A column type, or `tensor`. */
  type: ColumnType | "tensor";
  /** For tensors: the element type, as numpy names it (`float32`, `int64`, ...). */
  dtype?: string;
  /** For tensors: the shape; `-1` is a free dimension (the batch, usually). */
  shape?: number[];
  /** The column may be missing or null. */
  optional?: boolean;
}

/** A model's inputs and outputs. */
export interface ModelSignature {
  /** What the model takes. */
  inputs: SignatureField[];
  /** What the model returns. */
  outputs?: SignatureField[];
}

/** One way an input does not fit a signature. */
export interface SignatureProblem {
  /** The column, or `row[3].age` for a row-level problem. */
  field: string;
  /** `missing`, `unexpected`, `type` or `shape`. */
  kind: "missing" | "unexpected" | "type" | "shape";
  /** A sentence a person can act on. */
  message: string;
}

/** What {@link checkSignature} found. */
export interface SignatureCheck {
  /** True when there are no problems. */
  ok: boolean;
  /** Every problem found, at most `maxProblems` of them. */
  problems: SignatureProblem[];
}

/** Options for {@link checkSignature}. */
export interface CheckSignatureOptions {
  /** Columns not in the signature are problems. Default `true`. */
  strict?: boolean;
  /** Stop after this many problems. Default 20. */
  maxProblems?: number;
}

/**
 * Checks an input against a signature's inputs and explains every mismatch.
 *
 * The input is one row (`{ age: 31 }`), a list of rows, or columns (`{ age: [31, 40] }`) for column signatures; for a
 * tensor signature it is a nested array (or `{ name: nestedArray }` for named tensors).
 *
 * @example
 * ```ts
 * const check = checkSignature(version.signature!, [{ age: 31, income: "high" }]);
 * if (!check.ok) console.log(check.problems.map((p) => p.message).join("\n"));
 * ```
 */
export function checkSignature(signature: ModelSignature, input: unknown, options: CheckSignatureOptions = {}): SignatureCheck {
  const max = options.maxProblems ?? 20;
  const strict = options.strict ?? true;
  const problems: SignatureProblem[] = [];
  const add = (p: SignatureProblem) => {
    if (problems.length < max) problems.push(p);
  };
  const tensors = signature.inputs.filter((f) => f.type === "tensor");
  if (tensors.length > 0 && tensors.length === signature.inputs.length) {
    checkTensors(tensors, input, add);
  } else {
    checkColumns(signature.inputs, input, strict, add);
  }
  return { ok: problems.length === 0, problems };
}

type Add = (p: SignatureProblem) => void;

function checkColumns(fields: SignatureField[], input: unknown, strict: boolean, add: Add): void {
  const rows = toRows(input);
  if (rows === undefined) {
    add({ field: "input", kind: "type", message: "expected a row object, an array of rows, or an object of columns" });
    return;
  }
  const known = new Set(fields.map((f) => f.name ?? ""));
  rows.forEach((row, i) => {
    const where = rows.length === 1 ? "" : `row[${i}].`;
    for (const field of fields) {
      const name = field.name ?? "";
      const value = ownValue(row, name);
      if (value === undefined || value === null) {
        if (!field.optional) add({ field: `${where}${name}`, kind: "missing", message: `column "${name}" is required but missing` });
        continue;
      }
      const problem = typeMismatch(field.type as ColumnType, value);
      if (problem) add({ field: `${where}${name}`, kind: "type", message: `column "${name}" must be ${field.type}, got ${problem}` });
    }
    if (strict) {
      for (const key of Object.keys(row)) {
        if (!known.has(key)) add({ field: `${where}${key}`, kind: "unexpected", message: `column "${key}" is not in the signature` });
      }
    }
  });
}

function toRows(input: unknown): Array<Record<string, unknown>> | undefined {
  if (Array.isArray(input)) {
    return input.every((r) => typeof r === "object" && r !== null && !Array.isArray(r)) ? (input as Array<Record<string, unknown>>) : undefined;
  }
  if (typeof input !== "object" || input === null) return undefined;
  const record = input as Record<string, unknown>;
  const values = Object.values(record);
  if (values.length > 0 && values.every(Array.isArray)) {
    // Columnar input: turn { a: [1, 2], b: [3, 4] } into rows so one code path explains both shapes.
    const length = Math.max(...values.map((v) => (v as unknown[]).length));
    return Array.from({ length }, (_, i) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, (v as unknown[])[i]])));
  }
  return [record];
}

function typeMismatch(type: ColumnType, value: unknown): string | undefined {
  const actual = describe(value);
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : actual;
    case "integer":
    case "long":
      return (typeof value === "number" && Number.isInteger(value)) || typeof value === "bigint" ? undefined : actual;
    case "float":
    case "double":
      return typeof value === "number" ? undefined : actual;
    case "boolean":
      return typeof value === "boolean" ? undefined : actual;
    case "binary":
      return value instanceof Uint8Array || typeof value === "string" ? undefined : actual;
    case "datetime":
      return value instanceof Date || (typeof value === "string" && !Number.isNaN(Date.parse(value))) ? undefined : actual;
  }
}

function describe(value: unknown): string {
  if (typeof value === "number" && !Number.isInteger(value)) return `a fractional number (${value})`;
  if (typeof value === "number") return `a number (${value})`;
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return typeof value;
}

function checkTensors(fields: SignatureField[], input: unknown, add: Add): void {
  if (fields.length === 1 && !fields[0]?.name) {
    checkTensor(fields[0]!, "input", input, add);
    return;
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    add({ field: "input", kind: "type", message: "expected an object of named tensors" });
    return;
  }
  const record = input as Record<string, unknown>;
  for (const field of fields) {
    const name = field.name ?? "";
    const value = ownValue(record, name);
    if (value === undefined) {
      if (!field.optional) add({ field: name, kind: "missing", message: `tensor "${name}" is required but missing` });
      continue;
    }
    checkTensor(field, name, value, add);
  }
}

function checkTensor(field: SignatureField, name: string, value: unknown, add: Add): void {
  const shape = shapeOf(value);
  if (shape === undefined) {
    add({ field: name, kind: "shape", message: `tensor "${name}" is ragged or not a nested array of numbers` });
    return;
  }
  const expected = field.shape;
  if (!expected) return;
  if (expected.length !== shape.length) {
    add({
      field: name,
      kind: "shape",
      message: `tensor "${name}" must have ${expected.length} dimensions ${fmt(expected)}, got ${shape.length} ${fmt(shape)}`,
    });
    return;
  }
  expected.forEach((dim, i) => {
    if (dim !== -1 && dim !== shape[i]) {
      add({
        field: name,
        kind: "shape",
        message: `tensor "${name}" dimension ${i} must be ${dim}, got ${shape[i]} (shape ${fmt(shape)}, expected ${fmt(expected)})`,
      });
    }
  });
}

function fmt(shape: number[]): string {
  return `(${shape.join(", ")})`;
}

function shapeOf(value: unknown): number[] | undefined {
  if (typeof value === "number" || typeof value === "boolean") return [];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return [(value as unknown as ArrayLike<number>).length];
  if (!Array.isArray(value)) return undefined;
  if (value.length === 0) return [0];
  const inner = value.map(shapeOf);
  const first = inner[0];
  if (!first || inner.some((s) => !s || s.length !== first.length || s.some((d, i) => d !== first[i]))) return undefined;
  return [value.length, ...first];
}
