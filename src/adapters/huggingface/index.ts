/**
 * `modelreg/huggingface`: the `ModelRegistry` spec over Hugging Face Hub model repositories. Versions are commits on
 * `main` tagged `v<n>`, with a rendered model card and a machine-readable record; aliases and stages are branches;
 * files go through the Hub's LFS protocol and come back verified, into any folder or into the Hugging Face cache.
 *
 * @module
 */

export {
  HuggingFaceRegistry,
  createHuggingFaceRegistry,
  type HuggingFaceCreateVersionInput,
  type HubCacheDownload,
  type HubCacheDownloadOptions,
} from "./hf-registry.js";
export { huggingFaceCreateVersionOptionsSchema, type HuggingFaceCreateVersionOptions } from "./hf-options.js";
export type { HuggingFaceRegistrySettings } from "./hf-settings.js";
export type { HuggingFaceLocation } from "./huggingface-descriptor.js";
