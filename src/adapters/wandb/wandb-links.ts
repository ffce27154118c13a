/**
 * Linking versions into the W&B Registry: each registry is the project `wandb-registry-<name>` under the
 * organisation's entity, each of its collections a portfolio that numbers and aliases its links itself. A version
 * keeps its own collection; a link is one more membership.
 *
 * @module
 */

import { NotFoundError, UnsupportedCapabilityError, invalidInput } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { VersionRef } from "../../core/refs.js";
import { assertAlias, assertModelName, preview } from "../../core/validation.js";
import { responses } from "./wandb-api.js";
import type { WandbScope } from "./wandb-scope.js";
import { PROVIDER } from "./wandb-transport.js";

const REGISTRY_NAME = /^[A-Za-z0-9_-]+$/;
const REGISTRY_PREFIX = "wandb-registry-";

/** Where `WandbRegistry.link` puts a version. */
export interface LinkTarget {
  /** The registry, e.g. `model` (the project `wandb-registry-model` under the org entity). */
  registry: string;
  /** The registry collection; created on the first link. */
  collection: string;
  /** Aliases to set in the registry collection. Protected ones need a registry admin. */
  aliases?: string[];
}

/** What `WandbRegistry.link` did. */
export interface LinkResult {
  /** The organisation's entity the registry lives under. */
  orgEntity: string;
  /** The registry's project, `wandb-registry-<registry>`. */
  project: string;
  /** The version's number within the registry collection. */
  version: string;
}

/** One collection a version is linked into, as `WandbRegistry.listLinks` reports it. */
export interface LinkedCollection {
  /** The entity of the collection's project (the org entity, for the W&B Registry). */
  entity: string;
  /** The collection's project. */
  project: string;
  /** The registry's name when the project is a W&B Registry (`wandb-registry-<registry>`). */
  registry?: string;
  /** The collection. */
  collection: string;
  /** The version's number in that collection. */
  version: string;
  /** Its aliases there, `latest` included. */
  aliases: string[];
}

/** A link with the id `unlink` needs. */
type Membership = LinkedCollection & { collectionId: string };

/** The project of a W&B Registry: `wandb-registry-<registry>`. Throws `InvalidInputError` for a name W&B refuses. */
export function registryProject(registry: unknown, op: string): string {
  if (typeof registry !== "string" || !REGISTRY_NAME.test(registry))
    throw invalidInput(op, "registry", `name the registry, e.g. model, got ${preview(registry)}`, PROVIDER);
  return `${REGISTRY_PREFIX}${registry}`;
}

/**
 * The `organization` setting, checked before any request: unset, or a non-empty name. Throws `InvalidInputError`.
 */
export function organizationSetting(scope: WandbScope, op: string): string | undefined {
  const org: unknown = scope.settings.organization;
  if (org === undefined) return undefined;
  if (typeof org !== "string" || org.trim() === "")
    throw invalidInput(op, "organization", `organization must name an organization, got ${preview(org)}`, PROVIDER);
  return org;
}

/**
 * The entity of the organisation the scope's entity belongs to, where its W&B Registry lives. As W&B's client
 * resolves it (`_resolve_org_info`): a team's own organization; for a personal entity, its user's organization when
 * there is exactly one. A user in several must choose with the `organization` setting (`InvalidInputError` naming the
 * choices); an entity in none has no registry (`UnsupportedCapabilityError`).
 */
export async function orgEntity(scope: WandbScope, op: string, options: CallOptions | undefined): Promise<string> {
  const wanted = organizationSetting(scope, op);
  const entity = await scope.entity(options);
  const d = await scope.transport.gql("OrgEntity", { entityName: entity }, responses.orgEntity, { ...options, operation: op });
  const own = d.entity?.organization;
  // A team belongs to one organization; a personal entity to none, but its user may be in several.
  const orgs = (own ? [own] : (d.entity?.user?.organizations ?? [])).filter((o) => o.orgEntity);
  const names = orgs.map((o) => (o.orgEntity?.name === o.name ? o.name : `${o.name} (${o.orgEntity?.name})`)).join(", ");
  let chosen = orgs[0];
  if (wanted !== undefined) {
    chosen = orgs.find((o) => o.name === wanted || o.orgEntity?.name === wanted);
    if (!chosen)
      throw invalidInput(
        op,
        "organization",
        `the entity ${entity} is not in the organization ${wanted}; ${orgs.length ? `it is in ${names}` : "it is in none"}`,
        PROVIDER,
      );
  } else if (orgs.length > 1)
    throw invalidInput(
      op,
      "organization",
      `the entity ${entity} is a personal entity whose user is in several organizations (${names}); pass the organization setting to choose one`,
      PROVIDER,
    );
  const org = chosen?.orgEntity?.name;
  if (!org)
    throw new UnsupportedCapabilityError(
      `the entity ${entity} belongs to no organization, so it has no W&B Registry; log under a team entity of an organization`,
      { provider: PROVIDER, operation: op, capability: "orgRegistry" },
    );
  return org;
}

/** Links a version of the scope into a W&B Registry collection. */
export async function link(scope: WandbScope, ref: VersionRef, target: LinkTarget, options: CallOptions | undefined): Promise<LinkResult> {
  const op = "link";
  const project = registryProject(target?.registry, op);
  assertModelName(target.collection, op, "collection");
  if (target.aliases !== undefined && !Array.isArray(target.aliases)) throw invalidInput(op, "aliases", "aliases must be an array of alias names", PROVIDER);
  // The common alias rules only: `production` is a registry's own alias, which W&B protects itself.
  for (const alias of target.aliases ?? []) assertAlias(alias, op);
  organizationSetting(scope, op);
  const found = await scope.resolve(ref, op, options);
  const org = await orgEntity(scope, op, options);
  const aliases = (target.aliases ?? []).map((alias) => ({ alias, artifactCollectionName: target.collection }));
  const res = await scope.transport.gql(
    "LinkArtifact",
    { artifactID: found.artifact.id, entityName: org, projectName: project, portfolio: target.collection, aliases },
    responses.link,
    { ...options, operation: op, idempotent: true },
  );
  return { orgEntity: org, project, version: String(res.linkArtifact?.versionIndex ?? "") };
}

/**
 * The collections a version is linked into (W&B Registry collections and other portfolios), not its own. A link whose
 * collection W&B answers without its project (a nullable field) is left out: it cannot be named or unlinked.
 */
export async function listLinks(scope: WandbScope, ref: VersionRef, options: CallOptions | undefined): Promise<LinkedCollection[]> {
  const op = "listLinks";
  const found = await scope.resolve(ref, op, options);
  return (await memberships(scope, found.artifact.id, op, options)).map(({ collectionId: _id, ...linked }) => linked);
}

/** Removes a version's link from a W&B Registry collection; `NotFoundError` when it has none there. */
export async function unlink(
  scope: WandbScope,
  ref: VersionRef,
  target: { registry: string; collection: string },
  options: CallOptions | undefined,
): Promise<void> {
  const op = "unlink";
  const project = registryProject(target?.registry, op);
  assertModelName(target.collection, op, "collection");
  organizationSetting(scope, op);
  const found = await scope.resolve(ref, op, options);
  const org = await orgEntity(scope, op, options);
  const linked = (await memberships(scope, found.artifact.id, op, options)).find(
    (m) => m.entity === org && m.project === project && m.collection === target.collection,
  );
  if (!linked)
    throw new NotFoundError(`${ref.model}:v${found.versionIndex} is not linked into ${project}/${target.collection}`, { provider: PROVIDER, operation: op });
  await scope.transport.gql("UnlinkArtifact", { artifactID: found.artifact.id, portfolioID: linked.collectionId }, responses.any, {
    ...options,
    operation: op,
    idempotent: true,
  });
}

/** Every collection an artifact is a member of, but its home sequence. */
async function memberships(scope: WandbScope, artifactID: string, op: string, options: CallOptions | undefined): Promise<Membership[]> {
  const d = await scope.transport.gql("ArtifactLinks", { id: artifactID }, responses.links, { ...options, operation: op });
  if (!d.artifact) throw new NotFoundError(`artifact ${artifactID} not found`, { provider: PROVIDER, operation: op });
  const out: Membership[] = [];
  for (const e of d.artifact.artifactMemberships.edges) {
    const c = e.node?.artifactCollection;
    // The home sequence is where the version was logged, not a link.
    if (!e.node || !c || c.__typename === "ArtifactSequence") continue;
    // A collection W&B answers without its project (the field is nullable) cannot be placed or unlinked by
    // registry and name; it is left out rather than failing the whole listing.
    if (!c.project) continue;
    const project = c.project.name;
    out.push({
      collectionId: c.id,
      entity: c.project.entity.name,
      project,
      ...(project.startsWith(REGISTRY_PREFIX) && { registry: project.slice(REGISTRY_PREFIX.length) }),
      collection: c.name,
      version: String(e.node.versionIndex ?? ""),
      aliases: e.node.aliases.map((x) => x.alias),
    });
  }
  return out;
}
