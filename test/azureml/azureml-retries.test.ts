// Every write of the Azure ML adapter when the network or Azure fails it once: refused before Azure acted (a cut
// connection, 500/503, 429 with Retry-After), so sending again is safe; acted on by Azure with the answer lost
// ("reset-after"), so sending again must not do it twice nor fail on what the first one did; and a registry's
// long-running operation that ends Failed, or never ends. One fault at a time, on purpose, in both modes.
import { AbortedError, ConflictError, InvalidInputError, PermissionDeniedError, ServerError, TimeoutError, type ModelRegistryError } from "modelreg";
import { afterEach, describe, expect, it } from "vitest";
import { rejectionOf } from "../support/rejection.js";
import { entries, finishOperations, isBlob, MODES, type Mode, modelBlobs, recordingFetch, storedContainer, storedVersions } from "./support/adapter-helpers.js";
import { useAzureFakes } from "./support/setup.js";

const fakes = useAzureFakes();
afterEach(() => fakes.arm.clearFaults());

const name = (mode: Mode, base: string) => `${base}-${mode === "workspace" ? "w" : "r"}`;
const containerRe = (model: string) => new RegExp(`/models/${model}$`);
const versionRe = (model: string, version: string) => new RegExp(`/models/${model}/versions/${version}$`);
/** The fake's log of requests to a path, as method and status. */
const logOf = (path: RegExp) => fakes.arm.requests.filter((r) => path.test(r.path)).map((r) => `${r.method} ${r.status}`);
const versionOp = (mode: Mode) => (mode === "workspace" ? "ModelVersions_CreateOrUpdate" : "RegistryModelVersions_CreateOrUpdate");

describe.each(MODES)("refused before Azure acted: sent again (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it.each<[string, "reset" | { status: number; retryAfter?: number }]>([
    ["a cut connection", "reset"],
    ["500", { status: 500 }],
    ["503 with Retry-After: 0", { status: 503, retryAfter: 0 }],
  ])("a version PUT refused with %s: one version", async (_label, fault) => {
    const model = name(mode, `again-${_label.replace(/\W+/g, "-")}`);
    await registry().createModel({ name: model });
    fakes.arm.failNext({ method: "PUT", path: versionRe(model, "1") }, fault);
    const v = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    expect(v.version).toBe("1");
    expect(logOf(versionRe(model, "1")).filter((l) => l.startsWith("PUT"))).toEqual([`PUT ${fault === "reset" ? 0 : fault.status}`, "PUT 201"]);
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual(["1"]);
  });

  it("a 429 with Retry-After: 1 on the version PUT is honoured: the resend waits the second", async () => {
    const model = name(mode, "throttled");
    await registry().createModel({ name: model });
    const rec = recordingFetch();
    fakes.arm.failNext({ method: "PUT", path: versionRe(model, "1") }, { status: 429, retryAfter: 1 });
    const v = await registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    expect(v.version).toBe("1");
    const puts = rec.seen.filter((s) => s.method === "PUT" && versionRe(model, "1").test(s.url.pathname));
    expect(puts.map((p) => p.status)).toEqual([429, 201]);
    expect((puts[1]?.at as number) - (puts[0]?.at as number)).toBeGreaterThanOrEqual(950);
    expect(storedVersions(fakes.arm, mode, model).size).toBe(1);
  });

  it("the model's first container PUT refused (cut, then 503) is sent again: one model, one version", async () => {
    const model = name(mode, "container-again");
    fakes.arm.failNext({ method: "PUT", path: containerRe(model) }, "reset");
    fakes.arm.failNext({ method: "PUT", path: containerRe(model) }, { status: 503, retryAfter: 0 });
    const v = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }), description: "d" });
    expect(v.version).toBe("1");
    expect(logOf(containerRe(model)).filter((l) => l.startsWith("PUT"))).toEqual(["PUT 0", "PUT 503", "PUT 201"]);
    expect(storedVersions(fakes.arm, mode, model).size).toBe(1);
  });

  it("a blob write refused with 503 is sent again, and the file arrives whole", async () => {
    const model = name(mode, "blob-again");
    const rec = recordingFetch();
    let failed = 0;
    rec.hooks.push((r) =>
      r.method === "PUT" && isBlob(fakes.azurite, r.url) && r.url.pathname.endsWith("/model/a.txt") && failed++ === 0
        ? new Response("<Error><Code>ServerBusy</Code><Message>busy</Message></Error>", { status: 503, headers: { "x-ms-error-code": "ServerBusy" } })
        : undefined,
    );
    const v = await registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "a.txt": "whole" }) });
    expect(failed).toBe(2);
    const { stream } = await registry().openArtifact({ model, version: v.version }, "a.txt");
    expect(await new Response(stream).text()).toBe("whole");
  });

  it.each(mode === "workspace" ? ["listSecrets"] : ["startPendingUpload"])(
    "a cut connection on %s (a POST that is safe to send again) does not fail the create",
    async (action) => {
      const model = name(mode, `post-${action}`);
      fakes.arm.failNext({ method: "POST", path: new RegExp(`/${action}$`) }, "reset");
      // A fresh registry: the datastore's secrets are asked for once per client.
      const v = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
      expect(v.version).toBe("1");
      expect(fakes.arm.requests.filter((r) => r.path.endsWith(`/${action}`) && r.status === 0)).toHaveLength(1);
    },
  );

  it.runIf(mode === "registry")("a cut connection on the data reference (a POST for a read SAS) does not fail a read of the files", async () => {
    const model = name(mode, "post-dataref");
    const v = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    fakes.arm.failNext({ method: "POST", path: /\/datareferences\// }, "reset");
    expect((await registry().listArtifacts({ model, version: v.version })).map((f) => f.path)).toEqual(["a.txt"]);
  });
});

describe.each(MODES)("acted on by Azure, the answer lost: not done twice, not failed (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("a version PUT: one version, not two, and the next create takes the next number", async () => {
    const model = name(mode, "lost-put");
    await registry().createModel({ name: model });
    fakes.arm.failNext({ method: "PUT", path: versionRe(model, "1") }, "reset-after");
    const v = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    expect(v.version).toBe("1");
    expect(logOf(versionRe(model, "1")).filter((l) => l.startsWith("PUT"))[0]).toBe("PUT 0");
    await finishOperations(fakes.arm);
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual(["1"]);
    expect((await registry().listArtifacts({ model, version: "1" })).map((f) => f.path)).toEqual(["a.txt"]);
    expect((await registry().createVersion(model, { artifacts: entries({ "b.txt": "b" }) })).version).toBe("2");
  });

  it("a version PUT without retries: the version Azure made is found (by the create's token) or never appears without its files", async () => {
    const model = name(mode, "lost-put-once");
    await registry().createModel({ name: model });
    fakes.arm.failNext({ method: "PUT", path: versionRe(model, "1") }, "reset-after");
    const result = await registry({ maxRetries: 0 })
      .createVersion(model, { artifacts: entries({ "a.txt": "a" }) })
      .catch((e: unknown) => e as ModelRegistryError);
    // Azure goes on with what it accepted, whether or not anyone asks.
    await finishOperations(fakes.arm);
    const stored = storedVersions(fakes.arm, mode, model);
    if (result instanceof Error) expect([...stored.keys()], `the create failed (${result.message}) but left a version`).toEqual([]);
    else expect(result.version).toBe("1");
    for (const version of stored.keys()) expect((await registry().listArtifacts({ model, version })).map((f) => f.path)).toEqual(["a.txt"]);
  });

  it.runIf(mode === "registry")("the poll that saw the operation end: polled again, one version", async () => {
    const model = name(mode, "lost-poll");
    await registry().createModel({ name: model });
    let polls = 0;
    fakes.arm.failNext((r) => r.operation === "Operation_Poll" && ++polls === 2, "reset-after");
    const v = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    expect(v.version).toBe("1");
    expect(storedVersions(fakes.arm, mode, model).size).toBe(1);
  });

  it("a new model's container PUT: one model, its version made", async () => {
    const model = name(mode, "lost-container");
    fakes.arm.failNext({ method: "PUT", path: containerRe(model) }, "reset-after");
    const v = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    expect(v.version).toBe("1");
    expect(storedContainer(fakes.arm, mode, model)?.versions.size).toBe(1);
  });

  it("createModel, setAlias, deleteAlias, transitionStage, updateVersion, deleteVersion and deleteModel each succeed once", async () => {
    const model = name(mode, "lost-writes");
    fakes.arm.failNext({ method: "PUT", path: containerRe(model) }, "reset-after");
    await registry().createModel({ name: model, description: "kept", tags: { team: "t" } });
    expect(storedContainer(fakes.arm, mode, model)?.properties).toMatchObject({ description: "kept", tags: { team: "t" } });
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "1" }) });
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "2" }) });

    fakes.arm.failNext({ method: "PUT", path: containerRe(model) }, "reset-after");
    expect(await registry().setAlias(model, "champion", "1")).toEqual({});
    expect((await registry().getModel(model)).aliases).toEqual({ champion: "1" });

    fakes.arm.failNext({ method: "PUT", path: containerRe(model) }, "reset-after");
    await registry().deleteAlias(model, "champion");
    expect((await registry().getModel(model)).aliases).toEqual({});

    fakes.arm.failNext({ method: "PUT", path: versionRe(model, "1") }, "reset-after");
    expect((await registry().transitionStage({ model, version: "1" }, "production")).stage).toBe("production");

    fakes.arm.failNext({ method: "PUT", path: versionRe(model, "1") }, "reset-after");
    expect((await registry().updateVersion({ model, version: "1" }, { tags: { checked: "yes" } })).tags).toEqual({ checked: "yes" });

    fakes.arm.failNext({ method: "DELETE", path: versionRe(model, "2") }, "reset-after");
    await registry().deleteVersion({ model, version: "2" });
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual(["1"]);

    fakes.arm.failNext({ method: "DELETE", path: containerRe(model) }, "reset-after");
    await registry().deleteModel(model);
    expect(storedContainer(fakes.arm, mode, model)).toBeUndefined();
    expect(fakes.arm.requests.filter((r) => r.path.includes(`/models/${model}`) && r.status === 0)).toHaveLength(7);
  });
});

describe.each(MODES)("refused for good (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("a version delete Azure refuses leaves the version and the aliases pointing at it", async () => {
    const model = name(mode, "delete-refused");
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }), aliases: ["champion", "stable"] });
    fakes.arm.failNext({ method: "DELETE", path: versionRe(model, "1") }, { status: 403, code: "AuthorizationFailed", message: "may not delete" });
    expect(await rejectionOf(registry().deleteVersion({ model, version: "1" }))).toBeInstanceOf(PermissionDeniedError);
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual(["1"]);
    expect((await registry().getModel(model)).aliases).toEqual({ champion: "1", stable: "1" });
    expect((await registry().listArtifacts({ model, version: "1" })).map((f) => f.path)).toEqual(["a.txt"]);
  });

  it("a create whose version PUT keeps failing (500) leaves no version, and the model it made is gone", async () => {
    const model = name(mode, "put-500");
    fakes.arm.failNext({ method: "PUT", path: versionRe(model, "1") }, 500, 3);
    const error = await rejectionOf(registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) }));
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).operation).toBe("createVersion");
    expect(storedContainer(fakes.arm, mode, model)).toBeUndefined();
    if (mode === "workspace") expect(await modelBlobs(fakes.arm, fakes.azurite, mode, model)).toEqual([]);
  });
});

describe("a registry's long-running operations", () => {
  const registry = (settings = {}) => fakes.registry(settings);

  it("a version's operation that ends Failed: a typed error naming it; no version, and the model the create made is gone", async () => {
    const model = "op-failed";
    fakes.arm.failOperation({ operation: versionOp("registry") }, { code: "InternalServerError", message: "Model registration failed in region eastus." });
    const error = await rejectionOf(registry().createVersion(model, { artifacts: entries({ "a.txt": "a", "b.txt": "b" }) }));
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).operation).toBe("createVersion");
    expect((error as ServerError).providerCode).toBe("InternalServerError");
    expect((error as Error).message).toContain("Model registration failed in region eastus.");
    expect(storedContainer(fakes.arm, "registry", model)).toBeUndefined();
    await expect(registry().getModel(model)).rejects.toThrow(/does not exist/);
    // Uploads happened before the operation failed: they must not stay behind.
    expect([...fakes.arm.state.pendingUploads.values()].filter((u) => u.model === model)).toHaveLength(1);
    // The pending-upload SAS allows no deletes: the blobs stay for Azure, referenced by no version.
    expect(storedVersions(fakes.arm, "registry", model).size).toBe(0);
  });

  it("a version's operation that ends Failed with a user error is InvalidInputError, and the model that existed stays", async () => {
    const model = "op-user-error";
    await registry().createModel({ name: model, tags: { team: "t" } });
    fakes.arm.failOperation({ operation: versionOp("registry") }, { code: "UserError", message: "Model flavor is not supported.", status: 400 });
    const error = await rejectionOf(registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((await registry().getModel(model)).tags).toEqual({ team: "t" });
    expect(storedVersions(fakes.arm, "registry", model).size).toBe(0);
  });

  it("the first container's operation that ends Failed: nothing uploaded, nothing left", async () => {
    const model = "op-container-failed";
    fakes.arm.failOperation({ operation: "RegistryModelContainers_CreateOrUpdate" }, { code: "InternalServerError", message: "no container today" });
    expect(await rejectionOf(registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) }))).toBeInstanceOf(ServerError);
    expect(storedContainer(fakes.arm, "registry", model)).toBeUndefined();
    expect([...fakes.arm.state.pendingUploads.values()].filter((u) => u.model === model)).toEqual([]);
  });

  it("an alias whose container operation ends Failed is not set, and the previous holder keeps it", async () => {
    const model = "op-alias-failed";
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "1" }), aliases: ["champion"] });
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "2" }) });
    fakes.arm.failOperation({ operation: "RegistryModelContainers_CreateOrUpdate" }, { code: "InternalServerError", message: "tags not saved" });
    expect(await rejectionOf(registry().setAlias(model, "champion", "2"))).toBeInstanceOf(ServerError);
    expect(await registry().resolveAlias(model, "champion")).toBe("1");
  });

  it("a delete whose operation ends Failed leaves the version and its aliases", async () => {
    const model = "op-delete-failed";
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "1" }), aliases: ["champion"] });
    fakes.arm.failOperation({ operation: "RegistryModelVersions_Delete" }, { code: "InternalServerError", message: "delete failed" });
    expect(await rejectionOf(registry().deleteVersion({ model, version: "1" }))).toBeInstanceOf(ServerError);
    expect([...storedVersions(fakes.arm, "registry", model).keys()]).toEqual(["1"]);
    expect((await registry().getModel(model)).aliases).toEqual({ champion: "1" });
  });

  it("an operation that never ends: TimeoutError at the deadline, saying it goes on in Azure; nothing of ours left", async () => {
    const model = "op-endless";
    await registry().createModel({ name: model });
    const rec = recordingFetch();
    let polls = 0;
    rec.hooks.push((r) => {
      if (!r.url.pathname.includes("/mfeOperationsStatus/")) return undefined;
      polls++;
      return Response.json({ status: "InProgress" }, { headers: { "retry-after": "0" } });
    });
    const started = Date.now();
    const result = await registry({ fetch: rec.fetch, operationDeadlineMs: 300 })
      .createVersion(model, { artifacts: entries({ "a.txt": "a" }) })
      .catch((e: unknown) => e as Error);
    // Past the deadline the create looks for the version Azure may still make (the fake ends an unpolled operation
    // after 300 ms, as Azure goes on by itself): it either finds it, or gives up with the TimeoutError.
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(TimeoutError);
      expect(result.message).toMatch(/continues in Azure/);
    } else expect(result.version).toBe("1");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(polls).toBeGreaterThan(1);
    // Azure goes on with the operation: what it makes must not point at files the create took away.
    await finishOperations(fakes.arm);
    for (const version of storedVersions(fakes.arm, "registry", model).keys())
      expect((await registry().listArtifacts({ model, version })).map((f) => f.path)).toEqual(["a.txt"]);
  });

  it("Retry-After on a poll is honoured, and an abort stops the waiting with AbortedError", async () => {
    const model = "op-retry-after";
    await registry().createModel({ name: model });
    const rec = recordingFetch();
    rec.once(
      (r) => r.url.pathname.includes("/mfeOperationsStatus/"),
      () => Response.json({ status: "InProgress" }, { headers: { "retry-after": "1" } }),
    );
    await registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    const polls = rec.seen.filter((s) => s.url.pathname.includes("/mfeOperationsStatus/"));
    const versionPolls = polls.slice(polls.findIndex((p) => p.status === 200));
    expect((versionPolls[1]?.at as number) - (versionPolls[0]?.at as number)).toBeGreaterThanOrEqual(950);

    const endless = recordingFetch();
    endless.hooks.push((r) =>
      r.url.pathname.includes("/mfeOperationsStatus/") ? Response.json({ status: "InProgress" }, { headers: { "retry-after": "30" } }) : undefined,
    );
    const controller = new AbortController();
    const pending = registry({ fetch: endless.fetch }).setAlias(model, "champion", "1", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user gave up")), 200);
    const started = Date.now();
    expect(await rejectionOf(pending)).toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("an operation URL on another host is refused without sending it the token", async () => {
    const model = "op-elsewhere";
    const rec = recordingFetch();
    const elsewhere = "http://127.0.0.2:9/subscriptions/x/providers/Microsoft.MachineLearningServices/locations/eastus/mfeOperationsStatus/1";
    fakes.arm.failNext({ method: "PUT", path: containerRe(model) }, { status: 201, headers: { "Azure-AsyncOperation": elsewhere } });
    const error = await rejectionOf(registry({ fetch: rec.fetch }).createModel({ name: model }));
    expect((error as ModelRegistryError).kind).toBe("InvalidInputError");
    expect(rec.seen.filter((s) => s.url.hostname !== "127.0.0.1")).toEqual([]);
  });
});

describe("ConflictError is not a retry", () => {
  it("createModel on a model that exists is a ConflictError, sent once", async () => {
    await fakes.workspace().createModel({ name: "exists" });
    const before = fakes.arm.requests.length;
    expect(await rejectionOf(fakes.workspace().createModel({ name: "exists" }))).toBeInstanceOf(ConflictError);
    expect(fakes.arm.requests.slice(before).filter((r) => r.method === "PUT")).toEqual([]);
  });
});
