import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { http, HttpResponse } from "msw";
import { AuthenticationError, IntegrityError, InvalidInputError, NotFoundError, PermissionDeniedError } from "modelreg";
import { API_KEY, BASE, ENTITY, ORG_ENTITY, STORAGE } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const { fake, server, registry } = useWandbFake();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const files = (w: string) => ({
  entries: [
    { path: "model.pkl", content: w },
    { path: "cfg/params.json", content: "{}" },
  ],
});

describe("the fake W&B server", () => {
  it("rejects a query with a misspelled field, validated by graphql-js against W&B's schema", async () => {
    const res = await fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`api:${API_KEY}`).toString("base64")}` },
      body: JSON.stringify({ query: "query { serverInfo { featurez { name } } }" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ message: string }> }).errors[0]?.message).toMatch(/Cannot query field "featurez" on type "ServerInfo"/);
  });

  it("rejects variables of the wrong type", async () => {
    await expect(registry().getVersion("m/1")).rejects.toThrow(NotFoundError);
    const res = await fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`api:${API_KEY}`).toString("base64")}` },
      body: JSON.stringify({
        query: "mutation($id: ID!) { commitArtifact(input: { artifactID: $id }) { artifact { id } } }",
        variables: { id: { nested: true } },
      }),
    });
    expect(((await res.json()) as { errors?: unknown[] }).errors?.length).toBeGreaterThan(0);
  });
});

describe("W&B artifacts as model versions", () => {
  it("logs a version through the whole sequence and reads it back", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("fraud", {
      artifacts: files("w0"),
      metrics: { auc: 0.9 },
      params: { depth: 3 },
      description: "first",
      aliases: ["candidate"],
    });
    expect(v).toMatchObject({ model: "fraud", version: "0", description: "first", metrics: { auc: 0.9 }, params: { depth: "3" }, aliases: ["candidate"] });
    const ops = fake.requests.map((x) => x.operation).filter((o) => o !== "ServerFeatures");
    expect(ops.slice(ops.lastIndexOf("UpsertBucket"), ops.lastIndexOf("UpsertBucket") + 7)).toEqual([
      "UpsertBucket",
      "CreateArtifact",
      "CreateArtifactManifest",
      "CreateArtifactFiles",
      "CreateArtifactManifest",
      "CommitArtifact",
      "ArtifactById",
    ]);
    expect([...fake.finished.values()]).toEqual([0]);
    const again = await r.getVersion("fraud@candidate");
    expect(again.version).toBe("0");
    expect((await r.listArtifacts(again)).map((f) => f.path)).toEqual(["cfg/params.json", "model.pkl"]);
    const opened = await r.openArtifact(again, "model.pkl");
    expect(await new Response(opened.stream).text()).toBe("w0");
  });

  it("returns the existing version for identical content, and skips files the server already has", async () => {
    const r = registry({ entity: ENTITY });
    const a = await r.createVersion("dedup", { artifacts: files("same") });
    const b = await r.createVersion("dedup", { artifacts: files("same") });
    expect(b.version).toBe(a.version);
    const c = await r.createVersion("dedup", {
      artifacts: {
        entries: [
          { path: "model.pkl", content: "same" },
          { path: "new.txt", content: "n" },
        ],
      },
    });
    expect(c.version).toBe("1");
  });

  it("moves aliases, keeps latest managed, and deletes a version with its aliases", async () => {
    const r = registry({ entity: ENTITY });
    await r.createVersion("aliases", { artifacts: files("1") });
    await r.createVersion("aliases", { artifacts: files("2") });
    expect(await r.setAlias("aliases", "champion", "0")).toEqual({});
    expect(await r.setAlias("aliases", "champion", "1")).toEqual({ previous: "0" });
    expect(await r.listAliases("aliases")).toEqual([{ alias: "champion", version: "1" }]);
    await expect(r.setAlias("aliases", "latest", "0")).rejects.toThrow(InvalidInputError);
    await r.deleteVersion("aliases/1");
    await expect(r.resolveAlias("aliases", "champion")).rejects.toThrow(NotFoundError);
    expect(await r.resolveAlias("aliases", "latest")).toBe("0");
  });

  it("downloads with every file's MD5 checked, and refuses bytes that changed in storage", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("verify", { artifacts: files("original") });
    const dir = await mkdtemp(join(tmpdir(), "wandb-dl-"));
    dirs.push(dir);
    await r.downloadArtifacts(v, dir);
    expect(await readFile(join(dir, "model.pkl"), "utf8")).toBe("original");
    for (const [path, bytes] of fake.storage) if (new TextDecoder().decode(bytes) === "original") fake.storage.set(path, new TextEncoder().encode("tampered"));
    await expect(r.downloadArtifacts(v, join(dir, "again"))).rejects.toThrow(IntegrityError);
  });

  it("resolves the entity from the API key, and maps stages onto managed aliases", async () => {
    const r = registry();
    expect(await r.entity()).toBe(ENTITY);
    const a = await r.createVersion("stages", { artifacts: files("a") });
    const b = await r.createVersion("stages", { artifacts: files("b") });
    await r.transitionStage(a, "production");
    await r.transitionStage(b, "production", { archiveExisting: true });
    expect((await r.getVersion("stages/0")).stage).toBe("archived");
    expect((await r.getVersion("stages@production")).version).toBe("1");
  });

  it("links a version into the W&B Registry under the org entity; protected aliases need an admin", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("linked", { artifacts: files("l") });
    const linked = await r.link(v, { registry: "model", collection: "fraud-detection", aliases: ["candidate"] });
    expect(linked).toEqual({ orgEntity: ORG_ENTITY, project: "wandb-registry-model", version: "0" });
    expect(fake.collections.get(`${ORG_ENTITY}/wandb-registry-model/fraud-detection`)?.aliases.get("candidate")?.id).toBe((v.raw as { id: string }).id);
    await expect(r.link(v, { registry: "model", collection: "fraud-detection", aliases: ["production"] })).rejects.toThrow(PermissionDeniedError);
  });

  it("never sends the API key or Basic credentials to storage, uploads or downloads", async () => {
    const r = registry({ entity: ENTITY });
    const before = fake.storageRequests.length;
    const v = await r.createVersion("no-leak", {
      artifacts: {
        entries: [
          { path: "a.bin", content: "leak-a" },
          { path: "b.bin", content: "leak-b" },
        ],
      },
    });
    const dir = await mkdtemp(join(tmpdir(), "wandb-leak-"));
    dirs.push(dir);
    await r.downloadArtifacts(v, dir);
    const seen = fake.storageRequests.slice(before);
    expect(seen.filter((x) => x.method === "PUT").length).toBeGreaterThanOrEqual(3);
    expect(seen.filter((x) => x.method === "GET").length).toBeGreaterThanOrEqual(3);
    const basic = Buffer.from(`api:${API_KEY}`).toString("base64");
    for (const x of seen) {
      expect(x.headers.authorization).toBeUndefined();
      expect(JSON.stringify(x)).not.toContain(API_KEY);
      expect(JSON.stringify(x)).not.toContain(basic);
    }
  });

  it("refuses a wrong API key with a typed error", async () => {
    const r = registry({ entity: ENTITY, apiKey: "b".repeat(40) });
    await expect(r.getVersion("x/0")).rejects.toThrow(AuthenticationError);
  });

  it("leaves no visible version when an upload fails, and ends the run as failed", async () => {
    const r = registry({ entity: ENTITY, maxRetries: 0 });
    const ok = await r.createVersion("half", { artifacts: files("kept") });
    server.use(http.put(`${STORAGE}/upload/:token`, () => new HttpResponse("<Error>AccessDenied</Error>", { status: 403 }), { once: true }));
    await expect(r.createVersion("half", { artifacts: files("lost") })).rejects.toThrow(PermissionDeniedError);
    const pending = [...fake.artifacts.values()].filter((a) => a.collection.name === "half" && a.state === "PENDING");
    expect(pending).toHaveLength(1);
    expect((await r.listVersions("half").toArray()).map((v) => v.version)).toEqual([ok.version]);
    expect((await r.getVersion("half@latest")).version).toBe(ok.version);
    expect([...fake.finished.values()].at(-1)).toBe(1);
  });

  it("numbers concurrent creates of one collection in call order", async () => {
    const r = registry({ entity: ENTITY });
    // The first source is slow to read, so without the queue the later creates would commit before it.
    const slow = async function* () {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        yield new TextEncoder().encode(`slow-${i}`);
      }
    };
    const made = await Promise.all([
      r.createVersion("ordered", { artifacts: { entries: [{ path: "m.bin", open: slow }] }, description: "first" }),
      r.createVersion("ordered", { artifacts: { entries: [{ path: "m.bin", content: "small" }] }, description: "second" }),
      r.createVersion("ordered", { artifacts: { entries: [{ path: "m.bin", content: "tiny" }] }, description: "third" }),
    ]);
    expect(made.map((v) => [v.version, v.description])).toEqual([
      ["0", "first"],
      ["1", "second"],
      ["2", "third"],
    ]);
  });

  it("moves the requested aliases onto the existing version when the content is identical", async () => {
    const r = registry({ entity: ENTITY });
    const first = await r.createVersion("dedup-alias", { artifacts: files("same") });
    await r.createVersion("dedup-alias", { artifacts: files("other") });
    const again = await r.createVersion("dedup-alias", { artifacts: files("same"), aliases: ["champion"] });
    expect(again.version).toBe(first.version);
    expect(again.aliases).toEqual(["champion"]);
    expect(await r.resolveAlias("dedup-alias", "champion")).toBe(first.version);
  });

  it("updates W&B tags with the version's tags where the server has them", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("retag", { artifacts: files("rt"), tags: { team: "risk" } });
    const updated = await r.updateVersion(v, { tags: { team: null, owner: "ana" }, description: "now owned" });
    expect(updated).toMatchObject({ tags: { owner: "ana" }, description: "now owned" });
    const stored = [...fake.artifacts.values()].find((a) => a.id === (v.raw as { id: string }).id);
    expect(stored?.tags).toEqual(["owner-ana"]);
  });
});

describe("W&B server features and the Registry view", () => {
  it("sends W&B tags only where the server has ARTIFACT_TAGS, and treats a server without features as having none", async () => {
    const r = registry({ entity: ENTITY });
    await r.createVersion("tagged", { artifacts: files("t1"), tags: { team: "risk", "path/like": "x" } });
    const sent = fake.requests.filter((x) => x.operation === "CreateArtifact").at(-1)?.variables as { input: { tags?: Array<{ tagName: string }> } };
    expect(sent.input.tags).toEqual([{ tagName: "team-risk" }]);
    fake.features = {};
    try {
      const older = registry({ entity: ENTITY });
      await older.createVersion("tagged", { artifacts: files("t2"), tags: { team: "risk" } });
      const again = fake.requests.filter((x) => x.operation === "CreateArtifact").at(-1)?.variables as { input: { tags?: unknown } };
      expect(again.input.tags).toBeUndefined();
      // Tags still round-trip, through the metadata.
      expect((await older.getVersion("tagged@latest")).tags).toEqual({ team: "risk" });
    } finally {
      fake.features = { ARTIFACT_TAGS: true };
    }
  });

  it("reads linked versions through the registry path with the registry's numbers, lists links, and unlinks them", async () => {
    const r = registry({ entity: ENTITY });
    await r.createVersion("to-link", { artifacts: files("older-1") });
    await r.createVersion("to-link", { artifacts: files("older-2") });
    const v = await r.createVersion("to-link", { artifacts: files("link-me"), metrics: { auc: 0.8 } });
    expect(v.version).toBe("2");
    await r.link(v, { registry: "model", collection: "shared-fraud", aliases: ["candidate"] });
    const reg = await r.inRegistry("model");
    const linked = await reg.getVersion("shared-fraud@candidate");
    // The registry collection numbers its links itself: the first link is v0 there, whatever it is in its project.
    expect(linked).toMatchObject({ model: "shared-fraud", version: "0", metrics: { auc: 0.8 }, aliases: ["candidate"] });
    expect((await reg.listVersions("shared-fraud").toArray()).map((x) => [x.version, x.aliases])).toEqual([["0", ["candidate"]]]);
    expect((await r.getVersion("to-link/2")).aliases).toEqual([]);
    expect(await new Response((await reg.openArtifact(linked, "model.pkl")).stream).text()).toBe("link-me");
    expect(await r.listLinks(v)).toEqual([
      {
        entity: ORG_ENTITY,
        project: "wandb-registry-model",
        registry: "model",
        collection: "shared-fraud",
        version: "0",
        aliases: expect.arrayContaining(["candidate", "latest"]),
      },
    ]);
    await r.unlink(v, { registry: "model", collection: "shared-fraud" });
    await expect(reg.getVersion("shared-fraud@candidate")).rejects.toThrow(NotFoundError);
    expect(await r.listLinks(v)).toEqual([]);
    await expect(r.unlink(v, { registry: "model", collection: "shared-fraud" })).rejects.toThrow(NotFoundError);
  });

  it("refuses a protected stage alias in a registry with a permission error, and changes nothing", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("guarded", { artifacts: files("g") });
    await r.link(v, { registry: "model", collection: "guarded-reg" });
    const reg = await r.inRegistry("model");
    await expect(reg.transitionStage("guarded-reg/0", "production")).rejects.toThrow(PermissionDeniedError);
    expect(await reg.getVersion("guarded-reg/0")).toMatchObject({ stage: "draft" });
    await expect(reg.getVersion("guarded-reg@production")).rejects.toThrow(NotFoundError);
  });

  it("reads the same way from an older server without artifactCollectionMembership, or without feature flags at all", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("old-server", { artifacts: files("os"), aliases: ["best"] });
    fake.features = { ARTIFACT_TAGS: true };
    try {
      const older = registry({ entity: ENTITY });
      expect((await older.getVersion("old-server@best")).version).toBe(v.version);
      expect(fake.requests.at(-1)?.operation).toBe("MembershipByAlias");
      fake.hasFeaturesField = false;
      const oldest = registry({ entity: ENTITY });
      expect(await oldest.features()).toEqual({});
      expect((await oldest.getVersion("old-server/0")).aliases).toEqual(["best"]);
      // Without ARTIFACT_TAGS no W&B tags are sent, and tags still round-trip through the metadata.
      const w = await oldest.createVersion("old-server", { artifacts: files("os2"), tags: { team: "risk" } });
      expect((fake.requests.filter((x) => x.operation === "CreateArtifact").at(-1)?.variables as { input: { tags?: unknown } }).input.tags).toBeUndefined();
      expect(w.tags).toEqual({ team: "risk" });
    } finally {
      fake.features = { ARTIFACT_TAGS: true, PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP: true };
      fake.hasFeaturesField = true;
    }
    // And a current server is asked the way W&B's own client asks.
    await registry({ entity: ENTITY }).getVersion("old-server@best");
    expect(fake.requests.at(-1)?.operation).toBe("MembershipByName");
  });
});

describe("W&B multipart uploads", () => {
  it("uploads a large file in parts with their MD5s when the server offers part URLs, and reads it back whole", async () => {
    const KiB = 1024;
    const size = 700 * KiB;
    const bytes = new Uint8Array(size).map((_, i) => (i * 13 + 5) % 251);
    const r = registry({ entity: ENTITY, multipartMinBytes: 512 * KiB, multipartPartBytes: 256 * KiB });
    const v = await r.createVersion("big", {
      artifacts: {
        entries: [
          {
            path: "weights.bin",
            size,
            open: async function* () {
              for (let at = 0; at < size; at += 100 * KiB) yield bytes.subarray(at, at + 100 * KiB);
            },
          },
        ],
      },
    });
    const spec = (
      fake.requests.filter((x) => x.operation === "CreateArtifactFiles").at(-1)?.variables as {
        input: { artifactFiles: Array<{ uploadPartsInput?: unknown[] }> };
      }
    ).input.artifactFiles[0];
    expect(spec?.uploadPartsInput).toHaveLength(3);
    expect(fake.requests.some((x) => x.operation === "CompleteMultipartUpload")).toBe(true);
    const back = new Uint8Array(await new Response((await r.openArtifact(v, "weights.bin")).stream).arrayBuffer());
    expect(createHash("sha256").update(back).digest("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));
  });
});

describe("W&B paths", () => {
  it("reads entity/project/name:alias and :vN paths, and registry paths the same way", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("pathed", { artifacts: files("p"), aliases: ["best"] });
    expect((await r.getByPath(`${ENTITY}/models/pathed:best`)).version).toBe(v.version);
    expect((await r.getByPath("pathed:v0")).version).toBe("0");
    await r.link(v, { registry: "model", collection: "pathed-reg" });
    expect((await r.getByPath(`${ORG_ENTITY}/wandb-registry-model/pathed-reg:v0`)).metrics).toEqual(v.metrics);
    await expect(r.getByPath("no-colon")).rejects.toThrow(InvalidInputError);
  });
});
