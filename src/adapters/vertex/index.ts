/**
 * `modelreg/vertex`: the `ModelRegistry` spec over Vertex AI Model Registry and Cloud Storage (REST, no gRPC), with
 * endpoints: deploy, traffic split, canary rollouts.
 *
 * @module
 */

export { VertexRegistry, createVertexRegistry, type VertexCreateVersionInput } from "./vertex-registry.js";
export { VertexEndpoints } from "./vertex-endpoints.js";
export type { CanaryOptions, CanaryResult, CanaryStep } from "./vertex-canary.js";
export { DEFAULT_CONTAINER_IMAGE, vertexCreateVersionOptionsSchema, type VertexContainerOptions, type VertexCreateVersionOptions } from "./vertex-options.js";
export type { VertexRegistrySettings } from "./vertex-settings.js";
