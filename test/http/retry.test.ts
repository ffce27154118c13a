import { delay, http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AbortedError, ConnectionError, RateLimitError, ServerError, TimeoutError } from "modelreg";
import { createHttpClient } from "../../src/http/http-client.js";
import type { HttpClientConfig } from "../../src/http/http-types.js";
import { backoffDelay, parseRetryAfter } from "../../src/http/retry.js";
import { recordingSleep, rejectionOf } from "./support/helpers.js";

const BASE = "https://retry.test/api/";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers each request with the next response factory, counting requests. */
function sequence(method: "get" | "post", path: string, responses: Array<() => Response | Promise<Response>>) {
  const state = { count: 0 };
  server.use(
    http[method](`${BASE}${path}`, () => {
      const next = responses[Math.min(state.count, responses.length - 1)];
      state.count++;
      if (!next) throw new Error("no response configured");
      return next();
    }),
  );
  return state;
}

function client(overrides: Partial<HttpClientConfig> = {}) {
  const sleep = recordingSleep();
  const http = createHttpClient({ provider: "test", baseUrl: BASE, sleep, random: () => 0.5, ...overrides });
  return { http, sleep };
}

describe("retries", () => {
  it("retries a 503 and returns the later success, waiting the backoff", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.json({ message: "busy" }, { status: 503 }), () => HttpResponse.json({ ok: 1 })]);
    const { http, sleep } = client();
    const res = await http.request({ operation: "getThing", path: "thing" });
    expect(res.data).toEqual({ ok: 1 });
    expect(res.attempts).toBe(2);
    expect(calls.count).toBe(2);
    // base 500 ms, first retry, random 0.5 -> 500 * (0.5 + 0.25)
    expect(sleep.delays).toEqual([375]);
  });

  it("honours Retry-After in seconds on 429", async () => {
    sequence("get", "thing", [() => HttpResponse.json({}, { status: 429, headers: { "retry-after": "7" } }), () => HttpResponse.json({ ok: 2 })]);
    const { http, sleep } = client();
    const res = await http.request({ operation: "getThing", path: "thing" });
    expect(res.data).toEqual({ ok: 2 });
    expect(sleep.delays).toEqual([7000]);
  });

  it("honours Retry-After as an HTTP date, against the injected clock", async () => {
    const now = Date.UTC(2025, 0, 2, 3, 4, 5);
    sequence("get", "thing", [
      () => HttpResponse.json({}, { status: 429, headers: { "retry-after": new Date(now + 12_000).toUTCString() } }),
      () => HttpResponse.json({ ok: 3 }),
    ]);
    const { http, sleep } = client({ now: () => now });
    await http.request({ operation: "getThing", path: "thing" });
    expect(sleep.delays).toEqual([12_000]);
  });

  it("prefers retry-after-ms and caps a long Retry-After at maxRetryAfterMs", async () => {
    sequence("get", "thing", [
      () => HttpResponse.json({}, { status: 503, headers: { "retry-after": "3600" } }),
      () => HttpResponse.json({}, { status: 503, headers: { "retry-after": "3600" } }),
      () => HttpResponse.json({}, { status: 429, headers: { "retry-after-ms": "250", "retry-after": "9" } }),
      () => HttpResponse.json({ ok: 4 }),
    ]);
    const { http, sleep } = client({ maxRetries: 3 });
    await http.request({ operation: "getThing", path: "thing" });
    expect(sleep.delays).toEqual([60_000, 60_000, 250]);
  });

  it("uses a configured cap", async () => {
    sequence("get", "thing", [() => HttpResponse.json({}, { status: 429, headers: { "retry-after": "90" } }), () => HttpResponse.json({})]);
    const { http, sleep } = client({ maxRetryAfterMs: 5_000 });
    await http.request({ operation: "getThing", path: "thing" });
    expect(sleep.delays).toEqual([5_000]);
  });

  it("backs off exponentially up to the maximum step", async () => {
    sequence("get", "thing", [() => HttpResponse.json({}, { status: 502 })]);
    const { http, sleep } = client({ maxRetries: 6, random: () => 0.999_999, retryBaseDelayMs: 1000, retryMaxDelayMs: 8000 });
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing" }));
    expect(ServerError.isInstance(error)).toBe(true);
    expect(sleep.delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect((error as Error).message).toContain("gave up after 7 attempts");
  });

  it("gives up after maxRetries and says how many attempts were made", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.json({ message: "down" }, { status: 500 })]);
    const { http } = client();
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing" }));
    expect(ServerError.isInstance(error)).toBe(true);
    expect(calls.count).toBe(3);
    expect((error as ServerError).message).toBe("[test] getThing: HTTP 500: down (gave up after 3 attempts)");
    expect((error as ServerError).isRetryable).toBe(true);
  });

  it("names how the earlier attempts failed when they failed in different ways", async () => {
    sequence("get", "thing", [
      () => HttpResponse.json({ message: "busy" }, { status: 503 }),
      () => HttpResponse.json({ message: "busy" }, { status: 503 }),
      () => HttpResponse.json({ message: "down" }, { status: 500 }),
    ]);
    const { http } = client({ maxRetries: 2 });
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing" }));
    expect((error as ServerError).message).toBe("[test] getThing: HTTP 500: down (gave up after 3 attempts: 2 HTTP 503, 1 HTTP 500)");
  });

  it("does not retry 501 or 4xx", async () => {
    const a = sequence("get", "five-oh-one", [() => HttpResponse.json({}, { status: 501 })]);
    const b = sequence("get", "bad", [() => HttpResponse.json({}, { status: 400 })]);
    const { http, sleep } = client();
    await rejectionOf(http.request({ operation: "x", path: "five-oh-one" }));
    await rejectionOf(http.request({ operation: "y", path: "bad" }));
    expect([a.count, b.count]).toEqual([1, 1]);
    expect(sleep.delays).toEqual([]);
  });

  it("per-call maxRetries overrides the client's; 0 turns retries off", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.json({}, { status: 503 })]);
    const { http } = client({ maxRetries: 5 });
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing", maxRetries: 0 }));
    expect(calls.count).toBe(1);
    expect((error as Error).message).not.toContain("attempts");
  });
});

describe("non-idempotent requests", () => {
  it("does not retry a POST on 500, and says why", async () => {
    const calls = sequence("post", "create", [() => HttpResponse.json({ message: "boom" }, { status: 500 }), () => HttpResponse.json({})]);
    const { http, sleep } = client();
    const error = await rejectionOf(http.request({ operation: "createVersion", method: "POST", path: "create", json: { a: 1 } }));
    expect(ServerError.isInstance(error)).toBe(true);
    expect(calls.count).toBe(1);
    expect(sleep.delays).toEqual([]);
    expect((error as Error).message).toContain("not retried: the request is not idempotent");
  });

  it("retries a POST on 429, which proves the server did not act on it", async () => {
    const calls = sequence("post", "create", [
      () => HttpResponse.json({}, { status: 429, headers: { "retry-after": "2" } }),
      () => HttpResponse.json({ created: true }),
    ]);
    const { http, sleep } = client();
    const res = await http.request({ operation: "createVersion", method: "POST", path: "create", json: { a: 1 } });
    expect(res.data).toEqual({ created: true });
    expect(calls.count).toBe(2);
    expect(sleep.delays).toEqual([2000]);
  });

  it("retries a POST on 503 only when it carries Retry-After", async () => {
    const withHeader = sequence("post", "shed", [() => HttpResponse.json({}, { status: 503, headers: { "retry-after": "1" } }), () => HttpResponse.json({})]);
    const without = sequence("post", "plain", [() => HttpResponse.json({}, { status: 503 }), () => HttpResponse.json({})]);
    const { http } = client();
    await http.request({ operation: "a", method: "POST", path: "shed", json: {} });
    await rejectionOf(http.request({ operation: "b", method: "POST", path: "plain", json: {} }));
    expect([withHeader.count, without.count]).toEqual([2, 1]);
  });

  it("retries a POST marked idempotent like a GET", async () => {
    const calls = sequence("post", "graphql", [() => HttpResponse.json({}, { status: 502 }), () => HttpResponse.json({ data: {} })]);
    const { http } = client();
    await http.request({ operation: "query", method: "POST", path: "graphql", json: { query: "{a}" }, idempotent: true });
    expect(calls.count).toBe(2);
  });

  it("keeps a RateLimitError with the server's wait after the last attempt", async () => {
    sequence("get", "thing", [() => HttpResponse.json({ message: "slow down" }, { status: 429, headers: { "retry-after": "3" } })]);
    const { http, sleep } = client({ maxRetries: 1 });
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing" }));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfterMs).toBe(3000);
    expect(sleep.delays).toEqual([3000]);
  });
});

describe("connection failures, aborts and timeouts", () => {
  it("retries a connection reset, then throws ConnectionError after the last attempt", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.error()]);
    const { http, sleep } = client();
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing" }));
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(calls.count).toBe(3);
    expect(sleep.delays).toHaveLength(2);
    expect((error as ConnectionError).message).toMatch(/gave up after 3 attempts/);
    expect((error as ConnectionError).isRetryable).toBe(true);
  });

  it("recovers when a reset is followed by a success", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.error(), () => HttpResponse.json({ ok: true })]);
    const { http } = client();
    expect((await http.request({ operation: "getThing", path: "thing" })).data).toEqual({ ok: true });
    expect(calls.count).toBe(2);
  });

  it("does not retry a POST after a reset: the server may have acted on it", async () => {
    const calls = sequence("post", "create", [() => HttpResponse.error(), () => HttpResponse.json({})]);
    const { http } = client();
    const error = await rejectionOf(http.request({ operation: "create", method: "POST", path: "create", json: {} }));
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(calls.count).toBe(1);
  });

  it("turns an abort during a request into AbortedError and sends nothing more", async () => {
    const calls = sequence("get", "slow", [
      async () => {
        await delay(5_000);
        return HttpResponse.json({});
      },
    ]);
    const { http, sleep } = client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await rejectionOf(http.request({ operation: "getSlow", path: "slow", signal: controller.signal }));
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).isRetryable).toBe(false);
    expect(calls.count).toBe(1);
    expect(sleep.delays).toEqual([]);
  });

  it("turns an abort during a backoff wait into AbortedError without another request (injected sleep)", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.json({}, { status: 503 })]);
    const controller = new AbortController();
    const delays: number[] = [];
    const http = createHttpClient({
      provider: "test",
      baseUrl: BASE,
      random: () => 0,
      sleep: async (ms) => {
        delays.push(ms);
        controller.abort();
      },
    });
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing", signal: controller.signal }));
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(calls.count).toBe(1);
    expect(delays).toEqual([250]);
  });

  it("ends the default sleep as soon as the signal aborts", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.json({}, { status: 429, headers: { "retry-after": "30" } })]);
    const http = createHttpClient({ provider: "test", baseUrl: BASE });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing", signal: controller.signal }));
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(calls.count).toBe(1);
    // Far below the 30 s the server asked for: the wait did not run to its end.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("refuses to start when the signal is already aborted", async () => {
    const calls = sequence("get", "thing", [() => HttpResponse.json({})]);
    const { http } = client();
    const error = await rejectionOf(http.request({ operation: "getThing", path: "thing", signal: AbortSignal.abort() }));
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(calls.count).toBe(0);
  });

  it("times out a slow attempt with TimeoutError, retrying it first", async () => {
    const calls = sequence("get", "slow", [
      async () => {
        await delay(2_000);
        return HttpResponse.json({});
      },
    ]);
    const { http, sleep } = client({ timeoutMs: 40, maxRetries: 1 });
    const error = await rejectionOf(http.request({ operation: "getSlow", path: "slow" }));
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).message).toContain("no response within 40 ms");
    expect((error as TimeoutError).isRetryable).toBe(true);
    expect(calls.count).toBe(2);
    expect(sleep.delays).toHaveLength(1);
  });

  it("per-call timeoutMs overrides the client's", async () => {
    sequence("get", "slow", [
      async () => {
        await delay(300);
        return HttpResponse.json({ late: true });
      },
    ]);
    const { http } = client({ timeoutMs: 30 });
    const res = await http.request({ operation: "getSlow", path: "slow", timeoutMs: 5_000 });
    expect(res.data).toEqual({ late: true });
  });
});

describe("retry helpers", () => {
  it("parses Retry-After forms", () => {
    const now = Date.UTC(2025, 5, 1, 0, 0, 0);
    expect(parseRetryAfter(new Headers({ "retry-after": "5" }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ "retry-after": "1.5" }), now)).toBe(1500);
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(now + 3000).toUTCString() }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(now - 3000).toUTCString() }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "120" }), now)).toBe(120);
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });

  it("jitters backoff between half and all of the step", () => {
    const options = { baseMs: 500, maxMs: 8000 };
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(250);
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(1000);
    expect(backoffDelay(3, { ...options, random: () => 0.999_999 })).toBe(2000);
    expect(backoffDelay(10, { ...options, random: () => 0 })).toBe(4000);
  });
});
