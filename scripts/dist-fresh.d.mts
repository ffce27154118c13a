// Types for scripts/dist-fresh.mjs, which the package test imports.

/** Whether dist/ (under `root`, default the working directory) is complete and newer than every build input. */
export function distIsFresh(root?: string): boolean;
