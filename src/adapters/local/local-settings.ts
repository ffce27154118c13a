/**
 * Settings for the local registry.
 *
 * @module
 */

import type { RegistryEvent } from "../../core/events.js";

/** Settings for {@link createLocalRegistry}. */
export interface LocalRegistrySettings {
  /**
   * The directory that holds the registry. Created when missing; a non-empty directory that is not a modelreg
   * registry is refused. Default: `.modelreg` in the current working directory, or `MODELREG_LOCAL_ROOT` when set.
   */
  root?: string;
  /** Who acts, for the audit log, when a call does not say. Default: the OS user name. */
  actor?: string;
  /** Longest wait for another process's write to the same model. Default 30 000 ms. */
  lockTimeoutMs?: number;
  /** A lock older than this is left by a process that died, and is taken over. Default 30 000 ms. */
  staleLockMs?: number;
  /** Where failures of event listeners go. Default: ignored, so a broken webhook never breaks a write. */
  onEventError?: (error: unknown, event: RegistryEvent) => void;
}
