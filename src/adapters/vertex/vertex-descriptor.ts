/**
 * The Vertex AI adapter as the rest of modelreg sees it before loading it: `vertex://` URIs, and how to open one.
 *
 * @module
 */

import { comparableUrl, type AdapterDescriptor, type AdapterLocation } from "../../core/adapter-descriptor.js";
import { VERTEX_MANAGED_ALIASES } from "./vertex-aliases.js";

/** A `vertex://project/location?bucket=` URI. */
export interface VertexLocation extends AdapterLocation<"vertex"> {
  /** Vertex AI Model Registry. */
  kind: "vertex";
  /** The Google Cloud project. */
  project: string;
  /** The region. */
  location: string;
  /** Where artifacts go, `gs://bucket[/prefix]`. */
  artifactRoot: string;
  /** Another Vertex API host (`?apiEndpoint=`). */
  apiEndpoint?: string;
  /** Another Cloud Storage host (`?storageEndpoint=`). */
  storageEndpoint?: string;
  /** The serving image new versions get (`?containerImageUri=`); without it `createVersion` needs one per call. */
  containerImageUri?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Vertex AI Model Registry: `vertex://project/location?bucket=bucket[/prefix]`, artifacts under
 * `gs://bucket/prefix` (`?apiEndpoint=` and `?storageEndpoint=` override the hosts, `?containerImageUri=` names the
 * serving image of new versions, which Vertex requires).
 */
export const vertexAdapter: AdapterDescriptor<
  "vertex",
  VertexLocation,
  // What the factory gets from a URI, written out rather than named: the public RegistryFactories shows it.
  {
    project: string;
    location: string;
    artifactRoot: string;
    apiEndpoint?: string;
    storageEndpoint?: string;
    containerImageUri?: string;
    accessToken?: string;
    actor?: string;
    env?: Record<string, string | undefined>;
  }
> = {
  id: "vertex",
  subpath: "modelreg/vertex",
  schemes: ["vertex"],
  uriExample: "vertex://project/location?bucket=BUCKET[/prefix]",
  description: "Vertex AI, artifacts in that bucket (?containerImageUri= the serving image; ?apiEndpoint=, ?storageEndpoint= hosts)",
  credentials: ["GOOGLE_OAUTH_ACCESS_TOKEN or Google's application default credentials"],
  managedAliases: VERTEX_MANAGED_ALIASES,
  parseUri({ url, fail }) {
    const parsed = url();
    // A parameter given twice: the last one wins.
    const query: Record<string, string | undefined> = Object.fromEntries(parsed.searchParams);
    const [location, ...rest] = parsed.pathname.replace(/^\//, "").split("/");
    const project = parsed.hostname;
    if (!NAME.test(project) || !location || !NAME.test(location) || rest.some((s) => s !== ""))
      throw fail("expected vertex://<project>/<location>?bucket=<bucket>[/prefix]");
    const bucket = (query.bucket ?? "").replace(/^gs:\/\//, "").replace(/\/$/, "");
    if (!/^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](\/.*)?$/.test(bucket))
      throw fail(`vertex:// needs ?bucket=<bucket>[/prefix], the Cloud Storage bucket for artifacts`);
    const apiEndpoint = query.apiEndpoint;
    const storageEndpoint = query.storageEndpoint;
    const containerImageUri = query.containerImageUri;
    return {
      kind: "vertex",
      project,
      location,
      artifactRoot: `gs://${bucket}`,
      ...(apiEndpoint && { apiEndpoint }),
      ...(storageEndpoint && { storageEndpoint }),
      ...(containerImageUri && { containerImageUri }),
    };
  },
  settings(location, options) {
    const { kind: _kind, ...settings } = location;
    // The adapter reads no token from its environment (without one it asks Google's application default
    // credentials), so a URI's registry takes GOOGLE_OAUTH_ACCESS_TOKEN here.
    const token = (options.env ?? process.env).GOOGLE_OAUTH_ACCESS_TOKEN;
    return { ...settings, ...(token && { accessToken: token }), ...(options.env && { env: options.env }), ...(options.actor && { actor: options.actor }) };
  },
  // The bucket is only where artifacts go: one registry is a project, a region and an API host.
  identity(location) {
    const api = comparableUrl(location.apiEndpoint ?? `https://${location.location}-aiplatform.googleapis.com/`);
    return `vertex ${api} ${location.project.toLowerCase()} ${location.location.toLowerCase()}`;
  },
  load: async () => (await import("./index.js")).createVertexRegistry,
};
