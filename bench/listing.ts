// Listing overhead: iterating 10,000 versions, 1,000 a page, through the W&B adapter's listVersions against a bare
// fetch loop that POSTs the same GraphQL bodies to the same fake server and walks the same pages.
//
//   node --expose-gc --import tsx bench/listing.ts [--quick]     prints the section as JSON
//
// The fake server runs in a child process with every page rendered to bytes once, so this process's CPU time
// (process.cpuUsage, user + system, all threads) is the client's alone and each page costs the server the same
// whichever client asks.
import { spawn, type ChildProcess } from "node:child_process";
import { PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { createWandbRegistry } from "../src/adapters/wandb/index.js";
import { responses, wandbListedArtifactSchema } from "../src/adapters/wandb/wandb-api.js";
import { checkWithSchema } from "../src/http/schema.js";
import * as z from "zod/mini";
import { scopedAliases, toModelVersion } from "../src/adapters/wandb/wandb-metadata.js";
import { OPERATIONS } from "../src/adapters/wandb/wandb-operations.js";
import { median, type Bench, type BenchRow } from "./bench-types.js";

const TOTAL = 10_000;
const PAGE_SIZE = 1000;
const PAGES = Math.ceil(TOTAL / PAGE_SIZE);
const ENTITY = "e";
const PROJECT = "p";
const MODEL = "fraud";
const API_KEY = "a".repeat(40);
/** The goal: the adapter's CPU time under 1.3x the bare loop's. */
const GOAL = 1.3;

/**
 * The fake W&B GraphQL endpoint. Pages are keyed by the `after` cursor; every version node carries what the adapter's
 * query selects, shaped as W&B returns it: metadata as a JSON string the way the adapter writes it, a signed manifest
 * URL, aliases (with their collection's scope) on a few versions. Requests are checked against what the adapter sends.
 * GET /stats answers the number of requests per operation.
 */
const SERVER_SCRIPT = `
const { createServer } = require("node:http");
const { createHash } = require("node:crypto");
const TOTAL = ${TOTAL}, PAGE = ${PAGE_SIZE};
const b64 = (s) => Buffer.from(s).toString("base64");
const col = { id: b64("ArtifactCollection:4242"), name: ${JSON.stringify(MODEL)}, project: { name: ${JSON.stringify(PROJECT)}, entity: { name: ${JSON.stringify(ENTITY)} } } };
const metadata = JSON.stringify({ params: { lr: "0.1" }, metrics: { auc: 0.9 }, tags: { team: "risk" }, lineage: {} });
const t0 = Date.UTC(2025, 0, 1);
function node(i) {
  const at = new Date(t0 + i * 3600_000).toISOString().slice(0, 19);
  const aliases = i === TOTAL - 1 ? [{ alias: "latest", artifactCollection: col }, { alias: "champion", artifactCollection: col }] : i % 997 === 0 ? [{ alias: "release-" + i, artifactCollection: col }] : [];
  return {
    id: b64("Artifact:" + (900000 + i)),
    state: "COMMITTED",
    digest: createHash("md5").update("v" + i).digest("hex"),
    description: i % 10 === 0 ? "retrained on week " + i : null,
    metadata,
    createdAt: at,
    updatedAt: at,
    fileCount: 3,
    size: 52428800 + i,
    versionIndex: i,
    aliases,
    tags: [],
    currentManifest: { id: b64("ArtifactManifest:" + i), file: { directUrl: "https://storage.googleapis.com/wandb-artifacts-prod/wandb_artifacts/" + (900000 + i) + "/wandb_manifest.json?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=3600&X-Goog-Signature=" + "ab".repeat(64) } },
    artifactSequence: { id: col.id, name: col.name },
  };
}
const pages = new Map();
for (let p = 0; p * PAGE < TOTAL; p++) {
  const edges = [];
  for (let k = p * PAGE; k < Math.min(TOTAL, (p + 1) * PAGE); k++) { const i = TOTAL - 1 - k; edges.push({ version: "v" + i, node: node(i) }); }
  const hasNextPage = (p + 1) * PAGE < TOTAL;
  const endCursor = b64("arrayconnection:" + ((p + 1) * PAGE - 1));
  const data = { project: { artifactCollection: { id: col.id, name: col.name, description: "fraud scoring", artifacts: { pageInfo: { endCursor, hasNextPage }, edges } } } };
  pages.set(p === 0 ? "" : b64("arrayconnection:" + (p * PAGE - 1)), Buffer.from(JSON.stringify({ data })));
}
const features = Buffer.from(JSON.stringify({ data: { serverInfo: { features: [] } } }));
const stats = {};
const send = (res, status, body) => { res.writeHead(status, { "content-type": "application/json", "content-length": body.length }); res.end(body); };
const fail = (res, message) => send(res, 200, Buffer.from(JSON.stringify({ errors: [{ message }] })));
createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") return send(res, 200, Buffer.from(JSON.stringify(stats)));
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { return send(res, 400, Buffer.from("{}")); }
    stats[body.operationName] = (stats[body.operationName] ?? 0) + 1;
    if (body.operationName === "ServerFeatures") return send(res, 200, features);
    if (body.operationName !== "CollectionVersions") return fail(res, "unexpected operation " + body.operationName);
    const v = body.variables ?? {};
    if (v.entity !== ${JSON.stringify(ENTITY)} || v.project !== ${JSON.stringify(PROJECT)} || v.collection !== ${JSON.stringify(MODEL)} || v.first !== PAGE || v.filters !== '{"state":"COMMITTED"}')
      return fail(res, "unexpected variables " + JSON.stringify(v));
    const page = pages.get(v.after ?? "");
    if (!page) return fail(res, "unknown cursor " + v.after);
    send(res, 200, page);
  });
}).listen(0, "127.0.0.1", function () { console.log(this.address().port); });
`;

export interface FakeServer {
  url: string;
  stats(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Starts the fake W&B server in a child process; exported for profiling the listing outside this bench. */
export async function startServer(): Promise<FakeServer> {
  const child: ChildProcess = spawn(process.execPath, ["-e", SERVER_SCRIPT], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the fake server exited with ${code}`)));
    lines.once("line", (line) => resolve(Number(line)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as Record<string, number>,
    stop: async () => {
      lines.close();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill();
      await exited;
    },
  };
}

/** The adapter: listVersions over every page; returns the number of versions seen. */
async function adapterList(url: string): Promise<number> {
  const registry = createWandbRegistry({ apiKey: API_KEY, baseUrl: url, entity: ENTITY, project: PROJECT, env: {} });
  let n = 0;
  for await (const v of registry.listVersions(MODEL, { pageSize: PAGE_SIZE })) if (v.version !== "") n++;
  return n;
}

/** The bare loop: the same POST bodies and headers, `await res.json()`, walk `edges`, follow `endCursor`. */
async function bareList(url: string): Promise<number> {
  const headers = {
    authorization: `Basic ${Buffer.from(`api:${API_KEY}`).toString("base64")}`,
    "content-type": "application/json",
    accept: "application/json",
    "user-agent": "modelreg",
  };
  const filters = JSON.stringify({ state: "COMMITTED" });
  let after: string | null = null;
  let n = 0;
  for (;;) {
    const variables = { entity: ENTITY, project: PROJECT, collection: MODEL, first: PAGE_SIZE, after, filters };
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: OPERATIONS.CollectionVersions, variables, operationName: "CollectionVersions" }),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const json = (await res.json()) as {
      data: {
        project: {
          artifactCollection: {
            artifacts: { pageInfo: { endCursor: string | null; hasNextPage: boolean }; edges: Array<{ version: string; node: { id: string } }> };
          };
        };
      };
    };
    const conn = json.data.project.artifactCollection.artifacts;
    for (const e of conn.edges) if (e.node.id !== "") n++;
    if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) return n;
    after = conn.pageInfo.endCursor;
  }
}

interface Sample {
  cpuMs: number;
  wallMs: number;
  /** Main-thread GC pauses during the run, from `gc` performance entries. */
  gcMs: number;
}

let gcTotal = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcTotal += e.duration;
});
/** Lets pending `gc` performance entries arrive. */
const flushGc = () => new Promise((r) => setTimeout(r, 5));

async function measure(fn: () => Promise<number>): Promise<Sample> {
  globalThis.gc?.();
  await flushGc();
  const gc0 = gcTotal;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await flushGc();
  if (n !== TOTAL) throw new Error(`iterated ${n} versions, expected ${TOTAL}`);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, gcMs: gcTotal - gc0 };
}

/**
 * Where the adapter's time goes, on the same pages fetched once as text and handled one page at a time as the adapter
 * does: JSON.parse, the zod validation of the `CollectionVersions` response, and the mapping to ModelVersion
 * (scopedAliases + toModelVersion). CPU ms per pass over all pages (GC counted in whichever step triggers it), median
 * of several passes.
 */
async function breakdown(url: string, passes: number): Promise<{ parseMs: number; zodMs: number; mapMs: number }> {
  const texts: string[] = [];
  let after: string | null = null;
  for (;;) {
    const variables: Record<string, unknown> = {
      entity: ENTITY,
      project: PROJECT,
      collection: MODEL,
      first: PAGE_SIZE,
      after,
      filters: JSON.stringify({ state: "COMMITTED" }),
    };
    const res: Response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: OPERATIONS.CollectionVersions, variables, operationName: "CollectionVersions" }),
    });
    const text: string = await res.text();
    texts.push(text);
    const info: { endCursor: string; hasNextPage: boolean } = (
      JSON.parse(text) as { data: { project: { artifactCollection: { artifacts: { pageInfo: { endCursor: string; hasNextPage: boolean } } } } } }
    ).data.project.artifactCollection.artifacts.pageInfo;
    if (!info.hasNextPage) break;
    after = info.endCursor;
  }
  const schema = responses.versions();
  const listed = z.array(wandbListedArtifactSchema());
  const cpuMs = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  const parse: number[] = [];
  const zod: number[] = [];
  const map: number[] = [];
  for (let i = 0; i < passes + 1; i++) {
    globalThis.gc?.();
    let p = 0;
    let z = 0;
    let m = 0;
    let count = 0;
    for (const text of texts) {
      const t0 = cpuMs();
      const value = (JSON.parse(text) as { data: unknown }).data;
      const t1 = cpuMs();
      const d = schema.parse(value);
      const edges = d.project?.artifactCollection?.artifacts?.edges ?? [];
      const checked = checkWithSchema(
        listed,
        edges.map((e) => e.node),
        { provider: "wandb", operation: "listVersions" },
      );
      const nodes = edges.map((e, k) => ({ version: e.version, node: checked[k] as (typeof checked)[number] }));
      const t2 = cpuMs();
      for (const e of nodes) {
        const found = { artifact: e.node, versionIndex: Number(e.version.replace(/^v/, "")), aliases: scopedAliases(e.node, ENTITY, PROJECT, MODEL) };
        if (toModelVersion(MODEL, found).version !== "") count++;
      }
      const t3 = cpuMs();
      p += t1 - t0;
      z += t2 - t1;
      m += t3 - t2;
    }
    if (count !== TOTAL) throw new Error(`mapped ${count} versions, expected ${TOTAL}`);
    // The first pass warms up.
    if (i === 0) continue;
    parse.push(p);
    zod.push(z);
    map.push(m);
  }
  return { parseMs: median(parse), zodMs: median(zod), mapMs: median(map) };
}

export const run: Bench = async ({ quick }) => {
  const rounds = quick ? 3 : 15;
  const server = await startServer();
  gcObserver.observe({ entryTypes: ["gc"] });
  try {
    // One unmeasured pass of each warms the JIT, the connection pool and the lazily built schemas.
    await measure(() => adapterList(server.url));
    await measure(() => bareList(server.url));
    const before = await server.stats();
    const ours: Sample[] = [];
    const bare: Sample[] = [];
    // Alternating ABBA, so a drift in machine load (CI may be running alongside) falls on both alike.
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        ours.push(await measure(() => adapterList(server.url)));
        bare.push(await measure(() => bareList(server.url)));
      } else {
        bare.push(await measure(() => bareList(server.url)));
        ours.push(await measure(() => adapterList(server.url)));
      }
    }
    const after = await server.stats();
    const pagesServed = (after.CollectionVersions ?? 0) - (before.CollectionVersions ?? 0);
    if (pagesServed !== 2 * rounds * PAGES) throw new Error(`the server answered ${pagesServed} page requests, expected ${2 * rounds * PAGES}`);
    const parts = await breakdown(server.url, quick ? 3 : 7);

    const oursCpu = median(ours.map((s) => s.cpuMs));
    const bareCpu = median(bare.map((s) => s.cpuMs));
    const oursWall = median(ours.map((s) => s.wallMs));
    const bareWall = median(bare.map((s) => s.wallMs));
    const cpuRatio = oursCpu / bareCpu;
    const refName = "bare fetch + res.json() loop over the same pages";
    const spread = (xs: Sample[], k: keyof Sample) => `${Math.min(...xs.map((s) => s[k])).toFixed(0)}-${Math.max(...xs.map((s) => s[k])).toFixed(0)} ms`;
    const extra = oursCpu - bareCpu;
    const rows: BenchRow[] = [
      {
        case: `listVersions: ${TOTAL.toLocaleString("en")} versions, ${PAGES} pages of ${PAGE_SIZE} (CPU)`,
        ours: `${oursCpu.toFixed(0)} ms`,
        reference: `${bareCpu.toFixed(0)} ms`,
        referenceName: refName,
        ratio: cpuRatio,
        goal: `< ${GOAL}x bare loop`,
        met: cpuRatio < GOAL,
        note: `this process's user + system CPU, median of ${rounds} alternating rounds (ours ${spread(ours, "cpuMs")}, bare ${spread(bare, "cpuMs")}); ${((extra * 1000) / TOTAL).toFixed(1)} µs extra per version; main-thread GC pauses ours ${median(ours.map((s) => s.gcMs)).toFixed(0)} ms, bare ${median(bare.map((s) => s.gcMs)).toFixed(0)} ms`,
      },
      {
        case: `listVersions: ${TOTAL.toLocaleString("en")} versions (wall)`,
        ours: `${oursWall.toFixed(0)} ms`,
        reference: `${bareWall.toFixed(0)} ms`,
        referenceName: refName,
        ratio: oursWall / bareWall,
        goal: "",
        met: null,
        note: `median of ${rounds}; includes the fake server's time (a separate process) on a 2-core machine`,
      },
      {
        case: "where the adapter's CPU goes (same pages, in-process)",
        ours: `zod ${parts.zodMs.toFixed(0)} ms, toModelVersion ${parts.mapMs.toFixed(0)} ms`,
        reference: `JSON.parse ${parts.parseMs.toFixed(0)} ms`,
        referenceName: "what both sides pay to parse the pages",
        ratio: null,
        goal: "",
        met: null,
        note: `CPU per pass over all ${PAGES} pages, median of ${quick ? 3 : 7}: validating the CollectionVersions page with its zod schema and each node with the listing schema (only the fields read), then scopedAliases + toModelVersion per version; the rest of the difference (${Math.max(0, extra - parts.zodMs - parts.mapMs).toFixed(0)} ms) is the HTTP client (body read in chunks then decoded, redaction, retry and deadline wrappers), pagination, and the GC of whole pages kept alive through every step`,
      },
    ];
    return {
      title: "Listing overhead",
      method:
        `Node ${process.version}. The W&B adapter's \`listVersions(model, { pageSize: ${PAGE_SIZE} })\` iterates ${TOTAL.toLocaleString("en")} versions from a fake GraphQL server (node:http on 127.0.0.1 in a child process, pages pre-rendered once); ` +
        `the reference POSTs the same bodies with fetch, \`await res.json()\`, walks \`edges\` and follows \`endCursor\`. Both counts are asserted. ` +
        `CPU is process.cpuUsage() of this process (user + system), gc() before each run, median of ${rounds} alternating rounds after one warm-up each; another process (CI) may have been running on the 2 cores.`,
      rows,
    };
  } finally {
    gcObserver.disconnect();
    await server.stop();
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await run({ quick: process.argv.includes("--quick") }), null, 2));
}
