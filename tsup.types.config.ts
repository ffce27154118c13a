// The type declarations of every package entry (the CLI is run, not imported), bundled per entry into dist/ as .d.ts
// for ESM and .d.cts for CJS, from the declarations tsc emitted into .cache/types, tsconfig.json's `outDir`
// (`npm run build:types` runs `tsc -p tsconfig.build.json` first; CI's typecheck emits them for the whole project in
// the pass that checks it).
//
// tsup's own `dts` compiled the sources again with TypeScript: 62 s of CPU on 2 cores against 5 s for bundling what
// tsc wrote, and tsc's declaration output costs nothing beside the type check CI runs anyway. The bundles are the same
// text; only the names of the shared chunks differ (`errors.d-<hash>.d.ts`). The ESM-only testing entry gets an unused
// .d.cts.
import { defineConfig } from "tsup";
import { packageEntries } from "./scripts/package-entries.mjs";
import { external } from "./tsup.config.js";

/** Where tsc writes the declarations: tsconfig.json's `outDir`, with the repository as `rootDir`. */
const TYPES_DIR = ".cache/types";

export default defineConfig({
  entry: Object.fromEntries(packageEntries().map((entry) => [entry.name, `${TYPES_DIR}/${entry.source.replace(/\.ts$/, ".d.ts")}`])),
  format: ["esm", "cjs"],
  dts: { only: true },
  external,
});
