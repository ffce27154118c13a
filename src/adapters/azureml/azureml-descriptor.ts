/**
 * The Azure ML adapter as the rest of modelreg sees it before loading it: `azureml://` URIs, and how to open one.
 *
 * @module
 */

import { comparableUrl, type AdapterDescriptor, type AdapterLocation } from "../../core/adapter-descriptor.js";

/** An `azureml://subscription/resource-group/workspace` or `azureml://subscription/resource-group/registries/registry` URI. */
export interface AzureMlLocation extends AdapterLocation<"azureml"> {
  /** Azure Machine Learning. */
  kind: "azureml";
  /** The subscription id. */
  subscriptionId: string;
  /** The resource group. */
  resourceGroup: string;
  /** The workspace (one of `workspace` and `registry`). */
  workspace?: string;
  /** The Azure ML registry. */
  registry?: string;
  /** Another Resource Manager host (`?endpoint=`). */
  endpoint?: string;
  /** The workspace datastore files go to (`?datastore=`). */
  datastore?: string;
}

const SEGMENT = /^[-\w.()]{1,90}$/;

/**
 * Azure Machine Learning: `azureml://<subscription>/<resource-group>/<workspace>` for a workspace's models,
 * `azureml://<subscription>/<resource-group>/registries/<registry>` for an Azure ML registry's (`?endpoint=` another
 * Resource Manager host, `?datastore=` the workspace datastore files go to).
 */
export const azureMlAdapter: AdapterDescriptor<
  "azureml",
  AzureMlLocation,
  // What the factory gets from a URI, written out rather than named: the public RegistryFactories shows it.
  {
    subscriptionId: string;
    resourceGroup: string;
    workspace?: string;
    registry?: string;
    endpoint?: string;
    datastore?: string;
    token?: string;
    actor?: string;
    env?: Record<string, string | undefined>;
  }
> = {
  id: "azureml",
  subpath: "modelreg/azureml",
  schemes: ["azureml"],
  uriExample: "azureml://subscription/resource-group/workspace",
  description: "Azure ML workspace models, or an Azure ML registry's with azureml://subscription/resource-group/registries/registry (?endpoint=, ?datastore=)",
  credentials: ["AZURE_ACCESS_TOKEN, else DefaultAzureCredential from @azure/identity: AZURE_CLIENT_ID and the like, workload or managed identity, az login"],
  managedAliases: [],
  parseUri({ url, fail }) {
    const parsed = url();
    const segments = [parsed.hostname, ...parsed.pathname.split("/").filter((s) => s !== "")].map((s) => decodeURIComponent(s));
    const usage = "expected azureml://<subscription>/<resource-group>/<workspace> or azureml://<subscription>/<resource-group>/registries/<registry>";
    if (!segments.every((s) => SEGMENT.test(s))) throw fail(usage);
    const [subscriptionId, resourceGroup, ...rest] = segments;
    if (!subscriptionId || !resourceGroup) throw fail(usage);
    let place: { workspace: string } | { registry: string };
    // `registries` alone is a registry URI missing its name, not a workspace of that name.
    if (rest.length === 1 && rest[0] && rest[0] !== "registries") place = { workspace: rest[0] };
    else if (rest.length === 2 && rest[0] === "registries" && rest[1]) place = { registry: rest[1] };
    else throw fail(usage);
    const endpoint = parsed.searchParams.get("endpoint") ?? undefined;
    const datastore = parsed.searchParams.get("datastore") ?? undefined;
    if (datastore !== undefined && "registry" in place) throw fail("?datastore= is for workspaces: a registry's files go where Azure ML hands out");
    return { kind: "azureml", subscriptionId, resourceGroup, ...place, ...(endpoint && { endpoint }), ...(datastore && { datastore }) };
  },
  settings(location, options) {
    const { kind: _kind, ...settings } = location;
    // A token a job already has (`az account get-access-token --query accessToken -o tsv`); without one the adapter
    // asks DefaultAzureCredential.
    const token = (options.env ?? process.env).AZURE_ACCESS_TOKEN?.trim();
    return { ...settings, ...(token && { token }), ...(options.env && { env: options.env }), ...(options.actor && { actor: options.actor }) };
  },
  // Azure's resource ids are case-insensitive: one registry is a host, a subscription, a group and a workspace or registry.
  identity(location) {
    const where = location.workspace !== undefined ? `workspace ${location.workspace}` : `registry ${location.registry}`;
    return `azureml ${comparableUrl(location.endpoint ?? "https://management.azure.com")} ${location.subscriptionId} ${location.resourceGroup} ${where}`.toLowerCase();
  },
  load: async () => (await import("./index.js")).createAzureMlRegistry,
};
