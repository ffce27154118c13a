// Where the Hugging Face adapter finds its token and its Hub, as huggingface_hub does: the setting, HF_TOKEN,
// HUGGING_FACE_HUB_TOKEN, the token file ($HF_TOKEN_PATH, $HF_HOME/token, $XDG_CACHE_HOME/huggingface/token), and
// HF_ENDPOINT, also a Hub served under a path prefix; and that the token goes to the Hub's origin only.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthenticationError, NotFoundError } from "modelreg";
import { http, HttpResponse } from "msw";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejectionOf } from "../support/rejection.js";
import { weights } from "../support/version-files.js";
import { CDN, HF_TOKEN, HUB, STRANGER_TOKEN } from "./support/hub-fake.js";
import { NAMESPACE, useHubFake } from "./support/setup.js";

const MIRROR = `${HUB}/mirror`;
const VIA_MIRROR = "x-test-via-mirror";
/** While a test runs against the mirror: what the mirror forwarded, and what reached the Hub around it. */
const mirror = { on: false, forwarded: [] as string[], direct: [] as string[] };

/**
 * A Hub served under `/mirror/` (a proxy or a private Hub at a path): requests under it are forwarded to the fake
 * without the prefix; while a mirror test runs, any other request to the Hub's origin is noted as direct.
 */
const mirrorHandlers = [
  http.all(/^https:\/\/hub\.hf\.test\/mirror\//, async ({ request }) => {
    const url = request.url.replace(`${MIRROR}/`, `${HUB}/`);
    mirror.forwarded.push(`${request.method} ${new URL(url).pathname}`);
    const headers = new Headers(request.headers);
    headers.set(VIA_MIRROR, "1");
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    return fetch(url, { method: request.method, headers, body, redirect: "manual" });
  }),
  http.all(/^https:\/\/hub\.hf\.test\//, ({ request }) => {
    if (mirror.on && !request.headers.has(VIA_MIRROR)) mirror.direct.push(`${request.method} ${new URL(request.url).pathname}`);
    return undefined;
  }),
];

const { fake, server, registry } = useHubFake(mirrorHandlers);

/** A private repository of the org with one modelreg version, made once for the file. */
const PRIVATE = "auth-private";
let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "modelreg-hf-auth-"));
  await registry().createVersion(PRIVATE, { artifacts: { entries: [{ path: "config.json", content: "{}" }] } });
  expect(fake.repo(`${NAMESPACE}/${PRIVATE}`)?.private).toBe(true);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A registry that reads its token from `env` only (no setting), with an empty HOME so no real token file is found. */
const fromEnv = (env: Record<string, string | undefined>) => registry({ token: undefined, env: { HOME: join(home, "nobody"), ...env } });

/** Whether a registry can read the private repository (it sends a token of a member), checked through the fake's log. */
async function readsPrivate(r: ReturnType<typeof registry>): Promise<boolean> {
  const before = fake.requests.length;
  try {
    await r.getModel(PRIVATE);
    expect(fake.requests.slice(before).every((q) => q.authorized)).toBe(true);
    return true;
  } catch (error) {
    if (NotFoundError.isInstance(error)) return false;
    throw error;
  }
}

/** A token file with `content`, in a fresh folder; returns the folder. */
async function tokenFile(name: string, content: string, file = "token"): Promise<string> {
  const dir = join(home, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), content);
  return dir;
}

describe("the token", () => {
  it("without any, requests carry no Authorization and a private repository reads as missing", async () => {
    const before = fake.requests.length;
    expect(await readsPrivate(fromEnv({}))).toBe(false);
    expect(fake.requests.slice(before).some((q) => q.authorized)).toBe(false);
    // A public repository reads without one.
    await registry({ private: false }).createVersion("auth-public", { artifacts: { entries: [{ path: "config.json", content: "{}" }] } });
    expect((await fromEnv({}).getVersion({ model: "auth-public", version: "1" })).version).toBe("1");
  });

  it("reads HF_TOKEN, then HUGGING_FACE_HUB_TOKEN; HF_TOKEN wins", async () => {
    expect(await readsPrivate(fromEnv({ HF_TOKEN }))).toBe(true);
    expect(await readsPrivate(fromEnv({ HUGGING_FACE_HUB_TOKEN: HF_TOKEN }))).toBe(true);
    expect(await readsPrivate(fromEnv({ HF_TOKEN: STRANGER_TOKEN, HUGGING_FACE_HUB_TOKEN: HF_TOKEN }))).toBe(false);
    expect(await readsPrivate(fromEnv({ HF_TOKEN, HUGGING_FACE_HUB_TOKEN: STRANGER_TOKEN }))).toBe(true);
  });

  it("the setting wins over the environment", async () => {
    expect(await readsPrivate(registry({ token: HF_TOKEN, env: { HF_TOKEN: STRANGER_TOKEN } }))).toBe(true);
    expect(await readsPrivate(registry({ token: STRANGER_TOKEN, env: { HF_TOKEN } }))).toBe(false);
  });

  it("an empty HF_TOKEN counts as unset, so HUGGING_FACE_HUB_TOKEN is used (huggingface_hub: HF_TOKEN or HUGGING_FACE_HUB_TOKEN)", async () => {
    expect(await readsPrivate(fromEnv({ HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: HF_TOKEN }))).toBe(true);
  });

  it("reads the token file at $HF_TOKEN_PATH, trimmed", async () => {
    const dir = await tokenFile("token-path", `  ${HF_TOKEN}\n`, "my-token");
    expect(await readsPrivate(fromEnv({ HF_TOKEN_PATH: join(dir, "my-token") }))).toBe(true);
  });

  it("reads $HF_HOME/token, then $XDG_CACHE_HOME/huggingface/token, then ~/.cache/huggingface/token", async () => {
    const hfHome = await tokenFile("hf-home", `${HF_TOKEN}\n`);
    expect(await readsPrivate(fromEnv({ HF_HOME: hfHome }))).toBe(true);
    const xdg = join(home, "xdg");
    await tokenFile(join("xdg", "huggingface"), HF_TOKEN);
    expect(await readsPrivate(fromEnv({ XDG_CACHE_HOME: xdg }))).toBe(true);
    const user = join(home, "user");
    await tokenFile(join("user", ".cache", "huggingface"), HF_TOKEN);
    expect(await readsPrivate(registry({ token: undefined, env: { HOME: user } }))).toBe(true);
  });

  it("$HF_TOKEN_PATH wins over $HF_HOME, and an environment token over any file", async () => {
    const stranger = await tokenFile("stranger-home", STRANGER_TOKEN);
    const member = await tokenFile("member-path", HF_TOKEN);
    expect(await readsPrivate(fromEnv({ HF_HOME: stranger, HF_TOKEN_PATH: join(member, "token") }))).toBe(true);
    expect(await readsPrivate(fromEnv({ HF_HOME: member, HF_TOKEN: STRANGER_TOKEN }))).toBe(false);
    // A missing file at HF_TOKEN_PATH is no token (HF_HOME's file is not read instead).
    expect(await readsPrivate(fromEnv({ HF_HOME: member, HF_TOKEN_PATH: join(member, "absent") }))).toBe(false);
  });

  it("expands ~ in $HF_TOKEN_PATH and $HF_HOME, as huggingface_hub does (expanduser)", async () => {
    await tokenFile(join("tilde", "hf"), HF_TOKEN);
    const tilde = join(home, "tilde");
    expect(await readsPrivate(registry({ token: undefined, env: { HOME: tilde, HF_TOKEN_PATH: "~/hf/token" } }))).toBe(true);
    expect(await readsPrivate(registry({ token: undefined, env: { HOME: tilde, HF_HOME: "~/hf" } }))).toBe(true);
  });

  it("a token the Hub does not know is an AuthenticationError that does not show it", async () => {
    const bad = "hf_notAKnownTokenAtAllXyzXyzXyzXyzXy";
    const error = await rejectionOf(registry({ token: bad }).getModel(PRIVATE));
    expect(AuthenticationError.isInstance(error), String(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain(bad);
  });

  it("refuses a token with whitespace inside before any request", () => {
    const before = fake.requests.length;
    expect(() => registry({ token: "hf_two words" })).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "token" }));
    expect(fake.requests.length).toBe(before);
  });

  it("goes to the Hub's origin only: never to signed storage URLs, nor with a resolve redirect to the CDN", async () => {
    const before = fake.requests.length;
    const r = registry();
    const v = await r.createVersion("auth-origin", {
      artifacts: {
        entries: [
          { path: "model.safetensors", content: weights(5000, 4) },
          { path: "config.json", content: "{}" },
        ],
      },
    });
    for (const path of ["model.safetensors", "config.json"]) await new Response((await r.openArtifact(v, path)).stream).arrayBuffer();
    const since = fake.requests.slice(before);
    const cdn = since.filter((q) => q.url.startsWith(CDN));
    // The LFS upload and the LFS download went to storage, without the token; every Hub call had it.
    expect(cdn.map((q) => q.method).sort()).toEqual(["GET", "PUT"]);
    expect(cdn.filter((q) => q.authorized)).toEqual([]);
    expect(since.filter((q) => q.url.startsWith(HUB) && !q.authorized)).toEqual([]);
    // Nothing was refused (storage answers 400 to a request carrying a token; 404s are the reads of a new model).
    expect(since.filter((q) => [400, 401, 403].includes(q.status))).toEqual([]);
  });
});

describe("the Hub's address", () => {
  it("reads HF_ENDPOINT (with or without a trailing slash); the setting wins", async () => {
    for (const endpoint of [HUB, `${HUB}/`, ` ${HUB} `]) {
      const r = registry({ endpoint: undefined, env: { HF_ENDPOINT: endpoint } });
      expect((await r.getVersion({ model: PRIVATE, version: "1" })).version).toBe("1");
    }
    const elsewhere: string[] = [];
    server.use(
      http.all("https://elsewhere.test/*", ({ request }) => {
        elsewhere.push(request.url);
        return HttpResponse.json({ error: "not here" }, { status: 404 });
      }),
    );
    expect((await registry({ endpoint: HUB, env: { HF_ENDPOINT: "https://elsewhere.test" } }).getModel(PRIVATE)).name).toBe(PRIVATE);
    expect(elsewhere).toEqual([]);
    await rejectionOf(registry({ endpoint: undefined, env: { HF_ENDPOINT: "https://elsewhere.test" } }).getModel(PRIVATE));
    expect(elsewhere.length).toBeGreaterThan(0);
  });

  it("defaults to https://huggingface.co", async () => {
    const seen: string[] = [];
    server.use(
      http.all("https://huggingface.co/*", ({ request }) => {
        seen.push(new URL(request.url).pathname);
        return HttpResponse.json({ error: "Repository not found" }, { status: 404, headers: { "X-Error-Code": "RepoNotFound" } });
      }),
    );
    const error = await rejectionOf(registry({ endpoint: undefined, token: undefined, env: { HOME: join(home, "nobody") } }).getModel("fraud"));
    expect(NotFoundError.isInstance(error), String(error)).toBe(true);
    expect(seen.some((p) => p.startsWith(`/api/models/${NAMESPACE}/fraud`))).toBe(true);
  });

  it("refuses endpoints that are not http(s) URLs or carry credentials, and bad namespaces, before any request", () => {
    const before = fake.requests.length;
    for (const endpoint of ["ftp://hub.hf.test", "not a url", "https://user:pw@hub.hf.test"])
      expect(() => registry({ endpoint })).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "endpoint" }));
    for (const namespace of ["", "a/b", "-x", "a--b", "a..b", "n".repeat(97)])
      expect(() => registry({ namespace })).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "namespace" }));
    expect(fake.requests.length).toBe(before);
  });

  it("works against a Hub under a path prefix: every call, upload and download stays under it", async () => {
    mirror.on = true;
    mirror.forwarded = [];
    mirror.direct = [];
    // The Hub writes its own address into LFS verify and next-page URLs.
    fake.hubOrigin = MIRROR;
    try {
      const r = registry({ endpoint: `${MIRROR}/` });
      const model = "auth-mirror";
      const bytes = weights(3000, 5);
      const v = await r.createVersion(model, {
        artifacts: {
          entries: [
            { path: "model.safetensors", content: bytes },
            { path: "config.json", content: '{"m": 1}' },
          ],
        },
        aliases: ["champion"],
        idempotencyKey: "mirror-1",
      });
      expect((await r.createVersion(model, { artifacts: { entries: [{ path: "config.json", content: "{}" }] }, idempotencyKey: "mirror-1" })).version).toBe(
        v.version,
      );
      expect((await r.getVersion(`${model}@champion`)).version).toBe("1");
      await r.transitionStage({ model, version: "1" }, "production");
      const got = new Uint8Array(await new Response((await r.openArtifact(v, "model.safetensors")).stream).arrayBuffer());
      expect(got).toEqual(bytes);
      expect(new TextDecoder().decode(await new Response((await r.openArtifact(v, "config.json")).stream).arrayBuffer())).toBe('{"m": 1}');
      const models: string[] = [];
      for await (const m of r.listModels({ namePrefix: "auth-mirror" })) models.push(m.name);
      expect(models).toEqual([model]);
      expect(mirror.forwarded.some((p) => p.includes("/commit/main"))).toBe(true);
      expect(mirror.forwarded.some((p) => p.includes("/info/lfs/objects/"))).toBe(true);
      // Only the Hub's own redirects for regular files leave the prefix (the fake answers them at its root).
      expect(mirror.direct.filter((p) => !p.startsWith("GET /api/resolve-cache/"))).toEqual([]);
    } finally {
      mirror.on = false;
      fake.hubOrigin = HUB;
    }
  });
});
