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
// MLflow 3.x first, alone: the first install also makes uv's own environment (.venv/tools), which two installs at once
// would both make, and CI starts its contract server as soon as this line is printed. The other virtualenvs then install
// side by side, each into a folder of its own (uv's cache takes concurrent installs): after MLflow 3.x they took 11 to
// 16 s one after the other, 5 s side by side.
const [first, ...others] = MLFLOW_VERSIONS;
const python = async (name: string, install: () => Promise<unknown>) => {
  await install();
  console.log(`prepare: ${name} ready after ${seconds()}`);
};
if (first) await python(`MLflow ${first}`, () => ensureMlflow(first));
await Promise.all([
  ...others.map((version) => python(`MLflow ${version}`, () => ensureMlflow(version))),
  // moto's server and boto3 for the SageMaker and S3 tests (test/sagemaker/server, test/storage/server), and for the
  // MLflow servers whose artifacts live in S3.
  python("moto and boto3", ensureAwsPeers),
  // The official clients for the interop tests (test/*/official).
  python("wandb", ensureWandbClient),
  python("huggingface_hub", ensureHfClient),
  python("google-cloud-aiplatform", ensureVertexClient),
  python("azure-ai-ml", ensureAzureMlClient),
]);
await gcs;
await peers;
