/**
 * The W&B registry: model versions as W&B artifact versions of type `model`, uploaded the way W&B's own client does
 * it, with aliases, stages as managed aliases, and links into the W&B Registry. The `ModelRegistry` methods come
 * from the registry facade over {@link WandbProvider}; this class adds what only W&B has.
 *
 * @module
 */

import { invalidInput } from "../../core/errors.js";
import { RegistryEventBus } from "../../core/events.js";
import type { CallOptions } from "../../core/options.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import { preview } from "../../core/validation.js";
import { RegistryFacade } from "../../facade/registry-facade.js";
import type { LinkResult, LinkTarget, LinkedCollection } from "./wandb-links.js";
import { WandbProvider } from "./wandb-provider.js";
import { WandbScope } from "./wandb-scope.js";
import type { WandbRegistrySettings } from "./wandb-settings.js";
import { PROVIDER } from "./wandb-transport.js";

/**
 * What a view (`inRegistry`, `getByPath`) takes from the registry it is made from, keyed by the settings object it
 * is built with: the scope of its project on the same server, and the parent's event bus, so the parent's
 * subscribers hear of changes made through the view. Not part of the settings, so users cannot pass it.
 */
const VIEWS = new WeakMap<WandbRegistrySettings, { scope: WandbScope; events: RegistryEventBus }>();

/** The W&B registry. Create it with {@link createWandbRegistry}. */
export class WandbRegistry extends RegistryFacade {
  readonly #scope: WandbScope;
  readonly #events: RegistryEventBus;

  /** @param settings - See {@link WandbRegistrySettings}. */
  constructor(settings: WandbRegistrySettings = {}) {
    const view = VIEWS.get(settings);
    const scope = view?.scope ?? new WandbScope(settings);
    const events = view?.events ?? new RegistryEventBus(settings.onEventError);
    super(new WandbProvider(scope), { actor: settings.actor, events });
    this.#scope = scope;
    this.#events = events;
  }

  /** The entity versions are logged under: from settings, `WANDB_ENTITY`, or the API key's own. */
  entity(options?: CallOptions): Promise<string> {
    return this.#scope.entity(options);
  }

  /** The project versions are logged in: from settings, `WANDB_PROJECT`, or W&B's default `uncategorized`. */
  get project(): string {
    return this.#scope.project;
  }

  /**
   * The server's feature flags (`serverInfo.features`), read once. A server too old to have the field
   * refuses the query as not in its schema; that means no optional features, as W&B's own client reads it.
   */
  features(options?: CallOptions): Promise<Record<string, boolean>> {
    return this.#scope.features(options);
  }

  /**
   * The same registry API over a W&B Registry (`wandb-registry-<name>` under the organisation's entity): reading a
   * linked version works exactly as reading through a project, with the registry collection's numbers and aliases.
   * The view shares this registry's connection, feature flags, actor and subscribers.
   */
  async inRegistry(registry: string, options?: CallOptions): Promise<WandbRegistry> {
    // The W&B Registry calls (this, link, listLinks, unlink) load wandb-links.ts when first made.
    const links = await import("./wandb-links.js");
    const project = links.registryProject(registry, "inRegistry");
    return this.#view(await links.orgEntity(this.#scope, "inRegistry", options), project);
  }

  /**
   * Reads a version by W&B's own path, `entity/project/name:alias` or `entity/project/name:v3` (entity and project
   * may be left out, then this registry's are used). Registry paths (`acme-org/wandb-registry-model/fraud:v0`) work
   * the same way.
   */
  async getByPath(path: string, options?: CallOptions): Promise<ModelVersion> {
    const op = "getByPath";
    const m = typeof path === "string" ? /^(?:([^/:]+)\/)?(?:([^/:]+)\/)?([^/:]+):([^/:]+)$/.exec(path) : null;
    if (!m) throw invalidInput(op, "path", `expected entity/project/name:alias or name:v3, got ${preview(path)}`, PROVIDER);
    const [, first, second, name = "", version = ""] = m;
    const entity = second !== undefined ? first : undefined;
    const project = second ?? first;
    const view = entity || project ? this.#view(entity ?? (await this.entity(options)), project ?? this.project) : this;
    const vm = /^v(\d+)$/.exec(version);
    return view.getVersion(vm ? { model: name, version: vm[1] as string } : { model: name, alias: version }, options);
  }

  /** Links a version into a W&B Registry collection (`wandb-registry-<registry>` under the org entity). */
  async link(ref: VersionRefInput, target: LinkTarget, options?: CallOptions): Promise<LinkResult> {
    const links = await import("./wandb-links.js");
    return links.link(this.#scope, this.ref(ref, "link"), target, options);
  }

  /**
   * The collections a version is linked into (W&B Registry collections and other portfolios), not its own. A link
   * whose collection W&B answers without its project (a nullable field) is left out: it cannot be named or unlinked.
   */
  async listLinks(ref: VersionRefInput, options?: CallOptions): Promise<LinkedCollection[]> {
    const links = await import("./wandb-links.js");
    return links.listLinks(this.#scope, this.ref(ref, "listLinks"), options);
  }

  /** Removes a version's link from a W&B Registry collection. */
  async unlink(ref: VersionRefInput, target: { registry: string; collection: string }, options?: CallOptions): Promise<void> {
    const links = await import("./wandb-links.js");
    return links.unlink(this.#scope, this.ref(ref, "unlink"), target, options);
  }

  /** Another project (or a registry) through the same connection, feature flags, create queues and subscribers. */
  #view(entity: string, project: string): WandbRegistry {
    const scope = this.#scope.view(entity, project);
    VIEWS.set(scope.settings, { scope, events: this.#events });
    return new WandbRegistry(scope.settings);
  }
}

/**
 * Creates a W&B registry client. Settings fall back to `WANDB_API_KEY`, `WANDB_BASE_URL`, `WANDB_ENTITY` and
 * `WANDB_PROJECT`.
 *
 * @example
 * ```ts
 * import { createWandbRegistry } from "modelreg/wandb";
 * const registry = createWandbRegistry({ project: "fraud" });
 * const v = await registry.createVersion("fraud-model", { artifacts: { directory: "out/model" }, metrics: { auc: 0.93 } });
 * await registry.link(v, { registry: "model", collection: "fraud" });
 * ```
 */
export function createWandbRegistry(settings: WandbRegistrySettings = {}): WandbRegistry {
  return new WandbRegistry(settings);
}
