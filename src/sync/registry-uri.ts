/**
 * Registries named by URI, for the CLI, pipelines and the serverless sync function: `file:./registry`,
 * `mlflow+http://host:5000`, `vertex://project/location?bucket=bucket[/prefix]`, `wandb://entity/project`.
 *
 * Which schemes there are, and how each reads, is not written here: every adapter's descriptor
 * (`src/adapters/<id>/<id>-descriptor.ts`, listed once in `src/adapters/adapters.ts`) says it. This module finds the
 * descriptor for a URI's scheme, lets it parse the URI, and opens the registry with its settings.
 *
 * Credentials never go in the URI (it ends up in logs and process lists): each adapter reads its own environment
 * variables. Each adapter is imported only when its URI is used, so a one-adapter function loads no other.
 *
 * @module
 */

import { ADAPTERS, adapterById, adapterForScheme, type KnownAdapter, type LocationOf, type UriSettingsOf } from "../adapters/adapters.js";
import type { AdapterFactory, AdapterOpenOptions, AnyAdapterDescriptor, RegistryUriContext } from "../core/adapter-descriptor.js";
import { invalidInput, type InvalidInputError } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import { preview } from "../core/validation.js";

/**
 * What {@link parseRegistryUri} found in a URI: which adapter (`kind`), and its settings. One member per adapter:
 * {@link LocalLocation}, {@link MlflowLocation}, {@link VertexLocation}, {@link WandbLocation}, and the location
 * type each newer adapter exports from its own entry.
 */
export type RegistryLocation = LocationOf<KnownAdapter>;

/** Settings every opened registry gets. */
export interface OpenRegistryOptions extends AdapterOpenOptions {
  /** Relative `file:` paths resolve against this. Default: the working directory. */
  cwd?: string;
}

/**
 * The adapter factories {@link registryFromUri} may use, by adapter id: one optional key per adapter
 * (`local: createLocalRegistry`, `mlflow: createMlflowRegistry`, ...), each taking the settings its URIs give. Pass
 * only the ones a program needs, and a bundler leaves the other adapters out.
 */
export type RegistryFactories = { [D in KnownAdapter as D["id"]]?: AdapterFactory<UriSettingsOf<D>> };

/** `expected file:./registry, mlflow+http://host:5000, ...`: every adapter's example, for errors. */
function expected(): string {
  return `expected ${ADAPTERS.map((adapter) => adapter.uriExample).join(", ")}`;
}

function bad(uri: string, why: string): InvalidInputError {
  // A user name and password pasted into a URI are credentials: the message never repeats them.
  const shown = uri.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/, "$1<credentials>@");
  return invalidInput("parseRegistryUri", "uri", `registry URI ${preview(shown)}: ${why}`);
}

/** The scheme of `uri`, lower case and without the colon; undefined when it has none. */
function schemeOf(uri: string): string | undefined {
  return /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
}

/**
 * A URI's descriptor and what it parsed the URI to. The two belong together: only this descriptor may turn this
 * location into settings, a link TypeScript cannot follow through a union of descriptors, so it is kept here.
 */
interface Located {
  adapter: AnyAdapterDescriptor;
  location: RegistryLocation;
}

function locate(uri: string, cwd: string): Located {
  if (typeof uri !== "string" || uri.trim() === "") throw bad(String(uri), expected());
  const scheme = schemeOf(uri);
  if (scheme === undefined) throw bad(uri, `not a URI; ${expected()}`);
  const adapter = adapterForScheme(scheme);
  if (adapter === undefined) throw bad(uri, `unknown scheme ${scheme}:; ${expected()}`);
  const context: RegistryUriContext = {
    uri,
    scheme,
    cwd,
    url() {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        throw bad(uri, `not a URI; ${expected()}`);
      }
      if (url.username || url.password) throw bad(uri, "credentials do not belong in the URI; use the adapter's environment variables");
      return url;
    },
    fail: (why) => bad(uri, why),
  };
  return { adapter, location: adapter.parseUri(context) };
}

/** Parses a registry URI without opening anything. Relative `file:` paths resolve against `cwd`. */
export function parseRegistryUri(uri: string, cwd: string = process.cwd()): RegistryLocation {
  return locate(uri, cwd).location;
}

/** The descriptor of the adapter a location belongs to (for the CLI's identity check). */
export function adapterOfLocation(location: RegistryLocation): AnyAdapterDescriptor {
  // Every location comes from a descriptor's parseUri, which sets kind to its own id.
  return adapterById(location.kind) as AnyAdapterDescriptor;
}

function open(at: Located, factory: AdapterFactory<never>, options: OpenRegistryOptions): ModelRegistry {
  const settings = at.adapter.settings(at.location, { ...(options.actor && { actor: options.actor }), ...(options.env && { env: options.env }) });
  // The settings come from the descriptor whose factory this is (by its id), so they fit it; each descriptor's own
  // type checks that, and a list of different descriptors cannot say it again.
  return (factory as AdapterFactory<unknown>)(settings);
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
  const at = locate(uri, options.cwd ?? process.cwd());
  const id = at.adapter.id;
  // RegistryFactories types each factory by its id; looked up by a runtime id, it is any adapter's factory.
  const factory = (factories as Record<string, AdapterFactory<never> | undefined>)[id];
  if (!factory) throw invalidInput("registryFromUri", "uri", `${preview(uri)} is a ${id} registry, and no ${id} adapter was given`);
  return open(at, factory, options);
}

/** Opens the registry a URI names, importing only that kind's adapter (for the CLI and scripts). */
export async function openRegistry(uri: string, options: OpenRegistryOptions = {}): Promise<ModelRegistry> {
  const at = locate(uri, options.cwd ?? process.cwd());
  return open(at, await at.adapter.load(), options);
}
