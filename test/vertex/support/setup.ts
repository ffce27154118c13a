// One msw server with the Vertex and Cloud Storage fakes, for a test file.
import type { HttpHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createVertexRegistry, type VertexRegistrySettings } from "../../../src/adapters/vertex/index.js";
import { CANARY } from "../../support/canary.js";
import { GcsFake } from "./gcs-fake.js";
import { LOCATION, PROJECT, VertexFake } from "./vertex-fake.js";

export const BUCKET = "test-bucket";
/**
 * A custom serving image (not a Vertex prebuilt one, so any files fit it): the image the fakes' registry uploads
 * versions with unless a test says otherwise, as a user's registry would with its `containerImageUri` setting.
 */
export const CUSTOM_IMAGE = "us-central1-docker.pkg.dev/test-project/serving/generic:1";

/** The Vertex and Cloud Storage fakes for a test file; `extra` handlers come first and survive the reset after each test. */
export function useVertexFakes(extra: HttpHandler[] = []) {
  const gcs = new GcsFake([BUCKET]);
  const vertex = new VertexFake(gcs);
  const server = setupServer(...extra, ...vertex.handlers(), ...gcs.handlers());
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  const registry = (settings: Partial<VertexRegistrySettings> = {}) =>
    createVertexRegistry({
      project: PROJECT,
      location: LOCATION,
      artifactRoot: `gs://${BUCKET}/models`,
      accessToken: CANARY.googleAccessToken,
      pollIntervalMs: 2,
      actor: "tester",
      containerImageUri: CUSTOM_IMAGE,
      ...settings,
    });
  return { vertex, gcs, server, registry };
}
