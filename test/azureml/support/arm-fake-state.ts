// The ARM fake's state and what its route modules share: options, the workspace's and the registry's models, the
// workspace's datastores and online endpoints, long-running operations, pending uploads, a clock, and paging.
import { randomBytes, randomUUID } from "node:crypto";
import type { ArmErrorDetail } from "./arm-fake-errors.js";
import { armError, json, userError } from "./arm-fake-errors.js";
import type { ContractOperation } from "./arm-fake-contract.js";

/** What {@link startArmFake} takes. */
export interface ArmFakeOptions {
  /** Serve HTTPS with this certificate and key (PEM text); the Python SDK's bearer policy refuses plain HTTP. */
  https?: { cert: string; key: string };
  /** The host name written into `url` and the URLs the fake answers with (default 127.0.0.1; it listens there). */
  hostname?: string;
  subscriptionId: string;
  resourceGroup: string;
  /** The workspace served; without it every workspace route answers 404. */
  workspace?: string;
  /** The registry served; without it every registry route answers 404. */
  registry?: string;
  /** The Azurite account behind the datastore and the pending uploads. */
  blob: {
    /** The account's blob endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1` (path-style, as Azurite serves it). */
    endpoint: string;
    accountName: string;
    /** Base64, as Azure shows it. */
    accountKey: string;
    /**
     * The account's URL as registry clients are to see it, host-style (`https://devstoreaccount1.blob.core.localhost:
     * {port}`, a name that reaches the same Azurite): used instead of `endpoint` in the blob URLs of registry pending
     * uploads, temporary data references and data references, and taken as a prefix of the `blobUri`s asked about.
     * azure-ai-ml reads a registry asset's URI as `https://{host}/{container}/{path}` (_artifacts/_constants.py
     * STORAGE_URI_REGEX), which a path-style Azurite URL does not fit. The fake's own calls to Azurite keep `endpoint`.
     */
    publicEndpoint?: string;
  };
  /** How the workspace's default datastore `workspaceblobstore` authenticates (default AccountKey). */
  datastoreCredentials?: "AccountKey" | "Sas" | "None";
  /** Polls of a long-running operation answered InProgress before its end (default 1). */
  lroPolls?: number;
  /**
   * How long an operation nobody polls takes to end by itself (default 300 ms). Azure runs an operation whether or not
   * anyone asks: a client whose PUT answer was lost sees the version appear. Polls end it sooner (`lroPolls`).
   */
  lroSettleMs?: number;
  /** The `Retry-After` (seconds) of long-running operations' answers (default 0). */
  retryAfter?: number;
  /** The bearer token every request must carry (default {@link DEFAULT_ARM_TOKEN}). */
  token?: string;
  /** Items per page of a list (default 100; a guess, the service's page size is not documented). */
  pageSize?: number;
  /** The region of the workspace and its endpoints (default eastus). */
  location?: string;
  /** Who `systemData` says made and changed things (default tester@example.com). */
  user?: string;
}

/** The token the fake takes when given none. */
export const DEFAULT_ARM_TOKEN = "arm-fake-token-0e5b0c3c7d9a4f7e";

export const PROVIDER = "Microsoft.MachineLearningServices";

/** ARM's record of who made and changed a resource. */
export interface SystemData {
  createdAt: string;
  createdBy: string;
  createdByType: "User";
  lastModifiedAt: string;
  lastModifiedBy: string;
  lastModifiedByType: "User";
}

/** A model version: its properties as the client sent them (read-only fields dropped). */
export interface ModelVersionState {
  readonly version: string;
  properties: Record<string, unknown>;
  systemData: SystemData;
}

/** A model container and its versions. */
export interface ModelContainerState {
  readonly name: string;
  /** description, tags, properties, isArchived. */
  properties: Record<string, unknown>;
  systemData: SystemData;
  readonly versions: Map<string, ModelVersionState>;
}

/** The models of a workspace or of a registry. */
export interface ModelScope {
  readonly kind: "workspace" | "registry";
  readonly name: string;
  readonly containers: Map<string, ModelContainerState>;
  /** The highest numeric version ever created, per model: deletes never lower it (see nextVersion). */
  readonly highest: Map<string, number>;
  /** `{model}/{version}` of deleted versions. */
  readonly deleted: Set<string>;
}

/** A datastore of the workspace (Azure Blob only). */
export interface DatastoreState {
  readonly name: string;
  readonly containerName: string;
  readonly credentialsType: "AccountKey" | "Sas" | "None";
  readonly isDefault: boolean;
  readonly systemData: SystemData;
}

/** An online endpoint or deployment: the tracked resource's fields as sent, its state, and its running operation. */
export interface TrackedState {
  readonly name: string;
  location: string;
  tags: Record<string, string>;
  identity?: Record<string, unknown>;
  sku?: Record<string, unknown>;
  kind?: string;
  properties: Record<string, unknown>;
  provisioningState: "Creating" | "Updating" | "Deleting" | "Succeeded" | "Failed" | "Canceled";
  systemData: SystemData;
  /** The id of the operation changing it, while one runs. */
  busy?: string;
}

export interface EndpointState extends TrackedState {
  readonly deployments: Map<string, TrackedState>;
}

/** A long-running operation. */
export interface OperationState {
  readonly id: string;
  readonly kind: "create" | "update" | "delete";
  readonly operation: string;
  readonly apiVersion: string;
  status: "InProgress" | "Succeeded" | "Failed";
  pollsLeft: number;
  readonly startTime: string;
  /** When it started (epoch ms): an operation nobody polls ends by itself after `lroSettleMs`, as Azure's do. */
  readonly startedAt: number;
  endTime?: string;
  error?: ArmErrorDetail;
  /** The status the Location URL answers a failure with. */
  errorStatus?: number;
  /** Applies the change; an error makes the operation fail (and `revert` runs). */
  readonly apply: () => ArmErrorDetail | undefined;
  /** Undoes what the start of the operation showed (provisioningState, a resource shown while creating). */
  readonly revert: () => void;
  /** The body the Location URL answers once the operation succeeded (none for a delete). */
  readonly result?: () => unknown;
}

/** A container the fake made in Azurite for a pending upload. */
export interface PendingUpload {
  readonly id: string;
  readonly container: string;
  readonly model: string;
  readonly version: string;
}

/** What a route is handed. */
export interface Ctx {
  readonly request: Request;
  readonly url: URL;
  readonly op: ContractOperation;
  readonly params: Record<string, string>;
  readonly apiVersion: string;
  readonly body: unknown;
  readonly state: ArmFakeState;
}

export type Handler = (ctx: Ctx) => Response | Promise<Response>;

/** An injected end of the next long-running operation a matching request starts. */
export interface OperationFault {
  readonly match: (request: { method: string; path: string; operation: string }) => boolean;
  readonly error: ArmErrorDetail;
  readonly status: number;
  times: number;
}

const newScope = (kind: ModelScope["kind"], name: string): ModelScope => ({ kind, name, containers: new Map(), highest: new Map(), deleted: new Set() });

export class ArmFakeState {
  /** The base URL written into nextLink and operation URLs (the server's own; a test behind a proxy may change it). */
  publicUrl = "";
  readonly workspace: ModelScope | undefined;
  readonly registry: ModelScope | undefined;
  readonly datastores = new Map<string, DatastoreState>();
  readonly endpoints = new Map<string, EndpointState>();
  readonly operations = new Map<string, OperationState>();
  readonly pendingUploads = new Map<string, PendingUpload>();
  /** Azurite containers the fake made (or made sure of). */
  readonly containers = new Set<string>();
  readonly operationFaults: OperationFault[] = [];
  readonly location: string;
  readonly user: string;
  /** The workspace's GUID (`properties.workspaceId`). */
  readonly workspaceGuid = randomUUID();
  readonly workspaceSystemData: SystemData;
  #time = 0;

  constructor(readonly options: ArmFakeOptions) {
    this.workspace = options.workspace === undefined ? undefined : newScope("workspace", options.workspace);
    this.registry = options.registry === undefined ? undefined : newScope("registry", options.registry);
    this.location = options.location ?? "eastus";
    this.user = options.user ?? "tester@example.com";
    const systemData = this.systemData();
    this.workspaceSystemData = systemData;
    // Guess at the name's shape: workspaces' default container is azureml-blobstore-{workspace guid}; one per fake, so
    // fakes sharing an Azurite do not share files.
    this.datastores.set("workspaceblobstore", {
      name: "workspaceblobstore",
      containerName: `azureml-blobstore-${randomUUID()}`,
      credentialsType: options.datastoreCredentials ?? "AccountKey",
      isDefault: true,
      systemData,
    });
  }

  /** A timestamp, strictly later than the last one, so creation order is total. */
  now(): string {
    this.#time = Math.max(this.#time + 1, Date.now());
    return new Date(this.#time).toISOString();
  }

  systemData(previous?: SystemData): SystemData {
    const at = this.now();
    return {
      createdAt: previous?.createdAt ?? at,
      createdBy: previous?.createdBy ?? this.user,
      createdByType: "User",
      lastModifiedAt: at,
      lastModifiedBy: this.user,
      lastModifiedByType: "User",
    };
  }

  get lroPolls(): number {
    return this.options.lroPolls ?? 1;
  }

  get pageSize(): number {
    return this.options.pageSize ?? 100;
  }

  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices`, as ARM writes ids. */
  get providerId(): string {
    return `/subscriptions/${this.options.subscriptionId}/resourceGroups/${this.options.resourceGroup}/providers/${PROVIDER}`;
  }

  scopeId(scope: ModelScope): string {
    return `${this.providerId}/${scope.kind === "workspace" ? "workspaces" : "registries"}/${scope.name}`;
  }

  get workspaceId(): string {
    return `${this.providerId}/workspaces/${this.options.workspace}`;
  }

  /** The ARM id of the Azurite account. */
  get storageAccountId(): string {
    return `/subscriptions/${this.options.subscriptionId}/resourceGroups/${this.options.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${this.options.blob.accountName}`;
  }

  /** A fresh Azurite container name (3-63 lower-case letters, digits, hyphens). */
  newContainerName(prefix: string): string {
    return `${prefix}-${randomBytes(12).toString("hex")}`;
  }
}

/** The `$skip` token of a page starting at `offset`. Guess: the service's token is opaque; this one is too. */
const skipToken = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url");

function skipOffset(token: string | null): number | undefined {
  if (token === null) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}

/**
 * One page of `items` as ARM lists answer: `{value, nextLink}`, nextLink the same query with a `$skip` token.
 * `$top` caps the whole listing (guess: OData's meaning; the service may instead take it as the page size).
 */
export function page(ctx: Ctx, items: unknown[], options: { top?: number; pageSize?: number } = {}): Response {
  const offset = skipOffset(ctx.url.searchParams.get("$skip"));
  if (offset === undefined) return userError(400, "The $skip continuation token is not valid.");
  const all = options.top === undefined ? items : items.slice(0, options.top);
  const size = options.pageSize ?? ctx.state.pageSize;
  const value = all.slice(offset, offset + size);
  const body: { value: unknown[]; nextLink?: string } = { value };
  if (offset + size < all.length) {
    const next = new URL(`${ctx.url.pathname}${ctx.url.search}`, ctx.state.publicUrl);
    next.searchParams.set("$skip", skipToken(offset + size));
    body.nextLink = next.href;
  }
  return json(200, body);
}

/** `$top` or `count` as an integer of at least 1, undefined when absent, or an error answer. */
export function positiveInt(ctx: Ctx, name: string): number | undefined | Response {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0
    ? n
    : armError(400, "InvalidQueryParameterValue", `The query parameter ${name} must be a positive integer, got '${raw}'.`);
}
