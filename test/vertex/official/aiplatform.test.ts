// The interop promise with Google's own clients (issue 15 item 8): google-cloud-aiplatform (REST transport) and
// google-cloud-storage, installed from PyPI into .venv/vertex-client, read what modelreg wrote to the Vertex and Cloud
// Storage fakes, and modelreg reads what they wrote. Both reach the fakes over real HTTP on loopback; the fakes check
// every request against Google's discovery contract, so a request the client sends and the fake refuses fails here.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureVertexClient } from "../../support/official-clients.js";
import { PYTHON_TEST_TIMEOUT_MS, tempDir } from "../../mlflow/server/support/helpers.js";
import { runClient, serveVertexFakes, type VertexLoopback } from "./support/vertex-loopback.js";

/** A custom serving image: Vertex's prebuilt framework images accept only their own file names (vertex.md). */
const IMAGE = "us-docker.pkg.dev/test-project/serving/fraud:3";
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

let python: string;
let fakes: VertexLoopback;

beforeAll(async () => {
  // The first run installs the pinned clients (test/support/official-clients.ts), which takes a while.
  python = await ensureVertexClient();
}, 900_000);
afterEach(async () => {
  await fakes?.close();
});

/**
 * What the fakes refused of the requests from `from` on (the Python client's, when it is the only one talking): every
 * error answer (a cut connection, a 4xx the client did not expect, a path no handler serves) and every contract
 * violation. modelreg's own 404s (looking for a model before creating it) fall outside the window.
 */
function refusals(f: VertexLoopback, from: number, to = f.server.requests.length): string[] {
  return [
    ...f.server.requests
      .slice(from, to)
      .filter((r) => r.status === 0 || r.status >= 400)
      .map((r) => `${r.status} ${r.method} ${r.url}`),
    ...f.vertex.violations.map((v) => `contract: ${v.message}`),
  ];
}

/** Runs the driver and returns what it printed, with what the fakes refused while it ran. */
async function client(step: "read" | "write", args: Record<string, unknown>) {
  const from = fakes.server.requests.length;
  const printed = await runClient(python, fakes, step, args);
  return { printed, refused: refusals(fakes, from), sent: fakes.server.requests.slice(from) };
}

describe("google-cloud-aiplatform and google-cloud-storage against the Vertex fakes on loopback", () => {
  it(
    "aiplatform lists and gets the models, versions and aliases modelreg wrote, reads the endpoint's traffic split, and downloads the files byte for byte",
    async () => {
      fakes = await serveVertexFakes();
      const { registry } = fakes;
      const model = "fraud-detector";
      const weights = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) % 256);
      const files = {
        "1": { "model.bin": weights, "config/params.json": '{"depth": 6}\n' },
        "2": { "model.bin": weights.slice(0, 150_000).reverse(), "nested/deeper/ünïcode.txt": "two ✓\n" },
      };
      const container = { vertex: { container: { imageUri: IMAGE, predictRoute: "/predict", healthRoute: "/health" } } };
      const v1 = await registry.createVersion(model, {
        artifacts: { entries: Object.entries(files["1"]).map(([path, content]) => ({ path, content })) },
        description: "first",
        aliases: ["champion"],
        providerOptions: container,
      });
      const v2 = await registry.createVersion(model, {
        artifacts: { entries: Object.entries(files["2"]).map(([path, content]) => ({ path, content })) },
        description: "second",
        aliases: ["challenger"],
        tags: { team: "fraud" },
        providerOptions: container,
      });
      expect([v1.version, v2.version]).toEqual(["1", "2"]);
      await registry.endpoints.deploy({ model, version: "1" }, { endpoint: "fraud-endpoint" });
      const endpoint = await registry.endpoints.deploy({ model, version: "2" }, { endpoint: "fraud-endpoint", trafficPercent: 20 });
      expect(endpoint.trafficSplit).toEqual({ [`${model}/1`]: 80, [`${model}/2`]: 20 });

      const read = await client("read", {
        model,
        display_name: model,
        aliases: ["champion", "challenger"],
        endpoint: endpoint.id,
        deploy: { version: "2" },
      });
      expect(read.refused).toEqual([]);
      const seen = read.printed as {
        models: Array<{ name: string; display_name: string }>;
        versions: Array<{ version_id: string; aliases: string[]; description: string }>;
        uris: Record<string, string>;
        labels: Record<string, Record<string, string>>;
        files: Record<string, Record<string, string>>;
        aliases: Record<string, string>;
        traffic_split: Record<string, number>;
        deployed: Array<{ id: string; model: string; version: string }>;
        deployed_by_client: { endpoint: string; traffic_split: Record<string, number> };
      };

      expect(seen.models).toEqual([{ name: expect.stringMatching(new RegExp(`/locations/us-central1/models/${model}$`)), display_name: model }]);
      expect(seen.versions.map((v) => [v.version_id, v.aliases, v.description]).sort()).toEqual([
        ["1", ["champion", "default"], "first"],
        ["2", ["challenger"], "second"],
      ]);
      expect(seen.aliases).toEqual({ champion: "1", challenger: "2" });
      expect(seen.uris).toEqual({ "1": (await registry.getVersion({ model, version: "1" })).artifacts.uri, "2": v2.artifacts.uri });
      expect(seen.labels["2"]).toMatchObject({ team: "fraud" });
      for (const version of ["1", "2"] as const) {
        const expected = Object.fromEntries(Object.entries(files[version]).map(([path, content]) => [path, sha256(content)]));
        expect(seen.files[version]).toEqual(expected);
      }
      // Keyed by deployed-model id, which aiplatform reports with the version each one serves.
      const byVersion = Object.fromEntries(seen.deployed.map((d) => [d.version, seen.traffic_split[d.id]]));
      expect(byVersion).toEqual({ "1": 80, "2": 20 });
      expect(seen.deployed.every((d) => d.model.endsWith(`/models/${model}`))).toBe(true);

      // And back: the endpoint aiplatform's Model.deploy created, as modelreg reads it.
      const theirs = await registry.endpoints.getEndpoint(seen.deployed_by_client.endpoint);
      expect(theirs).toMatchObject({ displayName: `${model}_endpoint`, trafficSplit: { [`${model}/2`]: 100 } });
      expect(theirs.deployedModels).toEqual([expect.objectContaining({ model, version: "2", machineType: "n1-standard-4", minReplicas: 1, maxReplicas: 2 })]);
      expect(Object.values(seen.deployed_by_client.traffic_split)).toEqual([100]);
    },
    PYTHON_TEST_TIMEOUT_MS,
  );

  it(
    "modelreg lists and gets the model and versions aiplatform uploaded with files staged through google-cloud-storage, resolves the alias, and downloads the files byte for byte",
    async () => {
      fakes = await serveVertexFakes();
      const { registry } = fakes;
      const model = "uploaded-by-python";
      const write = await client("write", { model, image: IMAGE });
      expect(write.refused).toEqual([]);
      const wrote = write.printed as {
        resource: string;
        versions: Record<string, { uri: string; files: Record<string, string>; aliases: string[] }>;
      };
      expect(Object.keys(wrote.versions)).toEqual(["1", "2"]);
      expect(wrote.versions["2"]?.aliases).toEqual(["candidate"]);
      // The client staged the local folders into the staging bucket through the GCS fake.
      expect(write.sent.filter((r) => r.method === "POST" && r.url.includes("/upload/storage/v1/b/interop-bucket/o")).length).toBe(4);

      const got = await registry.getModel(model);
      expect(got).toMatchObject({ name: model, description: "uploaded by aiplatform", latestVersion: "2", aliases: { candidate: "2" } });
      const listed = [];
      for await (const m of registry.listModels()) listed.push(m.name);
      expect(listed).toEqual([model]);
      const versions = [];
      for await (const v of registry.listVersions(model)) versions.push([v.version, v.aliases, v.artifacts.uri]);
      expect(versions).toEqual([
        ["2", ["candidate"], wrote.versions["2"]?.uri],
        ["1", [], wrote.versions["1"]?.uri],
      ]);
      expect(await registry.resolveAlias(model, "candidate")).toBe("2");
      const candidate = await registry.getVersion({ model, alias: "candidate" });
      expect(candidate).toMatchObject({ version: "2", description: "second version" });
      expect((await registry.getVersion({ model, version: "1" })).tags).toMatchObject({ team: "fraud" });

      for (const [ref, version] of [[{ model, alias: "candidate" }, "2"] as const, [{ model, version: "1" }, "1"] as const]) {
        const dir = await tempDir("modelreg-from-aiplatform-");
        const result = await registry.downloadArtifacts(ref, dir);
        const expected = wrote.versions[version]?.files ?? {};
        expect(result.files.map((f) => f.path).sort()).toEqual(Object.keys(expected).sort());
        for (const [path, digest] of Object.entries(expected)) expect(sha256(await readFile(join(dir, path)))).toBe(digest);
      }
      expect(fakes.vertex.violations).toEqual([]);
    },
    PYTHON_TEST_TIMEOUT_MS,
  );
});
