import { describe, expect, it } from "vitest";
import { ConflictError, InvalidInputError, NotFoundError } from "modelreg";
import { makeRoom, splitAfterUndeploy } from "../../src/adapters/vertex/vertex-traffic.js";
import { useVertexFakes } from "./support/setup.js";
import { HOST, LOCATION, PROJECT } from "./support/vertex-fake.js";

const fakes = useVertexFakes();
const files = (content: string) => ({ entries: [{ path: "model.pkl", content }] });

async function twoVersions(model: string) {
  const registry = fakes.registry();
  await registry.createVersion(model, { artifacts: files("1") });
  await registry.createVersion(model, { artifacts: files("2") });
  return registry;
}

describe("makeRoom", () => {
  it("scales the others down in proportion, in whole percents summing to the room left", () => {
    expect(makeRoom({ a: 100 }, 10)).toEqual({ a: 90 });
    expect(makeRoom({ a: 50, b: 50 }, 25)).toEqual({ a: 38, b: 37 });
    expect(Object.values(makeRoom({ a: 33, b: 33, c: 34 }, 5)).reduce((n, v) => n + v, 0)).toBe(95);
  });
});

describe("splitAfterUndeploy", () => {
  it("scales the others up to 100 in proportion, shares equally when they had none, and sends nothing when not needed", () => {
    expect(splitAfterUndeploy({ a: 50, b: 30, c: 20 }, "a", ["b", "c"])).toEqual({ b: 60, c: 40 });
    expect(splitAfterUndeploy({ a: 100, b: 0 }, "a", ["b"])).toEqual({ b: 100 });
    expect(splitAfterUndeploy({ a: 100 }, "a", ["b", "c", "d"])).toEqual({ b: 34, c: 33, d: 33 });
    expect(splitAfterUndeploy({ a: 0, b: 100 }, "a", ["b"])).toBeUndefined();
    expect(splitAfterUndeploy({ a: 100 }, "a", [])).toBeUndefined();
  });
});

describe("Vertex endpoints", () => {
  it("creates an endpoint once and reuses it by display name", async () => {
    const registry = fakes.registry();
    const a = await registry.endpoints.ensureEndpoint("fraud-serving");
    const b = await registry.endpoints.ensureEndpoint("fraud-serving");
    expect(b.id).toBe(a.id);
    expect(fakes.vertex.endpoints.size).toBe(1);
  });

  it("deploys beside the champion at 10%, moves traffic, and validates the split", async () => {
    const registry = await twoVersions("ep-fraud");
    const first = await registry.endpoints.deploy("ep-fraud/1", { endpoint: "ep-serving", machineType: "n1-standard-4", minReplicas: 1, maxReplicas: 3 });
    expect(first.trafficSplit).toEqual({ "ep-fraud/1": 100 });
    expect(first.deployedModels[0]).toMatchObject({ model: "ep-fraud", version: "1", machineType: "n1-standard-4", minReplicas: 1, maxReplicas: 3 });
    const both = await registry.endpoints.deploy("ep-fraud/2", { endpoint: first.id, trafficPercent: 10 });
    expect(both.trafficSplit).toEqual({ "ep-fraud/1": 90, "ep-fraud/2": 10 });
    const moved = await registry.endpoints.setTrafficSplit(first.id, { "1": 50, "ep-fraud/2": 50 });
    expect(moved.trafficSplit).toEqual({ "ep-fraud/1": 50, "ep-fraud/2": 50 });
    await expect(registry.endpoints.setTrafficSplit(first.id, { "1": 60, "2": 50 })).rejects.toThrow(InvalidInputError);
    await expect(registry.endpoints.setTrafficSplit(first.id, { "1": 90, "7": 10 })).rejects.toThrow(ConflictError);
    const back = await registry.endpoints.rollbackTraffic(first.id);
    expect(back.trafficSplit).toEqual({ "ep-fraud/1": 90, "ep-fraud/2": 10 });
    const after = await registry.endpoints.undeploy("ep-fraud/2", { endpoint: first.id });
    expect(after.trafficSplit).toEqual({ "ep-fraud/1": 100 });
    expect(after.deployedModels.map((d) => d.version)).toEqual(["1"]);
  });

  it("returns a handle with wait: false", async () => {
    const registry = await twoVersions("ep-handle");
    const handle = await registry.endpoints.deploy("ep-handle/1", { endpoint: "ep-handle-serving", wait: false });
    expect(handle.name).toMatch(/\/endpoints\/\d+\/operations\/\d+$/);
    const endpoint = await handle.wait();
    expect(endpoint.trafficSplit).toEqual({ "ep-handle/1": 100 });
  });

  it("steps a canary through its percentages while the health check passes", async () => {
    const registry = await twoVersions("canary-ok");
    await registry.endpoints.deploy("canary-ok/1", { endpoint: "canary-ok-serving" });
    const seen: number[] = [];
    const result = await registry.endpoints.canaryRollout("canary-ok/2", {
      endpoint: "canary-ok-serving",
      steps: [10, 50, 100],
      check: ({ percent, endpoint }) => {
        seen.push(endpoint.trafficSplit["canary-ok/2"] ?? -1);
        return percent <= 100;
      },
    });
    expect(result).toMatchObject({ completed: true, steps: [10, 50, 100] });
    expect(seen).toEqual([10, 50, 100]);
    expect(result.endpoint.trafficSplit).toEqual({ "canary-ok/1": 0, "canary-ok/2": 100 });
  });

  it("rolls a canary back to the previous split and removes it when a check fails", async () => {
    const registry = await twoVersions("canary-bad");
    const champion = await registry.endpoints.deploy("canary-bad/1", { endpoint: "canary-bad-serving" });
    const result = await registry.endpoints.canaryRollout("canary-bad/2", {
      endpoint: champion.id,
      steps: [5, 25, 50, 100],
      check: ({ percent }) => {
        if (percent >= 25) throw new Error("error rate 7% over 1%");
        return true;
      },
    });
    expect(result).toMatchObject({ completed: false, steps: [5, 25], failedAt: 25 });
    expect(result.reason).toMatch(/error rate/);
    expect(result.endpoint.trafficSplit).toEqual({ "canary-bad/1": 100 });
    expect(result.endpoint.deployedModels.map((d) => d.version)).toEqual(["1"]);
  });

  it("the fake refuses an undeploy that would leave the split short of 100, and takes a split listing the leaving model at 0", async () => {
    const registry = await twoVersions("undeploy-rule");
    await registry.endpoints.deploy("undeploy-rule/1", { endpoint: "undeploy-rule-serving" });
    const both = await registry.endpoints.deploy("undeploy-rule/2", { endpoint: "undeploy-rule-serving", trafficPercent: 0 });
    const [v1, v2] = both.deployedModels.map((d) => d.id) as [string, string];
    const undeploy = (body: unknown) =>
      fetch(`${HOST}/v1/${both.name}:undeployModel`, {
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const refused = await undeploy({ deployedModelId: v1 });
    expect([refused.status, ((await refused.json()) as { error: { status: string } }).error.status]).toEqual([400, "FAILED_PRECONDITION"]);
    expect((await undeploy({ deployedModelId: v1, trafficSplit: { [v1]: 50, [v2]: 50 } })).status).toBe(400);
    expect((await undeploy({ deployedModelId: v1, trafficSplit: { [v2]: 90 } })).status).toBe(400);
    expect((await undeploy({ deployedModelId: v1, trafficSplit: { [v1]: 0, [v2]: 100 } })).status).toBe(200);
  });

  it("undeploys the version holding 100% beside one at 0%: the one left gets all traffic", async () => {
    const registry = await twoVersions("undeploy-full");
    await registry.endpoints.deploy("undeploy-full/1", { endpoint: "undeploy-full-serving" });
    const both = await registry.endpoints.deploy("undeploy-full/2", { endpoint: "undeploy-full-serving", trafficPercent: 0 });
    expect(both.trafficSplit).toEqual({ "undeploy-full/1": 100, "undeploy-full/2": 0 });
    const after = await registry.endpoints.undeploy("undeploy-full/1", { endpoint: "undeploy-full-serving" });
    expect(after.trafficSplit).toEqual({ "undeploy-full/2": 100 });
    expect(after.deployedModels.map((d) => d.version)).toEqual(["2"]);
  });

  it("rolls back a canary that took all traffic at once: the version it replaced ends at 100%", async () => {
    const registry = await twoVersions("canary-full");
    await registry.endpoints.deploy("canary-full/1", { endpoint: "canary-full-serving" });
    const result = await registry.endpoints.canaryRollout("canary-full/2", { endpoint: "canary-full-serving", steps: [100], check: () => false });
    expect(result).toMatchObject({ completed: false, steps: [100], failedAt: 100 });
    expect(result.endpoint.trafficSplit).toEqual({ "canary-full/1": 100 });
    expect(result.endpoint.deployedModels.map((d) => d.version)).toEqual(["1"]);
    const [endpoint] = [...fakes.vertex.endpoints.values()].filter((e) => e.displayName === "canary-full-serving");
    expect(Object.values(endpoint?.trafficSplit ?? {})).toEqual([100]);
  });

  it("rolls a canary back to the split from before the rollout, not to a share for every model left", async () => {
    const registry = await twoVersions("canary-restore");
    await registry.createVersion("canary-restore", { artifacts: files("3") });
    await registry.endpoints.deploy("canary-restore/1", { endpoint: "canary-restore-serving" });
    await registry.endpoints.deploy("canary-restore/3", { endpoint: "canary-restore-serving", trafficPercent: 0 });
    const result = await registry.endpoints.canaryRollout("canary-restore/2", { endpoint: "canary-restore-serving", steps: [100], check: () => false });
    expect(result.endpoint.trafficSplit).toEqual({ "canary-restore/1": 100, "canary-restore/3": 0 });
    expect(result.endpoint.deployedModels.map((d) => d.version)).toEqual(["1", "3"]);
  });

  it("refuses bad deploy input before any request", async () => {
    const registry = fakes.registry();
    const before = fakes.vertex.requests.length;
    await expect(registry.endpoints.deploy("x/1", { endpoint: "e", trafficPercent: 101 })).rejects.toThrow(InvalidInputError);
    await expect(registry.endpoints.deploy("x/1", { endpoint: "e", minReplicas: 3, maxReplicas: 1 })).rejects.toThrow(InvalidInputError);
    await expect(registry.endpoints.canaryRollout("x/1", { endpoint: "e", steps: [50, 10], check: () => true })).rejects.toThrow(InvalidInputError);
    expect(fakes.vertex.requests.length).toBe(before);
  });
});

/** Creates an endpoint straight on the fake, as the console or gcloud would, and waits for its operation. */
async function createEndpoint(displayName: string, endpointId?: string): Promise<Response> {
  const headers = { authorization: "Bearer t", "content-type": "application/json" };
  const query = endpointId === undefined ? "" : `?endpointId=${encodeURIComponent(endpointId)}`;
  const res = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/endpoints${query}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ displayName }),
  });
  if (!res.ok) return res;
  let op = (await res.json()) as { name: string; done?: boolean };
  while (!op.done) op = (await (await fetch(`${HOST}/v1/${op.name}`, { headers })).json()) as typeof op;
  return res;
}

describe("Vertex endpoint ids and display names", () => {
  it("the fake creates endpoints under a chosen endpointId, and refuses ids that break Vertex's rules or are taken", async () => {
    expect((await createEndpoint("Chosen", "chosen-id-1")).status).toBe(200);
    expect(fakes.vertex.endpoints.get("chosen-id-1")?.displayName).toBe("Chosen");
    expect((await createEndpoint("Numbered", "123456789")).status).toBe(200);
    for (const bad of ["Upper", "ends-with-", "0123", "1234567890", "has_underscore", `a${"b".repeat(63)}`]) {
      const res = await createEndpoint("Bad", bad);
      expect([bad, res.status, ((await res.json()) as { error: { status: string } }).error.status]).toEqual([bad, 400, "INVALID_ARGUMENT"]);
    }
    const taken = await createEndpoint("Again", "chosen-id-1");
    expect([taken.status, ((await taken.json()) as { error: { status: string } }).error.status]).toEqual([409, "ALREADY_EXISTS"]);
  });

  it("deploys to an endpoint whose id starts with a letter, by that id, and creates no endpoint", async () => {
    const registry = await twoVersions("ep-lettered");
    await createEndpoint("Fraud (production)", "fraud-prod");
    const count = fakes.vertex.endpoints.size;
    const creates = () => fakes.vertex.requests.filter((r) => /^POST \S+\/endpoints(\?|$)/.test(r)).length;
    const createsBefore = creates();
    const deployed = await registry.endpoints.deploy("ep-lettered/1", { endpoint: "fraud-prod" });
    expect(deployed).toMatchObject({ id: "fraud-prod", displayName: "Fraud (production)", trafficSplit: { "ep-lettered/1": 100 } });
    expect(fakes.vertex.endpoints.size).toBe(count);
    expect(creates()).toBe(createsBefore);
    // Every other call takes the id as well.
    expect((await registry.endpoints.getEndpoint("fraud-prod")).id).toBe("fraud-prod");
    await registry.endpoints.deploy("ep-lettered/2", { endpoint: "fraud-prod", trafficPercent: 20 });
    const split = await registry.endpoints.setTrafficSplit("fraud-prod", { "1": 50, "2": 50 });
    expect(split.trafficSplit).toEqual({ "ep-lettered/1": 50, "ep-lettered/2": 50 });
    const after = await registry.endpoints.undeploy("ep-lettered/2", { endpoint: "fraud-prod" });
    expect(after.trafficSplit).toEqual({ "ep-lettered/1": 100 });
    expect(fakes.vertex.endpoints.size).toBe(count);
  });

  it("takes a value that is one endpoint's id as that id, even when another endpoint has it as display name", async () => {
    const registry = fakes.registry();
    await createEndpoint("Blue", "blue-serving");
    await createEndpoint("blue-serving");
    const endpoint = await registry.endpoints.getEndpoint("blue-serving");
    expect([endpoint.id, endpoint.displayName]).toEqual(["blue-serving", "Blue"]);
  });

  it("reads a value shaped like an id that no endpoint has as a display name, and creates that endpoint once", async () => {
    const registry = await twoVersions("ep-named");
    const first = await registry.endpoints.deploy("ep-named/1", { endpoint: "ep-named-serving" });
    expect(first.id).toMatch(/^\d+$/);
    expect(first.displayName).toBe("ep-named-serving");
    const second = await registry.endpoints.deploy("ep-named/2", { endpoint: "ep-named-serving", trafficPercent: 10 });
    expect(second.id).toBe(first.id);
    expect([...fakes.vertex.endpoints.values()].filter((e) => e.displayName === "ep-named-serving")).toHaveLength(1);
  });

  it("refuses a display name that several endpoints share, before deploying or creating anything", async () => {
    const registry = await twoVersions("ep-shared");
    await createEndpoint("shared-serving");
    await createEndpoint("shared-serving");
    const count = fakes.vertex.endpoints.size;
    const before = fakes.vertex.requests.length;
    await expect(registry.endpoints.deploy("ep-shared/1", { endpoint: "shared-serving" })).rejects.toThrow(ConflictError);
    await expect(registry.endpoints.getEndpoint("shared-serving")).rejects.toThrow(/2 endpoints have the display name "shared-serving" \(ids \d+, \d+\)/);
    await expect(registry.endpoints.ensureEndpoint("shared-serving")).rejects.toThrow(ConflictError);
    await expect(registry.endpoints.canaryRollout("ep-shared/1", { endpoint: "shared-serving", check: () => true })).rejects.toThrow(ConflictError);
    expect(fakes.vertex.requests.slice(before).filter((r) => r.startsWith("POST"))).toEqual([]);
    expect(fakes.vertex.endpoints.size).toBe(count);
  });

  it("takes a number as an id only: a missing one is NotFoundError, never a new endpoint", async () => {
    const registry = await twoVersions("ep-numbered");
    const count = fakes.vertex.endpoints.size;
    await expect(registry.endpoints.deploy("ep-numbered/1", { endpoint: "987654321" })).rejects.toThrow(NotFoundError);
    await expect(registry.endpoints.getEndpoint("987654321")).rejects.toThrow(NotFoundError);
    expect(fakes.vertex.endpoints.size).toBe(count);
  });

  it("refuses an endpoint value longer than an id or a display name can be, before any request", async () => {
    const registry = fakes.registry();
    const before = fakes.vertex.requests.length;
    await expect(registry.endpoints.deploy("x/1", { endpoint: "e".repeat(129) })).rejects.toThrow(InvalidInputError);
    expect(fakes.vertex.requests.length).toBe(before);
  });
});
