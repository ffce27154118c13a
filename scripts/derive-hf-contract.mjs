// Derives the minimal contract the Hugging Face Hub fake (test/huggingface/support/hub-fake*.ts) checks requests
// against, from the Hub's own specification: the official JS client's API types (@huggingface/hub, node_modules/
// @huggingface/hub/src/types/api/*.ts, and the request bodies lib/*.ts builds inline), read with the TypeScript
// compiler's type checker. For each type: its fields, a type descriptor per field (string, number, boolean, literal
// enums, arrays, nested objects, references to other contract types, opaque names for types the fake never checks)
// and whether the field is required. No documentation is kept. What the JS client has no types for (tags, refs,
// validate-yaml, the LFS verify call, the `deletedFolder` commit line) comes from huggingface_hub 2.4.0, the Python
// client, as a small explicit supplement below; each entry names the Python function it comes from. The endpoint
// table the fake serves is recorded too.
//
//   node scripts/derive-hf-contract.mjs        writes test/contracts/huggingface-contract.json
//
// Imported, it only exports deriveHfContract(), which returns the contract without writing (the fake's unit test
// compares the committed file with it).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "test", "contracts", "huggingface-contract.json");
/** The pinned JS client the types are read from, and the Python client the supplement was read from. */
const JS_CLIENT = "2.17.5";
const PY_CLIENT = "2.4.0";

/** The named types to derive, per file of @huggingface/hub/src. */
const NAMED = {
  "types/api/api-commit.ts": [
    "ApiLfsBatchRequest",
    "ApiLfsBatchResponse",
    "ApiLfsResponseTransfer",
    "ApiLfsResponseObject",
    "ApiLfsAction",
    "ApiLfsCompleteMultipartRequest",
    "ApiPreuploadRequest",
    "ApiPreuploadResponse",
    "ApiCommitHeader",
    "ApiCommitFile",
    "ApiCommitLfsFile",
    "ApiCommitDeletedEntry",
    "ApiCommitOperation",
    "ApiCommitData",
  ],
  "types/api/api-create-repo.ts": ["ApiCreateRepoPayload"],
  "types/api/api-index-tree.ts": ["ApiIndexTreeEntry"],
  "types/api/api-model.ts": ["ApiModelInfo"],
};

/**
 * Request bodies the JS client builds inline (`JSON.stringify({...})` in lib/*.ts), named here: the object literal
 * passed to the JSON.stringify call whose literal has the `has` property.
 */
const INLINE = {
  CreateBranchBody: { file: "lib/create-branch.ts", has: "startingPoint" },
  DeleteRepoBody: { file: "lib/delete-repo.ts", has: "name" },
  PathsInfoBody: { file: "lib/paths-info.ts", has: "paths" },
};

/** String arrays the JS client declares (`export const X = [...] as const`): the model fields `expand` may name. */
const CONSTANTS = { MODEL_EXPANDABLE_KEYS: "lib/list-models.ts" };

/** Literal unions longer than this (pipeline tags, licenses, library names) are kept as their primitive type. */
const MAX_ENUM = 20;

const str = { type: "string" };
const gitRef = { type: "object", fields: { name: { required: true, ...str }, ref: { required: true, ...str }, targetCommit: { required: true, ...str } } };

/** What huggingface_hub 2.4.0 sends or reads that the JS client has no type for. */
const PYTHON_TYPES = {
  // hf_api.py HfApi.create_tag: POST /api/{type}s/{repo}/tag/{revision} with {"tag": tag} and "message" when given.
  CreateTagBody: { type: "object", fields: { tag: { required: true, ...str }, message: { required: false, ...str } } },
  // hf_api.py HfApi.list_repo_refs: GET /api/{type}s/{repo}/refs[?include_prs=1]; reads branches, converts, tags (and
  // pullRequests when asked), each item's name, ref and targetCommit.
  ApiGitRefs: {
    type: "object",
    fields: {
      branches: { required: true, type: "array", items: gitRef },
      converts: { required: true, type: "array", items: gitRef },
      tags: { required: true, type: "array", items: gitRef },
      pullRequests: { required: false, type: "array", items: gitRef },
    },
  },
  // hf_api.py HfApi._validate_yaml: POST /api/validate-yaml with {"content", "repoType"}; reads "errors" and "warnings",
  // lists of {"message"}.
  ValidateYamlBody: { type: "object", fields: { content: { required: true, ...str }, repoType: { required: true, ...str } } },
  // lfs.py lfs_upload: POST to the batch answer's `verify.href` with {"oid": sha256, "size": size}.
  LfsVerifyRequest: { type: "object", fields: { oid: { required: true, ...str }, size: { required: true, type: "number" } } },
  // _commit_api.py _prepare_commit_payload: the first NDJSON line of a commit (commit.ts builds the same one inline).
  ApiCommitHeaderLine: {
    type: "object",
    fields: { key: { required: true, enum: ["header"] }, value: { required: true, ref: "ApiCommitHeader" } },
  },
  // _commit_api.py _prepare_commit_payload: CommitOperationDelete(is_folder=True) becomes {"key": "deletedFolder",
  // "value": {"path": ...}}; the JS client only deletes files.
  ApiCommitDeletedFolderLine: {
    type: "object",
    fields: { key: { required: true, enum: ["deletedFolder"] }, value: { required: true, ref: "ApiCommitDeletedEntry" } },
  },
  // One NDJSON line of POST /api/{type}s/{repo}/commit/{revision}, from either client.
  ApiCommitLine: { anyOf: [{ ref: "ApiCommitHeaderLine" }, { ref: "ApiCommitOperation" }, { ref: "ApiCommitDeletedFolderLine" }] },
};

/**
 * What huggingface_hub 2.4.0 does differently with types the JS client declares: fields it adds (`add`), and fields
 * it leaves out or sends as null (`loosen`, made optional and nullable in every branch). `at` walks from the type into
 * nested objects (`items` steps into an array).
 */
const PYTHON_CHANGES = [
  // _commit_api.py _fetch_upload_modes: the preupload payload carries "gitIgnore" when a .gitignore is committed.
  { type: "ApiPreuploadRequest", at: [], add: { gitIgnore: { required: false, ...str } } },
  // _commit_api.py _fetch_upload_modes / _validate_preupload_info: each answered file's "shouldIgnore" is read with
  // file["shouldIgnore"] (required), its "oid" with file.get("oid") (the remote file's oid, to skip unchanged files).
  {
    type: "ApiPreuploadResponse",
    at: ["files", "items"],
    add: { shouldIgnore: { required: true, type: "boolean" }, oid: { required: false, ...str } },
  },
  // hf_api.py HfApi.create_repo: {"name", "organization": None when the id has no namespace} and "type" only when
  // repo_type is given; delete_repo the same.
  { type: "ApiCreateRepoPayload", at: [], loosen: ["organization", "type"] },
  { type: "DeleteRepoBody", at: [], loosen: ["organization", "type"] },
];

/** Applies one of PYTHON_CHANGES to the derived types. */
function applyPythonChange(types, { type, at, add, loosen }) {
  const branches = types[type].anyOf ?? [types[type]];
  for (let node of branches) {
    for (const step of at) node = step === "items" ? node.items : node.fields[step];
    if (add) Object.assign(node.fields, add);
    for (const name of loosen ?? []) {
      const { required, ...descriptor } = node.fields[name];
      node.fields[name] = { required: false, anyOf: [{ type: "null" }, descriptor] };
    }
  }
}

/** Model fields `expand` may name that only huggingface_hub 2.4.0 lists (hf_api.py ExpandModelProperty_T). */
const PYTHON_EXPAND_KEYS = [
  "baseModels",
  "childrenModelCount",
  "evalResults",
  "gguf",
  "inference",
  "mask_token",
  "resourceGroup",
  "siblings",
  "trendingScore",
  "usedStorage",
  "widgetData",
];

/**
 * The endpoints the fake serves (Hub paths, model repositories): method, path template, request body type (a type
 * of this contract), the content types it accepts, and the query parameters it requires. `{repo}` is
 * `{namespace}/{name}`; `{path}` may hold slashes. The two signed storage URLs (`cdn`) are the fake's own shapes:
 * the Hub hands clients opaque URLs there.
 */
const ENDPOINTS = [
  // JS createRepo / deleteRepo; Python HfApi.create_repo / delete_repo.
  { id: "createRepo", method: "POST", path: "/api/repos/create", body: "ApiCreateRepoPayload" },
  { id: "deleteRepo", method: "DELETE", path: "/api/repos/delete", body: "DeleteRepoBody" },
  // JS listModels; Python HfApi.list_models.
  { id: "listModels", method: "GET", path: "/api/models" },
  // JS modelInfo (always with a revision); Python HfApi.model_info (without one unless given).
  { id: "modelInfo", method: "GET", path: "/api/models/{repo}" },
  { id: "modelInfoAtRevision", method: "GET", path: "/api/models/{repo}/revision/{revision}" },
  // JS commit; Python _commit_api._fetch_upload_modes.
  { id: "preupload", method: "POST", path: "/api/models/{repo}/preupload/{revision}", body: "ApiPreuploadRequest" },
  // JS commit; Python lfs.post_lfs_batch_info.
  {
    id: "lfsBatch",
    method: "POST",
    path: "/{repo}.git/info/lfs/objects/batch",
    body: "ApiLfsBatchRequest",
    contentTypes: ["application/vnd.git-lfs+json"],
  },
  // Python lfs.lfs_upload (the JS client does not call verify).
  { id: "lfsVerify", method: "POST", path: "/{repo}.git/info/lfs/objects/verify", body: "LfsVerifyRequest" },
  // JS commit and Python lfs._upload_multi_part: the completion URL of a multipart upload (signed, no credentials).
  {
    id: "lfsCompleteMultipart",
    method: "POST",
    path: "/api/complete_multipart",
    body: "ApiLfsCompleteMultipartRequest",
    query: ["uploadId", "X-Amz-Signature"],
  },
  // The signed storage URLs: single PUT, one PUT per part, and the LFS download a resolve redirects to.
  { id: "storagePut", method: "PUT", path: "cdn:/upload/{repo}/{oid}", query: ["X-Amz-Signature"] },
  { id: "storageGet", method: "GET", path: "cdn:/lfs/{repo}/{oid}", query: ["X-Amz-Signature"] },
  // JS commit; Python _commit_api._send_commit.
  { id: "commit", method: "POST", path: "/api/models/{repo}/commit/{revision}", body: "ApiCommitLine", contentTypes: ["application/x-ndjson"] },
  // Python HfApi.list_repo_refs, create_tag, delete_tag; JS createBranch / deleteBranch, Python create_branch / delete_branch.
  { id: "refs", method: "GET", path: "/api/models/{repo}/refs" },
  { id: "createTag", method: "POST", path: "/api/models/{repo}/tag/{revision}", body: "CreateTagBody" },
  { id: "deleteTag", method: "DELETE", path: "/api/models/{repo}/tag/{tag}" },
  { id: "createBranch", method: "POST", path: "/api/models/{repo}/branch/{branch}", body: "CreateBranchBody" },
  { id: "deleteBranch", method: "DELETE", path: "/api/models/{repo}/branch/{branch}" },
  // JS listFiles, pathsInfo, listCommits; Python list_repo_tree, get_paths_info (form-encoded), list_repo_commits.
  { id: "tree", method: "GET", path: "/api/models/{repo}/tree/{revision}/{path}" },
  {
    id: "pathsInfo",
    method: "POST",
    path: "/api/models/{repo}/paths-info/{revision}",
    body: "PathsInfoBody",
    contentTypes: ["application/json", "application/x-www-form-urlencoded"],
  },
  { id: "commits", method: "GET", path: "/api/models/{repo}/commits/{revision}" },
  // Python HfApi._validate_yaml (before committing a README.md).
  { id: "validateYaml", method: "POST", path: "/api/validate-yaml", body: "ValidateYamlBody" },
  // JS fileDownloadInfo / downloadFile; Python file_download.get_hf_file_metadata / http_get. Regular files are
  // served from resolve-cache, where resolve redirects them.
  { id: "resolveHead", method: "HEAD", path: "/{repo}/resolve/{revision}/{path}" },
  { id: "resolve", method: "GET", path: "/{repo}/resolve/{revision}/{path}" },
  { id: "resolveCacheHead", method: "HEAD", path: "/api/resolve-cache/models/{repo}/{revision}/{path}" },
  // JS fileExists (a HEAD) and fileDownloadInfo({raw: true}): the git blob itself, an LFS file's pointer.
  { id: "rawHead", method: "HEAD", path: "/{repo}/raw/{revision}/{path}" },
  { id: "raw", method: "GET", path: "/{repo}/raw/{revision}/{path}" },
  { id: "resolveCache", method: "GET", path: "/api/resolve-cache/models/{repo}/{revision}/{path}" },
];

/** A type descriptor for a TypeScript type. `root` is the named type being described (expanded, not referenced). */
function describe(checker, type, wanted, root) {
  const f = type.flags;
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { type: "unknown" };
  if (f & ts.TypeFlags.StringLiteral) return { enum: [type.value] };
  if (f & ts.TypeFlags.NumberLiteral) return { enum: [type.value] };
  if (f & ts.TypeFlags.BooleanLiteral) return { enum: [checker.typeToString(type) === "true"] };
  if (f & ts.TypeFlags.String) return { type: "string" };
  if (f & ts.TypeFlags.Number) return { type: "number" };
  if (f & ts.TypeFlags.Boolean) return { type: "boolean" };
  if (f & ts.TypeFlags.Null) return { type: "null" };
  const alias = type.aliasSymbol?.name;
  if (alias && alias !== root && wanted.has(alias)) return { ref: alias };
  if (type.isUnion()) return describeUnion(checker, type, wanted, root);
  const symbol = type.getSymbol();
  const name = symbol?.name;
  if (name && name !== root && wanted.has(name) && symbol.flags & ts.SymbolFlags.Interface) return { ref: name };
  if (checker.isArrayType(type)) return { type: "array", items: describe(checker, checker.getTypeArguments(type)[0], wanted, root) };
  if (checker.isTupleType(type)) return { type: "array", items: { type: "unknown" } };
  // An interface declared elsewhere (the model card metadata, @huggingface/tasks' types) is kept by name only.
  if (symbol && symbol.flags & ts.SymbolFlags.Interface && name !== root) return { type: "object", opaque: name };
  if (f & ts.TypeFlags.Object || type.isIntersection()) return describeObject(checker, type, wanted, root);
  return { type: "unknown" };
}

function describeUnion(checker, type, wanted, root) {
  let members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
  const literals = members.filter((t) => t.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral));
  const values = literals.map((t) => describe(checker, t, wanted, root).enum[0]);
  const others = members.filter((t) => !literals.includes(t));
  const parts = [];
  if (values.includes(true) && values.includes(false)) {
    parts.push({ type: "boolean" });
    values.splice(0, values.length, ...values.filter((v) => typeof v !== "boolean"));
  }
  if (values.length > MAX_ENUM) {
    for (const kind of new Set(values.map((v) => typeof v))) parts.push({ type: kind });
  } else if (values.length > 0) parts.push({ enum: values });
  members = others;
  for (const member of members) parts.push(describe(checker, member, wanted, root));
  return parts.length === 1 ? parts[0] : { anyOf: parts };
}

function describeObject(checker, type, wanted, root) {
  const fields = {};
  for (const property of checker.getPropertiesOfType(type)) {
    const declared = checker.getTypeOfSymbol(property);
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0 || (declared.isUnion() && declared.types.some((t) => t.flags & ts.TypeFlags.Undefined));
    fields[property.name] = { required: !optional, ...describe(checker, declared, wanted, root) };
  }
  const result = { type: "object", fields };
  const index = checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & ts.TypeFlags.String);
  if (index) result.additional = describe(checker, index.type, wanted, root);
  return result;
}

/** The object literal of the `JSON.stringify({...})` call in `source` whose literal has the property `has`. */
function inlineLiteral(source, has) {
  let found;
  const visit = (node) => {
    if (
      !found &&
      ts.isCallExpression(node) &&
      node.expression.getText(source) === "JSON.stringify" &&
      node.arguments[0] &&
      ts.isObjectLiteralExpression(node.arguments[0]) &&
      node.arguments[0].properties.some((p) => p.name && p.name.getText(source) === has)
    )
      found = node.arguments[0];
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!found) throw new Error(`no JSON.stringify({ ${has}, ... }) in ${source.fileName}`);
  return found;
}

/** The string values of `export const name = [...]` in `source`. */
function stringArray(source, name) {
  let values;
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && node.name.getText(source) === name) {
      let init = node.initializer;
      while (init && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression;
      if (init && ts.isArrayLiteralExpression(init)) values = init.elements.filter(ts.isStringLiteral).map((e) => e.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!values) throw new Error(`no array constant ${name} in ${source.fileName}`);
  return values;
}

/** The contract, derived from the installed @huggingface/hub (node_modules) and the supplement above. Writes nothing. */
export function deriveHfContract({ hubDir = join(root, "node_modules", "@huggingface", "hub") } = {}) {
  const version = JSON.parse(readFileSync(join(hubDir, "package.json"), "utf8")).version;
  if (version !== JS_CLIENT) throw new Error(`@huggingface/hub ${version} is installed; the contract is derived from ${JS_CLIENT}`);
  const src = (file) => join(hubDir, "src", file);
  const files = [...Object.keys(NAMED), ...Object.values(INLINE).map((i) => i.file), ...Object.values(CONSTANTS)].map(src);
  const program = ts.createProgram([...new Set(files)], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
  });
  const checker = program.getTypeChecker();
  const wanted = new Set([...Object.values(NAMED).flat(), ...Object.keys(INLINE), ...Object.keys(PYTHON_TYPES)]);
  const types = {};
  for (const [file, names] of Object.entries(NAMED)) {
    const source = program.getSourceFile(src(file));
    if (!source) throw new Error(`cannot read ${file}`);
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(source));
    for (const name of names) {
      const symbol = exports.find((s) => s.name === name);
      if (!symbol) throw new Error(`${file} does not export ${name}`);
      types[name] = describe(checker, checker.getDeclaredTypeOfSymbol(symbol), wanted, name);
    }
  }
  for (const [name, { file, has }] of Object.entries(INLINE)) {
    const source = program.getSourceFile(src(file));
    types[name] = describe(checker, checker.getTypeAtLocation(inlineLiteral(source, has)), wanted, name);
  }
  for (const change of PYTHON_CHANGES) applyPythonChange(types, change);
  Object.assign(types, PYTHON_TYPES);
  const jsExpand = stringArray(program.getSourceFile(src(CONSTANTS.MODEL_EXPANDABLE_KEYS)), "MODEL_EXPANDABLE_KEYS");
  for (const type of Object.values(types)) assertResolved(type, types);
  return {
    source: { "@huggingface/hub": version, huggingface_hub: PY_CLIENT },
    endpoints: ENDPOINTS,
    modelExpandKeys: [...new Set([...jsExpand, ...PYTHON_EXPAND_KEYS])].sort(),
    types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** Every `ref` names a type of the contract. */
function assertResolved(descriptor, types) {
  if (descriptor.ref && !types[descriptor.ref]) throw new Error(`unresolved reference ${descriptor.ref}`);
  for (const d of [descriptor.items, descriptor.additional, ...(descriptor.anyOf ?? []), ...Object.values(descriptor.fields ?? {})])
    if (d) assertResolved(d, types);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(out, `${JSON.stringify(deriveHfContract(), null, 1)}\n`);
  console.log(`wrote ${out}`);
}
