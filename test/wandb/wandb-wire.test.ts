// What the adapter sends must be what W&B's own clients send, and it must read what the real service may answer
// (issue 15): `latest` comes from the client, nullable fields may be null, and registry collections (portfolios) take
// the portfolio mutations.
import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IntegrityError, InvalidInputError, NotFoundError, UnsupportedCapabilityError } from "modelreg";
import { API_KEY, BASE, ENTITY, ORG, ORG_ENTITY } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const { fake, registry } = useWandbFake();
const files = (w: string) => ({ entries: [{ path: "model.pkl", content: w }] });
afterEach(() => {
  fake.filePageLimit = Number.POSITIVE_INFINITY;
  fake.organizations.delete("beta");
  for (const name of fake.entities.keys()) if (name !== ENTITY) fake.entities.delete(name);
  fake.nulls.project.clear();
  fake.nulls.files.clear();
});

/** The fake's state of a collection, by name. */
const collection = (name: string) => {
  const c = [...fake.collections.values()].find((x) => x.name === name);
  if (!c) throw new Error(`no collection ${name} in the fake`);
  return c;
};

/** The aliases each CreateArtifact carried, in order. */
const createdAliases = () =>
  fake.requests
    .filter((x) => x.operation === "CreateArtifact")
    .map((x) => (x.variables as { input: { aliases: Array<{ alias: string; artifactCollectionName: string }> } }).input.aliases);

describe("latest", () => {
  it("is sent with every new version, as W&B's clients do, and the fake keeps exactly what was sent", async () => {
    const r = registry({ entity: ENTITY });
    const before = createdAliases().length;
    const v0 = await r.createVersion("with-latest", { artifacts: files("a"), aliases: ["best"] });
    const v1 = await r.createVersion("with-latest", { artifacts: files("b") });
    expect(createdAliases().slice(before)).toEqual([
      [
        { alias: "latest", artifactCollectionName: "with-latest" },
        { alias: "best", artifactCollectionName: "with-latest" },
      ],
      [{ alias: "latest", artifactCollectionName: "with-latest" }],
    ]);
    expect(await r.resolveAlias("with-latest", "latest")).toBe(v1.version);
    expect((await r.getVersion("with-latest@latest")).version).toBe(v1.version);
    // `latest` is W&B's: it is not a user alias of the version, nor of the model.
    expect((await r.getVersion(`with-latest/${v0.version}`)).aliases).toEqual(["best"]);
    expect(v1.aliases).toEqual([]);
    expect(await r.listAliases("with-latest")).toEqual([{ alias: "best", version: v0.version }]);
    expect([...collection("with-latest").aliases.keys()].sort()).toEqual(["best", "latest"]);
  });
});

describe("nullable fields", () => {
  it("a link whose collection comes back without its project is left out, and the other links still list", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("null-project", { artifacts: files("np"), aliases: ["best"] });
    await r.link(v, { registry: "model", collection: "np-seen" });
    await r.link(v, { registry: "model", collection: "np-hidden" });
    fake.nulls.project.add(collection("np-hidden").id);
    expect((await r.listLinks(v)).map((l) => l.collection)).toEqual(["np-seen"]);
    // The version's own collection without its project: it still reads and lists, with its aliases.
    fake.nulls.project.add(collection("null-project").id);
    expect((await r.getVersion("null-project@best")).aliases).toEqual(["best"]);
    expect((await r.listVersions("null-project").toArray()).map((x) => [x.version, x.aliases])).toEqual([[v.version, ["best"]]]);
    expect((await r.listModels().toArray()).map((m) => m.name)).toContain("null-project");
  });

  it("a version whose files come back null has no download URL: NotFoundError, not a response-shape failure", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("null-files", { artifacts: files("nf") });
    const [artifact] = collection("null-files").members;
    fake.nulls.files.add(artifact?.id ?? "");
    await expect(r.openArtifact(v, "model.pkl")).rejects.toThrow(NotFoundError);
    await expect(r.openArtifact(v, "model.pkl")).rejects.toThrow(/no download URL for model\.pkl/);
  });
});

/** One GraphQL request to the fake, as the adapter would send it; the errors W&B answered. */
async function errorsOf(query: string, variables: Record<string, unknown>): Promise<string[]> {
  const res = await fetch(`${BASE}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`api:${API_KEY}`).toString("base64")}` },
    body: JSON.stringify({ query, variables }),
  });
  return (((await res.json()) as { errors?: Array<{ message: string }> }).errors ?? []).map((e) => e.message);
}

describe("registry collections (portfolios)", () => {
  it("the fake applies each collection mutation only to its own collection type", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("kinds-src", { artifacts: files("ks") });
    await r.link(v, { registry: "model", collection: "kinds-reg" });
    const sequence = collection("kinds-src").id;
    const portfolio = collection("kinds-reg").id;
    const [artifact] = collection("kinds-src").members;
    const seq = 'mutation($id: ID!) { updateArtifactSequence(input: { artifactSequenceID: $id, description: "d" }) { artifactCollection { id } } }';
    const port = 'mutation($id: ID!) { updateArtifactPortfolio(input: { artifactPortfolioID: $id, description: "d" }) { artifactCollection { id } } }';
    const unlink = "mutation($a: ID!, $id: ID!) { unlinkArtifact(input: { artifactID: $a, artifactPortfolioID: $id }) { success } }";
    expect(await errorsOf(seq, { id: portfolio })).toEqual([`artifact sequence ${portfolio} not found`]);
    expect(await errorsOf(port, { id: sequence })).toEqual([`artifact portfolio ${sequence} not found`]);
    expect(await errorsOf(unlink, { a: artifact?.id, id: sequence })).toEqual([`artifact portfolio ${sequence} not found`]);
    expect(collection("kinds-src").versions.size).toBe(1);
    expect(await errorsOf(seq, { id: sequence })).toEqual([]);
    expect(await errorsOf(port, { id: portfolio })).toEqual([]);
  });

  it("deleting a version through a registry view unlinks it and leaves the source version as it was", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("src-kept", { artifacts: files("sk"), aliases: ["best"] });
    await r.link(v, { registry: "model", collection: "sk-reg", aliases: ["candidate"] });
    const reg = await r.inRegistry("model");
    expect((await reg.getVersion("sk-reg/0")).artifacts.digest).toBe(v.artifacts.digest);
    const before = fake.requests.length;
    await reg.deleteVersion("sk-reg/0");
    const sent = fake.requests.slice(before).map((x) => x.operation);
    expect(sent).not.toContain("DeleteArtifact");
    expect(sent).toContain("UnlinkArtifact");
    await expect(reg.getVersion("sk-reg/0")).rejects.toThrow(NotFoundError);
    expect(await r.listLinks(v)).toEqual([]);
    const source = await r.getVersion(`src-kept/${v.version}`);
    expect([source.version, source.aliases, source.artifacts.digest]).toEqual([v.version, ["best"], v.artifacts.digest]);
    expect((await r.getVersion("src-kept@latest")).version).toBe(v.version);
    // Deleting through the source's own project still deletes the version.
    await r.deleteVersion(`src-kept/${v.version}`);
    await expect(r.getVersion(`src-kept/${v.version}`)).rejects.toThrow(NotFoundError);
  });

  it("updating a registry collection sends the portfolio mutation; a project collection the sequence one", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("upd-src", { artifacts: files("us") });
    await r.link(v, { registry: "model", collection: "upd-reg" });
    const reg = await r.inRegistry("model");
    await reg.updateModel("upd-reg", { description: "registry side" });
    await r.updateModel("upd-src", { description: "project side" });
    expect((await reg.getModel("upd-reg")).description).toBe("registry side");
    expect((await r.getModel("upd-src")).description).toBe("project side");
    expect(collection("upd-reg").description).toBe("registry side");
    expect(collection("upd-src").description).toBe("project side");
  });
});

describe("the organization of a personal entity (W&B's _resolve_org_info)", () => {
  /** A second organization with its model registry, and a personal entity whose user is in `orgs`. */
  const personal = (name: string, orgs: string[]) => {
    fake.organizations.set("beta", "beta-org");
    fake.projects.add("beta-org/wandb-registry-model");
    fake.entities.set(name, { userOrgs: orgs });
  };
  const sentSince = (before: number) => fake.requests.slice(before).map((x) => x.operation);

  it("a personal entity whose user is in one organization links into that organization's registry", async () => {
    personal("solo-user", [ORG]);
    const r = registry({ entity: "solo-user" });
    const v = await r.createVersion("solo-src", { artifacts: files("solo") });
    expect(await r.link(v, { registry: "model", collection: "solo-reg" })).toEqual({ orgEntity: ORG_ENTITY, project: "wandb-registry-model", version: "0" });
    expect(collection("solo-reg").entity).toBe(ORG_ENTITY);
    const reg = await r.inRegistry("model");
    expect((await reg.getVersion("solo-reg/0")).artifacts.digest).toBe(v.artifacts.digest);
  });

  it("a user in several organizations must choose one: InvalidInputError naming them and the setting, before any mutation", async () => {
    personal("multi-user", [ORG, "beta"]);
    const r = registry({ entity: "multi-user" });
    const v = await r.createVersion("multi-src", { artifacts: files("multi") });
    const before = fake.requests.length;
    const e = await r.link(v, { registry: "model", collection: "multi-reg" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidInputError);
    expect((e as InvalidInputError).field).toBe("organization");
    expect((e as Error).message).toMatch(/acme \(acme-org\), beta \(beta-org\).*organization setting/);
    expect(sentSince(before)).not.toContain("LinkArtifact");
    await expect(r.inRegistry("model")).rejects.toThrow(InvalidInputError);
    // The setting chooses, by display name or by org entity name.
    const beta = registry({ entity: "multi-user", organization: "beta" });
    expect((await beta.link(v, { registry: "model", collection: "multi-reg" })).orgEntity).toBe("beta-org");
    expect(collection("multi-reg").entity).toBe("beta-org");
    const acme = registry({ entity: "multi-user", organization: ORG_ENTITY });
    expect((await acme.link(v, { registry: "model", collection: "multi-reg-acme" })).orgEntity).toBe(ORG_ENTITY);
    expect(await acme.listLinks(v)).toHaveLength(2);
    await acme.unlink(v, { registry: "model", collection: "multi-reg-acme" });
    // An organization the user is not in is refused by name, before any mutation.
    const after = fake.requests.length;
    await expect(registry({ entity: "multi-user", organization: "gamma" }).link(v, { registry: "model", collection: "x" })).rejects.toThrow(
      /not in the organization gamma; it is in acme \(acme-org\), beta \(beta-org\)/,
    );
    expect(sentSince(after)).not.toContain("LinkArtifact");
  });

  it("a user in no organization has no registry: UnsupportedCapabilityError, and nothing is linked", async () => {
    personal("lone-user", []);
    const r = registry({ entity: "lone-user" });
    const v = await r.createVersion("lone-src", { artifacts: files("lone") });
    const before = fake.requests.length;
    const e = await r.link(v, { registry: "model", collection: "lone-reg" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedCapabilityError);
    expect((e as Error).message).toMatch(/lone-user belongs to no organization/);
    expect(sentSince(before)).not.toContain("LinkArtifact");
  });

  it("a malformed organization setting is refused before any request", async () => {
    const before = fake.requests.length;
    const r = registry({ entity: ENTITY, organization: 42 as unknown as string });
    await expect(r.link({ model: "any", version: "0" }, { registry: "model", collection: "c" })).rejects.toThrow(InvalidInputError);
    await expect(r.inRegistry("model")).rejects.toThrow(/organization must name an organization/);
    expect(fake.requests.length).toBe(before);
  });

  it("the fake answers a personal entity as W&B does and refuses a link into an organization the user is not in", async () => {
    personal("stray-user", ["beta"]);
    const q = "query($e: String!) { entity(name: $e) { organization { name } user { organizations { name orgEntity { name } } } } }";
    const res = await fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`api:${API_KEY}`).toString("base64")}` },
      body: JSON.stringify({ query: q, variables: { e: "stray-user" } }),
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({
      entity: { organization: null, user: { organizations: [{ name: "beta", orgEntity: { name: "beta-org" } }] } },
    });
    const v = await registry({ entity: "stray-user" }).createVersion("stray-src", { artifacts: files("stray") });
    const [artifact] = collection("stray-src").members;
    const link = `mutation($a: ID!, $e: String!) { linkArtifact(input: { artifactID: $a, entityName: $e, projectName: "wandb-registry-model",
      artifactPortfolioName: "stray-reg" }) { versionIndex } }`;
    expect(await errorsOf(link, { a: artifact?.id, e: ORG_ENTITY })).toEqual([
      "linking is only allowed within the same team or to a collection in your organization's registry",
    ]);
    expect(await errorsOf(link, { a: artifact?.id, e: "beta-org" })).toEqual([]);
    expect(v.version).toBe("0");
  });
});

describe("file URLs through the membership (W&B retired artifact.files)", () => {
  /** The variables of each MembershipFileUrls request since `before`. */
  const urlRequests = (before: number) =>
    fake.requests
      .slice(before)
      .filter((x) => x.operation === "MembershipFileUrls")
      .map((x) => x.variables as Record<string, unknown>);

  it("the fake refuses the retired artifact.files as a validation error, as a server without it does", async () => {
    const r = registry({ entity: ENTITY });
    await r.createVersion("retired-files", { artifacts: files("rf") });
    const [artifact] = collection("retired-files").members;
    const legacy = 'query($id: ID!) { artifact(id: $id) { files(names: ["model.pkl"]) { edges { node { name directUrl } } } } }';
    expect(await errorsOf(legacy, { id: artifact?.id })).toEqual(['Cannot query field "files" on type "Artifact".']);
  });

  it("downloads list URLs by the version's number in its collection, a page at a time, and check every file", async () => {
    const r = registry({ entity: ENTITY });
    await r.createVersion("paged-files", { artifacts: files("first") });
    const entries = ["a", "b", "c", "d", "e"].map((x) => ({ path: `${x}.bin`, content: `content ${x}` }));
    const v = await r.createVersion("paged-files", { artifacts: { entries } });
    fake.filePageLimit = 2;
    const before = fake.requests.length;
    const dir = await mkdtemp(join(tmpdir(), "wandb-paged-"));
    try {
      await r.downloadArtifacts(v, dir);
      for (const e of entries) expect(await readFile(join(dir, e.path), "utf8")).toBe(e.content);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const sent = urlRequests(before);
    expect(sent.map((x) => [x.entity, x.project, x.collection, x.alias, x.after])).toEqual([
      [ENTITY, "models", "paged-files", "v1", null],
      [ENTITY, "models", "paged-files", "v1", "2"],
      [ENTITY, "models", "paged-files", "v1", "4"],
    ]);
    // One file opened: only its URL is asked for.
    const one = fake.requests.length;
    expect(await new Response((await r.openArtifact(v, "c.bin")).stream).text()).toBe("content c");
    expect(urlRequests(one).map((x) => x.names)).toEqual([["c.bin"]]);
  });

  it("a version read through a registry view downloads by its number in the portfolio", async () => {
    const r = registry({ entity: ENTITY });
    await r.createVersion("view-files", { artifacts: files("old") });
    const v = await r.createVersion("view-files", { artifacts: files("linked bytes") });
    expect(v.version).toBe("1");
    await r.link(v, { registry: "model", collection: "view-files-reg" });
    const reg = await r.inRegistry("model");
    const before = fake.requests.length;
    expect(await new Response((await reg.openArtifact("view-files-reg/0", "model.pkl")).stream).text()).toBe("linked bytes");
    const dir = await mkdtemp(join(tmpdir(), "wandb-view-"));
    try {
      await reg.downloadArtifacts("view-files-reg/0", dir);
      expect(await readFile(join(dir, "model.pkl"), "utf8")).toBe("linked bytes");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(urlRequests(before).map((x) => [x.entity, x.project, x.collection, x.alias])).toEqual([
      [ORG_ENTITY, "wandb-registry-model", "view-files-reg", "v0"],
      [ORG_ENTITY, "wandb-registry-model", "view-files-reg", "v0"],
    ]);
  });

  it("bytes that do not match the manifest still fail the download", async () => {
    const r = registry({ entity: ENTITY });
    const v = await r.createVersion("tampered-files", { artifacts: files("true bytes") });
    const [artifact] = collection("tampered-files").members;
    const stored = [...(artifact?.files.values() ?? [])][0]?.storagePath ?? "";
    fake.storage.set(stored, new TextEncoder().encode("evil bytes"));
    await expect(new Response((await r.openArtifact(v, "model.pkl")).stream).text()).rejects.toThrow(IntegrityError);
  });
});
