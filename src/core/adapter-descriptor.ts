/**
 * What modelreg knows about an adapter without loading it. Each adapter folder exports one
 * {@link AdapterDescriptor} from `<id>-descriptor.ts`, and the one list of them (`src/adapters/adapters.ts`) drives
 * everything that used to name each adapter by hand: registry URIs (`registryFromUri`, `openRegistry`), the CLI's
 * usage text, sync's knowledge of managed aliases, and, through the folder names, the build, the API docs and
 * package.json `exports`.
 *
 * A descriptor is small on purpose: importing the list must not import any adapter (a serverless function that
 * syncs MLflow to a local registry loads neither Vertex nor W&B). Everything heavy sits behind
 * {@link AdapterDescriptor.load}.
 *
 * @module
 */

import type { InvalidInputError } from "./errors.js";
import type { ModelRegistry } from "./model-registry.js";

/** What a registry URI parses to: the adapter's id as `kind`, plus what the URI says. */
export interface AdapterLocation<Id extends string = string> {
  /** The adapter's id (`local`, `mlflow`, ...). */
  readonly kind: Id;
}

/** An adapter's factory (`createMlflowRegistry`, ...), as far as a URI's settings go. */
export type AdapterFactory<S> = (settings: S) => ModelRegistry;

/** Where the environment is read from: variables by name. */
export type AdapterEnv = Record<string, string | undefined>;

/** What every registry opened from a URI gets besides the URI's own settings. */
export interface AdapterOpenOptions {
  /** Who acts, for events and audit trails. */
  actor?: string;
  /** Where credentials are read from. Default `process.env`. */
  env?: AdapterEnv;
}

/** What a descriptor's {@link AdapterDescriptor.parseUri} is given. */
export interface RegistryUriContext {
  /** The URI as given. */
  readonly uri: string;
  /** Its scheme, lower case and without the colon (`mlflow+https`). One of the descriptor's `schemes`. */
  readonly scheme: string;
  /** The directory relative paths resolve against. */
  readonly cwd: string;
  /**
   * The URI parsed as a WHATWG URL. Throws `InvalidInputError` when it is not one, or when it carries a user name
   * or password: credentials end up in logs and process lists, so they never belong in a URI.
   */
  url(): URL;
  /** An `InvalidInputError` about this URI that says `why` (for `throw context.fail(...)`). */
  fail(why: string): InvalidInputError;
}

/**
 * One adapter, described for the rest of modelreg.
 *
 * @typeParam Id - The adapter's id: its folder under `src/adapters`, its package subpath and its provider id.
 * @typeParam L - What its registry URIs parse to.
 * @typeParam S - The settings its factory gets from a URI.
 *
 * @example
 * ```ts
 * export const wandbAdapter: AdapterDescriptor<"wandb", WandbLocation, { entity: string; project: string; actor?: string }> = {
 *   id: "wandb",
 *   subpath: "modelreg/wandb",
 *   schemes: ["wandb"],
 *   uriExample: "wandb://entity/project",
 *   description: "W&B (?baseUrl= for W&B Server)",
 *   credentials: ["WANDB_API_KEY"],
 *   managedAliases: ["latest", "staging", "production"],
 *   parseUri: ({ url }) => ({ kind: "wandb", entity: url().hostname, project: url().pathname.slice(1) }),
 *   settings: (location, options) => ({ entity: location.entity, project: location.project, ...(options.actor && { actor: options.actor }) }),
 *   identity: (location) => `wandb ${location.entity} ${location.project}`,
 *   load: async () => (await import("./index.js")).createWandbRegistry,
 * };
 * ```
 */
export interface AdapterDescriptor<Id extends string = string, L extends AdapterLocation<Id> = AdapterLocation<Id>, S = unknown> {
  /** The adapter's id: its folder under `src/adapters`, its provider id (`registry.provider`), its URI `kind`. */
  readonly id: Id;
  /** Its package subpath, always `modelreg/<id>`. */
  readonly subpath: `modelreg/${Id}`;
  /** The URI schemes it answers to, lower case, without the colon (`file`, `mlflow+http`). */
  readonly schemes: readonly string[];
  /** One registry URI of its kind, for the CLI's usage text and the README (`wandb://entity/project`). */
  readonly uriExample: string;
  /** One line about what the URI names and which query parameters it takes, for the CLI's usage text. */
  readonly description: string;
  /**
   * Where its credentials come from, each a short phrase (`WANDB_API_KEY`), for the usage text. Empty when it
   * needs none.
   */
  readonly credentials: readonly string[];
  /**
   * Aliases the adapter manages itself and refuses from users (W&B's `latest`; Vertex's `default`). Sync leaves
   * them alone on a target of this kind.
   */
  readonly managedAliases: readonly string[];
  /** Parses one of its URIs into a location. Throws `context.fail(...)` when the URI is wrong. */
  parseUri(context: RegistryUriContext): L;
  /** The settings its factory gets for a location: the URI's settings plus the actor and credentials. */
  settings(location: L, options: AdapterOpenOptions): S;
  /**
   * A string equal for two locations exactly when they name the same registry, as far as can be told without a
   * request (the CLI refuses to sync a registry into itself). Starts with the id.
   */
  identity(location: L, env: AdapterEnv): string | Promise<string>;
  /** Imports the adapter, only now, and returns its factory. */
  load(): Promise<AdapterFactory<S>>;
}

/**
 * Any descriptor, for lists of them: each has its own location and settings types. Its factory takes `never`
 * because a factory's settings parameter only accepts its own settings; the code that calls it passes the settings
 * the same descriptor made.
 */
export interface AnyAdapterDescriptor extends Omit<AdapterDescriptor<string, AdapterLocation, unknown>, "load"> {
  /** Imports the adapter and returns its factory. */
  load(): Promise<AdapterFactory<never>>;
}

/** An http(s) URL as scheme, host and port (the URL parser lowercases and drops default ports) and path, no trailing slash. */
export function comparableUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return text;
  }
}
