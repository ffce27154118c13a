// Test scripts that run as child processes (the kill harness's writers, the many-writers and two-process runs) are
// bundled once per test process and run with plain `node`. Started with `node --import tsx`, every child compiled the
// sources again: 1.6 s of CPU each where the bundle takes 0.3 s, and the kill harness alone starts dozens of them on a
// 2-core CI machine. The bundle is the same code: the scripts import the sources by relative path.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "tsup";

const built = new Map<string, Promise<string>>();
let outRoot: string | undefined;

/** The path of a runnable bundle of the TypeScript script at `url` (built on first use, then reused). */
export function childScript(url: URL): Promise<string> {
  const entry = fileURLToPath(url);
  let bundle = built.get(entry);
  if (!bundle) {
    if (!outRoot) {
      const root = mkdtempSync(join(tmpdir(), "modelreg-child-"));
      outRoot = root;
      process.once("exit", () => rmSync(root, { recursive: true, force: true }));
    }
    const outDir = join(outRoot, String(built.size));
    const name = basename(entry).replace(/\.ts$/, "");
    bundle = build({
      // Not the project's tsup.config.ts (its builds would each write this bundle).
      config: false,
      entry: { [name]: entry },
      outDir,
      format: "esm",
      platform: "node",
      target: "node20",
      // Dependencies too: the bundle runs from a temporary folder with no node_modules beside it.
      noExternal: [/.*/],
      external: ["google-auth-library"],
      splitting: false,
      sourcemap: "inline",
      dts: false,
      silent: true,
      outExtension: () => ({ js: ".mjs" }),
    }).then(() => join(outDir, `${name}.mjs`));
    built.set(entry, bundle);
  }
  return bundle;
}
