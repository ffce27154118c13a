import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { logAndLink } from "../../examples/wandb-to-registry.js";
import { ENTITY, ORG_ENTITY } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const { fake, registry } = useWandbFake();
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("examples/wandb-to-registry.ts", () => {
  it("logs a model, aliases it, and links it into the registry", async () => {
    dir = await mkdtemp(join(tmpdir(), "wandb-example-"));
    await writeFile(join(dir, "model.pkl"), "weights");
    const lines: string[] = [];
    const linked = await logAndLink(registry({ entity: ENTITY }), "fraud-model", dir, 0.93, (l) => lines.push(l));
    expect(linked).toEqual({ orgEntity: ORG_ENTITY, project: "wandb-registry-model", version: "0" });
    expect(lines[0]).toMatch(/^logged fraud-model:v0 \(digest [0-9a-f]{32}\)$/);
    const portfolio = fake.collections.get(`${ORG_ENTITY}/wandb-registry-model/fraud-detection`);
    expect([...(portfolio?.aliases.keys() ?? [])].sort()).toEqual(["latest", "staging-candidate"]);
    expect(await registry({ entity: ENTITY }).resolveAlias("fraud-model", "candidate")).toBe("0");
  });
});
