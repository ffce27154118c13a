// The Azure ML adapter's reads and changes besides createVersion, in a workspace and in an Azure ML registry, against
// the ARM fake (paging two items a page, so every listing crosses Azure's pages) and Azurite: versions another tool
// made (short, long and single-file modelUris, stages and archive as Azure users set them, a record that names another
// model), stages on Azure's stage field, aliases as container tags users see, paging and page tokens, and where the
// ARM token and the SAS signatures may and may not go.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError, type ModelRegistryError, UnsupportedCapabilityError } from "modelreg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { renderEveryWay } from "../support/canary.js";
import { tree, workspace as tempWorkspace } from "../support/hostile.js";
import { rejectionOf } from "../support/rejection.js";
import {
  armPut,
  armRaw,
  blobError,
  bytesOf,
  datastoreContainer,
  entries,
  isBlob,
  MODES,
  type Mode,
  modelBlobs,
  otherToolVersion,
  putBlob,
  recordingFetch,
  scopeOf,
  sha256,
  storedContainer,
  storedVersions,
  W,
} from "./support/adapter-helpers.js";
import { GROUP, SUBSCRIPTION, useAzureFakes } from "./support/setup.js";

/** The ARM token, shaped like an Entra ID access token; it must reach Resource Manager only, and no error. */
const ARM_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOiJhcm0tcmVnaXN0cnkifQ.canaryAzureRegistrySig41d0c8b2e6f7a935";
const fakes = useAzureFakes({ pageSize: 2, token: ARM_TOKEN });
afterEach(() => fakes.arm.clearFaults());

const name = (mode: Mode, base: string) => `${base}-${mode === "workspace" ? "w" : "r"}`;
const containerTags = (mode: Mode, model: string) => storedContainer(fakes.arm, mode, model)?.properties.tags as Record<string, string> | undefined;

describe.each(MODES)("versions another tool made (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("a folder version is listed and read with Azure's description, tags and stage, and its files listed and downloaded", async () => {
    const model = name(mode, "foreign-folder");
    const bytes = { "model.pkl": new Uint8Array([1, 2, 3, 4, 5]), "conda.yaml": "name: env\n", "sub/dir/notes.txt": "notes" };
    const theirs = await otherToolVersion(fakes.arm, fakes.azurite, mode, model, "1", {
      files: bytes,
      properties: { description: "from the CLI", tags: { team: "fraud", owner: "ana" }, stage: "Production" },
    });
    const listed = await registry().listVersions(model).toArray();
    expect(listed.map((v) => v.version)).toEqual(["1"]);
    const v = await registry().getVersion({ model, version: "1" });
    expect(v).toMatchObject({
      model,
      version: "1",
      description: "from the CLI",
      tags: { team: "fraud", owner: "ana" },
      stage: "production",
      params: {},
      metrics: {},
    });
    expect(v.artifacts.uri).toBe(theirs.modelUri);
    const files = await registry().listArtifacts({ model, version: "1" });
    expect(files.map((f) => f.path).sort()).toEqual(Object.keys(bytes).sort());
    expect(files.find((f) => f.path === "model.pkl")?.size).toBe(5);
    const ws = await tempWorkspace();
    await registry().downloadArtifacts({ model, version: "1" }, ws.target);
    for (const [path, content] of Object.entries(bytes)) expect(sha256(await readFile(join(ws.target, path)))).toBe(sha256(content));
  });

  it("a modelUri naming one file: that file is the version's only file", async () => {
    const model = name(mode, "foreign-single");
    await otherToolVersion(fakes.arm, fakes.azurite, mode, model, "1", { files: { "model.onnx": "onnx bytes" }, single: true });
    expect((await registry().listArtifacts({ model, version: "1" })).map((f) => f.path)).toEqual(["model.onnx"]);
    const { stream } = await registry().openArtifact({ model, version: "1" }, "model.onnx");
    expect(Buffer.from(await bytesOf(stream)).toString()).toBe("onnx bytes");
  });

  it.runIf(mode === "workspace")("the long datastore URI form reads the same files", async () => {
    const model = name(mode, "foreign-long");
    await otherToolVersion(fakes.arm, fakes.azurite, mode, model, "1", { files: { "a.bin": "long form" }, longUri: true });
    const { stream } = await registry().openArtifact({ model, version: "1" }, "a.bin");
    expect(Buffer.from(await bytesOf(stream)).toString()).toBe("long form");
  });

  it("stage and isArchived as Azure users set them: case-insensitive, archived whatever the stage says, anything else is draft", async () => {
    const model = name(mode, "foreign-stages");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ stage: "Production" }, "production"],
      [{ stage: "staging" }, "staging"],
      [{ stage: "Development" }, "draft"],
      [{ stage: "None" }, "draft"],
      [{}, "draft"],
      [{ stage: "Production", isArchived: true }, "archived"],
      [{ stage: "Archived" }, "archived"],
    ];
    for (const [i, [properties]] of cases.entries())
      await armPut(fakes.arm, `${scopeOf(mode)}/models/${model}/versions/${i + 1}`, {
        properties: { modelUri: "azureml://jobs/train-1/outputs/artifacts/paths/model/", ...properties },
      });
    for (const [i, [, stage]] of cases.entries()) expect((await registry().getVersion({ model, version: String(i + 1) })).stage, String(i + 1)).toBe(stage);
    // Archived versions are listed too (Azure's own default hides them), and the stage filter finds them.
    expect((await registry().listVersions(model).toArray()).map((v) => v.version).sort()).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect((await registry().listVersions(model, { stage: "archived" }).toArray()).map((v) => v.version).sort()).toEqual(["6", "7"]);
    // A job output is no Blob storage modelreg can reach: the version reads, its files are a typed refusal.
    expect(await rejectionOf(registry().listArtifacts({ model, version: "1" }))).toBeInstanceOf(UnsupportedCapabilityError);
  });

  it("a version whose record names another model is read as another tool's: none of that model's record shows", async () => {
    const source = name(mode, "record-owner");
    const model = name(mode, "record-borrower");
    await registry().createVersion(source, { artifacts: entries({ "a.txt": "a" }), params: { lr: "0.1" }, metrics: { auc: 0.9 } });
    const original = storedVersions(fakes.arm, mode, source).get("1");
    // Registered again under another name with the same modelUri and properties (what a copy by hand does).
    await armPut(fakes.arm, `${scopeOf(mode)}/models/${model}/versions/1`, { properties: { ...original?.properties } });
    const v = await registry().getVersion({ model, version: "1" });
    expect(v.params).toEqual({});
    expect(v.metrics).toEqual({});
    expect(v.artifacts.digest).toBeUndefined();
    // Its files are what is under its modelUri.
    expect((await registry().listArtifacts({ model, version: "1" })).map((f) => f.path)).toEqual(["a.txt"]);
    expect((await registry().getVersion({ model: source, version: "1" })).metrics).toEqual({ auc: 0.9 });
  });

  it.runIf(mode === "workspace")("a modelUri in another workspace's datastore is not read from this workspace's datastore of that name", async () => {
    const model = name(mode, "other-workspace");
    await armRaw(fakes.arm, "GET", `${W}/datastores/workspaceblobstore`).then((r) => r.arrayBuffer());
    await putBlob(fakes.azurite, datastoreContainer(fakes.arm), "shared/model.bin", "this workspace's bytes");
    await armPut(fakes.arm, `${W}/models/${model}/versions/1`, {
      properties: {
        modelUri: `azureml://subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/another-ws/datastores/workspaceblobstore/paths/shared/`,
      },
    });
    expect(await rejectionOf(registry().listArtifacts({ model, version: "1" }))).toBeInstanceOf(UnsupportedCapabilityError);
  });
});

describe.each(MODES)("stages on Azure's stage field (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);
  const stored = (model: string, version: string) => storedVersions(fakes.arm, mode, model).get(version)?.properties;

  it("draft, staging, production, archived and back, as Azure users see them; archived versions stay listed and readable", async () => {
    const model = name(mode, "stages");
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    expect(stored(model, "1")).toMatchObject({ stage: "Development", isArchived: false });
    for (const [stage, azure] of [
      ["staging", "Staging"],
      ["production", "Production"],
      ["archived", "Archived"],
    ] as const) {
      expect((await registry().transitionStage({ model, version: "1" }, stage)).stage).toBe(stage);
      expect(stored(model, "1")).toMatchObject({ stage: azure, isArchived: stage === "archived" });
    }
    // Azure's default listing (ActiveOnly) hides it now; modelreg's lists and reads it.
    const active = (await (await armRaw(fakes.arm, "GET", `${scopeOf(mode)}/models/${model}/versions`)).json()) as { value: unknown[] };
    expect(active.value).toEqual([]);
    expect((await registry().listVersions(model).toArray()).map((v) => [v.version, v.stage])).toEqual([["1", "archived"]]);
    expect((await registry().listArtifacts({ model, version: "1" })).map((f) => f.path)).toEqual(["a.txt"]);
    expect((await registry().transitionStage({ model, version: "1" }, "staging")).stage).toBe("staging");
    expect(stored(model, "1")).toMatchObject({ stage: "Staging", isArchived: false });
    // The change kept the version's files, type and properties.
    expect(stored(model, "1")?.modelUri).toBe(storedVersions(fakes.arm, mode, model).get("1")?.properties.modelUri);
    expect((stored(model, "1")?.properties as Record<string, string>)["modelreg.format"]).toBeDefined();
  });

  it("archiveExisting archives the other versions in the target stage only", async () => {
    const model = name(mode, "archive-existing");
    for (let i = 0; i < 3; i++) await registry().createVersion(model, { artifacts: entries({ "a.txt": String(i) }) });
    await registry().transitionStage({ model, version: "1" }, "production");
    await registry().transitionStage({ model, version: "2" }, "staging");
    await registry().transitionStage({ model, version: "3" }, "production", { archiveExisting: true });
    expect((await registry().listVersions(model).toArray()).map((v) => [v.version, v.stage])).toEqual([
      ["3", "production"],
      ["2", "staging"],
      ["1", "archived"],
    ]);
    expect(stored(model, "1")).toMatchObject({ isArchived: true });
  });
});

describe.each(MODES)("aliases are tags on the model container (%s)", (mode) => {
  const registry = (settings = {}) => fakes[mode](settings);

  it("setAlias writes modelreg.alias.<alias> as Azure users see it; moving replaces it; deleteAlias removes only it", async () => {
    const model = name(mode, "alias-tags");
    for (let i = 0; i < 2; i++) await registry().createVersion(model, { artifacts: entries({ "a.txt": String(i) }) });
    expect(await registry().setAlias(model, "champion", "1")).toEqual({});
    expect(await registry().setAlias(model, "shadow", "2")).toEqual({});
    expect(containerTags(mode, model)).toEqual({ "modelreg.alias.champion": "1", "modelreg.alias.shadow": "2" });
    expect(await registry().setAlias(model, "champion", "2")).toEqual({ previous: "1" });
    expect(containerTags(mode, model)).toEqual({ "modelreg.alias.champion": "2", "modelreg.alias.shadow": "2" });
    await registry().deleteAlias(model, "shadow");
    expect(containerTags(mode, model)).toEqual({ "modelreg.alias.champion": "2" });
    expect((await registry().getVersion({ model, alias: "champion" })).version).toBe("2");
    expect((await registry().getVersion({ model, version: "2" })).aliases).toEqual(["champion"]);
  });

  it("user tags on the container are never clobbered by aliases, nor aliases by model tags; model tags hide the alias tags", async () => {
    const model = name(mode, "alias-user-tags");
    await registry().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    // Someone sets the model's description and tags in the portal.
    await armPut(fakes.arm, `${scopeOf(mode)}/models/${model}`, { properties: { description: "portal text", tags: { owner: "ana" } } });
    await registry().setAlias(model, "champion", "1");
    expect(containerTags(mode, model)).toEqual({ owner: "ana", "modelreg.alias.champion": "1" });
    await registry().updateModel(model, { tags: { team: "fraud", owner: null } });
    expect(containerTags(mode, model)).toEqual({ team: "fraud", "modelreg.alias.champion": "1" });
    const m = await registry().getModel(model);
    expect(m).toMatchObject({ description: "portal text", tags: { team: "fraud" }, aliases: { champion: "1" } });
    await registry().deleteAlias(model, "champion");
    expect(containerTags(mode, model)).toEqual({ team: "fraud" });
    expect(storedContainer(fakes.arm, mode, model)?.properties.description).toBe("portal text");
  });

  it("deleteVersion removes the aliases pointing at it and keeps the others; an alias tag another tool wrote is an alias", async () => {
    const model = name(mode, "alias-delete");
    for (let i = 0; i < 2; i++) await registry().createVersion(model, { artifacts: entries({ "a.txt": String(i) }) });
    await registry().setAlias(model, "champion", "1");
    await registry().setAlias(model, "stable", "1");
    await registry().setAlias(model, "next", "2");
    await registry().deleteVersion({ model, version: "1" });
    expect(containerTags(mode, model)).toEqual({ "modelreg.alias.next": "2" });
    expect((await registry().getModel(model)).aliases).toEqual({ next: "2" });
    const tags = { ...containerTags(mode, model), "modelreg.alias.handmade": "2" };
    await armPut(fakes.arm, `${scopeOf(mode)}/models/${model}`, { properties: { tags } });
    expect(await registry().resolveAlias(model, "handmade")).toBe("2");
    if (mode === "workspace") expect((await modelBlobs(fakes.arm, fakes.azurite, mode, model)).filter((b) => b.endsWith("modelreg.json"))).toHaveLength(1);
  });

  it("latest is the newest by creation, archived ones included", async () => {
    const model = name(mode, "latest");
    for (let i = 0; i < 3; i++) await registry().createVersion(model, { artifacts: entries({ "a.txt": String(i) }) });
    await registry().transitionStage({ model, version: "3" }, "archived");
    expect(await registry().resolveAlias(model, "latest")).toBe("3");
    expect((await registry().getVersion({ model, alias: "latest" })).version).toBe("3");
  });
});

describe("paging across Azure's pages (the fake answers two items a page)", () => {
  /** Versions 1..5 of a model, made as another tool makes them (no files to move). */
  const seeded = new Map<Mode, string>();
  beforeAll(async () => {
    for (const mode of MODES) {
      const model = name(mode, "paged");
      for (let v = 1; v <= 5; v++)
        await armPut(fakes.arm, `${scopeOf(mode)}/models/${model}/versions/${v}`, {
          properties: { modelUri: `azureml://jobs/j${v}/outputs/artifacts/paths/model/` },
        });
      seeded.set(mode, model);
      for (const m of ["page-a", "page-b", "page-c", "page-d", "page-e"])
        await armPut(fakes.arm, `${scopeOf(mode)}/models/${m}`, { properties: { tags: { paged: "yes" } } });
    }
  });

  describe.each(MODES)("%s", (mode) => {
    it.each([1, 2, 3])("listVersions with pageSize %i: every version once, newest first, at most one list request a page", async (pageSize) => {
      const model = seeded.get(mode) as string;
      const rec = recordingFetch();
      const pages = [];
      for await (const page of fakes[mode]({ fetch: rec.fetch }).listVersions(model, { pageSize }).pages()) pages.push(page.items.map((v) => v.version));
      expect(pages.flat()).toEqual(["5", "4", "3", "2", "1"]);
      for (const p of pages) expect(p.length).toBeLessThanOrEqual(pageSize);
      const lists = rec.seen.filter((s) => s.method === "GET" && s.url.pathname.endsWith(`/models/${model}/versions`));
      expect(lists.length).toBeLessThanOrEqual(pages.length);
      // A page token taken from a page goes on from there.
      const first = (await fakes[mode]().listVersions(model, { pageSize }).pages()[Symbol.asyncIterator]().next()).value as {
        items: unknown[];
        nextPageToken?: string;
      };
      expect(first.items.length).toBeGreaterThan(0);
      expect(
        (
          await fakes[mode]()
            .listVersions(model, { pageSize: 5, pageToken: first.nextPageToken as string })
            .toArray()
        ).map((v) => v.version),
      ).toEqual(["5", "4", "3", "2", "1"].slice(first.items.length));
    });

    it.each([1, 2, 3])("listModels with pageSize %i: every model once, pages no larger than asked", async (pageSize) => {
      const pages = [];
      for await (const page of fakes[mode]().listModels({ pageSize, namePrefix: "page-" }).pages()) pages.push(page.items.map((m) => m.name));
      expect(pages.flat().sort()).toEqual(["page-a", "page-b", "page-c", "page-d", "page-e"]);
      for (const p of pages) expect(p.length).toBeLessThanOrEqual(pageSize);
    });

    it("a forged page token (another host, a bad offset, not a token) is InvalidInputError, before any request", async () => {
      const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const model = seeded.get(mode) as string;
      for (const pageToken of [
        forge([`https://evil.example${scopeOf(mode)}/models/${model}/versions?api-version=2025-12-01`, 0]),
        forge([`${fakes.arm.url.replace("127.0.0.1", "localhost")}${scopeOf(mode)}/models/${model}/versions`, 0]),
        forge(["", -1]),
        forge(["", 1.5]),
        forge({ link: "", skip: 0 }),
        "not a token",
        "",
      ]) {
        const rec = recordingFetch();
        // Refused when the listing is asked for or at its first page, either way before a request.
        const error = await rejectionOf((async () => fakes[mode]({ fetch: rec.fetch }).listVersions(model, { pageToken }).toArray())());
        expect(error, pageToken).toBeInstanceOf(InvalidInputError);
        expect(rec.seen).toEqual([]);
        const models = await rejectionOf((async () => fakes[mode]({ fetch: rec.fetch }).listModels({ pageToken }).toArray())());
        expect(models, pageToken).toBeInstanceOf(InvalidInputError);
        expect(rec.seen).toEqual([]);
      }
    });

    it("a nextLink Azure gives on another host is not followed: no request goes there, the token least of all", async () => {
      const model = seeded.get(mode) as string;
      const rec = recordingFetch();
      rec.hooks.push(async (r) => {
        if (r.method !== "GET" || !r.url.pathname.endsWith(`/models/${model}/versions`)) return undefined;
        const page = (await (await r.forward()).json()) as { value: unknown[]; nextLink?: string };
        return Response.json({ ...page, nextLink: `http://127.0.0.2:9${scopeOf(mode)}/models/${model}/versions?api-version=2025-12-01&$skip=x` });
      });
      const error = await rejectionOf(fakes[mode]({ fetch: rec.fetch }).listVersions(model).toArray());
      expect((error as ModelRegistryError).kind).toMatch(/InvalidInputError|ResponseValidationError|CorruptDataError/);
      expect(rec.seen.filter((s) => s.url.hostname !== "127.0.0.1")).toEqual([]);
    });

    it("an idempotent retry whose version listing points its next page elsewhere fails typed, and makes no second version", async () => {
      const model = name(mode, "key-elsewhere");
      await fakes[mode]().createVersion(model, { artifacts: entries({ "a.txt": "a" }), idempotencyKey: "the-key" });
      const rec = recordingFetch();
      rec.hooks.push((r) =>
        r.method === "GET" && r.url.pathname.endsWith(`/models/${model}/versions`)
          ? Response.json({ value: [], nextLink: `http://127.0.0.2:9${scopeOf(mode)}/models/${model}/versions?api-version=2025-12-01&$skip=x` })
          : undefined,
      );
      const result = await fakes[mode]({ fetch: rec.fetch })
        .createVersion(model, { artifacts: entries({ "a.txt": "a" }), idempotencyKey: "the-key" })
        .catch((e: unknown) => e as ModelRegistryError);
      expect(storedVersions(fakes.arm, mode, model).size).toBe(1);
      expect(result instanceof Error ? result.kind : `version ${result.version}`).toMatch(
        /InvalidInputError|ResponseValidationError|CorruptDataError|version 1/,
      );
      expect(rec.seen.filter((s) => s.url.hostname !== "127.0.0.1")).toEqual([]);
    });
  });
});

describe.each(MODES)("where the token and the SAS go (%s)", (mode) => {
  /** The `sig` of every SAS the adapter used. */
  const sigsOf = (seen: { url: URL }[]) => [...new Set(seen.map((s) => s.url.searchParams.get("sig")).filter((s): s is string => !!s))];

  it("the ARM token reaches Resource Manager only, never Azurite; SAS tokens reach Azurite only", async () => {
    const model = name(mode, "token-path");
    const rec = recordingFetch();
    const lines: string[] = [];
    const logger = { debug: (m: string, d?: unknown) => lines.push(`${m} ${JSON.stringify(d)}`), info: () => {}, warn: () => {}, error: () => {} };
    const r = fakes[mode]({ fetch: rec.fetch, blockBytes: 1024, logger });
    await r.createVersion(model, { artifacts: entries({ "big.bin": new Uint8Array(3000).fill(7), "a.txt": "a" }), aliases: ["champion"] });
    await r.listArtifacts({ model, version: "1" });
    const ws = await tempWorkspace();
    await r.downloadArtifacts({ model, version: "1" }, ws.target);
    await r.deleteVersion({ model, version: "1" });
    const blob = rec.seen.filter((s) => isBlob(fakes.azurite, s.url));
    const arm = rec.seen.filter((s) => !isBlob(fakes.azurite, s.url));
    expect(blob.length).toBeGreaterThan(5);
    for (const s of blob) {
      expect(s.headers.authorization, s.url.pathname).toBeUndefined();
      expect(JSON.stringify(s)).not.toContain(ARM_TOKEN);
      expect(s.url.searchParams.get("sig"), s.url.pathname).toBeTruthy();
    }
    for (const s of arm) {
      expect(s.headers.authorization).toBe(`Bearer ${ARM_TOKEN}`);
      expect(s.url.searchParams.get("sig")).toBeNull();
    }
    // The log lines name requests without either.
    const sigs = sigsOf(blob);
    expect(sigs.length).toBeGreaterThan(0);
    const log = lines.join("\n");
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(ARM_TOKEN);
    for (const sig of sigs) {
      expect(log).not.toContain(sig);
      expect(log).not.toContain(encodeURIComponent(sig));
    }
  });

  it("errors that echo a SAS or the token keep neither, in any rendering", async () => {
    const model = name(mode, "echo");
    const v = await fakes[mode]().createVersion(model, { artifacts: entries({ "a.txt": "a" }) });
    const rec = recordingFetch();
    // Storage refuses the download and quotes the whole URL back, SAS and all (as a proxy's error page might).
    rec.hooks.push((r) =>
      isBlob(fakes.azurite, r.url) && r.url.pathname.endsWith("/model/a.txt")
        ? blobError(403, "AuthenticationFailed", `Server failed to authenticate ${r.url.href} (token ${ARM_TOKEN})`)
        : undefined,
    );
    const ws = await tempWorkspace();
    const blobFailure = await rejectionOf(fakes[mode]({ fetch: rec.fetch, maxRetries: 0 }).downloadArtifacts({ model, version: v.version }, ws.target));
    expect((blobFailure as ModelRegistryError).kind).toMatch(/AuthenticationError|PermissionDeniedError/);
    expect(await tree(ws.target)).toEqual([]);
    // Resource Manager quotes the token back.
    fakes.arm.failNext(
      { method: "GET", path: `/models/${model}/versions/1` },
      { status: 403, code: "AuthorizationFailed", message: `The client with token ${ARM_TOKEN} may not read this.` },
    );
    const armFailure = await rejectionOf(fakes[mode]({ fetch: rec.fetch }).getVersion({ model, version: v.version }));
    expect((armFailure as ModelRegistryError).kind).toBe("PermissionDeniedError");
    const sigs = sigsOf(rec.seen.filter((s) => isBlob(fakes.azurite, s.url)));
    expect(sigs.length).toBeGreaterThan(0);
    for (const error of [blobFailure, armFailure]) {
      const text = renderEveryWay(error).join("\n");
      expect(text).not.toContain(ARM_TOKEN);
      expect(text).not.toContain(ARM_TOKEN.slice(-24));
      for (const sig of sigs) {
        expect(text).not.toContain(sig);
        expect(text).not.toContain(encodeURIComponent(sig));
      }
    }
  });
});
