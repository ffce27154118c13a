// createVersion on Azure ML, in a workspace and in an Azure ML registry, when things go wrong or happen at once: other
// writers taking the number between our read of nextVersion and our PUT (Azure's refusal to change a version's
// modelUri is the compare-and-swap), four writers at once, numbers never reused after deletes, idempotency keys, a
// failing upload, aliases that cannot be set, input refused before any request, and the files themselves: blocks with
// their MD5s, no blob ever overwritten, downloads checked against the record's SHA-256.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConflictError, IntegrityError, InvalidInputError, NotFoundError, PermissionDeniedError } from "modelreg";
import { afterEach, describe, expect, it } from "vitest";
import { createAzureMlRegistry } from "../../src/adapters/azureml/index.js";
import { tree, workspace as tempWorkspace } from "../support/hostile.js";
import { rejectionOf } from "../support/rejection.js";
import { weights } from "../support/version-files.js";
import {
  blobError,
  bytesOf,
  entries,
  getBlob,
  isBlob,
  MODES,
  type Mode,
  md5,
  modelBlobs,
  otherToolVersion,
  putBlob,
  recordingFetch,
  scopeOf,
  sha256,
  storedContainer,
  storedVersions,
} from "./support/adapter-helpers.js";
import { GROUP, REGISTRY, SUBSCRIPTION, useAzureFakes, WORKSPACE } from "./support/setup.js";

const fakes = useAzureFakes();
const KiB = 1024;

afterEach(() => fakes.arm.clearFaults());

/** A model name of this test and mode (each test has models of its own). */
const name = (mode: Mode, base: string) => `${base}-${mode === "workspace" ? "w" : "r"}`;
/** The ARM path of a model's version. */
const versionPath = (mode: Mode, model: string, version: string) => `${scopeOf(mode)}/models/${model}/versions/${version}`;
/** Whether a request is modelreg's PUT of the model's version `version` (any version when omitted). */
const isVersionPut = (mode: Mode, model: string, version?: string) => (r: { method: string; url: URL }) =>
  r.method === "PUT" &&
  (version === undefined ? r.url.pathname.startsWith(`${scopeOf(mode)}/models/${model}/versions/`) : r.url.pathname === versionPath(mode, model, version));
/** The modelreg token of a stored version, when modelreg made it. */
const tokenOf = (v: { properties: Record<string, unknown> } | undefined) =>
  (v?.properties.properties as Record<string, string> | undefined)?.["modelreg.token"];

describe.each(MODES)("numbering as azure-ai-ml numbers versions (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("takes the container's nextVersion, read just before the PUT: 1, 2, 3", async () => {
    const model = name(mode, "numbers");
    const rec = recordingFetch();
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "w.txt": `v${i}` }) })).version);
    expect(made).toEqual(["1", "2", "3"]);
    expect(storedContainer(fakes.arm, mode, model)?.versions.size).toBe(3);
    // The third create read the container (nextVersion 3) before it PUT version 3, and PUT no other number.
    const containerGets = rec.seen.filter((s) => s.method === "GET" && s.url.pathname === `${scopeOf(mode)}/models/${model}`);
    const put3 = rec.seen.findIndex(isVersionPut(mode, model, "3"));
    expect(containerGets.length).toBeGreaterThan(0);
    expect(rec.seen.slice(0, put3).some((s) => s.method === "GET" && s.url.pathname === `${scopeOf(mode)}/models/${model}`)).toBe(true);
    expect(rec.seen.filter(isVersionPut(mode, model)).map((s) => s.url.pathname.split("/").pop())).toEqual(["1", "2", "3"]);
  });

  it("follows numbers another tool took: after its version 7 ours is 8; theirs is untouched", async () => {
    const model = name(mode, "after-seven");
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    const theirs = await otherToolVersion(fakes.arm, fakes.azurite, mode, model, "7");
    const ours = await registry().createVersion(model, { artifacts: entries({ "b.txt": "b" }) });
    expect(ours.version).toBe("8");
    const stored = storedVersions(fakes.arm, mode, model).get("7");
    expect(stored?.properties.modelUri).toBe(theirs.modelUri);
    expect(tokenOf(stored)).toBeUndefined();
  });

  it("another writer that takes the number between our read and our PUT: Azure refuses ours, we take the next; theirs and its files are untouched", async () => {
    const model = name(mode, "between");
    await registry().createVersion(model, { artifacts: entries({ "first.txt": "1" }) });
    const rec = recordingFetch();
    let theirs: Awaited<ReturnType<typeof otherToolVersion>> | undefined;
    rec.once(isVersionPut(mode, model, "2"), async () => {
      theirs = await otherToolVersion(fakes.arm, fakes.azurite, mode, model, "2", { files: { "theirs.bin": "their bytes" } });
      return undefined;
    });
    const ours = await registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "ours.txt": "our bytes" }), tags: { who: "us" } });
    expect(ours.version).toBe("3");
    // Our PUT of 2 was refused by Azure (the asset path), and only 2 and 3 were ever PUT.
    const puts = rec.seen.filter(isVersionPut(mode, model));
    expect(puts.map((s) => [s.url.pathname.split("/").pop(), s.status])).toEqual([
      ["2", 400],
      ["3", 201],
    ]);
    const two = storedVersions(fakes.arm, mode, model).get("2");
    expect(two?.properties.modelUri).toBe(theirs?.modelUri);
    expect(tokenOf(two)).toBeUndefined();
    const container = theirs?.container as string;
    expect(Buffer.from((await getBlob(fakes.azurite, container, theirs?.blobs["theirs.bin"] as string)) ?? []).toString()).toBe("their bytes");
    // Each version reads as what its writer made.
    expect((await registry().listArtifacts({ model, version: "2" })).map((f) => f.path)).toEqual(["theirs.bin"]);
    expect((await registry().listArtifacts({ model, version: "3" })).map((f) => f.path)).toEqual(["ours.txt"]);
    expect((await registry().getVersion({ model, version: "3" })).tags).toEqual({ who: "us" });
    const { stream } = await registry().openArtifact({ model, version: "3" }, "ours.txt");
    expect(Buffer.from(await bytesOf(stream)).toString()).toBe("our bytes");
  });

  it.runIf(mode === "registry")(
    "another writer's version that lands while our operation runs fails our operation (the asset path); we take the next number",
    async () => {
      const model = name(mode, "in-flight");
      await registry().createVersion(model, { artifacts: entries({ "first.txt": "1" }) });
      const rec = recordingFetch();
      rec.once(isVersionPut(mode, model, "2"), async (r) => {
        // Azure has accepted our PUT of 2 and runs it; theirs of 2 is accepted too and ends first.
        const ours = await r.forward();
        await otherToolVersion(fakes.arm, fakes.azurite, mode, model, "2");
        return ours;
      });
      const ours = await registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "ours.txt": "ours" }) });
      expect(ours.version).toBe("3");
      expect(tokenOf(storedVersions(fakes.arm, mode, model).get("2"))).toBeUndefined();
      expect(tokenOf(storedVersions(fakes.arm, mode, model).get("3"))).toBeDefined();
      expect((await registry().listArtifacts({ model, version: "3" })).map((f) => f.path)).toEqual(["ours.txt"]);
    },
  );

  it("four registries creating at once all succeed, numbered 1 to 4, each version exactly its own files", async () => {
    const model = name(mode, "four");
    await registry().createModel({ name: model });
    const made = await Promise.all(
      [0, 1, 2, 3].map((i) => registry().createVersion(model, { artifacts: entries({ [`w${i}.txt`]: `writer ${i}` }), tags: { writer: String(i) } })),
    );
    expect(made.map((v) => v.version).sort()).toEqual(["1", "2", "3", "4"]);
    expect(storedVersions(fakes.arm, mode, model).size).toBe(4);
    for (const v of made) {
      const writer = v.tags.writer as string;
      const again = await registry().getVersion({ model, version: v.version });
      expect(again.tags.writer).toBe(writer);
      expect((await registry().listArtifacts({ model, version: v.version })).map((f) => f.path)).toEqual([`w${writer}.txt`]);
      const { stream } = await registry().openArtifact({ model, version: v.version }, `w${writer}.txt`);
      expect(Buffer.from(await bytesOf(stream)).toString()).toBe(`writer ${writer}`);
    }
  });

  it("gives up with ConflictError when other writers take every number it tries, leaving no version of its own", async () => {
    const model = name(mode, "stream");
    await registry().createModel({ name: model });
    const rec = recordingFetch();
    let taken = 0;
    rec.hooks.push(async (r) => {
      if (!isVersionPut(mode, model)(r)) return undefined;
      taken++;
      await otherToolVersion(fakes.arm, fakes.azurite, mode, model, r.url.pathname.split("/").pop() as string);
      return undefined;
    });
    const error = await rejectionOf(registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "x.txt": "x" }) }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(taken).toBe(8);
    const stored = [...storedVersions(fakes.arm, mode, model).values()];
    expect(stored).toHaveLength(8);
    expect(stored.filter((v) => tokenOf(v) !== undefined)).toEqual([]);
    if (mode === "workspace") expect(await modelBlobs(fakes.arm, fakes.azurite, mode, model)).toEqual([]);
  });

  it("never reuses a number after deletes: 1-3, delete 3, then 4; delete all, then 5", async () => {
    const model = name(mode, "deleted");
    for (let i = 1; i <= 3; i++) await registry().createVersion(model, { artifacts: entries({ "f.txt": String(i) }) });
    await registry().deleteVersion({ model, version: "3" });
    expect((await registry().createVersion(model, { artifacts: entries({ "f.txt": "4" }) })).version).toBe("4");
    for (const v of ["4", "2", "1"]) await registry().deleteVersion({ model, version: v });
    expect(await registry().listVersions(model).toArray()).toEqual([]);
    const next = await registry().createVersion(model, { artifacts: entries({ "f.txt": "5" }) });
    expect(next.version).toBe("5");
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual(["5"]);
  });
});

describe.each(MODES)("idempotency keys (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("a retried call with the key returns the first version, without uploading or PUTting again", async () => {
    const model = name(mode, "key");
    const first = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }), idempotencyKey: "train-run-41", description: "first" });
    const rec = recordingFetch();
    const again = await registry({ fetch: rec.fetch }).createVersion(model, {
      artifacts: entries({ "a.txt": "other bytes" }),
      idempotencyKey: "train-run-41",
      description: "second",
    });
    expect(again.version).toBe(first.version);
    expect(again.description).toBe("first");
    expect(storedVersions(fakes.arm, mode, model).size).toBe(1);
    const writes = rec.seen.filter((s) => s.method === "PUT" || s.method === "DELETE" || s.url.pathname.endsWith("/startPendingUpload"));
    expect(writes.map((s) => `${s.method} ${s.url.pathname}`)).toEqual([]);
  });

  it("a different key makes a new version; the first key still finds its own under newer ones", async () => {
    const model = name(mode, "keys");
    const a = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }), idempotencyKey: "key-a" });
    const b = await registry().createVersion(model, { artifacts: entries({ "b.txt": "b" }), idempotencyKey: "key-b" });
    await registry().createVersion(model, { artifacts: entries({ "c.txt": "c" }) });
    expect([a.version, b.version]).toEqual(["1", "2"]);
    expect((await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }), idempotencyKey: "key-a" })).version).toBe("1");
    expect((await registry().createVersion(model, { artifacts: entries({ "b.txt": "b" }), idempotencyKey: "key-b" })).version).toBe("2");
    expect(storedVersions(fakes.arm, mode, model).size).toBe(3);
    // The key itself is stored nowhere: only a digest of it.
    const stored = JSON.stringify([...storedVersions(fakes.arm, mode, model).values()]);
    expect(stored).not.toContain("key-a");
  });

  it("a call that failed after its version was made (the read back was lost) is retried with its key into that version", async () => {
    const model = name(mode, "key-lost");
    await registry().createModel({ name: model });
    // The create's read of its new version fails for good: the call rejects, though the version exists.
    const rec = recordingFetch();
    let put = false;
    rec.hooks.push((r) => {
      if (isVersionPut(mode, model, "1")(r)) put = true;
      if (put && r.method === "GET" && r.url.pathname === versionPath(mode, model, "1") && !isBlob(fakes.azurite, r.url)) return new TypeError("fetch failed");
      return undefined;
    });
    await rejectionOf(registry({ fetch: rec.fetch, maxRetries: 0 }).createVersion(model, { artifacts: entries({ "a.txt": "a" }), idempotencyKey: "k-lost" }));
    const again = await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }), idempotencyKey: "k-lost" });
    expect(again.version).toBe("1");
    expect(storedVersions(fakes.arm, mode, model).size).toBe(1);
  });
});

describe.each(MODES)("nothing half-done (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("an upload failing midway leaves no version and no alias (and in a workspace no blob); the model the create made is gone", async () => {
    const model = name(mode, "upload-fails");
    const rec = recordingFetch();
    rec.once(
      (r) => r.method === "PUT" && isBlob(fakes.azurite, r.url) && r.url.pathname.endsWith("/model/b.bin"),
      () => blobError(403, "AuthorizationFailure", "This request is not authorized to perform this operation."),
    );
    const error = await rejectionOf(
      registry({ fetch: rec.fetch }).createVersion(model, {
        artifacts: entries({ "a.bin": weights(3000, 1), "b.bin": weights(3000, 2), "c.bin": weights(3000, 3) }),
        aliases: ["champion"],
      }),
    );
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(storedContainer(fakes.arm, mode, model)).toBeUndefined();
    if (mode === "workspace") expect(await modelBlobs(fakes.arm, fakes.azurite, mode, model)).toEqual([]);
    await expect(registry().getModel(model)).rejects.toThrow(NotFoundError);
  });

  it("an upload failing midway into a model that existed keeps the model, its tags and its versions, and adds nothing", async () => {
    const model = name(mode, "upload-fails-existing");
    await registry().createModel({ name: model, tags: { team: "fraud" } });
    const v1 = await registry().createVersion(model, { artifacts: entries({ "a.bin": "one" }), aliases: ["champion"] });
    const blobsBefore = await modelBlobs(fakes.arm, fakes.azurite, mode, model);
    const rec = recordingFetch();
    // The third block of a file sent in 1 KiB blocks.
    let blocks = 0;
    rec.hooks.push((r) =>
      r.method === "PUT" && r.url.searchParams.get("comp") === "block" && ++blocks === 3 ? blobError(403, "AuthorizationFailure") : undefined,
    );
    const error = await rejectionOf(
      registry({ fetch: rec.fetch, blockBytes: KiB }).createVersion(model, { artifacts: entries({ "big.bin": weights(5 * KiB, 4) }), aliases: ["champion"] }),
    );
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual([v1.version]);
    const m = await registry().getModel(model);
    expect(m.tags).toEqual({ team: "fraud" });
    expect(m.aliases).toEqual({ champion: "1" });
    if (mode === "workspace") expect(await modelBlobs(fakes.arm, fakes.azurite, mode, model)).toEqual(blobsBefore);
  });

  it("aliases asked for that cannot be set leave no version; the alias stays where it was, and (in a workspace) the files go", async () => {
    const model = name(mode, "alias-fails");
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "1" }), aliases: ["champion"] });
    const blobsBefore = await modelBlobs(fakes.arm, fakes.azurite, mode, model);
    fakes.arm.failNext({ method: "PUT", path: new RegExp(`/models/${model}$`) }, { status: 403, code: "AuthorizationFailed", message: "no tags for you" });
    const error = await rejectionOf(registry().createVersion(model, { artifacts: entries({ "b.txt": "2" }), aliases: ["champion", "candidate"] }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual(["1"]);
    expect((await registry().getModel(model)).aliases).toEqual({ champion: "1" });
    expect(await registry().resolveAlias(model, "champion")).toBe("1");
    if (mode === "workspace") expect(await modelBlobs(fakes.arm, fakes.azurite, mode, model)).toEqual(blobsBefore);
    // Its number is spent: the next version is 3.
    expect((await registry().createVersion(model, { artifacts: entries({ "c.txt": "3" }) })).version).toBe("3");
  });

  it("the first version of a new model whose aliases cannot be set leaves neither version nor model", async () => {
    const model = name(mode, "alias-fails-new");
    let containerPuts = 0;
    fakes.arm.failNext((r) => r.method === "PUT" && r.path.endsWith(`/models/${model}`) && ++containerPuts === 2, {
      status: 403,
      code: "AuthorizationFailed",
      message: "no tags for you",
    });
    await rejectionOf(registry().createVersion(model, { artifacts: entries({ "a.txt": "1" }), aliases: ["champion"] }));
    expect(containerPuts).toBe(2);
    expect(storedVersions(fakes.arm, mode, model).size).toBe(0);
    await expect(registry().getModel(model)).rejects.toThrow(NotFoundError);
    if (mode === "workspace") expect(await modelBlobs(fakes.arm, fakes.azurite, mode, model)).toEqual([]);
  });

  it("a failing first create does not delete the model when another writer's version landed in it meanwhile", async () => {
    const model = name(mode, "shared-first");
    const rec = recordingFetch();
    rec.once(
      (r) => r.method === "PUT" && isBlob(fakes.azurite, r.url) && r.url.pathname.includes(`/model/`),
      async () => {
        // While our first upload runs, another writer makes version 1 in the model our create just made.
        await otherToolVersion(fakes.arm, fakes.azurite, mode, model, "1");
        return blobError(403, "AuthorizationFailure");
      },
    );
    await rejectionOf(registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "a.txt": "ours" }) }));
    expect([...storedVersions(fakes.arm, mode, model).keys()]).toEqual(["1"]);
    expect((await registry().getVersion({ model, version: "1" })).version).toBe("1");
  });

  it("createModel: false on a missing model is NotFoundError, with nothing written", async () => {
    const model = name(mode, "no-create");
    const rec = recordingFetch();
    await expect(registry({ fetch: rec.fetch }).createVersion(model, { artifacts: entries({ "a.txt": "a" }), createModel: false })).rejects.toThrow(
      NotFoundError,
    );
    expect(rec.seen.filter((s) => s.method !== "GET")).toEqual([]);
    expect(storedContainer(fakes.arm, mode, model)).toBeUndefined();
  });
});

describe("refused before any request", () => {
  /** Runs `call`, expects InvalidInputError, and that neither ARM nor Azurite heard anything. */
  async function refusedQuietly(call: (fetch: typeof globalThis.fetch) => Promise<unknown> | unknown, field?: string): Promise<void> {
    const before = fakes.arm.requests.length;
    const rec = recordingFetch();
    let error: unknown;
    try {
      await call(rec.fetch);
      error = new Error("expected InvalidInputError, got success");
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).toBeInstanceOf(InvalidInputError);
    if (field !== undefined) expect((error as InvalidInputError).field).toBe(field);
    expect(rec.seen.map((s) => s.url.href)).toEqual([]);
    expect(fakes.arm.requests.length).toBe(before);
  }

  const BAD_NAMES = ["fraud.v2", "a/b", "-lead", "", "x".repeat(256), "sp ace", "ü-model", "a%2Fb", ".."];

  it.each(MODES)("model names Azure ML refuses, for every call (%s)", async (mode) => {
    for (const bad of BAD_NAMES) {
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).createVersion(bad, { artifacts: entries({ "a.txt": "a" }) }));
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).createModel({ name: bad }));
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).getModel(bad));
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).getVersion({ model: bad, version: "1" }));
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).listVersions(bad).toArray());
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).setAlias(bad, "champion", "1"));
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).deleteVersion({ model: bad, version: "1" }));
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).transitionStage({ model: bad, version: "1" }, "production"));
      await refusedQuietly((fetch) => fakes[mode]({ fetch }).listArtifacts({ model: bad, version: "1" }));
    }
  });

  it("accepts the longest name modelreg allows (128) and names with '-' and '_'", async () => {
    for (const good of ["a".repeat(128), "A-b_c-9"]) {
      const v = await fakes.workspace().createVersion(good, { artifacts: entries({ "a.txt": "a" }) });
      expect(v.model).toBe(good);
    }
  });

  const base = { subscriptionId: SUBSCRIPTION, resourceGroup: GROUP, token: "tkn" };
  it.each<[string, Record<string, unknown>, string]>([
    ["both workspace and registry", { workspace: WORKSPACE, registry: REGISTRY }, "workspace"],
    ["neither workspace nor registry", {}, "workspace"],
    ["a subscription that is no id", { workspace: WORKSPACE, subscriptionId: "../../tenants" }, "subscriptionId"],
    ["an empty subscription", { registry: REGISTRY, subscriptionId: "" }, "subscriptionId"],
    ["a subscription that is not a string", { workspace: WORKSPACE, subscriptionId: 42 }, "subscriptionId"],
    ["a resource group with '/'", { workspace: WORKSPACE, resourceGroup: "rg/x" }, "resourceGroup"],
    ["a resource group ending in '.'", { registry: REGISTRY, resourceGroup: "rg." }, "resourceGroup"],
    ["a workspace with '/'", { workspace: "ws/../x" }, "workspace"],
    ["an empty workspace", { workspace: "" }, "workspace"],
    ["a registry name too short", { registry: "ab" }, "registry"],
    ["a registry name with '.'", { registry: "reg.x" }, "registry"],
    ["a token with a space (workspace)", { workspace: WORKSPACE, token: "abc def" }, "token"],
    ["a token with a newline (registry)", { registry: REGISTRY, token: "abc\ndef" }, "token"],
    ["an empty token", { workspace: WORKSPACE, token: "" }, "token"],
    ["a token that is a number", { registry: REGISTRY, token: 7 }, "token"],
    ["a credential without getToken", { workspace: WORKSPACE, credential: {} }, "credential"],
    ["an ftp endpoint", { workspace: WORKSPACE, endpoint: "ftp://management.azure.com" }, "endpoint"],
    ["an endpoint with a password", { registry: REGISTRY, endpoint: "https://u:p@management.azure.com" }, "endpoint"],
    ["an endpoint that is no URL", { workspace: WORKSPACE, endpoint: "management.azure.com" }, "endpoint"],
    ["blockBytes under 1 KiB (workspace)", { workspace: WORKSPACE, blockBytes: 100 }, "blockBytes"],
    ["blockBytes under 1 KiB (registry)", { registry: REGISTRY, blockBytes: 1023 }, "blockBytes"],
    ["blockBytes not an integer", { workspace: WORKSPACE, blockBytes: 1536.5 }, "blockBytes"],
    ["blockBytes over Azure's 4000 MiB block", { registry: REGISTRY, blockBytes: 4001 * 1024 * 1024 }, "blockBytes"],
    ["blockBytes as a string", { workspace: WORKSPACE, blockBytes: "65536" }, "blockBytes"],
    ["a datastore name with '-'", { workspace: WORKSPACE, datastore: "my-store" }, "datastore"],
    ["a datastore for a registry", { registry: REGISTRY, datastore: "workspaceblobstore" }, "datastore"],
    ["a negative pollIntervalMs", { workspace: WORKSPACE, pollIntervalMs: -1 }, "pollIntervalMs"],
    ["a pollIntervalMs that is NaN", { registry: REGISTRY, pollIntervalMs: Number.NaN }, "pollIntervalMs"],
    ["a negative operationDeadlineMs", { registry: REGISTRY, operationDeadlineMs: -5 }, "operationDeadlineMs"],
  ])("settings: %s", async (_label, settings, field) => {
    await refusedQuietly((fetch) => createAzureMlRegistry({ ...base, endpoint: fakes.arm.url, fetch, ...settings } as never), field);
  });

  it.each(MODES)("providerOptions.azureml: unknown keys and wrong types are refused, naming the option (%s)", async (mode) => {
    for (const [options, word] of [
      [{ modelTyp: "custom_model" }, "modelTyp"],
      [{ modelType: 3 }, "modelType"],
      [{ modelType: "" }, "modelType"],
      [{ flavors: { python_function: { loader_module: 1 } } }, "flavors"],
      [{ flavors: ["sklearn"] }, "flavors"],
      [{ jobName: "" }, "jobName"],
      [{ stage: "Production" }, "stage"],
    ] as const) {
      const before = fakes.arm.requests.length;
      const rec = recordingFetch();
      const error = await rejectionOf(
        fakes[mode]({ fetch: rec.fetch }).createVersion(name(mode, "options"), {
          artifacts: entries({ "a.txt": "a" }),
          providerOptions: { azureml: options as Record<string, unknown> },
        }),
      );
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toContain(word);
      expect(rec.seen).toEqual([]);
      expect(fakes.arm.requests.length).toBe(before);
    }
  });

  it("providerOptions.azureml that are right reach the version: modelType, flavors, jobName", async () => {
    const model = "options-ok";
    await fakes.workspace().createVersion(model, {
      artifacts: entries({ "a.txt": "a" }),
      providerOptions: { azureml: { modelType: "triton_model", flavors: { python_function: { loader_module: "mlflow.sklearn" } }, jobName: "train-42" } },
    });
    const stored = storedVersions(fakes.arm, "workspace", model).get("1")?.properties;
    expect(stored?.modelType).toBe("triton_model");
    expect(stored?.flavors).toEqual({ python_function: { data: { loader_module: "mlflow.sklearn" } } });
    expect(stored?.jobName).toBe("train-42");
    // Without a modelType: an MLmodel at the top makes an MLflow model.
    await fakes.workspace().createVersion(model, { artifacts: entries({ MLmodel: "flavors: {}", "model.pkl": "x" }) });
    expect(storedVersions(fakes.arm, "workspace", model).get("2")?.properties.modelType).toBe("mlflow_model");
  });
});

describe.each(MODES)("files (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("a 1 MiB file goes up in 64 KiB blocks, each with its Content-MD5, committed with the file's MD5, and reads back byte for byte", async () => {
    const model = name(mode, "blocks");
    const big = weights(1024 * KiB, 7);
    const rec = recordingFetch();
    const v = await registry({ fetch: rec.fetch, blockBytes: 64 * KiB }).createVersion(model, {
      artifacts: entries({ "weights/model.bin": big, "small.json": "{}" }),
    });
    const blobWrites = rec.seen.filter((s) => s.method === "PUT" && isBlob(fakes.azurite, s.url) && s.url.pathname.endsWith("/model/weights/model.bin"));
    const blocks = blobWrites.filter((s) => s.url.searchParams.get("comp") === "block");
    expect(blocks).toHaveLength(16);
    for (const b of blocks) expect(b.headers["content-md5"]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(new Set(blocks.map((b) => b.headers["content-md5"])).size).toBe(16);
    const commit = blobWrites.filter((s) => s.url.searchParams.get("comp") === "blocklist");
    expect(commit).toHaveLength(1);
    expect(commit[0]?.headers["x-ms-blob-content-md5"]).toBe(md5(big));
    expect(blobWrites.filter((s) => s.url.searchParams.get("comp") === null)).toEqual([]);
    // The small file went up in one Put Blob with its MD5.
    const small = rec.seen.find((s) => s.method === "PUT" && s.url.pathname.endsWith("/model/small.json"));
    expect(small?.headers["content-md5"]).toBe(md5("{}"));
    // Read back, by stream and by download.
    const ref = { model, version: v.version };
    const listed = await registry().listArtifacts(ref);
    expect(listed.find((f) => f.path === "weights/model.bin")).toMatchObject({ size: big.byteLength, sha256: sha256(big) });
    const { stream } = await registry().openArtifact(ref, "weights/model.bin");
    expect(sha256(await bytesOf(stream))).toBe(sha256(big));
    const ws = await tempWorkspace();
    await registry({ blockBytes: 64 * KiB }).downloadArtifacts(ref, ws.target);
    expect(sha256(await readFile(join(ws.target, "weights/model.bin")))).toBe(sha256(big));
    expect(await readFile(join(ws.target, "small.json"), "utf8")).toBe("{}");
  });

  it("sends If-None-Match: * on every blob write, the files' and the record's, so no blob is ever replaced", async () => {
    const model = name(mode, "no-overwrite");
    const rec = recordingFetch();
    await registry({ fetch: rec.fetch, blockBytes: 4 * KiB }).createVersion(model, { artifacts: entries({ "big.bin": weights(10 * KiB, 1), "a.txt": "a" }) });
    const writes = rec.seen.filter((s) => s.method === "PUT" && isBlob(fakes.azurite, s.url) && s.url.searchParams.get("comp") !== "block");
    expect(writes.map((s) => s.url.pathname.split("/").slice(-2).join("/")).sort()).toEqual(
      ["model/a.txt", "model/big.bin", `${writes[0]?.url.pathname.split("/").at(-3)}/modelreg.json`].sort(),
    );
    for (const w of writes) expect(w.headers["if-none-match"], w.url.pathname).toBe("*");
    for (const w of writes) expect(w.headers["content-md5"] ?? w.headers["x-ms-blob-content-md5"], w.url.pathname).toBeDefined();
  });

  it("names with spaces, unicode and nested folders, and an empty file, round-trip", async () => {
    const model = name(mode, "odd-names");
    const files = { "a b/ü ñ.txt": "unicode", "deep/er/still/x.json": '{"x":1}', "empty.bin": new Uint8Array(0), "100%.txt": "percent", "q?x=1#y": "query" };
    const v = await registry().createVersion(model, { artifacts: entries(files) });
    const listed = await registry().listArtifacts({ model, version: v.version });
    expect(listed.map((f) => f.path).sort()).toEqual(Object.keys(files).sort());
    const ws = await tempWorkspace();
    await registry().downloadArtifacts({ model, version: v.version }, ws.target);
    expect((await tree(ws.target)).sort()).toEqual(Object.keys(files).sort());
    for (const [path, content] of Object.entries(files)) expect(sha256(await readFile(join(ws.target, path)))).toBe(sha256(content));
  });

  it("a blob corrupted in storage after the create fails the download with IntegrityError and leaves nothing behind", async () => {
    const model = name(mode, "corrupt");
    const good = weights(4 * KiB, 9);
    const v = await registry().createVersion(model, { artifacts: entries({ "model.bin": good, "ok.txt": "fine" }) });
    const blob = (await modelBlobs(fakes.arm, fakes.azurite, mode, model)).find((b) => b.endsWith("/model/model.bin")) as string;
    const [container, ...rest] = blob.split("/");
    // Same size, one byte different: only the SHA-256 can tell.
    const bad = Uint8Array.from(good);
    bad[1234] = (bad[1234] as number) ^ 0xff;
    await putBlob(fakes.azurite, container as string, rest.join("/"), bad);
    const ws = await tempWorkspace();
    const error = await rejectionOf(registry().downloadArtifacts({ model, version: v.version }, ws.target));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(await tree(ws.target)).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
    // Shorter than the record says: also refused.
    await putBlob(fakes.azurite, container as string, rest.join("/"), good.subarray(0, 100));
    await expect(registry().downloadArtifacts({ model, version: v.version }, ws.target)).rejects.toThrow(IntegrityError);
    expect(await tree(ws.target)).toEqual([]);
  });
});
