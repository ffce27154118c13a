import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { createLocalRegistry, type LocalRegistrySettings } from "../../../src/adapters/local/index.js";

const roots: string[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test. */
export async function tempDir(prefix = "modelreg-local-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** A local registry in a fresh temp directory. */
export async function freshRegistry(settings: LocalRegistrySettings = {}) {
  const root = join(await tempDir(), "registry");
  return { root, registry: createLocalRegistry({ root, actor: "tester", ...settings }) };
}

export { rejectionOf } from "../../support/rejection.js";
