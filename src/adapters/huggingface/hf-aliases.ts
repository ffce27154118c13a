/**
 * The aliases the Hugging Face adapter manages, in a module of their own that imports nothing: the descriptor lists
 * them for sync, which reads descriptors without loading adapters.
 *
 * @module
 */

/** `staging` and `production` are the branches that hold the stages of the same names. */
export const HF_MANAGED_ALIASES: readonly string[] = ["staging", "production"];
