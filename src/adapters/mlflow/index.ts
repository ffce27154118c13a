/**
 * `modelreg/mlflow`: the `ModelRegistry` spec over an MLflow tracking server's REST API (2.x and 3.x).
 *
 * @module
 */

export { MlflowRegistry, createMlflowRegistry, type MlflowCreateVersionInput } from "./mlflow-registry.js";
export type { MlflowMultipartSettings, MlflowRegistrySettings, MlflowS3Settings } from "./mlflow-settings.js";
export { mlflowCreateVersionOptionsSchema } from "./mlflow-options.js";
export type { MlflowCreateVersionOptions, MlflowPyfuncOptions } from "./mlflow-options.js";
