// Checks request bodies against the contract derived from the Hub's own specification
// (test/contracts/huggingface-contract.json, written by scripts/derive-hf-contract.mjs from @huggingface/hub's API
// types plus a supplement from huggingface_hub). The Hub ignores fields it does not know, so the check refuses only
// what a strict reading of the types refuses: a wrong type, a missing required field, a value outside an enum.
import { readFileSync } from "node:fs";

/** A type descriptor as the derive script writes it. */
export interface Descriptor {
  type?: "string" | "number" | "boolean" | "null" | "unknown" | "array" | "object";
  enum?: Array<string | number | boolean>;
  ref?: string;
  anyOf?: Descriptor[];
  items?: Descriptor;
  fields?: Record<string, Descriptor & { required: boolean }>;
  additional?: Descriptor;
  /** An object type declared elsewhere that the contract keeps by name only. */
  opaque?: string;
}

/** One endpoint the fake serves, as the contract lists it. */
export interface ContractEndpoint {
  id: string;
  method: string;
  path: string;
  body?: string;
  contentTypes?: string[];
  query?: string[];
}

export interface HubContract {
  source: Record<string, string>;
  endpoints: ContractEndpoint[];
  modelExpandKeys: string[];
  types: Record<string, Descriptor>;
}

export const CONTRACT_PATH = new URL("../../contracts/huggingface-contract.json", import.meta.url);
export const contract: HubContract = JSON.parse(readFileSync(CONTRACT_PATH, "utf8"));

const endpoints = new Map(contract.endpoints.map((e) => [e.id, e]));

/** The contract's entry for an endpoint id; a fake route without one is a bug in the fake. */
export function endpoint(id: string): ContractEndpoint {
  const found = endpoints.get(id);
  if (!found) throw new Error(`the Hub contract has no endpoint ${id}`);
  return found;
}

/** The model fields `expand` may name (JS MODEL_EXPANDABLE_KEYS and Python ExpandModelProperty_T). */
export const MODEL_EXPAND_KEYS: ReadonlySet<string> = new Set(contract.modelExpandKeys);

const kindOf = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/** What is wrong with `value` as an instance of `descriptor`, each problem naming its JSON path; empty when it conforms. */
export function descriptorProblems(descriptor: Descriptor, value: unknown, path = "$"): string[] {
  if (descriptor.ref) {
    const target = contract.types[descriptor.ref];
    if (!target) return [`${path}: unknown contract type ${descriptor.ref}`];
    return descriptorProblems(target, value, path);
  }
  if (descriptor.anyOf) {
    const tried = descriptor.anyOf.map((d) => ({ d, problems: descriptorProblems(d, value, path) }));
    if (tried.some((t) => t.problems.length === 0)) return [];
    // A branch whose single-value fields (the commit lines' `key`) match speaks for the union; without one, none fits.
    const keyed = tried.filter((t) => discriminated(t.d, value) === true);
    if (keyed.length > 0) return keyed.reduce((best, t) => (t.problems.length < best.problems.length ? t : best)).problems;
    if (tried.every((t) => discriminated(t.d, value) === false))
      return [`${path}: matches none of the forms ${tried.map((t) => `(${t.problems.join("; ")})`).join(" | ")}`];
    return tried.reduce((best, t) => (t.problems.length < best.problems.length ? t : best)).problems;
  }
  if (descriptor.enum) {
    return descriptor.enum.includes(value as string)
      ? []
      : [`${path}: ${JSON.stringify(value)} is not one of ${descriptor.enum.map((v) => JSON.stringify(v)).join(", ")}`];
  }
  switch (descriptor.type) {
    case "unknown":
      return [];
    case "string":
    case "boolean":
    case "null":
      return kindOf(value) === descriptor.type ? [] : [`${path}: expected ${descriptor.type}, got ${kindOf(value)}`];
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? [] : [`${path}: expected number, got ${kindOf(value)}`];
    case "array": {
      if (!Array.isArray(value)) return [`${path}: expected array, got ${kindOf(value)}`];
      return value.flatMap((item, i) => (descriptor.items ? descriptorProblems(descriptor.items, item, `${path}[${i}]`) : []));
    }
    case "object": {
      if (kindOf(value) !== "object") return [`${path}: expected object, got ${kindOf(value)}`];
      if (descriptor.opaque) return [];
      const record = value as Record<string, unknown>;
      const problems: string[] = [];
      for (const [name, field] of Object.entries(descriptor.fields ?? {})) {
        const member = record[name];
        if (member === undefined) {
          if (field.required) problems.push(`${path}.${name}: required`);
        } else problems.push(...descriptorProblems(field, member, `${path}.${name}`));
      }
      if (descriptor.additional) {
        for (const [name, member] of Object.entries(record)) {
          if (!(name in (descriptor.fields ?? {}))) problems.push(...descriptorProblems(descriptor.additional, member, `${path}.${name}`));
        }
      }
      return problems;
    }
    default:
      return [`${path}: the contract descriptor has no type`];
  }
}

/**
 * Whether `value` carries the single-value fields of an object form (true), contradicts one (false), or the form has
 * none (undefined); through references and unions.
 */
function discriminated(descriptor: Descriptor, value: unknown): boolean | undefined {
  if (descriptor.ref) return contract.types[descriptor.ref] && discriminated(contract.types[descriptor.ref] as Descriptor, value);
  if (descriptor.anyOf) {
    const each = descriptor.anyOf.map((d) => discriminated(d, value));
    return each.includes(true) ? true : each.every((e) => e === false) ? false : undefined;
  }
  const literals = Object.entries(descriptor.fields ?? {}).filter(([, f]) => f.enum?.length === 1);
  if (literals.length === 0 || kindOf(value) !== "object") return undefined;
  return literals.every(([name, f]) => (value as Record<string, unknown>)[name] === f.enum?.[0]);
}

/** What is wrong with `value` as an instance of the contract type `name`. */
export function typeProblems(name: string, value: unknown): string[] {
  return descriptorProblems({ ref: name }, value);
}
