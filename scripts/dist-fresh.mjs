// Whether dist/ was built after the last change to anything the build reads. CI builds it once, then packs it twice
// side by side (the package checks and npm test's exports test): a second build there cost 85 s of CPU, and one
// running while the other packs would pack a half-written dist/. A fresh clone, or a source edited since, builds.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time below `path` (a file or a directory), 0 when it does not exist. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** The oldest modification time of a file below `dir`, 0 when there is none. */
function oldest(dir) {
  const times = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs);
  return times.length > 0 ? Math.min(...times) : 0;
}

/**
 * @param {{ types?: boolean, root?: string }} [options] - `types: false` asks about the JavaScript only: CI bundles
 *   the type declarations later, beside npm test, whose exports test loads the JavaScript alone. `root`: the
 *   repository, by default the current directory.
 * @returns {boolean} whether dist/ is complete and newer than every input of the build.
 */
export function distIsFresh({ types = true, root = "." } = {}) {
  const dist = join(root, "dist");
  // The type declarations come last: a build that failed half way has none.
  const files = types ? ["index.js", "index.cjs", "index.d.ts", "index.d.cts"] : ["index.js", "index.cjs"];
  if (!files.every((file) => existsSync(join(dist, file)))) return false;
  const inputs = Math.max(
    ...["src", "package.json", "package-lock.json", "tsup.config.ts", "tsup.types.config.ts", "tsconfig.json", "tsconfig.build.json"].map((input) =>
      newest(join(root, input)),
    ),
  );
  return oldest(dist) > inputs;
}
