// A fast stand-in for MLflow's artifact proxy, in a process of its own, for measuring the client's cost rather than
// the server's. MLflow's single Python worker moves about 100 to 170 MiB/s on loopback, so against it a client can
// burn CPU and still keep up; against this server the client's own CPU is the ceiling.
//
// It answers `/api/2.0/mlflow-artifacts/artifacts/...` itself (PUT into a directory, GET and listings from it) and
// passes every other request to the real MLflow server, so modelreg's MLflow adapter runs unchanged (createVersion,
// downloadArtifacts) and curl moves the same bytes through the same URLs.
//
//   node bench/fast-server.ts <upstream MLflow URL> <directory>    (prints its URL on the first line of stdout)
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from "node:http";
import { dirname, join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";

const [upstream, root] = process.argv.slice(2) as [string, string];
const PROXY = "/api/2.0/mlflow-artifacts/artifacts";
const CHUNK = 1024 * 1024;

function local(path: string): string | undefined {
  const rel = normalize(decodeURIComponent(path)).replace(/^\/+/, "");
  return rel.startsWith("..") ? undefined : join(root, rel);
}

async function artifacts(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname === PROXY && req.method === "GET") {
    const dir = local(url.searchParams.get("path") ?? "");
    const entries = dir ? await readdir(dir, { withFileTypes: true }).catch(() => []) : [];
    const files = await Promise.all(
      entries.map(async (e) =>
        e.isDirectory() ? { path: e.name, is_dir: true } : { path: e.name, is_dir: false, file_size: (await stat(join(dir as string, e.name))).size },
      ),
    );
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(files.length ? { files } : {}));
    return;
  }
  const file = local(url.pathname.slice(PROXY.length));
  if (!file) {
    res.writeHead(400).end();
    return;
  }
  if (req.method === "PUT") {
    await mkdir(dirname(file), { recursive: true });
    await pipeline(req, createWriteStream(file, { highWaterMark: CHUNK }));
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  } else if (req.method === "GET") {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error_code":"RESOURCE_DOES_NOT_EXIST"}');
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(info.size) });
    await pipeline(createReadStream(file, { highWaterMark: CHUNK }), res);
  } else if (req.method === "DELETE") {
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  } else res.writeHead(405).end();
}

function forward(req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? "/", upstream);
  const out = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on("error", () => res.writeHead(502).end());
  req.pipe(out);
}

const server = createServer({ highWaterMark: CHUNK, keepAliveTimeout: 30_000 }, (req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === PROXY || url.pathname.startsWith(`${PROXY}/`))
    artifacts(req, res, url).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  else forward(req, res);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") console.log(`http://127.0.0.1:${address.port}`);
});
process.on("SIGTERM", () => process.exit(0));
