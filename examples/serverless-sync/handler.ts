// A scheduled sync function: copies models from one registry to another, configured by environment variables, and
// safe to run again and again (a second run copies nothing). It is a plain `(event) => Promise<Report>` function;
// lambda.ts and cloud-run.ts wrap it for AWS Lambda and Google Cloud Run functions.
//
//   SYNC_SOURCE_URI   where models come from, e.g. mlflow+https://mlflow.internal
//   SYNC_TARGET_URI   where they go, e.g. vertex://my-project/us-central1?bucket=my-models&containerImageUri=IMAGE
//                     (Vertex needs the image that serves the copied files)
//   SYNC_MODELS       comma-separated model names (default: every model in the source)
//   SYNC_VERSIONS     all | aliased (default all)
//   SYNC_SOURCE_NAME  the origin recorded on copies (default: the source's provider)
//   SYNC_CONCURRENCY  models copied at once (default 2)
//   SYNC_DRY_RUN      "true" to plan only
// Credentials come from each provider's own variables (MLFLOW_TRACKING_TOKEN, GOOGLE_OAUTH_ACCESS_TOKEN or ADC,
// WANDB_API_KEY), never from the URIs.
import { createLocalRegistry } from "modelreg/local";
import { createMlflowRegistry } from "modelreg/mlflow";
import { registryFromUri, syncRegistries, type RegistryFactories } from "modelreg/sync";

/** The adapters this deployment can reach. Import only the ones you use: the bundle carries nothing else. */
const ADAPTERS: RegistryFactories = { mlflow: createMlflowRegistry, local: createLocalRegistry };

/** What a scheduler may pass to override the environment for one run. */
export interface ScheduledSyncEvent {
  models?: string[];
  dryRun?: boolean;
}

/** What a run did, as JSON (no registry objects, no credentials). */
export interface ScheduledSyncReport {
  source: string;
  target: string;
  dryRun: boolean;
  counts: { created: number; updated: number; skipped: number; conflicts: number; failed: number; notStarted: number };
  bytesCopied: number;
  durationMs: number;
  copied: Array<{ model: string; version: string; targetVersion: string }>;
  failures: Array<{ model: string; version: string; error: Record<string, unknown> }>;
}

/** Runs one sync from the environment. Failed versions are in the report; the caller decides what a failure means. */
export async function handler(event: ScheduledSyncEvent = {}, env: Record<string, string | undefined> = process.env): Promise<ScheduledSyncReport> {
  const sourceUri = env.SYNC_SOURCE_URI;
  const targetUri = env.SYNC_TARGET_URI;
  if (!sourceUri || !targetUri) throw new Error("set SYNC_SOURCE_URI and SYNC_TARGET_URI");
  const models =
    event.models ??
    env.SYNC_MODELS?.split(",")
      .map((m) => m.trim())
      .filter(Boolean);
  const versions = env.SYNC_VERSIONS === "aliased" ? "aliased" : "all";
  const concurrency = env.SYNC_CONCURRENCY ? Number(env.SYNC_CONCURRENCY) : undefined;
  const report = await syncRegistries({
    source: registryFromUri(sourceUri, ADAPTERS, { env }),
    target: registryFromUri(targetUri, ADAPTERS, { env }),
    ...(models && models.length > 0 && { models }),
    versions,
    ...(env.SYNC_SOURCE_NAME && { sourceName: env.SYNC_SOURCE_NAME }),
    ...(concurrency !== undefined && { concurrency }),
    dryRun: event.dryRun ?? env.SYNC_DRY_RUN === "true",
    // One JSON line per finished or failed version: the platform's log view shows them as they happen.
    onEvent: (e) => {
      if (e.type === "version.done")
        console.log(JSON.stringify({ sync: "done", model: e.model, version: e.version, targetVersion: e.targetVersion, bytes: e.bytes }));
      if (e.type === "failed") console.log(JSON.stringify({ sync: "failed", model: e.model, version: e.version, error: e.error.toJSON() }));
    },
  });
  return {
    source: sourceUri,
    target: targetUri,
    dryRun: report.dryRun,
    counts: report.counts,
    bytesCopied: report.bytesCopied,
    durationMs: Math.round(report.durationMs),
    copied: report.results
      .filter((r) => r.status === "created")
      .map((r) => ({ model: r.item.model, version: r.item.sourceVersion, targetVersion: r.targetVersion ?? "" })),
    failures: report.failures.map((f) => ({ model: f.model, version: f.version, error: f.error.toJSON() })),
  };
}
