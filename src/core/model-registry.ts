/**
 * The `ModelRegistry` specification. Every adapter implements it; lifecycle and sync are built on it alone.
 *
 * @module
 */

import type { RegistryCapabilities } from "./capabilities.js";
import type { EndpointsApi } from "./endpoints.js";
import type { RegistryEvent, RegistryEventInput, RegistryEventSource, RegistryEventType } from "./events.js";
import type { CallOptions, ListOptions, TransferOptions } from "./options.js";
import type { PageIterable } from "./pagination.js";
import type { VersionRefInput } from "./refs.js";
import type {
  AliasEntry,
  ArtifactFile,
  CreateModelInput,
  CreateVersionInput,
  ModelVersion,
  RegisteredModel,
  Stage,
  UpdateModelInput,
  UpdateVersionInput,
} from "./types.js";

/** The version of this specification. Adapters declare the one they implement. */
export const SPECIFICATION_VERSION = "v1" as const;

/** Options for `listModels`. */
export interface ListModelsOptions extends ListOptions {
  /** Only models whose name starts with this. */
  namePrefix?: string;
  /** Only models with all of these tags. */
  tags?: Record<string, string>;
}

/** Options for `listVersions`. Versions come newest first. */
export interface ListVersionsOptions extends ListOptions {
  /** Only versions in this stage. */
  stage?: Stage;
  /** Only versions with all of these tags. */
  tags?: Record<string, string>;
  /**
   * Orders the versions by a metric, best first by default. Versions without the metric come last. No provider sorts
   * versions by a metric itself, so the registry reads every matching version before the first one is returned
   * (then serves them in pages of `pageSize`); `pageToken` cannot be combined with it.
   */
  orderBy?: VersionOrder;
}

/** How `listVersions` orders by a metric. */
export interface VersionOrder {
  /** The metric's name, e.g. `auc`. */
  metric: string;
  /** `desc` (default): highest first, for metrics where more is better; `asc` for losses and error rates. */
  direction?: "asc" | "desc";
}

/** Options for `transitionStage`. */
export interface TransitionStageOptions extends CallOptions {
  /** Move every other version in the target stage to `archived`. Only for `staging` and `production`. */
  archiveExisting?: boolean;
}

/** One opened artifact file. */
export interface ArtifactDownload {
  /** The file's path inside the version. */
  path: string;
  /** Its bytes, streamed. Read it once. */
  stream: ReadableStream<Uint8Array>;
  /** Its size, when known. */
  size?: number;
}

/** Options for `downloadArtifacts`. */
export interface DownloadOptions extends TransferOptions {
  /** Only these paths (inside the version). Default: every file. */
  paths?: string[];
  /** Replace files that already exist in the directory. Default `false`: an existing file is an error. */
  overwrite?: boolean;
}

/** What `downloadArtifacts` did. */
export interface DownloadResult {
  /** The directory written to. */
  directory: string;
  /** The files written, with their sizes. */
  files: ArtifactFile[];
  /** Bytes written in all. */
  totalBytes: number;
}

/** What `setAlias` returns. */
export interface SetAliasResult {
  /** The version the alias pointed at before, if it existed. */
  previous?: string;
}

/** Options for `listAuditEvents`. */
export interface AuditQuery extends CallOptions {
  /** Only events about this model. */
  model?: string;
  /** Only events of these types. */
  types?: RegistryEventType[];
  /** Only events at or after this time. */
  since?: Date;
}

/**
 * A model registry. Get one from a factory: `createLocalRegistry()`, `createMlflowRegistry()`, ...
 *
 * References are `{ model, version }`, `{ model, alias }`, `"model/3"` or `"model@alias"`. Every call takes
 * {@link CallOptions}. Failures are {@link ModelRegistryError} subclasses; bad input is refused before any request:
 * async methods reject with `InvalidInputError`, and list methods throw it at the call, before anything is fetched.
 */
export interface ModelRegistry {
  /** The specification version this adapter implements. */
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** The provider: `local`, `mlflow`, `vertex`, `wandb`. */
  readonly provider: string;
  /** What this registry supports. */
  readonly capabilities: RegistryCapabilities;
  /** Subscribe to changes made through this client. */
  readonly events: RegistryEventSource;
  /** Deploy and traffic split, when `capabilities.deploy`. */
  readonly endpoints?: EndpointsApi;

  /** Creates a registered model. Throws `ConflictError` if the name is taken. */
  createModel(input: CreateModelInput, options?: CallOptions): Promise<RegisteredModel>;
  /** Reads a registered model. Throws `NotFoundError` if it does not exist. */
  getModel(name: string, options?: CallOptions): Promise<RegisteredModel>;
  /** Lists registered models, by name. */
  listModels(options?: ListModelsOptions): PageIterable<RegisteredModel>;
  /** Updates a model's description and tags. */
  updateModel(name: string, patch: UpdateModelInput, options?: CallOptions): Promise<RegisteredModel>;
  /** Renames a registered model; its versions and aliases follow. Requires `capabilities.renameModel`. */
  renameModel(name: string, newName: string, options?: CallOptions): Promise<RegisteredModel>;
  /** Deletes a model with all its versions and aliases. */
  deleteModel(name: string, options?: CallOptions): Promise<void>;

  /**
   * Creates a version from an artifact source. The files are uploaded first and the version appears only once all of
   * them are stored: a failure leaves no partial version behind.
   */
  createVersion(model: string, input: CreateVersionInput, options?: TransferOptions): Promise<ModelVersion>;
  /** Reads a version. `{ model, alias: "latest" }` is the highest version. */
  getVersion(ref: VersionRefInput, options?: CallOptions): Promise<ModelVersion>;
  /** Lists a model's versions, newest first. */
  listVersions(model: string, options?: ListVersionsOptions): PageIterable<ModelVersion>;
  /** Updates a version's metadata. Its artifacts never change. */
  updateVersion(ref: VersionRefInput, patch: UpdateVersionInput, options?: CallOptions): Promise<ModelVersion>;
  /** Deletes a version and the aliases that point at it. */
  deleteVersion(ref: VersionRefInput, options?: CallOptions): Promise<void>;

  /** Points an alias at a version, moving it if it pointed elsewhere. Returns the version it pointed at before. */
  setAlias(model: string, alias: string, version: string, options?: CallOptions): Promise<SetAliasResult>;
  /** Removes an alias. Throws `NotFoundError` if the model has no such alias. */
  deleteAlias(model: string, alias: string, options?: CallOptions): Promise<void>;
  /** Returns the version an alias points at. Throws `NotFoundError` if it points nowhere. */
  resolveAlias(model: string, alias: string, options?: CallOptions): Promise<string>;
  /** Lists a model's aliases (stage aliases an adapter manages are not included). */
  listAliases(model: string, options?: CallOptions): Promise<AliasEntry[]>;

  /** Moves a version to a stage; with `archiveExisting`, the versions already there move to `archived`. */
  transitionStage(ref: VersionRefInput, stage: Stage, options?: TransitionStageOptions): Promise<ModelVersion>;

  /** Lists a version's files. */
  listArtifacts(ref: VersionRefInput, options?: CallOptions): Promise<ArtifactFile[]>;
  /** Opens one file of a version as a stream. */
  openArtifact(ref: VersionRefInput, path: string, options?: CallOptions): Promise<ArtifactDownload>;
  /**
   * Downloads a version's files into a directory, streaming, each file written to a temp name and renamed when whole.
   * Paths from the provider that would escape the directory are refused.
   */
  downloadArtifacts(ref: VersionRefInput, directory: string, options?: DownloadOptions): Promise<DownloadResult>;

  /** Reads the registry's own audit trail, oldest first. Requires `capabilities.audit`. */
  listAuditEvents(query?: AuditQuery): PageIterable<RegistryEvent>;
  /**
   * Records a governance event (an approval, a promotion, a rollback) in the audit trail, where the registry keeps one,
   * and tells subscribers. Lifecycle helpers call it; adapters call it for their own changes.
   */
  recordEvent(event: RegistryEventInput, options?: CallOptions): Promise<RegistryEvent>;
}
