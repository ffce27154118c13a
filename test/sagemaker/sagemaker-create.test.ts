// createVersion on SageMaker when things go wrong: a lost CreateModelPackage response never makes a second package,
// a retried call with the same idempotency key returns the first version, and a failure leaves nothing behind (or,
// when the package cannot be deleted, tells subscribers it exists).
import type { RegistryEvent } from "modelreg";
import { afterEach, describe, expect, it } from "vitest";
import { awsError } from "./support/aws-json-errors.js";
import { BUCKET, IMAGE, useSageMakerFakes } from "./support/setup.js";

const fakes = useSageMakerFakes();
const keys = (prefix: string) => [...(fakes.s3.buckets.get(BUCKET)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
const oneFile = (content = "weights") => ({ entries: [{ path: "model.bin", content }] });
const creates = () => fakes.sagemaker.sent("CreateModelPackage");

afterEach(() => {
  fakes.sagemaker.beforeAction = undefined;
  fakes.sagemaker.clearFaults();
});

/** Collects what subscribers hear while `work` runs. */
async function hearing(registry: ReturnType<typeof fakes.registry>, work: () => Promise<unknown>): Promise<RegistryEvent[]> {
  const heard: RegistryEvent[] = [];
  const stop = registry.events.subscribe((e) => {
    heard.push(e);
  });
  try {
    await work().catch(() => undefined);
  } finally {
    stop();
  }
  return heard;
}

describe("a lost response", () => {
  it("after SageMaker made the package: finds it by its token instead of sending again", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const before = creates().length;
    fakes.sagemaker.inject({ action: "CreateModelPackage", kind: "network", afterHandling: true });
    const v = await registry.createVersion("lost-after", { artifacts: oneFile() });
    expect(v.version).toBe("1");
    expect(creates().length - before).toBe(1);
    expect(fakes.sagemaker.groups.get("lost-after")?.packages.size).toBe(1);
  });

  it("before SageMaker saw it: sends again with the same ClientToken, and makes one package", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const before = creates().length;
    fakes.sagemaker.inject({ action: "CreateModelPackage", kind: "network" });
    const v = await registry.createVersion("lost-before", { artifacts: oneFile() });
    const sent = creates().slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.body.ClientToken).toBe(sent[0]?.body.ClientToken);
    expect(v.version).toBe("1");
    expect(fakes.sagemaker.groups.get("lost-before")?.packages.size).toBe(1);
  });

  it("a 5xx after SageMaker made the package: the resend's ClientToken returns the same package", async () => {
    const registry = fakes.registry({ image: IMAGE });
    // The lookup misses (a describe fails), so only the ClientToken keeps the resend from making a second package.
    fakes.sagemaker.beforeAction = (action, body) => {
      if (action !== "CreateModelPackage") return;
      if (fakes.sagemaker.clientTokens.has(String(body.ClientToken))) return;
      fakes.sagemaker.beforeAction = undefined;
      fakes.sagemaker.register("lost-5xx", {
        ...body,
        ModelPackageGroupName: "lost-5xx",
        CustomerMetadataProperties: { ...(body.CustomerMetadataProperties as object), "modelreg:token": "someone-else" },
      });
      fakes.sagemaker.clientTokens.set(String(body.ClientToken), fakes.sagemaker.package("lost-5xx", 1)?.ModelPackageArn as string);
      throw awsError("InternalFailure", "internal error", 500);
    };
    const v = await registry.createVersion("lost-5xx", { artifacts: oneFile() });
    expect(v.version).toBe("1");
    expect(fakes.sagemaker.groups.get("lost-5xx")?.packages.size).toBe(1);
  });
});

describe("idempotency keys", () => {
  it("a retried call returns the first version without uploading again", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const first = await registry.createVersion("idem-retry", { artifacts: oneFile(), idempotencyKey: "run-42" });
    const puts = fakes.s3.sent("PutObject").length;
    const again = await registry.createVersion("idem-retry", { artifacts: oneFile("other"), idempotencyKey: "run-42" });
    expect(again.version).toBe(first.version);
    expect(fakes.s3.sent("PutObject").length).toBe(puts);
    expect(fakes.sagemaker.groups.get("idem-retry")?.packages.size).toBe(1);
    // Another key is another version.
    expect((await registry.createVersion("idem-retry", { artifacts: oneFile(), idempotencyKey: "run-43" })).version).toBe("2");
  });

  it("finds the version of a call that ended before it recorded the version number", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const first = await registry.createVersion("idem-crash", { artifacts: oneFile(), idempotencyKey: "run-7" });
    const [key] = keys("models/idem-crash/keys/");
    const record = JSON.parse(new TextDecoder().decode(fakes.s3.object(BUCKET, key as string)?.bytes)) as Record<string, unknown>;
    delete record.version;
    fakes.s3.put(BUCKET, key as string, new TextEncoder().encode(JSON.stringify(record)), "application/json");
    expect((await registry.createVersion("idem-crash", { artifacts: oneFile(), idempotencyKey: "run-7" })).version).toBe(first.version);
    expect(fakes.sagemaker.groups.get("idem-crash")?.packages.size).toBe(1);
  });
});

describe("a keyed retry completes the call it repeats", () => {
  it("sets the aliases a first call that ended before them left unset, on the version it made", async () => {
    const registry = fakes.registry({ image: IMAGE });
    await registry.createModel({ name: "idem-alias" });
    await registry.createVersion("idem-alias", { artifacts: oneFile("old"), aliases: ["champion"] });
    // The first call's alias fails, and so does deleting its package: the version stays, champion still on 1.
    fakes.sagemaker.inject({ action: "AddTags", kind: "status", status: 400, code: "ValidationException", message: "tag refused" });
    fakes.sagemaker.inject({ action: "DeleteModelPackage", kind: "status", status: 500, code: "InternalFailure", message: "cannot", times: 5 });
    const call = { artifacts: oneFile(), aliases: ["champion", "fresh"], idempotencyKey: "run-alias" };
    await expect(registry.createVersion("idem-alias", call)).rejects.toMatchObject({ name: "InvalidInputError" });
    expect(fakes.sagemaker.groups.get("idem-alias")?.packages.size).toBe(2);
    expect((await registry.getVersion("idem-alias/2")).aliases).toEqual([]);
    fakes.sagemaker.clearFaults();
    const heard: RegistryEvent[] = [];
    const again = await (async () => {
      const stop = registry.events.subscribe((e) => {
        heard.push(e);
      });
      try {
        return await registry.createVersion("idem-alias", call);
      } finally {
        stop();
      }
    })();
    expect(again.version).toBe("2");
    expect([...again.aliases].sort()).toEqual(["champion", "fresh"]);
    expect([...(await registry.getVersion("idem-alias/2")).aliases].sort()).toEqual(["champion", "fresh"]);
    expect((await registry.getVersion("idem-alias@champion")).version).toBe("2");
    expect(fakes.sagemaker.groups.get("idem-alias")?.packages.size).toBe(2);
    expect(heard.map((e) => [e.type, e.alias, e.from, e.to])).toEqual([
      ["alias.set", "champion", "1", "2"],
      ["alias.set", "fresh", undefined, "2"],
    ]);
  });

  it("sends no alias write and tells nobody when the aliases are already on the version", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const call = { artifacts: oneFile(), aliases: ["champion"], idempotencyKey: "run-done" };
    const first = await registry.createVersion("idem-done", call);
    const tagWrites = fakes.sagemaker.sent("AddTags").length;
    const heard = await hearing(registry, async () => {
      const again = await registry.createVersion("idem-done", call);
      expect(again.version).toBe(first.version);
      expect(again.aliases).toEqual(["champion"]);
    });
    expect(fakes.sagemaker.sent("AddTags").length).toBe(tagWrites);
    expect(heard).toEqual([]);
  });

  it("a retry whose alias fails throws, and the version it found stays", async () => {
    const registry = fakes.registry({ image: IMAGE });
    await registry.createModel({ name: "idem-fail" });
    fakes.sagemaker.inject({ action: "AddTags", kind: "status", status: 400, code: "ValidationException", message: "tag refused" });
    fakes.sagemaker.inject({ action: "DeleteModelPackage", kind: "status", status: 500, code: "InternalFailure", message: "cannot", times: 5 });
    const call = { artifacts: oneFile(), aliases: ["champion"], idempotencyKey: "run-fail" };
    await expect(registry.createVersion("idem-fail", call)).rejects.toMatchObject({ name: "InvalidInputError" });
    fakes.sagemaker.clearFaults();
    fakes.sagemaker.inject({ action: "AddTags", kind: "status", status: 400, code: "ValidationException", message: "tag refused" });
    const deletes = fakes.sagemaker.sent("DeleteModelPackage").length;
    await expect(registry.createVersion("idem-fail", call)).rejects.toMatchObject({ name: "InvalidInputError" });
    expect(fakes.sagemaker.sent("DeleteModelPackage").length).toBe(deletes);
    expect(fakes.sagemaker.groups.get("idem-fail")?.packages.size).toBe(1);
    expect((await registry.getVersion("idem-fail/1")).aliases).toEqual([]);
  });
});

describe("whole or not at all", () => {
  it("a refused CreateModelPackage leaves no files, claim, package or group", async () => {
    const registry = fakes.registry({ image: IMAGE });
    fakes.sagemaker.inject({ action: "CreateModelPackage", kind: "status", status: 400, code: "ValidationException", message: "Image not found" });
    const heard = await hearing(registry, () => registry.createVersion("undo-refused", { artifacts: oneFile(), idempotencyKey: "k1" }));
    expect(heard).toEqual([]);
    expect(keys("models/undo-refused/")).toEqual([]);
    expect(fakes.sagemaker.groups.has("undo-refused")).toBe(false);
  });

  it("a failed alias deletes the package it made, its files and its group", async () => {
    const registry = fakes.registry({ image: IMAGE });
    fakes.sagemaker.inject({ action: "AddTags", kind: "status", status: 400, code: "ResourceLimitExceeded", message: "too many tags" });
    const heard = await hearing(registry, () => registry.createVersion("undo-alias", { artifacts: oneFile(), aliases: ["champion"], metrics: { auc: 1 } }));
    expect(heard).toEqual([]);
    expect(fakes.sagemaker.sent("DeleteModelPackage").at(-1)?.status).toBe(200);
    expect(keys("models/undo-alias/")).toEqual([]);
    expect(fakes.sagemaker.groups.has("undo-alias")).toBe(false);
  });

  it("a package that cannot be deleted keeps its files, and subscribers hear it was made", async () => {
    const registry = fakes.registry({ image: IMAGE });
    await registry.createModel({ name: "undo-stuck" });
    fakes.sagemaker.inject({ action: "AddTags", kind: "status", status: 400, code: "ResourceLimitExceeded", message: "too many tags" });
    fakes.sagemaker.inject({ action: "DeleteModelPackage", kind: "status", status: 500, code: "InternalFailure", message: "cannot", times: 5 });
    const heard = await hearing(registry, () => registry.createVersion("undo-stuck", { artifacts: oneFile(), aliases: ["champion"] }));
    expect(heard.map((e) => [e.type, e.version])).toEqual([["version.created", "1"]]);
    expect(fakes.sagemaker.groups.get("undo-stuck")?.packages.size).toBe(1);
    const v = await registry.getVersion("undo-stuck/1");
    expect(v.artifacts.fileCount).toBe(1);
    expect((await registry.listArtifacts(v)).map((f) => f.path)).toEqual(["model.bin"]);
  });

  it("an aborted create leaves nothing, and a create into a missing model with createModel false makes nothing", async () => {
    const registry = fakes.registry({ image: IMAGE });
    await registry.createModel({ name: "undo-abort" });
    const controller = new AbortController();
    fakes.sagemaker.beforeAction = (action) => {
      if (action === "CreateModelPackage") controller.abort(new Error("stop"));
    };
    await expect(registry.createVersion("undo-abort", { artifacts: oneFile() }, { signal: controller.signal })).rejects.toMatchObject({ name: "AbortedError" });
    expect(fakes.sagemaker.groups.get("undo-abort")?.packages.size).toBe(0);
    expect(keys("models/undo-abort/")).toEqual([]);
    await expect(registry.createVersion("undo-none", { artifacts: oneFile(), createModel: false })).rejects.toMatchObject({ name: "NotFoundError" });
    expect(fakes.sagemaker.groups.has("undo-none")).toBe(false);
  });
});
