import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  ModelRegistryError,
  type ModelRegistryErrorClass,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  ServerError,
} from "modelreg";
import { createHttpClient } from "../../src/http/http-client.js";
import { formatIssuePath, lazySchema } from "../../src/http/schema.js";
import { recordingSleep, rejectionOf } from "./support/helpers.js";

const BASE = "https://errors.test/";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = (extra: Partial<Parameters<typeof createHttpClient>[0]> = {}) =>
  createHttpClient({ provider: "mlflow", baseUrl: BASE, sleep: recordingSleep(), maxRetries: 0, ...extra });

const versionSchema = lazySchema(() =>
  z.object({ model_version: z.object({ name: z.string(), version: z.string(), tags: z.array(z.object({ key: z.string() })).optional() }) }),
);

describe("response parsing", () => {
  it("validates with the schema and returns typed data", async () => {
    server.use(http.get(`${BASE}v`, () => HttpResponse.json({ model_version: { name: "fraud", version: "3", extra: 1 } })));
    const res = await client().request({ operation: "getVersion", path: "v", schema: versionSchema });
    const version: string = res.data.model_version.version;
    expect(version).toBe("3");
    expect(res.status).toBe(200);
  });

  it("builds a lazy schema once, on first use", async () => {
    let built = 0;
    const schema = lazySchema(() => {
      built++;
      return z.object({ a: z.number() });
    });
    expect(built).toBe(0);
    server.use(http.get(`${BASE}a`, () => HttpResponse.json({ a: 1 })));
    await client().request({ operation: "a", path: "a", schema });
    await client().request({ operation: "a", path: "a", schema });
    expect(built).toBe(1);
  });

  it("names the drifted field when the schema does not match", async () => {
    server.use(http.get(`${BASE}v`, () => HttpResponse.json({ model_version: { name: "fraud", version: 3 } })));
    const error = await rejectionOf(client().request({ operation: "getVersion", path: "v", schema: versionSchema }));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    const validation = error as ResponseValidationError;
    expect(validation.field).toBe("model_version.version");
    expect(validation.message).toContain("at model_version.version");
    expect(validation.message).toMatch(/expected string/);
    expect(validation.statusCode).toBe(200);
    expect(validation.isRetryable).toBe(false);
  });

  it("formats array indexes in the field path", async () => {
    server.use(http.get(`${BASE}v`, () => HttpResponse.json({ model_version: { name: "f", version: "1", tags: [{ key: "a" }, { key: 5 }] } })));
    const error = await rejectionOf(client().request({ operation: "getVersion", path: "v", schema: versionSchema }));
    expect((error as ResponseValidationError).field).toBe("model_version.tags[1].key");
    expect(formatIssuePath(["a", 0, "b"])).toBe("a[0].b");
  });

  it("throws ResponseValidationError for malformed JSON on 2xx", async () => {
    server.use(http.get(`${BASE}bad`, () => new HttpResponse('{"model_version": {"name": ', { headers: { "content-type": "application/json" } })));
    const error = await rejectionOf(client().request({ operation: "getVersion", path: "bad" }));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("was not JSON (application/json)");
  });

  it("throws ResponseValidationError for an HTML page on 2xx", async () => {
    server.use(http.get(`${BASE}login`, () => HttpResponse.html("<html><body><h1>Sign in</h1></body></html>")));
    const error = await rejectionOf(client().request({ operation: "getVersion", path: "login" }));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/was not JSON \(text\/html.*\): Sign in$/);
  });

  it("returns undefined for an empty 2xx body without a schema, and text for responseType text", async () => {
    server.use(
      http.delete(`${BASE}x`, () => new HttpResponse(null, { status: 204 })),
      http.get(`${BASE}health`, () => HttpResponse.text("OK")),
    );
    expect((await client().request({ operation: "delete", method: "DELETE", path: "x" })).data).toBeUndefined();
    expect((await client().request({ operation: "health", path: "health", responseType: "text" })).data).toBe("OK");
  });
});

describe("status mapping", () => {
  const cases: Array<[number, ModelRegistryErrorClass]> = [
    [400, InvalidInputError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [422, InvalidInputError],
    [429, RateLimitError],
    [500, ServerError],
    [503, ServerError],
  ];
  for (const [status, ErrorClass] of cases) {
    it(`maps ${status} to ${ErrorClass.name}`, async () => {
      server.use(http.get(`${BASE}s`, () => HttpResponse.json({ error_code: "SOME_CODE", message: `failed with ${status}` }, { status })));
      const error = await rejectionOf(client().request({ operation: "op", path: "s" }));
      expect(ErrorClass.isInstance(error)).toBe(true);
      const mapped = error as ModelRegistryError;
      expect(mapped.name).toBe(ErrorClass.name);
      expect(mapped.statusCode).toBe(status);
      expect(mapped.providerCode).toBe("SOME_CODE");
      expect(mapped.message).toBe(`[mlflow] op: HTTP ${status}: failed with ${status}`);
      expect(mapped.url).toBe(`${BASE}s`);
    });
  }

  it("maps an HTML 404 from a proxy to NotFoundError and says the body was not JSON", async () => {
    server.use(
      http.get(`${BASE}api/3.0/mlflow/server-info`, () => HttpResponse.html("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>", { status: 404 })),
    );
    const error = await rejectionOf(client().request({ operation: "serverInfo", path: "api/3.0/mlflow/server-info" }));
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("HTTP 404; the response body was not JSON (text/html");
    expect((error as Error).message).toContain("404 Not Found Not Found");
  });

  it("quotes at most about 1 KB of a long body", async () => {
    server.use(http.get(`${BASE}long`, () => HttpResponse.text("x".repeat(50_000), { status: 500 })));
    const error = await rejectionOf(client().request({ operation: "op", path: "long", responseType: "text" }));
    const message = (error as Error).message;
    expect(message.length).toBeLessThan(1200);
    expect(message).toContain("x".repeat(1000));
  });

  it("reads the Google error envelope and the request id header", async () => {
    server.use(
      http.get(`${BASE}g`, () =>
        HttpResponse.json(
          { error: { code: 409, message: "Model already exists", status: "ALREADY_EXISTS" } },
          { status: 409, headers: { "x-request-id": "req-42" } },
        ),
      ),
    );
    const error = (await rejectionOf(client().request({ operation: "op", path: "g" }))) as ConflictError;
    expect(ConflictError.isInstance(error)).toBe(true);
    expect(error.providerCode).toBe("ALREADY_EXISTS");
    expect(error.requestId).toBe("req-42");
    expect(error.message).toContain("Model already exists");
    expect(error.toJSON().requestId).toBe("req-42");
  });

  it("lets mapError turn MLflow's RESOURCE_ALREADY_EXISTS on HTTP 400 into ConflictError", async () => {
    server.use(http.post(`${BASE}create`, () => HttpResponse.json({ error_code: "RESOURCE_ALREADY_EXISTS", message: "exists" }, { status: 400 })));
    const seen: unknown[] = [];
    const http2 = client({
      mapError: (ctx) => {
        seen.push({ status: ctx.status, json: ctx.json, operation: ctx.operation, url: ctx.url });
        const body = ctx.json as { error_code?: string; message?: string } | undefined;
        if (body?.error_code === "RESOURCE_ALREADY_EXISTS") {
          return new ConflictError(body.message ?? "exists", { ...ctx.errorOptions, providerCode: body.error_code });
        }
        return undefined;
      },
    });
    const error = await rejectionOf(http2.request({ operation: "createModel", method: "POST", path: "create", json: { name: "m" } }));
    expect(ConflictError.isInstance(error)).toBe(true);
    expect((error as ConflictError).statusCode).toBe(400);
    expect(seen).toEqual([{ status: 400, json: { error_code: "RESOURCE_ALREADY_EXISTS", message: "exists" }, operation: "createModel", url: `${BASE}create` }]);
  });

  it("falls back to the default mapping when mapError returns undefined", async () => {
    server.use(http.get(`${BASE}nf`, () => HttpResponse.json({ message: "nope" }, { status: 404 })));
    const error = await rejectionOf(client({ mapError: () => undefined }).request({ operation: "op", path: "nf" }));
    expect(NotFoundError.isInstance(error)).toBe(true);
  });

  it("lets inspectJson turn GraphQL errors under HTTP 200 into an error, retried only if it says so", async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}graphql`, () => {
        calls++;
        return HttpResponse.json({ data: null, errors: [{ message: "project not found", path: ["project"] }] });
      }),
    );
    const http2 = createHttpClient({
      provider: "wandb",
      baseUrl: BASE,
      sleep: recordingSleep(),
      inspectJson: (ctx) => {
        const errors = (ctx.json as { errors?: Array<{ message: string }> }).errors;
        return errors?.length ? new NotFoundError(errors[0]?.message ?? "error", ctx.errorOptions) : undefined;
      },
    });
    const error = await rejectionOf(http2.request({ operation: "getArtifact", method: "POST", path: "graphql", json: { query: "{}" }, idempotent: true }));
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as NotFoundError).message).toBe("[wandb] getArtifact: project not found");
    expect((error as NotFoundError).statusCode).toBe(200);
    expect(calls).toBe(1);
  });
});

describe("acceptStatus", () => {
  it("hands back a listed non-2xx status as a response, and still fails on others", async () => {
    server.use(http.put(`${BASE}session`, () => new HttpResponse(null, { status: 308, headers: { range: "bytes=0-262143" } })));
    const res = await client().request({
      operation: "chunk",
      method: "PUT",
      path: "session",
      body: () => new Uint8Array(10),
      responseType: "none",
      acceptStatus: [308],
    });
    expect(res.status).toBe(308);
    expect(res.headers.get("range")).toBe("bytes=0-262143");
    const error = await rejectionOf(
      client().request({ operation: "chunk", method: "PUT", path: "session", body: () => new Uint8Array(10), responseType: "none" }),
    );
    expect(ModelRegistryError.isInstance(error)).toBe(true);
  });
});
