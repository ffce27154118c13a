// A canary release on Vertex AI: register a new version from local files, deploy it at 10% beside the champion on
// the same endpoint, step its traffic up while a health check passes, and roll back if it fails.
//
//   VERTEX_PROJECT=my-project VERTEX_LOCATION=us-central1 VERTEX_ARTIFACT_ROOT=gs://my-bucket/models \
//     node --import tsx examples/vertex-canary.ts ./out/model
//
// The model folder holds a scikit-learn model.joblib or model.pkl, served by Vertex's prebuilt scikit-learn image;
// VERTEX_CONTAINER_IMAGE names another image (your own for other files).
//
// Credentials: application default credentials (`gcloud auth application-default login`, with google-auth-library
// installed), or VERTEX_ACCESS_TOKEN.
import { pathToFileURL } from "node:url";
import type { ModelRegistry } from "modelreg";
import { createVertexRegistry, type CanaryResult, type VertexRegistry } from "modelreg/vertex";

/** What the release needs: a registry with endpoints, the model's files, and a way to tell health. */
export interface CanaryRelease {
  registry: VertexRegistry;
  model: string;
  directory: string;
  endpoint: string;
  /** True when the new version is healthy at this share of traffic (read your monitoring here). */
  healthy: (percent: number) => boolean | Promise<boolean>;
  log?: (line: string) => void;
}

/** Registers the files as a new version and rolls it out beside the champion. */
export async function canaryRelease({ registry, model, directory, endpoint, healthy, log = console.log }: CanaryRelease): Promise<CanaryResult> {
  const version = await registry.createVersion(model, { artifacts: { directory }, aliases: ["challenger"] });
  log(`registered ${model}/${version.version} from ${directory}`);

  const result = await registry.endpoints.canaryRollout(version, {
    endpoint,
    machineType: "n1-standard-2",
    steps: [10, 25, 50, 100],
    check: async ({ percent }) => healthy(percent),
    onStep: ({ percent }) => log(`${model}/${version.version} now takes ${percent}% of ${endpoint}`),
  });

  if (result.completed) {
    await (registry as ModelRegistry).setAlias(model, "champion", version.version);
    log(`${model}/${version.version} is the champion`);
  } else {
    log(`rolled back at ${result.failedAt}%: ${result.reason}; traffic is ${JSON.stringify(result.endpoint.trafficSplit)}`);
  }
  return result;
}

// Run as a script: read the settings from the environment.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const directory = process.argv[2];
  const { VERTEX_PROJECT, VERTEX_LOCATION, VERTEX_ARTIFACT_ROOT, VERTEX_ACCESS_TOKEN, VERTEX_CONTAINER_IMAGE } = process.env;
  if (!directory || !VERTEX_PROJECT || !VERTEX_LOCATION || !VERTEX_ARTIFACT_ROOT) {
    console.error("usage: VERTEX_PROJECT=.. VERTEX_LOCATION=.. VERTEX_ARTIFACT_ROOT=gs://.. node --import tsx examples/vertex-canary.ts <model dir>");
    process.exit(2);
  }
  const registry = createVertexRegistry({
    project: VERTEX_PROJECT,
    location: VERTEX_LOCATION,
    artifactRoot: VERTEX_ARTIFACT_ROOT,
    // Vertex serves a version with this image; modelreg checks that the folder holds the prebuilt image's model file.
    containerImageUri: VERTEX_CONTAINER_IMAGE ?? "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest",
    ...(VERTEX_ACCESS_TOKEN && { accessToken: VERTEX_ACCESS_TOKEN }),
  });
  // A stand-in health check: replace it with a query of your error rate or latency.
  const result = await canaryRelease({ registry, model: "fraud", directory, endpoint: "fraud-serving", healthy: async () => true });
  process.exitCode = result.completed ? 0 : 1;
}
