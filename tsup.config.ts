import { defineConfig, type Options } from "tsup";
import { packageEntries } from "./scripts/package-entries.mjs";

/**
 * One entry per subpath export, from scripts/package-entries.mjs (the fixed entries and one per adapter folder, as in
 * package.json `exports`), plus the CLI.
 */
export const entries: Record<string, string> = {
  ...Object.fromEntries(packageEntries().map((entry) => [entry.name, entry.source])),
  cli: "src/cli/bin.ts",
};

/** The entries with a CJS build. The CLI is an executable, not an import: ESM only, like the testing entry. */
function cjsEntries(): Record<string, string> {
  return Object.fromEntries(
    packageEntries()
      .filter((entry) => entry.cjs)
      .map((entry) => [entry.name, entry.source]),
  );
}

/** What the bundles leave to the user's install: the testing entry's peer, and the Vertex adapter's optional one. */
export const external = ["vitest", "google-auth-library"];

const shared: Options = {
  entry: entries,
  target: "node20",
  platform: "node",
  sourcemap: true,
  // Without splitting every entry gets its own copy of the error classes, and instanceof across subpaths is false.
  splitting: true,
  treeshake: true,
  external,
  // zod and p-retry are inlined: imported from node_modules, zod's ESM module graph (zod/mini still loads all of
  // zod/v4/core) took 115-130 ms of an adapter's import, bundled and tree-shaken about 15 ms; p-retry with
  // is-network-error 10-18 ms for 3 KiB of code (bench/cold-start.ts). ky is imported by the first request (send.ts).
  noExternal: ["zod", "p-retry", "is-network-error"],
};

// The JavaScript only: the type declarations are bundled by tsup.types.config.ts from what tsc emits (`npm run build`
// runs both), because tsup compiling the types itself took 62 s of CPU where tsc, which CI runs anyway, takes none more.
export default defineConfig([
  { ...shared, format: "esm", clean: true },
  // ky and p-retry ship ESM only; inlining them keeps require("modelreg/...") free of require(esm) and its warnings.
  // The testing entry is ESM only, like vitest, which refuses to be loaded through require().
  { ...shared, entry: cjsEntries(), format: "cjs", noExternal: ["zod", "ky", "p-retry", "is-network-error"] },
]);
