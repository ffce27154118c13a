import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, type ModelRegistryError, NotFoundError, ServerError } from "modelreg";
import { createHttpClient } from "../../src/http/http-client.js";
import { redact, REDACTED, secretsFromHeaders } from "../../src/http/redact.js";
import { recordingLogger, recordingSleep, rejectionOf } from "./support/helpers.js";

const BASE = "https://registry.test/mlflow/";
const TOKEN = "tok_9f8e7d6c5b4a39281706";
const API_KEY = "wandbkey_0123456789abcdefghijklmnopqrstuvwxyz";
const SIGNATURE = "5e9a0c1d2b3f4a5b6c7d8e9f0a1b2c3d";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Every way an error can reach a person or a log. */
function everyRendering(error: unknown): string {
  const e = error as ModelRegistryError;
  const causes: string[] = [];
  for (let c: unknown = e.cause; c instanceof Error; c = c.cause) causes.push(`${c.message} ${c.stack ?? ""} ${String(c)}`);
  return [e.message, String(e), JSON.stringify(e), e.stack ?? "", e.url ?? "", JSON.stringify(e.toJSON()), ...causes].join("\n");
}

function expectNoSecrets(text: string, secrets: string[]) {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("redaction", () => {
  it("keeps a header token and a URL token out of errors and log lines, even when the server echoes them", async () => {
    server.use(
      http.get(`${BASE}api/2.0/mlflow/registered-models/get`, ({ request }) =>
        HttpResponse.json(
          { error_code: "RESOURCE_DOES_NOT_EXIST", message: `no model; you sent ${request.headers.get("authorization")} to ${request.url}` },
          { status: 404 },
        ),
      ),
    );
    const logger = recordingLogger();
    const client = createHttpClient({
      provider: "mlflow",
      baseUrl: BASE,
      headers: async () => ({ authorization: `Bearer ${TOKEN}` }),
      logger,
      sleep: recordingSleep(),
    });
    const error = await rejectionOf(
      client.request({ operation: "getModel", path: "api/2.0/mlflow/registered-models/get", query: { name: "fraud", token: "querysecret123" } }),
    );
    expect(NotFoundError.isInstance(error)).toBe(true);
    const shown = everyRendering(error);
    expectNoSecrets(shown, [TOKEN, "querysecret123"]);
    expect((error as Error).message).toContain(`no model; you sent ${REDACTED} to`);
    expect((error as NotFoundError).url).toBe(`${BASE}api/2.0/mlflow/registered-models/get?name=fraud&token=${REDACTED}`);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.every((l) => l.level === "debug")).toBe(true);
    expectNoSecrets(logger.text(), [TOKEN, "querysecret123"]);
    expect(logger.text()).toContain("token=[REDACTED]");
  });

  it("logs one line per attempt with method, redacted URL, status, attempt and duration", async () => {
    let n = 0;
    server.use(http.get(`${BASE}x`, () => (n++ === 0 ? HttpResponse.json({}, { status: 503 }) : HttpResponse.json({ ok: 1 }))));
    const logger = recordingLogger();
    const client = createHttpClient({ provider: "mlflow", baseUrl: BASE, logger, sleep: recordingSleep(), random: () => 0 });
    await client.request({ operation: "getX", path: "x", query: { access_token: "abcdefgh" } });
    const attempts = logger.lines.filter((l) => l.data?.attempt !== undefined && l.data?.durationMs !== undefined);
    expect(attempts.map((l) => [l.data?.method, l.data?.url, l.data?.status, l.data?.attempt])).toEqual([
      ["GET", `${BASE}x?access_token=${REDACTED}`, 503, 1],
      ["GET", `${BASE}x?access_token=${REDACTED}`, 200, 2],
    ]);
    expect(typeof attempts[0]?.data?.durationMs).toBe("number");
    expect(logger.lines.some((l) => l.message.includes("retry 1 in 250 ms after ServerError"))).toBe(true);
    expect(logger.text()).not.toContain("abcdefgh");
  });

  it("redacts configured secrets and the base64 Basic form of a W&B key", async () => {
    const basic = Buffer.from(`api:${API_KEY}`).toString("base64");
    server.use(http.post(`${BASE}graphql`, () => HttpResponse.text(`denied for Basic ${basic} (key ${API_KEY}) raw:${basic}`, { status: 401 })));
    const logger = recordingLogger();
    const client = createHttpClient({
      provider: "wandb",
      baseUrl: BASE,
      headers: { authorization: `Basic ${basic}` },
      secrets: () => [API_KEY],
      logger,
    });
    const error = await rejectionOf(client.request({ operation: "viewer", method: "POST", path: "graphql", json: {}, responseType: "text" }));
    expectNoSecrets(everyRendering(error), [API_KEY, basic]);
    expectNoSecrets(logger.text(), [API_KEY, basic]);
    expect((error as Error).message).toContain(REDACTED);
  });

  it("redacts a connection error's cause chain", async () => {
    const failing: typeof fetch = async (input) => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ECONNRESET ${String(input)}`), { code: "ECONNRESET" }) });
    };
    const client = createHttpClient({ provider: "vertex", baseUrl: BASE, fetch: failing, sleep: recordingSleep(), secrets: () => [TOKEN] });
    const error = await rejectionOf(client.request({ operation: "get", path: "m", query: { key: TOKEN } }));
    expect(ConnectionError.isInstance(error)).toBe(true);
    const cause = (error as Error).cause as Error & { code?: string };
    expect(cause.cause).toBeInstanceOf(Error);
    expect((cause.cause as Error & { code?: string }).code).toBe("ECONNRESET");
    expectNoSecrets(everyRendering(error), [TOKEN]);
    expect((error as Error).message).toContain("connection reset (ECONNRESET)");
  });

  it("redact() covers signed-URL parameters, user-info and bearer tokens", () => {
    const url = `https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4&X-Goog-Credential=sa%40p.iam&X-Goog-Signature=${SIGNATURE}&alt=media`;
    expect(redact(url)).toBe(`https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4&X-Goog-Credential=${REDACTED}&X-Goog-Signature=${REDACTED}&alt=media`);
    expect(redact(`https://s3.test/k?X-Amz-Signature=${SIGNATURE}&sig=abc&x=1`)).toBe(`https://s3.test/k?X-Amz-Signature=${REDACTED}&sig=${REDACTED}&x=1`);
    expect(redact("https://storage.googleapis.com/upload/storage/v1/b/b/o?uploadType=resumable&upload_id=ABPnzm4secretSession")).toBe(
      `https://storage.googleapis.com/upload/storage/v1/b/b/o?uploadType=resumable&upload_id=${REDACTED}`,
    );
    expect(redact("see https://user:hunter22@host.test/x")).toBe(`see https://${REDACTED}@host.test/x`);
    expect(redact("Authorization: Bearer abcdefghijklmnop")).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact(`token ${encodeURIComponent("a/b+c=d?e")} and a/b+c=d?e`, ["a/b+c=d?e"])).toBe(`token ${REDACTED} and ${REDACTED}`);
    expect(redact('WWW-Authenticate: Basic realm="mlflow"')).toBe('WWW-Authenticate: Basic realm="mlflow"');
    expect(redact("short secrets are ignored: abc", ["abc"])).toBe("short secrets are ignored: abc");
  });

  it("finds the credentials inside headers", () => {
    const basic = Buffer.from("alice:s3cretpass").toString("base64");
    const found = secretsFromHeaders({ Authorization: `Basic ${basic}`, "X-Api-Key": "k-123456", accept: "application/json" });
    expect(found).toEqual(expect.arrayContaining([`Basic ${basic}`, basic, "alice:s3cretpass", "s3cretpass", "k-123456"]));
    expect(found).not.toContain("application/json");
  });
});

describe("credentials and hosts", () => {
  it("drops Authorization and client headers on a cross-origin redirect, keeps request headers", async () => {
    const seen: Record<string, Record<string, string | null>> = {};
    server.use(
      http.get(`${BASE}artifact`, ({ request }) => {
        seen.first = { auth: request.headers.get("authorization"), client: request.headers.get("x-client"), req: request.headers.get("x-req") };
        return new HttpResponse(null, { status: 302, headers: { location: `https://bucket.test/o?X-Goog-Signature=${SIGNATURE}` } });
      }),
      http.get("https://bucket.test/o", ({ request }) => {
        seen.second = {
          auth: request.headers.get("authorization"),
          client: request.headers.get("x-client"),
          req: request.headers.get("x-req"),
          cookie: request.headers.get("cookie"),
        };
        return HttpResponse.text("bytes");
      }),
    );
    const logger = recordingLogger();
    const client = createHttpClient({
      provider: "mlflow",
      baseUrl: BASE,
      headers: { authorization: `Bearer ${TOKEN}`, "x-client": "yes" },
      logger,
    });
    const res = await client.request({ operation: "download", path: "artifact", responseType: "text", headers: { "x-req": "1", cookie: "session=abcdefgh" } });
    expect(res.data).toBe("bytes");
    expect(res.url).toBe(`https://bucket.test/o?X-Goog-Signature=${REDACTED}`);
    expect(seen.first).toEqual({ auth: `Bearer ${TOKEN}`, client: "yes", req: "1" });
    expect(seen.second).toEqual({ auth: null, client: null, req: "1", cookie: null });
    expectNoSecrets(logger.text(), [SIGNATURE, TOKEN]);
  });

  it("keeps Authorization on a same-origin redirect, and turns a 303 after POST into a GET", async () => {
    const seen: Array<[string, string | null]> = [];
    server.use(
      http.post(`${BASE}old`, ({ request }) => {
        seen.push([request.method, request.headers.get("authorization")]);
        return new HttpResponse(null, { status: 303, headers: { location: "/mlflow/new" } });
      }),
      http.get(`${BASE}new`, ({ request }) => {
        seen.push([request.method, request.headers.get("authorization")]);
        return HttpResponse.json({ moved: true });
      }),
    );
    const client = createHttpClient({ provider: "mlflow", baseUrl: BASE, headers: { authorization: `Bearer ${TOKEN}` } });
    const res = await client.request({ operation: "op", method: "POST", path: "old", json: { a: 1 } });
    expect(res.data).toEqual({ moved: true });
    expect(seen).toEqual([
      ["POST", `Bearer ${TOKEN}`],
      ["GET", `Bearer ${TOKEN}`],
    ]);
  });

  it("resends the body on a 307", async () => {
    const bodies: string[] = [];
    server.use(
      http.put(`${BASE}a`, async ({ request }) => {
        bodies.push(await request.text());
        return new HttpResponse(null, { status: 307, headers: { location: `${BASE}b` } });
      }),
      http.put(`${BASE}b`, async ({ request }) => {
        bodies.push(await request.text());
        return HttpResponse.json({});
      }),
    );
    let opened = 0;
    const client = createHttpClient({ provider: "mlflow", baseUrl: BASE });
    await client.request({ operation: "put", method: "PUT", path: "a", body: () => `payload-${++opened}`, responseType: "none" });
    expect(bodies).toEqual(["payload-1", "payload-2"]);
  });

  it("stops after maxRedirects", async () => {
    let hops = 0;
    server.use(
      http.get(`${BASE}loop`, () => {
        hops++;
        return new HttpResponse(null, { status: 302, headers: { location: `${BASE}loop` } });
      }),
    );
    const client = createHttpClient({ provider: "mlflow", baseUrl: BASE, maxRedirects: 3 });
    const error = await rejectionOf(client.request({ operation: "loop", path: "loop" }));
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("too many redirects (more than 3)");
    expect(hops).toBe(4);
  });

  it("sends no client headers to an absolute URL, only the request's own", async () => {
    let headers: Record<string, string | null> = {};
    server.use(
      http.put("https://upload.test/signed", ({ request }) => {
        headers = { auth: request.headers.get("authorization"), client: request.headers.get("x-client"), type: request.headers.get("content-type") };
        return new HttpResponse(null, { status: 200 });
      }),
    );
    let headerCalls = 0;
    const client = createHttpClient({
      provider: "wandb",
      baseUrl: BASE,
      headers: () => {
        headerCalls++;
        return { authorization: `Basic ${TOKEN}`, "x-client": "1" };
      },
    });
    await client.request({
      operation: "upload",
      method: "PUT",
      url: `https://upload.test/signed?X-Amz-Signature=${SIGNATURE}`,
      headers: { "content-type": "application/octet-stream" },
      body: () => new Uint8Array([1, 2, 3]),
      responseType: "none",
    });
    expect(headers).toEqual({ auth: null, client: null, type: "application/octet-stream" });
    expect(headerCalls).toBe(0);
  });
});
