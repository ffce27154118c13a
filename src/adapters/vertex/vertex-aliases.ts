/**
 * The aliases the Vertex adapter manages, in a module of their own: the adapter refuses them from users
 * (vertex-names.ts), and its descriptor lists them for sync, which reads descriptors without loading adapters.
 * Either importing the other would load code it does not need (the adapter: URI parsing; sync: the adapter).
 *
 * @module
 */

/** `default` is Vertex's own; `staging` and `production` are how the adapter stores stages. */
export const VERTEX_MANAGED_ALIASES: readonly string[] = ["default", "staging", "production"];
