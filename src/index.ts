/**
 * modelreg: one typed `ModelRegistry` interface over MLflow, Vertex AI, W&B and a local file registry.
 *
 * This entry holds the provider-agnostic core only (types, errors, references, capabilities, pagination, events,
 * signatures) and loads no adapter and no Node file-system code. Adapters are separate entries: `modelreg/local`,
 * `modelreg/mlflow`, `modelreg/vertex`, `modelreg/wandb`.
 *
 * @packageDocumentation
 */

export * from "./core/errors.js";
export * from "./core/types.js";
export * from "./core/artifact-source.js";
export * from "./core/signature.js";
export * from "./core/refs.js";
export * from "./core/validation.js";
export * from "./core/options.js";
export * from "./core/capabilities.js";
export * from "./core/pagination.js";
export * from "./core/events.js";
export * from "./core/endpoints.js";
export * from "./core/model-registry.js";
export * from "./lifecycle/index.js";
