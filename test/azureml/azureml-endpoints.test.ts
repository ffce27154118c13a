// Azure ML managed online endpoints (src/adapters/azureml/azureml-endpoint*.ts, azureml-traffic.ts, azureml-canary.ts)
// against the ARM fake over loopback: endpoints and deployments as long-running PUTs and DELETEs, the endpoint's
// `traffic` map as the split (a PUT of the whole endpoint, summing to 0 or 100, naming only deployments that are made;
// a deployment with traffic cannot be deleted), canary rollouts and their rollback, the environment and scoring code
// of `providerOptions.azureml` (a custom model is refused without an environment before anything is sent), and
// deployments matched to versions by full model id. Versions are made in the fake as the Azure CLI would make them (a
// PUT with a modelUri elsewhere and a modelType), so no file moves and Azurite is not needed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, InvalidInputError, NotFoundError, type RegistryEvent, TimeoutError, UnsupportedCapabilityError } from "modelreg";
import { type AzureMlRegistrySettings, createAzureMlRegistry } from "../../src/adapters/azureml/index.js";
import { deploymentAssetsOf, deploymentName, ENDPOINT_NAME, ownVersion, servedVersion } from "../../src/adapters/azureml/azureml-endpoint-api.js";
import { makeRoom, splitWithout, wireSplit } from "../../src/adapters/azureml/azureml-traffic.js";
import { type ArmFake, startArmFake } from "./support/arm-fake.js";

const SUBSCRIPTION = "00000000-1111-2222-3333-444444444444";
const GROUP = "ml-rg";
const WORKSPACE = "fraud-ws";
const REGISTRY = "shared-reg";
const API = "api-version=2025-12-01";
const W = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;
const R = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/registries/${REGISTRY}`;
// No test here moves files, so the datastore's account is never reached.
const BLOB = { endpoint: "http://127.0.0.1:9/devstoreaccount1", accountName: "devstoreaccount1", accountKey: Buffer.from("unused").toString("base64") };

let fake: ArmFake;
beforeAll(async () => {
  fake = await startArmFake({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    workspace: WORKSPACE,
    registry: REGISTRY,
    blob: BLOB,
    location: "westeurope",
  });
});
afterAll(() => fake?.close());

const registry = (settings: Partial<AzureMlRegistrySettings> = {}) =>
  createAzureMlRegistry({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    workspace: WORKSPACE,
    endpoint: fake.url,
    token: fake.token,
    pollIntervalMs: 1,
    location: "westeurope",
    actor: "tester",
    ...settings,
  });

/** An ARM request straight to the fake, as the CLI or the portal would send it. */
async function arm(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${fake.url}${path}?${API}`, {
    method,
    headers: { authorization: `Bearer ${fake.token}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

/** Follows a long-running operation's Azure-AsyncOperation URL to its end. */
async function settle(res: Response): Promise<void> {
  const url = res.headers.get("azure-asyncoperation");
  if (!url) return;
  for (let i = 0; i < 20; i++) {
    const poll = (await (await fetch(url, { headers: { authorization: `Bearer ${fake.token}` } })).json()) as { status: string };
    if (poll.status !== "InProgress") return;
  }
}

/** Versions 1..n of a workspace model, made as the CLI makes them (`modelType` `null` leaves it out). */
async function versions(model: string, n = 2, scope = W, modelType: string | null = "custom_model"): Promise<void> {
  for (let v = 1; v <= n; v++) {
    const res = await arm("PUT", `${scope}/models/${model}/versions/${v}`, {
      properties: { modelUri: `azureml://datastores/workspaceblobstore/paths/elsewhere/${model}/${v}/`, ...(modelType !== null && { modelType }) },
    });
    expect(res.status).toBeLessThan(300);
    await settle(res);
  }
}

/** An environment of the workspace, as azure-ai-ml names it, and the ARM id it stands for. */
const ENV = "azureml:sklearn-env:1";
const ENV_ID = `${W}/environments/sklearn-env/versions/1`;
/** deploy's options for a custom model: the environment it runs in. */
const CUSTOM = { providerOptions: { azureml: { environment: ENV } } };

/** The fake's view of an endpoint's traffic, as stored (what the client sent). */
const storedTraffic = (endpoint: string) => fake.state.endpoints.get(endpoint.toLowerCase())?.properties.traffic;
const deploymentsIn = (endpoint: string) => [...(fake.state.endpoints.get(endpoint.toLowerCase())?.deployments.keys() ?? [])];
const requestsSince = (n: number) => fake.requests.slice(n).map((r) => `${r.method} ${r.path.replace(W, "W")}`);

function recorder(reg: ReturnType<typeof registry>) {
  const events: RegistryEvent[] = [];
  reg.events.subscribe((e) => {
    events.push(e);
  });
  return events;
}

describe("names and traffic arithmetic", () => {
  it("names a version's deployment {model}-v{version} when Azure takes that as it is, else cleaned, cut and digested", () => {
    expect(deploymentName("fraud", "3")).toBe("fraud-v3");
    const names = ["Fraud", "fraud_model", "fraud-model", "9lives", `a${"b".repeat(40)}`, "x"].flatMap((m) => [
      deploymentName(m, "1"),
      deploymentName(m, "12345678901234567890"),
    ]);
    for (const name of names) {
      expect(name).toMatch(ENDPOINT_NAME);
      expect(name).toBe(name.toLowerCase());
    }
    // Cleaned names carry a digest, so models that clean to the same text do not share a deployment.
    expect(deploymentName("fraud_model", "1")).not.toBe(deploymentName("fraud-model", "1"));
    expect(deploymentName("fraud_model", "1")).toMatch(/^fraud-model-v1-[0-9a-f]{6}$/);
    expect(new Set(names).size).toBe(names.length);
    expect(deploymentName("Fraud", "1")).toBe(deploymentName("Fraud", "1"));
  });

  it("reads the version a deployment serves from its model id, in each form Azure takes", () => {
    expect(servedVersion(`${W}/models/fraud/versions/3`)).toEqual({ model: "fraud", version: "3" });
    expect(servedVersion(`azureml://registries/${REGISTRY}/models/fraud/versions/3`)).toEqual({ model: "fraud", version: "3" });
    expect(servedVersion("azureml:fraud:3")).toEqual({ model: "fraud", version: "3" });
    expect(servedVersion("azureml://datastores/x/paths/model")).toBeUndefined();
    expect(servedVersion(undefined)).toBeUndefined();
  });

  it("takes a deployment for a version of this registry only by its full model id, compared without regard to case", () => {
    const workspace = { workspaceId: W, modelId: (m: string, v: string) => `${W}/models/${m}/versions/${v}` };
    const shared = { workspaceId: W, modelId: (m: string, v: string) => `azureml://registries/${REGISTRY}/models/${m}/versions/${v}` };
    const fraud3 = { model: "fraud", version: "3" };
    const otherWorkspace = W.replace(`/workspaces/${WORKSPACE}`, "/workspaces/other-ws");
    expect(ownVersion(`${W}/models/fraud/versions/3`, workspace)).toEqual(fraud3);
    // ARM ids are compared as ARM compares them.
    expect(ownVersion(`${W.replace("/resourceGroups/", "/resourcegroups/").replace("Microsoft.", "microsoft.")}/models/fraud/versions/3`, workspace)).toEqual(
      fraud3,
    );
    // azure-ai-ml's short form names a model of the endpoint's workspace.
    expect(ownVersion("azureml:fraud:3", workspace)).toEqual(fraud3);
    expect(ownVersion(`azureml://registries/${REGISTRY}/models/fraud/versions/3`, workspace)).toBeUndefined();
    expect(ownVersion(`${otherWorkspace}/models/fraud/versions/3`, workspace)).toBeUndefined();
    expect(ownVersion(`azureml://registries/${REGISTRY}/models/fraud/versions/3`, shared)).toEqual(fraud3);
    expect(ownVersion(`azureml://registries/other-reg/models/fraud/versions/3`, shared)).toBeUndefined();
    expect(ownVersion(`${W}/models/fraud/versions/3`, shared)).toBeUndefined();
    expect(ownVersion("azureml:fraud:3", shared)).toBeUndefined();
    expect(ownVersion(null, workspace)).toBeUndefined();
  });

  it("names a version whose plain name another model's deployment has by a digest of its full id", () => {
    const ours = deploymentName("fraud", "3", `${W}/models/fraud/versions/3`);
    expect(ours).toMatch(/^fraud-v3-[0-9a-f]{6}$/);
    expect(ours).toMatch(ENDPOINT_NAME);
    expect(ours).not.toBe(deploymentName("fraud", "3", `azureml://registries/${REGISTRY}/models/fraud/versions/3`));
    // The same id in another case is the same model, and gets the same name.
    expect(deploymentName("fraud", "3", `${W.toLowerCase()}/models/fraud/versions/3`)).toBe(ours);
  });

  it("turns providerOptions.azureml into the deployment's environmentId and codeConfiguration, in each form azure-ai-ml takes", () => {
    const of = (azureml: Record<string, unknown>) => deploymentAssetsOf({ azureml }, W, "deploy");
    const otherWorkspace = W.replace(`/workspaces/${WORKSPACE}`, "/workspaces/other-ws");
    expect(deploymentAssetsOf(undefined, W, "deploy")).toEqual({});
    expect(deploymentAssetsOf({ vertex: { container: "x" } }, W, "deploy")).toEqual({});
    expect(of({})).toEqual({});
    // azureml:<name>:<version> is an asset of the endpoint's workspace, sent as its ARM id (as get_asset_arm_id makes it).
    expect(of({ environment: "azureml:sklearn-env:3" })).toEqual({ environmentId: `${W}/environments/sklearn-env/versions/3` });
    expect(of({ environment: ENV, code: "azureml:score:4", scoringScript: "score.py" })).toEqual({
      environmentId: ENV_ID,
      codeConfiguration: { codeId: `${W}/codes/score/versions/4`, scoringScript: "score.py" },
    });
    // A curated environment is sent as it is, for Azure to expand, as azure-ai-ml sends it.
    expect(of({ environment: "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:1" })).toEqual({
      environmentId: "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:1",
    });
    // Full ids go as they are.
    expect(of({ environment: `${otherWorkspace}/environments/base/versions/7` })).toEqual({ environmentId: `${otherWorkspace}/environments/base/versions/7` });
    expect(
      of({
        environment: "azureml://registries/azureml/environments/sklearn-1.5/versions/23",
        code: `azureml://registries/${REGISTRY}/codes/score/versions/2`,
        scoringScript: "./src/score.py",
      }),
    ).toEqual({
      environmentId: "azureml://registries/azureml/environments/sklearn-1.5/versions/23",
      codeConfiguration: { codeId: `azureml://registries/${REGISTRY}/codes/score/versions/2`, scoringScript: "./src/score.py" },
    });
    expect(of({ environment: ENV, code: `${W}/codes/score/versions/1`, scoringScript: "score.py" }).codeConfiguration?.codeId).toBe(
      `${W}/codes/score/versions/1`,
    );
  });

  it("makes room in whole percents, gives a leaving deployment's share to the others, and sends what the SDK sends", () => {
    expect(makeRoom({ a: 50, b: 50 }, 25)).toEqual({ a: 38, b: 37 });
    expect(makeRoom({ a: 0 }, 10)).toEqual({ a: 0 });
    expect(splitWithout({ a: 50, b: 30, c: 20 }, "a")).toEqual({ b: 60, c: 40 });
    expect(splitWithout({ a: 100, b: 0, c: 0 }, "a")).toEqual({ b: 50, c: 50 });
    expect(splitWithout({ a: 0, b: 100 }, "a")).toEqual({ b: 100 });
    expect(splitWithout({ a: 0, b: 0 }, "a")).toEqual({ b: 0 });
    expect(wireSplit({ "Fraud-V1": 100, "fraud-v2": 0 })).toEqual({ "fraud-v1": 100 });
  });
});

describe("Azure ML endpoints", () => {
  it("creates an endpoint once, in the settings' region with key auth, and reuses it by name or ARM id", async () => {
    const reg = registry();
    const before = fake.requests.length;
    const a = await reg.endpoints.ensureEndpoint("ep-create", { deadlineMs: 60_000 });
    const b = await reg.endpoints.ensureEndpoint("ep-create");
    expect(a).toMatchObject({ id: "ep-create", displayName: "ep-create", name: `${W}/onlineEndpoints/ep-create`, deployedModels: [], trafficSplit: {} });
    expect(b.name).toBe(a.name);
    expect((await reg.endpoints.getEndpoint(a.name)).id).toBe("ep-create");
    const puts = fake.requests.slice(before).filter((r) => r.method === "PUT");
    expect(puts.map((r) => r.operation)).toEqual(["OnlineEndpoints_CreateOrUpdate"]);
    expect(puts[0]?.body).toEqual({ location: "westeurope", tags: {}, properties: { authMode: "Key", traffic: {} } });
    await expect(reg.endpoints.getEndpoint("ep-missing")).rejects.toThrow(NotFoundError);
  });

  it("deploys beside the champion, moves traffic, rolls it back, and undeploys, telling subscribers", async () => {
    await versions("ep-fraud");
    const reg = registry();
    const events = recorder(reg);
    const first = await reg.endpoints.deploy("ep-fraud/1", {
      endpoint: "ep-serving",
      machineType: "Standard_DS3_v2",
      minReplicas: 2,
      // Another provider's options are ignored.
      providerOptions: { azureml: { environment: ENV, code: "azureml:fraud-score:2", scoringScript: "src/score.py" }, vertex: { anything: 1 } },
    });
    expect(first.trafficSplit).toEqual({ "ep-fraud/1": 100 });
    expect(first.deployedModels).toEqual([
      { id: "ep-fraud-v1", model: "ep-fraud", version: "1", machineType: "Standard_DS3_v2", minReplicas: 2, maxReplicas: 2 },
    ]);
    const put = fake.requests.find((r) => r.operation === "OnlineDeployments_CreateOrUpdate" && r.path.endsWith("/ep-serving/deployments/ep-fraud-v1"));
    expect(put?.body).toEqual({
      location: "westeurope",
      sku: { name: "Default", capacity: 2 },
      properties: {
        endpointComputeType: "Managed",
        model: reg.versionId("ep-fraud", "1"),
        instanceType: "Standard_DS3_v2",
        scaleSettings: { scaleType: "Default" },
        environmentId: ENV_ID,
        codeConfiguration: { codeId: `${W}/codes/fraud-score/versions/2`, scoringScript: "src/score.py" },
      },
    });

    const both = await reg.endpoints.deploy("ep-fraud/2", { ...CUSTOM, endpoint: "ep-serving", trafficPercent: 10 });
    expect(both.trafficSplit).toEqual({ "ep-fraud/1": 90, "ep-fraud/2": 10 });
    expect(both.deployedModels.find((d) => d.version === "2")?.machineType).toBe("Standard_F4s_v2");
    expect(storedTraffic("ep-serving")).toEqual({ "ep-fraud-v1": 90, "ep-fraud-v2": 10 });

    const moved = await reg.endpoints.setTrafficSplit("ep-serving", { "1": 50, "ep-fraud/2": 50 });
    expect(moved.trafficSplit).toEqual({ "ep-fraud/1": 50, "ep-fraud/2": 50 });
    const byName = await reg.endpoints.setTrafficSplit(first.name, { "ep-fraud-v2": 100 });
    // A version left out gets 0, and 0 is not sent (the SDK strips zeros).
    expect(byName.trafficSplit).toEqual({ "ep-fraud/1": 0, "ep-fraud/2": 100 });
    expect(storedTraffic("ep-serving")).toEqual({ "ep-fraud-v2": 100 });
    await expect(reg.endpoints.setTrafficSplit("ep-serving", { "1": 90, "7": 10 })).rejects.toThrow(ConflictError);

    expect((await reg.endpoints.rollbackTraffic("ep-serving")).trafficSplit).toEqual({ "ep-fraud/1": 50, "ep-fraud/2": 50 });
    expect((await reg.endpoints.rollbackTraffic("ep-serving")).trafficSplit).toEqual({ "ep-fraud/1": 90, "ep-fraud/2": 10 });

    const before = fake.requests.length;
    const after = await reg.endpoints.undeploy("ep-fraud/2", { endpoint: "ep-serving" });
    expect(after.trafficSplit).toEqual({ "ep-fraud/1": 100 });
    expect(deploymentsIn("ep-serving")).toEqual(["ep-fraud-v1"]);
    // Traffic first: Azure refuses to delete a deployment with traffic.
    const writes = requestsSince(before).filter((r) => !r.startsWith("GET"));
    expect(writes).toEqual(["PUT W/onlineEndpoints/ep-serving", "DELETE W/onlineEndpoints/ep-serving/deployments/ep-fraud-v2"]);
    await expect(reg.endpoints.undeploy("ep-fraud/2", { endpoint: "ep-serving" })).rejects.toThrow(NotFoundError);

    const deployed = events.filter((e) => e.details?.deployedTo !== undefined);
    expect(deployed.map((e) => [e.type, e.model, e.version, e.details?.trafficPercent, e.provider, e.actor])).toEqual([
      ["version.updated", "ep-fraud", "1", 100, "azureml", "tester"],
      ["version.updated", "ep-fraud", "2", 10, "azureml", "tester"],
    ]);
    expect(events.filter((e) => e.details?.undeployedFrom !== undefined).map((e) => e.version)).toEqual(["2"]);
    const moves = events.filter((e) => e.details?.trafficPercent !== undefined && e.details.endpoint !== undefined);
    expect(moves.slice(0, 2).map((e) => [e.version, e.details?.previousPercent, e.details?.trafficPercent])).toEqual([
      ["1", 90, 50],
      ["2", 10, 50],
    ]);
  });

  it("refuses a second deployment of a version, and a version the workspace does not have", async () => {
    await versions("ep-twice", 1);
    const reg = registry();
    await reg.endpoints.deploy("ep-twice/1", { ...CUSTOM, endpoint: "ep-twice-serving" });
    await expect(reg.endpoints.deploy("ep-twice/1", { ...CUSTOM, endpoint: "ep-twice-serving" })).rejects.toThrow(ConflictError);
    await expect(reg.endpoints.deploy("ep-twice/9", { ...CUSTOM, endpoint: "ep-twice-serving" })).rejects.toThrow(NotFoundError);
    expect(deploymentsIn("ep-twice-serving")).toEqual(["ep-twice-v1"]);
  });

  it("returns a handle with wait: false; the deployment takes its traffic when the handle is waited for", async () => {
    await versions("ep-handle", 1);
    const reg = registry();
    const handle = await reg.endpoints.deploy("ep-handle/1", { ...CUSTOM, endpoint: "ep-handle-serving", wait: false });
    expect(handle.name).toBe(`${W}/onlineEndpoints/ep-handle-serving/deployments/ep-handle-v1`);
    expect(storedTraffic("ep-handle-serving")).toEqual({});
    const endpoint = await handle.wait();
    expect(endpoint.trafficSplit).toEqual({ "ep-handle/1": 100 });
  });

  it("leaves traffic alone when Azure fails the deployment, and sends the failed one again on the next deploy", async () => {
    await versions("ep-fail", 2);
    const reg = registry();
    await reg.endpoints.deploy("ep-fail/1", { ...CUSTOM, endpoint: "ep-fail-serving" });
    fake.failOperation({ operation: "OnlineDeployments_CreateOrUpdate" }, { code: "InternalServerError", message: "quota exceeded for Standard_F4s_v2" });
    await expect(reg.endpoints.deploy("ep-fail/2", { ...CUSTOM, endpoint: "ep-fail-serving", trafficPercent: 20 })).rejects.toThrow(/quota exceeded/);
    const failed = await reg.endpoints.getEndpoint("ep-fail-serving");
    expect(failed.trafficSplit).toEqual({ "ep-fail/1": 100, "ep-fail/2": 0 });
    const again = await reg.endpoints.deploy("ep-fail/2", { ...CUSTOM, endpoint: "ep-fail-serving", trafficPercent: 20 });
    expect(again.trafficSplit).toEqual({ "ep-fail/1": 80, "ep-fail/2": 20 });
  });

  it("undeploys the version holding 100% beside one at 0%: the one left gets all traffic", async () => {
    await versions("ep-full", 2);
    const reg = registry();
    await reg.endpoints.deploy("ep-full/1", { ...CUSTOM, endpoint: "ep-full-serving" });
    const both = await reg.endpoints.deploy("ep-full/2", { ...CUSTOM, endpoint: "ep-full-serving", trafficPercent: 0 });
    expect(both.trafficSplit).toEqual({ "ep-full/1": 100, "ep-full/2": 0 });
    const after = await reg.endpoints.undeploy("ep-full/1", { endpoint: "ep-full-serving" });
    expect(after.trafficSplit).toEqual({ "ep-full/2": 100 });
  });

  it("keys deployments made elsewhere by name, keeps their mirrored traffic, and refuses live traffic to a mirrored one", async () => {
    await versions("ep-mirror", 2);
    const reg = registry();
    await reg.endpoints.deploy("ep-mirror/1", { ...CUSTOM, endpoint: "ep-mirror-serving" });
    await reg.endpoints.deploy("ep-mirror/2", { ...CUSTOM, endpoint: "ep-mirror-serving", trafficPercent: 0 });
    // A deployment of a custom container (no registered model), as the portal makes one.
    await settle(
      await arm("PUT", `${W}/onlineEndpoints/ep-mirror-serving/deployments/blue`, {
        location: "westeurope",
        sku: { name: "Default", capacity: 1 },
        properties: { endpointComputeType: "Managed", instanceType: "Standard_F4s_v2" },
      }),
    );
    await settle(
      await arm("PUT", `${W}/onlineEndpoints/ep-mirror-serving`, {
        location: "westeurope",
        tags: { team: "fraud" },
        properties: { authMode: "Key", description: "fraud scoring", traffic: { "ep-mirror-v1": 100 }, mirrorTraffic: { "ep-mirror-v2": 10 } },
      }),
    );
    const endpoint = await reg.endpoints.getEndpoint("ep-mirror-serving");
    expect(endpoint.trafficSplit).toEqual({ "ep-mirror/1": 100, "ep-mirror/2": 0, blue: 0 });
    expect(endpoint.deployedModels.find((d) => d.id === "blue")).toMatchObject({ model: "blue", version: "" });
    await expect(reg.endpoints.setTrafficSplit("ep-mirror-serving", { "1": 50, "2": 50 })).rejects.toThrow(/mirrored/);
    const blue = await reg.endpoints.setTrafficSplit("ep-mirror-serving", { "1": 70, blue: 30 });
    expect(blue.trafficSplit).toEqual({ "ep-mirror/1": 70, "ep-mirror/2": 0, blue: 30 });
    const stored = fake.state.endpoints.get("ep-mirror-serving");
    // The whole endpoint went back: its tags, description and mirrored traffic are kept.
    expect([stored?.tags, stored?.properties.description, stored?.properties.mirrorTraffic]).toEqual([
      { team: "fraud" },
      "fraud scoring",
      { "ep-mirror-v2": 10 },
    ]);
    await reg.endpoints.undeploy("ep-mirror/2", { endpoint: "ep-mirror-serving" });
    expect(fake.state.endpoints.get("ep-mirror-serving")?.properties.mirrorTraffic ?? {}).toEqual({});
    expect(deploymentsIn("ep-mirror-serving").sort()).toEqual(["blue", "ep-mirror-v1"]);
  });

  it("lists endpoints page by page, each with its deployments", async () => {
    await versions("ep-list", 1);
    const reg = registry();
    await reg.endpoints.deploy("ep-list/1", { ...CUSTOM, endpoint: "ep-list-serving" });
    const seen = [];
    for await (const e of reg.endpoints.listEndpoints({ pageSize: 1 })) seen.push(e);
    expect(seen.length).toBe(fake.state.endpoints.size);
    expect(seen.find((e) => e.id === "ep-list-serving")?.trafficSplit).toEqual({ "ep-list/1": 100 });
    const pages = fake.requests.filter((r) => r.operation === "OnlineEndpoints_List");
    expect(pages.length).toBeGreaterThanOrEqual(seen.length);
  });

  it("reads the workspace's region once when the settings name none", async () => {
    await versions("ep-region", 1);
    const reg = registry({ location: undefined });
    const reads = () => fake.requests.filter((r) => r.operation === "Workspaces_Get").length;
    const before = reads();
    await reg.endpoints.ensureEndpoint("ep-region-a");
    await reg.endpoints.deploy("ep-region/1", { ...CUSTOM, endpoint: "ep-region-b" });
    expect(reads() - before).toBe(1);
    expect(fake.state.endpoints.get("ep-region-b")?.location).toBe("westeurope");
    fake.failNext({ operation: "Workspaces_Get" }, 404);
    await expect(registry({ location: undefined }).endpoints.ensureEndpoint("ep-region-c")).rejects.toThrow(/set location in the registry settings/);
    expect(fake.state.endpoints.has("ep-region-c")).toBe(false);
  });

  it("refuses bad input before any request", async () => {
    const reg = registry();
    const before = fake.requests.length;
    const e = reg.endpoints;
    await expect(e.deploy("x/1", { endpoint: "e1", trafficPercent: 101 })).rejects.toThrow(InvalidInputError);
    await expect(e.deploy("x/1", { endpoint: "ep-ok", trafficPercent: 10.5 })).rejects.toThrow(InvalidInputError);
    await expect(e.deploy("x/1", { endpoint: "ep-ok", minReplicas: 1, maxReplicas: 3 })).rejects.toThrow(/autoscale/);
    await expect(e.deploy("x/1", { endpoint: "ep-ok", minReplicas: 0 })).rejects.toThrow(InvalidInputError);
    await expect(e.deploy("x/1", { endpoint: "ep-ok", machineType: "n1-standard-4" })).rejects.toThrow(InvalidInputError);
    await expect(e.deploy("x/1", { endpoint: "ep-ok", deadlineMs: -1 })).rejects.toThrow(InvalidInputError);
    for (const bad of [
      "",
      "ab",
      "1abc",
      "ends-",
      "has_underscore",
      "a".repeat(33),
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/other/onlineEndpoints/ep-ok`,
    ])
      await expect(e.ensureEndpoint(bad)).rejects.toThrow(InvalidInputError);
    await expect(e.setTrafficSplit("ep-ok", { "1": 60, "2": 50 })).rejects.toThrow(/sums to 110/);
    await expect(e.setTrafficSplit("ep-ok", { "1": 99.5, "2": 0.5 })).rejects.toThrow(InvalidInputError);
    await expect(e.setTrafficSplit("ep-ok", {})).rejects.toThrow(InvalidInputError);
    await expect(e.canaryRollout("x/1", { endpoint: "ep-ok", steps: [50, 10], check: () => true })).rejects.toThrow(InvalidInputError);
    await expect(e.canaryRollout("x/1", { endpoint: "ep-ok", check: undefined as never })).rejects.toThrow(InvalidInputError);
    await expect(e.undeploy("x/1", { endpoint: "-bad" })).rejects.toThrow(InvalidInputError);
    expect(() => registry({ location: "west/europe" })).toThrow(InvalidInputError);
    expect(fake.requests.length).toBe(before);
  });
});

describe("Azure ML canary rollouts", () => {
  it("steps a canary through its percentages while the health check passes", async () => {
    // MLflow models: Azure serves them with no environment.
    await versions("canary-ok", 2, W, "mlflow_model");
    const reg = registry();
    await reg.endpoints.deploy("canary-ok/1", { endpoint: "canary-ok-serving" });
    const seen: number[] = [];
    const result = await reg.endpoints.canaryRollout("canary-ok/2", {
      endpoint: "canary-ok-serving",
      steps: [10, 50, 100],
      check: ({ endpoint }) => {
        seen.push(endpoint.trafficSplit["canary-ok/2"] ?? -1);
        return true;
      },
    });
    expect(result).toMatchObject({ completed: true, steps: [10, 50, 100] });
    expect(seen).toEqual([10, 50, 100]);
    expect(result.endpoint.trafficSplit).toEqual({ "canary-ok/1": 0, "canary-ok/2": 100 });
    expect(storedTraffic("canary-ok-serving")).toEqual({ "canary-ok-v2": 100 });
  });

  it("rolls a canary back to the previous split and deletes its deployment when a check fails", async () => {
    await versions("canary-bad", 2, W, "mlflow_model");
    const reg = registry();
    const events = recorder(reg);
    await reg.endpoints.deploy("canary-bad/1", { endpoint: "canary-bad-serving" });
    const result = await reg.endpoints.canaryRollout("canary-bad/2", {
      endpoint: "canary-bad-serving",
      steps: [5, 25, 50, 100],
      check: ({ percent }) => {
        if (percent >= 25) throw new Error("error rate 7% over 1%");
        return true;
      },
    });
    expect(result).toMatchObject({ completed: false, steps: [5, 25], failedAt: 25 });
    expect(result.reason).toMatch(/error rate/);
    expect(result.endpoint.trafficSplit).toEqual({ "canary-bad/1": 100 });
    expect(deploymentsIn("canary-bad-serving")).toEqual(["canary-bad-v1"]);
    const rollback = events.find((e) => e.type === "rollback.completed");
    expect(rollback).toMatchObject({ model: "canary-bad", version: "2", details: { failedAt: 25, endpoint: `${W}/onlineEndpoints/canary-bad-serving` } });
  });

  it("rolls a canary back to the split from before the rollout, not to a share for every deployment left", async () => {
    await versions("canary-restore", 3);
    const reg = registry();
    await reg.endpoints.deploy("canary-restore/1", { ...CUSTOM, endpoint: "canary-restore-serving" });
    await reg.endpoints.deploy("canary-restore/3", { ...CUSTOM, endpoint: "canary-restore-serving", trafficPercent: 0 });
    const result = await reg.endpoints.canaryRollout("canary-restore/2", { ...CUSTOM, endpoint: "canary-restore-serving", steps: [100], check: () => false });
    expect(result).toMatchObject({ completed: false, steps: [100], failedAt: 100 });
    expect(result.endpoint.trafficSplit).toEqual({ "canary-restore/1": 100, "canary-restore/3": 0 });
    expect(deploymentsIn("canary-restore-serving")).toEqual(["canary-restore-v1", "canary-restore-v3"]);
  });

  it("deletes the endpoint a failed canary created", async () => {
    await versions("canary-new", 1);
    const reg = registry();
    const result = await reg.endpoints.canaryRollout("canary-new/1", { ...CUSTOM, endpoint: "canary-new-serving", check: () => false });
    expect(result).toMatchObject({ completed: false, steps: [100] });
    expect(result.endpoint.deployedModels).toEqual([]);
    expect(fake.state.endpoints.has("canary-new-serving")).toBe(false);
  });
});

/** A client of the fake's Azure ML registry (its models deploy to the workspace's endpoints through endpointsIn). */
const registryClient = () =>
  createAzureMlRegistry({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    registry: REGISTRY,
    endpoint: fake.url,
    token: fake.token,
    pollIntervalMs: 1,
    location: "westeurope",
  });

describe("Azure ML registries and endpoints", () => {
  it("has no endpoints of its own, and deploys its models to a workspace's endpoints by their azureml://registries id", async () => {
    await versions("shared-fraud", 1, R);
    const reg = registryClient();
    expect(reg.capabilities.deploy).toBe(false);
    expect(registry().capabilities.deploy).toBe(true);
    const before = fake.requests.length;
    await expect(reg.endpoints.getEndpoint("anything")).rejects.toThrow(UnsupportedCapabilityError);
    await expect(reg.endpoints.deploy("shared-fraud/1", { endpoint: "shared-serving" })).rejects.toThrow(/endpointsIn/);
    expect(fake.requests.length).toBe(before);
    expect(reg.endpointsIn(WORKSPACE)).toBe(reg.endpointsIn(WORKSPACE));
    expect(() => reg.endpointsIn("no/slash")).toThrow(InvalidInputError);
    const endpoint = await reg.endpointsIn(WORKSPACE).deploy("shared-fraud/1", { ...CUSTOM, endpoint: "shared-serving" });
    expect(endpoint.trafficSplit).toEqual({ "shared-fraud/1": 100 });
    expect(fake.state.endpoints.get("shared-serving")?.deployments.get("shared-fraud-v1")?.properties.model).toBe(
      `azureml://registries/${REGISTRY}/models/shared-fraud/versions/1`,
    );
    // A workspace's client deploys only to its own workspace.
    const own = registry();
    expect(own.endpointsIn(WORKSPACE)).toBe(own.endpoints);
    expect(() => own.endpointsIn("other-ws")).toThrow(InvalidInputError);
  });
});

describe("Azure ML deploy: environment, scoring code and model type", () => {
  const ENV_FIELD = "providerOptions.azureml.environment";
  const CODE_FIELD = "providerOptions.azureml.code";
  const SCRIPT_FIELD = "providerOptions.azureml.scoringScript";
  const fieldOf = (e: unknown) => (InvalidInputError.isInstance(e) ? e.field : `not an InvalidInputError: ${String(e)}`);
  /** The requests of reading a version (the version, and its model for the aliases), in either order. */
  const versionRead = (model: string, version: string) => [`GET W/models/${model}`, `GET W/models/${model}/versions/${version}`];

  it("refuses bad providerOptions.azureml before any request, naming the field", async () => {
    await versions("ep-opts", 1);
    const reg = registry();
    const before = fake.requests.length;
    const withCode = (scoringScript: string) => ({ azureml: { environment: ENV, code: "azureml:score:1", scoringScript } });
    const cases: Array<[unknown, string]> = [
      ["azureml:sklearn-env:1", "providerOptions"],
      [{ azureml: "azureml:sklearn-env:1" }, "providerOptions.azureml"],
      [{ azureml: { environment: ENV, image: "mcr.microsoft.com/azureml/minimal:latest" } }, "providerOptions.azureml.image"],
      [{ azureml: { environment: 3 } }, ENV_FIELD],
      [{ azureml: { environment: "" } }, ENV_FIELD],
      [{ azureml: { environment: "sklearn-env:1" } }, ENV_FIELD],
      [{ azureml: { environment: "azureml:sklearn-env" } }, ENV_FIELD],
      [{ azureml: { environment: "azureml:sklearn-env@latest" } }, ENV_FIELD],
      [{ azureml: { environment: "azureml:../x:1" } }, ENV_FIELD],
      [{ azureml: { environment: `${W}/models/ep-opts/versions/1` } }, ENV_FIELD],
      [{ azureml: { environment: `${W}/environments/sklearn-env` } }, ENV_FIELD],
      [{ azureml: { environment: "azureml://registries/azureml/environments/sklearn-1.5/labels/latest" } }, ENV_FIELD],
      [{ azureml: { environment: ENV, code: "azureml:score:1" } }, SCRIPT_FIELD],
      [{ azureml: { environment: ENV, scoringScript: "score.py" } }, CODE_FIELD],
      // Scoring code runs in an environment.
      [{ azureml: { code: "azureml:score:1", scoringScript: "score.py" } }, ENV_FIELD],
      [{ azureml: { environment: ENV, code: "azureml://registries/r1/environments/score/versions/1", scoringScript: "score.py" } }, CODE_FIELD],
      [{ azureml: { environment: ENV, code: "./src", scoringScript: "score.py" } }, CODE_FIELD],
      [{ azureml: { environment: ENV, code: "azureml:score:1", scoringScript: 7 } }, SCRIPT_FIELD],
      ...[
        "../score.py",
        "src/../../score.py",
        "src\\..\\score.py",
        "/abs/score.py",
        "\\\\share\\score.py",
        "C:score.py",
        "src//score.py",
        "score.py\u0000",
      ].map((script): [unknown, string] => [withCode(script), SCRIPT_FIELD]),
    ];
    for (const [providerOptions, field] of cases) {
      const error = await reg.endpoints.deploy("ep-opts/1", { endpoint: "ep-opts-serving", providerOptions } as never).catch((e: unknown) => e);
      expect(fieldOf(error), JSON.stringify(providerOptions)).toBe(field);
    }
    // A canary takes deploy's options, checked the same way.
    const canary = await reg.endpoints
      .canaryRollout("ep-opts/1", { endpoint: "ep-opts-serving", check: () => true, providerOptions: { azureml: { environment: "sklearn-env:1" } } })
      .catch((e: unknown) => e);
    expect(fieldOf(canary)).toBe(ENV_FIELD);
    expect(fake.requests.length).toBe(before);
  });

  it("refuses a custom model, or one with no modelType, without an environment once the version is read, sending nothing else", async () => {
    await versions("ep-custom", 1);
    await versions("ep-untyped", 1, W, null);
    const reg = registry();
    for (const [ref, type] of [
      ["ep-custom/1", "a custom_model"],
      ["ep-untyped/1", "no modelType"],
    ] as const) {
      const before = fake.requests.length;
      const error = await reg.endpoints.deploy(ref, { endpoint: "ep-custom-serving", trafficPercent: 10 }).catch((e: unknown) => e);
      expect(fieldOf(error)).toBe(ENV_FIELD);
      expect((error as Error).message).toContain(type);
      expect((error as Error).message).toMatch(/serves a custom model only with an environment/);
      expect((error as Error).message).toMatch(/providerOptions: \{ azureml: \{ environment: .*scoringScript/);
      expect((error as Error).message).toMatch(/MLmodel file/);
      // The version was read; nothing else was sent: no endpoint read or made, no deployment.
      expect(requestsSince(before).sort()).toEqual(versionRead(...(ref.split("/") as [string, string])));
    }
    const before = fake.requests.length;
    const canary = await reg.endpoints.canaryRollout("ep-custom/1", { endpoint: "ep-custom-serving", check: () => true }).catch((e: unknown) => e);
    expect(fieldOf(canary)).toBe(ENV_FIELD);
    expect(requestsSince(before).sort()).toEqual(versionRead("ep-custom", "1"));
    expect(fake.state.endpoints.has("ep-custom-serving")).toBe(false);
    // With an environment, the same version deploys.
    const deployed = await reg.endpoints.deploy("ep-custom/1", { ...CUSTOM, endpoint: "ep-custom-serving" });
    expect(deployed.trafficSplit).toEqual({ "ep-custom/1": 100 });
    expect(fake.state.endpoints.get("ep-custom-serving")?.deployments.get("ep-custom-v1")?.properties.environmentId).toBe(ENV_ID);
  });

  it("deploys an MLflow or Triton model with no environment, sending none", async () => {
    await versions("ep-mlflow", 1, W, "mlflow_model");
    await versions("ep-triton", 1, W, "triton_model");
    const reg = registry();
    await reg.endpoints.deploy("ep-mlflow/1", { endpoint: "ep-nocode-serving" });
    const both = await reg.endpoints.deploy("ep-triton/1", { endpoint: "ep-nocode-serving", trafficPercent: 50 });
    expect(both.trafficSplit).toEqual({ "ep-mlflow/1": 50, "ep-triton/1": 50 });
    const puts = fake.requests.filter((r) => r.operation === "OnlineDeployments_CreateOrUpdate" && r.path.includes("/ep-nocode-serving/"));
    expect(puts.map((r) => Object.keys((r.body as { properties: object }).properties).sort())).toEqual([
      ["endpointComputeType", "instanceType", "model", "scaleSettings"],
      ["endpointComputeType", "instanceType", "model", "scaleSettings"],
    ]);
  });

  it("sends a canary's environment with its deployment", async () => {
    await versions("canary-env", 1);
    const reg = registry();
    const result = await reg.endpoints.canaryRollout("canary-env/1", {
      endpoint: "canary-env-serving",
      check: () => true,
      providerOptions: { azureml: { environment: ENV, code: "azureml:score:1", scoringScript: "score.py" } },
    });
    expect(result.completed).toBe(true);
    expect(fake.state.endpoints.get("canary-env-serving")?.deployments.get("canary-env-v1")?.properties).toMatchObject({
      environmentId: ENV_ID,
      codeConfiguration: { codeId: `${W}/codes/score/versions/1`, scoringScript: "score.py" },
    });
  });
});

describe("Azure ML deployments of another registry's model of the same name and version", () => {
  it("keys them by deployment name, deploys beside them, and moves and removes only this registry's version", async () => {
    await versions("twin", 1);
    await versions("twin", 1, R);
    const shared = registryClient().endpointsIn(WORKSPACE);
    const reg = registry();
    const events = recorder(reg);
    // The registry's twin/1, deployed under the plain name twin-v1, then another workspace's twin/1 (made as the CLI
    // would make it).
    await shared.deploy("twin/1", { ...CUSTOM, endpoint: "twin-serving" });
    const otherWorkspaceModel = `${W.replace(`/workspaces/${WORKSPACE}`, "/workspaces/other-ws")}/models/twin/versions/1`;
    await settle(
      await arm("PUT", `${W}/onlineEndpoints/twin-serving/deployments/elsewhere`, {
        location: "westeurope",
        sku: { name: "Default", capacity: 1 },
        properties: { endpointComputeType: "Managed", model: otherWorkspaceModel, environmentId: ENV_ID, instanceType: "Standard_F4s_v2" },
      }),
    );
    const seen = await reg.endpoints.getEndpoint("twin-serving");
    expect(seen.trafficSplit).toEqual({ "twin-v1": 100, elsewhere: 0 });
    expect(seen.deployedModels.map((d) => [d.id, d.model, d.version])).toEqual([
      ["twin-v1", `azureml://registries/${REGISTRY}/models/twin/versions/1`, ""],
      ["elsewhere", otherWorkspaceModel, ""],
    ]);
    // Neither is this workspace's twin/1: it is not "already deployed", nor found to undeploy.
    await expect(reg.endpoints.undeploy("twin/1", { endpoint: "twin-serving" })).rejects.toThrow(NotFoundError);
    const both = await reg.endpoints.deploy("twin/1", { ...CUSTOM, endpoint: "twin-serving", trafficPercent: 10 });
    const ours = both.deployedModels.find((d) => d.version === "1");
    // Its plain name is taken, so its name carries a digest of its full id.
    expect(ours?.id).toBe(deploymentName("twin", "1", reg.versionId("twin", "1")));
    expect(ours?.id).toMatch(/^twin-v1-[0-9a-f]{6}$/);
    expect(fake.state.endpoints.get("twin-serving")?.deployments.get(ours?.id as string)?.properties.model).toBe(reg.versionId("twin", "1"));
    expect(both.trafficSplit).toEqual({ "twin-v1": 90, elsewhere: 0, "twin/1": 10 });
    await expect(reg.endpoints.deploy("twin/1", { ...CUSTOM, endpoint: "twin-serving" })).rejects.toThrow(ConflictError);
    // The registry's client sees the same endpoint the other way round.
    expect((await shared.getEndpoint("twin-serving")).trafficSplit).toEqual({ "twin/1": 90, elsewhere: 0, [ours?.id as string]: 10 });

    // A version key names this workspace's version only.
    const moved = await reg.endpoints.setTrafficSplit("twin-serving", { "1": 100 });
    expect(moved.trafficSplit).toEqual({ "twin-v1": 0, elsewhere: 0, "twin/1": 100 });
    const moves = events.filter((e) => e.details?.previousPercent !== undefined);
    expect(moves.map((e) => [e.model, e.version, e.details?.previousPercent, e.details?.trafficPercent])).toEqual([["twin", "1", 10, 100]]);
    const after = await reg.endpoints.undeploy("twin/1", { endpoint: "twin-serving" });
    expect(deploymentsIn("twin-serving").sort()).toEqual(["elsewhere", "twin-v1"]);
    expect(after.trafficSplit).toEqual({ "twin-v1": 50, elsewhere: 50 });
  });

  it("takes a deployment whose model id differs from this registry's only in case for this registry's version", async () => {
    await versions("casefold", 1);
    const reg = registry();
    await reg.endpoints.ensureEndpoint("casefold-serving");
    const model = `${W.replace("/resourceGroups/", "/resourcegroups/").replace("Microsoft.MachineLearningServices", "microsoft.machinelearningservices")}/models/casefold/versions/1`;
    await settle(
      await arm("PUT", `${W}/onlineEndpoints/casefold-serving/deployments/legacy`, {
        location: "westeurope",
        sku: { name: "Default", capacity: 1 },
        properties: { endpointComputeType: "Managed", model, environmentId: ENV_ID, instanceType: "Standard_F4s_v2" },
      }),
    );
    expect((await reg.endpoints.getEndpoint("casefold-serving")).trafficSplit).toEqual({ "casefold/1": 0 });
    await expect(reg.endpoints.deploy("casefold/1", { ...CUSTOM, endpoint: "casefold-serving" })).rejects.toSatisfy(
      (e: unknown) => ConflictError.isInstance(e) && /as legacy/.test((e as Error).message),
    );
  });
});

describe("Azure ML endpoint deadlines", () => {
  it("gives up waiting at deadlineMs with a TimeoutError (the operation goes on in Azure)", async () => {
    const slow = await startArmFake({
      subscriptionId: SUBSCRIPTION,
      resourceGroup: GROUP,
      workspace: WORKSPACE,
      blob: BLOB,
      location: "westeurope",
      lroPolls: 1_000_000,
    });
    try {
      const reg = createAzureMlRegistry({
        subscriptionId: SUBSCRIPTION,
        resourceGroup: GROUP,
        workspace: WORKSPACE,
        endpoint: slow.url,
        token: slow.token,
        pollIntervalMs: 5,
        location: "westeurope",
      });
      const started = Date.now();
      await expect(reg.endpoints.ensureEndpoint("ep-slow", { deadlineMs: 150 })).rejects.toThrow(TimeoutError);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(slow.state.endpoints.get("ep-slow")?.provisioningState).toBe("Creating");
    } finally {
      await slow.close();
    }
  });
});
