// A hostile Hub (msw, on top of the Hub fake): trees and records whose paths try to escape the download directory or
// the cache, redirects and next-page links to other hosts, LFS instructions pointing elsewhere, endless and oversized
// bodies, answers whose shape drifted, and refs or records that lie. Nothing may be written outside the target, the
// token may reach no other host, and every failure is a typed error.
import { createHash } from "node:crypto";
import { mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { ResponseValidationError } from "modelreg";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import {
  ENCODED_PATHS,
  ESCAPING_PATHS,
  expectKind,
  expectNoCredentials,
  expectNothingWritten,
  headersOf,
  lazyBody,
  type Meter,
  MiB,
  peakGrowth,
  stalledBody,
  strays,
  tree,
  workspace,
} from "../support/hostile.js";
import { rejectionOf } from "../support/rejection.js";
import { weights } from "../support/version-files.js";
import { HF_TOKEN, HUB, USER } from "./support/hub-fake.js";
import { regularEntry } from "./support/hub-fake-git.js";
import { NAMESPACE, useHubFake } from "./support/setup.js";

const { fake, server, registry } = useHubFake();
const r = (settings: Parameters<typeof registry>[0] = {}) => registry({ maxRetries: 0, ...settings });
const id = (model: string) => `${NAMESPACE}/${model}`;
const api = (model: string) => `${HUB}/api/models/${id(model)}`;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const FORWARDED = "x-hostile-pass";
type Seen = { url: string; headers: Record<string, string> };

/** A modelreg version with one regular file `config.json` ("hello") and one LFS file `model.safetensors`. */
async function version(model: string): Promise<{ model: string; version: string }> {
  const v = await r().createVersion(model, {
    artifacts: {
      entries: [
        { path: "config.json", content: "hello" },
        { path: "model.safetensors", content: weights(2048, 3) },
      ],
    },
  });
  return { model, version: v.version };
}

/** A repository another tool made, tagged v1 (no modelreg.json): its files as given, stored as regular blobs. */
function foreign(model: string, files: Record<string, string>): { model: string; version: string } {
  const repo = fake.createRepo(id(model), { private: true, author: USER });
  const head = repo.commits.get(repo.branches.get("main") as string);
  const tree = new Map(head?.tree);
  for (const [path, content] of Object.entries(files)) tree.set(path, regularEntry(Buffer.from(content)));
  repo.tags.set("v1", { oid: fake.commitTo(repo, "main", tree, "upload", "", USER).oid });
  return { model, version: "1" };
}

/** Answers the model's tree listing with `entries` (in one page); counts what is then fetched from the resolver. */
function hostileTree(model: string, entries: unknown[]): string[] {
  const fetched: string[] = [];
  server.use(
    http.get(`${api(model)}/tree/*`, () => HttpResponse.json(entries)),
    http.get(`${HUB}/${id(model)}/resolve/*`, ({ request }) => {
      if (!request.url.endsWith("/modelreg.json")) fetched.push(new URL(request.url).pathname);
      return undefined;
    }),
  );
  return fetched;
}

const file = (path: string, content = "fine") => ({
  type: "file",
  path,
  size: Buffer.byteLength(content),
  oid: createHash("sha1")
    .update(`blob ${Buffer.byteLength(content)}\0${content}`)
    .digest("hex"),
});

/** Asks the fake for its true answer to a request (the marker lets it past the hostile handler). */
async function real(request: Request): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set(FORWARDED, "1");
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.clone().arrayBuffer();
  return fetch(request.url, { method: request.method, headers, body, redirect: "manual" });
}

describe("Hub: tree paths cannot leave the download directory", () => {
  it.each(ESCAPING_PATHS)("refuses the tree path %j of a version another tool tagged, before fetching a file", async (bad) => {
    const ref = foreign(`escape-${sha256(bad).slice(0, 8)}`, { "ok.txt": "fine" });
    const ws = await workspace();
    const fetched = hostileTree(ref.model, [file("ok.txt"), file(bad)]);
    expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target)), ["InvalidInputError", "ResponseValidationError", "CorruptDataError"]);
    expect(fetched).toEqual([]);
    await expectNothingWritten(ws);
  });

  it.each(ESCAPING_PATHS)("refuses the tree path %j for the Hugging Face cache, before writing anything", async (bad) => {
    const ref = await version(`cache-escape-${sha256(bad).slice(0, 8)}`);
    const ws = await workspace();
    const fetched = hostileTree(ref.model, [file("config.json", "hello"), file(bad)]);
    expectKind(await rejectionOf(r().downloadToHubCache(ref, { cacheDir: ws.target })), ["InvalidInputError", "ResponseValidationError", "CorruptDataError"]);
    expect(fetched).toEqual([]);
    await expectNothingWritten(ws);
  });

  it("refuses a modelreg.json whose file list was edited to escape", async () => {
    const ref = await version("escape-record");
    const { stream } = await r().openArtifact(ref, "config.json");
    await stream.cancel();
    const commit = fake.refs(id(ref.model)).tags.v1 as string;
    const record = JSON.parse(Buffer.from(fake.fileAt(id(ref.model), commit, "modelreg.json") ?? []).toString()) as { files: Array<{ path: string }> };
    for (const path of ["../x", "a/../../x", "/etc/x", "C:\\x"]) {
      const edited = { ...record, files: [{ ...record.files[0], path }] };
      server.use(http.get(`${HUB}/${id(ref.model)}/resolve/:rev/modelreg.json`, () => HttpResponse.text(JSON.stringify(edited))));
      const ws = await workspace();
      expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target)), ["InvalidInputError", "ResponseValidationError", "CorruptDataError"]);
      await expectNothingWritten(ws);
    }
  });

  it("writes names that only look like traversal once decoded inside the target, as literal names", async () => {
    const ref = foreign("escape-encoded", Object.fromEntries(ENCODED_PATHS.map((p, i) => [p, `literal ${i}`])));
    const ws = await workspace();
    await r().downloadArtifacts(ref, ws.target);
    expect(await tree(ws.target)).toEqual([...ENCODED_PATHS].sort());
    for (const [i, p] of ENCODED_PATHS.entries()) expect(await readFile(join(ws.target, p), "utf8")).toBe(`literal ${i}`);
    expect(await tree(ws.outside)).toEqual([]);
    expect(await strays(ws)).toEqual([]);
  });

  it("does not write through a symlink already in the target directory", async () => {
    const ref = foreign("escape-link", { "link/payload": "escape" });
    const ws = await workspace();
    await mkdir(ws.target);
    await symlink(ws.outside, join(ws.target, "link"), "dir");
    expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target, { overwrite: true })), ["InvalidInputError", "StorageError"]);
    expect(await tree(ws.outside)).toEqual([]);
  });

  it("refuses `a` and `a/b` in one tree, for a download and for the cache, with nothing half-written", async () => {
    const ref = await version("escape-clash");
    const ws = await workspace();
    hostileTree(ref.model, [file("a"), file("a/b")]);
    expectKind(await rejectionOf(r().downloadToHubCache(ref, { cacheDir: ws.target })), ["InvalidInputError"]);
    await expectNothingWritten(ws);
    const other = foreign("escape-clash-foreign", { a: "x" });
    hostileTree(other.model, [file("a"), file("a/b")]);
    expectKind(await rejectionOf(r().downloadArtifacts(other, ws.target)), ["InvalidInputError"]);
    await expectNothingWritten(ws);
  });
});

describe("Hub: the token never reaches another host", () => {
  /** Records what a foreign host sees, and answers it with `answer`. */
  function foreignHost(host: string, answer: (request: Request) => Response | Promise<Response>): Seen[] {
    const seen: Seen[] = [];
    server.use(
      http.all(`${host}/*`, ({ request }) => {
        seen.push({ url: request.url, headers: headersOf(request) });
        return answer(request);
      }),
    );
    return seen;
  }

  it.each([301, 302, 303, 307, 308])("a file the resolver redirects (%i) to another host is fetched without it", async (status) => {
    const ref = foreign(`redirect-file-${status}`, { "config.json": "hello" });
    const seen = foreignHost("https://mirror.evil.test", () => HttpResponse.text("hello"));
    server.use(
      http.get(
        `${HUB}/${id(ref.model)}/resolve/:rev/config.json`,
        () => new HttpResponse(null, { status, headers: { location: "https://mirror.evil.test/blob" } }),
      ),
    );
    const ws = await workspace();
    await r().downloadArtifacts(ref, ws.target);
    expect(await readFile(join(ws.target, "config.json"), "utf8")).toBe("hello");
    expect(seen).toHaveLength(1);
    expectNoCredentials(seen[0] as Seen, [HF_TOKEN]);
  });

  it("an API call the Hub redirects to another host goes there without it", async () => {
    const seen = foreignHost("https://api.evil.test", () => HttpResponse.json({ error: "who are you" }, { status: 401 }));
    server.use(http.get(`${api("redirect-api")}/refs`, () => new HttpResponse(null, { status: 307, headers: { location: "https://api.evil.test/refs" } })));
    await rejectionOf(r().getVersion({ model: "redirect-api", version: "1" }));
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const s of seen) expectNoCredentials(s, [HF_TOKEN]);
  });

  it("an LFS verify or multipart completion URL on another host gets no token", async () => {
    const seen = foreignHost("https://lfs.evil.test", () => HttpResponse.json({}));
    // The fake's true batch answer, with its Hub URLs moved to another host.
    server.use(
      http.post(/^https:\/\/hub\.hf\.test\/acme\/[^/]+\.git\/info\/lfs\/objects\/batch$/, async ({ request }) => {
        if (request.headers.has(FORWARDED)) return undefined;
        const answer = (await (await real(request)).json()) as { objects: Array<{ actions?: Record<string, { href: string }> }> };
        for (const o of answer.objects)
          for (const action of Object.values(o.actions ?? {})) if (action.href.startsWith(HUB)) action.href = action.href.replace(HUB, "https://lfs.evil.test");
        return HttpResponse.json(answer, { headers: { "content-type": "application/vnd.git-lfs+json" } });
      }),
    );
    const single = await r().createVersion("lfs-elsewhere", { artifacts: { entries: [{ path: "model.safetensors", content: weights(3000, 8) }] } });
    expect(single.version).toBe("1");
    fake.multipartThreshold = 1000;
    fake.multipartChunkSize = 1200;
    try {
      await rejectionOf(r().createVersion("lfs-elsewhere-parts", { artifacts: { entries: [{ path: "model.safetensors", content: weights(3000, 9) }] } }));
    } finally {
      fake.multipartThreshold = Number.POSITIVE_INFINITY;
      fake.multipartChunkSize = 5 * 1024 * 1024;
    }
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual([`/${id("lfs-elsewhere")}.git/info/lfs/objects/verify`, "/api/complete_multipart"]);
    for (const s of seen) expectNoCredentials(s, [HF_TOKEN]);
  });

  it("refuses a tree's next-page link to another origin, without following it", async () => {
    const ref = await version("link-tree");
    const seen = foreignHost("https://pages.evil.test", () => HttpResponse.json([]));
    server.use(
      http.get(`${api(ref.model)}/tree/*`, () =>
        HttpResponse.json([file("config.json", "hello")], {
          headers: { link: `<https://pages.evil.test/api/models/${id(ref.model)}/tree/main?cursor=1>; rel="next"` },
        }),
      ),
    );
    const ws = await workspace();
    expectKind(await rejectionOf(r().downloadToHubCache(ref, { cacheDir: ws.target })), ["CorruptDataError"]);
    expect(seen).toEqual([]);
    await expectNothingWritten(ws);
  });

  it("a model listing's next-page link to another origin never sends a request there", async () => {
    await r({ namespace: USER }).createModel({ name: "link-models" });
    const seen = foreignHost("https://pages.evil.test", () => HttpResponse.json([]));
    let pages = 0;
    server.use(
      http.get(`${HUB}/api/models`, async ({ request }) => {
        if (request.headers.has(FORWARDED)) return undefined;
        pages++;
        const items = (await (await real(request)).json()) as unknown[];
        return pages > 3
          ? HttpResponse.json([])
          : HttpResponse.json(items, { headers: { link: `<https://pages.evil.test/api/models?author=${USER}&cursor=${pages}>; rel="next"` } });
      }),
    );
    await r({ namespace: USER })
      .listModels()
      .toArray()
      .catch(() => undefined);
    expect(seen).toEqual([]);
  });

  it("keeps the token out of an error whose message echoes it", async () => {
    server.use(
      http.get(`${api("echo")}/refs`, () =>
        HttpResponse.json({ error: `bad token ${HF_TOKEN}` }, { status: 403, headers: { "X-Error-Message": `token ${HF_TOKEN} may not read this` } }),
      ),
    );
    const error = await rejectionOf(r().getVersion({ model: "echo", version: "1" }));
    expectKind(error, ["PermissionDeniedError"]);
    expect((error as Error).message).not.toContain(HF_TOKEN);
    expect(JSON.stringify(error)).not.toContain(HF_TOKEN);
  });
});

describe("Hub: oversized and endless bodies end in typed errors with bounded memory", () => {
  it("stops reading a refs answer that never ends at the limit", async () => {
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(
        `${api("endless-refs")}/refs`,
        () =>
          new HttpResponse(lazyBody(Infinity, { prefix: '{"branches": [], "tags": [{"name": "', meter }), { headers: { "content-type": "application/json" } }),
      ),
    );
    const { error, growth } = await peakGrowth(() => r().getVersion({ model: "endless-refs", version: "1" }));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("stops reading a tree listing far over the limit (256 MiB offered)", async () => {
    const ref = await version("huge-tree");
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(
        `${api(ref.model)}/tree/*`,
        () => new HttpResponse(lazyBody(256 * MiB, { prefix: '[{"type": "file", "path": "', meter }), { headers: { "content-type": "application/json" } }),
      ),
    );
    const ws = await workspace();
    const { error, growth } = await peakGrowth(() => r().downloadToHubCache(ref, { cacheDir: ws.target }));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
    await expectNothingWritten(ws);
  });

  it("stops reading a modelreg.json that never ends", async () => {
    const ref = await version("endless-record");
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(http.get(`${HUB}/${id(ref.model)}/resolve/:rev/modelreg.json`, () => new HttpResponse(lazyBody(Infinity, { prefix: '{"format": "', meter }))));
    const { error } = await peakGrowth(() => r().getVersion(ref));
    expectKind(error, ["ResponseValidationError", "CorruptDataError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
  });

  it("ends a refs answer that stalls after its headers with TimeoutError", async () => {
    server.use(
      http.get(`${api("stalled-refs")}/refs`, () => new HttpResponse(stalledBody('{"branches": '), { headers: { "content-type": "application/json" } })),
    );
    const started = Date.now();
    expectKind(await rejectionOf(r({ timeoutMs: 150 }).getVersion({ model: "stalled-refs", version: "1" })), ["TimeoutError"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("cuts off a file body that keeps going past its size (256 MiB for 5 bytes), regular and LFS", async () => {
    const ref = await version("long-file");
    for (const [path, route] of [
      ["config.json", `${HUB}/api/resolve-cache/models/${id(ref.model)}/:commit/config.json`],
      ["model.safetensors", "https://cdn.hf.test/lfs/*"],
    ] as const) {
      const ws = await workspace();
      const meter: Meter = { pulled: 0, cancelled: false };
      server.use(http.get(route, () => new HttpResponse(lazyBody(256 * MiB, { meter }))));
      const { error, growth } = await peakGrowth(() => r().downloadArtifacts(ref, ws.target, { paths: [path] }));
      expectKind(error, ["IntegrityError"]);
      expect(meter.pulled, path).toBeLessThanOrEqual(8 * MiB);
      expect(growth).toBeLessThan(48 * MiB);
      expect(await tree(ws.target)).toEqual([]);
      server.resetHandlers();
    }
  });

  it("cuts off a file that keeps going past its size when cached (64 MiB for 2 KiB), and leaves no blob", async () => {
    const ref = await version("endless-cache");
    const ws = await workspace();
    const meter: Meter = { pulled: 0, cancelled: false };
    // 64 MiB rather than endless: a writer that reads to the end before it checks the size would otherwise fill the disk.
    server.use(http.get("https://cdn.hf.test/lfs/*", () => new HttpResponse(lazyBody(64 * MiB, { meter }))));
    expectKind(await rejectionOf(r().downloadToHubCache(ref, { cacheDir: ws.target })), ["IntegrityError"]);
    expect(meter.pulled).toBeLessThanOrEqual(8 * MiB);
    // Other files' blobs may have landed; the cut file's did not, nor any link, ref or temporary file.
    const left = await tree(ws.target);
    expect(left.filter((p) => p.includes("/refs/") || p.includes("/snapshots/") || p.endsWith(".incomplete"))).toEqual([]);
    expect(left.filter((p) => p.endsWith(sha256(weights(2048, 3))))).toEqual([]);
    expect(await strays(ws)).toEqual([]);
  });

  it("ends a stalled file body with TimeoutError within the timeout", async () => {
    const ref = await version("stalled-file");
    const ws = await workspace();
    let stalledAt = Number.NaN;
    server.use(
      http.get("https://cdn.hf.test/lfs/*", () => {
        stalledAt = Date.now();
        return new HttpResponse(stalledBody("he"));
      }),
    );
    expectKind(await rejectionOf(r({ timeoutMs: 150 }).downloadArtifacts(ref, ws.target)), ["TimeoutError"]);
    expect(Date.now() - stalledAt).toBeLessThan(2_000);
    expect(await tree(ws.target)).toEqual([]);
  });
});

describe("Hub: answers whose shape drifted name the field", () => {
  /** Rewrites the fake's JSON answer to requests matching `route`. */
  function drift(method: "get" | "post", route: string, change: (json: unknown) => unknown) {
    server.use(
      http[method](route, async ({ request }) => {
        if (request.headers.has(FORWARDED)) return undefined;
        const answer = await real(request);
        return HttpResponse.json(change(await answer.json()) as Record<string, unknown>, { status: answer.status });
      }),
    );
  }

  it.each([
    ["branches as an object", "branches", (j: Record<string, unknown>) => ({ ...j, branches: {} })],
    ["a tag without targetCommit", "tags", (j: Record<string, unknown>) => ({ ...j, tags: [{ name: "v1" }] })],
    ["targetCommit as a number", "branches", (j: Record<string, unknown>) => ({ ...j, branches: [{ name: "main", targetCommit: 7 }] })],
  ])("refs: %s", async (_label, field, change) => {
    const ref = await version(`drift-refs-${field}-${_label.length}`);
    drift("get", `${api(ref.model)}/refs`, (j) => change(j as Record<string, unknown>));
    const e = expectKind(await rejectionOf(r().getVersion(ref)), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.message).toContain(field);
  });

  it("tree: an entry's size as a string", async () => {
    const ref = await version("drift-tree");
    drift("get", `${api(ref.model)}/tree/*`, (j) => (j as Array<Record<string, unknown>>).map((e) => ({ ...e, size: String(e.size) })));
    const ws = await workspace();
    const e = expectKind(await rejectionOf(r().downloadToHubCache(ref, { cacheDir: ws.target })), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.message).toContain("size");
    await expectNothingWritten(ws);
  });

  it("model info: id as a number", async () => {
    await version("drift-info");
    drift("get", api("drift-info"), (j) => ({ ...(j as object), id: 42 }));
    const e = expectKind(await rejectionOf(r().getModel("drift-info")), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.message).toContain("id");
  });

  it("preupload: an upload mode the adapter does not speak (xet) is refused before anything is uploaded or committed", async () => {
    await r().createModel({ name: "drift-preupload" });
    drift("post", `${api("drift-preupload")}/preupload/*`, (j) => ({
      files: (j as { files: Array<Record<string, unknown>> }).files.map((f) => ({ ...f, uploadMode: "xet" })),
    }));
    const before = fake.requests.length;
    expectKind(await rejectionOf(r().createVersion("drift-preupload", { artifacts: { entries: [{ path: "config.json", content: "{}" }] } })), [
      "ResponseValidationError",
    ]);
    expect(fake.requests.slice(before).filter((q) => /\/commit\/|objects\/batch|cdn\.hf\.test/.test(q.url))).toEqual([]);
    expect(fake.refs(id("drift-preupload")).tags).toEqual({});
  });

  it("commit: an answer without commitOid is refused; no version is half-made and the next create works", async () => {
    await version("drift-commit");
    drift("post", `${api("drift-commit")}/commit/main`, (j) => ({ ...(j as object), commitOid: undefined }));
    expectKind(await rejectionOf(r().createVersion("drift-commit", { artifacts: { entries: [{ path: "config.json", content: "{}" }] } })), [
      "ResponseValidationError",
    ]);
    expect(Object.keys(fake.refs(id("drift-commit")).tags)).toEqual(["v1"]);
    server.resetHandlers();
    const next = await r().createVersion("drift-commit", { artifacts: { entries: [{ path: "config.json", content: '{"n": 3}' }] } });
    // The commit the Hub made for the refused answer may hold number 2: it is never reused.
    expect(next.version).toBe("3");
  });

  it.each<[string, (o: Record<string, unknown>) => unknown]>([
    ["an object not asked for", (o: Record<string, unknown>) => ({ ...o, oid: "f".repeat(64) })],
    ["an error for the object", (o: Record<string, unknown>) => ({ oid: o.oid, size: o.size, error: { code: 422, message: "no" } })],
    [
      "an invalid chunk_size",
      (o: Record<string, unknown>) => ({ ...o, actions: { upload: { href: "https://cdn.hf.test/upload/x", header: { chunk_size: "lots", "00001": "u" } } } }),
    ],
    [
      "too few part URLs",
      (o: Record<string, unknown>) => ({ ...o, actions: { upload: { href: "https://cdn.hf.test/upload/x", header: { chunk_size: "100", "00001": "u" } } } }),
    ],
  ])("LFS batch: %s is a typed error, and nothing is committed", async (label, change) => {
    const model = `drift-lfs-${label.replace(/\W+/g, "-")}`;
    await r().createModel({ name: model });
    drift("post", `${HUB}/${id(model)}.git/info/lfs/objects/batch`, (j) => ({
      ...(j as object),
      objects: (j as { objects: Array<Record<string, unknown>> }).objects.map(change),
    }));
    const before = fake.requests.length;
    expectKind(await rejectionOf(r().createVersion(model, { artifacts: { entries: [{ path: "model.safetensors", content: weights(1000, 1) }] } })), [
      "ServerError",
      "ResponseValidationError",
    ]);
    expect(fake.requests.slice(before).filter((q) => q.url.includes("/commit/"))).toEqual([]);
    expect(fake.refs(id(model)).tags).toEqual({});
  });
});

describe("Hub: refs and records that lie", () => {
  it("a version tag moved to another version's commit never serves that version's record for it", async () => {
    await version("lie-tag");
    await r().createVersion("lie-tag", { artifacts: { entries: [{ path: "config.json", content: "{}" }] }, description: "second" });
    const repo = fake.repo(id("lie-tag"));
    repo?.tags.set("v2", { oid: repo.tags.get("v1")?.oid as string });
    // Refused as corrupt, or read as another tool's version from the tagged commit's own tree: either way what comes
    // back is that commit's bytes, checked, and version 1 reads as before.
    const ws = await workspace();
    const got = await r()
      .downloadArtifacts({ model: "lie-tag", version: "2" }, ws.target, { paths: ["config.json"] })
      .catch((e: unknown) => e);
    if (got instanceof Error) expectKind(got, ["CorruptDataError"]);
    else expect(await readFile(join(ws.target, "config.json"), "utf8")).toBe("hello");
    expect(await tree(ws.outside)).toEqual([]);
    expect((await r().getVersion({ model: "lie-tag", version: "1" })).artifacts.fileCount).toBe(2);
  });

  it("a modelreg.json of another model is not taken for this version's record; one that is not a record is CorruptDataError", async () => {
    const ref = await version("lie-record");
    const commit = fake.refs(id(ref.model)).tags.v1 as string;
    const record = JSON.parse(Buffer.from(fake.fileAt(id(ref.model), commit, "modelreg.json") ?? []).toString()) as Record<string, unknown>;
    const stranger = JSON.stringify({ ...record, model: "someone-else", description: "not this model's", metrics: { stolen: 1 } });
    server.use(http.get(`${HUB}/${id(ref.model)}/resolve/:rev/modelreg.json`, () => HttpResponse.text(stranger)));
    const read = await r()
      .getVersion(ref)
      .catch((e: unknown) => e);
    if (read instanceof Error) expectKind(read, ["CorruptDataError"]);
    else {
      expect((read as { description?: string }).description).not.toBe("not this model's");
      expect((read as { metrics: Record<string, number> }).metrics.stolen).toBeUndefined();
    }
    for (const body of ["{not json", JSON.stringify({ ...record, files: "all" }), JSON.stringify({ ...record, format: "modelreg-huggingface/99" })]) {
      server.use(http.get(`${HUB}/${id(ref.model)}/resolve/:rev/modelreg.json`, () => HttpResponse.text(body)));
      expectKind(await rejectionOf(r().getVersion(ref)), ["CorruptDataError"]);
    }
  });

  it("a file whose bytes differ from the record (same size) is an IntegrityError, with nothing kept", async () => {
    const ref = await version("lie-bytes");
    server.use(http.get(`${HUB}/api/resolve-cache/models/${id(ref.model)}/:commit/config.json`, () => HttpResponse.text("jello")));
    const ws = await workspace();
    expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target, { paths: ["config.json"] })), ["IntegrityError"]);
    expect(await tree(ws.target)).toEqual([]);
    const cache = await workspace();
    expectKind(await rejectionOf(r().downloadToHubCache(ref, { cacheDir: cache.target })), ["IntegrityError"]);
    expect((await tree(cache.target)).filter((p) => p.includes("/refs/") || p.includes("/snapshots/"))).toEqual([]);
  });
});
