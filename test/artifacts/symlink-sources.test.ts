// Symbolic links in artifact sources: refused by default (named in `files`, as the `directory`, or met while walking
// it) with InvalidInputError naming the link, before any request or stored byte; followed with `followSymlinks: true`
// (a dangling link is then NotFoundError, a cycle InvalidInputError). Run through createVersion on the local registry,
// the Vertex and W&B fakes, and MLflow behind a recording fetch (refusals only: it must send nothing).
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { createVertexRegistry } from "modelreg/vertex";
import { createWandbRegistry } from "modelreg/wandb";
import { resolveArtifactSource } from "../../src/artifacts/resolve-source.js";
import { type ArtifactSource, InvalidInputError, ModelRegistryError, NotFoundError, type ModelRegistry } from "modelreg";
import { listTree, localRegistry, recordingFetch } from "../property/support/harness.js";
import { loggingFetch } from "../property/support/prototype-keys.js";
import { CANARY } from "../support/canary.js";
import { GcsFake } from "../vertex/support/gcs-fake.js";
import { BUCKET, CUSTOM_IMAGE } from "../vertex/support/setup.js";
import { LOCATION, PROJECT, VertexFake } from "../vertex/support/vertex-fake.js";
import { API_KEY, BASE, WandbFake } from "../wandb/support/wandb-fake.js";

const SECRET = "root:x:0:0:not really /etc/passwd";
const gcs = new GcsFake([BUCKET]);
const server = setupServer(...new VertexFake().handlers(), ...gcs.handlers(), ...new WandbFake().handlers());
let fx: string;
let local: Awaited<ReturnType<typeof localRegistry>>;

/**
 * The fixture:
 *   outside/secret.txt                 a file the sources must not reach unless told
 *   files/real.bin, files/link-out.bin -> ../outside/secret.txt, files/dangling -> nowhere, files/loop-a <-> loop-b
 *   dir-link-file/{real.bin, link.bin -> ../outside/secret.txt}
 *   dir-dangling/{real.bin, gone -> missing}
 *   dir-cycle/{real.bin, sub/up -> ..}
 *   dir-self/{real.bin, self -> self}
 *   dir-alias -> dir-plain, dir-plain/real.bin
 *   hf/snapshots/rev/{config.json -> ../../blobs/c1, weights/model.bin -> ../../../blobs/w1}, hf/blobs/{c1, w1}
 */
async function fixture(root: string): Promise<void> {
  const dirs = ["outside", "files", "dir-link-file", "dir-dangling", "dir-cycle/sub", "dir-self", "dir-plain", "hf/snapshots/rev/weights", "hf/blobs"];
  for (const d of dirs) await mkdir(join(root, d), { recursive: true });
  await writeFile(join(root, "outside/secret.txt"), SECRET);
  for (const d of ["files", "dir-link-file", "dir-dangling", "dir-cycle", "dir-self", "dir-plain"]) await writeFile(join(root, d, "real.bin"), `real in ${d}`);
  await symlink("../outside/secret.txt", join(root, "files/link-out.bin"));
  await symlink("does-not-exist", join(root, "files/dangling"));
  await symlink("loop-b", join(root, "files/loop-a"));
  await symlink("loop-a", join(root, "files/loop-b"));
  await symlink("../outside/secret.txt", join(root, "dir-link-file/link.bin"));
  await symlink("missing", join(root, "dir-dangling/gone"));
  await symlink("..", join(root, "dir-cycle/sub/up"), "dir");
  await symlink("self", join(root, "dir-self/self"));
  await symlink("dir-plain", join(root, "dir-alias"), "dir");
  await writeFile(join(root, "hf/blobs/c1"), '{"model_type":"bert"}');
  await writeFile(join(root, "hf/blobs/w1"), "weights");
  await symlink("../../blobs/c1", join(root, "hf/snapshots/rev/config.json"));
  await symlink("../../../blobs/w1", join(root, "hf/snapshots/rev/weights/model.bin"));
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  fx = await mkdtemp(join(tmpdir(), "modelreg-symlinks-"));
  await fixture(fx);
  local = await localRegistry();
});
afterAll(async () => {
  server.close();
  await local.dispose();
  await rm(fx, { recursive: true, force: true });
});

interface Case {
  name: string;
  source: () => ArtifactSource;
  /** The error, or the files (path to content) the version must hold. */
  expected: { error: "InvalidInputError" | "NotFoundError"; mentions: string | RegExp } | { files: Record<string, string> };
}

const at = (p: string) => join(fx, p);
const CASES: Case[] = [
  {
    name: "a file link to a file outside",
    source: () => ({ files: [at("files/link-out.bin")] }),
    expected: { error: "InvalidInputError", mentions: "link-out.bin" },
  },
  {
    name: "a file link to a file outside, followed",
    source: () => ({ files: [at("files/link-out.bin"), at("files/real.bin")], followSymlinks: true }),
    expected: { files: { "link-out.bin": SECRET, "real.bin": "real in files" } },
  },
  { name: "a dangling file link", source: () => ({ files: [at("files/dangling")] }), expected: { error: "InvalidInputError", mentions: "dangling" } },
  {
    name: "a dangling file link, followed",
    source: () => ({ files: [at("files/dangling")], followSymlinks: true }),
    expected: { error: "NotFoundError", mentions: "dangling" },
  },
  { name: "a file link cycle", source: () => ({ files: [at("files/loop-a")] }), expected: { error: "InvalidInputError", mentions: "loop-a" } },
  {
    name: "a file link cycle, followed",
    source: () => ({ files: [at("files/loop-a")], followSymlinks: true }),
    expected: { error: "InvalidInputError", mentions: "cycle" },
  },
  { name: "a link inside a directory", source: () => ({ directory: at("dir-link-file") }), expected: { error: "InvalidInputError", mentions: "link.bin" } },
  {
    name: "a link inside a directory, followed",
    source: () => ({ directory: at("dir-link-file"), followSymlinks: true }),
    expected: { files: { "link.bin": SECRET, "real.bin": "real in dir-link-file" } },
  },
  { name: "a dangling link inside a directory", source: () => ({ directory: at("dir-dangling") }), expected: { error: "InvalidInputError", mentions: "gone" } },
  {
    name: "a dangling link inside a directory, followed",
    source: () => ({ directory: at("dir-dangling"), followSymlinks: true }),
    expected: { error: "NotFoundError", mentions: "gone" },
  },
  {
    name: "a directory link back to an ancestor",
    source: () => ({ directory: at("dir-cycle") }),
    expected: { error: "InvalidInputError", mentions: "sub/up" },
  },
  {
    name: "a directory link back to an ancestor, followed",
    source: () => ({ directory: at("dir-cycle"), followSymlinks: true }),
    expected: { error: "InvalidInputError", mentions: "cycle" },
  },
  {
    name: "a link to itself inside a directory, followed",
    source: () => ({ directory: at("dir-self"), followSymlinks: true }),
    expected: { error: "InvalidInputError", mentions: "cycle" },
  },
  {
    name: "a directory that is itself a link",
    source: () => ({ directory: at("dir-alias") }),
    expected: { error: "InvalidInputError", mentions: "dir-alias" },
  },
  {
    name: "a directory that is itself a link, followed",
    source: () => ({ directory: at("dir-alias"), followSymlinks: true }),
    expected: { files: { "real.bin": "real in dir-plain" } },
  },
  {
    name: "a Hugging Face snapshot of links into ../../blobs",
    source: () => ({ directory: at("hf/snapshots/rev") }),
    expected: { error: "InvalidInputError", mentions: /"(config\.json|weights\/model\.bin)" in the artifact directory is a symbolic link/ },
  },
  {
    name: "a Hugging Face snapshot of links into ../../blobs, followed",
    source: () => ({ directory: at("hf/snapshots/rev"), followSymlinks: true }),
    expected: { files: { "config.json": '{"model_type":"bert"}', "weights/model.bin": "weights" } },
  },
  {
    name: "a followSymlinks that is not a boolean",
    source: () => ({ directory: at("dir-plain"), followSymlinks: "yes" as unknown as boolean }),
    expected: { error: "InvalidInputError", mentions: "followSymlinks" },
  },
];

/** A registry, what it has sent, and what it has stored, so a refusal can be shown to have sent and stored nothing. */
interface Subject {
  provider: string;
  registry: ModelRegistry;
  stored: () => Promise<string[]>;
  /** The live request log (emptied before each case). */
  requests: () => string[];
  /** MLflow runs behind a scripted fetch that cannot store a version: only its refusals are checked. */
  refusalsOnly?: boolean;
}

function subjects(): Subject[] {
  const vertexLog: string[] = [];
  const wandbLog: string[] = [];
  const mlflowLog: string[] = [];
  return [
    {
      provider: "local",
      // A getter: the local registry is made in beforeAll, after the table is built.
      get registry() {
        return local.registry;
      },
      requests: () => [],
      stored: () => listTree(local.root),
    },
    {
      provider: "vertex",
      registry: createVertexRegistry({
        project: PROJECT,
        location: LOCATION,
        artifactRoot: `gs://${BUCKET}/models`,
        accessToken: CANARY.googleAccessToken,
        pollIntervalMs: 2,
        actor: "tester",
        containerImageUri: CUSTOM_IMAGE,
        fetch: loggingFetch(vertexLog),
      }),
      requests: () => vertexLog,
      stored: async () => [...gcs.objects.keys()].sort(),
    },
    {
      provider: "wandb",
      registry: createWandbRegistry({ apiKey: API_KEY, baseUrl: BASE, project: "models", env: {}, actor: "tester", fetch: loggingFetch(wandbLog) }),
      requests: () => wandbLog,
      stored: async () => [],
    },
    {
      provider: "mlflow",
      registry: createMlflowRegistry({
        trackingUri: "http://mlflow.test",
        fetch: loggingFetch(mlflowLog, recordingFetch().fetch),
        maxRetries: 0,
        env: {},
        actor: "tester",
      }),
      requests: () => mlflowLog,
      stored: async () => [],
      refusalsOnly: true,
    },
  ];
}

describe.each(subjects())("$provider createVersion with symbolic links", (subject) => {
  let n = 0;
  it.each(CASES.filter((c) => !(subject.refusalsOnly && "files" in c.expected)))("$name", async ({ source, expected }) => {
    const model = `links-${n++}`;
    const log = subject.requests();
    log.length = 0;
    const storedBefore = await subject.stored();
    const outcome = await subject.registry.createVersion(model, { artifacts: source() }).then(
      (version) => ({ version, error: undefined }),
      (error: unknown) => ({ version: undefined, error }),
    );
    if ("error" in expected) {
      expect(ModelRegistryError.isInstance(outcome.error), String(outcome.error)).toBe(true);
      expect((outcome.error as Error).name).toBe(expected.error);
      expect((outcome.error as Error).message).toMatch(expected.mentions);
      // Refused while the source was resolved: nothing sent, nothing stored.
      expect(subject.requests(), "requests sent before the refusal").toEqual([]);
      expect(await subject.stored()).toEqual(storedBefore);
      if (!subject.refusalsOnly) {
        const missing = await subject.registry.getModel(model).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(NotFoundError.isInstance(missing) || (subject.provider === "wandb" && missing === undefined), `model ${model} exists after a refusal`).toBe(
          true,
        );
      }
      return;
    }
    expect(outcome.error).toBeUndefined();
    const ref = { model, version: outcome.version!.version };
    const listed = await subject.registry.listArtifacts(ref);
    expect(listed.map((f) => f.path).sort()).toEqual(Object.keys(expected.files).sort());
    for (const [path, content] of Object.entries(expected.files)) {
      const { stream } = await subject.registry.openArtifact(ref, path);
      expect(await new Response(stream).text(), path).toBe(content);
    }
  });
});

it("names the refused link in the error's field", async () => {
  const error = await local.registry
    .createVersion("field", { artifacts: { files: [at("files/real.bin"), at("files/link-out.bin")] } })
    .catch((e: unknown) => e);
  expect(InvalidInputError.isInstance(error)).toBe(true);
  expect((error as InvalidInputError).field).toBe("artifacts.files[1]");
});

it.skipIf(process.platform === "win32")("refuses, when it is read, a file swapped for a link after it was checked", async () => {
  const dir = join(fx, "swap");
  await mkdir(dir);
  await writeFile(join(dir, "model.bin"), "checked");
  const [file] = await resolveArtifactSource({ directory: dir }, { provider: "test", operation: "createVersion" });
  // The swap a hostile process sharing the directory could make between the check and the upload.
  await rename(join(dir, "model.bin"), join(dir, "old.bin"));
  await symlink("../outside/secret.txt", join(dir, "model.bin"));
  const chunks: Uint8Array[] = [];
  const error = await (async () => {
    for await (const chunk of file!.open()) chunks.push(chunk);
  })().catch((e: unknown) => e);
  expect(InvalidInputError.isInstance(error), String(error)).toBe(true);
  expect((error as Error).message).toContain("became a symbolic link");
  expect(chunks).toEqual([]);
});
