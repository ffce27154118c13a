// registry.endpoints on SageMaker, against the in-process fake of the deploy operations (support/sagemaker-endpoint-fake.ts),
// which checks every request against botocore's contract and its SigV4 signature. The registry side is a stub view
// over the fake's packages, until the SageMaker registry wires SageMakerEndpoints itself.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, InvalidInputError, NotFoundError, parseRef, ServerError, UnsupportedCapabilityError } from "modelreg";
import type { RegistryEvent, RegistryEventInput } from "../../src/core/events.js";
import { SageMakerEndpoints, type SageMakerEndpointSettings, type SageMakerRegistryView } from "../../src/adapters/sagemaker/sagemaker-endpoints.js";
import { deploymentName, parseDeploymentName } from "../../src/adapters/sagemaker/sagemaker-endpoint-api.js";
import { SageMakerTransport } from "../../src/adapters/sagemaker/sagemaker-transport.js";
import { MOTO_CREDENTIALS } from "../support/moto-server.js";
import { ACCOUNT, REGION, SAGEMAKER_URL, SageMakerEndpointFake } from "./support/sagemaker-endpoint-fake.js";

const fake = new SageMakerEndpointFake();
const server = setupServer(...fake.handlers());
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  // Every request modelreg sent fit the contract and was signed.
  expect(fake.problems).toEqual([]);
});
afterAll(() => server.close());

const ROLE = `arn:aws:iam::${ACCOUNT}:role/SageMakerExecution`;

/** The registry as the endpoints see it: packages of the fake, by `model/version`. */
const view: SageMakerRegistryView = {
  async getVersion() {
    throw new Error("not used by the endpoints");
  },
  async packageOf(ref) {
    const parsed = parseRef(ref, "packageOf");
    if (!("version" in parsed)) throw new NotFoundError("aliases are not in this stub", { provider: "sagemaker", operation: "packageOf" });
    const arn = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${parsed.model.toLowerCase()}/${parsed.version}`;
    const pkg = fake.packages.get(arn);
    if (!pkg) throw new NotFoundError(`no package ${arn}`, { provider: "sagemaker", operation: "packageOf" });
    return { model: parsed.model, version: Number(parsed.version), arn, approvalStatus: pkg.approvalStatus };
  },
};

function endpoints(settings: SageMakerEndpointSettings = {}) {
  const transport = new SageMakerTransport({
    region: REGION,
    artifactRoot: "s3://bucket/models",
    credentials: MOTO_CREDENTIALS,
    endpoint: `${SAGEMAKER_URL}/`,
    env: {},
  });
  const events: RegistryEvent[] = [];
  const emit = async (inputs: RegistryEventInput[]) => {
    const stamped = inputs.map((input) => ({ id: crypto.randomUUID(), at: new Date().toISOString(), provider: "sagemaker", actor: "tester", ...input }));
    events.push(...stamped);
    return stamped;
  };
  return { api: new SageMakerEndpoints(transport, view, emit, { executionRoleArn: ROLE, pollIntervalMs: 1, ...settings }), events };
}

/** Packages 1..n of a model, approved. */
function packages(model: string, n: number) {
  for (let v = 1; v <= n; v++) fake.addPackage(model, v);
}

/** The endpoint configs that exist for an endpoint's name prefix. */
const configsOf = (endpoint: string) => [...fake.configs.keys()].filter((c) => c.startsWith(`${endpoint}-mr-`));

describe("names", () => {
  it("names a version's model and variant <model>-v<n>, and cuts long or foreign names to SageMaker's pattern with a digest", () => {
    expect(deploymentName("fraud", "3")).toBe("fraud-v3");
    expect(parseDeploymentName("fraud-v3")).toEqual({ model: "fraud", version: "3" });
    expect(parseDeploymentName("fraud-v2-v3")).toEqual({ model: "fraud-v2", version: "3" });
    const long = deploymentName("m".repeat(62), "12");
    expect(long).toMatch(/^m+-v12-h[0-9a-f]{8}$/);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(deploymentName("m".repeat(62), "12")).toBe(long);
    expect(deploymentName(`${"m".repeat(61)}x`, "12")).not.toBe(long);
    expect(deploymentName("fraud.detector_v2", "1")).toMatch(/^fraud-detector-v2-v1-h[0-9a-f]{8}$/);
    // A digest name does not read back as a version: the config's tag says which it is.
    expect(parseDeploymentName(long)).toBeUndefined();
    expect(parseDeploymentName("AllTraffic")).toBeUndefined();
  });
});

describe("SageMaker endpoints", () => {
  it("deploys a version: a model from its package, a config with its variant, an endpoint polled from Creating to InService", async () => {
    packages("fraud", 1);
    const { api, events } = endpoints();
    const endpoint = await api.deploy("fraud/1", { endpoint: "fraud-serving" });
    expect(endpoint).toMatchObject({
      id: "fraud-serving",
      name: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/fraud-serving`,
      deployedModels: [{ id: "fraud-v1", model: "fraud", version: "1", machineType: "ml.m5.large", minReplicas: 1, maxReplicas: 1 }],
      trafficSplit: { "fraud/1": 100 },
    });
    const create = fake.requests.find((r) => r.action === "CreateModel");
    expect(create?.body).toEqual({
      ModelName: "fraud-v1",
      Containers: [{ ModelPackageName: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/fraud/1` }],
      ExecutionRoleArn: ROLE,
    });
    expect(fake.endpoints.get("fraud-serving")?.status).toBe("InService");
    expect(fake.requests.filter((r) => r.action === "DescribeEndpoint" && r.body.EndpointName === "fraud-serving").length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => [e.type, e.model, e.version, e.details])).toEqual([
      ["version.updated", "fraud", "1", { deployedTo: endpoint.name, trafficPercent: 100 }],
    ]);
  });

  it("deploys a second version at 10%, splits 50/50 in place, rolls the split back, and undeploys the canary", async () => {
    packages("split", 2);
    const { api, events } = endpoints();
    await api.deploy("split/1", { endpoint: "split-serving", machineType: "ml.c5.xlarge", minReplicas: 2 });
    const firstConfig = fake.endpoints.get("split-serving")?.configName;
    const both = await api.deploy("split/2", { endpoint: "split-serving", trafficPercent: 10 });
    expect(both.trafficSplit).toEqual({ "split/1": 90, "split/2": 10 });
    expect(events.map((e) => [e.version, e.details?.trafficPercent])).toEqual([
      ["1", 100],
      ["2", 10],
    ]);
    expect(both.deployedModels.map((d) => [d.id, d.machineType, d.minReplicas])).toEqual([
      ["split-v1", "ml.c5.xlarge", 2],
      ["split-v2", "ml.m5.large", 1],
    ]);
    const update = fake.requests.filter((r) => r.action === "UpdateEndpoint").at(-1);
    expect(update?.body).toMatchObject({ RetainAllVariantProperties: true, ExcludeRetainedVariantProperties: [{ VariantPropertyType: "DesiredWeight" }] });
    // The config the endpoint left is gone; the one it uses stays.
    expect(configsOf("split-serving")).toEqual([fake.endpoints.get("split-serving")?.configName]);
    expect(fake.configs.has(firstConfig as string)).toBe(false);

    const before = fake.requests.length;
    const moved = await api.setTrafficSplit("split-serving", { "split/1": 50, "2": 50 });
    expect(moved.trafficSplit).toEqual({ "split/1": 50, "split/2": 50 });
    expect(fake.actions(before).filter((a) => a.startsWith("Update"))).toEqual(["UpdateEndpointWeightsAndCapacities"]);
    const back = await api.rollbackTraffic("split-serving");
    expect(back.trafficSplit).toEqual({ "split/1": 90, "split/2": 10 });

    const after = await api.undeploy("split/2", { endpoint: "split-serving" });
    expect(after.trafficSplit).toEqual({ "split/1": 100 });
    expect(after.deployedModels.map((d) => d.id)).toEqual(["split-v1"]);
    // The instance count set on the first variant survived the moves (RetainAllVariantProperties).
    expect(after.deployedModels[0]?.minReplicas).toBe(2);
    expect(configsOf("split-serving")).toHaveLength(1);
  });

  it("refuses a split that does not sum to 100 before any request, and one naming a version not deployed", async () => {
    packages("badsplit", 1);
    const { api } = endpoints();
    await api.deploy("badsplit/1", { endpoint: "badsplit-serving" });
    const before = fake.requests.length;
    await expect(api.setTrafficSplit("badsplit-serving", { "1": 60, "2": 50 })).rejects.toThrow(InvalidInputError);
    await expect(api.setTrafficSplit("badsplit-serving", { "1": -1, "2": 101 })).rejects.toThrow(InvalidInputError);
    expect(fake.requests.length).toBe(before);
    await expect(api.setTrafficSplit("badsplit-serving", { "1": 90, "7": 10 })).rejects.toThrow(ConflictError);
    expect(fake.actions(before)).not.toContain("UpdateEndpointWeightsAndCapacities");
  });

  it("undeploys a version's traffic to the others in proportion", async () => {
    packages("prop", 3);
    const { api } = endpoints();
    await api.deploy("prop/1", { endpoint: "prop-serving" });
    await api.deploy("prop/2", { endpoint: "prop-serving", trafficPercent: 30 });
    await api.deploy("prop/3", { endpoint: "prop-serving", trafficPercent: 20 });
    const three = await api.getEndpoint("prop-serving");
    expect(three.trafficSplit).toEqual({ "prop/1": 56, "prop/2": 24, "prop/3": 20 });
    const after = await api.undeploy("prop/1", { endpoint: "prop-serving" });
    expect(after.trafficSplit).toEqual({ "prop/2": 55, "prop/3": 45 });
  });

  it("reuses a version's model on a second endpoint: SageMaker refuses the duplicate CreateModel", async () => {
    packages("shared", 1);
    const { api } = endpoints();
    await api.deploy("shared/1", { endpoint: "shared-a" });
    const before = fake.requests.length;
    const b = await api.deploy("shared/1", { endpoint: "shared-b" });
    expect(b.trafficSplit).toEqual({ "shared/1": 100 });
    // It asked, was told the model exists (the next test shows the answer), and went on with it.
    expect(fake.actions(before).filter((a) => a === "CreateModel")).toHaveLength(1);
    expect([...fake.models.keys()].filter((m) => m.startsWith("shared-"))).toEqual(["shared-v1"]);
  });

  it("the fake answers a duplicate CreateModel with ValidationException 'Cannot create already existing model'", async () => {
    packages("dup", 1);
    const { api } = endpoints();
    await api.deploy("dup/1", { endpoint: "dup-serving" });
    const transport = new SageMakerTransport({
      region: REGION,
      artifactRoot: "s3://b/m",
      credentials: MOTO_CREDENTIALS,
      endpoint: `${SAGEMAKER_URL}/`,
      env: {},
    });
    const again = transport.call({
      operation: "test",
      action: "CreateModel",
      body: { ModelName: "dup-v1", Containers: [{ ModelPackageName: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/dup/1` }] },
    });
    await expect(again).rejects.toMatchObject({
      kind: "ConflictError",
      providerCode: "ValidationException",
      message: expect.stringContaining("Cannot create already existing model"),
    });
  });

  it("refuses to deploy a version that is not Approved, before creating anything", async () => {
    fake.addPackage("pending", 1, "PendingManualApproval");
    fake.addPackage("pending", 2, null);
    const { api } = endpoints();
    const before = fake.requests.length;
    const refused = api.deploy("pending/1", { endpoint: "pending-serving" });
    await expect(refused).rejects.toThrow(ConflictError);
    await expect(refused).rejects.toMatchObject({
      provider: "sagemaker",
      operation: "deploy",
      message: expect.stringMatching(/PendingManualApproval.*Approved/),
    });
    await expect(api.deploy("pending/2", { endpoint: "pending-serving" })).rejects.toThrow(/without an approval status/);
    expect(fake.requests.length).toBe(before);
    expect(fake.models.has("pending-v1")).toBe(false);
  });

  it("reports a Failed endpoint as a ServerError with SageMaker's reason, and refuses to deploy onto it", async () => {
    packages("broken", 2);
    fake.failingModels.add("broken-v1");
    const { api, events } = endpoints();
    const failed = api.deploy("broken/1", { endpoint: "broken-serving" });
    await expect(failed).rejects.toThrow(ServerError);
    await expect(failed).rejects.toMatchObject({
      providerCode: "EndpointStatus.Failed",
      isRetryable: false,
      message: expect.stringMatching(/ping health check/),
    });
    expect(fake.endpoints.get("broken-serving")?.status).toBe("Failed");
    await expect(api.deploy("broken/2", { endpoint: "broken-serving" })).rejects.toThrow(/is Failed.*delete it/);
    expect(events).toEqual([]);
  });

  it("deletes the new config when SageMaker rolls a failed update back, and the endpoint keeps serving the old one", async () => {
    packages("rollback", 2);
    fake.failingModels.add("rollback-v2");
    const { api } = endpoints();
    await api.deploy("rollback/1", { endpoint: "rollback-serving" });
    const config = fake.endpoints.get("rollback-serving")?.configName;
    await expect(api.deploy("rollback/2", { endpoint: "rollback-serving", trafficPercent: 10 })).rejects.toThrow(/rolled the update back.*ping health check/);
    const endpoint = await api.getEndpoint("rollback-serving");
    expect(endpoint.trafficSplit).toEqual({ "rollback/1": 100 });
    expect(configsOf("rollback-serving")).toEqual([config]);
  });

  it("returns a handle with wait: false; the endpoint is Creating until the handle waits, and refuses a second change meanwhile", async () => {
    packages("handle", 2);
    const { api, events } = endpoints();
    const handle = await api.deploy("handle/1", { endpoint: "handle-serving", wait: false });
    expect(handle.name).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/handle-serving`);
    expect(fake.endpoints.get("handle-serving")?.status).toBe("Creating");
    expect(events).toEqual([]);
    await expect(api.deploy("handle/2", { endpoint: "handle-serving" })).rejects.toThrow(/is Creating; wait until it is InService/);
    const endpoint = await handle.wait();
    expect(endpoint.trafficSplit).toEqual({ "handle/1": 100 });
    expect(events.map((e) => e.type)).toEqual(["version.updated"]);
  });

  it("gives a version all traffic on an endpoint where nothing else serves, whatever trafficPercent says", async () => {
    packages("alone", 1);
    const { api, events } = endpoints();
    const endpoint = await api.deploy("alone/1", { endpoint: "alone-serving", trafficPercent: 10 });
    expect(endpoint.trafficSplit).toEqual({ "alone/1": 100 });
    expect(events.at(-1)?.details).toMatchObject({ trafficPercent: 100 });
  });

  it("stops waiting at the deadline with a TimeoutError, and the change goes on", async () => {
    packages("slow", 1);
    fake.transitionPolls = 1000;
    try {
      const { api } = endpoints();
      const slow = api.deploy("slow/1", { endpoint: "slow-serving", deadlineMs: 20 });
      await expect(slow).rejects.toMatchObject({ kind: "TimeoutError", message: expect.stringMatching(/still Creating.*continues on AWS's side/) });
      expect(fake.endpoints.get("slow-serving")?.status).toBe("Creating");
    } finally {
      fake.transitionPolls = 2;
    }
  });

  it("refuses a version already deployed there, and undeploying the last variant", async () => {
    packages("twice", 1);
    const { api } = endpoints();
    await api.deploy("twice/1", { endpoint: "twice-serving" });
    await expect(api.deploy("twice/1", { endpoint: "twice-serving" })).rejects.toThrow(/already deployed/);
    await expect(api.undeploy("twice/1", { endpoint: "twice-serving" })).rejects.toThrow(/last variant.*delete the endpoint/);
    await expect(api.undeploy("twice/2", { endpoint: "twice-serving" })).rejects.toThrow(NotFoundError);
  });

  it("reads back versions whose model names had to be cut, from the config's tag", async () => {
    const model = `long${"x".repeat(58)}`;
    packages(model, 1);
    const { api } = endpoints();
    const endpoint = await api.deploy(`${model}/1`, { endpoint: "long-serving" });
    expect(endpoint.trafficSplit).toEqual({ [`${model}/1`]: 100 });
    const config = fake.configs.get(fake.endpoints.get("long-serving")?.configName as string);
    expect(config?.tags).toEqual([{ Key: `modelreg:version:${deploymentName(model, "1")}`, Value: `${model}/1` }]);
    expect((await api.getEndpoint("long-serving")).deployedModels[0]).toMatchObject({ model, version: "1" });
  });

  it("lists endpoints page by page, each with its variants", async () => {
    packages("listed", 1);
    const { api } = endpoints();
    await api.deploy("listed/1", { endpoint: "listed-a" });
    await api.deploy("listed/1", { endpoint: "listed-b" });
    const all = await api.listEndpoints({ pageSize: 1 }).toArray();
    const listed = all.filter((e) => e.id.startsWith("listed-"));
    expect(listed.map((e) => e.id)).toEqual(["listed-b", "listed-a"]);
    expect(listed[0]?.trafficSplit).toEqual({ "listed/1": 100 });
    const pages = [];
    for await (const page of api.listEndpoints({ pageSize: 1 }).pages()) pages.push(page.items.length);
    expect(pages.every((n) => n <= 1)).toBe(true);
  });

  it("ensureEndpoint returns an endpoint that exists and explains that SageMaker has no empty ones", async () => {
    packages("ensure", 1);
    const { api } = endpoints();
    await api.deploy("ensure/1", { endpoint: "ensure-serving" });
    expect((await api.ensureEndpoint("ensure-serving")).id).toBe("ensure-serving");
    await expect(api.ensureEndpoint("nothing-here")).rejects.toThrow(UnsupportedCapabilityError);
    await expect(api.getEndpoint("nothing-here")).rejects.toThrow(NotFoundError);
  });

  it("refuses bad input before any request", async () => {
    const { api } = endpoints();
    const bad = endpoints({ executionRoleArn: "my-role" }).api;
    const before = fake.requests.length;
    await expect(api.deploy("x/1", { endpoint: "has_underscore" })).rejects.toThrow(InvalidInputError);
    await expect(api.deploy("x/1", { endpoint: "e", trafficPercent: 101 })).rejects.toThrow(InvalidInputError);
    await expect(api.deploy("x/1", { endpoint: "e", minReplicas: 1, maxReplicas: 3 })).rejects.toThrow(/Application Auto Scaling/);
    await expect(api.deploy("x/1", { endpoint: "e", machineType: "n1-standard-4" })).rejects.toThrow(/not a SageMaker instance type/);
    await expect(bad.deploy("x/1", { endpoint: "e" })).rejects.toMatchObject({ kind: "InvalidInputError", field: "executionRoleArn" });
    await expect(api.canaryRollout("x/1", { endpoint: "e", steps: [50, 10], check: () => true })).rejects.toThrow(InvalidInputError);
    await expect(api.canaryRollout("x/1", { endpoint: "e" })).rejects.toThrow(/health check/);
    await expect(api.canaryRollout("x/1", { endpoint: "e", blueGreen: { alarms: [] } })).rejects.toThrow(/1-10 CloudWatch alarm/);
    await expect(
      api.canaryRollout("x/1", { endpoint: "e", blueGreen: { alarms: ["a"], canarySize: { type: "CAPACITY_PERCENT", value: 60 } } }),
    ).rejects.toThrow(InvalidInputError);
    await expect(api.setTrafficSplit("e", { "1": 90 })).rejects.toThrow(InvalidInputError);
    await expect(api.listEndpoints({ pageSize: 500 }).toArray()).rejects.toThrow(InvalidInputError);
    expect(fake.requests.length).toBe(before);
  });
});

describe("SageMaker canary rollouts", () => {
  it("steps a canary through its percentages while the health check passes", async () => {
    packages("canok", 2);
    const { api } = endpoints();
    await api.deploy("canok/1", { endpoint: "canok-serving" });
    const seen: number[] = [];
    const result = await api.canaryRollout("canok/2", {
      endpoint: "canok-serving",
      steps: [10, 50, 100],
      check: ({ endpoint }) => {
        seen.push(endpoint.trafficSplit["canok/2"] ?? -1);
        return true;
      },
    });
    expect(result).toMatchObject({ completed: true, steps: [10, 50, 100] });
    expect(seen).toEqual([10, 50, 100]);
    expect(result.endpoint.trafficSplit).toEqual({ "canok/1": 0, "canok/2": 100 });
  });

  it("rolls a canary back to the split from before and removes its variant when a check fails", async () => {
    packages("canbad", 3);
    const { api, events } = endpoints();
    await api.deploy("canbad/1", { endpoint: "canbad-serving" });
    await api.deploy("canbad/3", { endpoint: "canbad-serving", trafficPercent: 0 });
    const result = await api.canaryRollout("canbad/2", {
      endpoint: "canbad-serving",
      steps: [5, 25, 50, 100],
      check: ({ percent }) => {
        if (percent >= 25) throw new Error("error rate 7% over 1%");
        return true;
      },
    });
    expect(result).toMatchObject({ completed: false, steps: [5, 25], failedAt: 25, rolledBackBy: "check" });
    expect(result.reason).toMatch(/error rate/);
    expect(result.endpoint.trafficSplit).toEqual({ "canbad/1": 100, "canbad/3": 0 });
    expect(result.endpoint.deployedModels.map((d) => d.version)).toEqual(["1", "3"]);
    expect(events.at(-1)).toMatchObject({ type: "rollback.completed", model: "canbad", version: "2", details: { failedAt: 25 } });
    expect(configsOf("canbad-serving")).toHaveLength(1);
  });

  it("deletes the endpoint (and its config) when a canary that created it fails", async () => {
    packages("cannew", 1);
    const { api } = endpoints();
    const result = await api.canaryRollout("cannew/1", { endpoint: "cannew-serving", check: () => false });
    expect(result).toMatchObject({ completed: false, steps: [100], failedAt: 100 });
    expect(result.endpoint.deployedModels).toEqual([]);
    expect(fake.endpoints.has("cannew-serving")).toBe(false);
    expect(configsOf("cannew-serving")).toEqual([]);
    await expect(api.getEndpoint("cannew-serving")).rejects.toThrow(NotFoundError);
  });

  it("runs SageMaker's blue/green canary with alarms: the variant keeps its name and serves the new version", async () => {
    packages("bg", 2);
    const { api, events } = endpoints();
    await api.deploy("bg/1", { endpoint: "bg-serving", minReplicas: 2 });
    const result = await api.canaryRollout("bg/2", {
      endpoint: "bg-serving",
      blueGreen: { alarms: ["bg-5xx", "bg-latency"], canarySize: { type: "CAPACITY_PERCENT", value: 50 } },
    });
    expect(result).toMatchObject({ completed: true, steps: [100] });
    expect(result.endpoint.deployedModels).toEqual([expect.objectContaining({ id: "bg-v1", model: "bg", version: "2", minReplicas: 2 })]);
    expect(result.endpoint.trafficSplit).toEqual({ "bg/2": 100 });
    const update = fake.requests.filter((r) => r.action === "UpdateEndpoint").at(-1);
    expect(update?.body.DeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: "CANARY", CanarySize: { Type: "CAPACITY_PERCENT", Value: 50 }, WaitIntervalInSeconds: 600 },
        TerminationWaitInSeconds: 600,
        MaximumExecutionTimeoutInSeconds: 1800,
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: "bg-5xx" }, { AlarmName: "bg-latency" }] },
    });
    expect(events.at(-1)).toMatchObject({ type: "version.updated", version: "2", details: { replaced: "bg/1" } });
    // A later deploy of the replaced version gets a variant name of its own.
    const again = await api.deploy("bg/1", { endpoint: "bg-serving", trafficPercent: 10 });
    expect(again.deployedModels.map((d) => [d.id, d.version])).toEqual([
      ["bg-v1", "2"],
      ["bg-v1-2", "1"],
    ]);
  });

  it("reports SageMaker's rollback when an alarm fires, and keeps the old version serving", async () => {
    packages("bgbad", 2);
    fake.firingAlarms.add("bgbad-5xx");
    const { api, events } = endpoints();
    await api.deploy("bgbad/1", { endpoint: "bgbad-serving" });
    const config = fake.endpoints.get("bgbad-serving")?.configName;
    const result = await api.canaryRollout("bgbad/2", { endpoint: "bgbad-serving", blueGreen: { alarms: ["bgbad-5xx"] } });
    expect(result).toMatchObject({ completed: false, rolledBackBy: "alarms", steps: [] });
    expect(result.reason).toMatch(/alarm bgbad-5xx/);
    expect(result.endpoint.trafficSplit).toEqual({ "bgbad/1": 100 });
    expect(configsOf("bgbad-serving")).toEqual([config]);
    expect(events.at(-1)).toMatchObject({ type: "rollback.completed", version: "2" });
  });

  it("moves back to the old model when the health check fails after a blue/green canary", async () => {
    packages("bgcheck", 2);
    const { api } = endpoints();
    await api.deploy("bgcheck/1", { endpoint: "bgcheck-serving" });
    const result = await api.canaryRollout("bgcheck/2", { endpoint: "bgcheck-serving", blueGreen: { alarms: ["a"] }, check: () => false });
    expect(result).toMatchObject({ completed: false, rolledBackBy: "check", failedAt: 100 });
    expect(result.endpoint.deployedModels).toEqual([expect.objectContaining({ id: "bgcheck-v1", version: "1" })]);
    expect(configsOf("bgcheck-serving")).toHaveLength(1);
  });
});
