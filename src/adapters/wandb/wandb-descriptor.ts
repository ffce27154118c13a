/**
 * The W&B adapter as the rest of modelreg sees it before loading it: `wandb://` URIs, and how to open one.
 *
 * @module
 */

import { comparableUrl, type AdapterDescriptor, type AdapterLocation } from "../../core/adapter-descriptor.js";
import { WANDB_MANAGED_ALIASES } from "./wandb-aliases.js";

/** A `wandb://entity/project` URI. */
export interface WandbLocation extends AdapterLocation<"wandb"> {
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

/** W&B artifacts: `wandb://entity/project` (`?baseUrl=` for W&B Server). */
export const wandbAdapter: AdapterDescriptor<
  "wandb",
  WandbLocation,
  // What the factory gets from a URI, written out rather than named: the public RegistryFactories shows it.
  { entity: string; project: string; baseUrl?: string; actor?: string; env?: Record<string, string | undefined> }
> = {
  id: "wandb",
  subpath: "modelreg/wandb",
  schemes: ["wandb"],
  uriExample: "wandb://entity/project",
  description: "W&B (?baseUrl= for W&B Server)",
  credentials: ["WANDB_API_KEY"],
  managedAliases: WANDB_MANAGED_ALIASES,
  parseUri({ url, fail }) {
    const parsed = url();
    // A parameter given twice: the last one wins.
    const query: Record<string, string | undefined> = Object.fromEntries(parsed.searchParams);
    const entity = parsed.hostname;
    const project = parsed.pathname.replace(/^\//, "").replace(/\/$/, "");
    if (!NAME.test(entity) || !NAME.test(project)) throw fail("expected wandb://<entity>/<project>");
    const baseUrl = query.baseUrl;
    return { kind: "wandb", entity, project, ...(baseUrl && { baseUrl }) };
  },
  settings: (location, options) => ({
    entity: location.entity,
    project: location.project,
    ...(location.baseUrl && { baseUrl: location.baseUrl }),
    ...(options.env && { env: options.env }),
    ...(options.actor && { actor: options.actor }),
  }),
  // The host defaults as the adapter's does: WANDB_BASE_URL, then api.wandb.ai.
  identity(location, env) {
    const host = comparableUrl(location.baseUrl ?? env.WANDB_BASE_URL ?? "https://api.wandb.ai");
    return `wandb ${host} ${location.entity} ${location.project}`;
  },
  load: async () => (await import("./index.js")).createWandbRegistry,
};
