/**
 * `modelreg/wandb`: the `ModelRegistry` spec over W&B artifacts (GraphQL and signed-URL storage), with links into
 * the W&B Registry.
 *
 * @module
 */

export { WandbRegistry, createWandbRegistry } from "./wandb-registry.js";
export type { LinkResult, LinkTarget, LinkedCollection } from "./wandb-links.js";
export type { WandbRegistrySettings } from "./wandb-settings.js";
export { artifactDigest } from "./wandb-digest.js";
