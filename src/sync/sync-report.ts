/**
 * What applying a plan reports: the events it emits as it works, its options, and the report it returns.
 *
 * @module
 */

import type { ModelRegistryError } from "../core/errors.js";
import type { SyncPlan, SyncPlanInput, SyncPlanItem, SyncSkipReason } from "./sync-types.js";

/** Progress and outcomes as `applySyncPlan` works. */
export type SyncEvent =
  | {
      /** Applying begins; the plan's counts. */
      type: "planned";
      /** The plan's counts. */
      summary: SyncPlan["summary"];
      /** Items in the plan. */
      items: number;
    }
  | {
      /** A create or update item begins. */
      type: "version.started";
      /** The model. */
      model: string;
      /** The source version. */
      version: string;
      /** What it does. */
      action: "create" | "update";
    }
  | {
      /** Bytes moved for a create item. */
      type: "bytes";
      /** The model. */
      model: string;
      /** The source version. */
      version: string;
      /** Bytes of this version moved so far. */
      bytes: number;
      /** The version's size, when known. */
      totalBytes?: number;
    }
  | {
      /** A create or update item finished. */
      type: "version.done";
      /** The model. */
      model: string;
      /** The source version. */
      version: string;
      /** The target version that holds the copy. */
      targetVersion: string;
      /** What it did. */
      action: "create" | "update";
      /** Bytes moved (0 for updates). */
      bytes: number;
      /** How long it took. */
      durationMs: number;
    }
  | {
      /** A skip or conflict item, or an item not started after `failFast` stopped the run. */
      type: "skipped";
      /** The model. */
      model: string;
      /** The source version. */
      version: string;
      /** Why: a skip reason, `conflict`, or `not-started`. */
      reason: SyncSkipReason | "conflict" | "not-started";
    }
  | {
      /** A create or update item failed. */
      type: "failed";
      /** The model. */
      model: string;
      /** The source version. */
      version: string;
      /** What went wrong. */
      error: ModelRegistryError;
    };

/** Options for {@link applySyncPlan}. */
export interface ApplySyncOptions {
  /** Versions in flight at once, across models; versions of one model are copied in order. Default 2. */
  concurrency?: number;
  /** Aborts the run: the version in flight is not created, and the call rejects with `AbortedError`. */
  signal?: AbortSignal;
  /** Told about progress and outcomes. A listener that throws is ignored, so it cannot break a sync. */
  onEvent?: (event: SyncEvent) => void;
  /** Stop starting items after the first failure. Default `false`: every item is tried. */
  failFast?: boolean;
  /** Where files are spooled when they must be (see {@link applySyncPlan}). Default `os.tmpdir()`. */
  tempDirectory?: string;
}

/** How one item ended. */
export interface SyncItemResult {
  /** The plan item. */
  item: SyncPlanItem;
  /** How it ended. */
  status: "created" | "updated" | "skipped" | "conflict" | "failed" | "not-started";
  /** The target version that holds the copy, when there is one. */
  targetVersion?: string;
  /** Bytes moved. */
  bytes: number;
  /** How long it took. */
  durationMs: number;
  /** The error, for `failed`. */
  error?: ModelRegistryError;
  /** The aliases moved away from another target version. */
  movedAliases?: MovedAlias[];
}

/** An alias a copy took from another target version. */
export interface MovedAlias {
  /** The alias. */
  alias: string;
  /** The target version that held it before. */
  previous: string;
}

/** Plan items by how they ended. */
export interface SyncCounts {
  /** Copied as new target versions. */
  created: number;
  /** Existing copies brought in line (aliases, stage, metadata). */
  updated: number;
  /** Already synced, or filtered out. */
  skipped: number;
  /** Left alone because the target's copy disagrees with the source. */
  conflicts: number;
  /** Tried and failed. */
  failed: number;
  /** Not tried, because `failFast` stopped the run. */
  notStarted: number;
}

/** One failed item. */
export interface SyncFailure {
  /** The model. */
  model: string;
  /** The source version. */
  version: string;
  /** What went wrong, typed. */
  error: ModelRegistryError;
}

/** What applying a plan did. */
export interface SyncReport {
  /** The plan that was applied. */
  plan: SyncPlan;
  /** True when nothing was applied (`syncRegistries({ dryRun: true })`). */
  dryRun: boolean;
  /** Items by outcome. */
  counts: SyncCounts;
  /** Artifact bytes copied in all. */
  bytesCopied: number;
  /** The whole run, in milliseconds (planning excluded). */
  durationMs: number;
  /** One result per plan item, in plan order. */
  results: SyncItemResult[];
  /** The failed items, each with its typed error. */
  failures: SyncFailure[];
}

/** What {@link syncRegistries} takes: a plan's input plus apply options. */
export interface SyncRegistriesInput extends SyncPlanInput, Omit<ApplySyncOptions, "signal"> {
  /** Plan only: the report holds the plan and nothing is copied. */
  dryRun?: boolean;
}
