// The registry's endpoints are wired to its own packages: deploying a version the registry made resolves it to its
// package ARN (packageOf), refuses one that is not Approved (the `production` stage approves it), and tells the
// registry's subscribers. The deploy operations themselves are tested in sagemaker-endpoints*.test.ts; here the
// endpoint fake serves them beside the registry fake.
import type { RegistryEvent } from "modelreg";
import { describe, expect, it } from "vitest";
import { SageMakerEndpointFake } from "./support/sagemaker-endpoint-fake.js";
import { IMAGE, useSageMakerFakes } from "./support/setup.js";

const endpoints = new SageMakerEndpointFake();
endpoints.transitionPolls = 0;
const fakes = useSageMakerFakes(endpoints.handlers());

describe("registry.endpoints", () => {
  it("deploys an approved version by its package ARN, and refuses a draft one", async () => {
    const registry = fakes.registry({ image: IMAGE, executionRoleArn: "arn:aws:iam::123456789012:role/Serving", pollIntervalMs: 1 });
    expect(registry.capabilities.deploy).toBe(true);
    const v = await registry.createVersion("deploy-fraud", { artifacts: { entries: [{ path: "model.bin", content: "weights" }] } });
    const { arn, approvalStatus } = await registry.packageOf(v);
    expect(approvalStatus).toBe("PendingManualApproval");
    endpoints.addPackage("deploy-fraud", 1, approvalStatus ?? null);
    await expect(registry.endpoints.deploy(v, { endpoint: "deploy-fraud-serving" })).rejects.toBeDefined();
    await registry.transitionStage(v, "production");
    expect((await registry.packageOf(v)).approvalStatus).toBe("Approved");
    expect(endpoints.addPackage("deploy-fraud", 1, "Approved")).toBe(arn);
    const heard: RegistryEvent[] = [];
    const stop = registry.events.subscribe((e) => {
      heard.push(e);
    });
    try {
      const endpoint = await registry.endpoints.deploy(v, { endpoint: "deploy-fraud-serving" });
      expect(endpoint.trafficSplit).toEqual({ "deploy-fraud/1": 100 });
    } finally {
      stop();
    }
    expect(endpoints.models.get("deploy-fraud-v1")?.packageArn).toBe(arn);
    // A deploy is told as a change to the version, with where it went (as on Vertex).
    expect(heard.map((e) => [e.type, e.model, e.version])).toEqual([["version.updated", "deploy-fraud", "1"]]);
    expect(endpoints.problems).toEqual([]);
  });
});
