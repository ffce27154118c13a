/**
 * W&B's GraphQL response shapes: only the fields this adapter reads. Built on first use.
 *
 * @module
 */

import * as z from "zod";
import { lazySchema } from "../../http/schema.js";

/** An artifact version as the adapter's queries select it. */
export const wandbArtifactSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    state: z.string(),
    digest: z.string(),
    description: z.string().nullish(),
    metadata: z.string().nullish(),
    createdAt: z.string(),
    updatedAt: z.string().nullish(),
    fileCount: z.union([z.number(), z.string()]).nullish(),
    size: z.union([z.number(), z.string()]).nullish(),
    versionIndex: z.number().nullish(),
    aliases: z.array(
      z.object({
        alias: z.string(),
        artifactCollection: z
          .object({ id: z.string(), name: z.string(), project: z.object({ name: z.string(), entity: z.object({ name: z.string() }) }).nullish() })
          .nullish(),
      }),
    ),
    tags: z.array(z.object({ name: z.string() })).nullish(),
    currentManifest: z.object({ id: z.string(), file: z.object({ directUrl: z.string() }) }).nullish(),
    artifactSequence: z.object({ id: z.string(), name: z.string() }),
  }),
);

/** An artifact version in W&B's JSON. */
export type WandbArtifact = z.output<ReturnType<typeof wandbArtifactSchema>>;

/** A version as a member of one collection (its home sequence or a registry portfolio). */
export const wandbMembershipSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    versionIndex: z.number().nullish(),
    aliases: z.array(z.object({ alias: z.string() })),
    artifactCollection: z.object({ __typename: z.string().optional(), id: z.string(), name: z.string() }).nullish(),
    artifact: wandbArtifactSchema().nullish(),
  }),
);

/** A membership in W&B's JSON. */
export type WandbMembership = z.output<ReturnType<typeof wandbMembershipSchema>>;

const pageInfo = () => z.object({ endCursor: z.string().nullish(), hasNextPage: z.boolean() });

/** Response shapes, per operation. */
export const responses = {
  viewer: lazySchema(() => z.object({ viewer: z.object({ entity: z.string().nullish() }).nullish() })),
  orgEntity: lazySchema(() => {
    const org = z.object({ name: z.string(), orgEntity: z.object({ name: z.string() }).nullish() });
    return z.object({
      entity: z.object({ organization: org.nullish(), user: z.object({ organizations: z.array(org) }).nullish() }).nullish(),
    });
  }),
  features: lazySchema(() =>
    z.object({ serverInfo: z.object({ features: z.array(z.object({ name: z.string(), isEnabled: z.boolean() }).nullable()) }).nullish() }),
  ),
  xxhashEnabled: lazySchema(() => z.object({ entity: z.object({ xxhashDigestsEnabled: z.boolean().nullish() }).nullish() })),
  digestAlgorithm: lazySchema(() =>
    z.object({
      project: z
        .object({
          artifactType: z
            .object({
              // Only a sequence has the field (`... on ArtifactSequence`); a portfolio of that name answers without it.
              artifactCollection: z.object({ __typename: z.string().optional(), digestAlgorithm: z.string().nullish() }).nullish(),
            })
            .nullish(),
        })
        .nullish(),
    }),
  ),
  upsertBucket: lazySchema(() => z.object({ upsertBucket: z.object({ bucket: z.object({ id: z.string(), name: z.string() }) }) })),
  createArtifact: lazySchema(() => z.object({ createArtifact: z.object({ artifact: z.object({ id: z.string(), state: z.string() }) }) })),
  createManifest: lazySchema(() =>
    z.object({
      createArtifactManifest: z.object({
        artifactManifest: z.object({ id: z.string(), file: z.object({ uploadUrl: z.string().nullish(), uploadHeaders: z.array(z.string()).nullish() }) }),
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
                storagePath: z.string().nullish(),
                uploadUrl: z.string().nullish(),
                uploadHeaders: z.array(z.string()),
                uploadMultipartUrls: z
                  .object({ uploadID: z.string(), uploadUrlParts: z.array(z.object({ partNumber: z.union([z.number(), z.string()]), uploadUrl: z.string() })) })
                  .nullish(),
                artifact: z.object({ id: z.string() }),
              }),
            }),
          ),
        }),
      }),
    }),
  ),
  commit: lazySchema(() => z.object({ commitArtifact: z.object({ artifact: z.object({ id: z.string(), digest: z.string() }) }) })),
  membershipByName: lazySchema(() => z.object({ project: z.object({ artifactCollectionMembership: wandbMembershipSchema().nullable() }).nullable() })),
  membershipByAlias: lazySchema(() =>
    z.object({
      project: z.object({ artifactCollection: z.object({ id: z.string(), artifactMembership: wandbMembershipSchema().nullable() }).nullable() }).nullable(),
    }),
  ),
  links: lazySchema(() =>
    z.object({
      artifact: z
        .object({
          artifactMemberships: z.object({
            edges: z.array(
              z.object({
                node: z
                  .object({
                    versionIndex: z.number().nullish(),
                    aliases: z.array(z.object({ alias: z.string() })),
                    artifactCollection: z
                      .object({
                        __typename: z.string(),
                        id: z.string(),
                        name: z.string(),
                        // Nullable in W&B's schema (a project the key cannot see, for one).
                        project: z.object({ name: z.string(), entity: z.object({ name: z.string() }) }).nullish(),
                      })
                      .nullish(),
                  })
                  .nullish(),
              }),
            ),
          }),
        })
        .nullable(),
    }),
  ),
  byId: lazySchema(() => z.object({ artifact: wandbArtifactSchema().nullable() })),
  versions: lazySchema(() =>
    z.object({
      project: z
        .object({
          artifactCollection: z
            .object({
              __typename: z.string().optional(),
              id: z.string(),
              name: z.string(),
              description: z.string().nullish(),
              artifacts: z.object({ pageInfo: pageInfo(), edges: z.array(z.object({ version: z.string(), node: wandbArtifactSchema() })) }).nullish(),
            })
            .nullable(),
        })
        .nullable(),
    }),
  ),
  collections: lazySchema(() =>
    z.object({
      project: z
        .object({
          artifactCollections: z
            .object({
              pageInfo: pageInfo(),
              edges: z.array(z.object({ node: z.object({ id: z.string(), name: z.string(), description: z.string().nullish(), createdAt: z.string() }) })),
            })
            .nullish(),
        })
        .nullable(),
    }),
  ),
  fileUrls: lazySchema(() =>
    z.object({
      project: z
        .object({
          artifactCollection: z
            .object({
              artifactMembership: z
                .object({
                  artifact: z.object({ id: z.string() }).nullish(),
                  // `files` is nullable in W&B's schema: null is read as no URLs, so the file asked for is not found.
                  files: z
                    .object({ pageInfo: pageInfo(), edges: z.array(z.object({ node: z.object({ name: z.string(), directUrl: z.string() }) })) })
                    .nullish(),
                })
                .nullish(),
            })
            .nullish(),
        })
        .nullish(),
    }),
  ),
  any: lazySchema(() => z.record(z.string(), z.unknown())),
  link: lazySchema(() => z.object({ linkArtifact: z.object({ versionIndex: z.number().nullish() }).nullish() })),
};
