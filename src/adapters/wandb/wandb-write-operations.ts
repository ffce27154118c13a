/**
 * The GraphQL documents only writes send: every mutation, and the two queries createVersion asks before logging a
 * version. The transport imports this file on the first such operation (wandb-operations.ts has the queries any call
 * may send), so a handler that only reads never loads it. The test fake validates each against W&B's schema with
 * graphql-js, and `npm run derive:contracts` reads them from this file too.
 *
 * @module
 */

/** Every operation only a write sends, by name. */
export const WRITE_OPERATIONS = {
  UpsertBucket: `mutation UpsertBucket($name: String!, $project: String!, $entity: String!, $jobType: String) {
    upsertBucket(input: { name: $name, modelName: $project, entityName: $entity, jobType: $jobType }) { bucket { id name } inserted } }`,
  CreateArtifact: `mutation CreateArtifact($input: CreateArtifactInput!) {
    createArtifact(input: $input) { artifact { id state versionIndex artifactSequence { id latestArtifact { id } } } } }`,
  CreateArtifactManifest: `mutation CreateArtifactManifest($artifactID: ID!, $baseArtifactID: ID, $name: String!, $digest: String!,
    $entityName: String!, $projectName: String!, $runName: String!, $manifestType: ArtifactManifestType!, $includeUpload: Boolean!) {
    createArtifactManifest(input: { artifactID: $artifactID, baseArtifactID: $baseArtifactID, name: $name, digest: $digest,
      entityName: $entityName, projectName: $projectName, runName: $runName, type: $manifestType }) {
      artifactManifest { id file { id uploadUrl @include(if: $includeUpload) uploadHeaders @include(if: $includeUpload) } } } }`,
  // The whole input as one variable, as W&B's client sends it since digests got an algorithm: `digestAlgorithm` and the
  // specs' `digest` are in it only where the server has feature ARTIFACT_DIGEST_ALGORITHM, so older servers never see them.
  CreateArtifactFiles: `mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) {
    createArtifactFiles(input: $input) {
      files { edges { node { storagePath uploadUrl uploadHeaders
        uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl } } artifact { id } } } } } }`,
  // W&B's client asks these two before logging a version (`getArtifactDigestAlgorithm`), and only on servers with
  // feature ARTIFACT_DIGEST_ALGORITHM: older ones have neither field.
  XXHashDigestsEnabled: `query XXHashDigestsEnabled($entityName: String!) { entity(name: $entityName) { xxhashDigestsEnabled } }`,
  FetchArtifactDigestAlgorithm: `query FetchArtifactDigestAlgorithm($entityName: String!, $projectName: String!, $artifactTypeName: String!,
    $artifactCollectionName: String!) {
    project(name: $projectName, entityName: $entityName) { artifactType(name: $artifactTypeName) {
      artifactCollection(name: $artifactCollectionName) { __typename ... on ArtifactSequence { digestAlgorithm } } } } }`,
  CompleteMultipartUpload: `mutation CompleteMultipartUpload($artifactID: ID!, $storagePath: String!, $uploadID: String!, $completedParts: [UploadPartsInput!]!) {
    completeMultipartUploadArtifact(input: { completeMultipartAction: Complete, completedParts: $completedParts, artifactID: $artifactID,
      storagePath: $storagePath, uploadID: $uploadID }) { digest } }`,
  CommitArtifact: `mutation CommitArtifact($artifactID: ID!) { commitArtifact(input: { artifactID: $artifactID }) { artifact { id digest } } }`,
  UpdateArtifactSequence: `mutation UpdateArtifactSequence($id: ID!, $description: String) {
    updateArtifactSequence(input: { artifactSequenceID: $id, description: $description }) { artifactCollection { id } } }`,
  // A registry collection is a portfolio, updated with its own mutation, as W&B's client does.
  UpdateArtifactPortfolio: `mutation UpdateArtifactPortfolio($id: ID!, $description: String) {
    updateArtifactPortfolio(input: { artifactPortfolioID: $id, description: $description }) { artifactCollection { id } } }`,
  UpdateArtifact: `mutation UpdateArtifact($input: UpdateArtifactInput!) { updateArtifact(input: $input) { artifact { id } } }`,
  DeleteArtifact: `mutation DeleteArtifact($artifactID: ID!, $deleteAliases: Boolean) {
    deleteArtifact(input: { artifactID: $artifactID, deleteAliases: $deleteAliases }) { artifact { id } } }`,
  AddAliases: `mutation AddAliases($artifactID: ID!, $aliases: [ArtifactCollectionAliasInput!]!) {
    addAliases(input: { artifactID: $artifactID, aliases: $aliases }) { success } }`,
  DeleteAliases: `mutation DeleteAliases($artifactID: ID!, $aliases: [ArtifactCollectionAliasInput!]!) {
    deleteAliases(input: { artifactID: $artifactID, aliases: $aliases }) { success } }`,
  LinkArtifact: `mutation LinkArtifact($artifactID: ID!, $entityName: String!, $projectName: String!, $portfolio: String!, $aliases: [ArtifactAliasInput!]) {
    linkArtifact(input: { artifactID: $artifactID, entityName: $entityName, projectName: $projectName, artifactPortfolioName: $portfolio, aliases: $aliases }) {
      versionIndex } }`,
  UnlinkArtifact: `mutation UnlinkArtifact($artifactID: ID!, $portfolioID: ID!) {
    unlinkArtifact(input: { artifactID: $artifactID, artifactPortfolioID: $portfolioID }) { success } }`,
} as const;

/** The name of an operation of this file. */
export type WriteOperationName = keyof typeof WRITE_OPERATIONS;
