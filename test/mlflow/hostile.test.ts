// A hostile MLflow tracking server (msw): listings that try to escape the download directory, redirects to other
// hosts, bodies far larger than asked for or without end, and responses whose shape drifted.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMlflowRegistry, type MlflowRegistrySettings } from "modelreg/mlflow";
import type { ResponseValidationError } from "modelreg";
import { rejectionOf } from "../support/rejection.js";
import {
  ENCODED_PATHS,
  ESCAPING_PATHS,
  expectKind,
  expectNoCredentials,
  headersOf,
  lazyBody,
  type Meter,
  MiB,
  peakGrowth,
  stalledBody,
  strays,
  tree,
  workspace,
  expectNothingWritten,
} from "../support/hostile.js";

const BASE = "http://mlflow.test/prefix";
const API = `${BASE}/api/2.0/mlflow`;
const PROXY = `${BASE}/api/2.0/mlflow-artifacts/artifacts`;
const ROOT = "1/r1/artifacts";
const TOKEN = "mlflowtok_CANARY_5f4e3d2c1b0a";
const COOKIE = "session=CANARY_cookie_77aa";
const EXTRA_KEY = "xapikey_CANARY_0099";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const registry = (settings: Partial<MlflowRegistrySettings> = {}) =>
  createMlflowRegistry({ trackingUri: BASE, token: TOKEN, headers: { cookie: COOKIE, "x-api-key": EXTRA_KEY }, maxRetries: 0, env: {}, ...settings });

type Entry = { path: string; is_dir?: boolean; file_size?: number | string };

/** A version whose files come from the proxy listing (`listing` by directory) or from modelreg's files tag. */
function serve(options: { listing?: Record<string, Entry[]>; filesTag?: unknown[]; file?: (path: string) => Response }) {
  const fileRequests: string[] = [];
  const tags = options.filesTag ? [{ key: "modelreg.files", value: JSON.stringify(options.filesTag) }] : [];
  server.use(
    http.get(`${API}/model-versions/get`, () =>
      HttpResponse.json({ model_version: { name: "fraud", version: "1", source: `mlflow-artifacts:/${ROOT}`, tags } }),
    ),
    http.get(`${API}/model-versions/get-download-uri`, () => HttpResponse.json({ artifact_uri: `mlflow-artifacts:/${ROOT}` })),
    http.get(PROXY, ({ request }) => {
      const path = new URL(request.url).searchParams.get("path") ?? "";
      const rel = path === ROOT ? "" : path.slice(ROOT.length + 1);
      return HttpResponse.json({ files: options.listing?.[rel] ?? [] });
    }),
    http.get(`${PROXY}/*`, ({ request }) => {
      const path = decodeURIComponent(new URL(request.url).pathname.slice(new URL(PROXY).pathname.length + 1));
      fileRequests.push(path);
      return options.file?.(path) ?? HttpResponse.text("hello");
    }),
  );
  return { fileRequests };
}

describe("MLflow: paths from the server cannot leave the download directory", () => {
  it.each(ESCAPING_PATHS)("refuses the proxy listing entry %j before writing anything", async (bad) => {
    const ws = await workspace();
    const { fileRequests } = serve({
      listing: {
        "": [
          { path: "ok.txt", file_size: 5 },
          { path: bad, file_size: 5 },
        ],
      },
    });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["InvalidInputError", "ResponseValidationError"]);
    expect(fileRequests).toEqual([]);
    await expectNothingWritten(ws);
  });

  it.each(ESCAPING_PATHS)("refuses the directory name %j in a nested proxy listing", async (bad) => {
    const ws = await workspace();
    const { fileRequests } = serve({ listing: { "": [{ path: bad, is_dir: true }], [bad]: [{ path: "payload", file_size: 5 }] } });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["InvalidInputError", "ResponseValidationError"]);
    expect(fileRequests).toEqual([]);
    await expectNothingWritten(ws);
  });

  it.each(ESCAPING_PATHS)("refuses the path %j in modelreg's files tag", async (bad) => {
    const ws = await workspace();
    const { fileRequests } = serve({
      filesTag: [
        { path: "ok.txt", size: 5 },
        { path: bad, size: 5 },
      ],
    });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["InvalidInputError", "ResponseValidationError"]);
    expect(fileRequests).toEqual([]);
    expect(await tree(ws.target)).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
  });

  it.each(ENCODED_PATHS)("treats the percent-encoded %j as a literal name inside the directory", async (name) => {
    const ws = await workspace();
    serve({ filesTag: [{ path: name, size: 5 }] });
    const result = await registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target);
    expect(result.files.map((f) => f.path)).toEqual([name]);
    expect(await tree(ws.target)).toEqual([name]);
    expect(await tree(ws.outside)).toEqual([]);
    expect(await strays(ws)).toEqual([]);
  });

  it("does not write through a symlink already in the target directory", async () => {
    const ws = await workspace();
    await mkdir(ws.target);
    await symlink(ws.outside, join(ws.target, "link"), "dir");
    const { fileRequests } = serve({ listing: { "": [{ path: "link", is_dir: true }], link: [{ path: "payload", file_size: 5 }] } });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["InvalidInputError", "ConflictError"]);
    expect(fileRequests).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
    expect(await tree(ws.target)).toEqual(["link"]);
  });

  it("does not create directories through a symlink deeper in the path, even with overwrite", async () => {
    const ws = await workspace();
    await mkdir(join(ws.target, "models"), { recursive: true });
    await symlink(ws.outside, join(ws.target, "models", "link"), "dir");
    serve({ filesTag: [{ path: "models/link/sub/payload", size: 5 }] });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target, { overwrite: true }));
    expectKind(error, ["InvalidInputError", "ConflictError"]);
    expect(await tree(ws.outside)).toEqual([]);
  });

  it("replaces a symlink at the file's own path with overwrite, never the file it points to", async () => {
    const ws = await workspace();
    await mkdir(ws.target);
    await writeFile(join(ws.outside, "victim"), "precious");
    await symlink(join(ws.outside, "victim"), join(ws.target, "model.bin"));
    serve({ filesTag: [{ path: "model.bin", size: 5 }] });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["ConflictError"]);
    await registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target, { overwrite: true });
    const { readFile, lstat } = await import("node:fs/promises");
    expect(await readFile(join(ws.outside, "victim"), "utf8")).toBe("precious");
    expect((await lstat(join(ws.target, "model.bin"))).isSymbolicLink()).toBe(false);
    expect(await readFile(join(ws.target, "model.bin"), "utf8")).toBe("hello");
  });

  it("refuses a listing where a file is also a directory of another (`a` and `a/b`), with nothing half-written", async () => {
    const ws = await workspace();
    const { fileRequests } = serve({
      filesTag: [
        { path: "a", size: 5 },
        { path: "a/b", size: 5 },
      ],
    });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["InvalidInputError", "ResponseValidationError"]);
    expect(fileRequests).toEqual([]);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("refuses the same path listed twice", async () => {
    const ws = await workspace();
    serve({
      listing: {
        "": [
          { path: "a", file_size: 5 },
          { path: "a", file_size: 5 },
        ],
      },
    });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["InvalidInputError", "ResponseValidationError"]);
    expect(await tree(ws.target)).toEqual([]);
  });
});

describe("MLflow: credentials never reach another host", () => {
  const canaries = [TOKEN, "mlflowuser_CANARY", "mlflowpass_CANARY_31337", COOKIE, "CANARY_cookie_77aa", EXTRA_KEY];

  it.each([301, 302, 303, 307, 308])("drops every credential on a %i from the artifact endpoint to another host", async (status) => {
    const ws = await workspace();
    const foreign: Array<{ url: string; headers: Record<string, string> }> = [];
    const home: Array<Record<string, string>> = [];
    serve({
      listing: { "": [{ path: "model.bin", file_size: 5 }] },
      file: () => new HttpResponse(null, { status, headers: { location: "https://bucket.evil.test/o/model.bin?X-Amz-Signature=abc" } }),
    });
    server.use(
      http.get("https://bucket.evil.test/o/model.bin", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        // Bounce back home: the client must not resume sending credentials on the way back.
        return new HttpResponse(null, { status: 302, headers: { location: `${BASE}/home/model.bin` } });
      }),
      http.get(`${BASE}/home/model.bin`, ({ request }) => {
        home.push(headersOf(request));
        return HttpResponse.text("bytes");
      }),
    );
    for (const settings of [{}, { username: "mlflowuser_CANARY", password: "mlflowpass_CANARY_31337" }]) {
      foreign.length = 0;
      home.length = 0;
      const result = await registry(settings).downloadArtifacts({ model: "fraud", version: "1" }, ws.target, { overwrite: true });
      expect(result.files[0]?.size).toBe(5);
      expect(foreign).toHaveLength(1);
      for (const seen of foreign) expectNoCredentials(seen, canaries);
      expect(home).toHaveLength(1);
      for (const headers of home) expectNoCredentials({ url: `${BASE}/home/model.bin`, headers }, canaries);
    }
  });

  it("drops credentials on a redirect to the same host name on another port or scheme", async () => {
    const ws = await workspace();
    const foreign: Array<{ url: string; headers: Record<string, string> }> = [];
    serve({
      listing: { "": [{ path: "m", file_size: 5 }] },
      file: () => new HttpResponse(null, { status: 307, headers: { location: "https://mlflow.test:8443/m" } }),
    });
    server.use(
      http.get("https://mlflow.test:8443/m", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        return HttpResponse.text("bytes");
      }),
    );
    await registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target);
    expect(foreign).toHaveLength(1);
    expectNoCredentials(foreign[0] as { url: string; headers: Record<string, string> }, canaries);
  });
});

describe("MLflow: oversized and endless bodies end in typed errors with bounded memory", () => {
  it("stops reading a listing 1,000 times larger than the limit allows (256 MiB offered)", async () => {
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(`${API}/model-versions/get`, () => HttpResponse.json({ model_version: { name: "fraud", version: "1" } })),
      http.get(`${API}/model-versions/get-download-uri`, () => HttpResponse.json({ artifact_uri: `mlflow-artifacts:/${ROOT}` })),
      http.get(PROXY, () => new HttpResponse(lazyBody(256 * MiB, { prefix: '{"files": [', meter }), { headers: { "content-type": "application/json" } })),
    );
    const { error, growth } = await peakGrowth(() => registry().listArtifacts({ model: "fraud", version: "1" }));
    const e = expectKind(error, ["ResponseValidationError"]);
    expect(e.message).toMatch(/exceeded the limit of 67108864 bytes/);
    // The default 64 MiB limit, plus a chunk or two in flight; never the 256 MiB offered.
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("refuses a Content-Length over the limit without reading the body", async () => {
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(
        `${API}/model-versions/get`,
        () => new HttpResponse(lazyBody(1024 * MiB, { meter }), { headers: { "content-type": "application/json", "content-length": String(1024 * MiB) } }),
      ),
    );
    const error = await rejectionOf(registry().getVersion({ model: "fraud", version: "1" }));
    expect(expectKind(error, ["ResponseValidationError"]).message).toMatch(/Content-Length/);
    expect(meter.pulled).toBeLessThanOrEqual(2 * MiB);
  });

  it("stops a JSON body that never ends at the size limit", async () => {
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(
        `${API}/model-versions/get`,
        () => new HttpResponse(lazyBody(Infinity, { prefix: '{"model_version": "', meter }), { headers: { "content-type": "application/json" } }),
      ),
    );
    const { error, growth } = await peakGrowth(() => registry().getVersion({ model: "fraud", version: "1" }));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("ends a JSON body that stalls after its headers with TimeoutError within the timeout", async () => {
    server.use(
      http.get(`${API}/model-versions/get`, () => new HttpResponse(stalledBody('{"model_version": {'), { headers: { "content-type": "application/json" } })),
    );
    const started = Date.now();
    const error = await rejectionOf(registry({ timeoutMs: 150 }).getVersion({ model: "fraud", version: "1" }));
    expectKind(error, ["TimeoutError"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("ends a JSON body that trickles forever with TimeoutError: the timeout is not reset by a slow drip", async () => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const drip = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"model_version": "'));
        timer = setInterval(() => controller.enqueue(new TextEncoder().encode(" ")), 10);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    server.use(http.get(`${API}/model-versions/get`, () => new HttpResponse(drip, { headers: { "content-type": "application/json" } })));
    const started = Date.now();
    try {
      const error = await rejectionOf(registry({ timeoutMs: 200 }).getVersion({ model: "fraud", version: "1" }));
      expectKind(error, ["TimeoutError"]);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      clearInterval(timer);
    }
  });

  it("cuts off an artifact body that keeps going past its listed size (256 MiB offered for 5 bytes)", async () => {
    const ws = await workspace();
    const meter: Meter = { pulled: 0, cancelled: false };
    serve({ listing: { "": [{ path: "model.bin", file_size: 5 }] }, file: () => new HttpResponse(lazyBody(256 * MiB, { meter })) });
    const { error, growth } = await peakGrowth(() => registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["IntegrityError"]);
    expect(meter.pulled).toBeLessThanOrEqual(8 * MiB);
    expect(growth).toBeLessThan(48 * MiB);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("cuts off an artifact body that never ends", async () => {
    const ws = await workspace();
    const meter: Meter = { pulled: 0, cancelled: false };
    serve({ filesTag: [{ path: "model.bin", size: 3 * MiB }], file: () => new HttpResponse(lazyBody(Infinity, { meter })) });
    const error = await rejectionOf(registry().downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expect(expectKind(error, ["IntegrityError"]).message).toMatch(/model\.bin/);
    expect(meter.pulled).toBeLessThanOrEqual(8 * MiB);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("ends an artifact body that stalls with TimeoutError and leaves nothing behind", async () => {
    const ws = await workspace();
    serve({ listing: { "": [{ path: "model.bin", file_size: 5 }] }, file: () => new HttpResponse(stalledBody("he")) });
    const started = Date.now();
    const error = await rejectionOf(registry({ timeoutMs: 150 }).downloadArtifacts({ model: "fraud", version: "1" }, ws.target));
    expectKind(error, ["TimeoutError"]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await tree(ws.target)).toEqual([]);
  });
});

describe("MLflow: schema drift names the field", () => {
  const drifts: Array<[string, string, () => Response]> = [
    ["model_version.version as an object", "model_version.version", () => HttpResponse.json({ model_version: { name: "fraud", version: { n: 1 } } })],
    ["model_version.name missing", "model_version.name", () => HttpResponse.json({ model_version: { version: "1" } })],
    ["model_version.tags as a string", "model_version.tags", () => HttpResponse.json({ model_version: { name: "fraud", version: "1", tags: "a=b" } })],
    ["model_version missing", "model_version", () => HttpResponse.json({ registered_model: {} })],
  ];
  it.each(drifts)("getVersion: %s", async (_label, field, respond) => {
    server.use(http.get(`${API}/model-versions/get`, respond));
    const error = await rejectionOf(registry().getVersion({ model: "fraud", version: "1" }));
    const e = expectKind(error, ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  const listings: Array<[string, string, unknown]> = [
    ["files[].path as a number", "files[0].path", { files: [{ path: 7 }] }],
    ["files[].is_dir as a string", "files[0].is_dir", { files: [{ path: "a", is_dir: "yes" }] }],
    ["files as an object", "files", { files: { path: "a" } }],
  ];
  it.each(listings)("listArtifacts: %s", async (_label, field, body) => {
    server.use(
      http.get(`${API}/model-versions/get`, () => HttpResponse.json({ model_version: { name: "fraud", version: "1" } })),
      http.get(`${API}/model-versions/get-download-uri`, () => HttpResponse.json({ artifact_uri: `mlflow-artifacts:/${ROOT}` })),
      http.get(PROXY, () => HttpResponse.json(body as Record<string, unknown>)),
    );
    const error = await rejectionOf(registry().listArtifacts({ model: "fraud", version: "1" }));
    const e = expectKind(error, ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  it("get-download-uri without artifact_uri", async () => {
    server.use(
      http.get(`${API}/model-versions/get`, () => HttpResponse.json({ model_version: { name: "fraud", version: "1" } })),
      http.get(`${API}/model-versions/get-download-uri`, () => HttpResponse.json({ artifact_url: "typo" })),
    );
    const e = expectKind(await rejectionOf(registry().listArtifacts({ model: "fraud", version: "1" })), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.field).toBe("artifact_uri");
  });
});
