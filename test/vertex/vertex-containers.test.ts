// Issue 15, Vertex items 1 and 8: a version's serving image is named, never guessed; a prebuilt framework image gets
// only files its server loads; and `default` moves to a new version when asked (python-aiplatform's
// is_default_version).
import { describe, expect, it } from "vitest";
import { InvalidInputError, type RegistryEvent } from "modelreg";
import { parseRegistryUri, registryFromUri } from "modelreg/sync";
import type { VertexRegistrySettings } from "modelreg/vertex";
import { BUCKET, CUSTOM_IMAGE, useVertexFakes } from "./support/setup.js";
import { HOST, LOCATION, PROJECT } from "./support/vertex-fake.js";

const fakes = useVertexFakes();
const SKLEARN = "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest";
const entries = (...paths: string[]) => ({ entries: paths.map((path) => ({ path, content: `bytes of ${path}` })) });
/** Every request either fake has seen, and every object stored, to show a refusal touched nothing. */
const footprint = () => ({ requests: fakes.vertex.requests.length + fakes.gcs.requests.length, objects: fakes.gcs.objects.size });

async function refusal(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe("the serving image", () => {
  it("is never guessed: with no image in the call or the settings, createVersion is refused before any request", async () => {
    const before = footprint();
    const error = await refusal(fakes.registry({ containerImageUri: undefined }).createVersion("no-image", { artifacts: entries("weights.bin") }));
    expect(error.field).toBe("providerOptions.vertex.container.imageUri");
    expect(error.message).toMatch(/containerImageUri setting/);
    expect(footprint()).toEqual(before);
    expect(fakes.vertex.models.has("no-image")).toBe(false);
  });

  it("comes from the call, else from the settings, and reaches Vertex as containerSpec.imageUri", async () => {
    const registry = fakes.registry({ containerImageUri: CUSTOM_IMAGE });
    await registry.createVersion("image-from-settings", { artifacts: entries("weights.bin") });
    await registry.createVersion("image-from-call", {
      artifacts: entries("model.joblib"),
      providerOptions: { vertex: { container: { imageUri: SKLEARN } } },
    });
    const imageOf = (model: string) => (fakes.vertex.models.get(model)?.versions.get("1")?.containerSpec as { imageUri?: string } | undefined)?.imageUri;
    expect([imageOf("image-from-settings"), imageOf("image-from-call")]).toEqual([CUSTOM_IMAGE, SKLEARN]);
  });

  it("can be set in a vertex:// URI with ?containerImageUri=", () => {
    const uri = `vertex://${PROJECT}/${LOCATION}?bucket=${BUCKET}/models&containerImageUri=${encodeURIComponent(SKLEARN)}`;
    expect(parseRegistryUri(uri)).toMatchObject({ kind: "vertex", containerImageUri: SKLEARN });
    let given: VertexRegistrySettings | undefined;
    registryFromUri(uri, {
      vertex: (settings) => {
        given = settings as VertexRegistrySettings;
        return fakes.registry(settings);
      },
    });
    expect(given?.containerImageUri).toBe(SKLEARN);
  });
});

describe("a Vertex prebuilt image", () => {
  it.each([
    [
      "scikit-learn",
      SKLEARN,
      ["weights.bin"],
      /scikit-learn prebuilt container needs exactly one of model\.joblib, model\.pkl at the top of the files; there is none/,
    ],
    ["scikit-learn", SKLEARN, ["model.joblib", "model.pkl"], /exactly one of model\.joblib, model\.pkl .*there are 2/],
    ["scikit-learn", SKLEARN, ["sub/model.pkl"], /at the top of the files; there is none/],
    [
      "XGBoost",
      "europe-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1:latest",
      ["model.json"],
      /XGBoost prebuilt container needs exactly one of model\.bst, model\.joblib, model\.pkl/,
    ],
    [
      "TensorFlow",
      "asia-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-15:latest",
      ["model.pkl"],
      /TensorFlow prebuilt container needs exactly one of saved_model\.pb, saved_model\.pbtxt/,
    ],
    ["PyTorch", "us-docker.pkg.dev/vertex-ai/prediction/pytorch-cpu.2-4:latest", ["model.pt"], /PyTorch prebuilt container needs exactly one of model\.mar/],
  ])("%s (%s) refuses %j with InvalidInputError naming the rule, before any byte is stored", async (_name, image, paths, rule) => {
    const before = footprint();
    const error = await refusal(
      fakes.registry().createVersion("prebuilt-refused", { artifacts: entries(...paths), providerOptions: { vertex: { container: { imageUri: image } } } }),
    );
    expect(error.field).toBe("artifacts");
    expect(error.message).toMatch(rule);
    expect(error.message).toContain(`the image ${image} comes from providerOptions.vertex.container.imageUri`);
    expect(footprint()).toEqual(before);
  });

  it("names the containerImageUri setting when the image came from there", async () => {
    const error = await refusal(fakes.registry({ containerImageUri: SKLEARN }).createVersion("prebuilt-settings", { artifacts: entries("weights.bin") }));
    expect(error.message).toContain(`the image ${SKLEARN} comes from containerImageUri`);
  });

  it.each([
    [SKLEARN, ["model.joblib", "requirements.txt", "sub/model.pkl"]],
    ["us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.1-7:latest", ["model.bst", "notes.md"]],
    ["us-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest", ["saved_model.pb", "variables/variables.index"]],
    ["europe-docker.pkg.dev/vertex-ai/prediction/pytorch-gpu.2-1:latest", ["model.mar"]],
  ])("%s takes %j: the version is made and keeps every file", async (image, paths) => {
    const model = `prebuilt-ok-${fakes.vertex.uploads.length}`;
    const v = await fakes.registry().createVersion(model, { artifacts: entries(...paths), providerOptions: { vertex: { container: { imageUri: image } } } });
    const files = await fakes.registry().listArtifacts(v);
    expect(files.map((f) => f.path).sort()).toEqual([...paths].sort());
  });

  it("leaves other images alone: a custom image under another repository takes any files", async () => {
    const image = "us-docker.pkg.dev/my-project/prediction/sklearn-cpu.1-3:latest";
    const v = await fakes
      .registry()
      .createVersion("custom-lookalike", { artifacts: entries("weights.bin"), providerOptions: { vertex: { container: { imageUri: image } } } });
    expect(v.version).toBe("1");
  });
});

describe("the fake's models.upload with a prebuilt image", () => {
  const upload = async (model: string, artifactUri: string) => {
    const res = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models:upload`, {
      method: "POST",
      headers: { authorization: "Bearer other-tool", "content-type": "application/json" },
      body: JSON.stringify({ modelId: model, model: { displayName: model, artifactUri, containerSpec: { imageUri: SKLEARN } } }),
    });
    return { status: res.status, error: ((await res.json()) as { error?: { status: string; message: string } }).error };
  };
  const put = (name: string) =>
    fakes.gcs.objects.set(fakes.gcs.key(BUCKET, name), { bytes: new Uint8Array([1]), contentType: "application/octet-stream", generation: "1" });

  it("refuses a folder without exactly one of the framework's model files with 400 INVALID_ARGUMENT, as Vertex does", async () => {
    put("elsewhere/none/weights.bin");
    put("elsewhere/both/model.pkl");
    put("elsewhere/both/model.joblib");
    put("elsewhere/one/model.pkl");
    const none = await upload("fake-none", `gs://${BUCKET}/elsewhere/none/`);
    const both = await upload("fake-both", `gs://${BUCKET}/elsewhere/both/`);
    const one = await upload("fake-one", `gs://${BUCKET}/elsewhere/one/`);
    expect([none.status, none.error?.status, both.status, both.error?.status, one.status]).toEqual([400, "INVALID_ARGUMENT", 400, "INVALID_ARGUMENT", 200]);
    expect(none.error?.message).toMatch(/exactly one of: \[model\.joblib, model\.pkl\]/);
  });
});

describe("isDefaultVersion (python-aiplatform's is_default_version)", () => {
  /** Versions made one after another; returns the events heard for the model. */
  async function versions(model: string, settings: Partial<VertexRegistrySettings>, calls: Array<boolean | undefined>) {
    const registry = fakes.registry(settings);
    const heard: RegistryEvent[] = [];
    const stop = registry.events.subscribe((e) => {
      if (e.model === model) heard.push(e);
    });
    try {
      for (const isDefaultVersion of calls) {
        await registry.createVersion(model, {
          artifacts: entries("weights.bin"),
          ...(isDefaultVersion !== undefined && { providerOptions: { vertex: { isDefaultVersion } } }),
        });
      }
    } finally {
      stop();
    }
    return { registry, heard, moves: heard.filter((e) => e.type === "alias.set").map((e) => [e.alias, e.from, e.to]) };
  }

  it("is off by default: `default` stays on the first version, and no alias moves are reported", async () => {
    const { registry, moves } = await versions("default-stays", {}, [undefined, undefined]);
    expect(await registry.resolveAlias("default-stays", "default")).toBe("1");
    expect(moves).toEqual([]);
    expect(fakes.vertex.uploads.at(-1)?.model).not.toHaveProperty("versionAliases");
  });

  it("per call moves `default` to the new version in the upload itself, reported as an alias move from the old holder", async () => {
    const { registry, moves } = await versions("default-moves", {}, [undefined, true, true]);
    expect(await registry.resolveAlias("default-moves", "default")).toBe("3");
    expect((fakes.vertex.uploads.at(-1)?.model as { versionAliases?: string[] }).versionAliases).toEqual(["default"]);
    expect(moves).toEqual([
      ["default", "1", "2"],
      ["default", "2", "3"],
    ]);
    // `default` is Vertex's own: it is not listed among the version's user aliases.
    expect((await registry.getVersion("default-moves/3")).aliases).toEqual([]);
  });

  it("comes from the settings unless the call says otherwise", async () => {
    const { registry, moves } = await versions("default-settings", { isDefaultVersion: true }, [undefined, undefined, false]);
    expect(await registry.resolveAlias("default-settings", "default")).toBe("2");
    expect(moves).toEqual([["default", "1", "2"]]);
  });

  it("is refused when not a boolean, naming the field, before any request", async () => {
    const before = footprint();
    const error = await refusal(
      fakes.registry().createVersion("default-bad", { artifacts: entries("weights.bin"), providerOptions: { vertex: { isDefaultVersion: "yes" as never } } }),
    );
    expect(error.field).toBe("providerOptions.vertex.isDefaultVersion");
    expect(footprint()).toEqual(before);
  });
});

describe("alias events of createVersion", () => {
  it("name the version an alias moved from, as setAlias does", async () => {
    const registry = fakes.registry();
    const heard: RegistryEvent[] = [];
    const stop = registry.events.subscribe((e) => {
      if (e.model === "alias-from") heard.push(e);
    });
    try {
      await registry.createVersion("alias-from", { artifacts: entries("weights.bin"), aliases: ["champion"] });
      await registry.createVersion("alias-from", { artifacts: entries("weights.bin"), aliases: ["champion"] });
    } finally {
      stop();
    }
    expect(heard.filter((e) => e.type === "alias.set").map((e) => [e.alias, e.from, e.to])).toEqual([
      ["champion", undefined, "1"],
      ["champion", "1", "2"],
    ]);
  });
});
