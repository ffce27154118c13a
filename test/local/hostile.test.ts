// A tampered local registry: version records whose paths escape, blobs and version folders swapped for symlinks that
// point outside. The local registry has no server, so its "hostile responses" are its own files edited behind its back.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { rejectionOf } from "../support/rejection.js";
import { ESCAPING_PATHS, expectKind, strays, tree, workspace } from "../support/hostile.js";

async function registryWithVersion() {
  const ws = await workspace();
  const root = join(ws.root, "registry");
  const registry = createLocalRegistry({ root, actor: "tester" });
  await registry.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", content: "hello" }] } });
  const record = join(root, "models", "fraud", "versions", "1.json");
  const blob = join(
    root,
    "blobs",
    "sha256",
    createHash("sha256").update("hello").digest("hex").slice(0, 2),
    createHash("sha256").update("hello").digest("hex"),
  );
  return { ws, root, registry, record, blob };
}

async function editFiles(record: string, change: (files: Array<Record<string, unknown>>) => void) {
  const json = JSON.parse(await readFile(record, "utf8")) as { files: Array<Record<string, unknown>> };
  change(json.files);
  await writeFile(record, JSON.stringify(json));
}

describe("local registry: a tampered store cannot make a download write outside its directory", () => {
  it.each(ESCAPING_PATHS)("refuses a version record edited to list %j", async (bad) => {
    const { ws, registry, record } = await registryWithVersion();
    await editFiles(record, (files) => files.push({ ...files[0], path: bad }));
    expectKind(await rejectionOf(registry.downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["InvalidInputError", "CorruptDataError"]);
    expect(await tree(ws.target)).toEqual([]);
    expect(await tree(ws.outside)).toEqual([]);
    expect((await strays(ws)).filter((e) => e !== "registry")).toEqual([]);
  });

  it("refuses a version record edited to list `a` and `a/b`", async () => {
    const { ws, registry, record } = await registryWithVersion();
    await editFiles(record, (files) => {
      const first = files[0] as Record<string, unknown>;
      files.splice(0, 1, { ...first, path: "a" }, { ...first, path: "a/b" });
    });
    expectKind(await rejectionOf(registry.downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["InvalidInputError"]);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("gives IntegrityError for a blob swapped for a symlink to a file outside, and writes nothing", async () => {
    const { ws, registry, blob } = await registryWithVersion();
    await writeFile(join(ws.outside, "secret"), "not the model bytes");
    await rm(blob);
    await symlink(join(ws.outside, "secret"), blob);
    expectKind(await rejectionOf(registry.downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["IntegrityError"]);
    expect(await tree(ws.target)).toEqual([]);
    expect(await tree(ws.outside)).toEqual(["secret"]);
    expect(await readFile(join(ws.outside, "secret"), "utf8")).toBe("not the model bytes");
  });

  it("refuses a versions folder swapped for a symlink to a forged record with an escaping path", async () => {
    const { ws, registry, record, root } = await registryWithVersion();
    const forged = join(ws.root, "forged");
    await mkdir(forged);
    const json = JSON.parse(await readFile(record, "utf8")) as { files: Array<Record<string, unknown>> };
    json.files = [{ ...json.files[0], path: "../../outside/payload" }];
    await writeFile(join(forged, "1.json"), JSON.stringify(json));
    const versions = join(root, "models", "fraud", "versions");
    await rename(versions, join(ws.root, "versions-moved"));
    await symlink(forged, versions, "dir");
    expectKind(await rejectionOf(registry.downloadArtifacts({ model: "fraud", version: "1" }, ws.target)), ["InvalidInputError", "CorruptDataError"]);
    expect(await tree(ws.outside)).toEqual([]);
    expect(await tree(ws.target)).toEqual([]);
  });

  it("does not write through a symlink already in the target directory", async () => {
    const { ws, registry, record } = await registryWithVersion();
    await editFiles(record, (files) => ((files[0] as Record<string, unknown>).path = "link/model.bin"));
    await mkdir(ws.target);
    await symlink(ws.outside, join(ws.target, "link"), "dir");
    expectKind(await rejectionOf(registry.downloadArtifacts({ model: "fraud", version: "1" }, ws.target, { overwrite: true })), ["InvalidInputError"]);
    expect(await tree(ws.outside)).toEqual([]);
  });
});
