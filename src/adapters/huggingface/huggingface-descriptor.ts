/**
 * The Hugging Face adapter as the rest of modelreg sees it before loading it: `hf://` URIs, and how to open one.
 *
 * @module
 */

import { comparableUrl, type AdapterDescriptor, type AdapterLocation } from "../../core/adapter-descriptor.js";
import { HF_MANAGED_ALIASES, HF_RESERVED_BRANCHES } from "./hf-aliases.js";
import { isHubNamespace } from "./hf-namespace.js";

/** An `hf://namespace` URI. */
export interface HuggingFaceLocation extends AdapterLocation<"huggingface"> {
  /** Hugging Face Hub. */
  kind: "huggingface";
  /** The user or organization whose model repositories are the models. */
  namespace: string;
  /** Another Hub (`?endpoint=`): a Hub mirror or a private Hub. Default `HF_ENDPOINT`, then huggingface.co. */
  endpoint?: string;
}

/**
 * Hugging Face Hub: `hf://<namespace>`, the models being the namespace's model repositories. The scheme is the one
 * `huggingface_hub`'s file system uses (`hf://<repo_id>`); here it names the namespace, since a registry holds many
 * models. `huggingface://` is taken too.
 */
export const huggingFaceAdapter: AdapterDescriptor<
  "huggingface",
  HuggingFaceLocation,
  // What the factory gets from a URI, written out rather than named: the public RegistryFactories shows it.
  { namespace: string; endpoint?: string; actor?: string; env?: Record<string, string | undefined> }
> = {
  id: "huggingface",
  subpath: "modelreg/huggingface",
  schemes: ["hf", "huggingface"],
  uriExample: "hf://namespace",
  description: "Hugging Face Hub model repositories of a user or organization (?endpoint= another Hub)",
  credentials: ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
  managedAliases: [...HF_MANAGED_ALIASES, ...HF_RESERVED_BRANCHES],
  parseUri({ uri, url, fail }) {
    const parsed = url(); // refuses user names and passwords in the URI
    // The namespace as written: URL lowercases hosts, and Hub names are case-sensitive (`Qwen`, `meta-llama`).
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)/i.exec(uri);
    const namespace = decodeURIComponent(m?.[1] ?? "");
    if (!isHubNamespace(namespace)) throw fail("expected hf://<namespace>, the Hub user or organization the models belong to");
    if ((m?.[2] ?? "").replace(/\/+$/, "") !== "") throw fail("hf:// names a namespace, not a repository: hf://<namespace>");
    const endpoint = parsed.searchParams.get("endpoint") ?? undefined;
    return { kind: "huggingface", namespace, ...(endpoint && { endpoint }) };
  },
  settings(location, options) {
    const { kind: _kind, ...settings } = location;
    return { ...settings, ...(options.env && { env: options.env }), ...(options.actor && { actor: options.actor }) };
  },
  // One registry is a namespace on one Hub: the endpoint defaults as the adapter's does (HF_ENDPOINT, then
  // huggingface.co), and the Hub's names are compared without case, as its URLs are (a URI that differs only in case
  // is refused as the same registry rather than copied into itself).
  identity(location, env) {
    const endpoint = comparableUrl(location.endpoint ?? (env.HF_ENDPOINT?.trim() || "https://huggingface.co"));
    return `huggingface ${endpoint} ${location.namespace.toLowerCase()}`;
  },
  load: async () => (await import("./index.js")).createHuggingFaceRegistry,
};
