// @azure/identity as the Azure ML credential tests load it. The project leaves the optional peer out of its
// dependencies, so the pinned release users of Node 20 get (4.13.1) is installed into .cache/node-peers
// (test/support/node-peer.ts) and the adapter's computed `import("@azure/identity")` is pointed at it, or at a folder
// without it, by the tests alone. (node_modules may hold another copy, @azure/identity 3.x, that a dev dependency
// pulls in; the tests never let the adapter find that one.)
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AZURE_IDENTITY, ensureNodePeer } from "../../support/node-peer.js";

type ExportTarget = string | { [condition: string]: ExportTarget };

/** The first target of `conditions` in a package.json `exports` entry (Node's order: the entry's own key order). */
function pick(target: ExportTarget, conditions: string[]): string | undefined {
  if (typeof target === "string") return target;
  for (const [key, value] of Object.entries(target)) {
    if (key !== "default" && !conditions.includes(key)) continue;
    const found = pick(value, conditions);
    if (found) return found;
  }
  return undefined;
}

/**
 * The file URL a user's `import("@azure/identity")` loads under Node: the package's `import` entry (its ESM build),
 * installing the pinned release first when missing.
 */
export async function identityImportUrl(): Promise<string> {
  const required = await ensureNodePeer(AZURE_IDENTITY.name, AZURE_IDENTITY.version);
  const marker = `${sep}node_modules${sep}@azure${sep}identity${sep}`;
  const packageDir = required.slice(0, required.indexOf(marker) + marker.length - 1);
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { exports: Record<string, ExportTarget> };
  const entry = manifest.exports["."];
  const file = entry && pick(entry, ["node", "import"]);
  if (!file) throw new Error(`${AZURE_IDENTITY.name}@${AZURE_IDENTITY.version} has no import entry`);
  return pathToFileURL(join(packageDir, file)).href;
}

/** The `node_modules` folder holding the installed peer and its dependencies (what a user's project would have). */
export function peerNodeModules(importUrl: string): string {
  const path = fileURLToPath(importUrl);
  const marker = `${sep}node_modules${sep}@azure${sep}identity${sep}`;
  return path.slice(0, path.indexOf(marker) + `${sep}node_modules`.length);
}

/**
 * A module that imports `@azure/identity` from a folder where it is not installed: loading it fails exactly as the
 * adapter's import fails for a user without the peer (ERR_MODULE_NOT_FOUND, "Cannot find package").
 */
export function importerWithoutPeer(): string {
  const root = mkdtempSync(join(tmpdir(), "modelreg-no-identity-"));
  // Under a node_modules folder, so vitest leaves it to Node (as it leaves the installed peer), whose resolution
  // walks up from here and finds no @azure/identity; vite's own resolver would fall back to the project's folders.
  const dir = join(root, "node_modules", "imports-identity");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "index.mjs");
  writeFileSync(file, `export * from "${AZURE_IDENTITY.name}";\n`);
  return pathToFileURL(file).href;
}
