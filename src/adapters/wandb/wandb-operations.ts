/**
 * The GraphQL documents this adapter sends, one per operation, shaped after W&B's own SDK documents: here the queries
 * any call may send, in wandb-write-operations.ts those only writes send, which the transport imports on the first
 * write. The test fake validates each against W&B's schema with graphql-js, and `npm run derive:contracts` reads them
 * from both files.
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

/** Every query any call may send, by name (the rest are in wandb-write-operations.ts). */
export const OPERATIONS = {
  ServerFeatures: `query ServerFeatures { serverInfo { features { name isEnabled } } }`,
  Viewer: `query Viewer { viewer { entity } }`,
  // As W&B's client resolves the org (FetchOrgInfoFromEntity): a team's own organization, else, for a personal
  // entity, the organizations its user belongs to.
  OrgEntity: `query OrgEntity($entityName: String!) { entity(name: $entityName) {
    organization { name orgEntity { name } } user { organizations { name orgEntity { name } } } } }`,
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
} as const;

/** The name of an operation of this file. */
export type ReadOperationName = keyof typeof OPERATIONS;
