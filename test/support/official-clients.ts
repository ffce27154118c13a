// The providers' official Python clients, pinned, each in its own virtualenv under .venv/ (installed on first use;
// CI installs them ahead, in scripts/prepare-test-peers.ts). The interop tests drive them against our fakes.
import { ensureVenv } from "./python-venv.js";

/** google-cloud-aiplatform over REST, and google-cloud-storage for its staging uploads (versions tried in the reference). */
export const VERTEX_CLIENT_PACKAGES = ["google-cloud-aiplatform==2.7.0", "google-cloud-storage==3.17.1"] as const;

/** W&B's client; 0.31 talks GraphQL through wandb-core, the Go binary in the wheel. */
export const WANDB_CLIENT_PACKAGES = ["wandb==0.31.0"] as const;

/**
 * Hugging Face's Python client, the version the Hub fake (test/huggingface/support/hub-fake.ts) is held to. It pulls
 * hf-xet on x86_64 and arm64, which the interop tests switch off (HF_HUB_DISABLE_XET=1): the fake has no Xet storage.
 */
export const HF_CLIENT_PACKAGES = ["huggingface_hub==2.4.0"] as const;

/** The Python with google-cloud-aiplatform installed. */
export async function ensureVertexClient(): Promise<string> {
  return (await ensureVenv("vertex-client", VERTEX_CLIENT_PACKAGES)).python;
}

/** The Python with wandb installed. */
export async function ensureWandbClient(): Promise<string> {
  return (await ensureVenv("wandb-client", WANDB_CLIENT_PACKAGES)).python;
}

/** The Python with huggingface_hub installed. */
export async function ensureHfClient(): Promise<string> {
  return (await ensureVenv("hf-client", HF_CLIENT_PACKAGES)).python;
}

/**
 * Azure's official Python client for Azure Machine Learning (MLClient), the version the ARM fake
 * (test/azureml/support/arm-fake.ts) is held to, and the azure-storage-blob its uploads and downloads go through.
 * azure-ai-ml 1.35.2 asks only for azure-storage-blob>=12.10.0 (azure-storage-file-datalake 12.26.1, which it pulls,
 * >=12.31.1), so unpinned each new release would change what reaches Azurite: the x-ms-version (12.31.1 sends
 * 2026-10-06, past Azurite 3.35.0's baseline, hence --skipApiVersionCheck in test/azureml/official) and the parsing of
 * account URLs the tests rely on (`*.blob.core.*` hosts). 12.31.1 is the version the wire notes were taken with.
 */
export const AZUREML_CLIENT_PACKAGES = ["azure-ai-ml==1.35.2", "azure-storage-blob==12.31.1"] as const;

/** The Python with azure-ai-ml installed. */
export async function ensureAzureMlClient(): Promise<string> {
  return (await ensureVenv("azureml-client", AZUREML_CLIENT_PACKAGES)).python;
}

/**
 * moto's server (the AWS emulator the SageMaker and S3 tests run against) and boto3 (the official client of the
 * interop tests), in one virtualenv: moto 5.2.5 is the version the reference was checked against, and boto3 1.44.8
 * pairs with botocore 1.44.8, whose service models test/contracts/aws-contract.json is derived from.
 */
export const AWS_PEER_PACKAGES = ["moto[server]==5.2.5", "boto3==1.44.8"] as const;

/** The virtualenv with moto's server and boto3: its Python, and its bin folder (`moto_server`). */
export async function ensureAwsPeers(): Promise<{ python: string; bin: string }> {
  return ensureVenv("aws-peers", AWS_PEER_PACKAGES);
}
