/**
 * Settings for the MLflow registry.
 *
 * @module
 */

import type { RegistryEvent } from "../../core/events.js";
import type { ClientSettings } from "../../core/options.js";

/** Settings for {@link createMlflowRegistry}. Unset fields fall back to the environment the Python client reads. */
export interface MlflowRegistrySettings extends ClientSettings {
  /** The tracking server, e.g. `http://127.0.0.1:5000` or `https://host/mlflow` (a path prefix works). Env: `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** A bearer token, for servers behind an auth proxy. Env: `MLFLOW_TRACKING_TOKEN`. */
  token?: string;
  /** Basic-auth user (the `basic-auth` app). With a password it wins over `token`, as in MLflow's client. Env: `MLFLOW_TRACKING_USERNAME`. */
  username?: string;
  /** Basic-auth password. Env: `MLFLOW_TRACKING_PASSWORD`. */
  password?: string;
  /** Extra headers for every request, or a function returning them (called per attempt). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Per-attempt timeout in milliseconds. Default 120 000 (MLflow's own). */
  timeoutMs?: number;
  /** The experiment that holds the runs this adapter creates to carry artifacts, params and metrics. Default `modelreg`. */
  experimentName?: string;
  /** Who acts, for events and the `mlflow.user` run tag. Default: the OS user. */
  actor?: string;
  /** Where failures of event listeners go. */
  onEventError?: (error: unknown, event: RegistryEvent) => void;
  /** The environment to read fallbacks from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
