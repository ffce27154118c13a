// A hostile Resource Manager and a hostile Blob service: a loopback proxy (support/adapter-hostile-proxy.ts) in front
// of the ARM fake and of Azurite answers chosen requests itself with bytes that are not HTTP, pages of HTML, JSON of
// the wrong shape or far too large, bodies that never end, and answers that stall before or after their headers or
// trickle a byte at a time. Every failure must be a typed error, in bounded time and bounded memory, with nothing
// written where a download was going and no version made from a create that failed.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { type AzureMlRegistrySettings, createAzureMlRegistry } from "../../src/adapters/azureml/index.js";
import { expectKind, MiB, peakGrowth, tree, workspace as tempWorkspace } from "../support/hostile.js";
import { rejectionOf } from "../support/rejection.js";
import { entries, MODES, type Mode } from "./support/adapter-helpers.js";
import {
  answer,
  declaresHuge,
  endless,
  garbage,
  type HostileProxy,
  type ProxiedRequest,
  silent,
  stallAfterHeaders,
  trickle,
} from "./support/adapter-hostile-proxy.js";
import type { ArmFake } from "./support/arm-fake.js";
import { type ProxiedArmFake, startProxiedArmFake } from "./support/proxied-arm-fake.js";
import { GROUP, REGISTRY, SUBSCRIPTION, WORKSPACE } from "./support/setup.js";

let arm: ArmFake;
let armProxy: HostileProxy;
let blobProxy: HostileProxy;

let fakes: ProxiedArmFake;
beforeAll(async () => {
  fakes = await startProxiedArmFake(inject("azurite"));
  ({ arm, armProxy, blobProxy } = fakes);
});
afterAll(async () => {
  await fakes?.close();
});
afterEach(() => {
  armProxy.rules.length = 0;
  blobProxy.rules.length = 0;
});

/** A registry through the proxies: no retries (one hostile answer is one failure), short timeouts. */
const registry = (mode: Mode, settings: Partial<AzureMlRegistrySettings> = {}) =>
  createAzureMlRegistry({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    ...(mode === "workspace" ? { workspace: WORKSPACE } : { registry: REGISTRY }),
    endpoint: armProxy.url,
    token: arm.token,
    pollIntervalMs: 5,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    maxRetries: 0,
    timeoutMs: 2_000,
    env: {},
    ...settings,
  });

/**
 * The most a proxy can hand to a socket after the client has stopped reading: its meter counts what the kernel took,
 * and loopback's send and receive buffers grow to several MiB each (a run under CI load measured 8 MiB and 5 bytes
 * for a client that stopped at the first chunk). Far below the 64 MiB and endless bodies these tests send.
 */
const LOOPBACK_SLACK = 16 * MiB;

const name = (mode: Mode, base: string) => `${base}-${mode === "workspace" ? "w" : "r"}`;
const pathOf = (r: ProxiedRequest) => r.path.split("?")[0] as string;
/** Requests of the model's container (`.../models/{model}`). */
const containerGet = (model: string) => (r: ProxiedRequest) => r.method === "GET" && pathOf(r).endsWith(`/models/${model}`);
/** Requests of one version (`.../models/{model}/versions/{version}`). */
const versionGet = (model: string, version: string) => (r: ProxiedRequest) => r.method === "GET" && pathOf(r).endsWith(`/models/${model}/versions/${version}`);

/** The blob path prefix (`/devstoreaccount1/{container}/.../`) of a version's folder: its files are under `model/`. */
function folderOf(mode: Mode, model: string, version: string): string {
  const v = (mode === "workspace" ? arm.state.workspace : arm.state.registry)?.containers.get(model)?.versions.get(version);
  const uri = String(v?.properties.modelUri);
  if (mode === "registry") return `${new URL(uri).pathname.replace(/model\/?$/, "")}`;
  const container = arm.state.datastores.get("workspaceblobstore")?.containerName as string;
  return `/${inject("azurite").accountName}/${container}/${uri.slice(uri.indexOf("/paths/") + 7).replace(/model\/$/, "")}`;
}

/** A version of modelreg's with `a.txt` ("hello") and `b.bin` (2 KiB), made through the proxies untouched. */
async function version(mode: Mode, model: string): Promise<{ model: string; version: string; folder: string }> {
  const v = await registry(mode).createVersion(model, { artifacts: entries({ "a.txt": "hello", "b.bin": new Uint8Array(2048).fill(1) }) });
  return { model, version: v.version, folder: folderOf(mode, model, v.version) };
}

/** Runs `call` and expects a typed rejection of one of `kinds` within `withinMs`. */
async function typedWithin(call: () => Promise<unknown>, kinds: readonly string[], withinMs: number) {
  const started = Date.now();
  const error = await rejectionOf(call());
  const e = expectKind(error, kinds);
  expect(Date.now() - started, `${e.kind}: ${e.message}`).toBeLessThan(withinMs);
  return e;
}

describe.each(MODES)("Resource Manager answering badly (%s)", (mode) => {
  it("bytes that are not HTTP: a typed connection failure, at once", async () => {
    const model = name(mode, "garbage");
    armProxy.on(containerGet(model), garbage());
    await typedWithin(() => registry(mode).getModel(model), ["ConnectionError", "ServerError"], 3_000);
  });

  it("an HTML page with 200, and XML where JSON belongs: ResponseValidationError", async () => {
    const model = name(mode, "html");
    armProxy.on(containerGet(model), answer(200, "<!doctype html><html><body>Sign in to continue</body></html>", { "content-type": "text/html" }), 1);
    await typedWithin(() => registry(mode).getModel(model), ["ResponseValidationError"], 3_000);
    armProxy.on(containerGet(model), answer(200, '<?xml version="1.0"?><Model><Name>x</Name></Model>', { "content-type": "application/json" }), 1);
    await typedWithin(() => registry(mode).getModel(model), ["ResponseValidationError"], 3_000);
  });

  it("a gateway's HTML error page: ServerError, its text not taken for JSON", async () => {
    const model = name(mode, "html-502");
    armProxy.on(containerGet(model), answer(502, "<html><head><title>502 Bad Gateway</title></head></html>", { "content-type": "text/html" }));
    const e = await typedWithin(() => registry(mode).getModel(model), ["ServerError"], 3_000);
    expect(e.statusCode).toBe(502);
  });

  it("the right JSON under a wrong content type is still read", async () => {
    const model = name(mode, "ctype");
    await registry(mode).createModel({ name: model, description: "plain" });
    armProxy.on(containerGet(model), async (req, res) => {
      const real = await fetch(`${arm.url}${req.url}`, { headers: { authorization: String(req.headers.authorization) } });
      const body = await real.text();
      res.writeHead(200, { "content-type": "text/plain; charset=iso-8859-1", "content-length": String(Buffer.byteLength(body)) });
      res.end(body);
    });
    expect((await registry(mode).getModel(model)).description).toBe("plain");
  });

  it("a version of the wrong shape names the field", async () => {
    const model = name(mode, "shape");
    await registry(mode).createModel({ name: model });
    const body = { id: "x", name: "1", properties: { tags: ["not", "a", "map"], modelUri: 7 } };
    armProxy.on(versionGet(model, "1"), answer(200, JSON.stringify(body), { "content-type": "application/json" }));
    const e = await typedWithin(() => registry(mode).getVersion({ model, version: "1" }), ["ResponseValidationError"], 3_000);
    expect(e.message).toMatch(/tags|modelUri/);
  });

  it("a nextVersion that is no number is not taken as a version's name; no version is made", async () => {
    const model = name(mode, "next-nan");
    await registry(mode).createModel({ name: model });
    armProxy.on(containerGet(model), async (req, res) => {
      const real = (await (await fetch(`${arm.url}${req.url}`, { headers: { authorization: String(req.headers.authorization) } })).json()) as {
        properties: Record<string, unknown>;
      };
      const body = JSON.stringify({ ...real, properties: { ...real.properties, nextVersion: "latest" } });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
      res.end(body);
    });
    const result = await registry(mode)
      .createVersion(model, { artifacts: entries({ "a.txt": "a" }) })
      .catch((e: unknown) => e);
    const made = [...((mode === "workspace" ? arm.state.workspace : arm.state.registry)?.containers.get(model)?.versions.keys() ?? [])];
    expect(made.filter((v) => !/^[1-9]\d*$/.test(v))).toEqual([]);
    if (result instanceof Error) expectKind(result, ["ResponseValidationError", "CorruptDataError"]);
    else expect((result as { version: string }).version).toMatch(/^[1-9]\d*$/);
  });

  it("a version list of 256 MiB is cut at the limit: typed, bounded in bytes and memory", async () => {
    const model = name(mode, "huge-list");
    await registry(mode).createModel({ name: model });
    const meter = armProxy.on(
      (r) => r.method === "GET" && pathOf(r).endsWith(`/models/${model}/versions`),
      endless('{"value": [{"name": "', { total: 256 * MiB }),
    );
    const { error, growth } = await peakGrowth(() => registry(mode).listVersions(model).toArray());
    expectKind(error, ["ResponseValidationError"]);
    // The client stops at its 64 MiB limit; the proxy counts what it handed to the socket, which holds a few MiB more.
    expect(meter.written).toBeLessThanOrEqual(80 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("a Content-Length of 300 MiB is refused without reading the body", async () => {
    const model = name(mode, "declared-huge");
    const meter = armProxy.on(containerGet(model), declaresHuge(300 * MiB));
    await typedWithin(() => registry(mode).getModel(model), ["ResponseValidationError"], 3_000);
    expect(meter.written).toBeLessThan(1024);
  });

  it("an error answer whose body never ends: a typed error, the body read no further than an error needs", async () => {
    const model = name(mode, "endless-error");
    const meter = armProxy.on(containerGet(model), endless('{"error": {"code": "InternalServerError", "message": "', { status: 500 }));
    await typedWithin(() => registry(mode).getModel(model), ["ServerError", "ResponseValidationError"], 10_000);
    expect(meter.written).toBeLessThanOrEqual(LOOPBACK_SLACK);
  });

  it("silence before the headers: TimeoutError at the timeout", async () => {
    const model = name(mode, "silent");
    armProxy.on(containerGet(model), silent);
    await typedWithin(() => registry(mode, { timeoutMs: 200 }).getModel(model), ["TimeoutError"], 3_000);
  });

  it("a stall after the headers: TimeoutError at the timeout", async () => {
    const model = name(mode, "stall");
    armProxy.on(containerGet(model), stallAfterHeaders('{"name": "'));
    await typedWithin(() => registry(mode, { timeoutMs: 200 }).getModel(model), ["TimeoutError"], 3_000);
  });

  it("slowloris: a body trickled a byte every 20 ms is given up in bounded time", async () => {
    const model = name(mode, "trickle");
    armProxy.on(containerGet(model), trickle('{"name": "'));
    await typedWithin(() => registry(mode, { timeoutMs: 300 }).getModel(model), ["TimeoutError", "ResponseValidationError"], 5_000);
  }, 15_000);

  it.runIf(mode === "registry")(
    "an operation's poll answering garbage, stalling or never ending: typed, or the version Azure made found whole",
    async () => {
      const model = name(mode, "poll");
      await registry(mode).createModel({ name: model });
      const poll = (r: ProxiedRequest) => r.method === "GET" && r.path.includes("/mfeOperationsStatus/");
      for (const [hostile, kinds] of [
        [garbage(), ["ConnectionError", "ServerError"]],
        [stallAfterHeaders('{"status": "In'), ["TimeoutError"]],
        [endless('{"status": "InProgress", "x": "'), ["ResponseValidationError", "TimeoutError"]],
        [answer(200, '{"status": 42}', { "content-type": "application/json" }), ["ResponseValidationError"]],
      ] as const) {
        armProxy.rules.length = 0;
        armProxy.on(poll, hostile);
        const started = Date.now();
        const result = await registry(mode, { timeoutMs: 300 })
          .createVersion(model, { artifacts: entries({ "a.txt": "a" }) })
          .catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(15_000);
        // Azure goes on with the operation whatever its poll answers (the fake ends it by time): the create either
        // fails typed, or finds the version Azure made; never a version without its files.
        if (result instanceof Error) expectKind(result, kinds);
        else expect((result as { version: string }).version).toMatch(/^[1-9]\d*$/);
      }
      armProxy.rules.length = 0;
      for (const version of arm.state.registry?.containers.get(model)?.versions.keys() ?? [])
        expect((await registry(mode).listArtifacts({ model, version })).map((f) => f.path)).toEqual(["a.txt"]);
    },
    60_000,
  );
});

describe.each(MODES)("Blob storage answering badly (%s)", (mode) => {
  it("a record that never ends: typed, bounded, and the version is not read from half of it", async () => {
    const ref = await version(mode, name(mode, "endless-record"));
    const meter = blobProxy.on((r) => r.method === "GET" && pathOf(r) === `${ref.folder}modelreg.json`, endless('{"format": "'));
    const { error, growth } = await peakGrowth(() => registry(mode).getVersion(ref));
    expectKind(error, ["ResponseValidationError", "CorruptDataError"]);
    expect(meter.written).toBeLessThanOrEqual(80 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("a record that is an HTML page: typed, not a crash", async () => {
    const ref = await version(mode, name(mode, "html-record"));
    blobProxy.on(
      (r) => r.method === "GET" && pathOf(r) === `${ref.folder}modelreg.json`,
      answer(200, "<html>maintenance</html>", { "content-type": "text/html" }),
    );
    await typedWithin(() => registry(mode).getVersion(ref), ["ResponseValidationError", "CorruptDataError"], 3_000);
  });

  it("a file whose body goes on past its size (64 MiB for 5 bytes): IntegrityError, bounded, nothing written", async () => {
    const ref = await version(mode, name(mode, "long-file"));
    const meter = blobProxy.on(
      (r) => r.method === "GET" && pathOf(r) === `${ref.folder}model/a.txt`,
      endless("hello", { total: 64 * MiB, headers: { "content-type": "application/octet-stream" } }),
    );
    const ws = await tempWorkspace();
    const { error, growth } = await peakGrowth(() => registry(mode).downloadArtifacts(ref, ws.target));
    expectKind(error, ["IntegrityError"]);
    expect(meter.written).toBeLessThanOrEqual(LOOPBACK_SLACK);
    expect(growth).toBeLessThan(64 * MiB);
    expect(await tree(ws.target)).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
  });

  it("a file that stalls after its headers: TimeoutError within the timeout, nothing written", async () => {
    const ref = await version(mode, name(mode, "stalled-file"));
    blobProxy.on(
      (r) => r.method === "GET" && pathOf(r) === `${ref.folder}model/b.bin`,
      stallAfterHeaders("\u0001\u0001", { "content-type": "application/octet-stream", "content-length": "2048" }),
    );
    const ws = await tempWorkspace();
    await typedWithin(() => registry(mode, { timeoutMs: 200 }).downloadArtifacts(ref, ws.target), ["TimeoutError"], 4_000);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("a file trickled a byte at a time past its size: IntegrityError, not a wait", async () => {
    const ref = await version(mode, name(mode, "trickled-file"));
    blobProxy.on((r) => r.method === "GET" && pathOf(r) === `${ref.folder}model/a.txt`, trickle("hello", 20, { "content-type": "application/octet-stream" }));
    const ws = await tempWorkspace();
    await typedWithin(
      () => registry(mode, { timeoutMs: 300 }).downloadArtifacts(ref, ws.target, { paths: ["a.txt"] }),
      ["IntegrityError", "TimeoutError"],
      5_000,
    );
    expect(await tree(ws.target)).toEqual([]);
  }, 15_000);

  it("a file listing (another tool's version) that is garbage XML or never ends: typed, bounded", async () => {
    const model = name(mode, "listing");
    const ref = await version(mode, model);
    // The listing of a version without modelreg's record: strip the record's format from its properties.
    const stored = (mode === "workspace" ? arm.state.workspace : arm.state.registry)?.containers.get(model)?.versions.get(ref.version);
    if (stored) stored.properties = { ...stored.properties, properties: {} };
    const list = (r: ProxiedRequest) => r.method === "GET" && r.path.includes("comp=list");
    blobProxy.on(list, answer(200, "<EnumerationResults><Blobs><Blob><Name>", { "content-type": "application/xml" }), 1);
    await typedWithin(() => registry(mode).listArtifacts(ref), ["ResponseValidationError"], 3_000);
    const meter = blobProxy.on(
      list,
      endless('<?xml version="1.0"?><EnumerationResults><Blobs>', { total: 256 * MiB, headers: { "content-type": "application/xml" } }),
      1,
    );
    const { error, growth } = await peakGrowth(() => registry(mode).listArtifacts(ref));
    expectKind(error, ["ResponseValidationError"]);
    expect(meter.written).toBeLessThanOrEqual(80 * MiB);
    expect(growth).toBeLessThan(160 * MiB);
  });

  it("a file upload that is never answered: TimeoutError, and no version", async () => {
    const model = name(mode, "upload-stall");
    await registry(mode).createModel({ name: model });
    blobProxy.on((r) => r.method === "PUT" && pathOf(r).endsWith("/model/a.txt"), silent);
    await typedWithin(() => registry(mode, { timeoutMs: 300 }).createVersion(model, { artifacts: entries({ "a.txt": "a" }) }), ["TimeoutError"], 8_000);
    expect((mode === "workspace" ? arm.state.workspace : arm.state.registry)?.containers.get(model)?.versions.size).toBe(0);
  });

  it("an upload Azure says it stored with another Content-MD5: IntegrityError, and no version", async () => {
    const model = name(mode, "upload-md5");
    await registry(mode).createModel({ name: model });
    blobProxy.on(
      (r) => r.method === "PUT" && pathOf(r).endsWith("/model/a.txt"),
      answer(201, "", { "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==", etag: '"0x1"', "x-ms-request-server-encrypted": "true" }),
    );
    await typedWithin(() => registry(mode).createVersion(model, { artifacts: entries({ "a.txt": "a" }) }), ["IntegrityError"], 5_000);
    expect((mode === "workspace" ? arm.state.workspace : arm.state.registry)?.containers.get(model)?.versions.size).toBe(0);
  });

  it("bytes that are not HTTP from the blob host on upload: typed, and no version", async () => {
    const model = name(mode, "upload-garbage");
    await registry(mode).createModel({ name: model });
    blobProxy.on((r) => r.method === "PUT" && pathOf(r).endsWith("/model/a.txt"), garbage());
    await typedWithin(() => registry(mode).createVersion(model, { artifacts: entries({ "a.txt": "a" }) }), ["ConnectionError", "ServerError"], 5_000);
    expect((mode === "workspace" ? arm.state.workspace : arm.state.registry)?.containers.get(model)?.versions.size).toBe(0);
  });
});
