/**
 * Which digest algorithm a new version is hashed with, decided as W&B's own client decides it
 * (`getArtifactDigestAlgorithm` in wandb-core's `core/pkg/artifacts/saver.go`): XXH128 only where the server has
 * feature `ARTIFACT_DIGEST_ALGORITHM`, the entity has `xxhashDigestsEnabled`, and the collection is new or already
 * `MANIFEST_XXH128`; MD5 otherwise, so a collection never changes algorithm under its older versions.
 *
 * @module
 */

import { ConflictError, ModelRegistryError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { responses } from "./wandb-api.js";
import type { DigestAlgorithm } from "./wandb-manifest.js";
import { PROVIDER, type WandbTransport } from "./wandb-transport.js";

/** Where the version goes. */
export interface DigestTarget {
  /** The entity logging the version. */
  entity: string;
  /** Its project. */
  project: string;
  /** The artifact type the version is logged as. */
  type: string;
  /** The collection (sequence) name. */
  collection: string;
}

/**
 * The algorithm for a new version of `target`. Two read-only queries at most, both before anything is created: a
 * failure here leaves nothing behind.
 */
export async function chooseDigestAlgorithm(
  t: WandbTransport,
  features: Record<string, boolean>,
  target: DigestTarget,
  options: CallOptions & { operation: string },
): Promise<DigestAlgorithm> {
  // A server without the feature knows only MD5 (and has no `digestAlgorithm` field to ask).
  if (!features.ARTIFACT_DIGEST_ALGORITHM) return "MANIFEST_MD5";
  // W&B turns XXH128 on per entity; off, or an entity the key cannot see, is MD5.
  const enabled = await t.gql("XXHashDigestsEnabled", { entityName: target.entity }, responses.xxhashEnabled, options);
  if (!enabled.entity?.xxhashDigestsEnabled) return "MANIFEST_MD5";
  let found;
  try {
    found = await t.gql(
      "FetchArtifactDigestAlgorithm",
      { entityName: target.entity, projectName: target.project, artifactTypeName: target.type, artifactCollectionName: target.collection },
      responses.digestAlgorithm,
      options,
    );
  } catch (error) {
    // W&B's client reads an HTTP 404 here as "no such sequence yet", which a first version starts as XXH128.
    if (ModelRegistryError.isInstance(error) && error.statusCode === 404) return "MANIFEST_XXH128";
    throw error;
  }
  // No project, type or collection yet: the first version of a new sequence, which takes the newer algorithm.
  const collection = found.project?.artifactType?.artifactCollection;
  if (!collection) return "MANIFEST_XXH128";
  if (collection.__typename !== undefined && collection.__typename !== "ArtifactSequence")
    throw new ConflictError(
      `${target.collection} in ${target.entity}/${target.project} is a ${collection.__typename}, not a collection versions are logged to`,
      {
        provider: PROVIDER,
        operation: options.operation,
      },
    );
  // W&B's own client generates this field as non-null; should a server answer null, MD5 is what an untagged
  // manifest means, and what every server reads.
  return collection.digestAlgorithm === "MANIFEST_XXH128" ? "MANIFEST_XXH128" : "MANIFEST_MD5";
}
