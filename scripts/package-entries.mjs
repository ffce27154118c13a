// The package's entries, for the files that cannot import TypeScript or should not load the source to configure a
// build: tsup.config.ts, tsup.types.config.ts, typedoc.config.mjs, vitest.config.ts, scripts/generate-exports.mjs and
// the package tests.
//
// The adapters among them come from the folder names: every src/adapters/<id>/ that holds <id>-descriptor.ts is an
// adapter, published as modelreg/<id> from src/adapters/<id>/index.ts. Reading folders needs no generated file that
// could go stale and no TypeScript loader; the one list in src/adapters/adapters.ts stays the source of truth for
// everything at run time, and test/core/adapter-list.test.ts fails when the two disagree.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Entry names that are not adapters; an adapter folder with one of these names would collide with them in dist/. */
const FIXED = ["index", "sync", "testing", "adapter", "cli"];

/** The adapter ids, from the folders under src/adapters that hold a descriptor, sorted. */
export function adapterIds(root = ROOT) {
  const dir = join(root, "src", "adapters");
  const ids = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, `${entry.name}-descriptor.ts`)))
    .map((entry) => entry.name)
    .sort();
  for (const id of ids) {
    if (FIXED.includes(id) || !/^[a-z][a-z0-9-]*$/.test(id))
      throw new Error(`src/adapters/${id}: an adapter id is lower case, and not one of ${FIXED.join(", ")}`);
  }
  return ids;
}

/** Every published entry, in the order of package.json `exports`. */
export function packageEntries(root = ROOT) {
  return [
    { name: "index", subpath: ".", source: "src/index.ts", cjs: true },
    ...adapterIds(root).map((id) => ({ name: id, subpath: `./${id}`, source: `src/adapters/${id}/index.ts`, cjs: true })),
    { name: "sync", subpath: "./sync", source: "src/sync/index.ts", cjs: true },
    // ESM only, like vitest, which refuses to be loaded through require().
    { name: "testing", subpath: "./testing", source: "src/testing/index.ts", cjs: false },
    { name: "adapter", subpath: "./adapter", source: "src/adapter/index.ts", cjs: true },
  ];
}

/** package.json `exports` for these entries: ESM and (where built) CJS, each with its own types. */
export function exportsMap(root = ROOT) {
  const map = {};
  for (const entry of packageEntries(root)) {
    map[entry.subpath] = {
      import: { types: `./dist/${entry.name}.d.ts`, default: `./dist/${entry.name}.js` },
      ...(entry.cjs && { require: { types: `./dist/${entry.name}.d.cts`, default: `./dist/${entry.name}.cjs` } }),
    };
  }
  map["./package.json"] = "./package.json";
  return map;
}
