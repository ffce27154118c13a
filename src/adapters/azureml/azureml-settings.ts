/**
 * What `createAzureMlRegistry` takes.
 *
 * @module
 */

import type { ClientSettings } from "../../core/options.js";
import type { AzureTokenCredential } from "./azureml-auth.js";

/** Settings of an Azure Machine Learning registry client: a workspace's models, or an Azure ML registry's. */
export interface AzureMlRegistrySettings extends ClientSettings {
  /** The Azure subscription id. */
  subscriptionId: string;
  /** The resource group of the workspace or registry. */
  resourceGroup: string;
  /** The workspace whose models are the registry's models. Exactly one of `workspace` and `registry`. */
  workspace?: string;
  /** The Azure ML registry (shared across workspaces) whose models are the registry's models. */
  registry?: string;
  /** The Azure Resource Manager host. Default `https://management.azure.com` (sovereign clouds have their own). */
  endpoint?: string;
  /**
   * A bearer token for Resource Manager (scope `https://management.azure.com/.default`), or a function giving one
   * (called before each request, so it can refresh). With neither `token` nor `credential`, modelreg uses
   * `DefaultAzureCredential` from `@azure/identity`, an optional peer loaded on first use.
   */
  token?: string | (() => string | Promise<string>);
  /** An `@azure/identity` credential (`DefaultAzureCredential`, `ManagedIdentityCredential`, ...); its tokens are cached until near expiry. */
  credential?: AzureTokenCredential;
  /** The workspace datastore files go to. Default `workspaceblobstore`, the one every workspace has. */
  datastore?: string;
  /** The Azure region of new online endpoints (`registry.endpoints`). Default: the workspace's region, read once. */
  location?: string;
  /** How often long-running operations are polled at first, in ms (then backing off to 30 s). Default 1000. */
  pollIntervalMs?: number;
  /** How long to wait for a long-running operation, in ms. Default one hour. */
  operationDeadlineMs?: number;
  /** Files larger than this go up as blocks (Put Block, Put Block List). Default 8 MiB. */
  blockBytes?: number;
  /** Who is acting, for events. Default: the OS user. */
  actor?: string;
  /** Called when an event subscriber throws. */
  onEventError?: (error: unknown) => void;
  /** Where `AZURE_*` variables are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
