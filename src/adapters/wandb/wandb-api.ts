/**
 * W&B's GraphQL response shapes: only the fields this adapter reads. Built on first use.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

const projectRef = () => z.nullish(z.object({ name: z.string(), entity: z.object({ name: z.string() }) }));

/**
 * An artifact version as listing reads it: only the fields `toModelVersion` and `scopedAliases` read. Listing checks
 * each node against it and keeps W&B's node whole (every field the query selected) as the version's `raw`.
 */
export const wandbListedArtifactSchema = lazySchema(() =>
  z.object({
    digest: z.string(),
    description: z.nullish(z.string()),
    metadata: z.nullish(z.string()),
    createdAt: z.string(),
    updatedAt: z.nullish(z.string()),
    fileCount: z.nullish(z.union([z.number(), z.string()])),
    aliases: z.array(z.object({ alias: z.string(), artifactCollection: z.nullish(z.object({ name: z.string(), project: projectRef() })) })),
  }),
);

/** An artifact version as listing reads it. Every {@link WandbArtifact} is one. */
export type WandbListedArtifact = z.output<ReturnType<typeof wandbListedArtifactSchema>>;

/** An artifact version as the adapter's queries select it: the listed fields and the rest. */
export const wandbArtifactSchema = lazySchema(() =>
  z.extend(wandbListedArtifactSchema(), {
    id: z.string(),
    state: z.string(),
    size: z.nullish(z.union([z.number(), z.string()])),
    versionIndex: z.nullish(z.number()),
    aliases: z.array(z.object({ alias: z.string(), artifactCollection: z.nullish(z.object({ id: z.string(), name: z.string(), project: projectRef() })) })),
    tags: z.nullish(z.array(z.object({ name: z.string() }))),
    currentManifest: z.nullish(z.object({ id: z.string(), file: z.object({ directUrl: z.string() }) })),
    artifactSequence: z.object({ id: z.string(), name: z.string() }),
  }),
);

/** An artifact version in W&B's JSON. */
export type WandbArtifact = z.output<ReturnType<typeof wandbArtifactSchema>>;

/** A version as a member of one collection (its home sequence or a registry portfolio). */
export const wandbMembershipSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    versionIndex: z.nullish(z.number()),
    aliases: z.array(z.object({ alias: z.string() })),
    artifactCollection: z.nullish(z.object({ __typename: z.optional(z.string()), id: z.string(), name: z.string() })),
    artifact: z.nullish(wandbArtifactSchema()),
  }),
);

/** A membership in W&B's JSON. */
export type WandbMembership = z.output<ReturnType<typeof wandbMembershipSchema>>;

const pageInfo = () => z.object({ endCursor: z.nullish(z.string()), hasNextPage: z.boolean() });

/** Response shapes, per operation. */
export const responses = {
  viewer: lazySchema(() => z.object({ viewer: z.nullish(z.object({ entity: z.nullish(z.string()) })) })),
  orgEntity: lazySchema(() => {
    const org = z.object({ name: z.string(), orgEntity: z.nullish(z.object({ name: z.string() })) });
    return z.object({
      entity: z.nullish(z.object({ organization: z.nullish(org), user: z.nullish(z.object({ organizations: z.array(org) })) })),
    });
  }),
  features: lazySchema(() =>
    z.object({ serverInfo: z.nullish(z.object({ features: z.array(z.nullable(z.object({ name: z.string(), isEnabled: z.boolean() }))) })) }),
  ),
  xxhashEnabled: lazySchema(() => z.object({ entity: z.nullish(z.object({ xxhashDigestsEnabled: z.nullish(z.boolean()) })) })),
  digestAlgorithm: lazySchema(() =>
    z.object({
      project: z.nullish(
        z.object({
          artifactType: z.nullish(
            z.object({
              // Only a sequence has the field (`... on ArtifactSequence`); a portfolio of that name answers without it.
              artifactCollection: z.nullish(z.object({ __typename: z.optional(z.string()), digestAlgorithm: z.nullish(z.string()) })),
            }),
          ),
        }),
      ),
    }),
  ),
  upsertBucket: lazySchema(() => z.object({ upsertBucket: z.object({ bucket: z.object({ id: z.string(), name: z.string() }) }) })),
  createArtifact: lazySchema(() => z.object({ createArtifact: z.object({ artifact: z.object({ id: z.string(), state: z.string() }) }) })),
  createManifest: lazySchema(() =>
    z.object({
      createArtifactManifest: z.object({
        artifactManifest: z.object({ id: z.string(), file: z.object({ uploadUrl: z.nullish(z.string()), uploadHeaders: z.nullish(z.array(z.string())) }) }),
      }),
    }),
  ),
  createFiles: lazySchema(() =>
    z.object({
      createArtifactFiles: z.object({
        files: z.object({
          edges: z.array(
            z.object({
              node: z.object({
                storagePath: z.nullish(z.string()),
                uploadUrl: z.nullish(z.string()),
                uploadHeaders: z.array(z.string()),
                uploadMultipartUrls: z.nullish(
                  z.object({
                    uploadID: z.string(),
                    uploadUrlParts: z.array(z.object({ partNumber: z.union([z.number(), z.string()]), uploadUrl: z.string() })),
                  }),
                ),
                artifact: z.object({ id: z.string() }),
              }),
            }),
          ),
        }),
      }),
    }),
  ),
  commit: lazySchema(() => z.object({ commitArtifact: z.object({ artifact: z.object({ id: z.string(), digest: z.string() }) }) })),
  membershipByName: lazySchema(() => z.object({ project: z.nullable(z.object({ artifactCollectionMembership: z.nullable(wandbMembershipSchema()) })) })),
  membershipByAlias: lazySchema(() =>
    z.object({
      project: z.nullable(z.object({ artifactCollection: z.nullable(z.object({ id: z.string(), artifactMembership: z.nullable(wandbMembershipSchema()) })) })),
    }),
  ),
  links: lazySchema(() =>
    z.object({
      artifact: z.nullable(
        z.object({
          artifactMemberships: z.object({
            edges: z.array(
              z.object({
                node: z.nullish(
                  z.object({
                    versionIndex: z.nullish(z.number()),
                    aliases: z.array(z.object({ alias: z.string() })),
                    artifactCollection: z.nullish(
                      z.object({
                        __typename: z.string(),
                        id: z.string(),
                        name: z.string(),
                        // Nullable in W&B's schema (a project the key cannot see, for one).
                        project: z.nullish(z.object({ name: z.string(), entity: z.object({ name: z.string() }) })),
                      }),
                    ),
                  }),
                ),
              }),
            ),
          }),
        }),
      ),
    }),
  ),
  byId: lazySchema(() => z.object({ artifact: z.nullable(wandbArtifactSchema()) })),
  versions: lazySchema(() =>
    z.object({
      project: z.nullable(
        z.object({
          artifactCollection: z.nullable(
            z.object({
              __typename: z.optional(z.string()),
              id: z.string(),
              name: z.string(),
              description: z.nullish(z.string()),
              artifacts: z.nullish(
                z.object({
                  pageInfo: pageInfo(), // Each node is checked by the scope against wandbListedArtifactSchema, and kept as it came.
                  edges: z.array(z.object({ version: z.string(), node: z.unknown() })),
                }),
              ),
            }),
          ),
        }),
      ),
    }),
  ),
  collections: lazySchema(() =>
    z.object({
      project: z.nullable(
        z.object({
          artifactCollections: z.nullish(
            z.object({
              pageInfo: pageInfo(),
              edges: z.array(z.object({ node: z.object({ id: z.string(), name: z.string(), description: z.nullish(z.string()), createdAt: z.string() }) })),
            }),
          ),
        }),
      ),
    }),
  ),
  fileUrls: lazySchema(() =>
    z.object({
      project: z.nullish(
        z.object({
          artifactCollection: z.nullish(
            z.object({
              artifactMembership: z.nullish(
                z.object({
                  artifact: z.nullish(z.object({ id: z.string() })),
                  // `files` is nullable in W&B's schema: null is read as no URLs, so the file asked for is not found.
                  files: z.nullish(
                    z.object({ pageInfo: pageInfo(), edges: z.array(z.object({ node: z.object({ name: z.string(), directUrl: z.string() }) })) }),
                  ),
                }),
              ),
            }),
          ),
        }),
      ),
    }),
  ),
  any: lazySchema(() => z.record(z.string(), z.unknown())),
  link: lazySchema(() => z.object({ linkArtifact: z.nullish(z.object({ versionIndex: z.nullish(z.number()) })) })),
};
