/**
 * `modelreg/mlflow`: the `ModelRegistry` spec over an MLflow tracking server's REST API (2.x and 3.x).
 *
 * @module
 */

export { MlflowRegistry, createMlflowRegistry } from "./mlflow-registry.js";
export type { MlflowRegistrySettings } from "./mlflow-settings.js";
export type { MlflowPyfuncOptions } from "./mlflow-mlmodel.js";
