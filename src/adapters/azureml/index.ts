/**
 * `modelreg/azureml`: the `ModelRegistry` spec over Azure Machine Learning model assets, in a workspace or an Azure ML
 * registry, with files in Blob storage.
 *
 * @module
 */

export { AzureMlRegistry, createAzureMlRegistry, type AzureMlCreateVersionInput } from "./azureml-registry.js";
export { azureMlCreateVersionOptionsSchema, type AzureMlCreateVersionOptions } from "./azureml-options.js";
export type { AzureMlRegistrySettings } from "./azureml-settings.js";
export type { AzureAccessToken, AzureTokenCredential } from "./azureml-auth.js";
export type { AzureMlLocation } from "./azureml-descriptor.js";
export { AzureMlEndpoints, type AzureMlDeployInput, type AzureMlDeployOptions } from "./azureml-endpoints.js";
export type { AzureMlCanaryOptions, AzureMlCanaryResult, AzureMlCanaryStep } from "./azureml-canary.js";
