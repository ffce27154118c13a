// Bundles the two entries with tsup (esbuild), minified, everything inlined: `node examples/serverless-sync/build.mjs`.
// Prints each bundle's size and gzipped size; the output goes to examples/serverless-sync/dist (zip it for Lambda).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "tsup";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2] ?? join(here, "dist");

export async function bundle(out = outDir) {
  await build({
    entry: { lambda: join(here, "lambda.ts"), "cloud-run": join(here, "cloud-run.ts") },
    outDir: out,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    splitting: false,
    treeshake: true,
    dts: false,
    sourcemap: false,
    clean: true,
    silent: true,
    // Inline every dependency: the function ships as one file per entry.
    noExternal: [/.*/],
    // ky and p-retry are ESM that expects `require` for nothing; Node built-ins stay imports.
    outExtension: () => ({ js: ".mjs" }),
    tsconfig: join(here, "..", "..", "tsconfig.json"),
  });
  const sizes = {};
  for (const name of ["lambda", "cloud-run"]) {
    const bytes = readFileSync(join(out, `${name}.mjs`));
    sizes[name] = { bytes: bytes.byteLength, gzip: gzipSync(bytes).byteLength };
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = await bundle();
  for (const [name, s] of Object.entries(sizes)) console.log(`${name}.mjs: ${(s.bytes / 1024).toFixed(1)} KiB, ${(s.gzip / 1024).toFixed(1)} KiB gzip`);
}
