// serveFake hosts msw handlers on a real loopback HTTP server: requests are matched under the fake's origin (or a
// routed one), bodies stream both ways, unmatched requests get a 404 naming them, and a handler's network error cuts
// the connection.
import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { type LoopbackFake, serveFake } from "./loopback-fake.js";

const servers: LoopbackFake[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(...args: Parameters<typeof serveFake>) {
  const fake = await serveFake(...args);
  servers.push(fake);
  return fake;
}

const handlers = [
  http.get("https://api.example.test/v1/echo", ({ request }) => HttpResponse.json({ url: request.url, auth: request.headers.get("authorization") })),
  http.post("https://api.example.test/v1/upload", async ({ request }) => {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return HttpResponse.json({ size: bytes.byteLength, sum: bytes.reduce((n, b) => n + b, 0) }, { status: 201 });
  }),
  http.get("https://storage.example.test/storage/v1/b/:bucket", ({ params }) => HttpResponse.json({ bucket: params.bucket })),
  http.get("https://api.example.test/v1/cut", () => HttpResponse.error()),
];

describe("serveFake over the network", () => {
  it("answers under the default origin, keeps the query and headers, and records what it answered", async () => {
    const fake = await serve({ handlers, origin: "https://api.example.test" });
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${fake.url}/v1/echo?%24alt=json%3Benum-encoding%3Dint&a=1`, { headers: { authorization: "Bearer x" } });
    expect(await res.json()).toEqual({ url: "https://api.example.test/v1/echo?%24alt=json%3Benum-encoding%3Dint&a=1", auth: "Bearer x" });
    expect(fake.requests).toEqual([{ method: "GET", url: "https://api.example.test/v1/echo?%24alt=json%3Benum-encoding%3Dint&a=1", status: 200 }]);
  });

  it("streams a request body to the handler", async () => {
    const fake = await serve({ handlers, origin: "https://api.example.test" });
    const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const res = await fetch(`${fake.url}/v1/upload`, { method: "POST", body });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ size: body.byteLength, sum: body.reduce((n, b) => n + b, 0) });
  });

  it("sends a routed path prefix to its origin and answers 404 naming an unmatched request", async () => {
    const fake = await serve({ handlers: () => handlers, origin: "https://api.example.test", routes: { "/storage/": "https://storage.example.test" } });
    expect(await (await fetch(`${fake.url}/storage/v1/b/models`)).json()).toEqual({ bucket: "models" });
    const missing = await fetch(`${fake.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("GET https://api.example.test/v2/nothing");
  });

  it("cuts the connection where a handler answers with a network error", async () => {
    const fake = await serve({ handlers, origin: "https://api.example.test" });
    await expect(fetch(`${fake.url}/v1/cut`)).rejects.toThrow();
    expect(fake.requests.at(-1)).toMatchObject({ url: "https://api.example.test/v1/cut", status: 0 });
  });
});
