// Checks a request against the contract derived from Google's discovery documents (test/contracts), and answers
// the way Google does when it refuses one: HTTP 400 with a google.rpc.Status body, status INVALID_ARGUMENT.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface Field {
  type?: string;
  format?: string;
  ref?: string;
  enum?: string[];
  items?: Field;
  additionalProperties?: Field;
  required?: boolean;
  outputOnly?: boolean;
}
interface Schema {
  type: string;
  properties: Record<string, Field>;
  additionalProperties?: Field;
}
interface Method {
  httpMethod: string;
  path: string;
  parameters: Record<string, { location: string; type: string; format?: string; required?: boolean; repeated?: boolean; enum?: string[]; pattern?: string }>;
  request?: string;
  response?: string;
}
interface Contract {
  methods: Record<string, Method>;
  schemas: Record<string, Schema>;
  "aiplatform-v1": { globalParameters: string[] };
  "storage-v1": { globalParameters: string[] };
}

export const contract: Contract = JSON.parse(readFileSync(fileURLToPath(new URL("../../contracts/google-contract.json", import.meta.url)), "utf8"));

/** A google.rpc.Status error, as the HTTP error body carries it. */
export interface GoogleError {
  code: number;
  status: string;
  message: string;
}

export class ContractViolation extends Error {
  constructor(readonly error: GoogleError) {
    super(error.message);
  }
}

const invalid = (message: string) => new ContractViolation({ code: 400, status: "INVALID_ARGUMENT", message });

function checkValue(value: unknown, field: Field, where: string): void {
  if (value === null) return;
  if (field.ref) {
    checkObject(value, field.ref, where);
    return;
  }
  switch (field.type) {
    case "string":
      // int64 and uint64 travel as strings in proto3 JSON; Google also accepts numbers for them.
      // Enums: names, or (as Google's REST clients send them with `$alt=json;enum-encoding=int`, python-aiplatform's
      // rest_base.py) their numbers. The discovery document lists the names only, not their numbers, so any int32 is
      // taken, as proto3's open enums take unknown numbers.
      if (field.enum && Number.isInteger(value)) return;
      if (typeof value === "string") {
        if (field.enum && !field.enum.includes(value)) throw invalid(`Invalid value at '${where}' (${field.enum.length > 0 ? "enum" : "string"}), "${value}"`);
        if ((field.format === "int64" || field.format === "uint64") && !/^-?\d+$/.test(value))
          throw invalid(`Invalid value at '${where}' (TYPE_INT64), "${value}"`);
        return;
      }
      if ((field.format === "int64" || field.format === "uint64") && Number.isInteger(value)) return;
      throw invalid(`Invalid value at '${where}' (TYPE_STRING), ${JSON.stringify(value)}`);
    case "integer":
      if (Number.isInteger(value) || (typeof value === "string" && /^-?\d+$/.test(value))) return;
      throw invalid(`Invalid value at '${where}' (TYPE_INT32), ${JSON.stringify(value)}`);
    case "number":
      if (typeof value === "number") return;
      throw invalid(`Invalid value at '${where}' (TYPE_DOUBLE), ${JSON.stringify(value)}`);
    case "boolean":
      if (typeof value === "boolean") return;
      throw invalid(`Invalid value at '${where}' (TYPE_BOOL), ${JSON.stringify(value)}`);
    case "array":
      if (!Array.isArray(value)) throw invalid(`Invalid value at '${where}', expected a list`);
      for (const [i, item] of value.entries()) checkValue(item, field.items ?? {}, `${where}[${i}]`);
      return;
    case "object":
      if (typeof value !== "object" || Array.isArray(value)) throw invalid(`Invalid value at '${where}', expected an object`);
      if (field.additionalProperties) for (const [k, v] of Object.entries(value as object)) checkValue(v, field.additionalProperties, `${where}[${k}]`);
      return;
    case "any":
    case undefined:
      return;
    default:
      return;
  }
}

function checkObject(value: unknown, schemaName: string, where: string): void {
  const schema = contract.schemas[schemaName];
  if (!schema) throw new Error(`the contract has no schema ${schemaName}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`Invalid value at '${where}', expected ${schemaName}`);
  for (const [key, v] of Object.entries(value)) {
    const field = schema.properties[key];
    if (!field) {
      if (schema.additionalProperties) {
        checkValue(v, schema.additionalProperties, `${where}[${key}]`);
        continue;
      }
      throw invalid(`Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`);
    }
    checkValue(v, field, where ? `${where}.${key}` : key);
  }
}

/** Required fields of a request body, checked the way the service checks them (top level and one level down). */
function checkRequired(value: Record<string, unknown>, schemaName: string, where: string, depth: number): void {
  const schema = contract.schemas[schemaName];
  if (!schema) return;
  for (const [key, field] of Object.entries(schema.properties)) {
    const v = value[key];
    if (field.required && !field.outputOnly && (v === undefined || v === "" || (Array.isArray(v) && v.length === 0))) {
      throw invalid(`${where ? `${where}.` : ""}${key} is required.`);
    }
    if (depth > 0 && field.ref && v && typeof v === "object")
      checkRequired(v as Record<string, unknown>, field.ref, where ? `${where}.${key}` : key, depth - 1);
  }
}

/** The `$`-prefixed forms of system parameters (cloud.google.com/apis/docs/system-parameters). */
const SYSTEM_ALIASES = new Set(["$alt", "$callback", "$fields", "$apiFormat", "$ct", "$httpMethod"]);

/**
 * True when a request asks for enums as numbers (`$alt=json;enum-encoding=int`, as google-cloud-aiplatform's REST
 * transport does); the service then answers with numbers too.
 */
export function wantsIntEnums(query: URLSearchParams): boolean {
  return /(^|;)\s*enum-encoding=int\s*(;|$)/.test(query.get("$alt") ?? query.get("alt") ?? "");
}

/**
 * Validates one request: path parameters against their patterns, query parameters against the method's and the
 * API's global parameters, and the JSON body against the request schema (unknown fields, types, enums, required).
 */
export function validateRequest(methodId: string, request: { pathParams: Record<string, string>; query: URLSearchParams; body: unknown }): void {
  const method = contract.methods[methodId];
  if (!method) throw new Error(`the contract has no method ${methodId}`);
  const api = methodId.startsWith("storage.") ? contract["storage-v1"] : contract["aiplatform-v1"];
  for (const [name, param] of Object.entries(method.parameters)) {
    if (param.location === "path") {
      const value = request.pathParams[name];
      if (value === undefined) throw invalid(`missing path parameter ${name}`);
      if (param.pattern && !new RegExp(param.pattern).test(value)) throw invalid(`Invalid resource name ${JSON.stringify(value)} for ${name}`);
    } else if (param.required && !request.query.has(name)) {
      throw invalid(`Required parameter ${name} is missing.`);
    }
  }
  for (const [name, value] of request.query) {
    const param = method.parameters[name];
    if (!param) {
      if (api.globalParameters.includes(name) || name === "uploadType") continue;
      // System parameters also come with a `$` prefix (Google's "System parameters" page: `$alt, alt`, `$fields,
      // fields`, `$callback, callback`); Google's GAPIC REST clients send `$alt=json;enum-encoding=int` on every call.
      if (name.startsWith("$") && SYSTEM_ALIASES.has(name)) continue;
      throw invalid(`Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter.`);
    }
    if (param.type === "integer" && !/^-?\d+$/.test(value)) throw invalid(`Invalid value at '${name}' (TYPE_INT32), "${value}"`);
    if (param.type === "boolean" && value !== "true" && value !== "false") throw invalid(`Invalid value at '${name}' (TYPE_BOOL), "${value}"`);
    if (param.enum && !param.enum.includes(value)) throw invalid(`Invalid value at '${name}', "${value}"`);
  }
  if (method.request) {
    if (request.body === undefined) throw invalid("The request body is required.");
    checkObject(request.body, method.request, "");
    // A partial update (with an updateMask) checks required fields only where the mask names them.
    if (!("updateMask" in method.parameters)) checkRequired(request.body as Record<string, unknown>, method.request, "", 1);
  } else if (request.body !== undefined && method.httpMethod !== "GET") {
    throw invalid("This method takes no request body.");
  }
}
