// Azure's official Python client (azure-ai-ml 1.35.2, MLClient) against the ARM fake and Azurite on loopback: what it
// creates lands in the fake's state and in Azurite as Azure would hold it, what it reads back is what was written, and
// its requests are the ones the fake's contract serves. Where the client and the fake disagree, the fake is wrong.
// How MLClient is pointed at the fakes, and what it sends: support/mlclient-loopback.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GROUP, MFE_PREFIX, MLCLIENT_TEST_TIMEOUT_MS, REGISTRY, SUBSCRIPTION, sha256, useMlClientLoopback, WORKSPACE } from "./support/mlclient-loopback.js";

const loop = useMlClientLoopback();

const W = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;
const R = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/registries/${REGISTRY}`;
/** The long datastore URI the SDK expands `azureml://datastores/...` to (lower-case `resourcegroups`, as it writes it). */
const LONG = `azureml://subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/${WORKSPACE}/datastores/workspaceblobstore/paths`;

/** The folder the upload tests send: a binary with NUL bytes, a nested file, an empty file. */
const FILES: Record<string, Buffer> = {
  "model.pkl": Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 31 + (i >> 9)) & 0xff)),
  "conf/params.json": Buffer.from('{"threshold": 0.7}\n'),
  "empty.txt": Buffer.alloc(0),
};
let folder = "";

/** The fake's requests since `mark`, as `METHOD operation status`. */
const since = (mark: number) => loop.arm.requests.slice(mark).map((r) => `${r.method} ${r.operation ?? r.path} ${r.status}`);
const workspaceModel = (name: string) => loop.arm.state.workspace?.containers.get(name);

beforeAll(async () => {
  folder = join(loop.home, "fraud-model");
  for (const [path, bytes] of Object.entries(FILES)) {
    await mkdir(join(folder, path, ".."), { recursive: true });
    await writeFile(join(folder, path), bytes);
  }
});

describe("azure-ai-ml 1.35.2 against the ARM fake: workspace models", () => {
  it(
    "creates versions: a datastore path registers without an upload, the same version takes new metadata, a new path is refused, and no version means the container's nextVersion",
    async () => {
      const mark = loop.arm.requests.length;
      const out = (await loop.python(`
from azure.ai.ml.entities import Model
ml = workspace_client()
def show(m):
    return {"name": m.name, "version": m.version, "path": m.path, "tags": m.tags, "stage": m.stage, "description": m.description, "properties": m.properties}
first = ml.models.create_or_update(Model(name="fraud", version="1", path="azureml://datastores/workspaceblobstore/paths/models/fraud/",
                                         tags={"team": "risk", "n": 1}, description="first", stage="Development", properties={"p": "x"}))
again = ml.models.create_or_update(Model(name="fraud", version="1", path="azureml://datastores/workspaceblobstore/paths/models/fraud/",
                                         tags={"team": "risk", "n": 2}, description="changed", stage="Staging"))
moved = error_of(lambda: ml.models.create_or_update(Model(name="fraud", version="1", path="azureml://datastores/workspaceblobstore/paths/models/elsewhere/")))
auto = ml.models.create_or_update(Model(name="fraud", path="azureml://datastores/workspaceblobstore/paths/models/fraud-2/", stage="Production"))
emit({"first": show(first), "again": show(again), "moved": moved, "auto": show(auto), "scopes": FakeCredential.scopes[0]})
`)) as Record<string, Record<string, unknown>>;
      expect(out.first).toEqual({
        name: "fraud",
        version: "1",
        path: `${LONG}/models/fraud/`,
        tags: { team: "risk", n: "1" },
        stage: "Development",
        description: "first",
        properties: { p: "x" },
      });
      // A PUT replaces the version's metadata: the properties not sent again are gone.
      expect(out.again).toMatchObject({ version: "1", tags: { team: "risk", n: "2" }, stage: "Staging", description: "changed", properties: {} });
      expect(out.moved).toEqual(["HttpResponseError", "(UserError) Asset paths cannot be updated."]);
      expect(out.auto).toMatchObject({ version: "2", path: `${LONG}/models/fraud-2/`, stage: "Production" });
      // MLClient asks for a token for its cloud's resource manager.
      expect(out.scopes).toEqual([`${loop.frontUrl}/.default`]);

      const model = workspaceModel("fraud");
      expect(model?.versions.get("1")?.properties).toMatchObject({
        modelUri: `${LONG}/models/fraud/`,
        modelType: "custom_model",
        tags: { team: "risk", n: "2" },
        description: "changed",
        stage: "Staging",
        properties: {},
        isArchived: false,
      });
      expect(model?.versions.get("2")?.properties).toMatchObject({ modelUri: `${LONG}/models/fraud-2/`, stage: "Production" });
      expect(since(mark)).toEqual([
        "GET ModelVersions_List 200",
        "PUT ModelVersions_CreateOrUpdate 201",
        "GET ModelVersions_List 200",
        "PUT ModelVersions_CreateOrUpdate 200",
        "GET ModelVersions_List 200",
        "PUT ModelVersions_CreateOrUpdate 400",
        "GET ModelVersions_List 200",
        // No version given: the SDK reads the container's nextVersion.
        "GET ModelContainers_Get 200",
        "PUT ModelVersions_CreateOrUpdate 201",
      ]);
      const requests = loop.arm.requests.slice(mark);
      expect(new Set(requests.map((r) => r.query["api-version"]))).toEqual(new Set(["2023-08-01-preview"]));
      expect(requests.every((r) => r.authorized)).toBe(true);
      // The evaluator check before each create asks for the newest version.
      expect(requests[0]?.query).toMatchObject({ $orderBy: "createdtime desc", $top: "1" });
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );

  it(
    "uploads a local folder and a single file through the datastore into Azurite, and registers their LocalUpload paths",
    async () => {
      const mark = loop.arm.requests.length;
      const out = (await loop.python(
        `
from azure.ai.ml.entities import Model
ml = workspace_client()
folder = ml.models.create_or_update(Model(name="fraud", path=sys.argv[1], tags={"kind": "folder"}))
single = ml.models.create_or_update(Model(name="scorer", version="7", path=sys.argv[1] + "/conf/params.json"))
emit({"folder": [folder.version, folder.path], "single": [single.version, single.path]})
`,
        folder,
      )) as { folder: [string, string]; single: [string, string] };
      const container = loop.arm.state.datastores.get("workspaceblobstore")?.containerName as string;
      const [version, uri] = out.folder;
      expect(version).toBe("3");
      const m = new RegExp(`^${LONG}/LocalUpload/([0-9a-f]{64})/fraud-model$`).exec(uri);
      expect(m, uri).not.toBeNull();
      const prefix = `LocalUpload/${m?.[1]}/fraud-model`;
      expect(workspaceModel("fraud")?.versions.get("3")?.properties).toMatchObject({ modelUri: uri, tags: { kind: "folder" } });
      // Byte for byte in the datastore's container, at the path the version names.
      expect((await loop.listBlobs(container, `${prefix}/`)).sort()).toEqual(
        Object.keys(FILES)
          .map((p) => `${prefix}/${p}`)
          .sort(),
      );
      for (const [path, bytes] of Object.entries(FILES))
        expect(sha256((await loop.readBlob(container, `${prefix}/${path}`)) ?? "missing"), path).toBe(sha256(bytes));

      expect(out.single[0]).toBe("7");
      const single = new RegExp(`^${LONG}/(LocalUpload/[0-9a-f]{64}/params\\.json)$`).exec(out.single[1]);
      expect(single, out.single[1]).not.toBeNull();
      expect(sha256((await loop.readBlob(container, single?.[1] as string)) ?? "missing")).toBe(sha256(FILES["conf/params.json"] as Buffer));

      expect(since(mark)).toEqual([
        "GET ModelVersions_List 200",
        "GET ModelContainers_Get 200",
        "GET Datastores_Get 200",
        "POST Datastores_ListSecrets 200",
        "PUT ModelVersions_CreateOrUpdate 201",
        "GET ModelVersions_List 200",
        "GET Datastores_Get 200",
        "POST Datastores_ListSecrets 200",
        "PUT ModelVersions_CreateOrUpdate 201",
      ]);
      const secrets = loop.arm.requests.slice(mark).find((r) => r.operation === "Datastores_ListSecrets");
      expect(secrets?.body).toEqual({ expirableSecret: true, expireAfterHours: 1 });
      expect(secrets?.query["api-version"]).toBe("2024-10-01-preview");
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );

  it(
    "reads what the fake holds: a version, the latest by creation time, versions by name and by stage, and the models",
    async () => {
      const mark = loop.arm.requests.length;
      const out = (await loop.python(`
ml = workspace_client()
from azure.ai.ml.entities import Model
emit({
    "get": [ml.models.get("fraud", "2").path, ml.models.get("fraud", "2").stage],
    "latest": ml.models.get("fraud", label="latest").version,
    "missing": error_of(lambda: ml.models.get("fraud", "99")),
    "versions": sorted(m.version for m in ml.models.list("fraud")),
    "production": [m.version for m in ml.models.list("fraud", stage="Production")],
    "models": sorted([m.name, m.latest_version] for m in ml.models.list()),
})
`)) as Record<string, unknown>;
      expect(out).toEqual({
        get: [`${LONG}/models/fraud-2/`, "Production"],
        latest: "3",
        missing: ["ResourceNotFoundError", expect.stringContaining("not found")],
        versions: ["1", "2", "3"],
        production: ["2"],
        models: [
          ["fraud", "3"],
          ["scorer", "7"],
        ],
      });
      const lists = loop.arm.requests.slice(mark).filter((r) => r.operation === "ModelVersions_List" || r.operation === "ModelContainers_List");
      expect(lists.map((r) => r.query)).toEqual([
        { "api-version": "2023-08-01-preview", $orderBy: "createdtime desc", $top: "1" },
        { "api-version": "2023-08-01-preview", listViewType: "ActiveOnly" },
        { "api-version": "2023-08-01-preview", listViewType: "ActiveOnly", stage: "Production" },
        { "api-version": "2023-08-01-preview", listViewType: "ActiveOnly" },
      ]);
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );

  it(
    "archives and restores a version (a full PUT with isArchived) and a model (a PUT of its container)",
    async () => {
      const mark = loop.arm.requests.length;
      const out = (await loop.python(`
from azure.ai.ml.constants import ListViewType
ml = workspace_client()
ml.models.archive("fraud", "1")
archived = {"active": sorted(m.version for m in ml.models.list("fraud")),
            "archived": [m.version for m in ml.models.list("fraud", list_view_type=ListViewType.ARCHIVED_ONLY)]}
emit({"archived": archived})
`)) as { archived: { active: string[]; archived: string[] } };
      expect(out.archived).toEqual({ active: ["2", "3"], archived: ["1"] });
      expect(workspaceModel("fraud")?.versions.get("1")?.properties).toMatchObject({ isArchived: true, modelUri: `${LONG}/models/fraud/` });
      const archivePut = loop.arm.requests.slice(mark).find((r) => r.operation === "ModelVersions_CreateOrUpdate");
      // The SDK drops the stage from the archive's PUT (so Azure, replacing the version, loses it; the fake too).
      expect((archivePut?.body as { properties: Record<string, unknown> }).properties).not.toHaveProperty("stage");

      await loop.python(`
ml = workspace_client()
ml.models.restore("fraud", "1")
ml.models.archive("scorer")
emit(None)
`);
      expect(workspaceModel("fraud")?.versions.get("1")?.properties.isArchived).toBe(false);
      expect(workspaceModel("scorer")?.properties.isArchived).toBe(true);
      await loop.python(`
ml = workspace_client()
ml.models.restore("scorer")
emit(None)
`);
      expect(workspaceModel("scorer")?.properties.isArchived).toBe(false);
      expect(since(mark).filter((s) => s.startsWith("PUT"))).toEqual([
        "PUT ModelVersions_CreateOrUpdate 200",
        "PUT ModelVersions_CreateOrUpdate 200",
        "PUT ModelContainers_CreateOrUpdate 200",
        "PUT ModelContainers_CreateOrUpdate 200",
      ]);
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );

  it(
    "downloads a version's files from the datastore byte for byte",
    async () => {
      const out = (await loop.python(
        `
import hashlib
ml = workspace_client()
ml.models.download("fraud", "3", download_path=sys.argv[1])
files = {}
for root, _, names in os.walk(sys.argv[1]):
    for n in names:
        p = os.path.join(root, n)
        files[os.path.relpath(p, sys.argv[1])] = hashlib.sha256(open(p, "rb").read()).hexdigest()
emit(files)
`,
        join(loop.home, "download"),
      )) as Record<string, string>;
      expect(out).toEqual(Object.fromEntries(Object.entries(FILES).map(([path, bytes]) => [`fraud/fraud-model/${path}`, sha256(bytes)])));
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});

describe("azure-ai-ml 1.35.2 against the ARM fake: online endpoints", () => {
  it(
    "creates an endpoint and two deployments, splits traffic 90/10, refuses to delete a deployment with traffic, and deletes",
    async () => {
      const mark = loop.arm.requests.length;
      const out = (await loop.python(`
from azure.ai.ml.entities import ManagedOnlineEndpoint, ManagedOnlineDeployment
ml = workspace_client()
ep = ml.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(name="fraud-ep", auth_mode="key", description="fraud scoring", tags={"team": "risk"})).result()
def deploy(name, version):
    d = ManagedOnlineDeployment(name=name, endpoint_name="fraud-ep", model="azureml:fraud:" + version, environment="azureml:sklearn-env:1",
                                instance_type="Standard_DS3_v2", instance_count=1)
    return ml.online_deployments.begin_create_or_update(d).result()
blue = deploy("blue", "2")
green = deploy("green", "3")
ep = ml.online_endpoints.get("fraud-ep")
ep.traffic = {"blue": 90, "green": 10}
ml.online_endpoints.begin_create_or_update(ep).result()
got = ml.online_endpoints.get("fraud-ep")
held = error_of(lambda: ml.online_deployments.begin_delete("green", "fraud-ep").result())
emit({
    "created": [ep.name, ep.auth_mode, ep.scoring_uri is not None],
    "deployments": [[blue.name, blue.model, blue.provisioning_state], [green.name, green.model, green.provisioning_state]],
    "traffic": got.traffic,
    "listed": [e.name for e in ml.online_endpoints.list()],
    "deploymentList": sorted(d.name for d in ml.online_deployments.list("fraud-ep")),
    "held": held,
})
`)) as Record<string, unknown>;
      expect(out).toMatchObject({
        created: ["fraud-ep", "key", true],
        deployments: [
          ["blue", `${W}/models/fraud/versions/2`, "Succeeded"],
          ["green", `${W}/models/fraud/versions/3`, "Succeeded"],
        ],
        traffic: { blue: 90, green: 10 },
        listed: ["fraud-ep"],
        deploymentList: ["blue", "green"],
        held: ["HttpResponseError", expect.stringContaining("traffic")],
      });
      const endpoint = loop.arm.state.endpoints.get("fraud-ep");
      expect(endpoint?.properties).toMatchObject({ authMode: "Key", description: "fraud scoring", traffic: { blue: 90, green: 10 } });
      expect(endpoint?.deployments.get("blue")?.properties).toMatchObject({ model: `${W}/models/fraud/versions/2`, instanceType: "Standard_DS3_v2" });
      expect(endpoint?.deployments.get("green")?.sku).toEqual({ name: "Default", capacity: 1 });

      await loop.python(`
ml = workspace_client()
ep = ml.online_endpoints.get("fraud-ep")
ep.traffic = {"blue": 100, "green": 0}
ml.online_endpoints.begin_create_or_update(ep).result()
ml.online_deployments.begin_delete("green", "fraud-ep").result()
ml.online_endpoints.begin_delete("fraud-ep").result()
emit(None)
`);
      expect(loop.arm.state.endpoints.has("fraud-ep")).toBe(false);
      const ops = loop.arm.requests.slice(mark);
      // Writes are long-running: each PUT or DELETE is followed by polls of the operation the fake named.
      expect(ops.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.operation} ${r.query["api-version"]} ${r.status}`)).toEqual([
        "PUT OnlineEndpoints_CreateOrUpdate 2022-02-01-preview 201",
        "PUT OnlineDeployments_CreateOrUpdate 2023-04-01-preview 201",
        "PUT OnlineDeployments_CreateOrUpdate 2023-04-01-preview 201",
        "PUT OnlineEndpoints_CreateOrUpdate 2022-02-01-preview 200",
        "DELETE OnlineDeployments_Delete 2023-04-01-preview 400",
        "PUT OnlineEndpoints_CreateOrUpdate 2022-02-01-preview 200",
        "DELETE OnlineDeployments_Delete 2023-04-01-preview 202",
        "DELETE OnlineEndpoints_Delete 2022-02-01-preview 202",
      ]);
      expect(ops.some((r) => r.operation === "Operation_Poll")).toBe(true);
      // The traffic update is a full PUT of the endpoint, traffic keys as sent.
      const trafficPut = ops.filter((r) => r.operation === "OnlineEndpoints_CreateOrUpdate")[1];
      expect((trafficPut?.body as { properties: { traffic: unknown } }).properties.traffic).toEqual({ blue: 90, green: 10 });
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});

describe("azure-ai-ml 1.35.2 against the ARM fake: a registry", () => {
  it(
    "discovers the registry, uploads a folder through a temporary data reference into Azurite, registers it, reads it back and downloads it",
    async () => {
      const frontMark = loop.front.length;
      const mark = loop.arm.requests.length;
      const out = (await loop.python(
        `
import hashlib
from azure.ai.ml.entities import Model
ml = registry_client()
made = ml.models.create_or_update(Model(name="fraud", version="1", path=sys.argv[1], tags={"shared": "yes"}, stage="Production"))
got = ml.models.get("fraud", "1")
latest = ml.models.get("fraud", label="latest")
ml.models.download("fraud", "1", download_path=sys.argv[2])
files = {}
for root, _, names in os.walk(sys.argv[2]):
    for n in names:
        p = os.path.join(root, n)
        files[os.path.relpath(p, sys.argv[2])] = hashlib.sha256(open(p, "rb").read()).hexdigest()
emit({
    "made": [made.id, made.version, made.path, made.tags, made.stage],
    "got": [got.version, got.path],
    "latest": latest.version,
    "versions": [m.version for m in ml.models.list("fraud")],
    "models": [m.name for m in ml.models.list()],
    "files": files,
})
`,
        folder,
        join(loop.home, "registry-download"),
      )) as {
        made: [string, string, string, Record<string, string>, string];
        got: string[];
        latest: string;
        versions: string[];
        models: string[];
        files: Record<string, string>;
      };
      const [id, version, path] = out.made;
      expect([id, version, out.made[3], out.made[4]]).toEqual([
        `azureml://registries/${REGISTRY}/models/fraud/versions/1`,
        "1",
        { shared: "yes" },
        "Production",
      ]);
      expect(out.got).toEqual(["1", path]);
      expect(out.latest).toBe("1");
      expect(out.versions).toEqual(["1"]);
      expect(out.models).toEqual(["fraud"]);
      expect(out.files).toEqual(Object.fromEntries(Object.entries(FILES).map(([p, bytes]) => [`fraud/fraud-model/${p}`, sha256(bytes)])));

      // The files sit at the root of the container the temporary data reference handed out.
      const upload = [...loop.arm.state.pendingUploads.values()].find((u) => u.model === "fraud" && u.version === "1");
      expect(upload).toBeDefined();
      for (const [p, bytes] of Object.entries(FILES))
        expect(sha256((await loop.readBlob(upload?.container as string, `fraud-model/${p}`)) ?? "missing"), p).toBe(sha256(bytes));
      expect(loop.arm.state.registry?.containers.get("fraud")?.versions.get("1")?.properties).toMatchObject({ modelUri: path, stage: "Production" });

      // Discovery first, then every registry call under the data-plane prefix at 2021-10-01-dataplanepreview.
      const sent = loop.front.slice(frontMark);
      expect(sent[0]).toMatchObject({ method: "GET", path: `/registrymanagement/v1.0/registries/${REGISTRY}/discovery`, status: 200 });
      for (const r of sent.slice(1).filter((r) => !r.path.includes("/mfeOperations")))
        expect([r.path.startsWith(`${MFE_PREFIX}${R}/`), r.query["api-version"]], `${r.method} ${r.path}`).toEqual([true, "2021-10-01-dataplanepreview"]);
      const calls = since(mark);
      // The evaluator check first; then the upload's temporary data reference, the version's PUT (long-running) and the
      // download's data reference; everything else reads.
      expect(calls[0]).toBe("GET RegistryModelVersions_List 200");
      expect(calls.filter((s) => !s.startsWith("GET "))).toEqual([
        "PUT RegistryTemporaryDataReferences_CreateOrGet 200",
        "PUT RegistryModelVersions_CreateOrUpdate 201",
        "POST RegistryDataReferences_GetBlobReferenceSASDataplane 200",
      ]);
      expect(calls.filter((s) => s.startsWith("GET ") && !/ 200$/.test(s))).toEqual([]);
      expect(calls).toContain("GET RegistryModelContainers_List 200");
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});
