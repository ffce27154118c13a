/**
 * The shapes sync speaks: what a plan is asked for, what it contains, and what applying it reports.
 *
 * @module
 */

import type { ModelRegistry } from "../core/model-registry.js";
import type { ModelVersion, RegisteredModel, Stage } from "../core/types.js";

/**
 * Which source versions travel: `"all"`, `"aliased"` (only versions that at least one alias points at), or a
 * predicate over the source version.
 */
export type SyncVersionFilter = "all" | "aliased" | ((version: ModelVersion) => boolean);

/** Which models travel: a list of names, a predicate over the source's models, or (omitted) every model. */
export type SyncModelSelector = readonly string[] | ((model: RegisteredModel) => boolean);

/** What {@link planSync} takes. */
export interface SyncPlanInput {
  /** The registry versions are copied from. It is only read. */
  source: ModelRegistry;
  /** The registry versions are copied into. */
  target: ModelRegistry;
  /** The models to sync. Default: every model `source.listModels()` returns. A model keeps its name in the target. */
  models?: SyncModelSelector;
  /** Which versions of those models travel. Default `"all"`. */
  versions?: SyncVersionFilter;
  /** Carry aliases (set or moved on the target after the copy). Default `true`. */
  aliases?: boolean;
  /** Carry lifecycle stages (`transitionStage` on the target). Default `true`. */
  stages?: boolean;
  /**
   * The name recorded as the copies' origin (tag `modelreg.sync.source`, `lineage.syncedFrom.registry`). Default
   * `source.provider`. Give each source a distinct name when several registries of one provider feed one target:
   * a copy is recognised by this name, the model and the version.
   */
  sourceName?: string;
  /** More aliases the target reserves, beyond the ones its adapter manages (W&B's `latest`, `staging` and `production`; Vertex's `default`, `staging` and `production`). */
  reservedAliases?: readonly string[];
  /** Aborts planning. */
  signal?: AbortSignal;
}

/** Why an item is skipped. */
export type SyncSkipReason =
  /** The target holds a copy of this version with the same digest, and its aliases, stage and metadata agree. */
  | "already-synced"
  /** The `versions` filter left it out. */
  | "filtered-out";

/** Something about an item that cannot travel or needs a look. Warnings never stop a sync. */
export interface SyncWarning {
  /** A stable code. */
  code:
    | "aliases-unsupported"
    | "alias-reserved"
    | "stage-limited"
    | "stage-held"
    | "tag-invalid"
    | "metrics-frozen"
    | "untracked-target-version"
    | "duplicate-copies"
    | "provenance-replaced";
  /** A sentence for people. */
  message: string;
  /** The alias, tag or stage concerned, when there is one. */
  subject?: string;
}

/** One change an item makes on the target, besides copying the files. */
export type SyncChange =
  | {
      /** Point an alias at the copy. */
      kind: "alias";
      /** The alias. */
      alias: string;
      /** The target version the alias points at now, if any: it loses the alias. */
      previous?: string;
    }
  | {
      /** Move the copy to the source version's stage. */
      kind: "stage";
      /** The copy's stage now (`draft` for a new copy). */
      from: Stage;
      /** The source version's stage. */
      to: Stage;
    }
  | {
      /** Bring a mutable field of the copy in line with the source. */
      kind: "metadata";
      /** The field. */
      field: "description" | "tags" | "metrics" | "modelCard";
      /** For tags and metrics: the keys that differ. */
      keys?: string[];
    };

interface SyncItemBase {
  /** The model (same name on both sides). */
  model: string;
  /** The source version. */
  sourceVersion: string;
  /** The source content digest, when the source reports one. */
  digest?: string;
  /** What cannot travel, or needs a look. */
  warnings: SyncWarning[];
}

/** Copy the version: a new version in the target, then its aliases and stage. */
export interface SyncCreateItem extends SyncItemBase {
  /** Copy it. */
  action: "create";
  /** What is done after the copy exists: aliases and stage. */
  changes: SyncChange[];
  /** The source version as read when planning; its metadata is what travels. */
  source: ModelVersion;
}

/** The target copy exists; bring its aliases, stage or metadata in line. No bytes move. */
export interface SyncUpdateItem extends SyncItemBase {
  /** Update the copy. */
  action: "update";
  /** The target's copy. */
  targetVersion: string;
  /** What differs. */
  changes: SyncChange[];
  /** The source version as read when planning. */
  source: ModelVersion;
}

/** Nothing to do. */
export interface SyncSkipItem extends SyncItemBase {
  /** Skip it. */
  action: "skip";
  /** Why. */
  reason: SyncSkipReason;
  /** The target's copy, for `already-synced`. */
  targetVersion?: string;
}

/**
 * The target holds a version that says it is a copy of this source version but its recorded digest differs (the
 * source was rebuilt and reused the number, or the copy was tampered with). Nothing is changed: delete the stale copy
 * to let the next sync copy the version again.
 */
export interface SyncConflictItem extends SyncItemBase {
  /** Leave it alone and report it. */
  action: "conflict";
  /** The target version that claims to be the copy. */
  targetVersion: string;
  /** The digest that target version records. */
  targetDigest: string;
  /** A sentence for people. */
  reason: string;
}

/** One source version and what sync does with it. */
export type SyncPlanItem = SyncCreateItem | SyncUpdateItem | SyncSkipItem | SyncConflictItem;

/** A plan's items by action. */
export interface SyncPlanSummary {
  /** Versions to copy. */
  create: number;
  /** Copies to bring in line. */
  update: number;
  /** Versions with nothing to do. */
  skip: number;
  /** Versions whose target copy disagrees. */
  conflict: number;
}

/** What {@link planSync} found: one item per source version of every selected model, in model then version order. */
export interface SyncPlan {
  /** The source registry. */
  source: ModelRegistry;
  /** The target registry. */
  target: ModelRegistry;
  /** The name copies record as their origin. */
  sourceName: string;
  /** The models looked at. */
  models: string[];
  /** Every item. */
  items: SyncPlanItem[];
  /** Counts by action. */
  summary: SyncPlanSummary;
  /** When the plan was made. */
  createdAt: Date;
}
