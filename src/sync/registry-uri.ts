/**
 * Registries named by URI, for the CLI, pipelines and the serverless sync function:
 *
 * - `file:./registry`, `file:///abs/path`: the local registry at that directory.
 * - `mlflow+http://host:5000`, `mlflow+https://host/prefix`: an MLflow tracking server (`?experiment=` optional).
 * - `vertex://project/location?bucket=my-bucket/prefix`: Vertex AI, artifacts under `gs://my-bucket/prefix`
 *   (`?apiEndpoint=` and `?storageEndpoint=` override the hosts).
 * - `wandb://entity/project`: W&B (`?baseUrl=` for W&B Server).
 *
 * Credentials never go in the URI (it ends up in logs and process lists): each adapter reads its own environment
 * variables (`MLFLOW_TRACKING_TOKEN`, `WANDB_API_KEY`; for Vertex `GOOGLE_OAUTH_ACCESS_TOKEN`, else Google's
 * application default credentials). Each adapter is imported only when its URI is
 * used, so a one-adapter function loads no other.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { invalidInput, type InvalidInputError } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import { preview } from "../core/validation.js";

/** What {@link parseRegistryUri} found in a URI: which adapter, and its settings. */
export type RegistryLocation = LocalLocation | MlflowLocation | VertexLocation | WandbLocation;

/** A `file:` URI. */
export interface LocalLocation {
  /** The local registry. */
  kind: "local";
  /** Its directory, absolute. */
  root: string;
}

/** An `mlflow+http(s)://` URI. */
export interface MlflowLocation {
  /** An MLflow tracking server. */
  kind: "mlflow";
  /** The server's URL, without the `mlflow+` prefix. */
  trackingUri: string;
  /** The experiment versions are logged in (`?experiment=`). */
  experimentName?: string;
}

/** A `vertex://project/location?bucket=` URI. */
export interface VertexLocation {
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
}

/** A `wandb://entity/project` URI. */
export interface WandbLocation {
  /** W&B. */
  kind: "wandb";
  /** The entity (user or team). */
  entity: string;
  /** The project. */
  project: string;
  /** A W&B Server host (`?baseUrl=`). */
  baseUrl?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function bad(uri: string, why: string): InvalidInputError {
  return invalidInput("parseRegistryUri", "uri", `registry URI ${preview(uri)}: ${why}`);
}

/** Parses a registry URI without opening anything. Relative `file:` paths resolve against `cwd`. */
export function parseRegistryUri(uri: string, cwd: string = process.cwd()): RegistryLocation {
  if (typeof uri !== "string" || uri.trim() === "") throw bad(String(uri), "expected file:, mlflow+http(s)://, vertex:// or wandb://");
  if (uri.startsWith("file:")) {
    // file:///abs and file:/abs are URLs; file:./rel and file:rel are paths relative to the working directory.
    const path = uri.startsWith("file://") ? fileURLToPath(uri) : decodeURIComponent(uri.slice("file:".length));
    if (path === "") throw bad(uri, "file: needs a directory, e.g. file:./registry");
    return { kind: "local", root: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw bad(uri, "not a URI; expected file:, mlflow+http(s)://, vertex:// or wandb://");
  }
  if (url.username || url.password) throw bad(uri, "credentials do not belong in the URI; use the adapter's environment variables");
  const query = Object.fromEntries(url.searchParams);
  switch (url.protocol) {
    case "mlflow+http:":
    case "mlflow+https:": {
      const base = new URL(url.href.slice("mlflow+".length));
      base.search = "";
      base.hash = "";
      return { kind: "mlflow", trackingUri: base.href.replace(/\/$/, ""), ...(query.experiment && { experimentName: query.experiment }) };
    }
    case "vertex:": {
      const [location, ...rest] = url.pathname.replace(/^\//, "").split("/");
      const project = url.hostname;
      if (!NAME.test(project) || !location || !NAME.test(location) || rest.some((s) => s !== "")) throw bad(uri, "expected vertex://<project>/<location>?bucket=<bucket>[/prefix]");
      const bucket = (query.bucket ?? "").replace(/^gs:\/\//, "").replace(/\/$/, "");
      if (!/^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](\/.*)?$/.test(bucket)) throw bad(uri, "vertex:// needs ?bucket=<bucket>[/prefix], the Cloud Storage bucket for artifacts");
      return {
        kind: "vertex",
        project,
        location,
        artifactRoot: `gs://${bucket}`,
        ...(query.apiEndpoint && { apiEndpoint: query.apiEndpoint }),
        ...(query.storageEndpoint && { storageEndpoint: query.storageEndpoint }),
      };
    }
    case "wandb:": {
      const entity = url.hostname;
      const project = url.pathname.replace(/^\//, "").replace(/\/$/, "");
      if (!NAME.test(entity) || !NAME.test(project)) throw bad(uri, "expected wandb://<entity>/<project>");
      return { kind: "wandb", entity, project, ...(query.baseUrl && { baseUrl: query.baseUrl }) };
    }
    default:
      throw bad(uri, `unknown scheme ${url.protocol}; expected file:, mlflow+http(s)://, vertex:// or wandb://`);
  }
}

/** Settings every opened registry gets. */
export interface OpenRegistryOptions {
  /** Relative `file:` paths resolve against this. Default: the working directory. */
  cwd?: string;
  /** Who acts, for events and audit trails. */
  actor?: string;
  /** Where credentials are read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * The adapter factories {@link registryFromUri} may use, by kind. Pass only the ones a program needs, and a bundler
 * leaves the other adapters out.
 */
export interface RegistryFactories {
  /** `createLocalRegistry` from `modelreg/local`. */
  local?: (settings: { root: string; actor?: string }) => ModelRegistry;
  /** `createMlflowRegistry` from `modelreg/mlflow`. */
  mlflow?: (settings: { trackingUri: string; experimentName?: string; actor?: string; env?: Record<string, string | undefined> }) => ModelRegistry;
  /** `createVertexRegistry` from `modelreg/vertex`. */
  vertex?: (settings: { project: string; location: string; artifactRoot: string; apiEndpoint?: string; storageEndpoint?: string; accessToken?: string; actor?: string }) => ModelRegistry;
  /** `createWandbRegistry` from `modelreg/wandb`. */
  wandb?: (settings: { entity: string; project: string; baseUrl?: string; actor?: string; env?: Record<string, string | undefined> }) => ModelRegistry;
}

/**
 * Opens the registry a URI names with the factories given. A URI of a kind without a factory is refused with
 * `InvalidInputError`.
 *
 * @example
 * ```ts
 * import { createLocalRegistry } from "modelreg/local";
 * import { createMlflowRegistry } from "modelreg/mlflow";
 * const source = registryFromUri(process.env.SOURCE_URI!, { local: createLocalRegistry, mlflow: createMlflowRegistry });
 * ```
 */
export function registryFromUri(uri: string, factories: RegistryFactories, options: OpenRegistryOptions = {}): ModelRegistry {
  const at = parseRegistryUri(uri, options.cwd);
  const common = { ...(options.actor && { actor: options.actor }) };
  const env = options.env;
  const missing = () => invalidInput("registryFromUri", "uri", `${preview(uri)} is a ${at.kind} registry, and no ${at.kind} adapter was given`);
  switch (at.kind) {
    case "local":
      if (!factories.local) throw missing();
      return factories.local({ root: at.root, ...common });
    case "mlflow":
      if (!factories.mlflow) throw missing();
      return factories.mlflow({ trackingUri: at.trackingUri, ...(at.experimentName && { experimentName: at.experimentName }), ...(env && { env }), ...common });
    case "vertex": {
      if (!factories.vertex) throw missing();
      const { kind: _kind, ...settings } = at;
      const token = (env ?? process.env).GOOGLE_OAUTH_ACCESS_TOKEN;
      return factories.vertex({ ...settings, ...(token && { accessToken: token }), ...common });
    }
    case "wandb":
      if (!factories.wandb) throw missing();
      return factories.wandb({ entity: at.entity, project: at.project, ...(at.baseUrl && { baseUrl: at.baseUrl }), ...(env && { env }), ...common });
  }
}

/** Opens the registry a URI names, importing only that kind's adapter (for the CLI and scripts). */
export async function openRegistry(uri: string, options: OpenRegistryOptions = {}): Promise<ModelRegistry> {
  const kind = parseRegistryUri(uri, options.cwd).kind;
  const factories: RegistryFactories = {};
  if (kind === "local") factories.local = (await import("../adapters/local/index.js")).createLocalRegistry;
  if (kind === "mlflow") factories.mlflow = (await import("../adapters/mlflow/index.js")).createMlflowRegistry;
  if (kind === "vertex") factories.vertex = (await import("../adapters/vertex/index.js")).createVertexRegistry;
  if (kind === "wandb") factories.wandb = (await import("../adapters/wandb/index.js")).createWandbRegistry;
  return registryFromUri(uri, factories, options);
}
