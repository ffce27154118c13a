/**
 * Vertex's serving containers for createVersion: which image a version is served with, its `containerSpec`, and the
 * prebuilt containers with the file names each one loads. A version uploaded with a prebuilt image whose artifact
 * folder lacks that framework's model file is refused by Vertex, so modelreg checks the names before any byte is
 * stored (vertex.md §7 and "Corrections and emphasis"; python-aiplatform `models.py`, `_SUPPORTED_MODEL_FILE_NAMES`,
 * and `constants/prediction.py`, `CONTAINER_URI_REGEX`).
 *
 * @module
 */

import { invalidInput } from "../../core/errors.js";
import type { VertexContainerOptions } from "./vertex-options.js";
import { PROVIDER } from "./vertex-transport.js";

/** A prebuilt framework: its name for people and the model files its server loads from the folder's top. */
export interface PrebuiltFramework {
  /** For messages, e.g. `scikit-learn`. */
  readonly label: string;
  /** The file names the prebuilt server loads; the folder must hold exactly one of them. */
  readonly files: readonly string[];
}

/**
 * The frameworks by the image name's first part (`sklearn-cpu.1-3` → `sklearn`). TensorFlow images are `tf2-*` and
 * `tf-*`. File names: Google's import-model page, plus what python-aiplatform also accepts (`model.pkl` for
 * scikit-learn and XGBoost, `saved_model.pbtxt` for TensorFlow).
 */
const FRAMEWORKS: Readonly<Record<string, PrebuiltFramework>> = {
  sklearn: { label: "scikit-learn", files: ["model.joblib", "model.pkl"] },
  xgboost: { label: "XGBoost", files: ["model.bst", "model.joblib", "model.pkl"] },
  tf2: { label: "TensorFlow", files: ["saved_model.pb", "saved_model.pbtxt"] },
  tf: { label: "TensorFlow", files: ["saved_model.pb", "saved_model.pbtxt"] },
  pytorch: { label: "PyTorch", files: ["model.mar"] },
};

/**
 * What python-aiplatform counts as prebuilt (`CONTAINER_URI_REGEX`): Google's `vertex-ai/prediction` repository in
 * the three multi-region registries, for the four frameworks. A digest (`@sha256:`) instead of a tag still names it.
 */
const PREBUILT = /^(?:us|europe|asia)-docker\.pkg\.dev\/vertex-ai\/prediction\/((?:tf|sklearn|xgboost|pytorch)[^/]*)$/;

/** Every name a prebuilt server loads, for an image under the prebuilt path whose framework is not one of the above. */
const ANY_FRAMEWORK: PrebuiltFramework = {
  label: "Vertex prebuilt",
  files: ["model.pkl", "model.joblib", "model.bst", "model.mar", "saved_model.pb", "saved_model.pbtxt"],
};

/** The prebuilt framework an image URI names, or `undefined` for any other (custom) image. */
export function prebuiltFramework(imageUri: string): PrebuiltFramework | undefined {
  const image = PREBUILT.exec(imageUri)?.[1];
  if (image === undefined) return undefined;
  const name = /^([a-z0-9]+)-/.exec(image)?.[1] ?? "";
  return Object.hasOwn(FRAMEWORKS, name) ? FRAMEWORKS[name] : ANY_FRAMEWORK;
}

/**
 * The reason a prebuilt framework's server cannot load these files, or `undefined` when it can: exactly one of its
 * model files must sit at the top of the folder (one, because with two the folder does not say which model is
 * meant). The test fake keeps its own table of the same rule, on purpose, so that a slip in one is not copied into
 * the other.
 */
function prebuiltFilesProblem(framework: PrebuiltFramework, paths: readonly string[]): string | undefined {
  const found = framework.files.filter((name) => paths.includes(name));
  if (found.length === 1) return undefined;
  const rule = `the ${framework.label} prebuilt container needs exactly one of ${framework.files.join(", ")} at the top of the files`;
  return found.length === 0 ? `${rule}; there is none` : `${rule}; there are ${found.length} (${found.join(", ")})`;
}

/** Where the serving image of a version came from, to name it in errors. */
export type ImageSource = "providerOptions.vertex.container.imageUri" | "containerImageUri";

/**
 * Throws `InvalidInputError` (field `artifacts`) when `imageUri` is a prebuilt framework image whose model file is not
 * among the files' paths. Called before any request, so a refused version stores nothing.
 */
export function checkPrebuiltFiles(imageUri: string, source: ImageSource, paths: readonly string[], operation: string): void {
  const framework = prebuiltFramework(imageUri);
  if (!framework) return;
  const problem = prebuiltFilesProblem(framework, paths);
  if (problem === undefined) return;
  throw invalidInput(operation, "artifacts", `${problem} (the image ${imageUri} comes from ${source}; give a custom image for other files)`, PROVIDER);
}

/** A version's serving image and where it came from. */
export interface ResolvedImage {
  /** The image URI. */
  imageUri: string;
  /** The option or setting that named it. */
  source: ImageSource;
}

/**
 * The image a version is served with: its own `container.imageUri`, else the settings' `containerImageUri`. With
 * neither, `InvalidInputError`: Vertex requires a container for a model with artifacts (`containerSpec.imageUri`;
 * python-aiplatform refuses `artifact_uri` without `serving_container_image_uri` too), and no image fits arbitrary
 * files, so modelreg does not pick one.
 */
export function resolveImage(container: VertexContainerOptions | undefined, settingsImage: string | undefined, operation: string): ResolvedImage {
  if (container?.imageUri !== undefined) return { imageUri: container.imageUri, source: "providerOptions.vertex.container.imageUri" };
  if (settingsImage !== undefined && settingsImage !== "") return { imageUri: settingsImage, source: "containerImageUri" };
  throw invalidInput(
    operation,
    "providerOptions.vertex.container.imageUri",
    "Vertex needs a serving container image for a version: give providerOptions.vertex.container.imageUri, or the containerImageUri setting (a custom image, or a Vertex prebuilt one when the files hold its model file)",
    PROVIDER,
  );
}

/** Vertex's `containerSpec` for a version: its resolved image with its own container options. */
export function containerSpec(container: VertexContainerOptions | undefined, imageUri: string): Record<string, unknown> {
  const c = container ?? {};
  return {
    imageUri,
    ...(c.command && { command: c.command }),
    ...(c.args && { args: c.args }),
    ...(c.env && { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) }),
    ...(c.ports && { ports: c.ports.map((containerPort) => ({ containerPort })) }),
    ...(c.predictRoute !== undefined && { predictRoute: c.predictRoute }),
    ...(c.healthRoute !== undefined && { healthRoute: c.healthRoute }),
  };
}
