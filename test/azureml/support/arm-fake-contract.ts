// The ARM fake's routes and request checks, from the contract derived from azure-ai-ml 1.35.2's generated client
// (test/contracts/azureml-contract.json, written by scripts/derive-azureml-contract.mjs). Every path the fake serves is
// one of the contract's templates, every api-version it takes is one the contract lists for that operation, and every
// request body is checked against the operation's body type.
//
// The check is strict where ARM's is unknown (guess): an unknown field, a wrongly typed value, a missing required
// field, or a discriminator value the fake does not serve is refused, so a typo in an adapter's body fails a test
// rather than being silently dropped. Read-only fields in a request are ignored, as ARM's RPC guidelines require of
// resource providers (a client may PUT back what it read). Enum values compare case-insensitively (guess: the
// service's enums are case-insensitive like the generated client's CaseInsensitiveEnumMeta).
import { readFileSync } from "node:fs";

/** A field's or item's type, as the derive script writes it. */
export interface Descriptor {
  type?: "string" | "integer" | "number" | "boolean" | "object" | "array" | "unknown";
  format?: "date-time" | "duration";
  enum?: string[];
  ref?: string;
  items?: Descriptor;
  additional?: Descriptor;
  /** An object type the contract keeps by name only. */
  opaque?: string;
}

export interface FieldDescriptor extends Descriptor {
  required: boolean;
  readOnly?: boolean;
  /** Sent by clients, never answered (secrets, keys). */
  writeOnly?: boolean;
}

export interface ContractType {
  fields: Record<string, FieldDescriptor>;
  discriminator?: { property: string; mapping: Record<string, string> };
}

export interface ContractOperation {
  id: string;
  method: string;
  path: string;
  apiVersions: string[];
  query: string[];
  body?: string;
  bodyRequired?: boolean;
  /**
   * Dotted paths of fields azure-ai-ml adds by hand to the body at an api-version (the registry version PUT's
   * `properties.system_metadata` at 2021-10-01-dataplanepreview), taken at that api-version only.
   */
  bodyExtras?: Record<string, string[]>;
  response?: string | { list: string };
  statuses: number[];
  lro?: boolean;
  headers?: Record<string, string[]>;
}

export interface AzureMlContract {
  source: Record<string, string>;
  apiVersions: { default: string; sdk: Record<string, string[]>; registryDataplane: string };
  operations: ContractOperation[];
  types: Record<string, ContractType>;
}

export const CONTRACT_PATH = new URL("../../contracts/azureml-contract.json", import.meta.url);
export const contract: AzureMlContract = JSON.parse(readFileSync(CONTRACT_PATH, "utf8"));

/** Every api-version some operation takes. */
export const KNOWN_API_VERSIONS: ReadonlySet<string> = new Set(contract.operations.flatMap((o) => o.apiVersions));

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A template as a pattern: fixed segments case-insensitive (ARM's are), each `{param}` one raw segment. */
function compile(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        names.push(param[1] as string);
        return "([^/]+)";
      }
      return escapeRegExp(segment);
    })
    .join("/");
  return { pattern: new RegExp(`^${source}/?$`, "i"), names };
}

const compiled = contract.operations.map((op) => ({ op, ...compile(op.path) }));

/** A request's path matched to the contract. */
export interface Matched {
  op: ContractOperation;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

/**
 * The operation a method and raw path name; `"method"` when the path is known but not for that method, undefined when
 * no template matches.
 */
export function matchOperation(method: string, path: string): Matched | "method" | undefined {
  let pathKnown = false;
  for (const { op, pattern, names } of compiled) {
    const m = pattern.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (op.method !== method) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decode(m[i + 1] as string);
    });
    return { op, params };
  }
  return pathKnown ? "method" : undefined;
}

/** Decodes a path segment; a malformed escape is kept as sent. */
export function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const kindOf = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);
/** ISO 8601 durations as the generated client writes timedelta (`PT1M30S`, `P1DT2H`). */
const DURATION = /^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?!$)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

/** Whether a check reads a request (ARM's rules) or one of the fake's own answers (held to the client's model). */
export type Direction = "request" | "response";

/** What is wrong with `value` as an instance of `descriptor`, each problem naming its JSON path; empty when it conforms. */
export function descriptorProblems(descriptor: Descriptor, value: unknown, direction: Direction, path = "$"): string[] {
  if (descriptor.ref) return typeProblemsAt(descriptor.ref, value, direction, path);
  switch (descriptor.type) {
    case "unknown":
      return [];
    case "string": {
      if (typeof value !== "string") return [`${path}: expected string, got ${kindOf(value)}`];
      if (descriptor.enum) {
        const known = direction === "request" ? descriptor.enum.some((e) => e.toLowerCase() === value.toLowerCase()) : descriptor.enum.includes(value);
        if (!known) return [`${path}: ${JSON.stringify(value)} is not one of ${descriptor.enum.join(", ")}`];
      }
      if (descriptor.format === "date-time" && Number.isNaN(Date.parse(value))) return [`${path}: ${JSON.stringify(value)} is not a date-time`];
      if (descriptor.format === "duration" && !DURATION.test(value)) return [`${path}: ${JSON.stringify(value)} is not an ISO 8601 duration`];
      return [];
    }
    case "integer":
      return Number.isSafeInteger(value) ? [] : [`${path}: expected integer, got ${kindOf(value)} ${JSON.stringify(value)}`];
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? [] : [`${path}: expected number, got ${kindOf(value)}`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path}: expected boolean, got ${kindOf(value)}`];
    case "array":
      if (!Array.isArray(value)) return [`${path}: expected array, got ${kindOf(value)}`];
      return value.flatMap((item, i) => (descriptor.items ? descriptorProblems(descriptor.items, item, direction, `${path}[${i}]`) : []));
    case "object": {
      if (kindOf(value) !== "object") return [`${path}: expected object, got ${kindOf(value)}`];
      if (descriptor.opaque || !descriptor.additional) return [];
      const additional = descriptor.additional;
      return Object.entries(value as Record<string, unknown>).flatMap(([key, member]) => descriptorProblems(additional, member, direction, `${path}.${key}`));
    }
    default:
      return [`${path}: the contract descriptor has no type`];
  }
}

function typeProblemsAt(name: string, value: unknown, direction: Direction, path: string): string[] {
  const type = contract.types[name];
  if (!type) return [`${path}: unknown contract type ${name}`];
  if (kindOf(value) !== "object") return [`${path}: expected object, got ${kindOf(value)}`];
  const record = value as Record<string, unknown>;
  if (type.discriminator) {
    const { property, mapping } = type.discriminator;
    const tag = record[property];
    if (typeof tag !== "string") return [`${path}.${property}: required (one of ${Object.keys(mapping).join(", ")})`];
    const sub = Object.entries(mapping).find(([key]) => (direction === "request" ? key.toLowerCase() === tag.toLowerCase() : key === tag));
    if (!sub) return [`${path}.${property}: ${JSON.stringify(tag)} is not supported (one of ${Object.keys(mapping).join(", ")})`];
    return typeProblemsAt(sub[1], value, direction, path);
  }
  const problems: string[] = [];
  for (const [field, descriptor] of Object.entries(type.fields)) {
    const member = record[field];
    const skipped = direction === "request" ? descriptor.readOnly : descriptor.writeOnly;
    if (member === undefined) {
      if (descriptor.required && !skipped) problems.push(`${path}.${field}: required`);
      continue;
    }
    if (skipped) {
      if (direction === "response") problems.push(`${path}.${field}: write-only, must not be answered`);
      continue;
    }
    // Guess: the service writes unset optional properties as null, and clients may send null for "unset".
    if (member === null && !descriptor.required) continue;
    problems.push(...descriptorProblems(descriptor, member, direction, `${path}.${field}`));
  }
  for (const field of Object.keys(record)) if (!(field in type.fields)) problems.push(`${path}.${field}: unknown field`);
  return problems;
}

/** What is wrong with `value` as an instance of the contract type `name`. */
export function typeProblems(name: string, value: unknown, direction: Direction = "request"): string[] {
  return typeProblemsAt(name, value, direction, "$");
}

/** What is wrong with a response body of an operation (for the fake's own test). */
export function responseProblems(op: ContractOperation, body: unknown): string[] {
  if (!op.response) return body === undefined ? [] : ["$: the operation answers no body"];
  if (typeof op.response === "string") return typeProblems(op.response, body, "response");
  const page = body as { value?: unknown; nextLink?: unknown };
  if (kindOf(page) !== "object" || !Array.isArray(page.value)) return ["$.value: expected array"];
  const list = op.response.list;
  const problems = page.value.flatMap((item, i) => typeProblemsAt(list, item, "response", `$.value[${i}]`));
  if (page.nextLink !== undefined && typeof page.nextLink !== "string") problems.push("$.nextLink: expected string");
  for (const key of Object.keys(page)) if (key !== "value" && key !== "nextLink") problems.push(`$.${key}: unknown field`);
  return problems;
}
