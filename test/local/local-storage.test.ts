import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { CorruptDataError, IntegrityError } from "modelreg";
import { freshRegistry, rejectionOf, tempDir } from "./support/helpers.js";

const entries = (content: string) => ({
  entries: [
    { path: "model.bin", content },
    { path: "config/params.json", content: "{}" },
  ],
});

async function listBlobs(root: string): Promise<string[]> {
  const base = join(root, "blobs", "sha256");
  const out: string[] = [];
  for (const prefix of await readdir(base)) for (const blob of await readdir(join(base, prefix))) out.push(blob);
  return out.sort();
}

describe("local registry storage", () => {
  it("stores artifacts content-addressed by sha256, once per distinct content", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: entries("weights-1") });
    await registry.createVersion("fraud", { artifacts: entries("weights-2") });
    await registry.createVersion("churn", { artifacts: entries("weights-1") });
    const files = await registry.listArtifacts("fraud/1");
    const blobs = await listBlobs(root);
    // Three versions, six files, three distinct contents.
    expect(blobs).toHaveLength(3);
    for (const file of files) expect(blobs).toContain(file.sha256);
    const stored = await readFile(join(root, "blobs", "sha256", files[1]!.sha256!.slice(0, 2), files[1]!.sha256!), "utf8");
    expect(stored).toBe("weights-1");
  });

  it("keeps metadata as JSON and leaves no temp files after writes", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: entries("w"), metrics: { auc: 0.9 }, aliases: ["champion"] });
    await registry.updateVersion("fraud/1", { tags: { team: "risk" } });
    const record = JSON.parse(await readFile(join(root, "models", "fraud", "versions", "1.json"), "utf8"));
    expect(record).toMatchObject({ model: "fraud", version: "1", metrics: { auc: 0.9 }, tags: { team: "risk" }, stage: "draft" });
    expect(JSON.parse(await readFile(join(root, "models", "fraud", "aliases.json"), "utf8"))).toEqual({ aliases: { champion: "1" } });
    expect(await readdir(join(root, "tmp"))).toEqual([]);
  });

  it("refuses a non-empty directory that is not a registry, and writes nothing into it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "notes.txt"), "mine");
    const registry = createLocalRegistry({ root: dir });
    const error = await rejectionOf(registry.createModel({ name: "fraud" }));
    expect(CorruptDataError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/not a modelreg local registry/);
    expect(await readdir(dir)).toEqual(["notes.txt"]);
  });

  it("refuses a registry written in another format version", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "modelreg.json"), JSON.stringify({ format: "modelreg-local", version: 99 }));
    const error = await rejectionOf(createLocalRegistry({ root: dir }).getModel("fraud"));
    expect(CorruptDataError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/format 99/);
  });

  it("turns a truncated version record into CorruptDataError naming the file", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: entries("w") });
    const file = join(root, "models", "fraud", "versions", "1.json");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.slice(0, text.length / 2));
    const error = await rejectionOf(registry.getVersion("fraud/1"));
    expect(CorruptDataError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(join("models", "fraud", "versions", "1.json"));
    expect((error as Error).message).toMatch(/not valid JSON/);
  });

  it("turns a record of the wrong shape into CorruptDataError naming the field", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createModel({ name: "fraud" });
    await writeFile(join(root, "models", "fraud", "model.json"), JSON.stringify({ name: "fraud", tags: "oops" }));
    const error = await rejectionOf(registry.getModel("fraud"));
    expect(CorruptDataError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/at tags/);
  });

  it("detects a blob damaged on disk while streaming it, with IntegrityError", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: entries("original weights") });
    const [, model] = await registry.listArtifacts("fraud/1");
    expect(model?.path).toBe("model.bin");
    await writeFile(join(root, "blobs", "sha256", model!.sha256!.slice(0, 2), model!.sha256!), "tampered weights");
    const opened = await registry.openArtifact("fraud/1", "model.bin");
    const error = await rejectionOf(new Response(opened.stream).text());
    expect(IntegrityError.isInstance(error)).toBe(true);
    const out = await tempDir();
    const download = await rejectionOf(registry.downloadArtifacts("fraud/1", out));
    expect(IntegrityError.isInstance(download)).toBe(true);
    // The good file is not left behind either: the download is all or nothing.
    expect(await readdir(out)).toEqual([]);
  });
});
