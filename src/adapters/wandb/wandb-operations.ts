/**
 * The GraphQL documents this adapter sends, one per operation, shaped after W&B's own SDK documents. The test fake
 * validates each against W&B's schema with graphql-js, and `npm run derive:contracts` reads them from this file.
 *
 * @module
 */

// An artifact's own `versionIndex` is its number in its home sequence, and its `aliases` span every collection it is
// in, so each alias carries its collection's scope: a version read through a registry takes the membership's instead.
const ARTIFACT_FIELDS = `
  id state digest description metadata createdAt updatedAt fileCount size
  versionIndex
  aliases { alias artifactCollection { id name project { name entity { name } } } }
  tags { name }
  currentManifest { id file { directUrl } }
  artifactSequence { id name }
`;

// A version as a member of one collection: its number and aliases there. The collection's type tells a link (a
// portfolio: deleting it unlinks) from the version's home sequence.
const MEMBERSHIP_FIELDS = `
  id versionIndex
  aliases { alias }
  artifactCollection { __typename id name }
  artifact { ${ARTIFACT_FIELDS} }
`;

/** Every operation, by name. */
export const OPERATIONS = {
  ServerFeatures: `query ServerFeatures { serverInfo { features { name isEnabled } } }`,
  Viewer: `query Viewer { viewer { entity } }`,
  // As W&B's client resolves the org (FetchOrgInfoFromEntity): a team's own organization, else, for a personal
  // entity, the organizations its user belongs to.
  OrgEntity: `query OrgEntity($entityName: String!) { entity(name: $entityName) {
    organization { name orgEntity { name } } user { organizations { name orgEntity { name } } } } }`,
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
  // W&B's current lookup (server feature PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP): "collection:alias" or "collection:v3".
  MembershipByName: `query MembershipByName($entity: String!, $project: String!, $name: String!) {
    project(name: $project, entityName: $entity) { artifactCollectionMembership(name: $name) { ${MEMBERSHIP_FIELDS} } } }`,
  // The same through the collection, for servers without that feature.
  MembershipByAlias: `query MembershipByAlias($entity: String!, $project: String!, $collection: String!, $alias: String!) {
    project(name: $project, entityName: $entity) { artifactCollection(name: $collection) { id artifactMembership(aliasName: $alias) { ${MEMBERSHIP_FIELDS} } } } }`,
  ArtifactById: `query ArtifactById($id: ID!) { artifact(id: $id) { ${ARTIFACT_FIELDS} } }`,
  CollectionVersions: `query CollectionVersions($entity: String!, $project: String!, $collection: String!, $first: Int, $after: String, $filters: JSONString) {
    project(name: $project, entityName: $entity) { artifactCollection(name: $collection) { __typename id name description
      artifacts(first: $first, after: $after, filters: $filters) { pageInfo { endCursor hasNextPage } edges { version node { ${ARTIFACT_FIELDS} } } } } } }`,
  Collections: `query Collections($entity: String!, $project: String!, $first: Int, $after: String) {
    project(name: $project, entityName: $entity) { artifactCollections(first: $first, after: $after) {
      pageInfo { endCursor hasNextPage } edges { node { id name description createdAt } } } } }`,
  // W&B retired `artifact(id).files`; its Python client lists URLs through the membership
  // (GetArtifactMembershipFileUrls), by the version's number in the collection it was read through.
  MembershipFileUrls: `query MembershipFileUrls($entity: String!, $project: String!, $collection: String!, $alias: String!,
    $names: [String!], $first: Int, $after: String) {
    project(name: $project, entityName: $entity) { artifactCollection(name: $collection) { artifactMembership(aliasName: $alias) {
      artifact { id } files(names: $names, first: $first, after: $after) { pageInfo { endCursor hasNextPage } edges { node { name directUrl } } } } } } }`,
  ArtifactLinks: `query ArtifactLinks($id: ID!) { artifact(id: $id) { artifactMemberships { edges { node {
    versionIndex aliases { alias } artifactCollection { __typename id name project { name entity { name } } } } } } } }`,
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

/** An operation's name. */
export type OperationName = keyof typeof OPERATIONS;
