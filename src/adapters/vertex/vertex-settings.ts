/**
 * Settings for the Vertex AI registry.
 *
 * @module
 */

import type { RegistryEvent } from "../../core/events.js";
import type { ClientSettings } from "../../core/options.js";

/** Settings for {@link createVertexRegistry}. */
export interface VertexRegistrySettings extends ClientSettings {
  /** The Google Cloud project id (or number). */
  project: string;
  /** The region, e.g. `us-central1`. Model Registry resources are regional. */
  location: string;
  /** Where artifacts go: `gs://bucket/prefix`. Versions land in `gs://bucket/prefix/<model>/<n>/`. */
  artifactRoot: string;
  /**
   * A fixed access token. Use `getAccessToken` for one that refreshes. With neither, application default credentials
   * through google-auth-library (an optional peer: `npm i google-auth-library@10`), with the headers it gives,
   * the quota project of the credentials file (`quota_project_id`) or `GOOGLE_CLOUD_QUOTA_PROJECT` among them.
   */
  accessToken?: string;
  /** Returns a current access token; called for every request, so it can refresh. */
  getAccessToken?: () => string | Promise<string>;
  /**
   * The project to bill quota to, sent as `x-goog-user-project` to Vertex and Cloud Storage (a project id or number;
   * the caller needs `serviceusage.services.use` on it). User credentials need one. It wins over the quota project
   * that application default credentials bring; with `accessToken` or `getAccessToken` it is the only source.
   */
  quotaProject?: string;
  /** The Vertex API host. Default `https://{location}-aiplatform.googleapis.com/`. */
  apiEndpoint?: string;
  /** The Cloud Storage host. Default `https://storage.googleapis.com/`. Env: `STORAGE_EMULATOR_HOST`. */
  storageEndpoint?: string;
  /**
   * The serving container image new versions are uploaded with, unless a version's
   * `providerOptions.vertex.container.imageUri` says otherwise. No default: a version with neither is refused with
   * `InvalidInputError`, since Vertex requires an image and none fits every set of files. A Vertex prebuilt image
   * (`{us|europe|asia}-docker.pkg.dev/vertex-ai/prediction/...`) needs its framework's model file among the files,
   * e.g. exactly one of `model.joblib`, `model.pkl` for scikit-learn; this is checked before anything is uploaded.
   * In a `vertex://` URI: `?containerImageUri=`.
   */
  containerImageUri?: string;
  /**
   * Whether new versions take Vertex's `default` alias unless a version's `providerOptions.vertex.isDefaultVersion`
   * says otherwise. Default `false`: `default` stays on the version that holds it (a model's first version always
   * gets it). python-aiplatform's `Model.upload` defaults to `true`; set this for the same behaviour.
   */
  isDefaultVersion?: boolean;
  /** Files up to this size are uploaded in one multipart request. Default 8 MiB. */
  multipartMaxBytes?: number;
  /** Chunk size of resumable uploads, a multiple of 256 KiB. Default 8 MiB. */
  uploadChunkBytes?: number;
  /** Per-attempt timeout in milliseconds. Default 60 000. */
  timeoutMs?: number;
  /** First wait between polls of a long-running operation. Default 1 000 ms (it grows to 30 s). */
  pollIntervalMs?: number;
  /** Longest wait for a long-running operation unless a call says otherwise. Default 60 minutes. */
  operationDeadlineMs?: number;
  /** Who acts, for events. Default: the OS user. */
  actor?: string;
  /** Where failures of event listeners go. */
  onEventError?: (error: unknown, event: RegistryEvent) => void;
  /** The environment to read fallbacks from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
