// Symbolic links in artifact sources against a real MLflow server: refused by default before any request (no model,
// no run, no artifact), uploaded as the linked files' bytes with followSymlinks. The full matrix of cases runs on the
// local registry and the fakes in test/artifacts/symlink-sources.test.ts.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { InvalidInputError, NotFoundError } from "modelreg";
import { loggingFetch } from "../../property/support/prototype-keys.js";
import { tempDir, unique } from "./support/helpers.js";

const servers = inject("mlflowServers");

describe.each(servers)("MLflow $version: symbolic links in artifact sources", (server) => {
  const requests: string[] = [];
  const registry = createMlflowRegistry({ trackingUri: server.url, actor: "tester", fetch: loggingFetch(requests) });
  let snapshot: string;
  let outsideLink: string;

  beforeAll(async () => {
    // A Hugging Face cache layout: snapshots/<rev>/* are links into ../../blobs; and a link to a file outside.
    const root = await tempDir("modelreg-mlflow-links-");
    snapshot = join(root, "snapshots", "rev");
    await mkdir(join(root, "blobs"), { recursive: true });
    await mkdir(snapshot, { recursive: true });
    await writeFile(join(root, "blobs", "c1"), '{"model_type":"bert"}');
    await writeFile(join(root, "secret.txt"), "not for the registry");
    await symlink("../../blobs/c1", join(snapshot, "config.json"));
    outsideLink = join(root, "link.bin");
    await symlink("secret.txt", outsideLink);
  });

  it("refuses a link named in files and a directory of links before any request", async () => {
    for (const artifacts of [{ files: [outsideLink] }, { directory: snapshot }]) {
      const model = unique("links");
      requests.length = 0;
      const error = await registry.createVersion(model, { artifacts }).catch((e: unknown) => e);
      expect(InvalidInputError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toContain("symbolic link");
      expect(requests).toEqual([]);
      expect(NotFoundError.isInstance(await registry.getModel(model).catch((e: unknown) => e))).toBe(true);
    }
  });

  it("uploads what the links point at with followSymlinks", async () => {
    const model = unique("links");
    const fromDir = await registry.createVersion(model, { artifacts: { directory: snapshot, followSymlinks: true } });
    const fromFiles = await registry.createVersion(model, { artifacts: { files: [outsideLink], followSymlinks: true } });
    expect((await registry.listArtifacts(fromDir)).map((f) => f.path)).toEqual(["config.json"]);
    expect(await new Response((await registry.openArtifact(fromDir, "config.json")).stream).text()).toBe('{"model_type":"bert"}');
    expect(await new Response((await registry.openArtifact(fromFiles, "link.bin")).stream).text()).toBe("not for the registry");
  });
});
