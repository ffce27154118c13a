// The Azure ML ARM fake on its own, over real sockets with fetch: its contract is what scripts/derive-azureml-contract.mjs
// derives from the azure-ai-ml 1.35.2 wheel today, its answers fit the contract's response types, and it behaves as the
// reference says Azure does (version numbering, refused modelUri changes, long-running operations, paging, body and
// auth checks, traffic rules, SAS tokens Azurite takes). The blob parts use the azure project's Azurite (or start one with
// test/support/azurite.ts) and are skipped without either.
import { existsSync, readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ArmFake, ASSET_PATH_ERROR, startArmFake } from "./arm-fake.js";
import { CONTRACT_PATH, contract, responseProblems, typeProblems } from "./arm-fake-contract.js";
import { loopbackCert } from "../../support/self-signed.js";
import { serviceSas } from "./blob-sas.js";

const SUB = "0b5c3e6a-2f0d-4c6e-9a55-6b1f2e3d4c5b";
const RG = "rg-models";
const WS = "ws-one";
const REG = "reg-one";
const W = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.MachineLearningServices/workspaces/${WS}`;
const R = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.MachineLearningServices/registries/${REG}`;
const STABLE = "2025-12-01";

interface Blob {
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  stop(): Promise<void>;
}

let azurite: Blob | undefined;
let fake: ArmFake;
const fakes: ArmFake[] = [];

const AZURITE_HELPER = fileURLToPath(new URL("../../support/azurite.ts", import.meta.url));
/** Whether the blob tests can run: the azure project's Azurite, or the helper to start one. */
const blobAvailable = inject("azurite") !== undefined || existsSync(AZURITE_HELPER);

/** The azure project's Azurite, else one of our own through the shared helper; without either the blob tests are skipped. */
async function startBlob(): Promise<Blob | undefined> {
  const provided = inject("azurite");
  if (provided) return { ...provided, stop: async () => {} };
  if (!existsSync(AZURITE_HELPER)) return undefined;
  const { startAzurite } = (await import(pathToFileURL(AZURITE_HELPER).href)) as { startAzurite: () => Promise<Blob> };
  return startAzurite();
}

async function newFake(options: Partial<Parameters<typeof startArmFake>[0]> = {}): Promise<ArmFake> {
  const blob = azurite
    ? { endpoint: azurite.blobEndpoint, accountName: azurite.accountName, accountKey: azurite.accountKey }
    : // Nothing listens there: only the blob tests would reach it, and they are skipped.
      { endpoint: "http://127.0.0.1:9/devstoreaccount1", accountName: "devstoreaccount1", accountKey: Buffer.from("not-a-key").toString("base64") };
  const started = await startArmFake({ subscriptionId: SUB, resourceGroup: RG, workspace: WS, registry: REG, blob, pageSize: 2, lroPolls: 1, ...options });
  fakes.push(started);
  return started;
}

beforeAll(async () => {
  azurite = await startBlob();
  fake = await newFake();
});
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  await azurite?.stop();
});

type CallInit = { body?: unknown; raw?: string; token?: string | null; apiVersion?: string | null; headers?: Record<string, string>; on?: ArmFake };

/** A request to the fake: `path` under its URL (or a full URL), the stable api-version unless told. */
async function call(method: string, path: string, init: CallInit = {}) {
  const target = init.on ?? fake;
  const url = new URL(path.startsWith("http") ? path : `${target.url}${path}`);
  const apiVersion = init.apiVersion === undefined ? STABLE : init.apiVersion;
  if (apiVersion !== null && !url.searchParams.has("api-version")) url.searchParams.set("api-version", apiVersion);
  const token = init.token === undefined ? target.token : init.token;
  const headers: Record<string, string> = { ...(token !== null && { Authorization: `Bearer ${token}` }), ...init.headers };
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["Content-Type"] ??= "application/json";
  }
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

/** Asserts a body fits the contract's response type of `operation`. */
function conforms(operation: string, body: unknown) {
  const op = contract.operations.find((o) => o.id === operation);
  if (!op) throw new Error(`no operation ${operation}`);
  expect(responseProblems(op, body)).toEqual([]);
}

/** Asserts an ARM ErrorResponse with `code`. */
function armError(result: { json: unknown }, code: string) {
  expect(result.json).toMatchObject({ error: { code, message: expect.any(String), details: expect.any(Array) } });
  expect(typeProblems("ErrorResponse", result.json, "response")).toEqual([]);
}

let models = 0;
const newModel = () => `model-${++models}`;
const modelUri = (folder: string) => `azureml://subscriptions/${SUB}/resourcegroups/${RG}/workspaces/${WS}/datastores/workspaceblobstore/paths/${folder}`;
const versionBody = (uri: string, extra: Record<string, unknown> = {}) => ({ properties: { modelUri: uri, modelType: "custom_model", ...extra } });

/** Polls an operation URL until it ends; returns the answers. */
async function pollToEnd(url: string, max = 10) {
  const answers: Array<Awaited<ReturnType<typeof call>>> = [];
  for (let i = 0; i < max; i++) {
    const answer = await call("GET", url, { apiVersion: null });
    answers.push(answer);
    if (answer.status !== 202 && answer.json?.status !== "InProgress") return answers;
  }
  throw new Error(`the operation did not end within ${max} polls`);
}

describe("the Azure ML contract", () => {
  it("is what scripts/derive-azureml-contract.mjs derives from the azure-ai-ml 1.35.2 wheel now", async (t) => {
    const script = pathToFileURL(join(import.meta.dirname, "../../../scripts/derive-azureml-contract.mjs")).href;
    const { deriveAzureMlContract, cachedWheel } = (await import(script)) as {
      deriveAzureMlContract: (o: { wheel: string }) => unknown;
      cachedWheel: () => string | undefined;
    };
    const wheel = cachedWheel();
    if (!wheel) t.skip(); // npm run derive:azureml-contract downloads it into .cache/azureml
    expect(JSON.parse(readFileSync(CONTRACT_PATH, "utf8"))).toEqual(deriveAzureMlContract({ wheel: wheel as string }));
  });

  it("holds the operations, api-versions and types the fake needs", () => {
    const byId = new Map(contract.operations.map((o) => [o.id, o]));
    expect(byId.get("ModelVersions_CreateOrUpdate")).toMatchObject({
      method: "PUT",
      apiVersions: [STABLE, "2023-08-01-preview"],
      body: "ModelVersion",
      statuses: [200, 201],
    });
    expect(byId.get("RegistryModelVersions_CreateOrUpdate")).toMatchObject({ lro: true, headers: { "201": expect.arrayContaining(["Azure-AsyncOperation"]) } });
    expect(byId.get("RegistryModelVersions_Delete")).toMatchObject({
      lro: true,
      statuses: [200, 202, 204],
      headers: { "202": expect.arrayContaining(["Location"]) },
    });
    expect(byId.get("ModelVersions_List")?.query).toEqual(expect.arrayContaining(["$orderBy", "$top", "$skip", "listViewType", "tags", "properties", "stage"]));
    expect(byId.get("Datastores_ListSecrets")?.apiVersions).toContain("2024-10-01-preview");
    expect(contract.types.DatastoreSecrets?.discriminator?.mapping).toEqual({ AccountKey: "AccountKeyDatastoreSecrets", Sas: "SasDatastoreSecrets" });
  });

  it("refuses unknown fields, wrong types, missing required fields, unsupported discriminators, and skips read-only fields", () => {
    expect(typeProblems("ModelVersion", versionBody("azureml://x"))).toEqual([]);
    expect(typeProblems("ModelVersion", { id: "/x", properties: { provisioningState: "Succeeded" } })).toEqual([]);
    expect(typeProblems("ModelVersion", { properties: { modelUri: 1, colour: "red" } })).toEqual([
      "$.properties.modelUri: expected string, got number",
      "$.properties.colour: unknown field",
    ]);
    expect(typeProblems("ModelVersion", {})).toEqual(["$.properties: required"]);
    expect(typeProblems("OnlineDeployment", { location: "eastus", properties: { endpointComputeType: "Kubernetes" } })).toEqual([
      '$.properties.endpointComputeType: "Kubernetes" is not supported (one of Managed)',
    ]);
    expect(typeProblems("OnlineEndpoint", { location: "eastus", properties: { authMode: "key", traffic: { blue: 1.5 } } })).toEqual([
      "$.properties.traffic.blue: expected integer, got number 1.5",
    ]);
  });
});

describe("every request", () => {
  it("needs the bearer token: 401 with an ARM error body without it or with another", async () => {
    const missing = await call("GET", `${W}/models`, { token: null });
    expect(missing.status).toBe(401);
    armError(missing, "AuthenticationFailed");
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const wrong = await call("GET", `${W}/models`, { token: "someone-else" });
    expect(wrong.status).toBe(401);
    armError(wrong, "InvalidAuthenticationToken");
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", operation: "ModelContainers_List", authorized: false, status: 401 });
    const put = await call("PUT", `${W}/models/${newModel()}/versions/1`, { token: null, body: versionBody(modelUri("x")) });
    expect(put.status).toBe(401);
    expect((await call("GET", `${W}/models`)).status).toBe(200);
  });

  it("needs an api-version the operation has", async () => {
    armError(await call("GET", `${W}/models`, { apiVersion: null }), "MissingApiVersionParameter");
    const unknown = await call("GET", `${W}/models`, { apiVersion: "2099-01-01" });
    expect(unknown.status).toBe(400);
    armError(unknown, "NoRegisteredProviderFound");
    // The older versions MLClient pins are taken where it sends them, and only there.
    expect((await call("GET", `${W}/models`, { apiVersion: "2023-08-01-preview" })).status).toBe(200);
    expect((await call("GET", `${W}/datastores/workspaceblobstore`, { apiVersion: "2024-10-01-preview" })).status).not.toBe(400);
    expect((await call("GET", `${R}/models`, { apiVersion: "2021-10-01-dataplanepreview" })).status).toBe(200);
    expect((await call("GET", `${W}/models`, { apiVersion: "2021-10-01-dataplanepreview" })).status).toBe(400);
    expect((await call("DELETE", `${R}/models/x`, { apiVersion: "2021-10-01-dataplanepreview" })).status).toBe(400);
    // One azure-ai-ml operations class calls another's operation through its own client: the deployments' client
    // checks the endpoint at 2023-04-01-preview, the endpoints' lists deployments at 2022-02-01-preview. Only those.
    const E = `${W}/onlineEndpoints/no-such-ep`;
    expect((await call("GET", E, { apiVersion: "2023-04-01-preview" })).status).toBe(404);
    expect((await call("GET", `${E}/deployments`, { apiVersion: "2022-02-01-preview" })).status).toBe(404);
    expect((await call("DELETE", E, { apiVersion: "2023-04-01-preview" })).status).toBe(400);
    expect((await call("GET", `${E}/deployments/blue`, { apiVersion: "2022-02-01-preview" })).status).toBe(400);
  });

  it("answers unknown routes, methods and parents with 404/405 ARM errors", async () => {
    const route = await call("GET", `${W}/jobs`);
    expect(route.status).toBe(404);
    armError(route, "NotFound");
    const method = await call("PATCH", `${W}/models/x`);
    expect(method.status).toBe(405);
    armError(method, "MethodNotAllowed");
    armError(await call("GET", `${W.replace(WS, "elsewhere")}/models`), "ResourceNotFound");
    armError(await call("GET", `${W.replace(RG, "rg-other")}/models`), "ResourceGroupNotFound");
    armError(await call("GET", `${W.replace(SUB, "00000000-0000-0000-0000-000000000000")}/models`), "SubscriptionNotFound");
    // ARM's fixed segments are case-insensitive, as are resource group and workspace names.
    expect((await call("GET", `${W.replace("resourceGroups", "resourcegroups").replace(WS, WS.toUpperCase())}/models`)).status).toBe(200);
  });

  it("answers the workspace, for its region", async () => {
    const got = await call("GET", W, { apiVersion: "2024-10-01-preview" });
    expect(got.status).toBe(200);
    conforms("Workspaces_Get", got.json);
    expect(got.json).toMatchObject({ id: W, name: WS, location: "eastus", properties: { workspaceId: expect.any(String) } });
    expect((await call("GET", R)).status).toBe(404);
  });

  it("serves HTTPS with the certificate it is given, writing URLs with its hostname", async () => {
    const tls = await loopbackCert();
    const secure = await newFake({ https: { cert: tls.cert, key: tls.key }, hostname: "localhost" });
    expect(secure.url).toMatch(/^https:\/\/localhost:\d+$/);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${secure.url}${R}/models/m/versions/1?api-version=${STABLE}`, {
        method: "PUT",
        ca: tls.ca,
        headers: { Authorization: `Bearer ${secure.token}`, "Content-Type": "application/json" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end(JSON.stringify(versionBody("https://storage.example/c/tls")));
    });
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body).properties.provisioningState).toBe("Creating");
  });

  it("checks the body against the contract", async () => {
    const path = `${W}/models/${newModel()}/versions/1`;
    const unknown = await call("PUT", path, { body: { properties: { modelUri: modelUri("a"), modelUrl: "typo" } } });
    expect(unknown.status).toBe(400);
    armError(unknown, "UserError");
    expect(unknown.json.error.details).toEqual([expect.objectContaining({ message: "$.properties.modelUrl: unknown field" })]);
    const wrongType = await call("PUT", path, { body: { properties: { modelUri: modelUri("a"), tags: { a: 1 } } } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.message).toContain("$.properties.tags.a: expected string, got number");
    expect((await call("PUT", path, { body: {} })).status).toBe(400);
    expect((await call("PUT", path, { raw: "{not json", headers: { "Content-Type": "application/json" } })).status).toBe(400);
    expect((await call("PUT", path, { raw: JSON.stringify(versionBody(modelUri("a"))), headers: { "Content-Type": "text/plain" } })).status).toBe(415);
    expect((await call("PUT", path, {})).status).toBe(400);
    // Nothing was made by the refused requests.
    expect((await call("GET", path)).status).toBe(404);
    // Read-only fields are ignored: what a GET answered can be PUT back.
    const created = await call("PUT", path, { body: versionBody(modelUri("a")) });
    expect(created.status).toBe(201);
    expect((await call("PUT", path, { body: created.json })).status).toBe(200);
  });
});

describe("workspace models", () => {
  it("number versions from the container's nextVersion, which never goes down after deletes", async () => {
    const name = newModel();
    const container = `${W}/models/${name}`;
    armError(await call("GET", container), "UserError"); // 404: the SDK then starts at "1"
    expect((await call("GET", container)).status).toBe(404);
    const v1 = await call("PUT", `${container}/versions/1`, { body: versionBody(modelUri(`${name}/a`), { tags: { team: "fraud" } }) });
    expect(v1.status).toBe(201);
    conforms("ModelVersions_CreateOrUpdate", v1.json);
    expect(v1.json).toMatchObject({
      id: `${W}/models/${name}/versions/1`,
      name: "1",
      type: "Microsoft.MachineLearningServices/workspaces/models/versions",
      systemData: { createdAt: expect.any(String), createdBy: "tester@example.com" },
      properties: { modelUri: modelUri(`${name}/a`), flavors: {}, provisioningState: "Succeeded", isArchived: false, tags: { team: "fraud" } },
    });
    let got = await call("GET", container);
    conforms("ModelContainers_Get", got.json);
    expect(got.json.properties).toMatchObject({ nextVersion: "2", latestVersion: "1" });
    expect((await call("PUT", `${container}/versions/2`, { body: versionBody(modelUri(`${name}/b`)) })).status).toBe(201);
    expect((await call("PUT", `${container}/versions/7`, { body: versionBody(modelUri(`${name}/c`)) })).status).toBe(201);
    expect((await call("GET", container)).json.properties).toMatchObject({ nextVersion: "8", latestVersion: "7" });
    expect((await call("DELETE", `${container}/versions/7`)).status).toBe(200);
    expect((await call("DELETE", `${container}/versions/7`)).status).toBe(204);
    got = await call("GET", container);
    expect(got.json.properties).toMatchObject({ nextVersion: "8", latestVersion: "2" });
    // A non-numeric version does not move the number.
    expect((await call("PUT", `${container}/versions/candidate`, { body: versionBody(modelUri(`${name}/d`)) })).status).toBe(201);
    expect((await call("GET", container)).json.properties.nextVersion).toBe("8");
  });

  it("refuse a PUT that changes modelUri, and update everything else", async () => {
    const path = `${W}/models/${newModel()}/versions/1`;
    expect((await call("PUT", path, { body: versionBody(modelUri("one"), { description: "first" }) })).status).toBe(201);
    const moved = await call("PUT", path, { body: versionBody(modelUri("two")) });
    expect(moved.status).toBe(400);
    armError(moved, "UserError");
    expect(moved.json.error.message).toBe(ASSET_PATH_ERROR);
    const again = await call("PUT", path, { body: versionBody(modelUri("one"), { stage: "Production", isArchived: true }) });
    expect(again.status).toBe(200);
    const got = await call("GET", path);
    expect(got.json.properties).toMatchObject({ modelUri: modelUri("one"), stage: "Production", isArchived: true, description: null });
    expect(got.json.systemData.createdAt).toBe(again.json.systemData.createdAt);
    expect(got.json.systemData.lastModifiedAt > got.json.systemData.createdAt).toBe(true);
  });

  it("list versions newest first or oldest first, filtered, and paged through nextLink", async () => {
    const name = newModel();
    const base = `${W}/models/${name}/versions`;
    const made = [
      { v: "1", tags: { team: "a" }, stage: "Development" },
      { v: "2", tags: { team: "b" }, stage: "Staging" },
      { v: "3", tags: { team: "a", gold: "yes" }, stage: "Production" },
      { v: "4", tags: {}, stage: "Archived", isArchived: true },
      { v: "5", tags: { team: "a" }, stage: "Development" },
    ];
    for (const m of made)
      expect(
        (
          await call("PUT", `${base}/${m.v}`, {
            body: versionBody(modelUri(`${name}/${m.v}`), { tags: m.tags, stage: m.stage, isArchived: m.isArchived ?? false }),
          })
        ).status,
      ).toBe(201);
    const all = async (query: string) => {
      const names: string[] = [];
      let next: string | undefined = `${fake.url}${base}?api-version=${STABLE}${query}`;
      let pages = 0;
      while (next) {
        const got = await call("GET", next);
        expect(got.status).toBe(200);
        conforms("ModelVersions_List", got.json);
        names.push(...got.json.value.map((v: { name: string }) => v.name));
        next = got.json.nextLink;
        pages++;
      }
      return { names, pages };
    };
    expect(await all("&$orderBy=createdtime desc")).toEqual({ names: ["5", "3", "2", "1"], pages: 2 });
    expect((await all("&$orderBy=createdtime asc")).names).toEqual(["1", "2", "3", "5"]);
    expect((await all("&$orderBy=createdtime desc&$top=1")).names).toEqual(["5"]);
    expect((await all("&listViewType=ArchivedOnly")).names).toEqual(["4"]);
    expect((await all("&listViewType=All&$orderBy=createdtime asc")).names).toEqual(["1", "2", "3", "4", "5"]);
    expect((await all("&tags=team=a&$orderBy=createdtime asc")).names).toEqual(["1", "3", "5"]);
    expect((await all("&tags=team=a,gold")).names).toEqual(["3"]);
    expect((await all("&stage=Development&$orderBy=createdtime asc")).names).toEqual(["1", "5"]);
    expect((await call("GET", `${base}?$skip=garbage`)).status).toBe(400);
    expect((await call("GET", `${base}?$orderBy=name`)).status).toBe(400);
    // A model without versions lists empty.
    expect((await call("GET", `${W}/models/${newModel()}/versions`)).json).toEqual({ value: [] });
  });

  it("list containers with paging and archive views, and delete a container with its versions", async () => {
    const names = [newModel(), newModel(), newModel()];
    for (const n of names) expect((await call("PUT", `${W}/models/${n}/versions/1`, { body: versionBody(modelUri(n)) })).status).toBe(201);
    const archived = await call("PUT", `${W}/models/${names[2]}`, { body: { properties: { isArchived: true, description: "old" } } });
    expect(archived.status).toBe(200);
    conforms("ModelContainers_CreateOrUpdate", archived.json);
    const listed: string[] = [];
    let next: string | undefined = `${W}/models`;
    while (next) {
      const got = await call("GET", next);
      conforms("ModelContainers_List", got.json);
      expect(got.json.value.length).toBeLessThanOrEqual(2);
      listed.push(...got.json.value.map((c: { name: string }) => c.name));
      next = got.json.nextLink;
    }
    expect(listed).toEqual(expect.arrayContaining(names.slice(0, 2)));
    expect(listed).not.toContain(names[2]);
    expect((await call("DELETE", `${W}/models/${names[0]}`)).status).toBe(200);
    expect((await call("GET", `${W}/models/${names[0]}/versions/1`)).status).toBe(404);
    expect((await call("DELETE", `${W}/models/${names[0]}`)).status).toBe(204);
  });
});

describe("registry models", () => {
  it("make a version through a long-running operation, visible only once it has succeeded", async () => {
    const name = newModel();
    const path = `${R}/models/${name}/versions/1`;
    const put = await call("PUT", path, { body: versionBody("https://storage.example/c/x") });
    expect(put.status).toBe(201);
    expect(put.headers.get("retry-after")).toBe("0");
    expect(put.json.properties.provisioningState).toBe("Creating");
    const status = put.headers.get("azure-asyncoperation") as string;
    expect(status).toMatch(new RegExp(`^${fake.url}/subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/locations/eastus/mfeOperationsStatus/`));
    expect((await call("GET", path)).status).toBe(404);
    expect((await call("GET", `${R}/models/${name}`)).status).toBe(404);
    const polls = await pollToEnd(status);
    expect(polls.map((p) => p.json.status)).toEqual(["InProgress", "Succeeded"]);
    expect(polls[1]?.json).toMatchObject({ name: expect.any(String), startTime: expect.any(String), endTime: expect.any(String) });
    const got = await call("GET", path);
    expect(got.status).toBe(200);
    conforms("RegistryModelVersions_Get", got.json);
    expect(got.json).toMatchObject({ type: "Microsoft.MachineLearningServices/registries/models/versions", properties: { provisioningState: "Succeeded" } });
    expect((await call("GET", `${R}/models/${name}`)).json.properties).toMatchObject({ nextVersion: "2", latestVersion: "1" });
    // An operation URL needs the token too.
    expect((await call("GET", status, { apiVersion: null, token: null })).status).toBe(401);
  });

  it("delete through Location polling; a deleted version cannot be made again", async () => {
    const name = newModel();
    const path = `${R}/models/${name}/versions/1`;
    await pollToEnd((await call("PUT", path, { body: versionBody("https://storage.example/c/y") })).headers.get("azure-asyncoperation") as string);
    const del = await call("DELETE", path);
    expect(del.status).toBe(202);
    const location = del.headers.get("location") as string;
    expect(location).toContain("/mfeOperationResults/");
    expect((await call("GET", path)).status).toBe(200);
    const polls = await pollToEnd(location);
    expect(polls.map((p) => p.status)).toEqual([202, 204]);
    expect((await call("GET", path)).status).toBe(404);
    expect((await call("DELETE", path)).status).toBe(204);
    expect((await call("PUT", path, { body: versionBody("https://storage.example/c/y") })).status).toBe(400);
    expect((await call("GET", `${R}/models/${name}`)).json.properties.nextVersion).toBe("2");
  });

  it("fail an operation when told to, leaving nothing made", async () => {
    const name = newModel();
    fake.failOperation({ operation: "RegistryModelVersions_CreateOrUpdate" }, { code: "InternalServerError", message: "boom" });
    const put = await call("PUT", `${R}/models/${name}/versions/1`, { body: versionBody("https://storage.example/c/z") });
    const polls = await pollToEnd(put.headers.get("azure-asyncoperation") as string);
    expect(polls.at(-1)?.json).toMatchObject({ status: "Failed", error: { code: "InternalServerError", message: "boom" } });
    expect((await call("GET", `${R}/models/${name}/versions/1`)).status).toBe(404);
  });

  it("fail the later of two racing creates of one version with the modelUri refusal", async () => {
    const path = `${R}/models/${newModel()}/versions/1`;
    const first = await call("PUT", path, { body: versionBody("https://storage.example/c/first") });
    const second = await call("PUT", path, { body: versionBody("https://storage.example/c/second") });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((await pollToEnd(first.headers.get("azure-asyncoperation") as string)).at(-1)?.json.status).toBe("Succeeded");
    const lost = (await pollToEnd(second.headers.get("azure-asyncoperation") as string)).at(-1)?.json;
    expect(lost).toMatchObject({ status: "Failed", error: { code: "UserError", message: ASSET_PATH_ERROR } });
    expect((await call("GET", path)).json.properties.modelUri).toBe("https://storage.example/c/first");
  });

  it("refuse names outside the registry's pattern", async () => {
    expect((await call("PUT", `${R}/models/-bad/versions/1`, { body: versionBody("https://storage.example/c/q") })).status).toBe(400);
  });
});

describe("online endpoints", () => {
  const endpoint = (properties: Record<string, unknown> = {}) => ({ location: "eastus", properties: { authMode: "Key", ...properties } });
  const ENV_ID = `${W}/environments/sklearn-env/versions/1`;
  /** A deployment of `model`, with an environment unless `environmentId` is `null`. */
  const deployment = (model: string, environmentId: string | null = ENV_ID) => ({
    location: "eastus",
    sku: { name: "Default", capacity: 1 },
    properties: { endpointComputeType: "Managed", model, instanceType: "Standard_DS3_v2", ...(environmentId !== null && { environmentId }) },
  });

  async function made(path: string, body: unknown) {
    const put = await call("PUT", path, { body });
    expect([200, 201]).toContain(put.status);
    const end = (await pollToEnd(put.headers.get("azure-asyncoperation") as string)).at(-1);
    expect(end?.json.status).toBe("Succeeded");
    return put;
  }

  it("keep traffic to existing deployments summing to 0 or 100, and refuse deleting a deployment with traffic", async () => {
    const e = `${W}/onlineEndpoints/ep-traffic`;
    const modelPath = `${W}/models/${newModel()}/versions/1`;
    expect((await call("PUT", modelPath, { body: versionBody(modelUri("ep")) })).status).toBe(201);
    const model = modelPath;
    armError(await call("PUT", e, { body: endpoint({ traffic: { blue: 100 } }) }), "UserError");
    const created = await made(e, endpoint());
    expect(created.status).toBe(201);
    conforms("OnlineEndpoints_CreateOrUpdate", created.json);
    expect((await call("PUT", `${e}/deployments/blue`, { body: deployment(`${W}/models/nothing/versions/1`) })).status).toBe(400);
    const blue = await made(`${e}/deployments/blue`, deployment(model));
    conforms("OnlineDeployments_CreateOrUpdate", blue.json);
    await made(`${e}/deployments/green`, deployment(model));
    expect((await call("PUT", e, { body: endpoint({ traffic: { blue: 50 } }) })).status).toBe(400);
    expect((await call("PUT", e, { body: endpoint({ traffic: { blue: 100, red: 0 } }) })).status).toBe(400);
    expect((await call("PUT", e, { body: endpoint({ traffic: { blue: 100 }, mirrorTraffic: { green: 60 } }) })).status).toBe(400);
    expect((await call("PUT", e, { body: endpoint({ traffic: { blue: 100 }, mirrorTraffic: { blue: 10 } }) })).status).toBe(400);
    const split = await made(e, endpoint({ traffic: { blue: 90, green: 10 }, mirrorTraffic: {} }));
    expect(split.status).toBe(200);
    const got = await call("GET", e);
    conforms("OnlineEndpoints_Get", got.json);
    expect(got.json.properties).toMatchObject({
      traffic: { blue: 90, green: 10 },
      provisioningState: "Succeeded",
      scoringUri: expect.stringContaining("ep-traffic"),
    });
    const refused = await call("DELETE", `${e}/deployments/green`);
    expect(refused.status).toBe(400);
    armError(refused, "UserError");
    await made(e, endpoint({ traffic: { blue: 100, green: 0 } }));
    const del = await call("DELETE", `${e}/deployments/green`);
    expect(del.status).toBe(202);
    expect((await pollToEnd(del.headers.get("location") as string)).at(-1)?.status).toBe(204);
    const listed = await call("GET", `${e}/deployments`);
    conforms("OnlineDeployments_List", listed.json);
    expect(listed.json.value.map((d: { name: string }) => d.name)).toEqual(["blue"]);
  });

  it("refuse a deployment with no environment of a model that is not an MLflow or Triton model", async () => {
    const e = `${W}/onlineEndpoints/ep-env`;
    await made(e, endpoint());
    const model = async (modelType: string | null) => {
      const path = `${W}/models/${newModel()}/versions/1`;
      const body = versionBody(modelUri("env"));
      if (modelType === null) delete (body.properties as Record<string, unknown>).modelType;
      else body.properties.modelType = modelType;
      expect((await call("PUT", path, { body })).status).toBe(201);
      return path;
    };
    for (const [name, type] of [
      ["custom", "custom_model"],
      ["untyped", null],
    ] as const) {
      const refused = await call("PUT", `${e}/deployments/${name}`, { body: deployment(await model(type), null) });
      expect(refused.status).toBe(400);
      armError(refused, "UserError");
      expect(refused.json.error.message).toMatch(/environment/i);
      expect((await call("GET", `${e}/deployments/${name}`)).status).toBe(404);
      await made(`${e}/deployments/${name}`, deployment(await model(type)));
    }
    await made(`${e}/deployments/mlflow`, deployment(await model("mlflow_model"), null));
    await made(`${e}/deployments/triton`, deployment(await model("triton_model"), null));
    // A model the fake does not keep (another workspace's) passes, as before.
    await made(`${e}/deployments/other`, deployment(`${W.replace(/workspaces\/[^/]+$/, "workspaces/other-ws")}/models/x/versions/1`, null));
  });

  it("refuse writes while an operation runs, and delete an endpoint with its deployments", async () => {
    const e = `${W}/onlineEndpoints/ep-busy`;
    const put = await call("PUT", e, { body: endpoint() });
    expect((await call("GET", e)).json.properties.provisioningState).toBe("Creating");
    armError(await call("PUT", e, { body: endpoint() }), "Conflict");
    await pollToEnd(put.headers.get("azure-asyncoperation") as string);
    await made(`${e}/deployments/blue`, deployment("azureml:whatever:1"));
    const del = await call("DELETE", e);
    expect(del.status).toBe(202);
    await pollToEnd(del.headers.get("location") as string);
    expect((await call("GET", e)).status).toBe(404);
    expect((await call("GET", `${e}/deployments/blue`)).status).toBe(404);
  });

  it("leave a failed deployment in state Failed", async () => {
    const e = `${W}/onlineEndpoints/ep-fails`;
    await made(e, endpoint());
    fake.failOperation({ operation: "OnlineDeployments_CreateOrUpdate" }, { code: "DeploymentFailed", message: "image build failed" });
    const put = await call("PUT", `${e}/deployments/blue`, { body: deployment("azureml:whatever:1") });
    expect((await pollToEnd(put.headers.get("azure-asyncoperation") as string)).at(-1)?.json.status).toBe("Failed");
    expect((await call("GET", `${e}/deployments/blue`)).json.properties.provisioningState).toBe("Failed");
    expect((await call("PUT", e, { body: endpoint({ traffic: { blue: 100 } }) })).status).toBe(400);
  });
});

describe("faults", () => {
  it("answers 429 with Retry-After, then serves the next request", async () => {
    fake.failNext({ operation: "ModelContainers_List" }, 429);
    const throttled = await call("GET", `${W}/models`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    armError(throttled, "SubscriptionRequestsThrottled");
    expect((await call("GET", `${W}/models`)).status).toBe(200);
  });

  it("cuts the connection before or after acting", async () => {
    const path = `${W}/models/${newModel()}/versions/1`;
    fake.failNext({ method: "PUT", path: /versions\/1$/ }, "reset");
    await expect(call("PUT", path, { body: versionBody(modelUri("r")) })).rejects.toThrow();
    expect((await call("GET", path)).status).toBe(404);
    fake.failNext({ method: "PUT", path: /versions\/1$/ }, "reset-after");
    await expect(call("PUT", path, { body: versionBody(modelUri("r")) })).rejects.toThrow();
    expect((await call("GET", path)).status).toBe(200);
    expect(fake.requests.filter((r) => r.path === new URL(`${fake.url}${path}`).pathname && r.method === "PUT").map((r) => r.status)).toEqual([0, 0]);
  });
});

describe.skipIf(!blobAvailable)("storage behind Azurite", () => {
  const put = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: "PUT", body, headers: { "x-ms-blob-type": "BlockBlob", "x-ms-version": "2025-05-05", ...headers } });
  const blobUrl = (base: string, name: string, sas: string) => `${base}/${name}?${sas}`;

  it("names the datastore's container, whose account key writes there", async () => {
    const got = await call("GET", `${W}/datastores/workspaceblobstore`);
    expect(got.status).toBe(200);
    conforms("Datastores_Get", got.json);
    const p = got.json.properties;
    expect(p).toMatchObject({
      datastoreType: "AzureBlob",
      accountName: "devstoreaccount1",
      protocol: "http",
      credentials: { credentialsType: "AccountKey" },
      isDefault: true,
    });
    const secrets = await call("POST", `${W}/datastores/workspaceblobstore/listSecrets`, { body: { expirableSecret: true, expireAfterHours: 1 } });
    conforms("Datastores_ListSecrets", secrets.json);
    expect(secrets.json).toEqual({ secretsType: "AccountKey", key: azurite?.accountKey });
    const base = `${p.protocol}://${p.endpoint}/${p.accountName}/${p.containerName}`;
    const sas = serviceSas({
      accountName: p.accountName,
      accountKey: secrets.json.key,
      container: p.containerName,
      permissions: "rcw",
      expiresOn: new Date(Date.now() + 600_000),
    });
    expect((await put(blobUrl(base, "modelreg/m/x.bin", sas), "hello", { "If-None-Match": "*" })).status).toBe(201);
    expect((await put(blobUrl(base, "modelreg/m/x.bin", sas), "again", { "If-None-Match": "*" })).status).toBe(409);
    const tampered = sas.replace(/sig=[^&]+/, `sig=${encodeURIComponent(Buffer.alloc(32).toString("base64"))}`);
    expect((await put(blobUrl(base, "modelreg/m/y.bin", tampered), "x")).status).toBe(403);
  });

  it("lists a SAS for a Sas datastore, and refuses to list secrets of an identity-based one", async () => {
    const sasFake = await newFake({ datastoreCredentials: "Sas" });
    const p = (await call("GET", `${W}/datastores/workspaceblobstore`, { on: sasFake })).json.properties;
    expect(p.credentials).toEqual({ credentialsType: "Sas" });
    const secrets = await call("POST", `${W}/datastores/workspaceblobstore/listSecrets`, { on: sasFake, body: { expirableSecret: true, expireAfterHours: 1 } });
    expect(secrets.json).toMatchObject({ secretsType: "Sas", sasToken: expect.stringMatching(/^sv=/) });
    const base = `${p.protocol}://${p.endpoint}/${p.accountName}/${p.containerName}`;
    expect((await put(blobUrl(base, "a.txt", secrets.json.sasToken), "via sas")).status).toBe(201);
    const none = await newFake({ datastoreCredentials: "None" });
    expect((await call("POST", `${W}/datastores/workspaceblobstore/listSecrets`, { on: none })).status).toBe(400);
  });

  it("hands out a fresh writable container per pending upload, and a read SAS for a registry version's files", async () => {
    const name = newModel();
    const start = await call("POST", `${R}/models/${name}/versions/1/startPendingUpload`, { body: { pendingUploadType: "TemporaryBlobReference" } });
    expect(start.status).toBe(200);
    conforms("RegistryModelVersions_CreateOrGetStartPendingUpload", start.json);
    const ref = start.json.blobReferenceForConsumption;
    expect(ref.credential.credentialType).toBe("SAS");
    expect(ref.blobUri.startsWith(`${azurite?.blobEndpoint}/`)).toBe(true);
    const [uri, sas] = ref.credential.sasUri.split("?");
    expect(uri).toBe(ref.blobUri);
    expect((await put(blobUrl(ref.blobUri, "files/w.bin", sas), "weights", { "If-None-Match": "*" })).status).toBe(201);
    const other = await call("POST", `${R}/models/${name}/versions/1/startPendingUpload`, { body: {} });
    expect(other.json.blobReferenceForConsumption.blobUri).not.toBe(ref.blobUri);
    const same = await call("POST", `${R}/models/${name}/versions/1/startPendingUpload`, { body: { pendingUploadId: start.json.pendingUploadId } });
    expect(same.json.blobReferenceForConsumption.blobUri).toBe(ref.blobUri);

    const folder = `${ref.blobUri}/files`;
    const body = { assetId: `azureml://registries/${REG}/models/${name}/versions/1`, blobUri: folder };
    expect((await call("POST", `${R}/datareferences/${name}/versions/1`, { body })).status).toBe(404);
    await pollToEnd((await call("PUT", `${R}/models/${name}/versions/1`, { body: versionBody(folder) })).headers.get("azure-asyncoperation") as string);
    const read = await call("POST", `${R}/datareferences/${name}/versions/1`, { body });
    expect(read.status).toBe(200);
    conforms("RegistryDataReferences_GetBlobReferenceSAS", read.json);
    const readSas = read.json.blobReferenceForConsumption.credential.sasUri.split("?")[1];
    const file = await fetch(`${folder}/w.bin?${readSas}`, { headers: { "x-ms-version": "2025-05-05" } });
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("weights");
    expect((await put(`${folder}/w2.bin?${readSas}`, "no")).status).toBe(403);
    expect((await call("POST", `${R}/datareferences/${name}/versions/1`, { body: { ...body, blobUri: "https://elsewhere.example/c/x" } })).status).toBe(400);
  });

  it("serves the registry data-plane forms azure-ai-ml sends", async () => {
    const name = newModel();
    const dp = "2021-10-01-dataplanepreview";
    const assetId = `azureml://registries/${REG}/models/${name}/versions/1`;
    const temp = await call("PUT", `${R}/tempdatarefs/${name}/versions/1`, {
      apiVersion: dp,
      body: { assetId, temporaryDataReferenceType: "TemporaryBlobReference" },
    });
    expect(temp.status).toBe(200);
    conforms("RegistryTemporaryDataReferences_CreateOrGet", temp.json);
    const container = temp.json.blobReferenceForConsumption.blobUri as string;
    const folder = `${container}/m`;
    // azure-ai-ml's version PUT carries properties.system_metadata (snake_case, null unless set), taken at the
    // data-plane api-version only, and kept nowhere.
    const withMetadata = versionBody(folder, { system_metadata: null });
    const stable = await call("PUT", `${R}/models/${name}/versions/1`, { body: withMetadata });
    expect(stable.status).toBe(400);
    expect(stable.text).toContain("system_metadata: unknown field");
    const made = await call("PUT", `${R}/models/${name}/versions/1`, { apiVersion: dp, body: withMetadata });
    expect(made.status).toBe(201);
    // There a registry version's id is its asset id, the only registry form azure-ai-ml parses; ARM's id elsewhere.
    expect(made.json.id).toBe(assetId);
    expect(made.json.properties).not.toHaveProperty("system_metadata");
    await pollToEnd(made.headers.get("azure-asyncoperation") as string);
    expect((await call("GET", `${R}/models/${name}/versions/1`, { apiVersion: dp })).json.id).toBe(assetId);
    expect((await call("GET", `${R}/models/${name}/versions/1`)).json.id).toBe(`${R}/models/${name}/versions/1`);
    expect((await call("GET", `${R}/models/${name}/versions`, { apiVersion: dp })).json.value.map((v: { id: string }) => v.id)).toEqual([assetId]);
    expect(
      (
        await call("PUT", `${R}/tempdatarefs/${name}/versions/1`, {
          apiVersion: dp,
          body: { assetId: "x", temporaryDataReferenceType: "TemporaryBlobReference" },
        })
      ).status,
    ).toBe(409);
    // models.list() sends the Python enum's str as the registry's listViewType; taken at the data-plane version only.
    const enumView = `${R}/models?listViewType=${encodeURIComponent("ListViewType.ACTIVE_ONLY")}`;
    const listed = await call("GET", enumView, { apiVersion: dp });
    expect(listed.status).toBe(200);
    expect(listed.json.value).toEqual((await call("GET", `${R}/models?listViewType=ActiveOnly`, { apiVersion: dp })).json.value);
    expect((await call("GET", enumView)).status).toBe(400);
    // The data-plane data reference answers a SAS on the container's URL (models.download opens it as a container);
    // ARM's answers it on the URI asked about.
    const refs = await call("POST", `${R}/datarefs/${name}/versions/1`, { apiVersion: dp, body: { assetId, blobUri: folder } });
    expect(refs.status).toBe(200);
    expect(refs.json.blobReferenceForConsumption.blobUri).toBe(folder);
    const [sasBase, sas] = refs.json.blobReferenceForConsumption.credential.sasUri.split("?");
    expect(sasBase).toBe(container);
    const list = await fetch(`${container}?restype=container&comp=list&${sas}`, { headers: { "x-ms-version": "2025-05-05" } });
    expect(list.status).toBe(200);
    const arm = await call("POST", `${R}/datareferences/${name}/versions/1`, { body: { assetId, blobUri: folder } });
    expect(arm.json.blobReferenceForConsumption.credential.sasUri).toContain(`${folder}?`);
  });

  it("writes registry blob URLs with publicEndpoint when given (host-style), and reads them back", async () => {
    if (!azurite) throw new Error("no Azurite");
    const port = new URL(azurite.blobEndpoint).port;
    const publicEndpoint = `http://${azurite.accountName}.blob.core.localhost:${port}`;
    await expect(
      newFake({
        blob: { endpoint: azurite.blobEndpoint, accountName: azurite.accountName, accountKey: azurite.accountKey, publicEndpoint: `${publicEndpoint}/x` },
      }),
    ).rejects.toThrow(/host-style/);
    const hosted = await newFake({
      blob: { endpoint: azurite.blobEndpoint, accountName: azurite.accountName, accountKey: azurite.accountKey, publicEndpoint },
    });
    const name = newModel();
    const dp = "2021-10-01-dataplanepreview";
    const assetId = `azureml://registries/${REG}/models/${name}/versions/1`;
    const temp = await call("PUT", `${R}/tempdatarefs/${name}/versions/1`, {
      on: hosted,
      apiVersion: dp,
      body: { assetId, temporaryDataReferenceType: "TemporaryBlobReference" },
    });
    const ref = temp.json.blobReferenceForConsumption;
    expect(ref.blobUri).toMatch(new RegExp(`^${publicEndpoint.replaceAll(".", "\\.")}/pending-[0-9a-f]+$`));
    expect(ref.credential.sasUri.split("?")[0]).toBe(ref.blobUri);
    const start = await call("POST", `${R}/models/${name}/versions/2/startPendingUpload`, {
      on: hosted,
      body: { pendingUploadType: "TemporaryBlobReference" },
    });
    expect(start.json.blobReferenceForConsumption.blobUri.startsWith(`${publicEndpoint}/pending-`)).toBe(true);
    // The container is the one the fake made in Azurite (reached path-style here).
    const container = (ref.blobUri as string).slice(publicEndpoint.length + 1);
    const sas = ref.credential.sasUri.split("?")[1];
    expect((await put(`${azurite.blobEndpoint}/${container}/m/a.bin?${sas}`, "a", { "If-None-Match": "*" })).status).toBe(201);
    const folder = `${ref.blobUri}/m`;
    await pollToEnd(
      (await call("PUT", `${R}/models/${name}/versions/1`, { on: hosted, apiVersion: dp, body: versionBody(folder) })).headers.get(
        "azure-asyncoperation",
      ) as string,
    );
    // Data references take the host-style URI and the path-style one alike.
    for (const blobUri of [folder, `${azurite.blobEndpoint}/${container}/m`]) {
      const refs = await call("POST", `${R}/datarefs/${name}/versions/1`, { on: hosted, apiVersion: dp, body: { assetId, blobUri } });
      expect(refs.status, blobUri).toBe(200);
    }
  });
});
