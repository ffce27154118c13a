// Installs what the real-server tests run against (pinned MLflow releases and moto into .venv/, fake-gcs-server into
// .cache/go-bin) and the optional peers the Vertex ADC and Azure ML credential tests load (google-auth-library and
// @azure/identity into .cache/node-peers) ahead of `npm test`. CI starts it in the background at the beginning, so
// these downloads and the Go build overlap the typecheck, build and docs steps instead of stalling the test run's
// global setup; the setups find them installed and skip the work. Running it by hand is never needed: the setups
// install on first use.
import { ensureFakeGcsServer } from "../test/vertex/server/support/global-setup.js";
import { MLFLOW_VERSIONS } from "../test/mlflow/server/support/global-setup.js";
import { ensureMlflow } from "../test/support/python-venv.js";
import { AZURE_IDENTITY, ensureNodePeer, GOOGLE_AUTH_LIBRARY } from "../test/support/node-peer.js";
import { ensureAwsPeers, ensureAzureMlClient, ensureHfClient, ensureVertexClient, ensureWandbClient } from "../test/support/official-clients.js";

const started = Date.now();
const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;
const gcs = ensureFakeGcsServer().then(() => console.log(`prepare: fake-gcs-server ready after ${seconds()}`));
// npm, beside the Go build and the uv installs (separate tools and folders): the Vertex ADC tests' and the Azure ML
// credential tests' optional peers, both at once (each installs into a scratch folder of its own).
const peers = Promise.all(
  [GOOGLE_AUTH_LIBRARY, AZURE_IDENTITY].map((peer) =>
    ensureNodePeer(peer.name, peer.version).then(() => console.log(`prepare: ${peer.name}@${peer.version} ready after ${seconds()}`)),
  ),
);
// One after the other: two installs at once would both write the shared uv tool environment.
for (const version of MLFLOW_VERSIONS) {
  await ensureMlflow(version);
  console.log(`prepare: MLflow ${version} ready after ${seconds()}`);
}
// W&B's official client, for the interop tests (test/wandb/official/); in the same queue, for the same reason.
await ensureWandbClient();
console.log(`prepare: wandb ready after ${seconds()}`);
// Hugging Face's official client for test/huggingface/official; in the same queue, for the same reason.
await ensureHfClient();
console.log(`prepare: huggingface_hub ready after ${seconds()}`);
// Google's official clients for test/vertex/official, after MLflow for the same reason.
await ensureVertexClient();
console.log(`prepare: google-cloud-aiplatform ready after ${seconds()}`);
// Azure's official client (azure-ai-ml) for test/azureml/official; in the same queue, for the same reason.
await ensureAzureMlClient();
console.log(`prepare: azure-ai-ml ready after ${seconds()}`);
// moto's server and boto3 for the SageMaker and S3 tests (test/sagemaker/server, test/storage/server), and for the
// MLflow servers whose artifacts live in S3.
await ensureAwsPeers();
console.log(`prepare: moto and boto3 ready after ${seconds()}`);
await gcs;
await peers;
