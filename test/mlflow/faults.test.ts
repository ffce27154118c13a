// What a healthy MLflow server cannot be made to do, faked with msw: rate limits, 503 bursts, a proxy's HTML 404,
// a malformed JSON body. The real-server tests live in test/mlflow/server.
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { NotFoundError, RateLimitError, ResponseValidationError, ServerError } from "modelreg";
import { CANARY } from "../support/canary.js";
import { rejectionOf } from "../support/rejection.js";

const BASE = "http://mlflow.test/prefix";
const API = `${BASE}/api/2.0/mlflow`;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const model = { registered_model: { name: "fraud", creation_timestamp: 1, last_updated_timestamp: 2, aliases: [{ alias: "champion", version: "3" }] } };
const registry = (maxRetries = 3) => createMlflowRegistry({ trackingUri: BASE, token: CANARY.mlflowToken, maxRetries, env: {} });

/** What a createVersion before `model-versions/create` meets on a healthy MLflow 3 server (the model exists). */
function createPathHandlers() {
  return [
    http.post(`${API}/registered-models/create`, () => HttpResponse.json({ error_code: "RESOURCE_ALREADY_EXISTS", message: "exists" }, { status: 400 })),
    http.get(`${BASE}/version`, () => HttpResponse.text("3.17.2")),
    http.get(`${API}/experiments/get-by-name`, () => HttpResponse.json({ experiment: { experiment_id: "1" } })),
    http.post(`${API}/runs/create`, () => HttpResponse.json({ run: { info: { run_id: "r1", artifact_uri: "mlflow-artifacts:/1/r1/artifacts" } } })),
    http.post(`${API}/runs/log-batch`, () => HttpResponse.json({})),
    http.post(`${API}/runs/update`, () => HttpResponse.json({})),
    http.post(`${API}/logged-models`, () =>
      HttpResponse.json({ model: { info: { model_id: "m-1", artifact_uri: "mlflow-artifacts:/1/models/m-1/artifacts" } } }),
    ),
    http.patch(`${API}/logged-models/m-1`, () => HttpResponse.json({})),
    http.put(`${BASE}/api/2.0/mlflow-artifacts/artifacts/*`, () => HttpResponse.json({})),
  ];
}

describe("MLflow adapter under faults", () => {
  it("waits out a 429 with Retry-After and then succeeds", async () => {
    const times: number[] = [];
    server.use(
      http.get(`${API}/registered-models/get`, () => {
        times.push(Date.now());
        return times.length === 1
          ? HttpResponse.json({ error_code: "REQUEST_LIMIT_EXCEEDED", message: "slow down" }, { status: 429, headers: { "retry-after": "1" } })
          : HttpResponse.json(model);
      }),
    );
    const got = await registry().getModel("fraud");
    expect(got.aliases).toEqual({ champion: "3" });
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(900);
  });

  it("gives RateLimitError with the server's wait when 429 persists", async () => {
    server.use(
      http.get(`${API}/registered-models/get`, () =>
        HttpResponse.json({ error_code: "REQUEST_LIMIT_EXCEEDED", message: "no" }, { status: 429, headers: { "retry-after": "0" } }),
      ),
    );
    const error = await rejectionOf(registry(1).getModel("fraud"));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).providerCode).toBe("REQUEST_LIMIT_EXCEEDED");
  });

  it("sends setAlias again when MLflow loses a race to insert a new alias, and not for other bad requests", async () => {
    let posts = 0;
    const race = {
      error_code: "INVALID_PARAMETER_VALUE",
      message: "(sqlite3.IntegrityError) UNIQUE constraint failed: registered_model_aliases.name, registered_model_aliases.alias",
    };
    server.use(
      http.get(`${API}/registered-models/get`, () => HttpResponse.json(model)),
      http.post(`${API}/registered-models/alias`, async ({ request }) => {
        posts++;
        const body = (await request.json()) as { version: string };
        if (body.version === "9") return HttpResponse.json({ error_code: "INVALID_PARAMETER_VALUE", message: "no version 9" }, { status: 400 });
        return posts === 1 ? HttpResponse.json(race, { status: 400 }) : HttpResponse.json({});
      }),
    );
    expect(await registry().setAlias("fraud", "champion", "4")).toEqual({ previous: "3" });
    expect(posts).toBe(2);
    posts = 0;
    expect(((await rejectionOf(registry().setAlias("fraud", "champion", "9"))) as Error).message).toContain("no version 9");
    expect(posts).toBe(1);
  });

  it("rides out a burst of 503s on a read", async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/registered-models/get`, () => {
        calls++;
        return calls <= 2 ? new HttpResponse("upstream unavailable", { status: 503, headers: { "retry-after": "0" } }) : HttpResponse.json(model);
      }),
    );
    expect((await registry().getModel("fraud")).name).toBe("fraud");
    expect(calls).toBe(3);
  });

  it("does not blindly resend a create after a 503 without Retry-After; it looks for its token first", async () => {
    const seen: string[] = [];
    server.use(
      http.post(`${API}/model-versions/create`, () => {
        seen.push("create");
        return new HttpResponse("bad gateway", { status: 503 });
      }),
      http.get(`${API}/model-versions/search`, ({ request }) => {
        seen.push(`search ${new URL(request.url).searchParams.get("filter")}`);
        return HttpResponse.json({});
      }),
      // Last: the handlers above come first for what they answer.
      ...createPathHandlers(),
    );
    const error = await rejectionOf(registry(1).createVersion("fraud", { artifacts: { entries: [{ path: "m", content: "x" }] } }));
    expect(ServerError.isInstance(error)).toBe(true);
    // Each resend is preceded by a search for the client token.
    expect(seen.map((s) => s.split(" ")[0])).toEqual(["create", "search", "create", "search"]);
    expect(seen[1]).toMatch(/tags\.`modelreg\.client_token` = '[0-9a-f-]{36}'/);
  });

  it("sends log-batch again when it lost a race on the params' unique key, and the version is made once", async () => {
    let batches = 0;
    let creates = 0;
    const version = { name: "fraud", version: "1", status: "READY", creation_timestamp: 1, last_updated_timestamp: 1, run_id: "r1" };
    server.use(
      // What a real MLflow 3.17.2 server answered in a CI run when a retried log-batch raced the attempt it retried.
      http.post(`${API}/runs/log-batch`, () =>
        ++batches === 1
          ? HttpResponse.json(
              { error_code: "BAD_REQUEST", message: "(sqlite3.IntegrityError) UNIQUE constraint failed: params.key, params.run_uuid" },
              { status: 400 },
            )
          : HttpResponse.json({}),
      ),
      http.post(`${API}/model-versions/create`, () => {
        creates++;
        return HttpResponse.json({ model_version: version });
      }),
      http.get(`${API}/model-versions/get`, () => HttpResponse.json({ model_version: version })),
      http.get(`${API}/model-versions/search`, () => HttpResponse.json({})),
      http.get(`${API}/registered-models/get`, () => HttpResponse.json(model)),
      http.get(`${API}/runs/get`, () =>
        HttpResponse.json({
          run: { info: { run_id: "r1", artifact_uri: "mlflow-artifacts:/1/r1/artifacts" }, data: { params: [{ key: "lr", value: "0.1" }] } },
        }),
      ),
      // Last: the handlers above come first for what they answer.
      ...createPathHandlers(),
    );
    const made = await registry().createVersion("fraud", { artifacts: { entries: [{ path: "m", content: "x" }] }, params: { lr: "0.1" } });
    expect(made.version).toBe("1");
    expect(batches).toBe(2);
    expect(creates).toBe(1);
  });

  it("turns a proxy's HTML 404 into NotFoundError that says the body was not JSON", async () => {
    server.use(
      http.get(
        `${API}/registered-models/get`,
        () => new HttpResponse("<html><body><h1>404 Not Found</h1>nginx</body></html>", { status: 404, headers: { "content-type": "text/html" } }),
      ),
    );
    const error = await rejectionOf(registry().getModel("fraud"));
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/404 Not Found/);
  });

  it("turns a malformed JSON body into ResponseValidationError, and a wrong shape names the field", async () => {
    server.use(
      http.get(
        `${API}/registered-models/get`,
        () => new HttpResponse('{"registered_model": {"name": "fr', { headers: { "content-type": "application/json" } }),
      ),
    );
    expect(ResponseValidationError.isInstance(await rejectionOf(registry().getModel("fraud")))).toBe(true);
    server.use(http.get(`${API}/registered-models/get`, () => HttpResponse.json({ registered_model: { name: 42 } })));
    const error = await rejectionOf(registry().getModel("fraud"));
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as ResponseValidationError).field).toContain("registered_model.name");
  });
});
