// Object.prototype member names (constructor, toString, valueOf, hasOwnProperty, __proto__, ...) as aliases, tag
// keys, metric names and param names, through registries with real state: the local registry and the Vertex and W&B
// fakes (the MLflow run is test/mlflow/server/prototype-keys.test.ts, against a real server). Each name round-trips
// as data or is refused before any request; an alias never set is NotFoundError to resolve and to delete.
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createVertexRegistry } from "modelreg/vertex";
import { createWandbRegistry } from "modelreg/wandb";
import type { ModelRegistry } from "modelreg";
import { CANARY } from "../support/canary.js";
import { GcsFake } from "../vertex/support/gcs-fake.js";
import { BUCKET, CUSTOM_IMAGE } from "../vertex/support/setup.js";
import { LOCATION, PROJECT, VertexFake } from "../vertex/support/vertex-fake.js";
import { API_KEY, BASE, WandbFake } from "../wandb/support/wandb-fake.js";
import { PROTOTYPE_KEYS } from "./support/arbitraries.js";
import { localRegistry } from "./support/harness.js";
import { checkAlias, checkArtifactPaths, checkVersionKey, loggingFetch, type KeyField, type KeySubject } from "./support/prototype-keys.js";

const server = setupServer(...new VertexFake().handlers(), ...new GcsFake([BUCKET]).handlers(), ...new WandbFake().handlers());
let local: Awaited<ReturnType<typeof localRegistry>>;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  local = await localRegistry();
});
afterAll(async () => {
  server.close();
  await local.dispose();
});

const subjects: Array<{ provider: string; make: () => Omit<KeySubject, "model" | "version"> }> = [
  { provider: "local", make: () => ({ registry: local.registry, requests: undefined }) },
  {
    provider: "vertex",
    make: () => {
      const requests: string[] = [];
      const registry: ModelRegistry = createVertexRegistry({
        project: PROJECT,
        location: LOCATION,
        artifactRoot: `gs://${BUCKET}/models`,
        accessToken: CANARY.googleAccessToken,
        pollIntervalMs: 2,
        actor: "tester",
        containerImageUri: CUSTOM_IMAGE,
        fetch: loggingFetch(requests),
      });
      return { registry, requests };
    },
  },
  {
    provider: "wandb",
    make: () => {
      const requests: string[] = [];
      const registry: ModelRegistry = createWandbRegistry({
        apiKey: API_KEY,
        baseUrl: BASE,
        project: "models",
        env: {},
        actor: "tester",
        fetch: loggingFetch(requests),
      });
      return { registry, requests };
    },
  },
];

describe.each(subjects)("$provider: prototype member names as user keys", ({ provider, make }) => {
  let subject: KeySubject;
  beforeAll(async () => {
    const made = make();
    const first = await made.registry.createVersion("protokeys", { artifacts: { entries: [{ path: "model.bin", content: "first" }] } });
    subject = { ...made, model: "protokeys", version: first.version };
  });

  it.each(PROTOTYPE_KEYS)(`alias %s: NotFoundError until set, then round-trips (${provider})`, async (alias) => {
    await checkAlias(subject, alias);
  });

  it.each(PROTOTYPE_KEYS.flatMap((key) => (["tags", "metrics", "params"] as KeyField[]).map((field) => [field, key] as const)))(
    `%s key %s round-trips or is refused before any request (${provider})`,
    async (field, key) => {
      await checkVersionKey(subject, field, key);
    },
  );

  it(`stores files named after prototype members as files (${provider})`, async () => {
    await checkArtifactPaths(subject);
  });
});
