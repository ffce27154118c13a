/**
 * Settings for the W&B registry.
 *
 * @module
 */

import type { RegistryEvent } from "../../core/events.js";
import type { ClientSettings } from "../../core/options.js";

/** Settings for {@link createWandbRegistry}. Unset fields fall back to W&B's environment variables. */
export interface WandbRegistrySettings extends ClientSettings {
  /** The API key. Env: `WANDB_API_KEY`. Sent as Basic auth to `baseUrl` only, never to storage URLs. */
  apiKey?: string;
  /** The W&B API host. Env: `WANDB_BASE_URL`. Default `https://api.wandb.ai`. */
  baseUrl?: string;
  /** The entity (user or team) that owns the project. Env: `WANDB_ENTITY`; else the key's own entity. */
  entity?: string;
  /**
   * The organisation whose W&B Registry `link`, `unlink` and `inRegistry` use, by display name or org entity name.
   * Needed only when `entity` is a personal entity whose user belongs to several organisations; by default a team's
   * own organisation is used, and a personal entity's user's only one, as W&B's own client does.
   */
  organization?: string;
  /** The project holding the model collections. Env: `WANDB_PROJECT`. Default `uncategorized`, as W&B's own clients. */
  project?: string;
  /** The artifact type versions are logged as. Default `model`. */
  artifactType?: string;
  /** Files at least this big are uploaded in parts when the server offers part URLs (S3-backed storage). Default 2 GiB. */
  multipartMinBytes?: number;
  /**
   * The part size of multipart uploads. Default 100 MiB, as W&B's own client; S3 wants at least 5 MiB. A file that
   * would need more than S3's 10,000 parts gets bigger parts (its size over 10,000, as W&B's `getChunkSize`).
   */
  multipartPartBytes?: number;
  /**
   * The block size of uploads to Azure-backed W&B storage (the upload headers carry `x-ms-blob-type`): a file smaller
   * than one block goes as one Put Blob, a bigger one as blocks (Put Block, then Put Block List), as W&B's client does
   * through Microsoft's SDK. Default 4 MiB; grown where a file would need more than Azure's 50,000 blocks.
   */
  azureBlockBytes?: number;
  /** Per-attempt timeout in milliseconds. Default 60 000. */
  timeoutMs?: number;
  /** Who acts, for events. Default: the OS user. */
  actor?: string;
  /** Where failures of event listeners go. */
  onEventError?: (error: unknown, event: RegistryEvent) => void;
  /** The environment to read fallbacks from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
