// Interop of managed online endpoints, both ways, between modelreg's Azure ML adapter (registry.endpoints) and Azure's
// official Python client (azure-ai-ml 1.35.2, MLClient), in one workspace of the ARM fake.
//
// - MLClient reads what modelreg deployed: modelreg makes two versions (custom models), deploys the first with all
//   the traffic (with a workspace environment and scoring code) and rolls the second out as a canary (10 %, then
//   30 %; with a registry's environment); MLClient gets and lists the endpoint (traffic, auth mode, state, scoring URI,
//   identity) and its deployments (each one's model is the ARM id of modelreg's version, which the SDK's id parser and
//   `models.get` resolve to that version; VM size, instance count, environment and code configuration as modelreg
//   sent them), then changes the traffic with a PUT of the endpoint, and modelreg reads the new split.
// - modelreg reads what MLClient deployed: MLClient makes two versions, an endpoint with token auth, tags and a
//   description, and four deployments under names of its own (blue and green serve the two versions, teal serves the
//   second again on another VM size and takes mirrored traffic, custom serves no model), and splits traffic; modelreg
//   reads the endpoint and its deployments, maps each back to its version (the one with no model listed by its name),
//   refuses to deploy a version MLClient already serves, asks for deployment names where a version is served twice,
//   sets a split keyed as it read it, and undeploys a version; MLClient then sees the new split, the deployment gone,
//   the mirrored traffic, and its endpoint's settings and identity as it made them.
// - An MLflow model (an MLmodel file at the top of the version modelreg made) deploys with no environment, and MLClient
//   reads the deployment with none and the model as an mlflow_model.
// How the two clients share the fake and Azurite: support/mlclient-loopback.ts and support/modelreg-side.ts.
import { ConflictError } from "modelreg";
import type { AzureMlRegistry } from "modelreg/azureml";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFolder } from "./support/interop.js";
import { GROUP, MLCLIENT_TEST_TIMEOUT_MS, SUBSCRIPTION, useMlClientLoopback, WORKSPACE } from "./support/mlclient-loopback.js";
import { modelregOn, useModelregTransport } from "./support/modelreg-side.js";

const loop = useMlClientLoopback();
useModelregTransport(loop);

const W = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;

const text = (s: string) => Buffer.from(s);
/** A curated environment of Azure's `azureml` registry, by its registry id. */
const REGISTRY_ENV = "azureml://registries/azureml/environments/sklearn-1.5/versions/23";

let workspace: AzureMlRegistry;

beforeAll(() => {
  workspace = modelregOn(loop, "workspace");
});

/** The fake's requests since `mark` that were refused, as `METHOD operation status`. */
const refused = (mark: number) =>
  loop.arm.requests
    .slice(mark)
    .filter((r) => r.status >= 400)
    .map((r) => `${r.method} ${r.operation ?? r.path} ${r.status}`);

/** A deployment as MLClient reads it, and the version its model id resolves to through `models.get`. */
interface PyDeployment {
  type: string;
  name: string;
  endpoint: string;
  model: string | null;
  instanceType: string;
  instanceCount: number;
  state: string;
  environment: string | null;
  /** The code configuration's code asset and scoring script. */
  code: [string, string] | null;
  resolved: { id: string; name: string; version: string; path: string; description: string | null } | null;
}

/** An endpoint as MLClient reads it. */
interface PyEndpoint {
  type: string;
  name: string;
  authMode: string;
  state: string;
  traffic: Record<string, number>;
  scoringUri: string | null;
  location: string;
  description: string | null;
  tags: Record<string, string>;
  mirror: Record<string, number>;
  /** Its identity's type and principal id. */
  identity: [string, string] | null;
}

/** Reads an endpoint and its deployments as an MLClient user would; shared by both directions. */
const PY_READ_ENDPOINT = `
from azure.ai.ml._utils._arm_id_utils import AMLVersionedArmId
ml = workspace_client()
def endpoint(ep):
    return {"type": type(ep).__name__, "name": ep.name, "authMode": ep.auth_mode, "state": ep.provisioning_state,
            "traffic": ep.traffic, "scoringUri": ep.scoring_uri, "location": ep.location, "description": ep.description,
            "tags": ep.tags, "mirror": ep.mirror_traffic, "identity": [ep.identity.type, ep.identity.principal_id] if ep.identity else None}
def deployment(d):
    resolved = None
    if d.model:
        # The SDK's own parser of a versioned ARM id, then the version it names.
        arm = AMLVersionedArmId(d.model)
        m = ml.models.get(arm.asset_name, arm.asset_version)
        resolved = {"id": m.id, "name": m.name, "version": m.version, "path": m.path, "description": m.description}
    return {"type": type(d).__name__, "name": d.name, "endpoint": d.endpoint_name, "model": d.model,
            "instanceType": d.instance_type, "instanceCount": d.instance_count, "state": d.provisioning_state,
            "environment": d.environment, "resolved": resolved,
            "code": [d.code_configuration.code, d.code_configuration.scoring_script] if d.code_configuration else None}
def read(name):
    listed = [deployment(d) for d in ml.online_deployments.list(name)]
    return {
        "endpoint": endpoint(ml.online_endpoints.get(name)),
        "endpoints": sorted(e.name for e in ml.online_endpoints.list()),
        "listed": listed,
        "got": [deployment(ml.online_deployments.get(d["name"], name)) for d in listed],
    }
`;

interface PyRead {
  endpoint: PyEndpoint;
  endpoints: string[];
  listed: PyDeployment[];
  got: PyDeployment[];
}

describe("azure-ai-ml 1.35.2 reads the endpoints modelreg deploys", () => {
  it(
    "MLClient gets and lists modelreg's endpoint and deployments, resolves each deployment's version, and changes the traffic, which modelreg reads",
    async () => {
      const v1 = await workspace.createVersion("scorer", {
        artifacts: { entries: [{ path: "model.txt", content: text("threshold=0.7\n") }] },
        description: "first scorer",
      });
      const v2 = await workspace.createVersion("scorer", {
        artifacts: { entries: [{ path: "model.txt", content: text("threshold=0.6\n") }] },
        description: "second scorer",
      });
      // Custom models: the first runs in a workspace environment with scoring code, the canary in a registry's environment.
      const first = await workspace.endpoints.deploy(v1, {
        endpoint: "scorer-ep",
        machineType: "Standard_DS3_v2",
        minReplicas: 2,
        trafficPercent: 100,
        providerOptions: { azureml: { environment: "azureml:sklearn-env:1", code: "azureml:scorer-code:3", scoringScript: "src/score.py" } },
      });
      expect(first.trafficSplit).toEqual({ "scorer/1": 100 });
      const seen: Array<Record<string, number>> = [];
      const canary = await workspace.endpoints.canaryRollout(v2, {
        endpoint: "scorer-ep",
        machineType: "Standard_F2s_v2",
        providerOptions: { azureml: { environment: REGISTRY_ENV } },
        steps: [10, 30],
        check: ({ endpoint }) => {
          seen.push(endpoint.trafficSplit);
          return true;
        },
      });
      expect([canary.completed, canary.steps]).toEqual([true, [10, 30]]);
      expect(seen).toEqual([
        { "scorer/1": 90, "scorer/2": 10 },
        { "scorer/1": 70, "scorer/2": 30 },
      ]);
      const deployed = canary.endpoint.deployedModels;
      const names = deployed.map((d) => d.id);
      expect(names).toEqual(["scorer-v1", "scorer-v2"]);

      const mark = loop.arm.requests.length;
      // MLClient's own change: most of the traffic to the second version.
      const split = { [names[0] as string]: 25, [names[1] as string]: 75 };
      const out = (await loop.python(
        `${PY_READ_ENDPOINT}
name, split = sys.argv[1], json.loads(sys.argv[2])
out = read(name)
ep = ml.online_endpoints.get(name)
ep.traffic = split
ml.online_endpoints.begin_create_or_update(ep).result()
out["after"] = ml.online_endpoints.get(name).traffic
emit(out)
`,
        "scorer-ep",
        JSON.stringify(split),
      )) as PyRead & { after: Record<string, number> };

      const raw = canary.endpoint.raw as { endpoint: { location: string; identity: { principalId: string }; properties: { scoringUri: string } } };
      expect(out.endpoint).toEqual({
        type: "ManagedOnlineEndpoint",
        name: "scorer-ep",
        authMode: "key",
        state: "Succeeded",
        traffic: { "scorer-v1": 70, "scorer-v2": 30 },
        scoringUri: raw.endpoint.properties.scoringUri,
        location: raw.endpoint.location,
        description: null,
        tags: {},
        mirror: {},
        identity: ["system_assigned", raw.endpoint.identity.principalId],
      });
      expect(out.endpoint.scoringUri).toMatch(/^https:\/\/scorer-ep\./);
      expect(out.endpoints).toEqual(["scorer-ep"]);
      const expected = [
        [v1, "Standard_DS3_v2", 2, `${W}/environments/sklearn-env/versions/1`, [`${W}/codes/scorer-code/versions/3`, "src/score.py"]],
        [v2, "Standard_F2s_v2", 1, REGISTRY_ENV, null],
      ] as const;
      expect(out.listed).toEqual(
        expected.map(([v, instanceType, instanceCount, environment, code]) => ({
          type: "ManagedOnlineDeployment",
          name: `scorer-v${v.version}`,
          endpoint: "scorer-ep",
          model: `${W}/models/scorer/versions/${v.version}`,
          instanceType,
          instanceCount,
          state: "Succeeded",
          // What modelreg sent: azure-ai-ml's short form as the workspace environment's ARM id, as MLClient sends it.
          environment,
          code,
          resolved: {
            id: `${W}/models/scorer/versions/${v.version}`,
            name: v.model,
            version: v.version,
            path: v.artifacts.uri,
            description: v.description,
          },
        })),
      );
      expect(out.got).toEqual(out.listed);
      expect(out.after).toEqual(split);
      expect(refused(mark)).toEqual([]);

      // modelreg reads MLClient's split, by version.
      expect((await workspace.endpoints.getEndpoint("scorer-ep")).trafficSplit).toEqual({ "scorer/1": 25, "scorer/2": 75 });
      const listed = [];
      for await (const e of workspace.endpoints.listEndpoints()) listed.push(e);
      expect(listed.find((e) => e.id === "scorer-ep")?.trafficSplit).toEqual({ "scorer/1": 25, "scorer/2": 75 });
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});

describe("modelreg reads the endpoints azure-ai-ml 1.35.2 deploys", () => {
  it(
    "modelreg reads MLClient's endpoint and deployments (names of its own, a version served twice, one with no model), maps them to versions, sets a split and undeploys; MLClient sees the result",
    async () => {
      await writeFolder(join(loop.home, "py-one"), { "model.txt": text("threshold=0.8\n") });
      await writeFolder(join(loop.home, "py-two"), { "model.txt": text("threshold=0.5\n"), "labels.txt": text("fraud\nlegit\n") });
      const made = (await loop.python(
        `
from azure.ai.ml.entities import Model, ManagedOnlineEndpoint, ManagedOnlineDeployment
ml = workspace_client()
one = ml.models.create_or_update(Model(name="pyscorer", path=sys.argv[1], description="by azure-ai-ml"))
two = ml.models.create_or_update(Model(name="pyscorer", path=sys.argv[2]))
ml.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(
    name="py-scoring", auth_mode="aml_token", description="scored by azure-ai-ml", tags={"team": "risk"})).result()
def deployment(name, model, instance_type, count):
    return ml.online_deployments.begin_create_or_update(ManagedOnlineDeployment(
        name=name, endpoint_name="py-scoring", model=model, environment="azureml:sklearn-env:1",
        instance_type=instance_type, instance_count=count))
deployments = {}
# teal serves version two again (on another VM size) and custom serves no model; they are made after blue and green,
# so that the deployments list in this order.
for batch in ([("blue", "azureml:pyscorer:" + one.version, "Standard_DS2_v2", 2), ("green", "azureml:pyscorer:" + two.version, "Standard_DS3_v2", 1)],
              [("teal", "azureml:pyscorer:" + two.version, "Standard_F4s_v2", 1), ("custom", None, "Standard_F2s_v2", 1)]):
    for d in [deployment(*args) for args in batch]:
        done = d.result()
        deployments[done.name] = done.model
ep = ml.online_endpoints.get("py-scoring")
ep.traffic = {"blue": 80, "green": 20}
ep.mirror_traffic = {"teal": 10}
ml.online_endpoints.begin_create_or_update(ep).result()
emit({"versions": {one.version: one.path, two.version: two.path}, "deployments": deployments,
      "principal": ml.online_endpoints.get("py-scoring").identity.principal_id})
`,
        join(loop.home, "py-one"),
        join(loop.home, "py-two"),
      )) as { versions: Record<string, string>; deployments: Record<string, string | null>; principal: string };
      expect(Object.keys(made.versions)).toEqual(["1", "2"]);
      const modelId = (v: string) => `${W}/models/pyscorer/versions/${v}`;
      expect(made.deployments).toEqual({ blue: modelId("1"), green: modelId("2"), teal: modelId("2"), custom: null });

      const mark = loop.arm.requests.length;
      const read = await workspace.endpoints.getEndpoint("py-scoring");
      expect([read.id, read.name, read.displayName]).toEqual(["py-scoring", `${W}/onlineEndpoints/py-scoring`, "py-scoring"]);
      const expected = [
        { id: "blue", model: "pyscorer", version: "1", machineType: "Standard_DS2_v2", minReplicas: 2, maxReplicas: 2 },
        { id: "green", model: "pyscorer", version: "2", machineType: "Standard_DS3_v2", minReplicas: 1, maxReplicas: 1 },
        { id: "teal", model: "pyscorer", version: "2", machineType: "Standard_F4s_v2", minReplicas: 1, maxReplicas: 1 },
        // No model: listed by its deployment name, with no version.
        { id: "custom", model: "custom", version: "", machineType: "Standard_F2s_v2", minReplicas: 1, maxReplicas: 1 },
      ];
      expect(read.deployedModels).toEqual(expected);
      // Keyed by version; the second deployment of version 2 and the one with no model by their names.
      expect(read.trafficSplit).toEqual({ "pyscorer/1": 80, "pyscorer/2": 20, teal: 0, custom: 0 });
      const listed = [];
      for await (const e of workspace.endpoints.listEndpoints()) listed.push(e);
      expect(listed.map((e) => e.id).sort()).toEqual(["py-scoring", "scorer-ep"]);
      expect(listed.find((e) => e.id === "py-scoring")?.deployedModels).toEqual(expected);
      // Each deployment of a version leads back to the version MLClient made.
      for (const d of read.deployedModels.filter((d) => d.version !== "")) {
        const v = await workspace.getVersion({ model: d.model, version: d.version });
        expect([v.artifacts.uri, v.description], d.id).toEqual([made.versions[d.version], d.version === "1" ? "by azure-ai-ml" : undefined]);
      }

      // modelreg knows MLClient's deployments by their model, whatever their names: it makes no second one of version
      // 1, and asks for deployment names where version 2 has two.
      const before = loop.arm.requests.length;
      await expect(
        workspace.endpoints.deploy("pyscorer/1", { endpoint: "py-scoring", providerOptions: { azureml: { environment: "azureml:sklearn-env:1" } } }),
      ).rejects.toSatisfy((e: unknown) => ConflictError.isInstance(e) && /as blue/.test((e as Error).message));
      await expect(workspace.endpoints.setTrafficSplit("py-scoring", { "1": 20, "2": 80 })).rejects.toSatisfy(
        (e: unknown) => ConflictError.isInstance(e) && /2 is ambiguous/.test((e as Error).message),
      );
      await expect(workspace.endpoints.undeploy("pyscorer/2", { endpoint: "py-scoring" })).rejects.toSatisfy(
        (e: unknown) => ConflictError.isInstance(e) && /green, teal/.test((e as Error).message),
      );
      expect(loop.arm.requests.slice(before).filter((r) => r.method !== "GET")).toEqual([]);

      // The split modelreg read goes back keyed as it was read (teal keeps its mirrored traffic, so no live traffic).
      const set = await workspace.endpoints.setTrafficSplit("py-scoring", { ...read.trafficSplit, "pyscorer/1": 30, "pyscorer/2": 50, custom: 20 });
      expect(set.trafficSplit).toEqual({ "pyscorer/1": 30, "pyscorer/2": 50, teal: 0, custom: 20 });
      // Version 1 leaves, its 30 % going to the others in proportion (50:20 of 70).
      const after = await workspace.endpoints.undeploy("pyscorer/1", { endpoint: "py-scoring" });
      expect(after.trafficSplit).toEqual({ "pyscorer/2": 71, teal: 0, custom: 29 });
      expect(after.deployedModels.map((d) => d.id)).toEqual(["green", "teal", "custom"]);
      expect(refused(mark)).toEqual([]);

      const out = (await loop.python(`${PY_READ_ENDPOINT}\nemit(read(sys.argv[1]))`, "py-scoring")) as PyRead;
      expect(out.endpoint).toMatchObject({
        type: "ManagedOnlineEndpoint",
        authMode: "aml_token",
        state: "Succeeded",
        // MLClient shows a deployment with neither live nor mirrored traffic at 0, and leaves teal out.
        traffic: { green: 71, custom: 29 },
        mirror: { teal: 10 },
        description: "scored by azure-ai-ml",
        tags: { team: "risk" },
        // modelreg's PUTs of the endpoint send its system-assigned identity back, which keeps its principal.
        identity: ["system_assigned", made.principal],
      });
      expect(out.endpoints).toEqual(["py-scoring", "scorer-ep"]);
      expect(out.listed.map((d) => [d.name, d.model, d.instanceType, d.instanceCount, d.environment, d.resolved?.version ?? null])).toEqual(
        [
          ["green", modelId("2"), "Standard_DS3_v2", 1, "2"],
          ["teal", modelId("2"), "Standard_F4s_v2", 1, "2"],
          ["custom", null, "Standard_F2s_v2", 1, null],
        ].map(([name, model, type, count, version]) => [name, model, type, count, `${W}/environments/sklearn-env/versions/1`, version]),
      );
      expect(out.got).toEqual(out.listed);
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});

describe("an MLflow model modelreg registers deploys with no environment", () => {
  it(
    "modelreg deploys a version with an MLmodel file at the top and no environment; MLClient reads the deployment with none and the model as an MLflow model",
    async () => {
      const v = await workspace.createVersion("mlscorer", {
        artifacts: {
          entries: [
            {
              path: "MLmodel",
              content: text("artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n"),
            },
            { path: "model.pkl", content: text("not really a pickle") },
          ],
        },
      });
      const mark = loop.arm.requests.length;
      const endpoint = await workspace.endpoints.deploy(v, { endpoint: "mlflow-ep" });
      expect(endpoint.trafficSplit).toEqual({ [`mlscorer/${v.version}`]: 100 });
      const put = loop.arm.requests.slice(mark).find((r) => r.operation === "OnlineDeployments_CreateOrUpdate" && r.method === "PUT");
      expect(put?.status).toBe(201);
      expect(Object.keys((put?.body as { properties: object }).properties).sort()).toEqual(["endpointComputeType", "instanceType", "model", "scaleSettings"]);
      // Only the looks for an endpoint that was not there yet were answered 404.
      expect(refused(mark)).toEqual(["GET OnlineEndpoints_Get 404", "GET OnlineDeployments_List 404"]);
      const out = (await loop.python(
        `${PY_READ_ENDPOINT}
out = read(sys.argv[1])
out["type"] = ml.models.get("mlscorer", sys.argv[2]).type
emit(out)
`,
        "mlflow-ep",
        v.version,
      )) as PyRead & { type: string };
      expect(out.type).toBe("mlflow_model");
      expect(out.listed.map((d) => [d.name, d.model, d.environment, d.code, d.state, d.resolved?.version])).toEqual([
        [`mlscorer-v${v.version}`, `${W}/models/mlscorer/versions/${v.version}`, null, null, "Succeeded", v.version],
      ]);
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});
