// Checks requests against the minimal contract derived from botocore's service models (test/contracts/aws-contract.json,
// written by scripts/derive-aws-contracts.mjs): the SageMaker and S3 fakes refuse what AWS would refuse. For SageMaker
// (AWS JSON 1.1) that is the whole body: members, types, required members, enums, lengths, ranges and patterns.
import { readFileSync } from "node:fs";

interface Member {
  shape: string;
  location?: string;
  locationName?: string;
}
interface Shape {
  type: string;
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  members?: Record<string, Member>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
}
interface Service {
  metadata: { protocol: string; targetPrefix?: string };
  operations: Record<string, { http: { method: string; requestUri: string }; input?: string; output?: string; errors: string[] }>;
  shapes: Record<string, Shape>;
}

const contract = JSON.parse(readFileSync(new URL("../contracts/aws-contract.json", import.meta.url), "utf8")) as { services: Record<string, Service> };

/** The derived model of one service: `sagemaker/2017-07-24` or `s3/2006-03-01`. */
export function awsService(name: string): Service {
  const service = contract.services[name];
  if (!service) throw new Error(`no ${name} in the AWS contract`);
  return service;
}

/** Patterns as botocore writes them (Java regexes, unanchored), matched against the whole value as AWS does. */
function matches(pattern: string, value: string): boolean {
  // \p{...} classes need the u flag; botocore patterns use them (`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`). Some carry Java
  // leftovers JavaScript refuses: a length after the end anchor (`^(...)${1,128}`, which the shape's max says again).
  const body = pattern
    .replace(/\$\{\d+,\d+\}$/, "$")
    .replace(/^\^/, "")
    .replace(/(?<!\\)\$$/, "");
  return new RegExp(`^(?:${body})$`, "u").test(value);
}

/** Problems with `value` as an instance of `shapeName`, each naming its path; empty when it conforms. */
export function shapeProblems(service: Service, shapeName: string, value: unknown, path = "$"): string[] {
  const shape = service.shapes[shapeName];
  if (!shape) return [`${path}: unknown shape ${shapeName}`];
  const problems: string[] = [];
  const length = (n: number, what: string) => {
    if (shape.min !== undefined && n < shape.min) problems.push(`${path}: ${what} ${n} is below the minimum ${shape.min}`);
    if (shape.max !== undefined && n > shape.max) problems.push(`${path}: ${what} ${n} is above the maximum ${shape.max}`);
  };
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${path}: expected an object (${shapeName})`];
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) if (record[name] === undefined) problems.push(`${path}.${name}: required by ${shapeName}`);
      for (const [name, member] of Object.entries(record)) {
        const declared = shape.members?.[name];
        if (!declared) problems.push(`${path}.${name}: not a member of ${shapeName}`);
        else if (member !== undefined && member !== null) problems.push(...shapeProblems(service, declared.shape, member, `${path}.${name}`));
      }
      return problems;
    }
    case "list": {
      if (!Array.isArray(value)) return [`${path}: expected a list (${shapeName})`];
      length(value.length, "length");
      for (const [i, item] of value.entries()) problems.push(...shapeProblems(service, shape.member?.shape ?? "", item, `${path}[${i}]`));
      return problems;
    }
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${path}: expected a map (${shapeName})`];
      const entries = Object.entries(value as Record<string, unknown>);
      length(entries.length, "entries");
      for (const [k, v] of entries) {
        problems.push(...shapeProblems(service, shape.key?.shape ?? "", k, `${path}{key ${JSON.stringify(k)}}`));
        problems.push(...shapeProblems(service, shape.value?.shape ?? "", v, `${path}.${k}`));
      }
      return problems;
    }
    case "string": {
      if (typeof value !== "string") return [`${path}: expected a string (${shapeName})`];
      if (shape.enum && !shape.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${shape.enum.join(", ")}`);
      length([...value].length, "length");
      if (shape.pattern && !matches(shape.pattern, value)) problems.push(`${path}: ${JSON.stringify(value)} does not match ${shape.pattern}`);
      return problems;
    }
    case "integer":
    case "long":
      if (typeof value !== "number" || !Number.isInteger(value)) return [`${path}: expected a whole number (${shapeName})`];
      length(value, "value");
      return problems;
    case "float":
    case "double":
      if (typeof value !== "number") return [`${path}: expected a number (${shapeName})`];
      length(value, "value");
      return problems;
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path}: expected a boolean (${shapeName})`];
    case "timestamp":
      // JSON 1.1 timestamps are epoch seconds.
      return typeof value === "number" ? [] : [`${path}: expected epoch seconds (${shapeName})`];
    case "blob":
      return typeof value === "string" ? [] : [`${path}: expected base64 text (${shapeName})`];
    default:
      return [`${path}: shape type ${shape.type} is not checked`];
  }
}

/** Problems with a SageMaker (AWS JSON 1.1) request: the `X-Amz-Target` names a known operation, the body fits its input. */
export function sageMakerRequestProblems(target: string | null, body: unknown): string[] {
  const service = awsService("sagemaker/2017-07-24");
  const prefix = `${service.metadata.targetPrefix}.`;
  if (!target?.startsWith(prefix)) return [`X-Amz-Target ${JSON.stringify(target)} does not start with ${prefix}`];
  const operation = service.operations[target.slice(prefix.length)];
  if (!operation) return [`${target} is not an operation modelreg's contract covers`];
  return operation.input ? shapeProblems(service, operation.input, body) : [];
}
