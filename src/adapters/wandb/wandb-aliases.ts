/**
 * The aliases the W&B adapter manages, in a module of their own: the adapter refuses them from users
 * (wandb-metadata.ts), and its descriptor lists them for sync, which reads descriptors without loading adapters.
 * Either importing the other would load code it does not need (the adapter: URI parsing; sync: the adapter).
 *
 * @module
 */

/** `latest` is W&B's own; `staging` and `production` are how the adapter stores stages. */
export const WANDB_MANAGED_ALIASES: readonly string[] = ["latest", "staging", "production"];
