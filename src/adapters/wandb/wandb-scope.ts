/**
 * One entity and project on one W&B server, and how versions are found in it. The provider and the W&B Registry
 * links read through a scope; a view on another project or registry (`inRegistry`, `getByPath`) is another scope on
 * the same transport, sharing the server's feature flags and the create queues.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { VersionRef } from "../../core/refs.js";
import * as z from "zod/mini";
import { checkWithSchema, lazySchema } from "../../http/schema.js";
import { responses, wandbListedArtifactSchema, type WandbListedArtifact, type WandbMembership } from "./wandb-api.js";
import { scopedAliases, type FoundVersion } from "./wandb-metadata.js";
import type { WandbRegistrySettings } from "./wandb-settings.js";
import { PROVIDER, WandbTransport } from "./wandb-transport.js";
import { GRAPHQL_VALIDATION_FAILED } from "./wandb-error.js";

/** W&B's default project when none is named, as its own clients use. */
const DEFAULT_PROJECT = "uncategorized";
/** The GraphQL type of a collection that holds links (a W&B Registry collection), not logged versions. */
const PORTFOLIO = "ArtifactPortfolio";
/** Listing shows committed versions only: a version still uploading (PENDING) is not one yet. */
const COMMITTED = JSON.stringify({ state: "COMMITTED" });

/** The nodes of a versions page, as listing checks them. */
const listedArtifacts = lazySchema(() => z.array(wandbListedArtifactSchema()));

/** One page of a collection's committed versions. */
export interface VersionsPage {
  /** The collection's id. */
  collectionId: string;
  /** The collection's description. */
  description: string | undefined;
  /** Whether the collection is a portfolio (a W&B Registry collection), updated with the portfolio mutations. */
  portfolio: boolean;
  /** The versions, newest first, with their numbers and aliases in this collection; W&B's nodes as they came. */
  items: Array<FoundVersion<WandbListedArtifact>>;
  /** The cursor of the next page, if there is one. */
  next: string | undefined;
}

/** What a scope shares with its views: everything that belongs to the server, not to one project. */
interface ServerState {
  transport: WandbTransport;
  /** The server's feature flags, once read. */
  features: Promise<Record<string, boolean>> | undefined;
  /** The tail of the create queue per collection (`project/collection`). */
  queues: Map<string, Promise<unknown>>;
}

/** One entity/project on one W&B server. */
export class WandbScope {
  /** The registry's settings (a view's name its own entity and project). */
  readonly settings: WandbRegistrySettings;
  /** The project versions are logged in and read from. */
  readonly project: string;
  readonly #server: ServerState;
  #entity: Promise<string> | undefined;

  /**
   * @param settings - The registry's settings; entity and project fall back to `WANDB_ENTITY` and `WANDB_PROJECT`.
   * @param server - The server state of the scope this one is a view of.
   */
  constructor(settings: WandbRegistrySettings, server?: ServerState) {
    this.settings = settings;
    this.#server = server ?? { transport: new WandbTransport(settings), features: undefined, queues: new Map() };
    const env = settings.env ?? process.env;
    this.project = settings.project ?? env.WANDB_PROJECT ?? DEFAULT_PROJECT;
    const entity = settings.entity ?? env.WANDB_ENTITY;
    if (entity) this.#entity = Promise.resolve(entity);
  }

  /** The GraphQL transport. */
  get transport(): WandbTransport {
    return this.#server.transport;
  }

  /** The create queues, shared by every view of the server. */
  get queues(): Map<string, Promise<unknown>> {
    return this.#server.queues;
  }

  /** Another entity/project (or a registry) on the same server. */
  view(entity: string, project: string): WandbScope {
    return new WandbScope({ ...this.settings, entity, project }, this.#server);
  }

  /** The entity versions are logged under: from settings, `WANDB_ENTITY`, or the API key's own. */
  entity(options?: CallOptions): Promise<string> {
    this.#entity ??= this.transport.gql("Viewer", {}, responses.viewer, { ...options, operation: "viewer" }).then((d) => {
      if (!d.viewer?.entity)
        throw new NotFoundError("the API key has no default entity; pass entity or set WANDB_ENTITY", { provider: PROVIDER, operation: "viewer" });
      return d.viewer.entity;
    });
    // A failed lookup is asked again next time.
    this.#entity.catch(() => {
      this.#entity = undefined;
    });
    return this.#entity;
  }

  /**
   * The server's feature flags (`serverInfo.features`), read once per server. A server too old to have the field
   * refuses the query as not in its schema; that means no optional features, as W&B's own client reads it.
   */
  features(options?: CallOptions): Promise<Record<string, boolean>> {
    const server = this.#server;
    server.features ??= server.transport
      .gql("ServerFeatures", {}, responses.features, { ...options, operation: "features" })
      .then((d) =>
        Object.fromEntries(
          (d.serverInfo?.features ?? []).filter((f): f is { name: string; isEnabled: boolean } => f !== null).map((f) => [f.name, f.isEnabled]),
        ),
      )
      .catch((error: unknown) => {
        if (InvalidInputError.isInstance(error) && error.providerCode === GRAPHQL_VALIDATION_FAILED) return {};
        server.features = undefined;
        throw error;
      });
    return server.features;
  }

  /**
   * A version as a member of this project's collection: by `project.artifactCollectionMembership` where the server
   * has it (PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP, as W&B's current client reads), else through the collection's
   * `artifactMembership`. Either gives the number and aliases within this collection, which for a registry link are
   * not the artifact's own.
   */
  async resolve(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<FoundVersion> {
    const selector = "version" in ref ? `v${ref.version}` : ref.alias;
    const call = { ...options, operation: op };
    const entity = await this.entity(call);
    let m: WandbMembership | null | undefined;
    if ((await this.features(call)).PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP) {
      const d = await this.transport.gql(
        "MembershipByName",
        { entity, project: this.project, name: `${ref.model}:${selector}` },
        responses.membershipByName,
        call,
      );
      m = d.project?.artifactCollectionMembership;
    } else {
      const d = await this.transport.gql(
        "MembershipByAlias",
        { entity, project: this.project, collection: ref.model, alias: selector },
        responses.membershipByAlias,
        call,
      );
      m = d.project?.artifactCollection?.artifactMembership;
    }
    const a = m?.artifact;
    if (!m || !a || a.state !== "COMMITTED")
      throw new NotFoundError(`${ref.model}:${selector} not found in ${entity}/${this.project}`, { provider: PROVIDER, operation: op });
    const c = m.artifactCollection;
    return {
      artifact: a,
      versionIndex: m.versionIndex ?? a.versionIndex ?? 0,
      aliases: m.aliases.map((x) => x.alias),
      ...(c && { collection: { id: c.id, portfolio: c.__typename === PORTFOLIO } }),
    };
  }

  /** A version by artifact id, as a member of this project's collection `model`. */
  async found(id: string, model: string, options: CallOptions & { operation: string }): Promise<FoundVersion> {
    const d = await this.transport.gql("ArtifactById", { id }, responses.byId, options);
    if (!d.artifact) throw new NotFoundError(`artifact ${id} not found`, { provider: PROVIDER, operation: options.operation });
    return {
      artifact: d.artifact,
      versionIndex: d.artifact.versionIndex ?? 0,
      aliases: scopedAliases(d.artifact, await this.entity(options), this.project, model),
    };
  }

  /** The version an alias is on, or `undefined` when it is on none. */
  async holder(model: string, alias: string, op: string, options: CallOptions | undefined): Promise<string | undefined> {
    try {
      return String((await this.resolve({ model, alias }, op, options)).versionIndex);
    } catch (error) {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    }
  }

  /** One page of a collection's committed versions, newest first; `undefined` when there is no such collection. */
  async versionsPage(model: string, after: string | undefined, first: number, op: string, options: CallOptions | undefined): Promise<VersionsPage | undefined> {
    const entity = await this.entity(options);
    const d = await this.transport.gql(
      "CollectionVersions",
      { entity, project: this.project, collection: model, first, after: after ?? null, filters: COMMITTED },
      responses.versions,
      { ...options, operation: op },
    );
    const c = d.project?.artifactCollection;
    if (!c) return undefined;
    const conn = c.artifacts;
    const edges = conn?.edges ?? [];
    // One check over all nodes: zod's copy is dropped and each version keeps W&B's node as it came.
    const nodes = checkWithSchema(
      listedArtifacts(),
      edges.map((e) => e.node),
      { provider: PROVIDER, operation: op },
      (path) => ["project", "artifactCollection", "artifacts", "edges", path[0] ?? 0, "node", ...path.slice(1)],
    );
    const items = edges.map((e, i): FoundVersion<WandbListedArtifact> => {
      const artifact = nodes[i] as WandbListedArtifact;
      return { artifact, versionIndex: Number(e.version.replace(/^v/, "")), aliases: scopedAliases(artifact, entity, this.project, model) };
    });
    return {
      collectionId: c.id,
      description: c.description ?? undefined,
      portfolio: c.__typename === PORTFOLIO,
      items,
      next: conn?.pageInfo.hasNextPage ? (conn.pageInfo.endCursor ?? undefined) : undefined,
    };
  }

  /** Adds aliases to, or removes them from, a version of the collection `model`. */
  async aliases(
    mutation: "AddAliases" | "DeleteAliases",
    artifactID: string,
    model: string,
    aliases: string[],
    op: string,
    options: CallOptions | undefined,
  ): Promise<void> {
    const entity = await this.entity(options);
    const input = aliases.map((alias) => ({ alias, artifactCollectionName: model, entityName: entity, projectName: this.project }));
    await this.transport.gql(mutation, { artifactID, aliases: input }, responses.any, { ...options, operation: op, idempotent: true });
  }
}
