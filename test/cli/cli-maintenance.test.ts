// `modelreg verify` and `modelreg gc`: report and reclaim a crashed writer's leftovers, never create a registry.
import { spawn } from "node:child_process";
import { mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { runCli } from "../../src/cli/main.js";
import { io, tempDir } from "./support/helpers.js";

/**
 * A registry with one good version, an orphan blob, a dead writer's temp file (swept when a process opens the
 * registry) and an old temp file of an earlier modelreg, whose maker cannot be told (left for gc).
 */
async function withLeftovers(): Promise<string> {
  const root = join(await tempDir("modelreg-cli-upkeep-"), "registry");
  const registry = createLocalRegistry({ root, actor: "ci" });
  await registry.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", content: "weights" }] } });
  await mkdir(join(root, "blobs", "sha256", "bb"), { recursive: true });
  await writeFile(join(root, "blobs", "sha256", "bb", "b".repeat(64)), "orphan");
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => child.once("exit", r));
  const tag = (await import("node:crypto"))
    .createHash("sha256")
    .update((await import("node:os")).hostname())
    .digest("hex")
    .slice(0, 8);
  await writeFile(join(root, "tmp", `blob-${child.pid}.${tag}-00000000-0000-0000-0000-000000000000`), "partial");
  const legacy = join(root, "tmp", "2f1e7c1a-1111-4222-8333-944445555666.json");
  await writeFile(legacy, "{}");
  const hoursAgo = new Date(Date.now() - 2 * 3600_000);
  await utimes(legacy, hoursAgo, hoursAgo);
  return root;
}

describe("modelreg verify and gc", () => {
  it("verify lists leftovers, gc --dry-run names them, gc removes them, and verify is then clean", async () => {
    const root = await withLeftovers();
    const v = io();
    expect(await runCli(["verify", `file:${root}`], v.io)).toBe(0);
    expect(v.out()).toMatch(/leftover\s+unreferenced-blob/);
    expect(v.out()).toMatch(/leftover\s+leftover-temp\s+tmp\/2f1e7c1a/);
    // Opening the registry swept the dead writer's temp file already.
    expect((await readdir(join(root, "tmp"))).filter((n) => n.startsWith("blob-"))).toEqual([]);
    expect(v.out()).toMatch(/ok: 1 models, 1 versions, 2 blobs/);

    const dry = io();
    expect(await runCli(["gc", `file:${root}`, "--dry-run", "--json"], dry.io)).toBe(0);
    expect(
      dry
        .lines()
        .filter((l) => l.type === "wouldRemove")
        .map((l) => l.kind)
        .sort(),
    ).toEqual(["blob", "temp"]);
    expect(await readdir(join(root, "blobs", "sha256", "bb"))).toHaveLength(1);

    const done = io();
    expect(await runCli(["gc", `file:${root}`, "--json"], done.io)).toBe(0);
    expect(done.lines().at(-1)).toMatchObject({ type: "report", dryRun: false, items: 2, bytes: "orphan".length + "{}".length });
    const after = io();
    expect(await runCli(["verify", `file:${root}`, "--deep", "--json"], after.io)).toBe(0);
    expect(after.lines()).toEqual([{ type: "report", ok: true, checked: { models: 1, versions: 1, blobs: 1, auditEvents: 2 }, problems: 0 }]);
  });

  it("verify exits 1 when a version's bytes are missing", async () => {
    const root = await withLeftovers();
    const registry = createLocalRegistry({ root });
    const [file] = await registry.listArtifacts("fraud/1");
    await rm(join(root, "blobs", "sha256", (file?.sha256 as string).slice(0, 2), file?.sha256 as string));
    const v = io();
    expect(await runCli(["verify", `file:${root}`], v.io)).toBe(1);
    expect(v.out()).toMatch(/error\s+missing-blob.*fraud\/1 file "model\.bin" has no bytes/);
  });

  it("never creates a registry, and refuses remote registries", async () => {
    const missing = join(await tempDir("modelreg-cli-upkeep-"), "nothing-here");
    for (const command of ["verify", "gc"]) {
      const r = io();
      expect(await runCli([command, `file:${missing}`], r.io)).toBe(1);
      expect(r.err()).toMatch(/no modelreg registry at/);
    }
    await expect(readdir(missing)).rejects.toThrow();
    const remote = io();
    expect(await runCli(["verify", "mlflow+http://127.0.0.1:5000"], remote.io)).toBe(2);
  });
});
