// registry.endpoints against moto's SageMaker (the `aws` project starts it). Model package groups and approved
// packages are made straight through the transport; the registry side is a stub view over them, until the SageMaker
// registry wires SageMakerEndpoints itself. moto does part of what AWS does (reference §12); each test names the
// difference it meets. What moto cannot do (UpdateEndpoint, status transitions, rollbacks) is tested against the
// in-process fake in test/sagemaker/sagemaker-endpoints.test.ts.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ConflictError, NotFoundError, parseRef, ServerError, UnsupportedCapabilityError } from "modelreg";
import { SageMakerEndpoints, type SageMakerRegistryView } from "../../../src/adapters/sagemaker/sagemaker-endpoints.js";
import { deploymentName } from "../../../src/adapters/sagemaker/sagemaker-endpoint-api.js";
import { SageMakerTransport } from "../../../src/adapters/sagemaker/sagemaker-transport.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../../support/moto-server.js";

const ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution";
let transport: SageMakerTransport;
/** Package ARNs and approval by `model/version`, as CreateModelPackage returned them. */
const made = new Map<string, { arn: string; approvalStatus: string | undefined }>();

const view: SageMakerRegistryView = {
  async getVersion() {
    throw new Error("not used by the endpoints");
  },
  async packageOf(ref) {
    const parsed = parseRef(ref, "packageOf");
    const pkg = "version" in parsed ? made.get(`${parsed.model}/${parsed.version}`) : undefined;
    if (!pkg || !("version" in parsed)) throw new NotFoundError(`no package for ${JSON.stringify(ref)}`, { provider: "sagemaker", operation: "packageOf" });
    return { model: parsed.model, version: Number(parsed.version), ...pkg };
  },
};

const call = (action: string, body: Record<string, unknown>) =>
  transport.call({ operation: "test", action, body, options: { maxRetries: 0 } }) as Promise<Record<string, unknown>>;

/** A group and `count` packages with an image and a model.tar.gz, each created with this approval status. */
async function packages(model: string, count: number, approvalStatus?: string): Promise<void> {
  // Group names are lower case here: moto lowercases the group in package ARNs (§12.8), AWS keeps its case.
  await call("CreateModelPackageGroup", { ModelPackageGroupName: model });
  for (let version = 1; version <= count; version++) {
    const res = await call("CreateModelPackage", {
      ModelPackageGroupName: model,
      InferenceSpecification: {
        Containers: [{ Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1", ModelDataUrl: `s3://bucket/${model}/${version}/model.tar.gz` }],
        SupportedContentTypes: ["application/json"],
        SupportedResponseMIMETypes: ["application/json"],
      },
      ...(approvalStatus && { ModelApprovalStatus: approvalStatus }),
    });
    made.set(`${model}/${version}`, { arn: res.ModelPackageArn as string, approvalStatus });
  }
}

const endpoints = () => new SageMakerEndpoints(transport, view, async () => [], { executionRoleArn: ROLE, pollIntervalMs: 1 });

beforeAll(() => {
  transport = new SageMakerTransport({
    region: MOTO_REGION,
    artifactRoot: "s3://bucket/models",
    credentials: MOTO_CREDENTIALS,
    endpoint: inject("motoUrl"),
    env: {},
  });
});

describe("SageMaker endpoints on moto", () => {
  it("deploys an approved version: a model from its package, a config, an endpoint", async () => {
    await packages("moto-fraud", 1, "Approved");
    const api = endpoints();
    // moto: the endpoint is InService at once (§12.10); AWS goes through Creating, which the fake's tests cover.
    const endpoint = await api.deploy("moto-fraud/1", { endpoint: "moto-fraud-serving", machineType: "ml.m5.large" });
    expect(endpoint).toMatchObject({
      id: "moto-fraud-serving",
      deployedModels: [{ id: "moto-fraud-v1", model: "moto-fraud", version: "1", machineType: "ml.m5.large", minReplicas: 1 }],
      trafficSplit: { "moto-fraud/1": 100 },
    });
    expect(endpoint.name).toMatch(/:endpoint\/moto-fraud-serving$/);
    // moto keeps what CreateModel was given: the container names the package, the role is the one set.
    const model = await call("DescribeModel", { ModelName: "moto-fraud-v1" });
    expect(model.ExecutionRoleArn).toBe(ROLE);
    expect(model.Containers).toEqual([{ ModelPackageName: made.get("moto-fraud/1")?.arn }]);
    expect((await api.getEndpoint("moto-fraud-serving")).trafficSplit).toEqual({ "moto-fraud/1": 100 });
  });

  it("deploys the same version to a second endpoint, reusing its model", async () => {
    await packages("moto-shared", 1, "Approved");
    const api = endpoints();
    await api.deploy("moto-shared/1", { endpoint: "moto-shared-a" });
    // moto accepts the duplicate CreateModel (§12.3); AWS refuses it and modelreg reuses the model (the fake's tests).
    const b = await api.deploy("moto-shared/1", { endpoint: "moto-shared-b" });
    expect(b.trafficSplit).toEqual({ "moto-shared/1": 100 });
  });

  it("refuses a version that is not Approved before any request", async () => {
    await packages("moto-pending", 1, "PendingManualApproval");
    const api = endpoints();
    // moto would make the model and endpoint (it checks no approval): the refusal is modelreg's, as AWS's would be.
    await expect(api.deploy("moto-pending/1", { endpoint: "moto-pending-serving" })).rejects.toThrow(ConflictError);
    await expect(call("DescribeModel", { ModelName: "moto-pending-v1" })).rejects.toThrow(NotFoundError);
    await expect(api.getEndpoint("moto-pending-serving")).rejects.toThrow(NotFoundError);
  });

  it("splits traffic between two variants in place, and reads the split back", async () => {
    await packages("moto-split", 2, "Approved");
    const api = endpoints();
    await api.deploy("moto-split/1", { endpoint: "moto-split-serving" });
    // Two variants on one endpoint need UpdateEndpoint, which moto lacks (§12.1); the second endpoint is made the way
    // deploy would have made it (a model per version, a variant per model), straight through the transport.
    await call("CreateModel", { ModelName: "moto-split-v2", Containers: [{ ModelPackageName: made.get("moto-split/2")?.arn }], ExecutionRoleArn: ROLE });
    const variant = (n: number, weight: number) => ({
      VariantName: `moto-split-v${n}`,
      ModelName: `moto-split-v${n}`,
      InstanceType: "ml.m5.large",
      InitialInstanceCount: 1,
      InitialVariantWeight: weight,
    });
    await call("CreateEndpointConfig", { EndpointConfigName: "moto-split-two", ProductionVariants: [variant(1, 1), variant(2, 1)] });
    await call("CreateEndpoint", { EndpointName: "moto-split-two", EndpointConfigName: "moto-split-two" });
    expect((await api.getEndpoint("moto-split-two")).trafficSplit).toEqual({ "moto-split/1": 50, "moto-split/2": 50 });

    const split = await api.setTrafficSplit("moto-split-two", { "moto-split/1": 90, "2": 10 });
    expect(split.trafficSplit).toEqual({ "moto-split/1": 90, "moto-split/2": 10 });
    // moto answers null instance counts after a weight update (AWS keeps them); modelreg falls back to the config's.
    expect(split.deployedModels.map((d) => d.minReplicas)).toEqual([1, 1]);
    const all = await api.setTrafficSplit("moto-split-two", { "1": 100, "2": 0 });
    expect(all.trafficSplit).toEqual({ "moto-split/1": 100, "moto-split/2": 0 });
    expect((await api.rollbackTraffic("moto-split-two")).trafficSplit).toEqual({ "moto-split/1": 90, "moto-split/2": 10 });
  });

  it("reads a variant of weight 0 from the config: moto leaves CurrentWeight out for it", async () => {
    await packages("moto-zero", 2, "Approved");
    const api = endpoints();
    for (const n of [1, 2]) await call("CreateModel", { ModelName: `moto-zero-v${n}`, Containers: [{ ModelPackageName: made.get(`moto-zero/${n}`)?.arn }] });
    const variant = (n: number, weight: number) => ({
      VariantName: `v${n}`,
      ModelName: `moto-zero-v${n}`,
      InstanceType: "ml.m5.large",
      InitialInstanceCount: 1,
      InitialVariantWeight: weight,
    });
    // moto copies InitialVariantWeight to CurrentWeight only when it is truthy, so 0 is missing (AWS reports 0).
    await call("CreateEndpointConfig", { EndpointConfigName: "moto-zero", ProductionVariants: [variant(1, 3), variant(2, 0)] });
    await call("CreateEndpoint", { EndpointName: "moto-zero", EndpointConfigName: "moto-zero" });
    const endpoint = await api.getEndpoint("moto-zero");
    expect(endpoint.trafficSplit).toEqual({ "moto-zero/1": 100, "moto-zero/2": 0 });
    expect(endpoint.deployedModels.map((d) => d.id)).toEqual(["v1", "v2"]);
  });

  it("fails a second deploy with a typed error where moto has no UpdateEndpoint, leaving the endpoint and no stray config", async () => {
    await packages("moto-update", 2, "Approved");
    const api = endpoints();
    const first = await api.deploy("moto-update/1", { endpoint: "moto-update-serving" });
    const configs = async () =>
      ((await call("ListEndpointConfigs", { NameContains: "moto-update-serving" })).EndpointConfigs as Array<{ EndpointConfigName: string }>).map(
        (c) => c.EndpointConfigName,
      );
    const before = await configs();
    // moto answers UpdateEndpoint with an HTML 500 (§12.1); AWS moves the endpoint (the fake's tests cover that).
    await expect(api.deploy("moto-update/2", { endpoint: "moto-update-serving", trafficPercent: 10, maxRetries: 0 })).rejects.toSatisfy(
      (error: unknown) => ServerError.isInstance(error) && (error as ServerError).provider === "sagemaker" && (error as ServerError).operation === "deploy",
    );
    expect(await configs()).toEqual(before);
    expect((await api.getEndpoint("moto-update-serving")).trafficSplit).toEqual(first.trafficSplit);
  });

  it("reads back a version whose model name had to be cut, from the config's tag (ListTags)", async () => {
    const model = `moto-long-${"x".repeat(52)}`;
    await packages(model, 1, "Approved");
    const api = endpoints();
    const endpoint = await api.deploy(`${model}/1`, { endpoint: "moto-long-serving" });
    expect(deploymentName(model, "1")).toMatch(/-h[0-9a-f]{8}$/);
    expect(endpoint.trafficSplit).toEqual({ [`${model}/1`]: 100 });
  });

  it("lists endpoints, and explains that SageMaker has no empty ones", async () => {
    await packages("moto-list", 1, "Approved");
    const api = endpoints();
    await api.deploy("moto-list/1", { endpoint: "moto-list-serving" });
    const listed = await api.listEndpoints({ pageSize: 2 }).toArray();
    expect(listed.find((e) => e.id === "moto-list-serving")?.trafficSplit).toEqual({ "moto-list/1": 100 });
    await expect(api.ensureEndpoint("moto-nothing")).rejects.toThrow(UnsupportedCapabilityError);
  });
});
