/**
 * The provider specification: the small set of primitives an adapter implements. Users never call it; the registry
 * facade (`modelreg/adapter`'s `RegistryFacade`) builds the user-facing {@link ModelRegistry} on it, once, for every
 * adapter: reference parsing, input checks, actor resolution, events, capability checks, `listAliases`,
 * `openArtifact` and `downloadArtifacts`.
 *
 * Every primitive receives input that the facade has already checked (names, aliases, versions, tags, pages,
 * stages, `createVersion`'s metadata and the adapter's own provider options), so an adapter checks only what its
 * provider adds. A primitive that changes something returns the events it made, stamped with
 * {@link ProviderContext.stamp}; the facade tells subscribers once the primitive has returned.
 *
 * @module
 */

import type { RegistryCapabilities } from "./capabilities.js";
import type { EndpointsApi } from "./endpoints.js";
import type { RegistryEvent, RegistryEventInput, RegistryEventType } from "./events.js";
import type { CallOptions, TransferOptions } from "./options.js";
import type { Page } from "./pagination.js";
import type { VersionRef } from "./refs.js";
import type { CheckedVersionMetadata } from "./version-input.js";
import type {
  ArtifactFile,
  CreateModelInput,
  CreateVersionInput,
  ModelVersion,
  RegisteredModel,
  Stage,
  UpdateModelInput,
  UpdateVersionInput,
} from "./types.js";

/** The version of the provider specification. A facade refuses a provider that declares another. */
export const PROVIDER_SPECIFICATION_VERSION = "v1" as const;

/** What every primitive receives besides its arguments. */
export interface ProviderContext<O extends CallOptions = CallOptions> {
  /** The user-facing operation, for errors (`"createVersion"`, `"setAlias"`, ...). */
  readonly operation: string;
  /** Who acts: the call's `actor`, else the registry's, else the OS user. */
  readonly actor: string;
  /** The call's options (signal, timeout, retries, headers; transfer options for uploads and downloads). */
  readonly options: O;
  /** Stamps event inputs with an id, the time, the provider and the actor. */
  stamp(inputs: readonly RegistryEventInput[]): RegistryEvent[];
}

/**
 * What a primitive that changes something returns: the events it made (stamped) and its result, either as a value
 * or as `readBack`, a read of the result that the facade runs after subscribers have heard of the change, so a
 * failed read-back never hides a change that happened.
 */
export type ProviderChange<T> =
  | {
      /** The result the user gets. */
      value: T;
      /** The changes, in order. Subscribers hear them after the primitive returns. */
      events: RegistryEvent[];
    }
  | {
      /** Reads the result the user gets, once the events are delivered. */
      readBack: () => Promise<T>;
      /** The changes, in order. */
      events: RegistryEvent[];
    };

/** Fetches one page given the previous page's token (absent for the first page). */
export type ProviderPageFetcher<T> = (pageToken: string | undefined, signal: AbortSignal | undefined) => Promise<Page<T>>;

/** A `listModels` query, checked. */
export interface ProviderModelQuery {
  /** The page size asked for; absent: the adapter's default. At most `capabilities.maxPageSize`. */
  pageSize: number | undefined;
  /** Only names starting with this (`""`: all). */
  namePrefix: string;
  /** Only models with all of these tags. */
  tags: Record<string, string>;
  /** Where to start. */
  pageToken: string | undefined;
}

/** A `listVersions` query, checked. */
export interface ProviderVersionQuery {
  /** The page size asked for; absent: the adapter's default. */
  pageSize: number | undefined;
  /** Only versions in this stage. */
  stage: Stage | undefined;
  /** Only versions with all of these tags. */
  tags: Record<string, string>;
  /** Where to start. */
  pageToken: string | undefined;
}

/** A `listAuditEvents` query, checked. */
export interface ProviderAuditQuery {
  /** The page size asked for; absent: the adapter's default. */
  pageSize: number | undefined;
  /** Only events about this model. */
  model: string | undefined;
  /** Only events of these types. */
  types: ReadonlySet<RegistryEventType> | undefined;
  /** Only events at or after this time (epoch milliseconds). */
  since: number | undefined;
  /** Where to start. */
  pageToken: string | undefined;
}

/** One opened file. */
export interface ProviderFileStream {
  /** Its bytes. */
  stream: ReadableStream<Uint8Array>;
  /** Its size, when known. */
  size?: number;
}

/** A version's files, and how to open each. */
export interface ProviderVersionFiles {
  /** The version, resolved (an alias becomes its number). */
  model: string;
  /** The version number. */
  version: string;
  /** Every file of the version, with sizes and digests where known. */
  files: ArtifactFile[];
  /** Opens one of `files` (the facade checks the path is among them) for `openArtifact`. */
  open(file: ArtifactFile, signal: AbortSignal | undefined): Promise<ProviderFileStream>;
  /**
   * The opener a download uses for `selected`, when the provider has a cheaper way than `open` for many files (W&B
   * signs every URL in one request). The download checks sizes and digests itself, so this opener need not.
   * Absent: downloads use `open`.
   */
  openForDownload?(
    selected: readonly ArtifactFile[],
    signal: AbortSignal | undefined,
  ): (file: ArtifactFile, signal: AbortSignal | undefined) => Promise<ProviderFileStream>;
}

/** `createVersion`'s input, checked: the metadata normalised and the adapter's provider options parsed. */
export interface ProviderCreateVersion<O = unknown> {
  /** The input as the user gave it (for `artifacts` and `createModel`). */
  input: CreateVersionInput;
  /** The metadata, checked and copied. */
  meta: CheckedVersionMetadata;
  /** `providerOptions.<provider>`, parsed by the adapter's schema; absent when not given. */
  providerOptions: O | undefined;
}

/**
 * What an adapter provides. Methods whose capability is off may be left out; the facade then throws
 * `UnsupportedCapabilityError` before calling anything. A provider that declares a capability must implement its
 * method: the facade checks when it is built.
 *
 * @typeParam O - The type of the adapter's `providerOptions.<provider>` for `createVersion`.
 */
export interface RegistryProviderV1<O = unknown> {
  /** The provider specification version implemented. */
  readonly specificationVersion: typeof PROVIDER_SPECIFICATION_VERSION;
  /** The provider's id (`local`, `mlflow`, ...): the key of its events, errors and `providerOptions`. */
  readonly provider: string;
  /** What it supports. */
  readonly capabilities: RegistryCapabilities;
  /**
   * Parses `providerOptions.<provider>` for `createVersion` (a zod schema's `safeParse` fits). Absent: the adapter
   * takes none, and any given are ignored, as other providers' options are.
   */
  readonly createVersionOptions?: {
    safeParse(value: unknown): { success: true; data: O } | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
  };

  /**
   * Checks what the provider adds to the common alias rules (Vertex allows fewer characters). Throws
   * `InvalidInputError` naming `field`.
   */
  checkAlias?(alias: string, operation: string, field: string): void;
  /** Checks a `pageToken` the user passes, at the call, for providers whose tokens have a checkable form. */
  checkPageToken?(token: string, operation: string): void;

  /** Creates an empty model (`capabilities.emptyModels`). */
  doCreateModel?(input: CreateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>>;
  /** Reads a model, with every user alias. */
  doGetModel(name: string, ctx: ProviderContext): Promise<RegisteredModel>;
  /** Lists models: checks what the provider adds to the query at the call, then returns the page fetcher. */
  doListModels(query: ProviderModelQuery, ctx: ProviderContext): ProviderPageFetcher<RegisteredModel>;
  /** Updates a model's description and tags (a `null` tag is removed). */
  doUpdateModel(name: string, patch: UpdateModelInput, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>>;
  /** Renames a model (`capabilities.renameModel`). */
  doRenameModel?(name: string, newName: string, ctx: ProviderContext): Promise<ProviderChange<RegisteredModel>>;
  /** Deletes a model (`capabilities.deleteModel`). */
  doDeleteModel?(name: string, ctx: ProviderContext): Promise<ProviderChange<void>>;

  /** Creates a version, whole or not at all. Sets `meta.aliases` on it. */
  doCreateVersion(model: string, create: ProviderCreateVersion<O>, ctx: ProviderContext<TransferOptions>): Promise<ProviderChange<ModelVersion>>;
  /** Reads a version; `{ alias: "latest" }` is the highest number. */
  doGetVersion(ref: VersionRef, ctx: ProviderContext): Promise<ModelVersion>;
  /** Lists versions, newest first. */
  doListVersions(model: string, query: ProviderVersionQuery, ctx: ProviderContext): ProviderPageFetcher<ModelVersion>;
  /** Updates a version's metadata (metrics only with `capabilities.updateMetrics`). */
  doUpdateVersion(ref: VersionRef, patch: UpdateVersionInput, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>>;
  /** Deletes a version and its aliases (`capabilities.deleteVersion`). */
  doDeleteVersion?(ref: VersionRef, ctx: ProviderContext): Promise<ProviderChange<void>>;

  /** Points an alias at a version (`capabilities.aliases`); returns the version it pointed at before. */
  doSetAlias?(model: string, alias: string, version: string, ctx: ProviderContext): Promise<ProviderChange<{ previous?: string }>>;
  /** Removes an alias (`capabilities.aliases`); `NotFoundError` when there is none. */
  doDeleteAlias?(model: string, alias: string, ctx: ProviderContext): Promise<ProviderChange<void>>;
  /** The version an alias (or `latest`) points at; `NotFoundError` when none. */
  doResolveAlias(model: string, alias: string, ctx: ProviderContext): Promise<string>;

  /** Moves a version to a stage; with `archiveExisting`, archives the versions already there. */
  doTransitionStage(ref: VersionRef, stage: Stage, archiveExisting: boolean, ctx: ProviderContext): Promise<ProviderChange<ModelVersion>>;

  /** A version's files and how to open them. */
  doVersionFiles(ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles>;

  /** Reads the audit trail, oldest first (`capabilities.audit`). */
  doListAuditEvents?(query: ProviderAuditQuery, ctx: ProviderContext): ProviderPageFetcher<RegistryEvent>;
  /** Stores a governance event in the audit trail before subscribers hear of it (`capabilities.audit`). */
  doRecordEvent?(event: RegistryEvent, ctx: ProviderContext): Promise<void>;

  /** Deploy and traffic split (`capabilities.deploy`). */
  readonly endpoints?: EndpointsApi;
}
