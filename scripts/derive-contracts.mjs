// Derives the minimal contract the test fakes check requests against, from Google's discovery documents in
// ../shared/contracts: only the methods modelreg calls, with their parameters and the schemas their request bodies
// reach (field types, formats, enums, required and output-only flags). No descriptions are kept.
//
//   node scripts/derive-contracts.mjs [contracts dir]      writes test/contracts/google-contract.json
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = resolve(process.argv[2] ?? join(root, "..", "shared", "contracts"));
const out = join(root, "test", "contracts", "google-contract.json");

const METHODS = {
  "aiplatform-v1.json": [
    "aiplatform.projects.locations.models.upload",
    "aiplatform.projects.locations.models.get",
    "aiplatform.projects.locations.models.list",
    "aiplatform.projects.locations.models.listVersions",
    "aiplatform.projects.locations.models.patch",
    "aiplatform.projects.locations.models.delete",
    "aiplatform.projects.locations.models.deleteVersion",
    "aiplatform.projects.locations.models.mergeVersionAliases",
    "aiplatform.projects.locations.models.operations.get",
    "aiplatform.projects.locations.operations.get",
    "aiplatform.projects.locations.endpoints.create",
    "aiplatform.projects.locations.endpoints.get",
    "aiplatform.projects.locations.endpoints.list",
    "aiplatform.projects.locations.endpoints.patch",
    "aiplatform.projects.locations.endpoints.delete",
    "aiplatform.projects.locations.endpoints.deployModel",
    "aiplatform.projects.locations.endpoints.undeployModel",
    "aiplatform.projects.locations.endpoints.operations.get",
  ],
  // storage.buckets.get: google-cloud-storage 3.x reads the bucket in the background on first use of a bucket
  // (_bucket_metadata_cache.py), so the fake serves it for the official-client tests.
  "storage-v1.json": [
    "storage.objects.insert",
    "storage.objects.get",
    "storage.objects.list",
    "storage.objects.delete",
    "storage.buckets.insert",
    "storage.buckets.get",
  ],
};

function findMethods(resources, found = new Map()) {
  for (const resource of Object.values(resources ?? {})) {
    for (const method of Object.values(resource.methods ?? {})) found.set(method.id, method);
    findMethods(resource.resources, found);
  }
  return found;
}

function fieldOf(prop) {
  const field = {};
  if (prop.$ref) field.ref = prop.$ref;
  if (prop.type) field.type = prop.type;
  if (prop.format) field.format = prop.format;
  if (prop.enum) field.enum = prop.enum;
  if (prop.items) field.items = fieldOf(prop.items);
  if (prop.additionalProperties) field.additionalProperties = fieldOf(prop.additionalProperties);
  // Discovery documents carry "required" and "output only" only in the prose; keep the flags, drop the prose.
  if (/^Required\b/.test(prop.description ?? "")) field.required = true;
  if (/^Output only\b/.test(prop.description ?? "") || prop.readOnly) field.outputOnly = true;
  return field;
}

const contract = { methods: {}, schemas: {} };
for (const [file, ids] of Object.entries(METHODS)) {
  const doc = JSON.parse(readFileSync(join(source, file), "utf8"));
  const methods = findMethods(doc.resources);
  const pending = [];
  for (const id of ids) {
    const m = methods.get(id);
    if (!m) throw new Error(`${id} is not in ${file}`);
    contract.methods[id] = {
      httpMethod: m.httpMethod,
      path: m.path,
      parameters: Object.fromEntries(
        Object.entries(m.parameters ?? {}).map(([name, p]) => [
          name,
          {
            location: p.location,
            type: p.type,
            ...(p.format && { format: p.format }),
            ...(p.required && { required: true }),
            ...(p.repeated && { repeated: true }),
            ...(p.enum && { enum: p.enum }),
            ...(p.pattern && { pattern: p.pattern }),
          },
        ]),
      ),
      ...(m.request && { request: m.request.$ref }),
      ...(m.response && { response: m.response.$ref }),
      ...(m.supportsMediaUpload && { mediaUpload: { paths: Object.fromEntries(Object.entries(m.mediaUpload.protocols).map(([k, v]) => [k, v.path])) } }),
    };
    if (m.request) pending.push(m.request.$ref);
    if (m.response) pending.push(m.response.$ref);
  }
  // Every schema a request or response reaches, so nested unknown fields are caught too.
  while (pending.length > 0) {
    const name = pending.pop();
    if (contract.schemas[name]) continue;
    const schema = doc.schemas[name];
    if (!schema) throw new Error(`schema ${name} missing from ${file}`);
    const properties = {};
    for (const [prop, def] of Object.entries(schema.properties ?? {})) {
      properties[prop] = fieldOf(def);
      const refs = [def.$ref, def.items?.$ref, def.additionalProperties?.$ref, def.items?.items?.$ref].filter(Boolean);
      pending.push(...refs);
    }
    contract.schemas[name] = {
      type: schema.type ?? "object",
      properties,
      ...(schema.additionalProperties && { additionalProperties: fieldOf(schema.additionalProperties) }),
    };
  }
  contract[file.replace(".json", "")] = {
    rootUrl: doc.rootUrl,
    servicePath: doc.servicePath,
    revision: doc.revision,
    globalParameters: Object.keys(doc.parameters ?? {}),
  };
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(contract, null, 1)}\n`);
console.log(`wrote ${out}: ${Object.keys(contract.methods).length} methods, ${Object.keys(contract.schemas).length} schemas`);

// ---- W&B: the part of W&B's GraphQL schema that modelreg's operation documents touch --------------------------

/**
 * Fields W&B's official Python client selects that modelreg's documents do not, by type: `wandb.Api()` reading
 * artifacts, registry links and files, and `wandb.init` + `run.log_artifact` + `run.finish` writing them.
 */
/**
 * What the reconstructed schema leaves out (its README: "not patched: ... run-files") but W&B's official client
 * sends when a run finishes: `createRunFiles`, as wandb-core's generated code (core/internal/gql/gql_gen.go,
 * CreateRunFilesResponse and __CreateRunFilesInput; document core/api/graphql/mutation_create_run_files.graphql) reads
 * and fills it. Non-null where the generated Go type is not a pointer; the input type's name follows W&B's
 * <Mutation>Input convention (the document passes the fields inline, so the client never names it).
 */
const SCHEMA_ADDITIONS = `
extend type Mutation {
  createRunFiles(input: CreateRunFilesInput!): CreateRunFilesPayload
}

input CreateRunFilesInput {
  entityName: String!
  projectName: String!
  runName: String!
  files: [String!]!
  clientMutationId: String
}

type CreateRunFilesPayload {
  runID: ID!
  uploadHeaders: [String!]!
  files: [File!]!
  clientMutationId: String
}
`;

const OFFICIAL_CLIENT_FIELDS = {
  Mutation: ["createRunFiles"],
  User: ["id", "entity", "username", "email", "flags", "teams"],
  Entity: ["id", "name"],
  EntityConnection: ["edges"],
  EntityEdge: ["node"],
  Project: ["id", "internalId", "name", "entity", "artifactType", "artifact"],
  ArtifactType: ["id", "name", "artifactCollection"],
  ArtifactCollection: ["createdAt", "updatedAt", "defaultArtifactType", "tags"],
  TagConnection: ["edges"],
  TagEdge: ["node"],
  Artifact: ["artifactType", "ttlDurationSeconds", "ttlIsInherited", "historyStep", "commitHash"],
  ArtifactCollectionMembership: ["createdAt"],
  ArtifactAlias: ["id"],
  VersionedArtifactConnection: ["totalCount"],
  Tag: ["id", "name"],
  Run: ["id", "name", "displayName", "description", "config", "sweepName", "project", "historyLineCount"],
  CreateRunFilesPayload: ["runID", "uploadHeaders", "files"],
};
// Object and interface types keep only the fields the documents select (with all their arguments); input types,
// enums and scalars they reach are kept whole, so the fake validates variables exactly as W&B's schema would.
{
  const {
    buildSchema,
    parse,
    visit,
    visitWithTypeInfo,
    TypeInfo,
    getNamedType,
    isObjectType,
    isInterfaceType,
    isInputObjectType,
    isEnumType,
    isScalarType,
    isUnionType,
    specifiedScalarTypes,
  } = await import("graphql");
  // Input fields W&B's schema has and the reconstruction lacks, as [input type, field, type]. Evidence: wandb-core's
  // genqlient code generated from W&B's schema (core/internal/gql/gql_gen.go on wandb/wandb's branch
  // amusipatla/xxhash-legacy-fallback, schema commit 5ba3765015c8757f6927d84b0426cea74a51bf18), which sends both, with
  // `omitempty`, to servers with feature ARTIFACT_DIGEST_ALGORITHM (core/pkg/artifacts/saver.go).
  const PATCHES = [
    ["CreateArtifactFileSpecInput", "digest", "String"],
    ["CreateArtifactFilesInput", "digestAlgorithm", "ArtifactDigestAlgorithm"],
  ];
  const sdl = readFileSync(join(source, "wandb-schema.graphql"), "utf8");
  const missing = PATCHES.filter(([type, field]) => !new RegExp(`input ${type} \\{[^}]*\\n  ${field}:`).test(sdl));
  const schema = buildSchema([sdl, ...missing.map(([type, field, t]) => `extend input ${type} { ${field}: ${t} }`), SCHEMA_ADDITIONS].join("\n"));
  // The queries any call may send, and the documents only writes send (which the transport imports on the first write).
  const opsFiles = ["wandb-operations.ts", "wandb-write-operations.ts"].map((f) => readFileSync(join(root, "src", "adapters", "wandb", f), "utf8"));
  const shared = Object.fromEntries(opsFiles.flatMap((opsFile) => [...opsFile.matchAll(/const (\w+) = `([\s\S]*?)`;/g)].map((m) => [m[1], m[2]])));
  // Shared selections may nest (a membership selects an artifact), so they expand until nothing is left to expand.
  const expand = (text) => text.replace(/\$\{(\w+)\}/g, (_, k) => expand(shared[k] ?? ""));
  const documents = opsFiles.flatMap((opsFile) => [...opsFile.matchAll(/^ {2}(\w+): `([\s\S]*?)`,$/gm)].map((m) => expand(m[2])));
  if (opsFiles.some((opsFile) => !/^ {2}\w+: `/m.test(opsFile)))
    throw new Error("no operation documents found in wandb-operations.ts or wandb-write-operations.ts");
  const fields = new Map();
  const named = new Set();
  const use = (type, field) => {
    if (!fields.has(type)) fields.set(type, new Set());
    if (field) fields.get(type).add(field);
  };
  const reach = (type) => {
    const t = getNamedType(type);
    if (named.has(t.name)) return;
    named.add(t.name);
    if (isInputObjectType(t)) for (const f of Object.values(t.getFields())) reach(f.type);
  };
  for (const text of documents) {
    const info = new TypeInfo(schema);
    visit(
      parse(text),
      visitWithTypeInfo(info, {
        VariableDefinition() {
          reach(info.getInputType());
        },
        Field(node) {
          const parent = info.getParentType();
          if (!parent || node.name.value.startsWith("__")) return;
          use(parent.name, node.name.value);
          named.add(parent.name);
          const def = info.getFieldDef();
          if (def) {
            reach(def.type);
            use(getNamedType(def.type).name);
            for (const arg of def.args) reach(arg.type);
          }
        },
      }),
    );
  }
  // The fields W&B's official Python client (wandb 0.31, test/support/official-clients.ts) selects beyond modelreg's
  // own documents, as seen when the interop tests (test/wandb/official/) drove it against the fake: kept with all their
  // arguments, so the fake validates the client's documents against W&B's schema as it validates modelreg's. Listed
  // by name rather than copied as documents: the client's documents are W&B's code, the schema's fields are the contract.
  for (const [typeName, names] of Object.entries(OFFICIAL_CLIENT_FIELDS)) {
    const t = schema.getType(typeName);
    if (!t || !(isObjectType(t) || isInterfaceType(t))) throw new Error(`official-client type ${typeName} is not an object type of wandb-schema.graphql`);
    named.add(typeName);
    for (const f of names) {
      const def = t.getFields()[f];
      if (!def) throw new Error(`official-client field ${typeName}.${f} is not in wandb-schema.graphql`);
      use(typeName, f);
      reach(def.type);
      use(getNamedType(def.type).name);
      for (const arg of def.args) reach(arg.type);
    }
  }
  // An interface in use brings its implementations, each with the interface's selected fields.
  for (const name of [...named]) {
    const t = schema.getType(name);
    if (!isInterfaceType(t)) continue;
    for (const impl of schema.getPossibleTypes(t)) {
      named.add(impl.name);
      for (const f of fields.get(name) ?? []) use(impl.name, f);
    }
  }
  const builtIn = new Set(specifiedScalarTypes.map((s) => s.name));
  const printArgs = (args) => (args.length ? `(${args.map((a) => `${a.name}: ${a.type}`).join(", ")})` : "");
  const out = ["# Derived by scripts/derive-contracts.mjs from wandb-schema.graphql: only what modelreg's operations use.", ""];
  for (const name of [...named].sort()) {
    const t = schema.getType(name);
    if (!t || builtIn.has(name)) continue;
    if (isScalarType(t)) out.push(`scalar ${name}`, "");
    else if (isEnumType(t)) out.push(`enum ${name} {`, ...t.getValues().map((v) => `  ${v.name}`), "}", "");
    else if (isInputObjectType(t)) out.push(`input ${name} {`, ...Object.values(t.getFields()).map((f) => `  ${f.name}: ${f.type}`), "}", "");
    else if (isUnionType(t))
      out.push(
        `union ${name} = ${t
          .getTypes()
          .filter((m) => named.has(m.name))
          .map((m) => m.name)
          .join(" | ")}`,
        "",
      );
    else if (isObjectType(t) || isInterfaceType(t)) {
      const keep = [...(fields.get(name) ?? [])];
      if (keep.length === 0)
        keep.push(
          ...Object.keys(t.getFields())
            .filter((f) => f === "id")
            .slice(0, 1),
        );
      if (keep.length === 0) continue;
      const all = t.getFields();
      const interfaces = t.getInterfaces().filter((i) => named.has(i.name) && [...(fields.get(i.name) ?? [])].every((f) => keep.includes(f)));
      const head = `${isObjectType(t) ? "type" : "interface"} ${name}${interfaces.length ? ` implements ${interfaces.map((i) => i.name).join(" & ")}` : ""} {`;
      out.push(head, ...keep.sort().map((f) => `  ${f}${printArgs(all[f].args)}: ${all[f].type}`), "}", "");
    }
  }
  out.push("schema {", "  query: Query", "  mutation: Mutation", "}", "");
  const wandbOut = join(root, "test", "contracts", "wandb-contract.graphql");
  writeFileSync(wandbOut, out.join("\n"));
  // The derived schema must itself be valid and accept every document.
  const derived = buildSchema(readFileSync(wandbOut, "utf8"));
  const { validate } = await import("graphql");
  for (const text of documents) {
    const errors = validate(derived, parse(text));
    if (errors.length) throw new Error(`derived W&B schema rejects a document: ${errors[0].message}`);
  }
  console.log(`wrote ${wandbOut}: ${named.size} types`);
}
