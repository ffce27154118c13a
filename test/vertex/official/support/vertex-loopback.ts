// The Vertex AI and Cloud Storage fakes on one loopback HTTP server, for Google's official Python clients and for
// modelreg alike (both reach the same fakes over real HTTP), and the driver that runs those clients.
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createVertexRegistry, type VertexRegistry } from "../../../../src/adapters/vertex/index.js";
import { CANARY } from "../../../support/canary.js";
import { type LoopbackFake, serveFake } from "../../../support/loopback-fake.js";
import { pythonEnv } from "../../../support/python-venv.js";
import { GCS, GcsFake } from "../../support/gcs-fake.js";
import { HOST, LOCATION, PROJECT, VertexFake } from "../../support/vertex-fake.js";

const run = promisify(execFile);

export const BUCKET = "interop-bucket";

/**
 * A dummy bearer token for the Python clients: the fakes refuse requests without one, as Google does. Not a canary
 * on purpose: the canary check watches what modelreg leaks, and this token is the Python clients'.
 */
export const PYTHON_TOKEN = "dummy-token-for-the-loopback-fake";

/** The fakes, their loopback server, and a modelreg registry pointed at it. */
export interface VertexLoopback {
  vertex: VertexFake;
  gcs: GcsFake;
  server: LoopbackFake;
  registry: VertexRegistry;
  close(): Promise<void>;
}

/**
 * Serves a fresh pair of fakes on loopback. Vertex paths (`/v1/`, `/ui/`) match under Google's regional host, Cloud
 * Storage paths (`/storage/`, `/upload/storage/`, `/download/storage/`) under storage.googleapis.com.
 */
export async function serveVertexFakes(): Promise<VertexLoopback> {
  const vertex = new VertexFake();
  // The first poll of an operation finds it done: the Python client still polls once (no answer to an upload or
  // deploy is done at once), and its first poll waits a second.
  vertex.operationPolls = 0;
  const gcs = new GcsFake([BUCKET]);
  const server = await serveFake({
    handlers: [...vertex.handlers(), ...gcs.handlers()],
    origin: HOST,
    routes: { "/storage/": GCS, "/upload/storage/": GCS, "/download/storage/": GCS },
  });
  const registry = createVertexRegistry({
    project: PROJECT,
    location: LOCATION,
    artifactRoot: `gs://${BUCKET}/models`,
    apiEndpoint: `${server.url}/`,
    storageEndpoint: `${server.url}/`,
    accessToken: CANARY.googleAccessToken,
    pollIntervalMs: 2,
    actor: "tester",
  });
  return { vertex, gcs, server, registry, close: () => server.close() };
}

const DRIVER = fileURLToPath(new URL("./vertex_client.py", import.meta.url));

/**
 * Runs one step of the Python driver (vertex_client.py) against the loopback fakes and returns the JSON it printed
 * last. STORAGE_EMULATOR_HOST points google-cloud-storage at the fake: aiplatform builds its storage client itself
 * and takes no endpoint for it.
 */
export async function runClient(python: string, fakes: VertexLoopback, step: "read" | "write", args: Record<string, unknown>): Promise<unknown> {
  const input = { project: PROJECT, location: LOCATION, api: fakes.server.url, bucket: BUCKET, token: PYTHON_TOKEN, ...args };
  try {
    const { stdout } = await run(python, [DRIVER, step, JSON.stringify(input)], {
      cwd: tmpdir(),
      env: pythonEnv({
        STORAGE_EMULATOR_HOST: fakes.server.url,
        // No metadata server, no gcloud: the clients must not go looking for real credentials or a project.
        GCE_METADATA_HOST: "127.0.0.1:9",
        NO_GCE_CHECK: "True",
        GOOGLE_CLOUD_PROJECT: PROJECT,
        GOOGLE_APPLICATION_CREDENTIALS: undefined,
        GOOGLE_OAUTH_ACCESS_TOKEN: undefined,
      }),
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "null");
  } catch (error) {
    // The fake's record of what the client sent explains most failures better than the Python traceback alone.
    const e = error as { stderr?: string; message: string };
    const seen = fakes.server.requests.map((r) => `${r.status} ${r.method} ${r.url}`).join("\n");
    throw new Error(`vertex_client.py ${step} failed: ${e.stderr?.slice(-4000) || e.message}\nrequests the fake saw:\n${seen}`);
  }
}
