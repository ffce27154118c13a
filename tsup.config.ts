import { defineConfig, type Options } from "tsup";

/**
 * One entry per subpath export. Adding an adapter means adding it here, to package.json `exports`, to typedoc.json,
 * and to the subpath list in test/package/exports.test.ts.
 */
export const entries = {
  index: "src/index.ts",
  local: "src/adapters/local/index.ts",
  mlflow: "src/adapters/mlflow/index.ts",
  vertex: "src/adapters/vertex/index.ts",
  wandb: "src/adapters/wandb/index.ts",
  sync: "src/sync/index.ts",
  testing: "src/testing/index.ts",
  cli: "src/cli/bin.ts",
};

function cjsEntries(): Record<string, string> {
  // The CLI is an executable, not an import: ESM only, like the testing entry.
  const { testing: _esmOnly, cli: _bin, ...rest } = entries;
  return rest;
}

const shared: Options = {
  entry: entries,
  target: "node20",
  platform: "node",
  sourcemap: true,
  dts: true,
  // Without splitting every entry gets its own copy of the error classes, and instanceof across subpaths is false.
  splitting: true,
  treeshake: true,
  external: ["vitest", "google-auth-library"],
};

export default defineConfig([
  { ...shared, format: "esm", clean: true },
  // ky and p-retry ship ESM only; inlining them keeps require("modelreg/...") free of require(esm) and its warnings.
  // The testing entry is ESM only, like vitest, which refuses to be loaded through require().
  { ...shared, entry: cjsEntries(), format: "cjs", noExternal: ["ky", "p-retry", "is-network-error"] },
]);
