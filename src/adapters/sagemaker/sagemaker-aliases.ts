/**
 * The aliases the SageMaker adapter manages, in a module of their own that imports nothing: the descriptor lists them
 * for sync, which reads descriptors without loading adapters.
 *
 * @module
 */

/**
 * None: every alias is a user's, kept as a group tag. SageMaker's own notion of "the latest approved version" is a
 * query (`ListModelPackages` with `ModelApprovalStatus=Approved`), and modelreg's stages map onto approval statuses.
 */
export const SAGEMAKER_MANAGED_ALIASES: readonly string[] = [];
