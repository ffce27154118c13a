// A loopback HTTP proxy in front of the ARM fake or Azurite that answers chosen requests itself, the way a hostile or
// broken server would: bytes that are not HTTP, bodies that never end or are far too large, answers that stall before
// or after their headers or trickle a byte at a time, and any status, headers and body. Everything else is forwarded
// as it came (node:http both ways, so the adapter's own transport meets real sockets).
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A request as a rule sees it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingMessage["headers"];
}

/** What a rule does with the requests it takes. */
export type HostileAnswer = (req: IncomingMessage, res: ServerResponse, meter: ProxyMeter) => void | Promise<void>;

/** Bytes a hostile answer wrote before the client went away. */
export interface ProxyMeter {
  written: number;
  /** True once the client closed the connection. */
  closed: boolean;
}

/** A rule: the first `times` requests `when` chooses get `answer` (default every one). */
export interface HostileRule {
  when: (r: ProxiedRequest) => boolean;
  answer: HostileAnswer;
  times?: number;
}

/** A running proxy. */
export interface HostileProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Rules tried in order. */
  readonly rules: HostileRule[];
  /** Every request seen, in order. */
  readonly seen: ProxiedRequest[];
  /** The meter of the last hostile answer. */
  readonly last: ProxyMeter;
  /** Adds a rule. */
  on(when: (r: ProxiedRequest) => boolean, answer: HostileAnswer, times?: number): ProxyMeter;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

function forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const headers = { ...req.headers, host: upstream.host };
  const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on("error", () => res.destroy());
  req.pipe(out);
}

/** Starts a proxy that forwards to `upstream` (an http origin) whatever no rule takes. */
export async function startHostileProxy(upstream: string): Promise<HostileProxy> {
  const target = new URL(upstream);
  const rules: HostileRule[] = [];
  const seen: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { last: { written: 0, closed: false } as ProxyMeter };
  const server: Server = createServer((req, res) => {
    const r: ProxiedRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers };
    seen.push(r);
    const rule = rules.find((x) => (x.times === undefined || x.times > 0) && x.when(r));
    if (!rule) return forward(target, req, res);
    if (rule.times !== undefined) rule.times--;
    const meter = (rule as HostileRule & { meter: ProxyMeter }).meter;
    state.last = meter;
    res.on("close", () => {
      meter.closed = true;
    });
    // The request body is read and dropped: a hostile server does not care what it was sent.
    req.resume();
    Promise.resolve(rule.answer(req, res, meter)).catch(() => res.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    rules,
    seen,
    get last() {
      return state.last;
    },
    on(when, answer, times) {
      const meter: ProxyMeter = { written: 0, closed: false };
      rules.unshift({ when, answer, ...(times !== undefined && { times }), meter } as HostileRule);
      return meter;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `chunk` until the client goes away or `total` bytes went (Infinity: never ends), minding back-pressure. */
async function pump(res: ServerResponse, meter: ProxyMeter, total: number, chunkBytes = MiB, fill = 0x20): Promise<void> {
  const chunk = Buffer.alloc(chunkBytes, fill);
  while (!meter.closed && meter.written < total) {
    const n = Math.min(chunk.byteLength, total - meter.written);
    meter.written += n;
    if (!res.write(n === chunk.byteLength ? chunk : chunk.subarray(0, n)))
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
  }
  if (!meter.closed) res.end();
}

/** Answers: bytes that are not HTTP at all, then the connection closes. */
export const garbage =
  (text = "SSH-2.0-OpenSSH_9.6\r\n\u0000\u0001\u0002 not http at all\r\n\r\n"): HostileAnswer =>
  (req) => {
    req.socket.end(text);
  };

/** Answers `status` with `body` (a string) and the given headers. */
export const answer =
  (status: number, body: string, headers: Record<string, string> = {}): HostileAnswer =>
  (_req, res, meter) => {
    meter.written += Buffer.byteLength(body);
    res.writeHead(status, { "content-length": String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  };

/** A body of `total` bytes (Infinity: endless) after `prefix`, chunked, as fast as the client reads. */
export const endless =
  (prefix: string, options: { total?: number; status?: number; headers?: Record<string, string>; fill?: number } = {}): HostileAnswer =>
  async (_req, res, meter) => {
    res.writeHead(options.status ?? 200, { "content-type": "application/json", ...options.headers });
    res.write(prefix);
    meter.written += Buffer.byteLength(prefix);
    await pump(res, meter, options.total ?? Number.POSITIVE_INFINITY, MiB, options.fill);
  };

/** Declares a `Content-Length` of `declared` bytes and sends a little of it, then nothing. */
export const declaresHuge =
  (declared: number, headers: Record<string, string> = { "content-type": "application/json" }): HostileAnswer =>
  (_req, res, meter) => {
    res.writeHead(200, { ...headers, "content-length": String(declared) });
    res.write("[");
    meter.written += 1;
  };

/** Never answers: the request hangs before any header. */
export const silent: HostileAnswer = () => undefined;

/** Sends headers and `first`, then nothing more, ever. */
export const stallAfterHeaders =
  (first = "", headers: Record<string, string> = { "content-type": "application/json" }, status = 200): HostileAnswer =>
  (_req, res, meter) => {
    res.writeHead(status, headers);
    if (first) res.write(first);
    meter.written += Buffer.byteLength(first);
  };

/** Slowloris: headers, then one byte every `everyMs` for as long as the client listens. */
export const trickle =
  (prefix: string, everyMs = 20, headers: Record<string, string> = { "content-type": "application/json" }): HostileAnswer =>
  (_req, res, meter) => {
    res.writeHead(200, headers);
    res.write(prefix);
    const timer = setInterval(() => {
      if (meter.closed) return clearInterval(timer);
      res.write(" ");
      meter.written++;
    }, everyMs);
    res.on("close", () => clearInterval(timer));
  };
