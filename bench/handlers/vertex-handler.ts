// A one-adapter serverless handler, bundled by bench/cold-start.ts to measure what modelreg/vertex adds to a function.
// The token comes from the environment; without one the adapter would load the optional google-auth-library peer,
// which the bundle leaves out (it is imported by a computed name).
import { createVertexRegistry } from "modelreg/vertex";

export async function handler(): Promise<string> {
  const r = createVertexRegistry({
    project: process.env.GOOGLE_CLOUD_PROJECT ?? "my-project",
    location: process.env.GOOGLE_CLOUD_REGION ?? "us-central1",
    artifactRoot: process.env.VERTEX_ARTIFACT_ROOT ?? "gs://my-models/registry",
    accessToken: process.env.GOOGLE_OAUTH_ACCESS_TOKEN,
  });
  return (await r.getVersion("fraud@champion")).version;
}
