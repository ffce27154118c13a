// Installs a pinned npm package that the project leaves out of its own dependencies (an optional peer such as
// google-auth-library) into .cache/node-peers/<name>@<version>/ (ignored by git), once, for the tests that exercise
// it as a user who installed it would. The package stays out of package.json and node_modules, so every other test
// still runs as a user without it does (the Vertex adapter then explains how to install it).
import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const PEERS = join(ROOT, ".cache", "node-peers");

/**
 * google-auth-library for the Vertex ADC tests: 10.9.1 is the floor of the peer range and of the last release line that
 * runs on Node 20 (11.x needs Node 22).
 */
export const GOOGLE_AUTH_LIBRARY = { name: "google-auth-library", version: "10.9.1" } as const;

/**
 * @azure/identity for the Azure ML credential tests (DefaultAzureCredential through the Azure CLI, managed identity and
 * a client secret): 4.13.1 is the floor of the peer range and the last release that runs on Node 20 (4.13.2 needs 22).
 */
export const AZURE_IDENTITY = { name: "@azure/identity", version: "4.13.1" } as const;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Returns the path of the entry point of `name@version` (what `import(name)` would load for a user), installing it
 * with its dependencies when missing. The install goes to a scratch folder that is renamed into place once complete,
 * so a run cut off half way, or two test processes installing at once, never leave a broken copy behind.
 */
export async function ensureNodePeer(name: string, version: string): Promise<string> {
  const dir = join(PEERS, `${name.replace("/", "+")}@${version}`);
  const entry = () => createRequire(join(dir, "package.json")).resolve(name);
  if (await exists(join(dir, "node_modules", name, "package.json"))) return entry();
  await mkdir(PEERS, { recursive: true });
  const scratch = await mkdtemp(join(PEERS, ".installing-"));
  try {
    await writeFile(join(scratch, "package.json"), JSON.stringify({ name: "modelreg-test-peer", private: true }));
    try {
      await run("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--prefer-offline", `${name}@${version}`], {
        cwd: scratch,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`installing ${name}@${version} for the tests failed: ${e.stderr?.slice(-2000) || e.message}`);
    }
    // Another process may have finished first; its copy is as good as this one.
    await rename(scratch, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (!(await exists(join(dir, "node_modules", name, "package.json")))) throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return entry();
}
