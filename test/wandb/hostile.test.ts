// A hostile W&B (msw, on top of the W&B fake): manifests whose paths try to escape the download directory, signed
// URLs on other hosts, endless bodies, and GraphQL answers whose shape drifted.
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { ResponseValidationError } from "modelreg";
import { rejectionOf } from "../support/rejection.js";
import { useWandbFake } from "./support/setup.js";
import { API_KEY, BASE, STORAGE } from "./support/wandb-fake.js";
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

const { fake, server, registry } = useWandbFake();
const r = (settings: Parameters<typeof registry>[0] = {}) => registry({ maxRetries: 0, ...settings });

/** A committed version in the fake, one 5-byte file `model.bin`. */
async function version(name = "fraud"): Promise<{ model: string; version: string }> {
  const v = await r().createVersion(name, { artifacts: { entries: [{ path: "model.bin", content: "hello" }] } });
  return { model: name, version: v.version };
}

const entry = (size = 5) => ({ digest: "XUFAKrxLKna5cZ2REBfFkg==", size });

/** Serves `manifest` in place of the version's real one; counts every other storage GET. */
function hostileManifest(manifest: unknown) {
  const files: string[] = [];
  server.use(
    http.get(`${STORAGE}/manifests/*`, () => HttpResponse.json(manifest as Record<string, unknown>)),
    http.get(`${STORAGE}/*`, ({ request }) => {
      files.push(new URL(request.url).pathname);
      return undefined;
    }),
  );
  return files;
}

describe("W&B: manifest paths cannot leave the download directory", () => {
  it.each(ESCAPING_PATHS)("refuses the manifest path %j before fetching a file", async (bad) => {
    const ref = await version();
    const ws = await workspace();
    const files = hostileManifest({ version: 1, contents: { "ok.txt": entry(), [bad]: entry() } });
    expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target)), ["InvalidInputError", "ResponseValidationError", "IntegrityError"]);
    expect(files).toEqual([]);
    await expectNothingWritten(ws);
  });

  it("does not write through a symlink already in the target directory", async () => {
    const ref = await version();
    const ws = await workspace();
    await mkdir(ws.target);
    await symlink(ws.outside, join(ws.target, "link"), "dir");
    const files = hostileManifest({ version: 1, contents: { "link/payload": entry() } });
    expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target, { overwrite: true })), ["InvalidInputError"]);
    expect(files).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
  });

  it("refuses `a` and `a/b` in one manifest with nothing half-written", async () => {
    const ref = await version();
    const ws = await workspace();
    const files = hostileManifest({ version: 1, contents: { a: entry(), "a/b": entry() } });
    expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target)), ["InvalidInputError"]);
    expect(files).toEqual([]);
    expect(await tree(ws.target)).toEqual([]);
  });
});

describe("W&B: the API key never reaches a signed URL's host", () => {
  it("sends no credential to signed manifest and file URLs on another host", async () => {
    const ref = await version();
    const ws = await workspace();
    const foreign: Array<{ url: string; headers: Record<string, string> }> = [];
    fake.signedOrigin = "https://cdn.evil.test";
    server.use(
      http.get("https://cdn.evil.test/*", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        const path = new URL(request.url).pathname.slice(1);
        const bytes = fake.storage.get(path);
        return bytes ? new HttpResponse(bytes) : new HttpResponse("no such key", { status: 404 });
      }),
    );
    try {
      const result = await r().downloadArtifacts(ref, ws.target);
      expect(result.files.map((f) => f.path)).toEqual(["model.bin"]);
      await r()
        .openArtifact(ref, "model.bin")
        .then((d) => d.stream.cancel());
    } finally {
      fake.signedOrigin = STORAGE;
    }
    // The manifest and the file for the download, the manifest and the file for openArtifact.
    expect(foreign.length).toBeGreaterThanOrEqual(4);
    for (const seen of foreign) expectNoCredentials(seen, [API_KEY, `api:${API_KEY}`]);
  });

  it.each([302, 307])("sends no credential after storage answers %i to another host", async (status) => {
    const ref = await version();
    const ws = await workspace();
    const foreign: Array<{ url: string; headers: Record<string, string> }> = [];
    server.use(
      http.get(`${STORAGE}/objects/*`, () => new HttpResponse(null, { status, headers: { location: "https://mirror.evil.test/blob" } })),
      http.get("https://mirror.evil.test/blob", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        return HttpResponse.text("hello");
      }),
    );
    await r().downloadArtifacts(ref, ws.target);
    expect(foreign).toHaveLength(1);
    expectNoCredentials(foreign[0] as { url: string; headers: Record<string, string> }, [API_KEY, `api:${API_KEY}`]);
  });

  it("sends no credential when the GraphQL endpoint itself redirects to another host", async () => {
    const foreign: Array<{ url: string; headers: Record<string, string> }> = [];
    server.use(
      http.post(`${BASE}/graphql`, () => new HttpResponse(null, { status: 307, headers: { location: "https://gql.evil.test/graphql" } })),
      http.post("https://gql.evil.test/graphql", ({ request }) => {
        foreign.push({ url: request.url, headers: headersOf(request) });
        return HttpResponse.json({ errors: [{ message: "who are you" }] }, { status: 401 });
      }),
    );
    await rejectionOf(r().getVersion({ model: "fraud", version: "0" }));
    expect(foreign.length).toBeGreaterThanOrEqual(1);
    for (const seen of foreign) expectNoCredentials(seen, [API_KEY, `api:${API_KEY}`]);
  });
});

describe("W&B: oversized and endless bodies end in typed errors with bounded memory", () => {
  it("stops reading a manifest far over the limit (256 MiB offered)", async () => {
    const ref = await version();
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.get(
        `${STORAGE}/manifests/*`,
        () => new HttpResponse(lazyBody(256 * MiB, { prefix: '{"contents": {', meter }), { headers: { "content-type": "application/json" } }),
      ),
    );
    const { error, growth } = await peakGrowth(() => r().listArtifacts(ref));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("stops a GraphQL answer that never ends at the limit", async () => {
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(
      http.post(
        `${BASE}/graphql`,
        () => new HttpResponse(lazyBody(Infinity, { prefix: '{"data": {"x": "', meter }), { headers: { "content-type": "application/json" } }),
      ),
    );
    const { error, growth } = await peakGrowth(() => r().getVersion({ model: "fraud", version: "0" }));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.pulled).toBeLessThanOrEqual(66 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("ends a manifest that stalls after its headers with TimeoutError", async () => {
    const ref = await version();
    server.use(http.get(`${STORAGE}/manifests/*`, () => new HttpResponse(stalledBody('{"contents": '), { headers: { "content-type": "application/json" } })));
    const started = Date.now();
    expectKind(await rejectionOf(r({ timeoutMs: 150 }).listArtifacts(ref)), ["TimeoutError"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("cuts off a signed-URL body that keeps going past the manifest's size (256 MiB for 5 bytes)", async () => {
    const ref = await version();
    const ws = await workspace();
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(http.get(`${STORAGE}/objects/*`, () => new HttpResponse(lazyBody(256 * MiB, { meter }))));
    const { error, growth } = await peakGrowth(() => r().downloadArtifacts(ref, ws.target));
    expectKind(error, ["IntegrityError"]);
    expect(meter.pulled).toBeLessThanOrEqual(8 * MiB);
    expect(growth).toBeLessThan(48 * MiB);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("cuts off a signed-URL body that never ends", async () => {
    const ref = await version();
    const ws = await workspace();
    const meter: Meter = { pulled: 0, cancelled: false };
    server.use(http.get(`${STORAGE}/objects/*`, () => new HttpResponse(lazyBody(Infinity, { meter }))));
    expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target)), ["IntegrityError"]);
    expect(meter.pulled).toBeLessThanOrEqual(8 * MiB);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("ends a stalled signed-URL body with TimeoutError within the timeout", async () => {
    const ref = await version();
    const ws = await workspace();
    // Timed from the stalled request, not from the call: the GraphQL reads before it are not what this checks, and on
    // a loaded CI machine they took seconds.
    let stalledAt = Number.NaN;
    server.use(
      http.get(`${STORAGE}/objects/*`, () => {
        stalledAt = Date.now();
        return new HttpResponse(stalledBody("he"));
      }),
    );
    expectKind(await rejectionOf(r({ timeoutMs: 150 }).downloadArtifacts(ref, ws.target)), ["TimeoutError"]);
    expect(Date.now() - stalledAt).toBeLessThan(2_000);
    expect(await tree(ws.target)).toEqual([]);
  });
});

describe("W&B: schema drift names the field", () => {
  /** Rewrites the fake's answer to one GraphQL operation. */
  function drift(operation: string, change: (data: Record<string, unknown>) => void) {
    server.use(
      http.post(`${BASE}/graphql`, async ({ request }) => {
        if (request.headers.get("x-hostile-pass")) return undefined;
        const body = (await request.clone().json()) as { operationName?: string };
        if (body.operationName !== operation) return undefined;
        // Ask the fake for the true answer (the marker lets it through this handler), then damage it.
        const headers = new Headers(request.headers);
        headers.set("x-hostile-pass", "1");
        const real = await fetch(request.url, { method: "POST", headers, body: JSON.stringify(body) });
        const json = (await real.json()) as { data: Record<string, unknown> };
        change(json.data);
        return HttpResponse.json(json);
      }),
    );
  }

  it.each([
    ["artifact.digest as an array", "digest", (a: Record<string, unknown>) => (a.digest = ["x"])],
    ["artifact.state missing", "state", (a: Record<string, unknown>) => delete a.state],
    ["artifact.aliases as an object", "aliases", (a: Record<string, unknown>) => (a.aliases = {})],
    [
      "artifact.currentManifest.file.directUrl as a number",
      "currentManifest.file.directUrl",
      (a: Record<string, unknown>) => (a.currentManifest = { id: "m", file: { directUrl: 1 } }),
    ],
  ])("getVersion: %s", async (_label, field, change) => {
    const ref = await version();
    drift("MembershipByName", (data) =>
      change(((data.project as Record<string, unknown>).artifactCollectionMembership as Record<string, unknown>).artifact as Record<string, unknown>),
    );
    const e = expectKind(await rejectionOf(r().getVersion(ref)), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.field).toBe(`data.project.artifactCollectionMembership.artifact.${field}`);
    expect(e.message).toContain(`artifact.${field}`);
  });

  it("file URL listing: directUrl as a number", async () => {
    const ref = await version();
    const ws = await workspace();
    drift("MembershipFileUrls", (data) => {
      const project = data.project as { artifactCollection: { artifactMembership: Record<string, unknown> } };
      const edges = (project.artifactCollection.artifactMembership.files as { edges: Array<{ node: Record<string, unknown> }> }).edges;
      for (const edge of edges) edge.node.directUrl = 42;
    });
    const e = expectKind(await rejectionOf(r().downloadArtifacts(ref, ws.target)), ["ResponseValidationError"]) as ResponseValidationError;
    expect(e.field).toBe("data.project.artifactCollection.artifactMembership.files.edges[0].node.directUrl");
    expect(e.message).toContain("directUrl");
  });
});
