/**
 * The aliases the Hugging Face adapter manages, in a module of their own that imports nothing: the descriptor lists
 * them for sync, which reads descriptors without loading adapters.
 *
 * @module
 */

/** `staging` and `production` are the branches that hold the stages of the same names. */
export const HF_MANAGED_ALIASES: readonly string[] = ["staging", "production"];

/**
 * Branch names no alias may take: `main` holds the versions, `modelreg` the state, and `HEAD` and `refs` mean other
 * things to the Hub's resolver and to git. Sync leaves them alone on a Hub target, as it does the stage branches.
 */
export const HF_RESERVED_BRANCHES: readonly string[] = ["main", "modelreg", "HEAD", "refs"];
