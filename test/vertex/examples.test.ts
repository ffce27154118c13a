import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canaryRelease } from "../../examples/vertex-canary.js";
import { useVertexFakes } from "./support/setup.js";

const fakes = useVertexFakes();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function modelDir(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vertex-example-"));
  dirs.push(dir);
  await writeFile(join(dir, "model.pkl"), content);
  return dir;
}

describe("examples/vertex-canary.ts", () => {
  it("promotes a healthy challenger to champion and rolls an unhealthy one back", async () => {
    // The example's files are a scikit-learn model.pkl, so Vertex's prebuilt scikit-learn image serves them.
    const registry = fakes.registry({ containerImageUri: "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest" });
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const first = await canaryRelease({ registry, model: "fraud", directory: await modelDir("v1"), endpoint: "fraud-serving", healthy: () => true, log });
    expect(first.completed).toBe(true);
    expect(await registry.resolveAlias("fraud", "champion")).toBe("1");
    const bad = await canaryRelease({ registry, model: "fraud", directory: await modelDir("v2"), endpoint: "fraud-serving", healthy: (p) => p < 25, log });
    expect(bad).toMatchObject({ completed: false, failedAt: 25 });
    expect(bad.endpoint.trafficSplit).toEqual({ "fraud/1": 100 });
    expect(await registry.resolveAlias("fraud", "champion")).toBe("1");
    expect(lines).toContain("fraud/2 now takes 10% of fraud-serving");
    expect(lines.at(-1)).toMatch(/^rolled back at 25%/);
  });
});
