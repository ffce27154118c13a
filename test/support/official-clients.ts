// The providers' official Python clients, pinned, each in its own virtualenv under .venv/ (installed on first use;
// CI installs them ahead, in scripts/prepare-test-peers.ts). The interop tests drive them against our fakes.
import { ensureVenv } from "./python-venv.js";

/** google-cloud-aiplatform over REST, and google-cloud-storage for its staging uploads (versions tried in the reference). */
export const VERTEX_CLIENT_PACKAGES = ["google-cloud-aiplatform==2.7.0", "google-cloud-storage==3.17.1"] as const;

/** W&B's client; 0.31 talks GraphQL through wandb-core, the Go binary in the wheel. */
export const WANDB_CLIENT_PACKAGES = ["wandb==0.31.0"] as const;

/** The Python with google-cloud-aiplatform installed. */
export async function ensureVertexClient(): Promise<string> {
  return (await ensureVenv("vertex-client", VERTEX_CLIENT_PACKAGES)).python;
}

/** The Python with wandb installed. */
export async function ensureWandbClient(): Promise<string> {
  return (await ensureVenv("wandb-client", WANDB_CLIENT_PACKAGES)).python;
}
