// Types for scripts/package-entries.mjs, which the TypeScript configs and tests import.

/** One published entry. */
export interface PackageEntry {
  /** Its file name in dist/ and its tsup entry name: `index`, `mlflow`, `sync`. */
  name: string;
  /** Its key in package.json `exports`: `.`, `./mlflow`. */
  subpath: string;
  /** Its source file, relative to the package root. */
  source: string;
  /** Whether it has a CJS build. */
  cjs: boolean;
}

/** A conditional export: `import` and, for entries with a CJS build, `require`. */
export interface ConditionalExport {
  import: { types: string; default: string };
  require?: { types: string; default: string };
}

/** The adapter ids, from the folders under src/adapters that hold a descriptor, sorted. */
export function adapterIds(root?: string): string[];
/** Every published entry, in the order of package.json `exports`. */
export function packageEntries(root?: string): PackageEntry[];
/** package.json `exports` for these entries. */
export function exportsMap(root?: string): Record<string, ConditionalExport | string>;
