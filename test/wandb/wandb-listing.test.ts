// Listing reads W&B's pages without zod's copy (bench/listing.ts): each node is checked for the fields listing reads,
// kept whole as `raw`, and its naive UTC timestamps are read as UTC whatever the process's time zone.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseValidationError } from "modelreg";
import { createWandbRegistry } from "modelreg/wandb";

const col = { id: "Q29sbGVjdGlvbjox", name: "fraud", project: { name: "p", entity: { name: "e" } } };
function node(i: number) {
  return {
    id: `QXJ0aWZhY3Q6${i}`,
    state: "COMMITTED",
    digest: `d${i}`,
    description: null,
    metadata: JSON.stringify({ params: { lr: "0.1" }, tags: { team: "risk" }, "modelreg.stage": "staging" }),
    createdAt: "2025-01-01T10:00:00",
    updatedAt: "2025-01-02T11:30:15",
    fileCount: 2,
    size: 10,
    versionIndex: i,
    aliases:
      i === 1
        ? [
            { alias: "champion", artifactCollection: col },
            { alias: "latest", artifactCollection: col },
          ]
        : [],
    tags: [],
    currentManifest: { id: `TWFuaWZlc3Q6${i}`, file: { directUrl: `https://storage.example/m${i}.json` } },
    artifactSequence: { id: col.id, name: col.name },
  };
}

let server: Server;
let url = "";
let nodes: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const op = (JSON.parse(body) as { operationName: string }).operationName;
      const data =
        op === "ServerFeatures"
          ? { serverInfo: { features: [] } }
          : {
              project: {
                artifactCollection: {
                  id: col.id,
                  name: col.name,
                  artifacts: {
                    pageInfo: { endCursor: null, hasNextPage: false },
                    edges: nodes.map((n, i) => ({ version: `v${nodes.length - 1 - i}`, node: n })),
                  },
                },
              },
            };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const registry = () => createWandbRegistry({ apiKey: "k".repeat(40), baseUrl: url, entity: "e", project: "p", env: {}, maxRetries: 0 });

describe("listVersions on W&B", () => {
  it("keeps each node whole as raw and reads the fields from it", async () => {
    nodes = [node(1), node(0)];
    const [first, second] = await registry().listVersions("fraud").toArray();
    expect(first?.raw).toEqual(nodes[0]);
    expect(first).toMatchObject({ version: "1", aliases: ["champion"], stage: "staging", params: { lr: "0.1" }, tags: { team: "risk" } });
    expect(first?.artifacts).toEqual({ digest: "d1", fileCount: 2 });
    expect(second?.aliases).toEqual([]);
  });

  it("reads W&B's zoneless timestamps as UTC in any time zone", async () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      nodes = [node(0)];
      const [v] = await registry().listVersions("fraud").toArray();
      expect(v?.createdAt.toISOString()).toBe("2025-01-01T10:00:00.000Z");
      expect(v?.updatedAt.toISOString()).toBe("2025-01-02T11:30:15.000Z");
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("a node with a field of the wrong type fails with the path of that field, in English", async () => {
    nodes = [node(1), { ...node(0), digest: 7 }];
    const error = await registry()
      .listVersions("fraud")
      .toArray()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).field).toBe("project.artifactCollection.artifacts.edges[1].node.digest");
    expect((error as Error).message).toMatch(/expected string, received number/);
  });

  it("a node without the aliases listing reads fails, though the rest of the node is fine", async () => {
    const { aliases: _dropped, ...rest } = node(0);
    nodes = [rest];
    const error = await registry()
      .listVersions("fraud")
      .toArray()
      .catch((e: unknown) => e);
    expect((error as ResponseValidationError).field).toBe("project.artifactCollection.artifacts.edges[0].node.aliases");
  });
});
