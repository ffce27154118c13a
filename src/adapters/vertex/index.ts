/**
 * `modelreg/vertex`: the `ModelRegistry` spec over Vertex AI Model Registry and Cloud Storage (REST, no gRPC), with
 * endpoints: deploy, traffic split, canary rollouts.
 *
 * @module
 */

export { DEFAULT_CONTAINER_IMAGE, VertexRegistry, createVertexRegistry } from "./vertex-registry.js";
export { VertexEndpoints, makeRoom, toEndpoint, type CanaryOptions, type CanaryResult, type CanaryStep } from "./vertex-endpoints.js";
export type { VertexRegistrySettings } from "./vertex-settings.js";
