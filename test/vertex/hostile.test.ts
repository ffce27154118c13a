// A hostile Vertex AI and Cloud Storage (msw): object listings and modelreg metadata that try to escape the download
// directory, media redirected to other hosts, endless bodies, and drifted shapes. Hosts and ids are the fakes'.
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createVertexRegistry, type VertexRegistrySettings } from "modelreg/vertex";
import type { ResponseValidationError } from "modelreg";
import { rejectionOf } from "../support/rejection.js";
import { GCS } from "./support/gcs-fake.js";
import { BUCKET } from "./support/setup.js";
import { HOST, LOCATION, PROJECT } from "./support/vertex-fake.js";
import {
  ESCAPING_PATHS,
  expectKind,
  expectNoCredentials,
  headersOf,
  lazyBody,
  type Meter,
  MiB,
  peakGrowth,
  stalledBody,
  expectNothingWritten,
  tree,
  workspace,
} from "../support/hostile.js";

const TOKEN = "ya29.CANARY_vertex_token_4d3c2b1a";
const QUOTA = "canary-quota-project-7788";
const MODEL = `${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models/fraud@1`;
const PREFIX = "models/fraud/v1";
const LIST = `${GCS}/storage/v1/b/${BUCKET}/o`;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const registry = (settings: Partial<VertexRegistrySettings> = {}) =>
  createVertexRegistry({
    project: PROJECT,
    location: LOCATION,
    artifactRoot: `gs://${BUCKET}/models`,
    accessToken: TOKEN,
    quotaProject: QUOTA,
    maxRetries: 0,
    actor: "tester",
    ...settings,
  });

const record = (extra: Record<string, unknown> = {}) => ({
  name: `projects/${PROJECT}/locations/${LOCATION}/models/fraud@1`,
  versionId: "1",
  artifactUri: `gs://${BUCKET}/${PREFIX}`,
  ...extra,
});

/** modelreg's metadata for a version, with the given file list. */
const metadata = (files: unknown[]) => ({
  format: "modelreg-vertex/1",
  model: "fraud",
  params: {},
  metrics: {},
  tags: {},
  lineage: {},
  files,
  digest: "sha256:x",
  createdBy: "t",
});

/** A version listed from Cloud Storage (`items`), or described by modelreg metadata (`meta`). */
function serve(options: { items?: unknown[]; meta?: unknown; media?: (name: string) => Response | undefined }) {
  const media: string[] = [];
  server.use(
    http.get(MODEL, () => HttpResponse.json(record(options.meta ? { labels: { "modelreg-token": "tok" } } : {}))),
    http.get(LIST, () => HttpResponse.json({ kind: "storage#objects", items: options.items ?? [] })),
    http.get(`${LIST}/:name`, ({ params }) => {
      const name = String(params.name);
      if (name === "models/fraud/meta/tok.json") return HttpResponse.json(options.meta as Record<string, unknown>);
      media.push(name);
      return options.media?.(name) ?? HttpResponse.text("hello");
    }),
  );
  return { media };
}

const item = (name: string, size = 5) => ({ name, size: String(size) });

describe("Vertex: paths from Cloud Storage or metadata cannot leave the download directory", () => {
  it.each(ESCAPING_PATHS)("refuses the listed object %j before fetching anything", async (bad) => {
    const ws = await workspace();
    const { media } = serve({ items: [item(`${PREFIX}/ok.txt`), item(`${PREFIX}/${bad}`)] });
    expectKind(await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["InvalidInputError", "ResponseValidationError"]);
    expect(media).toEqual([]);
    await expectNothingWritten(ws);
  });

  it.each(ESCAPING_PATHS)("refuses the metadata file path %j before fetching anything", async (bad) => {
    const ws = await workspace();
    const { media } = serve({
      meta: metadata([
        { path: "ok.txt", size: 5, sha256: "0".repeat(64), md5: "x" },
        { path: bad, size: 5, sha256: "0".repeat(64), md5: "x" },
      ]),
    });
    expectKind(await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["InvalidInputError", "ResponseValidationError"]);
    expect(media).toEqual([]);
    expect(await tree(ws.target)).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
  });

  it.each(["models/fraud/v10/x", "models/other/secret", "x", "models/fraud/v1"])(
    "refuses the object %j that is not under the version's prefix",
    async (name) => {
      const ws = await workspace();
      const { media } = serve({ items: [item(name)] });
      const error = expectKind(await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), [
        "InvalidInputError",
        "ResponseValidationError",
      ]);
      expect(media).toEqual([]);
      if (error.kind === "ResponseValidationError") expect((error as ResponseValidationError).field).toBe("items[0].name");
      expect(await tree(ws.target)).toEqual([]);
    },
  );

  it("does not write through a symlink already in the target directory", async () => {
    const ws = await workspace();
    await mkdir(ws.target);
    await symlink(ws.outside, join(ws.target, "link"), "dir");
    const { media } = serve({ items: [item(`${PREFIX}/link/payload`)] });
    expectKind(await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target, { overwrite: true })), ["InvalidInputError"]);
    expect(media).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
  });

  it("refuses objects `a` and `a/b` (a file that is also a directory) with nothing half-written", async () => {
    const ws = await workspace();
    const { media } = serve({ items: [item(`${PREFIX}/a`), item(`${PREFIX}/a/b`)] });
    expectKind(await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["InvalidInputError"]);
    expect(media).toEqual([]);
    expect(await tree(ws.target)).toEqual([]);
  });
});

describe("Vertex: credentials never reach another host", () => {
  const canaries = [TOKEN, QUOTA];

  it.each([302, 307])("drops the bearer token and quota project on a %i from the media endpoint", async (status) => {
    const ws = await workspace();
    const foreign: Array<{ url: string; headers: Record<string, string> }> = [];
    serve({
      items: [item(`${PREFIX}/model.bin`)],
      media: () => new HttpResponse(null, { status, headers: { location: "https://media.evil.test/download/model.bin?alt=media" } }),
    });
    server.use(
      http.get("https://media.evil.test/download/model.bin", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        return HttpResponse.text("hello");
      }),
    );
    const result = await registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target);
    expect(result.files.map((f) => f.path)).toEqual(["model.bin"]);
    expect(foreign).toHaveLength(1);
    expectNoCredentials(foreign[0] as { url: string; headers: Record<string, string> }, canaries);
  });

  it("drops them on a redirect of the Vertex API itself, and of the metadata document", async () => {
    const foreign: Array<{ url: string; headers: Record<string, string> }> = [];
    server.use(
      http.get(MODEL, () => new HttpResponse(null, { status: 302, headers: { location: "https://api.evil.test/model" } })),
      http.get("https://api.evil.test/model", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        return HttpResponse.json(record({ labels: { "modelreg-token": "tok" } }));
      }),
      http.get(`${LIST}/:name`, () => new HttpResponse(null, { status: 307, headers: { location: "https://meta.evil.test/tok.json" } })),
      http.get("https://meta.evil.test/tok.json", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        return HttpResponse.json(metadata([]));
      }),
    );
    expect(await registry().listArtifacts({ model: "fraud", version: "1" })).toEqual([]);
    expect(foreign.map((f) => new URL(f.url).host)).toEqual(["api.evil.test", "meta.evil.test"]);
    for (const seen of foreign) expectNoCredentials(seen, canaries);
  });
});

describe("Vertex: oversized and endless bodies end in typed errors with bounded memory", () => {
  it("stops reading an object listing far over the limit (256 MiB offered)", async () => {
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(MODEL, () => HttpResponse.json(record())),
      http.get(LIST, () => new HttpResponse(lazyBody(256 * MiB, { prefix: '{"items": [', meter }), { headers: { "content-type": "application/json" } })),
    );
    const { error, growth } = await peakGrowth(() => registry().listArtifacts({ model: "fraud", version: "1" }));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("stops a metadata document that never ends at the limit", async () => {
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(MODEL, () => HttpResponse.json(record({ labels: { "modelreg-token": "tok" } }))),
      http.get(`${LIST}/:name`, () => new HttpResponse(lazyBody(Infinity, { prefix: '{"files": "', meter }))),
    );
    const { error, growth } = await peakGrowth(() => registry().listArtifacts({ model: "fraud", version: "1" }));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("ends a model record that stalls after its headers with TimeoutError", async () => {
    server.use(http.get(MODEL, () => new HttpResponse(stalledBody('{"name": "'), { headers: { "content-type": "application/json" } })));
    const started = Date.now();
    expectKind(await rejectionOf(registry({ timeoutMs: 150 }).getVersion({ model: "fraud", version: "1" })), ["TimeoutError"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("cuts off media that keeps going past the listed size (256 MiB for 5 bytes)", async () => {
    const ws = await workspace();
    const meter: Meter = { pulled: 0, cancelled: false };
    serve({ items: [item(`${PREFIX}/model.bin`)], media: () => new HttpResponse(lazyBody(256 * MiB, { meter })) });
    const { error, growth } = await peakGrowth(() => registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["IntegrityError"]);
    expect(meter.pulled).toBeLessThanOrEqual(8 * MiB);
    expect(growth).toBeLessThan(48 * MiB);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("cuts off endless media whose listed size is not a number", async () => {
    const ws = await workspace();
    const meter: Meter = { pulled: 0, cancelled: false };
    serve({ items: [{ name: `${PREFIX}/model.bin`, size: "lots" }], media: () => new HttpResponse(lazyBody(Infinity, { meter })) });
    expectKind(await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["IntegrityError"]);
    expect(meter.pulled).toBeLessThanOrEqual(8 * MiB);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("ends stalled media with TimeoutError within the timeout", async () => {
    const ws = await workspace();
    serve({ items: [item(`${PREFIX}/model.bin`)], media: () => new HttpResponse(stalledBody()) });
    const started = Date.now();
    expectKind(await rejectionOf(registry({ timeoutMs: 150 }).downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["TimeoutError"]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await tree(ws.target)).toEqual([]);
  });
});

describe("Vertex: schema drift names the field", () => {
  const drifts: Array<[string, string, Record<string, unknown>]> = [
    ["versionId as a number", "versionId", record({ versionId: 1 })],
    ["name missing", "name", { versionId: "1" }],
    ["labels as an array", "labels", record({ labels: ["a"] })],
    ["versionAliases as a string", "versionAliases", record({ versionAliases: "default" })],
  ];
  it.each(drifts)("getVersion: %s", async (_label, field, body) => {
    server.use(http.get(MODEL, () => HttpResponse.json(body)));
    const e = expectKind(await rejectionOf(registry().getVersion({ model: "fraud", version: "1" })), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  const listings: Array<[string, string, Record<string, unknown>]> = [
    ["items[].name as a number", "items[0].name", { items: [{ name: 5 }] }],
    ["items[].md5Hash as an object", "items[0].md5Hash", { items: [{ name: `${PREFIX}/a`, md5Hash: {} }] }],
    ["nextPageToken as a number", "nextPageToken", { nextPageToken: 2 }],
  ];
  it.each(listings)("Cloud Storage list: %s", async (_label, field, body) => {
    server.use(
      http.get(MODEL, () => HttpResponse.json(record())),
      http.get(LIST, () => HttpResponse.json(body)),
    );
    const e = expectKind(await rejectionOf(registry().listArtifacts({ model: "fraud", version: "1" })), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });
});
