// serveFake hosts msw handlers on a real loopback server: requests are matched under the fake's origin (or a routed
// one), bodies stream both ways, headers survive, and what no handler answers is a 404 that names the request.
import { http, HttpResponse } from "msw";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackFake, serveFake } from "./loopback-fake.js";

const ORIGIN = "https://api.example.test";
const STORE = "https://store.example.test";

describe("serveFake", () => {
  const seen: string[] = [];
  let fake: LoopbackFake;
  beforeAll(async () => {
    fake = await serveFake({
      origin: ORIGIN,
      routes: { "/bucket/": STORE },
      onRequest: (r) => seen.push(`${r.method} ${r.url} ${r.status}`),
      handlers: [
        http.post(`${ORIGIN}/echo`, async ({ request }) =>
          HttpResponse.json({ body: await request.text(), type: request.headers.get("content-type"), query: new URL(request.url).search }),
        ),
        http.put(`${STORE}/bucket/:key`, async ({ request, params }) => {
          const bytes = new Uint8Array(await request.arrayBuffer());
          return new HttpResponse(null, { status: 200, headers: { etag: `"${params.key}-${bytes.byteLength}"` } });
        }),
        http.get(`${STORE}/bucket/big`, () => new HttpResponse(new Uint8Array(3 * 1024 * 1024).fill(7), { headers: { "x-kind": "bytes" } })),
        http.get(`${ORIGIN}/fail`, () => {
          throw new Error("handler broke");
        }),
      ],
    });
  });
  afterAll(() => fake.close());

  it("matches under the default origin and keeps the body, headers and query", async () => {
    const res = await fetch(`${fake.url}/echo?a=1`, { method: "POST", body: "héllo", headers: { "content-type": "text/plain" } });
    expect(await res.json()).toEqual({ body: "héllo", type: "text/plain", query: "?a=1" });
    expect(seen).toContain(`POST ${ORIGIN}/echo?a=1 200`);
  });

  it("sends a routed prefix to its origin, prefix kept, with uploaded and downloaded bytes intact", async () => {
    const put = await fetch(`${fake.url}/bucket/k1`, { method: "PUT", body: new Uint8Array(1000).fill(1) });
    expect([put.status, put.headers.get("etag")]).toEqual([200, '"k1-1000"']);
    const get = await fetch(`${fake.url}/bucket/big`);
    const bytes = new Uint8Array(await get.arrayBuffer());
    expect([get.headers.get("x-kind"), bytes.byteLength, bytes.every((b) => b === 7)]).toEqual(["bytes", 3 * 1024 * 1024, true]);
    expect(fake.requests.map((r) => r.url)).toContain(`${STORE}/bucket/big`);
  });

  it("answers what no handler takes with a 404 naming it, and a broken handler with a 500", async () => {
    const missing = await fetch(`${fake.url}/nowhere`, { method: "POST", body: "x" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain(`POST ${ORIGIN}/nowhere`);
    const broken = await fetch(`${fake.url}/fail`);
    expect(broken.status).toBe(500);
  });
});
