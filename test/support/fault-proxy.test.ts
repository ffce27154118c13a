// The fault proxy must not leak upstream requests when its client gives up half way: a threaded server behind it
// (MLflow) loses a worker to each half-sent upload or half-read download, and enough of them stopped the shared MLflow
// server answering anyone in CI runs (the faulted lifecycles then timed out).
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";

const opened: Array<Server | FaultProxy> = [];

afterEach(async () => {
  for (const thing of opened.splice(0)) {
    if ("closeAllConnections" in thing) {
      thing.closeAllConnections();
      await new Promise<void>((resolve) => thing.close(() => resolve()));
    } else await thing.close();
  }
});

/** An upstream that tells when a request it is reading ends without its whole body, or a response it writes is cut. */
async function upstream(respond: (req: IncomingMessage, res: import("node:http").ServerResponse) => void) {
  const events: string[] = [];
  const server = createServer((req, res) => {
    req.on("close", () => events.push(req.complete ? "request complete" : "request cut"));
    res.on("close", () => events.push(res.writableFinished ? "response finished" : "response cut"));
    respond(req, res);
  });
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events };
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const started = Date.now();
  while (!check() && Date.now() - started < ms) await new Promise((r) => setTimeout(r, 20));
}

describe("the fault proxy", () => {
  it("cuts the upstream request when its client leaves in the middle of an upload", async () => {
    let received = 0;
    const up = await upstream((req) => {
      req.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
    });
    const proxy = await startFaultProxy({ upstream: up.url, seed: 1, rate: 0 });
    opened.push(proxy);
    const client = request(`${proxy.url}/upload`, { method: "PUT", headers: { "content-length": String(1024 * 1024) } });
    client.on("error", () => undefined);
    client.write(Buffer.alloc(64 * 1024));
    await until(() => received >= 64 * 1024);
    client.destroy();
    await until(() => up.events.length > 0);
    expect(received).toBe(64 * 1024);
    expect(up.events).toContain("request cut");
  });

  it("cuts the upstream response when its client leaves in the middle of a download", async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { "content-length": String(64 * 1024 * 1024) });
      // Writes until the socket pushes back, and never ends: only a cut closes it.
      const chunk = Buffer.alloc(256 * 1024);
      const pump = () => {
        while (res.write(chunk)) {
          // Keep writing while the buffers take it.
        }
      };
      res.on("drain", pump);
      pump();
    });
    const proxy = await startFaultProxy({ upstream: up.url, seed: 1, rate: 0 });
    opened.push(proxy);
    await new Promise<void>((resolve, reject) => {
      const client = request(`${proxy.url}/download`, (res) => {
        res.once("data", () => {
          client.destroy();
          resolve();
        });
      });
      client.on("error", (error) => (client.destroyed ? undefined : reject(error)));
      client.end();
    });
    await until(() => up.events.includes("response cut"));
    expect(up.events).toContain("response cut");
  });
});
