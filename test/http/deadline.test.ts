// The per-attempt timeout measures the server, not this process. The server here runs in a worker thread, so it keeps
// answering while the test blocks the main thread, as a loaded machine or CPU work beside a request would.
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TimeoutError } from "modelreg";
import { createHttpClient } from "../../src/http/http-client.js";
import { readAll, rejectionOf } from "./support/helpers.js";

// `/slow` answers after 100 ms, `/trickle` sends a byte every 100 ms for a second, `/never` never answers.
const SERVER = `
const http = require("node:http");
const { parentPort } = require("node:worker_threads");
const server = http.createServer((req, res) => {
  if (req.url === "/slow") {
    // Told to the test, which then blocks: on a loaded CI machine a block started at a fixed time began before the
    // request was even sent, and the timeout then rightly fired.
    parentPort.postMessage("received /slow");
    setTimeout(() => res.end(JSON.stringify({ ok: true })), 100);
  }
  else if (req.url === "/trickle") {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    // The headers go now, not with the first byte: what this file checks is the body's wait, and on a loaded CI
    // machine the first byte at 100 ms raced the 200 ms wait for the headers.
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      res.write("x");
      if (++sent === 10) { clearInterval(timer); res.end(); }
    }, 100);
  }
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

let worker: Worker;
let base: string;
beforeAll(async () => {
  worker = new Worker(SERVER, { eval: true });
  base = `http://127.0.0.1:${await new Promise<number>((resolve) => worker.once("message", resolve))}/`;
});
afterAll(async () => {
  worker.postMessage("stop");
  await new Promise((resolve) => worker.once("exit", resolve));
});

/**
 * Keeps this thread busy for `ms`, starting `after` ms from now, outside the loop's timer phase (where work delays
 * timers and sockets alike): as I/O callbacks doing CPU work do, or a process the machine does not schedule, after
 * which Node runs the due timers before it reads the sockets.
 */
function blockLoop(after: number, ms: number): void {
  setTimeout(
    () =>
      setImmediate(() => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          // Busy, as CPU work in the caller's process would be.
        }
      }),
    after,
  );
}

const client = (timeoutMs: number) => createHttpClient({ provider: "mlflow", baseUrl: base, timeoutMs, maxRetries: 0 });

describe("the per-attempt timeout", () => {
  it("does not fail an answer that arrived while this process was too busy to read it", async () => {
    // Blocks from when the server has the request: the answer is in the socket 100 ms later, and the loop next runs
    // 600 ms later, when the 200 ms timer is long due.
    worker.once("message", () => blockLoop(0, 600));
    const pending = client(200).request({ operation: "getVersion", path: "slow" });
    const got = await pending;
    expect(got.data).toEqual({ ok: true });
  });

  it("does not cut off a download whose bytes kept coming while this process was busy", async () => {
    const res = await client(200).request({ operation: "download", path: "trickle", responseType: "stream" });
    blockLoop(10, 500);
    const bytes = await readAll(res.data as ReadableStream<Uint8Array>);
    expect(new TextDecoder().decode(bytes)).toBe("x".repeat(10));
  });

  it("still times out a server that sends nothing, busy process or not", async () => {
    const started = performance.now();
    const pending = client(200).request({ operation: "getVersion", path: "never" });
    blockLoop(30, 300);
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain("no response within 200 ms");
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
