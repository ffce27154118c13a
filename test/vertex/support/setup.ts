// One msw server with the Vertex and Cloud Storage fakes, for a test file.
import type { HttpHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createVertexRegistry, type VertexRegistrySettings } from "../../../src/adapters/vertex/index.js";
import { CANARY } from "../../support/canary.js";
import { GcsFake } from "./gcs-fake.js";
import { LOCATION, PROJECT, VertexFake } from "./vertex-fake.js";

export const BUCKET = "test-bucket";

/** The Vertex and Cloud Storage fakes for a test file; `extra` handlers come first and survive the reset after each test. */
export function useVertexFakes(extra: HttpHandler[] = []) {
  const vertex = new VertexFake();
  const gcs = new GcsFake([BUCKET]);
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
      ...settings,
    });
  return { vertex, gcs, server, registry };
}
