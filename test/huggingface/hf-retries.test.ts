// Every write of the Hugging Face adapter when the network fails it once: refused before the Hub acted (503 without
// Retry-After, or a connection reset), so sending again is safe; or acted on by the Hub with the answer lost, so
// sending again must not do it twice nor fail on what the first one did. These are the faults the scripted lifecycle
// meets behind the faulting proxy (faults.test.ts), one at a time and on purpose.
import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { weights } from "../support/version-files.js";
import { HUB } from "./support/hub-fake.js";
import { NAMESPACE, useHubFake } from "./support/setup.js";

const FORWARDED = "x-test-forwarded";
/** Requests whose answer is lost after the Hub applied them: the first request matching each is forwarded, then cut. */
const lose: Array<{ method: string; url: RegExp; status?: number }> = [];

const lostAnswers = http.all(/^https:\/\/hub\.hf\.test\//, async ({ request }) => {
  if (request.headers.has(FORWARDED)) return undefined;
  const i = lose.findIndex((l) => l.method === request.method && l.url.test(request.url));
  if (i < 0) return undefined;
  const [lost] = lose.splice(i, 1);
  const headers = new Headers(request.headers);
  headers.set(FORWARDED, "1");
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  const answer = await fetch(request.url, { method: request.method, headers, body, redirect: "manual" });
  await answer.arrayBuffer();
  if (lost) lost.status = answer.status;
  return HttpResponse.error();
});

const { fake, registry } = useHubFake([lostAnswers]);
/** Quick retries: these tests are about whether a write is sent again, not how long it waits. */
const r = () => registry({ retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
const id = (model: string) => `${NAMESPACE}/${model}`;
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8"));
const config = (content = "{}") => ({ entries: [{ path: "config.json", content }] });
/** Fails the next request of `method` whose URL matches `url` with `outcome`, before the fake sees it. */
const refuse = (method: string, url: RegExp, outcome: number | "reset") => fake.failNext((q) => q.method === method && url.test(q.url), outcome, 1);
/** Loses the answer to the next request of `method` matching `url`, after the fake applied it; returns what it answered. */
const loseAnswer = (method: string, url: RegExp) => {
  const entry: { method: string; url: RegExp; status?: number } = { method, url };
  lose.push(entry);
  return entry;
};
const history = (model: string, branch: string) => {
  const repo = fake.repo(id(model));
  const out = [];
  for (let oid = repo?.branches.get(branch); oid; oid = repo?.commits.get(oid)?.parents[0]) out.push(repo?.commits.get(oid));
  return out;
};

afterEach(() => {
  lose.length = 0;
  fake.multipartThreshold = Number.POSITIVE_INFINITY;
  fake.multipartChunkSize = 5 * 1024 * 1024;
});

describe("refused before the Hub acted: sent again", () => {
  it.each([503, "reset"] as const)("a repository create (%s) for createModel", async (outcome) => {
    const model = `again-repo-${outcome}`;
    refuse("POST", /\/api\/repos\/create$/, outcome);
    expect((await r().createModel({ name: model })).name).toBe(model);
    expect(fake.repo(id(model))).toBeDefined();
  });

  it.each([503, "reset"] as const)("a repository create (%s) for a new model's first version", async (outcome) => {
    const model = `again-first-${outcome}`;
    refuse("POST", /\/api\/repos\/create$/, outcome);
    expect((await r().createVersion(model, { artifacts: config() })).version).toBe("1");
    expect(Object.keys(fake.refs(id(model)).tags)).toEqual(["v1"]);
  });

  it.each([503, "reset"] as const)("a version commit (%s): parentCommit makes the resend safe, and one version is made", async (outcome) => {
    const model = `again-commit-${outcome}`;
    await r().createModel({ name: model });
    refuse("POST", new RegExp(`/${id(model)}/commit/main$`), outcome);
    expect((await r().createVersion(model, { artifacts: config('{"again": true}') })).version).toBe("1");
    expect(history(model, "main").filter((c) => c?.summary.startsWith("modelreg:"))).toHaveLength(1);
    expect(text(fake.fileAt(id(model), "v1", "config.json"))).toBe('{"again": true}');
  });

  it.each([503, "reset"] as const)("a state commit (%s)", async (outcome) => {
    const model = `again-state-${outcome}`;
    await r().createVersion(model, { artifacts: config() });
    await r().updateModel(model, { description: "first" });
    refuse("POST", new RegExp(`/${id(model)}/commit/modelreg$`), outcome);
    expect((await r().updateVersion({ model, version: "1" }, { description: "again" })).description).toBe("again");
  });
});

describe("acted on by the Hub, the answer lost: not done twice, not failed", () => {
  it("a state commit: createModel with a description keeps the repository and the description", async () => {
    const model = "lost-state-create";
    const lost = loseAnswer("POST", new RegExp(`/${id(model)}/commit/modelreg$`));
    const made = await r().createModel({ name: model, description: "kept", tags: { team: "risk" } });
    expect(lost.status).toBe(200);
    expect(made.description).toBe("kept");
    expect(fake.repo(id(model))).toBeDefined();
    expect(JSON.parse(text(fake.fileAt(id(model), "modelreg", "state.json")) ?? "{}").model).toMatchObject({ description: "kept", tags: { team: "risk" } });
  });

  it("a state commit: updateVersion and transitionStage report success and the state holds the change", async () => {
    const model = "lost-state-update";
    await r().createVersion(model, { artifacts: config() });
    let lost = loseAnswer("POST", new RegExp(`/${id(model)}/commit/modelreg$`));
    expect((await r().updateVersion({ model, version: "1" }, { tags: { a: "1" } })).tags).toEqual({ a: "1" });
    expect(lost.status).toBe(200);
    lost = loseAnswer("POST", new RegExp(`/${id(model)}/commit/modelreg$`));
    expect((await r().transitionStage({ model, version: "1" }, "production")).stage).toBe("production");
    expect(lost.status).toBe(200);
    expect(fake.refs(id(model)).branches.production).toBe(fake.refs(id(model)).tags.v1);
    expect(JSON.parse(text(fake.fileAt(id(model), "modelreg", "state.json")) ?? "{}").versions["1"]).toMatchObject({ tags: { a: "1" }, stage: "production" });
  });

  it("the version tag: the resend's 409 names our commit, so the version is made", async () => {
    const model = "lost-tag";
    const lost = loseAnswer("POST", new RegExp(`/${id(model)}/tag/`));
    expect((await r().createVersion(model, { artifacts: config() })).version).toBe("1");
    expect(lost.status).toBe(200);
    expect(Object.keys(fake.refs(id(model)).tags)).toEqual(["v1"]);
  });

  it("an alias branch, set and deleted", async () => {
    const model = "lost-alias";
    await r().createVersion(model, { artifacts: config() });
    loseAnswer("POST", new RegExp(`/${id(model)}/branch/champion$`));
    await r().setAlias(model, "champion", "1");
    expect(fake.refs(id(model)).branches.champion).toBe(fake.refs(id(model)).tags.v1);
    const lost = loseAnswer("DELETE", new RegExp(`/${id(model)}/branch/champion$`));
    await r().deleteAlias(model, "champion");
    expect(lost.status).toBe(200);
    expect(fake.refs(id(model)).branches.champion).toBeUndefined();
  });

  it("a version's tag deleted by deleteVersion", async () => {
    const model = "lost-delete-tag";
    await r().createVersion(model, { artifacts: config() });
    const lost = loseAnswer("DELETE", new RegExp(`/${id(model)}/tag/v1$`));
    await r().deleteVersion({ model, version: "1" });
    expect(lost.status).toBeLessThan(300);
    expect(fake.refs(id(model)).tags).toEqual({});
  });

  it("a repository deleted by deleteModel", async () => {
    const model = "lost-delete-repo";
    await r().createModel({ name: model });
    const lost = loseAnswer("DELETE", /\/api\/repos\/delete$/);
    await r().deleteModel(model);
    expect(lost.status).toBe(200);
    expect(fake.repo(id(model))).toBeUndefined();
  });

  it("an LFS upload: the single PUT and its verify", async () => {
    const model = "lost-lfs";
    loseAnswer("PUT", /^https:\/\/cdn\.hf\.test\/upload\//);
    loseAnswer("POST", /\/info\/lfs\/objects\/verify$/);
    const bytes = weights(3000, 6);
    const v = await r().createVersion(model, { artifacts: { entries: [{ path: "model.safetensors", content: bytes }] } });
    expect(new Uint8Array(await new Response((await r().openArtifact(v, "model.safetensors")).stream).arrayBuffer())).toEqual(bytes);
  });

  it("an LFS multipart upload: a part, and the completion", async () => {
    const model = "lost-multipart";
    fake.multipartThreshold = 1000;
    fake.multipartChunkSize = 1200;
    loseAnswer("PUT", /^https:\/\/cdn\.hf\.test\/upload\/.*partNumber=2/);
    const lost = loseAnswer("POST", /\/api\/complete_multipart\?/);
    const bytes = weights(3000, 7);
    const v = await r().createVersion(model, { artifacts: { entries: [{ path: "model.safetensors", content: bytes }] } });
    expect(lost.status).toBe(200);
    expect(new Uint8Array(await new Response((await r().openArtifact(v, "model.safetensors")).stream).arrayBuffer())).toEqual(bytes);
  });
});

describe("the hook", () => {
  it("forwards to the fake and cuts the answer", async () => {
    const before = fake.requests.length;
    const lost = loseAnswer("GET", /\/api\/models\/acme\/hook-check\/refs$/);
    await expect(fetch(`${HUB}/api/models/${id("hook-check")}/refs`)).rejects.toThrow();
    expect(lost.status).toBe(401);
    expect(fake.requests.length).toBe(before + 1);
  });
});
