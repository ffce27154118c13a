/**
 * The data the {@link ModelRegistry} interface speaks: models, versions, lineage, signatures, cards, stages.
 *
 * @module
 */

import type { ArtifactSource } from "./artifact-source.js";
import type { ModelSignature } from "./signature.js";

/**
 * A lifecycle stage. Every version is in exactly one. `draft` is where new versions start.
 * Adapters store it natively (MLflow `None`/`Staging`/`Production`/`Archived`) or as an alias or tag they manage;
 * `capabilities.stages` says which.
 */
export type Stage = "draft" | "staging" | "production" | "archived";

/** All stages, in lifecycle order. */
export const STAGES: readonly Stage[] = ["draft", "staging", "production", "archived"] as const;

/** A registered model: a name that versions are grouped under. */
export interface RegisteredModel {
  /** The model's name, unique within the registry. */
  name: string;
  /** Free text. */
  description?: string;
  /** String key/value tags (Vertex: labels). */
  tags: Record<string, string>;
  /** Alias name to version, for every alias the model has. */
  aliases: Record<string, string>;
  /** When the model was created. */
  createdAt: Date;
  /** When the model or any of its versions last changed, if the provider tracks it. */
  updatedAt: Date;
  /** The highest version number, if the provider reports it cheaply. */
  latestVersion?: string;
  /** The provider's own record, untouched, for what the interface does not cover. */
  raw?: unknown;
}

/** A reference to a dataset snapshot used to train or evaluate a version. */
export interface DataSnapshotRef {
  /** Where the data lives: a URI such as `s3://bucket/train@2024-05-01`, a table name, a DVC path. */
  uri: string;
  /** A content digest, version id or snapshot id that pins it. */
  digest?: string;
  /** What the data was used for, for example `train` or `eval`. */
  role?: string;
}

/** Where a version came from. Auditors ask for the code commit and data snapshot; promotion gates can require them. */
export interface Lineage {
  /** The code commit that produced the version (a git SHA). */
  codeCommit?: string;
  /** The repository holding that commit. */
  codeRepository?: string;
  /** The data snapshots it was trained or evaluated on. */
  dataSnapshots?: DataSnapshotRef[];
  /** The version this one was fine-tuned or derived from, as `model/version`. */
  parentVersion?: string;
  /** The training run that produced it: an MLflow run id, a W&B run path, a Vertex pipeline job. */
  sourceRun?: string;
  /** Set by sync: the registry, model, version and content digest a copied version came from. */
  syncedFrom?: SyncOrigin;
}

/** Where a synced version was copied from. */
export interface SyncOrigin {
  /** The source registry's URI or provider name. */
  registry: string;
  /** The source model. */
  model: string;
  /** The source version. */
  version: string;
  /** The source version's content digest. */
  digest: string;
}

/** A model card: what the model is for and where it falls short. All fields are free text. */
export interface ModelCard {
  /** One paragraph on what the model does. */
  summary?: string;
  /** Who should use it, for what. */
  intendedUse?: string;
  /** Known failure modes and out-of-scope uses. */
  limitations?: string;
  /** Fairness, privacy and safety considerations. */
  ethicalConsiderations?: string;
  /** How it was trained. */
  training?: string;
  /** How it was evaluated. */
  evaluation?: string;
  /** The owners to contact. */
  owners?: string[];
  /**
   * Metrics per slice of the evaluation data (an age band, a region, a device), so a reader sees where the model does
   * worse than its headline metrics. `renderModelCard` shows them as a table.
   */
  fairness?: FairnessSlice[];
  /** A full card in Markdown, when you keep one. */
  markdown?: string;
}

/** One slice of the evaluation data and the model's metrics on it. */
export interface FairnessSlice {
  /** Which slice, e.g. `age >= 65` or `region = EU`. */
  slice: string;
  /** The metrics on that slice, by name, e.g. `{ auc: 0.88 }`. */
  metrics: Record<string, number>;
  /** How many examples the slice has, when known. */
  size?: number;
  /** A remark, e.g. why the slice matters. */
  note?: string;
}

/** One approval of a version, recorded by `approve`. */
export interface Approval {
  /** Who approved. */
  by: string;
  /** In which role, e.g. `risk`. */
  role?: string;
  /** Why, or what was checked. */
  comment?: string;
  /** When, ISO 8601. */
  at: string;
}

/** The files of a version, summarised. */
export interface ArtifactSummary {
  /** A digest over every file's path and sha256, when the provider records one (the local registry does). */
  digest?: string;
  /** The number of files, when known. */
  fileCount?: number;
  /** The total size in bytes, when known. */
  totalBytes?: number;
  /** Where the provider keeps them (`mlflow-artifacts:/...`, `gs://...`), when it says. */
  uri?: string;
}

/** A parameter value as given. It is stored and returned as a string, the way every provider keeps params. */
export type ParamValue = string | number | boolean;

/** An immutable model version: artifacts plus metadata. Only metadata can change after creation. */
export interface ModelVersion {
  /** The model it belongs to. */
  model: string;
  /** The version identifier, a string of digits on every provider (`"3"`). */
  version: string;
  /** Free text. */
  description?: string;
  /** Training parameters, as strings. */
  params: Record<string, string>;
  /** Evaluation metrics. */
  metrics: Record<string, number>;
  /** String key/value tags. */
  tags: Record<string, string>;
  /** Where it came from. */
  lineage: Lineage;
  /** The input and output schema, if recorded. */
  signature?: ModelSignature;
  /** The model card, if recorded. */
  modelCard?: ModelCard;
  /** The aliases that point at this version (not counting stage aliases an adapter manages). */
  aliases: string[];
  /** The lifecycle stage. */
  stage: Stage;
  /**
   * The approvals recorded on this version (`approve`), oldest first. Every registry modelreg builds sets it, to `[]`
   * when there are none; they are kept in the version tag `modelreg.approvals`, so they travel with the version, and
   * the tag stays in `tags` too. A tag that is not a list of approvals reads as `[]` here; `approvalsOf` and
   * `promote` refuse it with a `CorruptDataError` instead, since a policy must not count what it cannot read.
   */
  approvals?: Approval[];
  /** The files, summarised. */
  artifacts: ArtifactSummary;
  /** Who created it, if known. */
  createdBy?: string;
  /** When it was created. */
  createdAt: Date;
  /** When its metadata last changed. */
  updatedAt: Date;
  /** The provider's own record, untouched. */
  raw?: unknown;
}

/** What `createModel` takes. */
export interface CreateModelInput {
  /** The name: letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 128 characters. */
  name: string;
  /** Free text. */
  description?: string;
  /** String key/value tags. */
  tags?: Record<string, string>;
  /** Provider-specific extras, keyed by provider: `{ vertex: { ... } }`. */
  providerOptions?: Record<string, Record<string, unknown>>;
}

/** What `updateModel` takes. Omitted fields stay as they are; a tag set to `null` is removed. */
export interface UpdateModelInput {
  /** The new description. */
  description?: string;
  /** Tags to set (a string) or remove (`null`). Other tags stay. */
  tags?: Record<string, string | null>;
}

/** What `createVersion` takes. The artifacts are fixed once the version exists. */
export interface CreateVersionInput {
  /** The files: a directory, a list of files, or in-memory or streamed entries. */
  artifacts: ArtifactSource;
  /** Free text. */
  description?: string;
  /** Training parameters; numbers and booleans are stored as strings. */
  params?: Record<string, ParamValue>;
  /** Evaluation metrics; must be finite numbers. */
  metrics?: Record<string, number>;
  /** String key/value tags. */
  tags?: Record<string, string>;
  /** Where it came from. */
  lineage?: Lineage;
  /** The input and output schema. */
  signature?: ModelSignature;
  /** The model card. */
  modelCard?: ModelCard;
  /** Aliases to point at the new version once it exists. */
  aliases?: string[];
  /**
   * A key that makes a retried create return the version the first attempt made instead of making a second one.
   * Adapters generate one per call when it is not given.
   */
  idempotencyKey?: string;
  /** Create the registered model if it does not exist yet. Default `true`. */
  createModel?: boolean;
  /** Provider-specific extras, keyed by provider. */
  providerOptions?: Record<string, Record<string, unknown>>;
}

/** What `updateVersion` takes. Artifacts cannot change. Omitted fields stay; a tag set to `null` is removed. */
export interface UpdateVersionInput {
  /** The new description. */
  description?: string;
  /** Tags to set (a string) or remove (`null`). */
  tags?: Record<string, string | null>;
  /** Metrics to add or overwrite (evaluation after registration). */
  metrics?: Record<string, number>;
  /** A model card to set or replace. */
  modelCard?: ModelCard;
}

/** One file of a version. */
export interface ArtifactFile {
  /** The path inside the version, `/`-separated, never absolute, never containing `..`. */
  path: string;
  /** The size in bytes, when known. */
  size?: number;
  /** The sha256 as hex, when the provider records it. */
  sha256?: string;
  /** The MD5 as base64, when the provider records it (GCS, W&B). */
  md5?: string;
}

/** An alias and the version it points at. */
export interface AliasEntry {
  /** The alias. */
  alias: string;
  /** The version it points at. */
  version: string;
}
