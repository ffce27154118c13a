// Types for scripts/dist-fresh.mjs, which check-package.mjs, the exports test and the cold-start benchmark use.

/**
 * Whether dist/ under `root` (by default the current directory) is complete and newer than every input of the build;
 * with `types: false`, its JavaScript only.
 */
export function distIsFresh(options?: { types?: boolean; root?: string }): boolean;
