/**
 * The one list of adapters. Adding an adapter is its folder under `src/adapters/<id>/` (with `<id>-descriptor.ts`)
 * and one line here; registry URIs, the CLI's usage text and sync's managed aliases follow from this list, and the
 * build, the API docs, tsconfig paths, the test aliases and package.json `exports` follow from the folder names
 * (scripts/package-entries.mjs; a unit test keeps the two the same). See docs/adding-an-adapter.md.
 *
 * Importing this imports every descriptor and no adapter: each adapter loads through its descriptor's `load()`.
 *
 * @module
 */

import type { AnyAdapterDescriptor } from "../core/adapter-descriptor.js";
import { azureMlAdapter } from "./azureml/azureml-descriptor.js";
import { huggingFaceAdapter } from "./huggingface/huggingface-descriptor.js";
import { localAdapter } from "./local/local-descriptor.js";
import { mlflowAdapter } from "./mlflow/mlflow-descriptor.js";
import { sagemakerAdapter } from "./sagemaker/sagemaker-descriptor.js";
import { vertexAdapter } from "./vertex/vertex-descriptor.js";
import { wandbAdapter } from "./wandb/wandb-descriptor.js";

/** Every adapter modelreg ships, in the order the usage text and errors name them. */
export const ADAPTERS = [
  localAdapter,
  mlflowAdapter,
  vertexAdapter,
  wandbAdapter,
  sagemakerAdapter,
  huggingFaceAdapter,
  azureMlAdapter,
] as const satisfies readonly AnyAdapterDescriptor[];

/** One of the adapters in {@link ADAPTERS}. */
export type KnownAdapter = (typeof ADAPTERS)[number];

/** The id of an adapter in {@link ADAPTERS}: `local`, `mlflow`, ... */
export type AdapterId = KnownAdapter["id"];

/** What a descriptor's URIs parse to. */
export type LocationOf<D extends AnyAdapterDescriptor> = ReturnType<D["parseUri"]>;

/** The settings a descriptor's factory gets from a URI. */
export type UriSettingsOf<D extends AnyAdapterDescriptor> = ReturnType<D["settings"]>;

/** The adapter with this id, if modelreg has one. */
export function adapterById(id: string): KnownAdapter | undefined {
  return ADAPTERS.find((adapter) => adapter.id === id);
}

/** The adapter that answers to this URI scheme (lower case, without the colon), if any. */
export function adapterForScheme(scheme: string): KnownAdapter | undefined {
  return ADAPTERS.find((adapter) => adapter.schemes.includes(scheme));
}
