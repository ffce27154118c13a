// A loopback HTTP proxy that faults a seeded share of the requests passing through it: the flaky network and the
// misbehaving load balancer a pipeline meets, made reproducible. It sits in front of a real server (MLflow) or, because
// it forwards with node:http, which msw intercepts in the same process, in front of the in-process fakes.
//
// Faults that happen before the request is forwarded leave the server untouched; the rest happen after the server
// acted on it, which is the case that tests idempotency: the work is done, the client never hears so.
import http, { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
// The modules, not their named exports: msw patches `request` on the module object, which a named import would miss.
import https from "node:https";
import type { Socket } from "node:net";
import { prng } from "./prng.js";

/** Every fault the proxy can inject. */
export const FAULT_KINDS = [
  "503",
  "503-retry-after",
  "429",
  "429-retry-after",
  "html-502",
  "reset-before",
  "reset-after",
  "truncate",
  "stall-before",
  "stall-after",
] as const;

/** One kind of fault. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Settings for {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where requests go: an http(s) origin, optionally with a path prefix that is put in front of every request path. */
  upstream: string;
  /** Seeds the schedule; the same seed faults the same request numbers with the same kinds. */
  seed: number;
  /** Share of requests faulted, 0 to 1. */
  rate: number;
  /** Kinds to draw from. Default: all of them. */
  kinds?: readonly FaultKind[];
  /** How long a stall holds the connection; make it longer than the client's timeout. Default 10 s. */
  stallMs?: number;
  /**
   * The wait the `-retry-after` kinds ask for. Default 1 000: `Retry-After: 1` alone. Anything else is also sent as
   * `retry-after-ms` (which clients read first, as OpenAI's API sends it), with `Retry-After` rounded up to seconds,
   * so a scripted run under faults does not sit out a whole second per throttled request.
   */
  retryAfterMs?: number;
  /** Only requests this returns true for may be faulted (the rest pass untouched). Default: all. */
  eligible?: (method: string, path: string) => boolean;
}

/** One faulted request, for the failure message and the tally. */
export interface InjectedFault {
  /** The request's number in arrival order, from 0. */
  index: number;
  kind: FaultKind;
  method: string;
  path: string;
}

/** A running proxy. */
export interface FaultProxy {
  /** The proxy's origin, `http://127.0.0.1:<port>`; paths are kept as sent. */
  url: string;
  /** Requests seen so far. */
  readonly requests: number;
  /** Faults injected so far, in order. */
  readonly faults: readonly InjectedFault[];
  /** Faults per kind. */
  tally(): Record<FaultKind, number>;
  /** Stops faulting (requests still pass), e.g. for the checks after a scripted run. */
  setRate(rate: number): void;
  /** A line for an assertion message: seed, requests, faults per kind. */
  describe(): string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer", "host"]);

function forwardHeaders(headers: IncomingMessage["headers"], host: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { host };
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

function responseHeaders(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/** Starts a fault proxy on a free loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const prefix = upstream.pathname.replace(/\/$/, "");
  const send = (options: http.RequestOptions, onResponse: (res: IncomingMessage) => void) =>
    (upstream.protocol === "https:" ? https : http).request(options, onResponse);
  const kinds = options.kinds ?? FAULT_KINDS;
  const stallMs = options.stallMs ?? 10_000;
  const retryAfterMs = options.retryAfterMs ?? 1_000;
  const retryAfter: OutgoingHttpHeaders = {
    "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    ...(retryAfterMs !== 1_000 && { "retry-after-ms": String(retryAfterMs) }),
  };
  const random = prng(options.seed);
  let rate = options.rate;
  let requests = 0;
  const faults: InjectedFault[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  /** Sends the request upstream, streaming its body, and resolves with the upstream response (not yet read). */
  const forward = (req: IncomingMessage): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const out = send(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: `${prefix}${req.url ?? "/"}`,
          headers: forwardHeaders(req.headers, upstream.host),
        },
        resolve,
      );
      out.on("error", reject);
      // A client that gives up mid-upload (its timeout, a reset) must not leave the upstream request open with half a
      // body: the server would wait for the rest for ever, and a threaded server (MLflow) loses a worker thread to
      // each. Enough of them and the server stopped answering anyone for minutes, which failed CI runs.
      req.on("close", () => {
        if (!req.complete) out.destroy();
      });
      req.pipe(out);
    });

  const drain = (req: IncomingMessage) =>
    new Promise<void>((resolve) => {
      req.on("end", resolve);
      req.on("error", () => resolve());
      req.resume();
    });

  const refuse = async (req: IncomingMessage, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: string) => {
    // Read the body first, as a load balancer does, so the client is not cut off mid-upload by an early answer.
    await drain(req);
    res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };

  const pass = (upstreamRes: IncomingMessage, res: ServerResponse) => {
    res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders(upstreamRes.headers));
    // Likewise a client that leaves mid-download: the paused upstream response would hold the server's writer.
    res.on("close", () => {
      if (!res.writableFinished) upstreamRes.destroy();
    });
    upstreamRes.pipe(res);
  };

  const inject = async (kind: FaultKind, req: IncomingMessage, res: ServerResponse) => {
    const json = { "content-type": "application/json" };
    switch (kind) {
      case "503":
        return refuse(req, res, 503, json, '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"injected 503"}');
      case "503-retry-after":
        return refuse(req, res, 503, { ...json, ...retryAfter }, '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"injected 503"}');
      case "429":
        return refuse(req, res, 429, json, '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"injected 429"}');
      case "429-retry-after":
        return refuse(req, res, 429, { ...json, ...retryAfter }, '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"injected 429"}');
      case "html-502":
        return refuse(
          req,
          res,
          502,
          { "content-type": "text/html" },
          "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
        );
      case "reset-before":
        req.socket.destroy();
        return;
      case "stall-before":
        // Holds the connection open and silent; the client's timeout must fire first.
        later(stallMs, () => req.socket.destroy());
        return;
      case "reset-after": {
        const upstreamRes = await forward(req);
        upstreamRes.resume();
        upstreamRes.on("end", () => req.socket.destroy());
        return;
      }
      case "stall-after": {
        const upstreamRes = await forward(req);
        upstreamRes.resume();
        upstreamRes.on("end", () => later(stallMs, () => req.socket.destroy()));
        return;
      }
      case "truncate": {
        const upstreamRes = await forward(req);
        const declared = Number(upstreamRes.headers["content-length"]);
        const headers = responseHeaders(upstreamRes.headers);
        // Without a length (chunked) the client still sees the body end early: the socket closes mid-body.
        const length = Number.isFinite(declared) && declared > 0 ? declared : undefined;
        if (length === undefined && !Number.isFinite(declared)) delete headers["content-length"];
        // An empty body cannot be cut, so it claims a byte it never sends.
        if (declared === 0) headers["content-length"] = 1;
        res.writeHead(upstreamRes.statusCode ?? 502, headers);
        const cutAt = length === undefined ? 0 : Math.floor(length / 2);
        let sent = 0;
        upstreamRes.on("data", (chunk: Buffer) => {
          if (sent >= cutAt) return;
          const part = chunk.subarray(0, cutAt - sent);
          sent += part.length;
          res.write(part);
        });
        upstreamRes.on("end", () => {
          // Let the written half reach the client before the reset, so it is a cut body and not a refused request.
          res.once("drain", () => req.socket.destroy());
          if (!res.writableNeedDrain) setImmediate(() => req.socket.destroy());
        });
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    const index = requests++;
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    const roll = random();
    const pick = random();
    const faulted = roll < rate && (options.eligible?.(method, path) ?? true);
    const handle = async () => {
      if (faulted) {
        const kind = kinds[Math.floor(pick * kinds.length)] ?? "503";
        faults.push({ index, kind, method, path });
        if (process.env.MODELREG_FAULT_DEBUG) process.stderr.write(`[fault-proxy] #${index} ${kind} ${method} ${req.url ?? ""}\n`);
        await inject(kind, req, res);
        return;
      }
      pass(await forward(req), res);
    };
    handle().catch((error: unknown) => {
      if (process.env.MODELREG_FAULT_DEBUG) process.stderr.write(`[fault-proxy] ${method} ${path}: ${String(error)}\n`);
      // The upstream went away or the client did; either way this connection is done.
      req.socket.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  const tally = () => {
    const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    for (const f of faults) counts[f.kind]++;
    return counts;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    faults,
    tally,
    setRate: (r) => {
      rate = r;
    },
    describe: () => {
      const counts = Object.entries(tally())
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k}=${n}`)
        .join(" ");
      return `seed ${options.seed}: ${faults.length} faults in ${requests} requests (${counts}); replay with MODELREG_FAULT_SEEDS=${options.seed}`;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
