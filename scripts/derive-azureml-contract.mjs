// Derives the minimal contract the Azure Machine Learning ARM fake (test/azureml/support/arm-fake*.ts) checks requests
// against, from the generated client inside the azure-ai-ml 1.35.2 wheel (PyPI), since the REST spec repository is
// too large to fetch. In 1.35.2 every control-plane call goes through one TypeSpec-generated client,
// azure/ai/ml/_restclient/arm_ml_service (model_base `rest_field`s, not msrest `_attribute_map`s), whose request
// builders default to api-version 2025-12-01; MLClient builds it again per operation group with older api-versions
// (_ml_client.py: `partial(MachineLearningServicesMgmtClient, api_version=...)`), and drives registries through the
// same client bound to the registry data-plane host at 2021-10-01-dataplanepreview (_utils/_registry_utils.py, which
// builds those requests by hand). The wheel's Python sources are read with Python's own `ast` module (python3, no
// imports of the package): the models' fields (JSON name, type, required = not Optional, read-only = visibility
// ["read"]), discriminators and enums; the request builders' URL templates, methods, query parameters and default
// api-version; the operation methods' expected statuses, LRO headers, body and response types; which api-version
// MLClient hands each operations class, and which generated operations each class calls through which of its clients
// (one class may call another's operations at its own api-version); the data-plane requests _registry_utils.py builds. Only what the fake serves
// is kept (OPERATIONS below, and the types they reach); no documentation.
//
//   node scripts/derive-azureml-contract.mjs [wheel]   writes test/contracts/azureml-contract.json
//
// Without a wheel argument it uses .cache/azureml/azure_ai_ml-1.35.2-py3-none-any.whl, fetched there with
// `python3 -m pip download --no-deps azure-ai-ml==1.35.2` when missing; the wheel's SHA-256 is checked either way.
// Imported, it exports deriveAzureMlContract({ wheel }) (writes nothing) and cachedWheel() (the cached wheel's path or
// undefined); the fake's test compares the committed file with a fresh derivation when the wheel is cached.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "test", "contracts", "azureml-contract.json");
const AZURE_AI_ML = "1.35.2";
const WHEEL = `azure_ai_ml-${AZURE_AI_ML}-py3-none-any.whl`;
const WHEEL_SHA256 = "a2dceea2a491ddd0e714f97d0a506c1150de5b65023f3d25a3e5b5ddd81a45f8";
const CACHE = join(root, ".cache", "azureml");
const PYTHON = process.env.PYTHON ?? "python3";

const SUB = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices";
const R = `${SUB}/registries/{registryName}`;

/**
 * The operations the fake serves: contract id (the spec's operationId), the generated operations class and method, and
 * the azure-ai-ml operations class whose api-versions MLClient sends for it (`workspace` or `registry` scope: a
 * registry's calls go to the data-plane api-version). An operation without `sdk` is one MLClient never sends.
 */
const OPERATIONS = [
  // The workspace itself, for its region (online endpoints live there); its properties are kept by name only.
  ["Workspaces_Get", "WorkspacesOperations", "get", "WorkspaceOperations", "workspace"],
  ["ModelContainers_Get", "ModelContainersOperations", "get", "ModelOperations", "workspace"],
  ["ModelContainers_CreateOrUpdate", "ModelContainersOperations", "create_or_update", "ModelOperations", "workspace"],
  ["ModelContainers_Delete", "ModelContainersOperations", "delete", "ModelOperations", "workspace"],
  ["ModelContainers_List", "ModelContainersOperations", "list", "ModelOperations", "workspace"],
  ["ModelVersions_Get", "ModelVersionsOperations", "get", "ModelOperations", "workspace"],
  ["ModelVersions_CreateOrUpdate", "ModelVersionsOperations", "create_or_update", "ModelOperations", "workspace"],
  ["ModelVersions_Delete", "ModelVersionsOperations", "delete", "ModelOperations", "workspace"],
  ["ModelVersions_List", "ModelVersionsOperations", "list", "ModelOperations", "workspace"],
  ["RegistryModelContainers_Get", "RegistryModelContainersOperations", "get", "ModelOperations", "registry"],
  ["RegistryModelContainers_CreateOrUpdate", "RegistryModelContainersOperations", "create_or_update", "ModelOperations", "registry"],
  ["RegistryModelContainers_Delete", "RegistryModelContainersOperations", "delete", "ModelOperations", "registry"],
  ["RegistryModelContainers_List", "RegistryModelContainersOperations", "list", "ModelOperations", "registry"],
  ["RegistryModelVersions_Get", "RegistryModelVersionsOperations", "get", "ModelOperations", "registry"],
  ["RegistryModelVersions_CreateOrUpdate", "RegistryModelVersionsOperations", "create_or_update", "ModelOperations", "registry"],
  ["RegistryModelVersions_Delete", "RegistryModelVersionsOperations", "delete", "ModelOperations", "registry"],
  ["RegistryModelVersions_List", "RegistryModelVersionsOperations", "list", "ModelOperations", "registry"],
  ["RegistryModelVersions_CreateOrGetStartPendingUpload", "RegistryModelVersionsOperations", "create_or_get_start_pending_upload"],
  ["RegistryDataReferences_GetBlobReferenceSAS", "RegistryDataReferencesOperations", "get_blob_reference_sas"],
  ["Datastores_Get", "DatastoresOperations", "get", "DatastoreOperations", "workspace"],
  ["Datastores_ListSecrets", "DatastoresOperations", "list_secrets", "DatastoreOperations", "workspace"],
  ["OnlineEndpoints_Get", "OnlineEndpointsOperations", "get", "OnlineEndpointOperations", "workspace"],
  ["OnlineEndpoints_CreateOrUpdate", "OnlineEndpointsOperations", "create_or_update", "OnlineEndpointOperations", "workspace"],
  ["OnlineEndpoints_Delete", "OnlineEndpointsOperations", "delete", "OnlineEndpointOperations", "workspace"],
  ["OnlineEndpoints_List", "OnlineEndpointsOperations", "list", "OnlineEndpointOperations", "workspace"],
  ["OnlineDeployments_Get", "OnlineDeploymentsOperations", "get", "OnlineDeploymentOperations", "workspace"],
  ["OnlineDeployments_CreateOrUpdate", "OnlineDeploymentsOperations", "create_or_update", "OnlineDeploymentOperations", "workspace"],
  ["OnlineDeployments_Delete", "OnlineDeploymentsOperations", "delete", "OnlineDeploymentOperations", "workspace"],
  ["OnlineDeployments_List", "OnlineDeploymentsOperations", "list", "OnlineDeploymentOperations", "workspace"],
];

/** The azure-ai-ml operations classes whose calls the fake serves. */
const SERVED_SDK = new Set(OPERATIONS.map((o) => o[3]).filter(Boolean));

/**
 * The registry data-plane requests azure-ai-ml builds by hand in _utils/_registry_utils.py (function name) that have
 * no generated builder: their contract id and body type. Their bodies are dict literals there; the types below are
 * made from those literals' keys (checked against the source) since the generated client has no model for them.
 */
const DATAPLANE = [
  ["RegistryTemporaryDataReferences_CreateOrGet", "get_sas_uri_for_registry_asset", "TemporaryDataReferenceRequestDto", "TemporaryDataReferenceResponseDto"],
  [
    "RegistryDataReferences_GetBlobReferenceSASDataplane",
    "get_storage_details_for_registry_assets",
    "GetBlobReferenceSASRequestDto",
    "GetBlobReferenceSASResponseDto",
  ],
];
/** Where each data-plane body's keys are written (function in _registry_utils.py) and what they must be. */
const DATAPLANE_BODIES = {
  get_asset_body_for_registry_storage: ["assetId", "temporaryDataReferenceType"],
  get_storage_details_for_registry_assets: ["assetId", "blobUri"],
};
const str = { type: "string", required: false };
const EXTRA_TYPES = {
  // _registry_utils.get_asset_body_for_registry_storage: {"assetId": REGISTRY_ASSET_ID..., "temporaryDataReferenceType": "TemporaryBlobReference"}.
  TemporaryDataReferenceRequestDto: { fields: { assetId: str, temporaryDataReferenceType: str } },
  // _registry_utils.get_sas_uri_for_registry_asset reads res["blobReferenceForConsumption"]["credential"]["sasUri"]; the
  // other two fields are named after the request's (a guess: no source here shows the data-plane answer).
  TemporaryDataReferenceResponseDto: {
    fields: {
      blobReferenceForConsumption: { ref: "BlobReferenceForConsumptionDto", required: false },
      temporaryDataReferenceId: str,
      temporaryDataReferenceType: str,
    },
  },
};

/** Discriminated bases the fake meets, and the subtypes it keeps (others are refused as unsupported). */
const KEEP_SUBTYPES = {
  DatastoreProperties: ["AzureBlob"],
  DatastoreCredentials: ["AccountKey", "Sas", "None"],
  DatastoreSecrets: ["AccountKey", "Sas"],
  OnlineDeploymentProperties: ["Managed"],
  OnlineScaleSettings: ["Default", "TargetUtilization"],
  DataReferenceCredential: ["SAS", "NoCredentials"],
  PendingUploadCredentialDto: ["SAS"],
};
/** Types kept by name only (an object the fake never looks into). */
const OPAQUE = new Set(["DataCollector", "WorkspaceProperties"]);

/** Reads the wheel with Python's ast (sys.argv[1] = wheel path) and prints the raw facts as JSON. */
const EXTRACT = String.raw`
import ast, json, sys, zipfile

wheel = sys.argv[1]
ROOT = "azure/ai/ml/"
GEN = ROOT + "_restclient/arm_ml_service/"
z = zipfile.ZipFile(wheel)
read = lambda p: z.read(p).decode("utf8")
version = next(n.split("/")[0] for n in z.namelist() if n.endswith(".dist-info/METADATA"))


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return dotted(node.value) + "." + node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return dotted(ast.parse(node.value, mode="eval").body)
    raise ValueError(ast.dump(node))


def annotation(node):
    """A type descriptor: primitives, {list}, {dict}, {ref}, {enumRef}, {literal: [member]}; optional marked."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return annotation(ast.parse(node.value, mode="eval").body)
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = dotted(node)
        prim = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "Any": "unknown",
                "datetime.datetime": "date-time", "datetime.timedelta": "duration", "bytes": "bytes", "JSON": "unknown"}
        if name in prim:
            return {"type": prim[name]}
        if name.startswith("_models."):
            return {"ref": name[8:]}
        raise ValueError("annotation " + name)
    if isinstance(node, ast.Subscript):
        head = dotted(node.value)
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head == "Optional":
            return {**annotation(args[0]), "optional": True}
        if head in ("list", "List"):
            return {"type": "array", "items": annotation(args[0])}
        if head in ("dict", "Dict"):
            return {"type": "object", "additional": annotation(args[1])}
        if head == "Literal":
            return {"literal": [dotted(a) if not isinstance(a, ast.Constant) else a.value for a in args]}
        if head == "Union":
            parts = [annotation(a) for a in args]
            if len(parts) == 2 and parts[0] == {"type": "string"} and "ref" in parts[1]:
                return {"enumRef": parts[1]["ref"]}
            return {"anyOf": parts}
    raise ValueError(ast.dump(node))


def fname(node):
    try:
        return dotted(node)
    except ValueError:
        return ""


def kw(call, name):
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


# ---- models -------------------------------------------------------------------------------------------------------
classes = {}
for node in ast.parse(read(GEN + "models/_models.py")).body:
    if not isinstance(node, ast.ClassDef):
        continue
    disc = next((k.value.value for k in node.keywords if k.arg == "discriminator"), None)
    fields = []
    for stmt in node.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.value, ast.Call) and isinstance(stmt.target, ast.Name)):
            continue
        fn = fname(stmt.value.func)
        if fn not in ("rest_field", "rest_discriminator"):
            continue
        name = kw(stmt.value, "name")
        vis = kw(stmt.value, "visibility")
        fields.append({
            "py": stmt.target.id,
            "json": name.value if name is not None else stmt.target.id,
            "ann": annotation(stmt.annotation),
            "visibility": [e.value for e in vis.elts] if vis is not None else None,
            "discriminator": fn == "rest_discriminator",
        })
    classes[node.name] = {"bases": [dotted(b) for b in node.bases], "discriminatorValue": disc, "fields": fields}

enums = {}
for node in ast.parse(read(GEN + "models/_enums.py")).body:
    if isinstance(node, ast.ClassDef):
        enums[node.name] = {t.targets[0].id: t.value.value for t in node.body
                            if isinstance(t, ast.Assign) and isinstance(t.value, ast.Constant)}

# ---- request builders and operation methods -----------------------------------------------------------------------
ops_tree = ast.parse(read(GEN + "operations/_operations.py"))
builders = {}
for node in ops_tree.body:
    if isinstance(node, ast.FunctionDef) and node.name.startswith("build_"):
        info = {"query": []}
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Assign, ast.AnnAssign)):
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                for t in targets:
                    if isinstance(t, ast.Name) and t.id == "_url" and isinstance(sub.value, ast.Constant):
                        info["path"] = sub.value.value
                    if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == "_params":
                        info["query"].append(t.slice.value)
                    if isinstance(t, ast.Name) and t.id == "api_version":
                        for c in ast.walk(sub.value):
                            if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value[:2] == "20":
                                info["apiVersion"] = c.value
            if isinstance(sub, ast.Call) and fname(sub.func) == "HttpRequest":
                info["method"] = kw(sub, "method").value
        builders[node.name] = info

operations = {}
for cls in ops_tree.body:
    if not (isinstance(cls, ast.ClassDef) and cls.name.endswith("Operations")):
        continue
    methods = {}
    for fn in cls.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        key = fn.name.removeprefix("begin_").removeprefix("_").removesuffix("_initial")
        m = methods.setdefault(key, {"builders": [], "statuses": [], "headers": {}, "body": None, "response": None, "lro": False})
        if fn.name.startswith("begin_"):
            m["lro"] = True
        body_arg = next((a for a in fn.args.args if a.arg == "body"), None)
        if body_arg is not None and body_arg.annotation is not None and m["body"] is None:
            try:
                d = annotation(body_arg.annotation)
                if "ref" in d:
                    m["body"] = d["ref"]
                    m["bodyRequired"] = not d.get("optional", False)
            except ValueError:
                pass
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                if sub.func.id.startswith("build_") and sub.func.id not in m["builders"]:
                    m["builders"].append(sub.func.id)
                if sub.func.id == "_deserialize" and m["response"] is None:
                    try:
                        d = annotation(sub.args[0])
                        m["response"] = d.get("ref") or ({"list": d["items"]["ref"]} if "items" in d else None)
                    except (ValueError, KeyError):
                        pass
            if isinstance(sub, ast.Compare) and isinstance(sub.ops[0], ast.NotIn) and fname(sub.left) == "response.status_code":
                m["statuses"] = sorted({e.value for e in sub.comparators[0].elts} | set(m["statuses"]))
            if isinstance(sub, ast.If) and isinstance(sub.test, ast.Compare) and isinstance(sub.test.ops[0], ast.Eq) \
                    and fname(sub.test.left) == "response.status_code":
                status = str(sub.test.comparators[0].value)
                for a in sub.body:
                    if isinstance(a, ast.Assign) and isinstance(a.targets[0], ast.Subscript):
                        m["headers"].setdefault(status, []).append(a.targets[0].slice.value)
    operations[cls.name] = {k: v for k, v in methods.items() if v["builders"]}

# ---- what MLClient pins (api-versions per operations class) and the registry data-plane requests it builds ---------
REG = read(ROOT + "_utils/_registry_utils.py")
reg_tree = ast.parse(REG)
registry_version = next(n.value.value for n in reg_tree.body if isinstance(n, ast.Assign)
                        and getattr(n.targets[0], "id", None) == "REGISTRY_DATAPLANE_API_VERSION")
def templates(node, env):
    """The URL templates an expression can give: f-strings (with local f-string variables expanded), conditionals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        return env.get(node.id, [])
    if isinstance(node, ast.IfExp):
        return templates(node.body, env) + templates(node.orelse, env)
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts = [v.value]
            elif isinstance(v.value, ast.Name) and v.value.id in env:
                parts = env[v.value.id]
            else:
                parts = ["{" + ast.unparse(v.value) + "}"]
            out = [a + b for a in out for b in parts]
        return out
    return []


hand_built = []
for fn in reg_tree.body:
    if not isinstance(fn, ast.FunctionDef):
        continue
    env = {}
    for stmt in ast.walk(fn):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            found = templates(stmt.value, env)
            if found:
                env[stmt.targets[0].id] = found
    for sub in ast.walk(fn):
        if isinstance(sub, ast.Call) and fname(sub.func) == "HttpRequest" and isinstance(sub.args[0], ast.Constant) \
                and len(sub.args) > 1:
            body = kw(sub, "json") or kw(sub, "content")
            for path in templates(sub.args[1], env):
                if path.startswith("/subscriptions/"):
                    hand_built.append({"function": fn.name, "method": sub.args[0].value, "path": path, "body": body is not None})
body_keys = {}
for fn in reg_tree.body:
    if isinstance(fn, ast.FunctionDef):
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Dict) and all(isinstance(k, ast.Constant) for k in sub.keys) and sub.keys:
                body_keys.setdefault(fn.name, []).append([k.value for k in sub.keys])

query_extras = {}
for name in ("_model_operations.py",):
    for sub in ast.walk(ast.parse(read(ROOT + "operations/" + name))):
        if isinstance(sub, ast.Dict):
            for k, v in zip(sub.keys, sub.values):
                if isinstance(k, ast.Constant) and k.value == "params" and isinstance(v, ast.Dict):
                    query_extras.setdefault(name, []).extend(x.value for x in v.keys)

ml = ast.parse(read(ROOT + "_ml_client.py"))
partials = {}
for n in ml.body:
    if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and fname(n.value.func) == "partial":
        v = kw(n.value, "api_version")
        if v is not None:
            partials[n.targets[0].id] = v.value
attr_version = {}
uses = {}
for sub in ast.walk(ml):
    if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call) and isinstance(sub.value.func, ast.Name):
        for t in sub.targets:
            if isinstance(t, ast.Attribute) and sub.value.func.id in partials:
                attr_version[t.attr] = partials[sub.value.func.id]
            if isinstance(t, ast.Attribute) and sub.value.func.id.endswith("Operations"):
                attrs = sorted({a.attr for a in ast.walk(sub.value) if isinstance(a, ast.Attribute) and a.attr.startswith("_service_client")})
                uses[sub.value.func.id] = attrs
attr_version["_service_client_registry_arm"] = registry_version
sdk_versions = {cls: sorted({attr_version[a] for a in attrs if a in attr_version}) for cls, attrs in uses.items()}

# Which generated operations an azure-ai-ml operations class calls through which of its service clients, so an operation
# another class's client sends (OnlineDeploymentOperations checks the endpoint through its 2023-04-01-preview client's
# online_endpoints.get) takes that client's api-version too. The class's __init__ keeps "self.X = <param>.<group>";
# its methods call "self.X.<method>(...)"; _ml_client.py says which service client it passes as <param>.
group_class = {}
for sub in ast.walk(ast.parse(read(GEN + "_client.py"))):
    if isinstance(sub, ast.Assign) and isinstance(sub.targets[0], ast.Attribute) and isinstance(sub.value, ast.Call) \
            and isinstance(sub.value.func, ast.Name) and sub.value.func.id.endswith("Operations"):
        group_class[sub.targets[0].attr] = sub.value.func.id
passed = {}
for sub in ast.walk(ml):
    if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id.endswith("Operations"):
        args = [(i, a) for i, a in enumerate(sub.args)] + [(k.arg, k.value) for k in sub.keywords if k.arg]
        for key, value in args:
            attrs = {a.attr for a in ast.walk(value) if isinstance(a, ast.Attribute) and a.attr in attr_version}
            if attrs:
                passed.setdefault(sub.func.id, {}).setdefault(key, set()).update(attrs)
cross_calls = []
for name in z.namelist():
    if not (name.startswith(ROOT + "operations/") and name.endswith(".py")):
        continue
    for cls in ast.parse(read(name)).body:
        if not isinstance(cls, ast.ClassDef) or cls.name not in passed:
            continue
        init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        if init is None:
            continue
        params = [a.arg for a in init.args.args[1:]]
        held = {}
        for sub in ast.walk(init):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Attribute) \
                    and fname(sub.targets[0].value) == "self" and isinstance(sub.value, ast.Attribute) \
                    and isinstance(sub.value.value, ast.Name) and sub.value.value.id in params:
                held[sub.targets[0].attr] = (sub.value.value.id, sub.value.attr)
        found = set()
        for sub in ast.walk(cls):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and isinstance(sub.func.value, ast.Attribute) \
                    and fname(sub.func.value.value) == "self" and sub.func.value.attr in held:
                param, group = held[sub.func.value.attr]
                if group not in group_class:
                    continue
                attrs = passed[cls.name].get(param, set()) | passed[cls.name].get(params.index(param), set())
                for a in attrs:
                    found.add((group_class[group], sub.func.attr.removeprefix("begin_"), attr_version[a]))
        cross_calls += [{"sdkClass": cls.name, "generated": g, "method": m, "apiVersion": v} for g, m, v in sorted(found)]

# The registry version PUT azure-ai-ml really sends (_restclient/model_dataplane/operations/_patch.py): the generated
# body with fields set by hand ("_json[...][...] = ..."), sent at the builder's default api-version.
dataplane_patch = []
patch_tree = ast.parse(read(ROOT + "_restclient/model_dataplane/operations/_patch.py"))
for fn in patch_tree.body:
    if not (isinstance(fn, ast.FunctionDef) and fn.name.startswith("_build_")):
        continue
    info = {"function": fn.name, "extras": []}
    for sub in ast.walk(fn):
        if isinstance(sub, ast.Assign) and getattr(sub.targets[0], "id", None) == "url" and isinstance(sub.value, ast.Constant):
            info["path"] = sub.value.value
        if isinstance(sub, ast.Assign) and getattr(sub.targets[0], "id", None) == "api_version":
            info["apiVersion"] = next(c.value for c in ast.walk(sub.value) if isinstance(c, ast.Constant) and str(c.value)[:2] == "20")
        if isinstance(sub, ast.Call) and fname(sub.func) == "HttpRequest":
            info["method"] = kw(sub, "method").value
    dataplane_patch.append(info)
for sub in ast.walk(patch_tree):
    if isinstance(sub, ast.Assign) and isinstance(sub.targets[0], ast.Subscript):
        keys, t = [], sub.targets[0]
        while isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant):
            keys.insert(0, t.slice.value)
            t = t.value
        if isinstance(t, ast.Name) and t.id == "_json":
            for info in dataplane_patch:
                info["extras"].append(".".join(keys))

json.dump({
    "wheel": version,
    "defaultApiVersion": next(iter({b["apiVersion"] for b in builders.values() if "apiVersion" in b})),
    "classes": classes, "enums": enums, "builders": builders, "operations": operations,
    "sdkVersions": sdk_versions, "sdkCalls": cross_calls, "dataplanePatch": dataplane_patch, "sdkQueryExtras": query_extras, "registryDataplane": {"apiVersion": registry_version, "requests": hand_built, "bodies": body_keys},
}, sys.stdout)
`;

/** The cached wheel's path, or undefined. */
export function cachedWheel() {
  const path = join(CACHE, WHEEL);
  return existsSync(path) ? path : undefined;
}

/** Downloads the wheel into .cache/azureml with pip (no dependencies). */
function downloadWheel() {
  mkdirSync(CACHE, { recursive: true });
  const pip = spawnSync(PYTHON, ["-m", "pip", "download", "--no-deps", "--only-binary", ":all:", `azure-ai-ml==${AZURE_AI_ML}`, "-d", CACHE], {
    stdio: "inherit",
  });
  if (pip.status !== 0) throw new Error(`pip download azure-ai-ml==${AZURE_AI_ML} failed`);
  return join(CACHE, WHEEL);
}

/** The raw facts from the wheel (see EXTRACT). */
function extract(wheel) {
  const digest = createHash("sha256").update(readFileSync(wheel)).digest("hex");
  if (digest !== WHEEL_SHA256) throw new Error(`${wheel} is not azure-ai-ml ${AZURE_AI_ML}'s wheel (sha256 ${digest})`);
  const run = spawnSync(PYTHON, ["-", wheel], { input: EXTRACT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`reading the wheel failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The template with its parameters' names dropped, to compare two templates. */
const shape = (path) => path.replace(/\{[^}]+\}/g, "{}");

/** The contract, derived from the wheel. Writes nothing. */
export function deriveAzureMlContract({ wheel = cachedWheel() } = {}) {
  if (!wheel) throw new Error(`no wheel: pass its path, or run node scripts/derive-azureml-contract.mjs to fetch ${WHEEL}`);
  const facts = extract(wheel);
  const registryVersion = facts.registryDataplane.apiVersion;
  const operations = [];
  const roots = new Set(["ErrorResponse"]);

  // The data-plane requests: templates normalized to the generated ones' prefix and parameter names.
  const dataplane = facts.registryDataplane.requests.map((r) => ({
    ...r,
    path: r.path
      .replace(/^\/subscriptions\/\{[^}]+\}\/resourceGroups\/\{[^}]+\}\/providers\/Microsoft\.MachineLearningServices\/registries\/\{[^}]+\}/, R)
      .replace("{asset_plural}", "models")
      .replace("{asset_name}", "{name}")
      .replace("{asset_version}", "{version}"),
  }));

  for (const [id, cls, method, sdkClass, scope] of OPERATIONS) {
    const op = facts.operations[cls]?.[method];
    if (!op) throw new Error(`the generated client has no ${cls}.${method}`);
    const builder = facts.builders[op.builders[0]];
    const apiVersions = [builder.apiVersion];
    if (sdkClass) {
      const pinned = facts.sdkVersions[sdkClass];
      if (!pinned) throw new Error(`MLClient builds no ${sdkClass}`);
      // A registry call goes at the data-plane version only where _registry_utils.py builds that method and template
      // (azure-ai-ml archives registry models and never deletes them).
      const built = dataplane.some((r) => r.method === builder.method && shape(r.path) === shape(builder.path));
      for (const v of pinned) if (v === registryVersion ? scope === "registry" && built : scope === "workspace") apiVersions.push(v);
      // The api-versions another served operations class sends this operation at, through its own client (e.g.
      // OnlineEndpoints_Get at OnlineDeploymentOperations' 2023-04-01-preview). Only classes the fake serves count.
      if (scope === "workspace")
        for (const call of facts.sdkCalls)
          if (call.generated === cls && call.method === method && call.apiVersion !== registryVersion && SERVED_SDK.has(call.sdkClass))
            apiVersions.push(call.apiVersion);
    }
    const extras = method === "list" && cls === "ModelVersionsOperations" ? (facts.sdkQueryExtras["_model_operations.py"] ?? []) : [];
    // Fields azure-ai-ml adds by hand to a data-plane body (registry version PUTs carry properties.system_metadata),
    // taken at that api-version only; untyped there, so "unknown".
    const patch = facts.dataplanePatch.filter(
      (p) => p.method === builder.method && shape(p.path) === shape(builder.path) && apiVersions.includes(p.apiVersion) && p.extras.length > 0,
    );
    const bodyExtras = Object.fromEntries(patch.map((p) => [p.apiVersion, p.extras]));
    const entry = {
      id,
      method: builder.method,
      path: builder.path,
      apiVersions: [...new Set(apiVersions)],
      query: [...builder.query.filter((q) => q !== "api-version"), ...extras],
      ...(op.body && { body: op.body, bodyRequired: op.bodyRequired }),
      ...(patch.length > 0 && { bodyExtras }),
      ...(op.response && { response: op.response }),
      statuses: op.statuses,
      ...(op.lro && { lro: true }),
      ...(Object.keys(op.headers).length > 0 && { headers: op.headers }),
    };
    operations.push(entry);
    for (const t of [op.body, typeof op.response === "string" ? op.response : op.response?.list]) if (t) roots.add(t);
  }
  for (const [key, expected] of Object.entries(DATAPLANE_BODIES)) {
    const found = facts.registryDataplane.bodies[key]?.[0];
    if (JSON.stringify(found) !== JSON.stringify(expected)) throw new Error(`_registry_utils.${key} sends ${JSON.stringify(found)}, not ${expected}`);
  }
  for (const [id, fn, body, response] of DATAPLANE) {
    const request = dataplane.find((r) => r.function === fn);
    if (!request) throw new Error(`_registry_utils.py has no ${fn}`);
    operations.push({
      id,
      method: request.method,
      path: request.path,
      apiVersions: [registryVersion],
      query: [],
      body,
      bodyRequired: true,
      response,
      statuses: [200],
    });
    for (const t of [body, response]) if (!EXTRA_TYPES[t]) roots.add(t);
  }
  for (const extra of Object.values(EXTRA_TYPES)) for (const f of Object.values(extra.fields)) if (f.ref) roots.add(f.ref);

  const types = collectTypes(facts, roots);
  Object.assign(types, EXTRA_TYPES);
  for (const type of Object.values(types)) for (const f of Object.values(type.fields)) assertResolved(f, types);
  return {
    source: { "azure-ai-ml": AZURE_AI_ML, client: "azure/ai/ml/_restclient/arm_ml_service", sha256: WHEEL_SHA256 },
    apiVersions: {
      default: facts.defaultApiVersion,
      sdk: Object.fromEntries(Object.entries(facts.sdkVersions).filter(([cls]) => OPERATIONS.some((o) => o[3] === cls))),
      registryDataplane: registryVersion,
    },
    operations,
    types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The contract types reachable from `roots`, each with its inherited fields flattened in. */
function collectTypes(facts, roots) {
  const { classes, enums } = facts;
  const subtypes = (base) => Object.entries(classes).filter(([, c]) => c.bases.includes(base) && c.discriminatorValue !== null);
  const fieldsOf = (name) => {
    const c = classes[name];
    if (!c) return [];
    const inherited = c.bases.flatMap((b) => fieldsOf(b));
    const own = new Map(inherited.map((f) => [f.json, f]));
    for (const f of c.fields) own.set(f.json, f);
    return [...own.values()];
  };
  const enumValue = (member) => {
    const [cls, name] = member.split(".");
    const value = enums[cls]?.[name];
    if (value === undefined) throw new Error(`no enum member ${member}`);
    return value;
  };
  const queue = [...roots];
  const types = {};
  const describe = (ann) => {
    if (ann.type === "date-time" || ann.type === "duration") return { type: "string", format: ann.type };
    if (ann.type === "bytes") return { type: "string" };
    if (ann.type === "array") return { type: "array", items: describe(ann.items) };
    if (ann.type === "object") return { type: "object", additional: describe(ann.additional) };
    if (ann.type) return { type: ann.type };
    if (ann.enumRef) return { type: "string", enum: Object.values(enums[ann.enumRef]) };
    if (ann.literal) return { type: "string", enum: ann.literal.map((m) => (m.includes(".") ? enumValue(m) : m)) };
    if (ann.ref) {
      if (enums[ann.ref]) return { type: "string", enum: Object.values(enums[ann.ref]) };
      if (OPAQUE.has(ann.ref)) return { type: "object", opaque: ann.ref };
      queue.push(ann.ref);
      return { ref: ann.ref };
    }
    throw new Error(`cannot describe ${JSON.stringify(ann)}`);
  };
  while (queue.length > 0) {
    const name = queue.shift();
    if (types[name]) continue;
    if (!classes[name]) throw new Error(`the generated client has no model ${name}`);
    types[name] = { fields: {} };
    for (const f of fieldsOf(name)) {
      const readOnly = f.visibility?.length === 1 && f.visibility[0] === "read";
      const writeOnly = f.visibility !== null && !f.visibility.includes("read");
      types[name].fields[f.json] = {
        ...describe(f.ann),
        required: !f.ann.optional,
        ...(readOnly && { readOnly: true }),
        ...(writeOnly && { writeOnly: true }),
      };
    }
    const disc = fieldsOf(name).find((f) => f.discriminator);
    if (disc && classes[name].discriminatorValue === null) {
      const kept = KEEP_SUBTYPES[name];
      if (!kept) throw new Error(`${name} is discriminated by ${disc.json}: list the subtypes to keep in KEEP_SUBTYPES`);
      const mapping = {};
      for (const [sub, c] of subtypes(name)) if (kept.includes(c.discriminatorValue)) mapping[c.discriminatorValue] = sub;
      const missing = kept.filter((v) => !mapping[v]);
      if (missing.length > 0) throw new Error(`${name} has no subtypes for ${missing.join(", ")}`);
      types[name].discriminator = { property: disc.json, mapping };
      queue.push(...Object.values(mapping));
    }
  }
  return types;
}

/** Every `ref` names a type of the contract. */
function assertResolved(descriptor, types) {
  if (descriptor.ref && !types[descriptor.ref]) throw new Error(`unresolved reference ${descriptor.ref}`);
  for (const d of [descriptor.items, descriptor.additional]) if (d) assertResolved(d, types);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wheel = process.argv[2] ? resolve(process.argv[2]) : (cachedWheel() ?? downloadWheel());
  writeFileSync(out, `${JSON.stringify(deriveAzureMlContract({ wheel }), null, 1)}\n`);
  console.log(`wrote ${out}`);
}
