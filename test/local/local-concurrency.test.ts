import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { childScript } from "../support/child-script.js";

// Bundled once (test/support/child-script.ts): each child then starts in a fraction of the CPU tsx took.
let child = "";
beforeAll(async () => {
  child = await childScript(new URL("./support/register-child.ts", import.meta.url));
}, 60_000);

function startChild(root: string, model: string, count: number, tag: string) {
  const proc = spawn(process.execPath, [child, root, model, String(count), tag], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (err += d));
  const done = new Promise<string[]>((resolve, reject) => {
    proc.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`child ${tag} exited ${code}: ${err}`))));
  });
  return { go: () => proc.stdin.end("go\n"), done };
}

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("local registry across processes", () => {
  it("gives two processes registering versions of the same new model at once distinct versions, and corrupts nothing", async () => {
    root = await mkdtemp(join(tmpdir(), "modelreg-mp-"));
    const count = 12;
    const a = startChild(root, "fraud", count, "a");
    const b = startChild(root, "fraud", count, "b");
    // Let both processes load before releasing them together.
    await new Promise((r) => setTimeout(r, 1500));
    a.go();
    b.go();
    const [fromA, fromB] = await Promise.all([a.done, b.done]);

    const all = [...fromA, ...fromB].map(Number).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 2 * count }, (_, i) => i + 1));

    const registry = createLocalRegistry({ root });
    const versions = await registry.listVersions("fraud").toArray();
    expect(versions).toHaveLength(2 * count);
    for (const v of versions) {
      const writer = v.params.writer as string;
      const mine = writer === "a" ? fromA : fromB;
      expect(mine).toContain(v.version);
      const file = await registry.openArtifact(v, "model.bin");
      expect(await new Response(file.stream).text()).toBe(`${writer}-${v.params.i}`);
    }
    expect(await registry.resolveAlias("fraud", "last-a")).toBe(fromA.at(-1));
    expect(await registry.resolveAlias("fraud", "last-b")).toBe(fromB.at(-1));

    const created = await registry.listAuditEvents({ model: "fraud", types: ["version.created"] }).toArray();
    expect(created.map((e) => e.version).sort()).toEqual(all.map(String).sort());
    expect(new Set(created.map((e) => e.actor))).toEqual(new Set(["child-a", "child-b"]));
    // The model was created exactly once although both processes asked for it.
    expect(await registry.listAuditEvents({ types: ["model.created"] }).toArray()).toHaveLength(1);
    // Nothing left half-written: no temp files, no lock.
    expect(await readdir(join(root, "tmp"))).toEqual([]);
    expect(await readdir(join(root, "locks"))).toEqual([]);
  });
});
