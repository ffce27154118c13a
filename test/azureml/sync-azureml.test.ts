// Sync between the local registry and Azure ML (the ARM fake and Azurite, over loopback sockets), once over a
// workspace's models and once over an Azure ML registry's: local -> Azure ML and Azure ML -> local, with Azure's rules
// in play: version n is the model version n (numbered by the container's nextVersion), its files a folder in Blob
// storage (the workspace datastore, or the container startPendingUpload hands out) with modelreg's record beside them,
// stages on the version's stage field (archived: isArchived), aliases as modelreg.alias.* tags on the model container.
import { describe, expect, it } from "vitest";
import type { ModelRegistry, ModelVersion } from "modelreg";
import { SYNC_TAGS, originOf, planSync, syncRegistries, type SyncCreateItem } from "modelreg/sync";
import { createContainer, azuriteAccountSas } from "../support/azurite.js";
import { freshRegistry } from "../local/support/helpers.js";
import { copiesBySource, expectSameFiles, prng, randomBytes, readFile, seedVersion, sha256 } from "../sync/support/helpers.js";
import type { ModelScope } from "./support/arm-fake-state.js";
import { GROUP, SUBSCRIPTION, WORKSPACE, useAzureFakes } from "./support/setup.js";
import { createHash } from "node:crypto";

const fakes = useAzureFakes();
const KiB = 1024;
/** Small blocks, so a file of a few hundred KiB goes up as Put Block + Put Block List. */
const BLOCK = 64 * KiB;
const X_MS_VERSION = "2025-11-05";
let n = 0;
/** A model name no other test in this file uses (the fake keeps its state for the whole file). */
const fresh = (prefix: string) => `${prefix}-${++n}`;

type Mode = "workspace" | "registry";
const MODES: Mode[] = ["workspace", "registry"];
const azure = (mode: Mode, settings: Parameters<typeof fakes.workspace>[0] = {}) =>
  mode === "workspace" ? fakes.workspace({ blockBytes: BLOCK, ...settings }) : fakes.registry({ blockBytes: BLOCK, ...settings });
const scopeOf = (mode: Mode) => (mode === "workspace" ? fakes.arm.state.workspace : fakes.arm.state.registry) as ModelScope;

const signature = {
  inputs: [
    { name: "amount", type: "double" as const },
    { name: "country", type: "string" as const },
  ],
  outputs: [{ type: "boolean" as const }],
};
const modelCard = { summary: "flags fraud", owners: ["risk@example.com"], limitations: "card-present only" };

/** POSTs that only read (datastore secrets, a registry version's read SAS): everything else but GET could change Azure. */
const READ_POSTS = new Set(["Datastores_ListSecrets", "RegistryDataReferences_GetBlobReferenceSAS"]);
const writes = () => fakes.arm.requests.filter((r) => r.method !== "GET" && !READ_POSTS.has(r.operation ?? "")).length;
/** The fake's state of a model: each version's writable properties, and the container's tags. */
const snapshot = (mode: Mode, model: string) => {
  const c = scopeOf(mode).containers.get(model);
  return JSON.parse(
    JSON.stringify({ tags: c?.properties.tags, versions: Object.fromEntries([...(c?.versions ?? [])].map(([v, s]) => [v, s.properties])) }),
  ) as unknown;
};
const armVersion = (mode: Mode, model: string, version: string) => scopeOf(mode).containers.get(model)?.versions.get(version)?.properties ?? {};
const containerTags = (mode: Mode, model: string) => (scopeOf(mode).containers.get(model)?.properties.tags ?? {}) as Record<string, string>;

// Azurite, read directly (an account SAS): where the adapter put the files, and how.
const sas = () => azuriteAccountSas(fakes.azurite);
const datastoreContainer = () => fakes.arm.state.datastores.get("workspaceblobstore")?.containerName as string;

/** The blob URL of a version's file, from its modelUri (the long datastore URI in a workspace, a blob URL in a registry). */
function blobUrl(modelUri: string, path: string): string {
  const datastore = /^azureml:\/\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/[^/]+\/datastores\/workspaceblobstore\/paths\/(.+)$/.exec(modelUri);
  const folder = datastore ? `${fakes.azurite.blobEndpoint}/${datastoreContainer()}/${datastore[1]}` : modelUri;
  return `${folder.replace(/\/+$/, "")}/${path}`;
}

async function blobRequest(url: string, query = "", method = "GET"): Promise<Response> {
  const res = await fetch(`${url}?${query}${query ? "&" : ""}${sas()}`, { method, headers: { "x-ms-version": X_MS_VERSION } });
  if (!res.ok) throw new Error(`Azurite answered ${res.status} to ${method} ${url} ${query}`);
  return res;
}

/** The committed blocks of a blob (a blob uploaded with one Put Blob has none), and its stored Content-MD5. */
async function blobLayout(url: string): Promise<{ blocks: number[]; md5: string | null }> {
  const xml = await (await blobRequest(url, "comp=blocklist&blocklisttype=committed")).text();
  const committed = /<CommittedBlocks>([\s\S]*?)<\/CommittedBlocks>/.exec(xml)?.[1] ?? "";
  const blocks = [...committed.matchAll(/<Size>(\d+)<\/Size>/g)].map((m) => Number(m[1]));
  const md5 = (await blobRequest(url, "", "HEAD")).headers.get("content-md5");
  return { blocks, md5 };
}

/** Blob names in a container under a prefix. */
async function listBlobs(container: string, prefix = ""): Promise<string[]> {
  const url = `${fakes.azurite.blobEndpoint}/${container}`;
  const xml = await (await blobRequest(url, `restype=container&comp=list&prefix=${encodeURIComponent(prefix)}`)).text();
  return [...xml.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1] as string);
}

/**
 * The folders holding a model's files in Blob storage: in a workspace the `modelreg/{model}/{attempt}/` folders of the
 * datastore, in a registry the pending-upload containers that hold any blob; `used` those a version's modelUri names.
 */
async function fileFolders(mode: Mode, model: string): Promise<{ all: string[]; used: string[] }> {
  const all: string[] = [];
  if (mode === "workspace") {
    const names = await listBlobs(datastoreContainer(), `modelreg/${model}/`);
    all.push(...new Set(names.map((name) => name.split("/").slice(0, 3).join("/"))));
  } else {
    for (const upload of fakes.arm.state.pendingUploads.values())
      if (upload.model === model && (await listBlobs(upload.container)).length > 0) all.push(upload.container);
  }
  const used = [...(scopeOf(mode).containers.get(model)?.versions.values() ?? [])].map((v) => {
    const uri = String(v.properties.modelUri);
    return mode === "workspace" ? (/\/paths\/(modelreg\/[^/]+\/[^/]+)\//.exec(uri)?.[1] ?? uri) : (uri.replace(/\/$/, "").split("/").at(-2) ?? uri);
  });
  return { all: all.sort(), used: used.sort() };
}

async function putBlob(url: string, bytes: Uint8Array): Promise<void> {
  const res = await fetch(`${url}?${sas()}`, {
    method: "PUT",
    headers: {
      "x-ms-version": X_MS_VERSION,
      "x-ms-blob-type": "BlockBlob",
      "content-md5": createHash("md5").update(bytes).digest("base64"),
      "content-type": "application/octet-stream",
    },
    body: new Uint8Array(bytes),
  });
  if (res.status !== 201) throw new Error(`Azurite answered ${res.status} to Put Blob ${url}: ${await res.text()}`);
}

/**
 * A version another tool made (the Python SDK, the studio): no modelreg properties and no record, files in a folder
 * of their own that `modelUri` names. Put straight into the fake's state and Azurite.
 */
async function seedForeignVersion(mode: Mode, model: string, version: string, files: Record<string, Uint8Array>, properties: Record<string, unknown>) {
  const { state } = fakes.arm;
  const folder = `other-tool/${model}/${version}/model`;
  let modelUri: string;
  let base: string;
  if (mode === "workspace") {
    await createContainer(fakes.azurite, datastoreContainer());
    base = `${fakes.azurite.blobEndpoint}/${datastoreContainer()}/${folder}`;
    modelUri = `azureml://subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/${WORKSPACE}/datastores/workspaceblobstore/paths/${folder}/`;
  } else {
    // A registry's own storage: a container the fake knows (it gives read SAS tokens only for those).
    const container = state.newContainerName("registry-assets");
    await createContainer(fakes.azurite, container);
    state.containers.add(container);
    base = `${fakes.azurite.blobEndpoint}/${container}/${folder}`;
    modelUri = base;
  }
  for (const [path, bytes] of Object.entries(files)) await putBlob(`${base}/${path}`, bytes);
  const scope = scopeOf(mode);
  let c = scope.containers.get(model);
  if (!c) {
    c = { name: model, properties: { tags: {}, properties: {}, isArchived: false }, systemData: state.systemData(), versions: new Map() };
    scope.containers.set(model, c);
  }
  const systemData = { ...state.systemData(), createdBy: "someone@contoso.com", lastModifiedBy: "someone@contoso.com" };
  c.versions.set(version, {
    version,
    properties: { tags: {}, properties: {}, modelUri, modelType: "custom_model", flavors: {}, isAnonymous: false, isArchived: false, ...properties },
    systemData,
  });
  scope.highest.set(model, Math.max(scope.highest.get(model) ?? 0, Number(version)));
}

describe.each(MODES)("sync local -> Azure ML (%s)", (mode) => {
  it("copies files (one in blocks), metadata, aliases as container tags and stages on the stage field; a second run writes nothing", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const target = azure(mode);
    const model = fresh(`l2a-${mode}`);
    const weights = randomBytes(prng(11), 4 * BLOCK + 123);
    const v1 = await seedVersion(
      local,
      model,
      { "model.bin": weights, "conf/params.json": '{"depth":3}' },
      {
        description: "first fraud model",
        params: { depth: 3, lr: 0.1 },
        metrics: { auc: 0.91, f1: 0.7 },
        tags: { team: "risk", "data.version": "2024-05" },
        lineage: { codeCommit: "abc123", codeRepository: "https://git.example/fraud", dataSnapshots: [{ uri: "s3://data/train", role: "train" }] },
        signature,
        modelCard,
        aliases: ["champion"],
      },
    );
    await local.transitionStage(`${model}/1`, "production");
    const v2 = await seedVersion(local, model, { "model.bin": "second weights" }, { description: "retrained", metrics: { auc: 0.93 }, aliases: ["candidate"] });
    await local.transitionStage(`${model}/2`, "staging");
    const v3 = await seedVersion(local, model, { "model.bin": "retired weights" }, { metrics: { auc: 0.5 } });
    await local.transitionStage(`${model}/3`, "archived");

    const report = await syncRegistries({ source: local, target, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 3, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.bytesCopied).toBe(weights.byteLength + 11 + 14 + 15);
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
    expect((report.plan.items[0] as SyncCreateItem).changes).toEqual([
      { kind: "alias", alias: "champion" },
      { kind: "stage", from: "draft", to: "production" },
    ]);
    expect(report.results.map((r) => r.targetVersion)).toEqual(["1", "2", "3"]);

    const copies = await copiesBySource(target, model);
    expect([...copies.keys()].sort()).toEqual(["1", "2", "3"]);
    const [c1, c2, c3] = ["1", "2", "3"].map((v) => copies.get(v) as ModelVersion) as [ModelVersion, ModelVersion, ModelVersion];
    await expectSameFiles(local, `${model}/1`, target, c1);
    await expectSameFiles(local, `${model}/2`, target, c2);
    expect(sha256(await readFile(target, c1, "model.bin"))).toBe(sha256(weights));

    const origin1 = { registry: "local", model, version: "1", digest: v1.artifacts.digest as string };
    expect(c1).toMatchObject({
      version: "1",
      description: "first fraud model",
      params: { depth: "3", lr: "0.1" },
      metrics: { auc: 0.91, f1: 0.7 },
      signature,
      modelCard,
      aliases: ["champion"],
      stage: "production",
    });
    expect(c1.artifacts.digest).toBe(v1.artifacts.digest);
    expect(c1.tags).toEqual({
      team: "risk",
      "data.version": "2024-05",
      [SYNC_TAGS.source]: "local",
      [SYNC_TAGS.model]: model,
      [SYNC_TAGS.version]: "1",
      [SYNC_TAGS.digest]: v1.artifacts.digest,
    });
    expect(c1.lineage).toEqual({ ...v1.lineage, syncedFrom: origin1 });
    expect(originOf(c1)).toEqual(origin1);
    expect(c2).toMatchObject({ version: "2", description: "retrained", metrics: { auc: 0.93 }, aliases: ["candidate"], stage: "staging" });
    expect(originOf(c2)).toEqual({ registry: "local", model, version: "2", digest: v2.artifacts.digest });
    expect(c3).toMatchObject({ version: "3", aliases: [], stage: "archived" });
    expect(originOf(c3)).toEqual({ registry: "local", model, version: "3", digest: v3.artifacts.digest });

    // In Azure: the stage field as Azure's own client writes it, archive as isArchived; aliases are container tags
    // (Azure has none); modelreg's properties point at the record, and modelUri at the files' folder.
    expect(armVersion(mode, model, "1")).toMatchObject({ stage: "Production", isArchived: false, description: "first fraud model" });
    expect(armVersion(mode, model, "2")).toMatchObject({ stage: "Staging", isArchived: false });
    expect(armVersion(mode, model, "3")).toMatchObject({ stage: "Archived", isArchived: true });
    expect(armVersion(mode, model, "1").tags).toMatchObject({ team: "risk", [SYNC_TAGS.version]: "1" });
    expect(containerTags(mode, model)).toEqual({ "modelreg.alias.champion": "1", "modelreg.alias.candidate": "2" });
    const uri1 = armVersion(mode, model, "1").modelUri as string;
    expect(uri1).toMatch(
      mode === "workspace"
        ? new RegExp(
            `^azureml://subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/${WORKSPACE}/datastores/workspaceblobstore/paths/modelreg/${model}/[0-9a-f]{16}/model/$`,
          )
        : new RegExp(`^${fakes.azurite.blobEndpoint}/pending-[0-9a-f]+/model/$`),
    );
    // The big file went up as blocks of blockBytes (Put Block, Put Block List) with its MD5 on the blob; the small ones
    // in one Put Blob.
    const big = await blobLayout(blobUrl(uri1, "model.bin"));
    expect(big.blocks).toEqual([BLOCK, BLOCK, BLOCK, BLOCK, 123]);
    expect(big.md5).toBe(createHash("md5").update(weights).digest("base64"));
    expect((await blobLayout(blobUrl(uri1, "conf/params.json"))).blocks).toEqual([]);
    // The record beside the files lists every file with its SHA-256.
    const recordUrl = blobUrl(uri1, "").replace(/\/model\/$/, "/modelreg.json");
    const record = (await (await blobRequest(recordUrl)).json()) as { files: Array<{ path: string; sha256: string; size: number }>; lineage: unknown };
    expect(record.files.map((f) => [f.path, f.size, f.sha256]).sort()).toEqual([
      ["conf/params.json", 11, sha256(Buffer.from('{"depth":3}'))],
      ["model.bin", weights.byteLength, sha256(weights)],
    ]);
    expect(record.lineage).toEqual({ ...v1.lineage, syncedFrom: origin1 });
    const folders = await fileFolders(mode, model);
    expect(folders.all).toEqual(folders.used);
    expect(new Set(folders.used).size).toBe(3);

    const before = { writes: writes(), state: snapshot(mode, model), folders };
    const again = await syncRegistries({ source: local, target, models: [model] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.bytesCopied).toBe(0);
    expect(again.plan.items.map((i) => [i.action, i.action === "skip" && i.reason])).toEqual([
      ["skip", "already-synced"],
      ["skip", "already-synced"],
      ["skip", "already-synced"],
    ]);
    expect(writes()).toBe(before.writes);
    expect(snapshot(mode, model)).toEqual(before.state);
    expect(await fileFolders(mode, model)).toEqual(before.folders);
  });

  it("a failure midway (a version PUT refused, another's answer lost) leaves no half copy, and a rerun completes without duplicates", async () => {
    const { registry: local } = await freshRegistry({ actor: "source" });
    const target = azure(mode, { maxRetries: 1 });
    const model = fresh(`fail-${mode}`);
    const v1 = await seedVersion(local, model, { "m.bin": "first" }, { aliases: ["champion"] });
    await seedVersion(local, model, { "m.bin": randomBytes(prng(5), 2 * BLOCK + 1), "notes.txt": "second" }, { aliases: ["candidate"] });
    await seedVersion(local, model, { "m.bin": "third" });

    // Version 1's PUT reaches Azure but its answer is lost (the connection is cut after the fake made it); version 2's
    // PUT is refused with 500 every time, retries included.
    let current = "";
    let refused = 0;
    const isVersionPut = (r: { method: string; path: string; operation?: string }) =>
      r.method === "PUT" && (r.operation ?? "").endsWith("ModelVersions_CreateOrUpdate") && r.path.includes(`/models/${model}/versions/`);
    fakes.arm.failNext((r) => isVersionPut(r) && current === "1", "reset-after", 1);
    fakes.arm.failNext(
      (r) => {
        const hit = isVersionPut(r) && current === "2";
        if (hit) refused++;
        return hit;
      },
      500,
      50,
    );
    const report = await syncRegistries({
      source: local,
      target,
      models: [model],
      onEvent: (e) => {
        if (e.type === "version.started") current = e.version;
      },
    });
    fakes.arm.clearFaults();
    expect(refused).toBeGreaterThan(0);
    expect(fakes.arm.requests.some((r) => isVersionPut(r) && r.status === 0)).toBe(true);
    expect(report.counts).toMatchObject({ created: 2, failed: 1 });
    expect(report.failures.map((f) => [f.version, f.error.provider])).toEqual([["2", "azureml"]]);
    // One copy of version 1 despite the lost answer; no version or alias of version 2's attempt; version 3's
    // copy took the next number.
    let copies = await copiesBySource(target, model);
    expect([...copies].map(([s, c]) => [s, c.version]).sort()).toEqual([
      ["1", "1"],
      ["3", "2"],
    ]);
    expect(originOf(copies.get("1") as ModelVersion)).toEqual({ registry: "local", model, version: "1", digest: v1.artifacts.digest });
    expect(containerTags(mode, model)).toEqual({ "modelreg.alias.champion": "1" });
    const afterFailure = await fileFolders(mode, model);
    expect(afterFailure.used).toHaveLength(2);
    expect(new Set(afterFailure.used).size).toBe(2);
    // Version 2's attempt was answered 500 (not made): in a workspace its folder is deleted again; in a registry its
    // files stay in the temporary container startPendingUpload handed out, whose SAS reads, writes and lists but cannot
    // delete, and no version names them.
    const leftovers = afterFailure.all.filter((f) => !afterFailure.used.includes(f));
    expect(leftovers).toHaveLength(mode === "workspace" ? 0 : 1);

    const rerun = await syncRegistries({ source: local, target, models: [model] });
    expect(rerun.failures).toEqual([]);
    expect(rerun.counts).toMatchObject({ created: 1, skipped: 2, failed: 0 });
    copies = await copiesBySource(target, model);
    expect([...copies].map(([s, c]) => [s, c.version]).sort()).toEqual([
      ["1", "1"],
      ["2", "3"],
      ["3", "2"],
    ]);
    await expectSameFiles(local, `${model}/2`, target, copies.get("2") as ModelVersion);
    expect(containerTags(mode, model)).toEqual({ "modelreg.alias.champion": "1", "modelreg.alias.candidate": "3" });
    expect(await target.listVersions(model).toArray()).toHaveLength(3);
    expect([...(scopeOf(mode).containers.get(model)?.versions.keys() ?? [])].sort()).toEqual(["1", "2", "3"]);
    const afterRerun = await fileFolders(mode, model);
    expect(new Set(afterRerun.used).size).toBe(3);
    expect(afterRerun.all.filter((f) => !afterRerun.used.includes(f))).toEqual(leftovers);
  });
});

describe.each(MODES)("sync Azure ML (%s) -> local", (mode) => {
  it("copies modelreg's versions and another tool's, keeping lineage and provenance; a rerun moves no bytes, a change on Azure travels as an update", async () => {
    const source = azure(mode);
    const model = fresh(`a2l-${mode}`);
    const weights = randomBytes(prng(3), 3 * BLOCK + 9);
    const lineage = { codeCommit: "feed42", dataSnapshots: [{ uri: "azureml://datastores/data/paths/train", role: "train" }] };
    const a1 = await seedVersion(
      source,
      model,
      { "model.bin": weights, "deep/er/notes.txt": "trained on May data" },
      {
        description: "from a pipeline",
        params: { depth: 4 },
        metrics: { auc: 0.9 },
        tags: { team: "vision" },
        lineage,
        signature,
        modelCard,
        aliases: ["champion"],
      },
    );
    await source.transitionStage(`${model}/1`, "staging");
    const a2 = await seedVersion(source, model, { "model.bin": "second" }, { metrics: { auc: 0.92 }, aliases: ["candidate"] });
    // Version 3: registered by another tool, no record, files in a folder of its own, in production.
    const foreignFiles = { "model.pkl": randomBytes(prng(4), 5000), "conda.yaml": Buffer.from("name: env\n") };
    await seedForeignVersion(mode, model, "3", foreignFiles, { description: "registered in the studio", tags: { owner: "data-science" }, stage: "Production" });
    const a3 = await source.getVersion(`${model}/3`);
    expect(a3.artifacts.digest).toBeUndefined();
    expect(a3).toMatchObject({ stage: "production", createdBy: "someone@contoso.com", tags: { owner: "data-science" } });

    const { registry: local } = await freshRegistry({ actor: "target" });
    const report = await syncRegistries({ source, target: local, models: [model] });
    expect(report.failures).toEqual([]);
    expect(report.counts).toEqual({ created: 3, updated: 0, skipped: 0, conflicts: 0, failed: 0, notStarted: 0 });
    expect(report.plan.items.flatMap((i) => i.warnings)).toEqual([]);
    expect(report.bytesCopied).toBe(weights.byteLength + 19 + 6 + 5000 + 10);

    const copies = await copiesBySource(local, model);
    const [c1, c2, c3] = ["1", "2", "3"].map((v) => copies.get(v) as ModelVersion) as [ModelVersion, ModelVersion, ModelVersion];
    expect([c1.version, c2.version, c3.version]).toEqual(["1", "2", "3"]);
    for (const v of ["1", "2", "3"]) await expectSameFiles(source, `${model}/${v}`, local, copies.get(v) as ModelVersion);

    const origin1 = { registry: "azureml", model, version: "1", digest: a1.artifacts.digest as string };
    expect(c1).toMatchObject({
      description: "from a pipeline",
      params: { depth: "4" },
      metrics: { auc: 0.9 },
      signature,
      modelCard,
      aliases: ["champion"],
      stage: "staging",
    });
    expect(c1.artifacts.digest).toBe(a1.artifacts.digest);
    expect(c1.tags).toEqual({
      team: "vision",
      [SYNC_TAGS.source]: "azureml",
      [SYNC_TAGS.model]: model,
      [SYNC_TAGS.version]: "1",
      [SYNC_TAGS.digest]: a1.artifacts.digest,
    });
    expect(c1.lineage).toEqual({ ...lineage, syncedFrom: origin1 });
    expect(originOf(c1)).toEqual(origin1);
    expect(c2).toMatchObject({ metrics: { auc: 0.92 }, aliases: ["candidate"], stage: "draft" });
    expect(originOf(c2)).toEqual({ registry: "azureml", model, version: "2", digest: a2.artifacts.digest });
    // Another tool's version: its description, tags and stage travel; its digest is the one sync computed from the
    // bytes (Azure lists no SHA-256 for it), and is the digest of the files as the local registry holds them.
    expect(c3).toMatchObject({ description: "registered in the studio", stage: "production", aliases: [] });
    expect(c3.tags).toMatchObject({ owner: "data-science", [SYNC_TAGS.source]: "azureml", [SYNC_TAGS.version]: "3" });
    expect(originOf(c3)).toEqual({ registry: "azureml", model, version: "3", digest: c3.artifacts.digest });
    expect(sha256(await readFile(local, c3, "model.pkl"))).toBe(sha256(foreignFiles["model.pkl"]));
    expect(Object.fromEntries((await local.listAliases(model)).map((a) => [a.alias, a.version]))).toEqual({ champion: "1", candidate: "2" });

    // A rerun: nothing to do, nothing written on either side, and no file of any version downloaded again.
    const azureWrites = writes();
    const blobReads: string[] = [];
    const watched = azure(mode, {
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (url.port === String(fakes.azurite.port) && (init?.method ?? "GET") === "GET") blobReads.push(url.pathname);
        return globalThis.fetch(input, init);
      },
    });
    const again = await syncRegistries({ source: watched, target: local, models: [model] });
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 3, conflicts: 0, failed: 0, notStarted: 0 });
    expect(again.bytesCopied).toBe(0);
    expect(writes()).toBe(azureWrites);
    expect(await local.listVersions(model).toArray()).toHaveLength(3);
    // Only records were read (modelreg's versions are described by them), never a version's files.
    expect(blobReads.length).toBeGreaterThan(0);
    expect(blobReads.filter((p) => !p.endsWith("/modelreg.json"))).toEqual([]);

    // A change on Azure travels as an update without moving bytes: the alias moves, the description follows.
    await source.updateVersion(`${model}/2`, { description: "re-evaluated" });
    await source.setAlias(model, "champion", "2");
    const update = await syncRegistries({ source, target: local, models: [model] });
    expect(update.counts).toMatchObject({ created: 0, updated: 1, skipped: 2, failed: 0 });
    expect(update.bytesCopied).toBe(0);
    expect(update.results.find((r) => r.status === "updated")).toMatchObject({ targetVersion: "2", movedAliases: [{ alias: "champion", previous: "1" }] });
    expect(await local.getVersion(`${model}/2`)).toMatchObject({ description: "re-evaluated", aliases: ["candidate", "champion"] });
  });
});

describe("local -> Azure ML workspace -> Azure ML registry -> local", () => {
  it("carries the version through both Azure modes with its lineage; each hop records its own origin", async () => {
    const { registry: first } = await freshRegistry({ actor: "source" });
    const model = fresh("chain");
    const lineage = { codeCommit: "c0ffee", parentVersion: "7" };
    const v1 = await seedVersion(first, model, { "model.bin": randomBytes(prng(9), 2 * BLOCK + 5) }, { lineage, metrics: { auc: 0.8 }, aliases: ["champion"] });
    const ws = azure("workspace");
    const reg = azure("registry");
    const { registry: last } = await freshRegistry({ actor: "target" });
    for (const [source, target, name] of [
      [first, ws, "local"],
      [ws, reg, "azure-ws"],
      [reg, last, "azure-reg"],
    ] as Array<[ModelRegistry, ModelRegistry, string]>) {
      const plan = await planSync({ source, target, models: [model], sourceName: name });
      // Each hop replaces the previous hop's sync tags with its own, and says so.
      expect(plan.items.flatMap((i) => i.warnings.map((w) => w.code))).toEqual(name === "local" ? [] : ["provenance-replaced"]);
      const report = await syncRegistries({ source, target, models: [model], sourceName: name });
      expect(report.failures).toEqual([]);
      expect(report.counts.created).toBe(1);
    }
    const end = await last.getVersion(`${model}@champion`);
    expect(end.artifacts.digest).toBe(v1.artifacts.digest);
    expect(originOf(end)).toEqual({ registry: "azure-reg", model, version: "1", digest: v1.artifacts.digest });
    expect(end.lineage).toEqual({ ...lineage, syncedFrom: { registry: "azure-reg", model, version: "1", digest: v1.artifacts.digest } });
    await expectSameFiles(first, `${model}/1`, last, end);
    expect(originOf(await reg.getVersion(`${model}/1`))).toMatchObject({ registry: "azure-ws" });
  });
});
