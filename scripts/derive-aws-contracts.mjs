// Derives the minimal contract the SageMaker and S3 test fakes will check requests against, from botocore's service
// models (the `botocore` wheel on PyPI holds sagemaker/2017-07-24/service-2.json and s3/2006-03-01/service-2.json):
// only the operations modelreg calls, with their HTTP binding, the shapes their input and output reach (types,
// required members, enums, lengths, ranges, patterns, where S3 puts a member: header, query, URI, payload), and their
// declared errors. No documentation is kept.
//
//   node scripts/derive-aws-contracts.mjs [botocore wheel]     writes test/contracts/aws-contract.json
//
// Without a wheel it downloads the pinned one with `pip download` into .cache/ (Python's zipfile reads the wheel).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const BOTOCORE = "1.44.8";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "test", "contracts", "aws-contract.json");

const OPERATIONS = {
  "sagemaker/2017-07-24": [
    "CreateModelPackageGroup",
    "DescribeModelPackageGroup",
    "ListModelPackageGroups",
    "DeleteModelPackageGroup",
    "CreateModelPackage",
    "DescribeModelPackage",
    "ListModelPackages",
    "UpdateModelPackage",
    "DeleteModelPackage",
    "AddTags",
    "ListTags",
    "DeleteTags",
    "CreateModel",
    "DeleteModel",
    "CreateEndpointConfig",
    "DescribeEndpointConfig",
    "DeleteEndpointConfig",
    "CreateEndpoint",
    "DescribeEndpoint",
    "ListEndpoints",
    "UpdateEndpoint",
    "UpdateEndpointWeightsAndCapacities",
    "DeleteEndpoint",
  ],
  "s3/2006-03-01": [
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "ListObjectsV2",
    "CreateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
    "CreateBucket",
  ],
};

function wheel() {
  const given = process.argv[2];
  if (given) return resolve(given);
  const dir = join(root, ".cache", "botocore");
  const file = join(dir, `botocore-${BOTOCORE}-py3-none-any.whl`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    execFileSync("pip", ["download", "--no-deps", `botocore==${BOTOCORE}`, "-d", dir, "-q"], { stdio: "inherit" });
  }
  return file;
}

/** One service model, read out of the wheel (a zip) by Python's zipfile, gunzipped here. */
function serviceModel(whl, service) {
  const member = `botocore/data/${service}/service-2.json.gz`;
  const code = "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))";
  return JSON.parse(gunzipSync(execFileSync("python3", ["-c", code, whl, member], { maxBuffer: 64 * 1024 * 1024 })).toString("utf8"));
}

/** A shape with only what a request check needs. */
function slim(shape) {
  const out = { type: shape.type };
  for (const key of ["required", "enum", "min", "max", "pattern", "payload", "event", "streaming", "timestampFormat", "flattened"]) {
    if (shape[key] !== undefined) out[key] = shape[key];
  }
  if (shape.members) {
    out.members = {};
    for (const [name, member] of Object.entries(shape.members)) {
      const m = { shape: member.shape };
      for (const key of ["location", "locationName", "idempotencyToken", "xmlNamespace", "flattened", "hostLabel", "contextParam"]) {
        if (member[key] !== undefined) m[key] = member[key];
      }
      out.members[name] = m;
    }
  }
  if (shape.member) out.member = { shape: shape.member.shape, ...(shape.member.locationName && { locationName: shape.member.locationName }) };
  if (shape.key) out.key = { shape: shape.key.shape };
  if (shape.value) out.value = { shape: shape.value.shape };
  if (shape.error) out.error = shape.error;
  if (shape.exception) out.exception = true;
  return out;
}

/** Every shape reachable from `names`, slimmed. */
function reachable(model, names) {
  const kept = {};
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.pop();
    if (!name || kept[name]) continue;
    const shape = model.shapes[name];
    if (!shape) throw new Error(`no shape ${name}`);
    kept[name] = slim(shape);
    for (const member of Object.values(shape.members ?? {})) queue.push(member.shape);
    for (const part of [shape.member, shape.key, shape.value]) if (part) queue.push(part.shape);
  }
  return Object.fromEntries(Object.entries(kept).sort(([a], [b]) => a.localeCompare(b)));
}

const whl = wheel();
const contract = { source: `botocore ${BOTOCORE} (PyPI), botocore/data/<service>/service-2.json`, services: {} };
for (const [service, names] of Object.entries(OPERATIONS)) {
  const model = serviceModel(whl, service);
  const operations = {};
  const roots = [];
  for (const name of names) {
    const op = model.operations[name];
    if (!op) throw new Error(`${service} has no operation ${name}`);
    operations[name] = {
      http: { method: op.http.method, requestUri: op.http.requestUri, ...(op.http.responseCode && { responseCode: op.http.responseCode }) },
      ...(op.input && { input: op.input.shape }),
      ...(op.output && { output: op.output.shape }),
      errors: (op.errors ?? []).map((e) => e.shape),
      ...(op.idempotent && { idempotent: true }),
      ...(op.httpChecksum && { httpChecksum: op.httpChecksum }),
    };
    for (const shape of [op.input?.shape, op.output?.shape, ...(op.errors ?? []).map((e) => e.shape)]) if (shape) roots.push(shape);
  }
  const m = model.metadata;
  contract.services[service] = {
    metadata: { protocol: m.protocol, jsonVersion: m.jsonVersion, targetPrefix: m.targetPrefix, signingName: m.signingName, endpointPrefix: m.endpointPrefix },
    operations,
    shapes: reachable(model, roots),
  };
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(contract, null, 1)}\n`);
console.log(`wrote ${out}: ${Object.values(contract.services).reduce((n, s) => n + Object.keys(s.shapes).length, 0)} shapes`);
