// An in-process fake of W&B's GraphQL API and its signed-URL storage (msw). Every document and its variables are
// validated and executed with graphql-js against the schema derived from W&B's (test/contracts/wandb-contract.graphql),
// so a misspelled field or a wrongly typed variable fails as it would on W&B. State follows W&B's rules: versions
// v0, v1, ... per collection; a new version gets exactly the aliases its create carried (W&B's clients send `latest`),
// a link gets `latest` from the server; aliases are unique per collection; identical content
// (same digest) returns the existing version; commits go PENDING then COMMITTED; storage PUTs must match their MD5.
// Digest algorithms as W&B has them since ARTIFACT_DIGEST_ALGORITHM: a sequence takes the algorithm of the create that
// made it and reports it as `digestAlgorithm`; entities have `xxhashDigestsEnabled`. The server never re-hashes file
// bytes: storage checks the MD5 a PUT declares (W&B's client still sends one for XXH128 files for that reason), and
// an XXH128 digest is the client's word, as on W&B. With `azure` on, upload URLs are Azure SAS URLs (azure-blob-fake.ts).
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildSchema,
  execute,
  Kind,
  parse,
  validate,
  visit,
  visitWithTypeInfo,
  GraphQLError,
  TypeInfo,
  type DocumentNode,
  type OperationDefinitionNode,
} from "graphql";
import { http, HttpResponse, type HttpHandler } from "msw";
import { CANARY } from "../../support/canary.js";
import { AzureBlobFake } from "./azure-blob-fake.js";

/**
 * A timestamp as W&B's GraphQL API writes one: UTC without the zone designator (W&B's client says "The backend
 * records timestamps in UTC but omits the zone designator", wandb/apis/public/console_logs.py).
 */
function wandbNow(at = new Date()): string {
  return at.toISOString().slice(0, 19);
}

export const BASE = "https://api.wandb.test";
export const STORAGE = "https://storage.wandb.test";
// A canary: the suite fails if it ever shows up in an error or a log line (test/support/canary-setup.ts).
export const API_KEY: string = CANARY.wandbApiKey;
export const ENTITY = "test-team";
export const ORG_ENTITY = "acme-org";
/** The display name of the organization ENTITY belongs to. */
export const ORG = "acme";

// Storage URLs are signed as W&B's are (a GCS V4 signature in the query), with a canary for the signature, so a
// logged or quoted storage URL is caught. The storage handlers refuse a URL without it.
const signed = (url: string) => `${url}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${CANARY.urlSignature}`;
const unsigned = (request: Request) => new URL(request.url).searchParams.get("X-Goog-Signature") !== CANARY.urlSignature;
const badSignature = () => new HttpResponse("<Error>SignatureDoesNotMatch</Error>", { status: 403 });
// Azure SAS URLs carry their signature in `sig`; the canary again, so a quoted SAS URL is caught too.
const sas = (url: string) => `${url}?sv=2022-11-02&sr=b&sp=cw&se=2099-01-01T00%3A00%3A00Z&sig=${CANARY.urlSignature}`;
const unsignedSas = (request: Request) => new URL(request.url).searchParams.get("sig") !== CANARY.urlSignature;

const schema = buildSchema(readFileSync(fileURLToPath(new URL("../../contracts/wandb-contract.graphql", import.meta.url)), "utf8"));

/**
 * Each query text parsed and validated against the contract once: the adapter sends the same few documents thousands of
 * times in a fault run, and parsing and validating took 1.5 ms each time (twice, when graphql() did it again).
 */
const checked = new Map<string, { document: DocumentNode; invalid: readonly GraphQLError[] }>();
const gid = (type: string, n: number) => Buffer.from(`${type}:${n}`).toString("base64");

/** Fields an older server lacks: [the feature that brings it (or "features" for the flag list itself), field, type]. */
const GATED: Array<[string, string, string]> = [
  ["features", "features", "ServerInfo"],
  ["PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP", "artifactCollectionMembership", "Project"],
  // W&B's client leaves `digestAlgorithm` out of its documents on servers without the feature (`omit_artifact_fields`).
  ["ARTIFACT_DIGEST_ALGORITHM", "digestAlgorithm", "ArtifactSequence"],
];

/**
 * Fields W&B has retired, as [type, field]: the service no longer has them, so a document selecting one fails
 * validation as a misspelled field would. `Artifact.files` went with the legacy `artifact.files` queries; clients list
 * URLs through `ArtifactCollectionMembership.files` or `Artifact.filesByManifestEntries` instead.
 */
const RETIRED: Array<[string, string]> = [["Artifact", "files"]];

/** The retired fields a document selects, as W&B's validation message for each. */
function retiredIn(document: DocumentNode): GraphQLError[] {
  const info = new TypeInfo(schema);
  const found: GraphQLError[] = [];
  visit(
    document,
    visitWithTypeInfo(info, {
      Field(node) {
        const parent = info.getParentType()?.name;
        if (RETIRED.some(([type, field]) => type === parent && field === node.name.value))
          found.push(new GraphQLError(`Cannot query field "${node.name.value}" on type "${parent}".`));
      },
    }),
  );
  return found;
}

/** One Relay page of `all`, with the offset as the cursor. */
function page<T, E>(all: T[], first: number | undefined, after: string | undefined, edge: (item: T) => E) {
  const start = after ? Number(after) : 0;
  const items = all.slice(start, start + (first ?? 50));
  return {
    pageInfo: { endCursor: String(start + items.length), hasNextPage: start + items.length < all.length },
    edges: items.map(edge),
    totalCount: all.length,
  };
}

/** `filters` is a JSONString holding a JSON object; W&B refuses anything else. */
function parseFilters(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GraphQLError(`filters is not valid JSON: ${text}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new GraphQLError("filters must be a JSON object");
  return value as Record<string, unknown>;
}

interface FileState {
  name: string;
  md5: string;
  storagePath: string;
  birth: string;
}
interface ArtifactState {
  id: string;
  collection: CollectionState;
  type: string;
  digest: string;
  digestAlgorithm: string;
  state: "PENDING" | "COMMITTED";
  /** The clientID the create carried: a resend with it gets this artifact back. */
  clientID?: string;
  versionIndex: number | undefined;
  description: string | null;
  metadata: string | null;
  tags: string[];
  pendingAliases: string[];
  manifestPath: string | undefined;
  files: Map<string, FileState>;
  createdAt: string;
  /** What the create carried: W&B's official client sends its TTL and the run step it logged at. */
  ttlDurationSeconds?: number;
  historyStep?: number;
}
interface CollectionState {
  id: string;
  name: string;
  entity: string;
  project: string;
  kind: "sequence" | "portfolio";
  /** A sequence's artifact type and digest algorithm, both from the create that made it. */
  type?: string;
  digestAlgorithm?: string;
  members: ArtifactState[];
  aliases: Map<string, ArtifactState>;
  versions: Map<ArtifactState, number>;
  description?: string;
  createdAt: string;
}

export class WandbFake {
  readonly collections = new Map<string, CollectionState>();
  readonly artifacts = new Map<string, ArtifactState>();
  readonly storage = new Map<string, Uint8Array>();
  readonly signed = new Map<string, { path: string; md5: string }>();
  /** GraphQL requests in order: the operation, its variables, and the errors it was answered with (if any). */
  readonly requests: Array<{ operation: string; variables: unknown; errors?: string[] }> = [];
  readonly runs = new Set<string>();
  /** Runs finished through file_stream, with their exit codes. */
  readonly finished = new Map<string, number>();
  /** Every request to storage, with its headers, to check that no W&B credential went there. */
  readonly storageRequests: Array<{ method: string; url: string; headers: Record<string, string> }> = [];
  /** Feature flags `serverInfo.features` reports. */
  features: Record<string, boolean> = { ARTIFACT_TAGS: true, PROJECT_ARTIFACT_COLLECTION_MEMBERSHIP: true };
  /** False plays a server older than `serverInfo.features`, which refuses the field itself. */
  hasFeaturesField = true;
  /** Projects that exist, as `entity/project`: runs create theirs; the org's registries exist from the start. */
  readonly projects = new Set([`${ORG_ENTITY}/wandb-registry-model`]);
  /** Offer part URLs for specs that carry uploadPartsInput, as S3-backed W&B storage does. */
  multipart = true;
  /** Parts uploaded, per upload id. */
  readonly uploads = new Map<string, { path: string; parts: Map<number, { hexMD5: string; bytes?: Uint8Array }> }>();
  /** Hand out Azure SAS upload URLs (with `x-ms-blob-type` in the upload headers), as W&B on Azure storage does. */
  azure = false;
  /** The Azure side: block state and limits (tests lower `putBlobMaxBytes` to see big files go in blocks). */
  readonly azureBlobs = new AzureBlobFake((path, bytes) => this.storage.set(path, bytes));
  /** Where the signed URLs it hands out point: storage itself, or a proxy in front of it (the fault tests). */
  signedOrigin = STORAGE;
  /**
   * Fields W&B's schema makes nullable, answered null for these ids, as the service may (e.g. for a project the key
   * cannot see): `project` of the collections with these ids, `files` of the artifacts with these ids.
   */
  readonly nulls = { project: new Set<string>(), files: new Set<string>() };
  /** Organizations, display name to org entity: each one's W&B Registry lives under its org entity. */
  readonly organizations = new Map([[ORG, ORG_ENTITY]]);
  /**
   * Entities besides the org entities: a team belongs to one organization (`org`); a personal entity to none, but its
   * user may belong to several (`userOrgs`, display names). An entity not listed does not exist.
   */
  readonly entities = new Map<string, { org?: string; userOrgs?: string[]; xxhashDigestsEnabled?: boolean }>([[ENTITY, { org: ORG }]]);
  /** The most file URLs one page holds: Relay lets a server answer fewer than `first`, as a capped page does. */
  filePageLimit = Number.POSITIVE_INFINITY;
  /** Aliases that only registry admins may set in portfolios. */
  protectedAliases = new Set(["production"]);
  #n = 1;
  /** Runs by name, with their ids. */
  readonly #runIds = new Map<string, string>();
  readonly #ids = new Map<string, number>();

  #collection(
    entity: string,
    project: string,
    name: string,
    create?: CollectionState["kind"],
    made?: { type: string; digestAlgorithm: string },
  ): CollectionState | undefined {
    const key = `${entity}/${project}/${name}`;
    let c = this.collections.get(key);
    if (!c && create) {
      c = {
        id: gid(create === "sequence" ? "ArtifactSequence" : "ArtifactPortfolio", this.#n++),
        name,
        entity,
        project,
        kind: create,
        ...(made && { type: made.type, digestAlgorithm: made.digestAlgorithm }),
        members: [],
        aliases: new Map(),
        versions: new Map(),
        createdAt: wandbNow(),
      };
      this.collections.set(key, c);
    }
    return c;
  }

  /** A collection as GraphQL returns it (an interface: graphql-js needs the concrete type). */
  #collectionView(c: CollectionState) {
    return {
      __typename: c.kind === "sequence" ? "ArtifactSequence" : "ArtifactPortfolio",
      id: c.id,
      name: c.name,
      description: c.description ?? null,
      project: this.nulls.project.has(c.id) ? null : this.#projectView(c.entity, c.project),
      digestAlgorithm: c.digestAlgorithm ?? "MANIFEST_MD5",
      // What W&B's official client reads of a collection (wandb.Api().artifact_collection): its artifact type (one
      // per collection, that of its versions), its times and its tags (the fake keeps no collection tags).
      createdAt: c.createdAt,
      updatedAt: c.createdAt,
      defaultArtifactType: () => this.#typeView(c.entity, c.project, this.#typeOf(c)),
      tags: { edges: [] },
    };
  }

  /** A project as nested in answers: W&B's official client reads its ids besides its name and entity. */
  #projectView(entity: string, project: string) {
    return {
      id: gid("Project", this.#number(`project:${entity}/${project}`)),
      internalId: `${entity}/${project}`,
      name: project,
      entity: this.#entityView(entity),
    };
  }

  #entityView(name: string) {
    return { id: gid("Entity", this.#number(`entity:${name}`)), name };
  }

  /** A stable number for a name, so the ids of things the fake does not store (projects, types, aliases) stay put. */
  #number(key: string): number {
    let n = this.#ids.get(key);
    if (n === undefined) {
      n = this.#n++;
      this.#ids.set(key, n);
    }
    return n;
  }

  /** A collection's artifact type: W&B gives each collection one, that of the versions logged into it. */
  #typeOf(c: CollectionState): string {
    return c.type ?? c.members[0]?.type ?? "model";
  }

  #typeView(entity: string, project: string, type: string) {
    return {
      id: gid("ArtifactType", this.#number(`type:${entity}/${project}/${type}`)),
      name: type,
      // A type's collections are those of its project whose versions have that type. (Typed: the project's answer
      // holds types, so inferring this one from it would go round in a circle.)
      artifactCollection: ({ name }: { name: string }): unknown => {
        const c = this.#collection(entity, project, name);
        return c && this.#typeOf(c) === type ? (this.#root().project({ name: project, entityName: entity })?.artifactCollection({ name }) ?? null) : null;
      },
    };
  }

  /** An alias as W&B's official client selects it, with an id (stable per collection and alias). */
  #aliasId(c: CollectionState, alias: string): string {
    return gid("ArtifactAlias", this.#number(`alias:${c.id}:${alias}`));
  }

  /** Every collection an artifact is a committed member of: its sequence, and the portfolios it is linked into. */
  #memberOf(a: ArtifactState): CollectionState[] {
    return [...this.collections.values()].filter((c) => c.versions.has(a));
  }

  /** The artifact itself: its own versionIndex is its sequence's, and its aliases span every collection it is in. */
  #view(a: ArtifactState) {
    return {
      id: a.id,
      state: a.state,
      digest: a.digest,
      digestAlgorithm: a.digestAlgorithm,
      description: a.description,
      metadata: a.metadata,
      createdAt: a.createdAt,
      updatedAt: a.createdAt,
      fileCount: a.files.size,
      // Read by W&B's official client (its ArtifactFragment): the type, TTL and step fields. TTL as W&B reports
      // an artifact without one of its own (inherited, -2: none); no commit hashes are modelled (the field is nullable).
      artifactType: { id: gid("ArtifactType", this.#number(`type:${a.collection.entity}/${a.collection.project}/${a.type}`)), name: a.type },
      ttlDurationSeconds: a.ttlDurationSeconds ?? -2,
      ttlIsInherited: a.ttlDurationSeconds === undefined,
      historyStep: a.historyStep ?? null,
      commitHash: null,
      size: 0,
      versionIndex: () => a.collection.versions.get(a) ?? null,
      aliases: () =>
        this.#memberOf(a).flatMap((c) =>
          [...c.aliases.entries()]
            .filter(([, v]) => v === a)
            .map(([alias]) => ({ id: this.#aliasId(c, alias), alias, artifactCollectionName: c.name, artifactCollection: this.#collectionView(c) })),
        ),
      tags: a.tags.map((name) => ({ name })),
      currentManifest: a.manifestPath ? { id: `${a.id}-manifest`, file: { directUrl: signed(`${this.signedOrigin}/${a.manifestPath}`) } } : null,
      artifactSequence: {
        __typename: "ArtifactSequence",
        id: a.collection.id,
        name: a.collection.name,
        project: () => (this.nulls.project.has(a.collection.id) ? null : this.#projectView(a.collection.entity, a.collection.project)),
        latestArtifact: () => {
          const l = a.collection.aliases.get("latest");
          return l ? { id: l.id } : null;
        },
      },
      artifactMemberships: () => ({ edges: this.#memberOf(a).map((c) => ({ node: this.#membership(a, c) })) }),
    };
  }

  /** The artifact as a member of one collection: that collection's number and aliases. */
  #membership(a: ArtifactState, c: CollectionState) {
    return {
      id: Buffer.from(`ArtifactCollectionMembership:${c.id}:${a.id}`).toString("base64"),
      versionIndex: c.versions.get(a) ?? null,
      // When the version joined the collection; the fake keeps the artifact's own time (links are not timed).
      createdAt: a.createdAt,
      aliases: [...c.aliases.entries()].filter(([, v]) => v === a).map(([alias]) => ({ id: this.#aliasId(c, alias), alias })),
      artifactCollection: this.#collectionView(c),
      artifact: this.#view(a),
      // The files of the member artifact, wherever it is read from (its sequence or a portfolio it is linked into).
      files: ({ names, first, after }: { names?: string[]; first?: number; after?: string }) => {
        if (this.nulls.files.has(a.id)) return null;
        const all = [...a.files.values()].filter((f) => !names || names.includes(f.name));
        return page(all, Math.min(first ?? 50, this.filePageLimit), after, (f) => ({
          node: { name: f.name, directUrl: signed(`${this.signedOrigin}/${f.storagePath}`) },
        }));
      },
    };
  }

  /** An entity's organizations; an org entity is a team of its own organization. */
  #entityState(name: string): { org?: string; userOrgs?: string[]; xxhashDigestsEnabled?: boolean } | undefined {
    const own = [...this.organizations].find(([, orgEntity]) => orgEntity === name)?.[0];
    return own ? { org: own } : this.entities.get(name);
  }

  #resolveName(c: CollectionState | undefined, ref: string): ArtifactState | undefined {
    if (!c) return undefined;
    const m = /^v(\d+)$/.exec(ref);
    if (m) return [...c.versions.entries()].find(([, v]) => v === Number(m[1]))?.[0];
    return c.aliases.get(ref);
  }

  #artifact(id: string): ArtifactState {
    const a = this.artifacts.get(id);
    if (!a) throw new GraphQLError(`artifact ${id} not found`);
    return a;
  }

  #moveAlias(c: CollectionState, alias: string, a: ArtifactState, admin = true) {
    if (c.kind === "portfolio" && this.protectedAliases.has(alias) && !admin) throw new GraphQLError(`alias ${alias} is protected: permission denied`);
    c.aliases.set(alias, a);
  }

  #root() {
    return {
      serverInfo: () => ({ features: Object.entries(this.features).map(([name, isEnabled]) => ({ name, isEnabled })) }),
      // W&B's official client reads the viewer's ids, name and teams too (wandb.init and wandb.Api() both ask).
      viewer: () => ({ id: gid("User", this.#number("user")), entity: ENTITY, username: ENTITY, email: null, flags: null, teams: { edges: [] } }),
      entity: ({ name }: { name: string }) => {
        const e = this.#entityState(name);
        if (!e) return null;
        const org = (display: string) => ({ name: display, orgEntity: { name: this.organizations.get(display) } });
        // A personal entity has no organization of its own; its user (null for a team) lists the user's organizations.
        return {
          ...this.#entityView(name),
          organization: e.org ? org(e.org) : null,
          user: e.userOrgs ? { organizations: e.userOrgs.map(org) } : null,
          xxhashDigestsEnabled: e.xxhashDigestsEnabled ?? false,
        };
      },
      upsertBucket: ({ input }: { input: { id?: string; name?: string; modelName?: string; entityName?: string; displayName?: string } }) => {
        // An upsert: W&B's official client upserts its run again when it finishes (by name, or by the id it was given).
        const name = input.name ?? [...this.#runIds].find(([, id]) => id === input.id)?.[0];
        if (!name) throw new GraphQLError(`run ${input.id ?? ""} not found`);
        const known = this.#runIds.get(name);
        const id = known ?? gid("Run", this.#n++);
        this.#runIds.set(name, id);
        this.runs.add(name);
        const entity = input.entityName ?? ENTITY;
        const project = input.modelName ?? "uncategorized";
        this.projects.add(`${entity}/${project}`);
        return {
          bucket: {
            id,
            name,
            displayName: input.displayName ?? name,
            description: null,
            config: null,
            sweepName: null,
            historyLineCount: 0,
            project: this.#projectView(entity, project),
          },
          inserted: !known,
        };
      },
      // W&B's official client uploads a finished run's files (config, summary, metadata) through signed URLs.
      createRunFiles: ({ input }: { input: { entityName: string; projectName: string; runName: string; files: string[] } }) => {
        const id = this.#runIds.get(input.runName);
        if (!id) throw new GraphQLError(`run ${input.runName} not found`);
        return {
          runID: id,
          uploadHeaders: [],
          files: input.files.map((name) => ({
            name,
            uploadUrl: signed(`${this.signedOrigin}/runs/${[input.entityName, input.projectName, input.runName].map(encodeURIComponent).join("/")}/${name}`),
          })),
        };
      },
      createArtifact: ({
        input,
      }: {
        input: Record<string, unknown> & {
          entityName: string;
          projectName: string;
          artifactCollectionName: string;
          digest: string;
          artifactTypeName: string;
          digestAlgorithm: string;
          runName?: string;
        };
      }) => {
        if (input.runName && !this.runs.has(input.runName)) throw new GraphQLError(`run ${input.runName} not found`);
        // A server without the feature has only MANIFEST_MD5 in the enum.
        if (input.digestAlgorithm !== "MANIFEST_MD5" && !this.features.ARTIFACT_DIGEST_ALGORITHM)
          throw new GraphQLError(
            `Variable "$input" got invalid value "${input.digestAlgorithm}" at "input.digestAlgorithm"; Value "${input.digestAlgorithm}" does not exist in "ArtifactDigestAlgorithm" enum.`,
          );
        const c = this.#collection(input.entityName, input.projectName, input.artifactCollectionName, "sequence", {
          type: input.artifactTypeName,
          digestAlgorithm: input.digestAlgorithm,
        }) as CollectionState;
        const same = c.members.find((a) => a.digest === input.digest && a.state === "COMMITTED");
        if (same) return { artifact: this.#view(same) };
        // A resend with the same clientID is the same artifact, as on W&B (its clients resend lost mutations).
        const resent = input.clientID ? c.members.find((a) => a.clientID === input.clientID) : undefined;
        if (resent) return { artifact: this.#view(resent) };
        const a: ArtifactState = {
          id: gid("Artifact", this.#n++),
          collection: c,
          type: input.artifactTypeName,
          digest: input.digest,
          // W&B takes an MD5 version into an XXH128 sequence (its own test logs one from an MD5 draft), so no check here.
          digestAlgorithm: input.digestAlgorithm,
          state: "PENDING",
          versionIndex: undefined,
          description: (input.description as string | undefined) ?? null,
          metadata: (input.metadata as string | undefined) ?? null,
          tags: ((input.tags as Array<{ tagName: string }> | undefined) ?? []).map((t) => t.tagName),
          pendingAliases: ((input.aliases as Array<{ alias: string }> | undefined) ?? []).map((x) => x.alias),
          manifestPath: undefined,
          files: new Map(),
          createdAt: wandbNow(),
          ...(typeof input.clientID === "string" && { clientID: input.clientID }),
          ...(typeof input.ttlDurationSeconds === "number" && input.ttlDurationSeconds > 0 && { ttlDurationSeconds: input.ttlDurationSeconds }),
          ...(typeof input.historyStep === "number" && { historyStep: input.historyStep }),
        };
        this.artifacts.set(a.id, a);
        c.members.push(a);
        return { artifact: this.#view(a) };
      },
      createArtifactManifest: ({ input }: { input: { artifactID: string; digest: string; name: string } }) => {
        const a = this.#artifact(input.artifactID);
        const path = `manifests/${a.id}/${input.name}`;
        const token = randomUUID();
        if (input.digest) this.signed.set(token, { path, md5: input.digest });
        a.manifestPath = path;
        return {
          artifactManifest: {
            id: `${a.id}-manifest`,
            file: {
              id: `${a.id}-manifest-file`,
              uploadUrl: input.digest ? this.#uploadUrl(token) : null,
              uploadHeaders: input.digest ? this.#uploadHeaders(input.digest) : [],
            },
          },
        };
      },
      createArtifactFiles: ({
        input,
      }: {
        input: {
          artifactFiles: Array<{
            artifactID: string;
            name: string;
            md5: string;
            digest?: string;
            uploadPartsInput?: Array<{ partNumber: number; hexMD5: string }>;
          }>;
          digestAlgorithm?: string;
        };
      }) => {
        // A server without the feature has neither input field: its schema refuses them as graphql-js would.
        if (!this.features.ARTIFACT_DIGEST_ALGORITHM) {
          if (input.digestAlgorithm !== undefined)
            throw new GraphQLError('Variable "$input" got invalid value; Field "digestAlgorithm" is not defined by type "CreateArtifactFilesInput".');
          if (input.artifactFiles.some((f) => f.digest !== undefined))
            throw new GraphQLError('Variable "$input" got invalid value; Field "digest" is not defined by type "CreateArtifactFileSpecInput".');
        }
        return {
          files: {
            edges: input.artifactFiles.map((spec) => {
              const a = this.#artifact(spec.artifactID);
              // Content-addressed by the MD5, or by the digest where a multipart XXH128 spec has no MD5 (W&B's client
              // sends "" there).
              const key = spec.md5 || spec.digest;
              if (!key) throw new GraphQLError(`file ${spec.name} has neither an md5 nor a digest`);
              const storagePath = `objects/${createHash("sha256").update(key).digest("hex")}`;
              const known = this.storage.has(storagePath);
              const birth = [...this.artifacts.values()].find((x) => [...x.files.values()].some((f) => f.storagePath === storagePath))?.id ?? a.id;
              a.files.set(spec.name, { name: spec.name, md5: spec.md5, storagePath, birth });
              const token = randomUUID();
              // Part URLs are S3's: W&B on Azure (or GCS) hands out one upload URL.
              if (!known && spec.uploadPartsInput && this.multipart && !this.azure) {
                const uploadID = randomUUID();
                this.uploads.set(uploadID, {
                  path: storagePath,
                  parts: new Map(spec.uploadPartsInput.map((p) => [Number(p.partNumber), { hexMD5: p.hexMD5 }])),
                });
                const uploadUrlParts = spec.uploadPartsInput.map((p) => ({
                  partNumber: p.partNumber,
                  uploadUrl: signed(`${this.signedOrigin}/part/${uploadID}/${p.partNumber}`),
                }));
                return {
                  node: {
                    storagePath,
                    uploadUrl: null,
                    uploadHeaders: ["Content-Type:application/octet-stream"],
                    uploadMultipartUrls: { uploadID, uploadUrlParts },
                    artifact: { id: birth },
                  },
                };
              }
              if (!known) this.signed.set(token, { path: storagePath, md5: spec.md5 });
              return {
                node: {
                  storagePath,
                  uploadUrl: known ? null : this.#uploadUrl(token),
                  uploadHeaders: known ? [] : [...this.#uploadHeaders(spec.md5), "Content-Type:application/octet-stream"],
                  uploadMultipartUrls: null,
                  artifact: { id: birth },
                },
              };
            }),
          },
        };
      },
      completeMultipartUploadArtifact: ({
        input,
      }: {
        input: { uploadID: string; storagePath: string; completedParts: Array<{ partNumber: number; hexMD5: string }> };
      }) => {
        const upload = this.uploads.get(input.uploadID);
        if (!upload || upload.path !== input.storagePath) throw new GraphQLError("no such multipart upload");
        const pieces: Uint8Array[] = [];
        for (const [n, part] of [...upload.parts].sort((a, b) => a[0] - b[0])) {
          const done = input.completedParts.find((p) => Number(p.partNumber) === n);
          // The client passes each part's ETag, quotes included, in hexMD5.
          if (!part.bytes || done?.hexMD5 !== `"${part.hexMD5}"`) throw new GraphQLError(`part ${n} is missing or its ETag does not match`);
          pieces.push(part.bytes);
        }
        const bytes = new Uint8Array(Buffer.concat(pieces));
        this.storage.set(upload.path, bytes);
        this.uploads.delete(input.uploadID);
        return { digest: createHash("md5").update(bytes).digest("base64") };
      },
      commitArtifact: ({ input }: { input: { artifactID: string } }) => {
        const a = this.#artifact(input.artifactID);
        // Committing again changes nothing; a resent commit must not number the version twice.
        if (a.state === "COMMITTED") return { artifact: { id: a.id, digest: a.digest } };
        if (!a.manifestPath || !this.storage.has(a.manifestPath)) throw new GraphQLError("cannot commit: the manifest was not uploaded");
        for (const f of a.files.values()) if (!this.storage.has(f.storagePath)) throw new GraphQLError(`cannot commit: ${f.name} was not uploaded`);
        const c = a.collection;
        a.state = "COMMITTED";
        const index = Math.max(-1, ...c.versions.values()) + 1;
        c.versions.set(a, index);
        // Exactly the aliases the create carried: W&B's clients send `latest` themselves, so the fake does not add it.
        for (const alias of new Set(a.pendingAliases)) this.#moveAlias(c, alias, a);
        return { artifact: { id: a.id, digest: a.digest } };
      },
      artifact: ({ id }: { id: string }) => {
        const a = this.artifacts.get(id);
        return a ? this.#view(a) : null;
      },
      project: ({ name, entityName }: { name: string; entityName: string }) => {
        // W&B answers `project: null` for a project that does not exist (or that the key cannot see).
        if (!this.projects.has(`${entityName}/${name}`)) return null;
        const member = (c: CollectionState | undefined, selector: string) => {
          const a = this.#resolveName(c, selector);
          return c && a ? this.#membership(a, c) : null;
        };
        return {
          ...this.#projectView(entityName, name),
          // W&B's official client asks a project for an artifact by "collection:alias" (its type, before logging one).
          artifact: ({ name: ref }: { name: string }) => {
            const at = ref.indexOf(":");
            const c = this.#collection(entityName, name, at < 0 ? ref : ref.slice(0, at));
            const a = this.#resolveName(c, at < 0 ? "latest" : ref.slice(at + 1));
            return a ? this.#view(a) : null;
          },
          // A type exists in a project once a sequence of it does (wandb-core asks it for a sequence's digest algorithm
          // before the first version is committed); it reaches that type's collections.
          artifactType: ({ name: type }: { name: string }) =>
            [...this.collections.values()].some((c) => c.entity === entityName && c.project === name && this.#typeOf(c) === type)
              ? this.#typeView(entityName, name, type)
              : null,
          artifactCollectionMembership: ({ name: ref }: { name: string }) => {
            const at = ref.indexOf(":");
            if (at < 0) throw new GraphQLError(`invalid membership name ${ref}: expected collection:alias`);
            return member(this.#collection(entityName, name, ref.slice(0, at)), ref.slice(at + 1));
          },
          artifactCollection: ({ name: cname }: { name: string }) => {
            const c = this.#collection(entityName, name, cname);
            if (!c) return null;
            return {
              ...this.#collectionView(c),
              artifactMembership: ({ aliasName }: { aliasName: string }) => member(c, aliasName),
              artifacts: ({ first, after, filters }: { first?: number; after?: string; filters?: string }) => {
                const wanted = filters === undefined ? undefined : (parseFilters(filters).state as string | undefined);
                // Only committed versions have numbers; a PENDING one is listed (without filters) with none.
                const committed = [...c.versions.entries()].sort((x, y) => y[1] - x[1]).map(([a]) => a);
                const all =
                  wanted === "COMMITTED"
                    ? committed
                    : [...committed, ...c.members.filter((a) => a.state === "PENDING" && (wanted === undefined || wanted === "PENDING"))];
                return page(all, first, after, (a) => ({ version: `v${c.versions.get(a) ?? ""}`, node: this.#view(a) }));
              },
            };
          },
          artifactCollections: ({ first, after }: { first?: number; after?: string }) => {
            const all = [...this.collections.values()]
              .filter((c) => c.entity === entityName && c.project === name && c.versions.size > 0)
              .sort((x, y) => (x.name < y.name ? -1 : 1));
            return page(all, first, after, (c) => ({ node: { ...this.#collectionView(c), createdAt: wandbNow(new Date(0)) } }));
          },
        };
      },
      updateArtifactSequence: ({ input }: { input: { artifactSequenceID: string; description?: string } }) => {
        const c = [...this.collections.values()].find((x) => x.id === input.artifactSequenceID && x.kind === "sequence");
        if (!c) throw new GraphQLError(`artifact sequence ${input.artifactSequenceID} not found`);
        if (input.description !== undefined) c.description = input.description;
        return { artifactCollection: { __typename: "ArtifactSequence", id: c.id } };
      },
      // Each collection type has its own mutation: an id of the other type is not found, as for any wrong id.
      updateArtifactPortfolio: ({ input }: { input: { artifactPortfolioID: string; description?: string } }) => {
        const c = [...this.collections.values()].find((x) => x.id === input.artifactPortfolioID && x.kind === "portfolio");
        if (!c) throw new GraphQLError(`artifact portfolio ${input.artifactPortfolioID} not found`);
        if (input.description !== undefined) c.description = input.description;
        return { artifactCollection: { __typename: "ArtifactPortfolio", id: c.id } };
      },
      updateArtifact: ({
        input,
      }: {
        input: {
          artifactID: string;
          description?: string;
          metadata?: string;
          tagsToAdd?: Array<{ tagName: string }>;
          tagsToDelete?: Array<{ tagName: string }>;
        };
      }) => {
        const a = this.#artifact(input.artifactID);
        if (input.description !== undefined) a.description = input.description;
        if (input.metadata !== undefined) a.metadata = input.metadata;
        for (const t of input.tagsToAdd ?? []) if (!a.tags.includes(t.tagName)) a.tags.push(t.tagName);
        a.tags = a.tags.filter((t) => !(input.tagsToDelete ?? []).some((d) => d.tagName === t));
        return { artifact: { id: a.id } };
      },
      deleteArtifact: ({ input }: { input: { artifactID: string; deleteAliases?: boolean } }) => {
        const a = this.#artifact(input.artifactID);
        const held = [...a.collection.aliases.entries()].filter(([k, v]) => v === a && k !== "latest");
        if (held.length > 0 && !input.deleteAliases) throw new GraphQLError(`cannot delete artifact with aliases: ${held.map(([k]) => k).join(", ")}`);
        for (const [k] of held) a.collection.aliases.delete(k);
        a.collection.versions.delete(a);
        a.collection.members = a.collection.members.filter((m) => m !== a);
        this.artifacts.delete(a.id);
        // `latest` moves by itself to the newest version left.
        const newest = [...a.collection.versions.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
        if (newest) a.collection.aliases.set("latest", newest);
        else a.collection.aliases.delete("latest");
        return { artifact: { id: a.id } };
      },
      addAliases: ({
        input,
      }: {
        input: { artifactID: string; aliases: Array<{ alias: string; artifactCollectionName: string; entityName: string; projectName: string }> };
      }) => {
        const a = this.#artifact(input.artifactID);
        for (const x of input.aliases) {
          const c = this.#collection(x.entityName, x.projectName, x.artifactCollectionName);
          if (!c?.versions.has(a)) throw new GraphQLError(`artifact is not in collection ${x.artifactCollectionName}`);
          this.#moveAlias(c, x.alias, a, false);
        }
        return { success: true };
      },
      deleteAliases: ({
        input,
      }: {
        input: { artifactID: string; aliases: Array<{ alias: string; artifactCollectionName: string; entityName: string; projectName: string }> };
      }) => {
        const a = this.#artifact(input.artifactID);
        for (const x of input.aliases) {
          const c = this.#collection(x.entityName, x.projectName, x.artifactCollectionName);
          if (c?.aliases.get(x.alias) === a) c.aliases.delete(x.alias);
        }
        return { success: true };
      },
      linkArtifact: ({
        input,
      }: {
        input: { artifactID: string; entityName: string; projectName: string; artifactPortfolioName: string; aliases?: Array<{ alias: string }> };
      }) => {
        const a = this.#artifact(input.artifactID);
        if (!this.projects.has(`${input.entityName}/${input.projectName}`))
          throw new GraphQLError(`project ${input.entityName}/${input.projectName} not found`);
        // W&B refuses a link into another organization's registry (wandb/server#157): the source entity must be the
        // target's, a team of the target's organization, or a personal entity whose user is in it.
        const source = this.#entityState(a.collection.entity);
        const target = [...this.organizations].find(([, orgEntity]) => orgEntity === input.entityName)?.[0];
        if (input.entityName !== a.collection.entity && !(target && (source?.org === target || source?.userOrgs?.includes(target))))
          throw new GraphQLError("linking is only allowed within the same team or to a collection in your organization's registry");
        const c = this.#collection(input.entityName, input.projectName, input.artifactPortfolioName, "portfolio") as CollectionState;
        if (!c.versions.has(a)) {
          c.versions.set(a, Math.max(-1, ...c.versions.values()) + 1);
          c.members.push(a);
        }
        for (const alias of ["latest", ...(input.aliases ?? []).map((x) => x.alias)]) this.#moveAlias(c, alias, a, false);
        return { versionIndex: c.versions.get(a) };
      },
      unlinkArtifact: ({ input }: { input: { artifactID: string; artifactPortfolioID: string } }) => {
        // Only a portfolio holds links: a version cannot be unlinked from its own sequence.
        const c = [...this.collections.values()].find((x) => x.id === input.artifactPortfolioID && x.kind === "portfolio");
        if (!c) throw new GraphQLError(`artifact portfolio ${input.artifactPortfolioID} not found`);
        const a = this.#artifact(input.artifactID);
        if (!c.versions.has(a)) throw new GraphQLError("artifact is not linked to that portfolio");
        c.versions.delete(a);
        c.members = c.members.filter((m) => m !== a);
        for (const [k, v] of [...c.aliases]) if (v === a) c.aliases.delete(k);
        return { success: true };
      },
    };
  }

  /** A signed upload URL for a grant: GCS-style, or an Azure SAS URL in Azure mode. */
  #uploadUrl(token: string): string {
    return this.azure ? sas(`${this.signedOrigin}/azure/${token}`) : signed(`${this.signedOrigin}/upload/${token}`);
  }

  /** The upload headers W&B returns with a URL: the MD5 storage checks, and on Azure the blob type Put Blob needs. */
  #uploadHeaders(md5: string): string[] {
    return [...(this.azure ? ["x-ms-blob-type:BlockBlob"] : []), ...(md5 ? [`Content-MD5:${md5}`] : [])];
  }

  handlers(): HttpHandler[] {
    return [
      http.all(`${STORAGE}/*`, ({ request }) => {
        const headers: Record<string, string> = {};
        request.headers.forEach((value, key) => {
          headers[key] = value;
        });
        this.storageRequests.push({ method: request.method, url: request.url, headers });
        // Recorded only: the handlers below answer.
        return undefined;
      }),
      http.post(`${BASE}/graphql`, async ({ request }) => {
        if (request.headers.get("authorization") !== `Basic ${Buffer.from(`api:${API_KEY}`).toString("base64")}`) {
          return HttpResponse.json({ errors: [{ message: "unauthenticated: invalid API key" }] }, { status: 401 });
        }
        const body = (await request.json()) as { query: string; variables?: Record<string, unknown>; operationName?: string };
        const entry: { operation: string; variables: unknown; errors?: string[] } = { operation: body.operationName ?? "", variables: body.variables };
        this.requests.push(entry);
        let check = checked.get(body.query);
        if (!check) {
          let document: DocumentNode;
          try {
            document = parse(body.query);
          } catch (error) {
            entry.errors = [(error as Error).message];
            return HttpResponse.json({ errors: [{ message: (error as Error).message }] }, { status: 400 });
          }
          // A retired field may also be missing from the contract: W&B's one message for it, without graphql-js's hints.
          const retired = retiredIn(document);
          check = { document, invalid: retired.length > 0 ? retired : validate(schema, document) };
          checked.set(body.query, check);
        }
        // W&B's clients may leave operationName out or empty (wandb 0.31's wandb.Api() sent "" for its default-entity
        // query, which execute() took as an operation named ""): the name is then the one the document gives.
        if (!body.operationName)
          entry.operation = check.document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)?.name?.value ?? "";
        // An older server has no such field: it fails validation exactly as a misspelled one would.
        for (const [feature, field, type] of GATED) {
          const off = feature === "features" ? !this.hasFeaturesField : !this.features[feature];
          if (off && new RegExp(`\\b${field}\\b`).test(body.query)) {
            entry.errors = [`Cannot query field "${field}" on type "${type}".`];
            return HttpResponse.json({ errors: [{ message: `Cannot query field "${field}" on type "${type}".` }] }, { status: 400 });
          }
        }
        if (check.invalid.length > 0) {
          entry.errors = check.invalid.map((e) => e.message);
          return HttpResponse.json({ errors: check.invalid.map((e) => ({ message: e.message })) }, { status: 400 });
        }
        // execute() coerces the variables against their declared types and reports mismatches as errors.
        const result = await execute({
          schema,
          document: check.document,
          rootValue: this.#root(),
          variableValues: body.variables ?? {},
          operationName: body.operationName || null,
        });
        if (result.errors) entry.errors = result.errors.map((e) => e.message);
        // W&B answers resolver errors with HTTP 200 and errors[].
        return HttpResponse.json(result);
      }),
      http.post(`${BASE}/files/:entity/:project/:run/file_stream`, async ({ request, params }) => {
        const body = (await request.json()) as { complete?: boolean; exitcode?: number };
        if (!this.runs.has(String(params.run))) return HttpResponse.json({ error: "run not found" }, { status: 404 });
        if (body.complete) this.finished.set(String(params.run), body.exitcode ?? 0);
        return HttpResponse.json({});
      }),
      http.put(`${STORAGE}/part/:upload/:part`, async ({ request, params }) => {
        if (request.headers.get("authorization")) return new HttpResponse("credentials must not be sent to storage", { status: 400 });
        if (unsigned(request)) return badSignature();
        // S3 numbers parts 1 to 10,000: a URL for any other number is signed, but S3 refuses the PUT.
        const n = Number(params.part);
        if (!Number.isInteger(n) || n < 1 || n > 10_000)
          return new HttpResponse(
            "<Error><Code>InvalidArgument</Code><Message>Part number must be an integer between 1 and 10000, inclusive</Message></Error>",
            {
              status: 400,
            },
          );
        const part = this.uploads.get(String(params.upload))?.parts.get(n);
        if (!part) return new HttpResponse("<Error>NoSuchUpload</Error>", { status: 404 });
        const bytes = new Uint8Array(await request.arrayBuffer());
        const hex = createHash("md5").update(bytes).digest("hex");
        if (request.headers.get("content-md5") !== Buffer.from(part.hexMD5, "hex").toString("base64") || hex !== part.hexMD5)
          return new HttpResponse("<Error>BadDigest</Error>", { status: 400 });
        part.bytes = bytes;
        return new HttpResponse(null, { status: 200, headers: { etag: `"${hex}"` } });
      }),
      http.put(`${STORAGE}/upload/:token`, async ({ request, params }) => {
        if (request.headers.get("authorization")) return new HttpResponse("credentials must not be sent to storage", { status: 400 });
        if (unsigned(request)) return badSignature();
        const grant = this.signed.get(String(params.token));
        if (!grant) return new HttpResponse("<Error>SignatureDoesNotMatch</Error>", { status: 403 });
        const bytes = new Uint8Array(await request.arrayBuffer());
        const md5 = createHash("md5").update(bytes).digest("base64");
        if (request.headers.get("content-md5") !== grant.md5 || md5 !== grant.md5) return new HttpResponse("<Error>BadDigest</Error>", { status: 400 });
        // A signed URL stays valid until it expires, so a PUT resent after a lost answer is accepted again.
        this.storage.set(grant.path, bytes);
        return new HttpResponse(null, { status: 200 });
      }),
      http.put(`${STORAGE}/azure/:token`, async ({ request, params }) => {
        if (request.headers.get("authorization")) return new HttpResponse("credentials must not be sent to storage", { status: 400 });
        const grant = this.signed.get(String(params.token));
        if (unsignedSas(request) || !grant) return new HttpResponse("<Error><Code>AuthenticationFailed</Code></Error>", { status: 403 });
        return this.azureBlobs.put(request, grant.path);
      }),
      // A run's files, through the URLs createRunFiles signs: stored as sent.
      http.put(`${STORAGE}/runs/*`, async ({ request }) => {
        if (request.headers.get("authorization")) return new HttpResponse("credentials must not be sent to storage", { status: 400 });
        if (unsigned(request)) return badSignature();
        this.storage.set(new URL(request.url).pathname.slice(1), new Uint8Array(await request.arrayBuffer()));
        return new HttpResponse(null, { status: 200 });
      }),
      http.get(`${STORAGE}/*`, ({ request }) => {
        if (request.headers.get("authorization")) return new HttpResponse("credentials must not be sent to storage", { status: 400 });
        if (unsigned(request)) return badSignature();
        const path = new URL(request.url).pathname.slice(1);
        const bytes = this.storage.get(path);
        return bytes
          ? new HttpResponse(bytes, { headers: { "content-length": String(bytes.byteLength) } })
          : new HttpResponse("<Error>NoSuchKey</Error>", { status: 404 });
      }),
    ];
  }

  /**
   * Writes a committed version straight into the fake as W&B's own client logs it (a stand-in for a version made by
   * wandb 0.29+, which modelreg must read): the files in storage, and a manifest in Python's layout whose entries carry
   * the digests given, tagged `extra.alg` where `alg` is given. The digests are taken as given, never computed here:
   * tests pass values made by an independent implementation, or wrong ones on purpose.
   */
  logAsWandbClient(input: {
    collection: string;
    files: Array<{ path: string; bytes: Uint8Array; digest: string; alg?: string }>;
    entity?: string;
    project?: string;
    type?: string;
    digestAlgorithm?: "MANIFEST_MD5" | "MANIFEST_XXH128";
    aliases?: string[];
  }): { artifactID: string; versionIndex: number } {
    const entity = input.entity ?? ENTITY;
    const project = input.project ?? "models";
    const digestAlgorithm = input.digestAlgorithm ?? "MANIFEST_XXH128";
    this.projects.add(`${entity}/${project}`);
    const c = this.#collection(entity, project, input.collection, "sequence", { type: input.type ?? "model", digestAlgorithm }) as CollectionState;
    const id = gid("Artifact", this.#n++);
    const files = new Map<string, FileState>();
    const contents: Record<string, unknown> = {};
    for (const f of input.files) {
      const storagePath = `objects/${createHash("sha256").update(f.digest).digest("hex")}`;
      this.storage.set(storagePath, f.bytes);
      files.set(f.path, { name: f.path, md5: "", storagePath, birth: id });
      contents[f.path] = { digest: f.digest, size: f.bytes.byteLength, birthArtifactID: id, ...(f.alg && { extra: { alg: f.alg } }) };
    }
    const manifestPath = `manifests/${id}/wandb_manifest.json`;
    const manifest = { version: 1, storagePolicy: "wandb-storage-policy-v1", storagePolicyConfig: { storageLayout: "V2" }, contents };
    this.storage.set(manifestPath, new TextEncoder().encode(JSON.stringify(manifest, null, 4)));
    const a: ArtifactState = {
      id,
      collection: c,
      type: input.type ?? "model",
      // The artifact digest is the client's too; nothing in the fake or in modelreg's reading checks it.
      digest: createHash("sha256").update(id).digest("hex").slice(0, 32),
      digestAlgorithm,
      state: "COMMITTED",
      versionIndex: undefined,
      description: null,
      metadata: null,
      tags: [],
      pendingAliases: [],
      manifestPath,
      files,
      createdAt: wandbNow(),
    };
    this.artifacts.set(id, a);
    c.members.push(a);
    const versionIndex = Math.max(-1, ...c.versions.values()) + 1;
    c.versions.set(a, versionIndex);
    for (const alias of new Set(["latest", ...(input.aliases ?? [])])) this.#moveAlias(c, alias, a);
    return { artifactID: id, versionIndex };
  }

  /** The storage URL a file of a version is served from. */
  fileUrl(path: string): string {
    return signed(`${this.signedOrigin}/${path}`);
  }
}
