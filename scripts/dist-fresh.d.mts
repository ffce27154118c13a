// Types for scripts/dist-fresh.mjs, which check-package.mjs and the exports test use.

/**
 * Whether dist/ (in the current directory) is complete and newer than every input of the build; with `types: false`,
 * its JavaScript only.
 */
export function distIsFresh(options?: { types?: boolean }): boolean;
