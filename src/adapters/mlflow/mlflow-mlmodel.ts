/**
 * Writing an `MLmodel` file for a version registered from plain files, so `mlflow.pyfunc.load_model` can load it.
 *
 * The flavour is `python_function` with a loader module shipped in the version's own files: MLflow adds the `code`
 * folder to `sys.path`, imports the module and calls its `_load_pyfunc(data_path)`, which returns an object with
 * `predict(model_input, params=None)`. Nothing beyond MLflow itself has to be installed to load it.
 *
 * @module
 */

import type { ModelSignature, SignatureField } from "../../core/signature.js";
import type { MlflowPyfuncOptions } from "./mlflow-options.js";

/** One field in MLflow's schema JSON (`ColSpec` or `TensorSpec`). */
function toMlflowField(field: SignatureField): Record<string, unknown> {
  if (field.type === "tensor") {
    return {
      type: "tensor",
      "tensor-spec": { dtype: field.dtype ?? "float32", shape: field.shape ?? [-1] },
      ...(field.name !== undefined && { name: field.name }),
    };
  }
  return { type: field.type, ...(field.name !== undefined && { name: field.name }), required: !field.optional };
}

/** A YAML scalar: JSON strings are valid YAML double-quoted scalars, which escapes everything that needs it. */
const scalar = (value: string) => JSON.stringify(value);

/** The `MLmodel` text. */
export function buildMlmodel(input: {
  pyfunc: MlflowPyfuncOptions;
  signature: ModelSignature | undefined;
  artifactUri: string;
  runId: string;
  modelId: string | undefined;
  mlflowVersion: string | undefined;
}): string {
  const { pyfunc } = input;
  const created = new Date().toISOString().replace("T", " ").replace("Z", "000");
  const lines = [
    `artifact_path: ${scalar(input.artifactUri)}`,
    "flavors:",
    "  python_function:",
    `    loader_module: ${scalar(pyfunc.loaderModule)}`,
    `    code: ${scalar(pyfunc.code ?? "code")}`,
    ...(pyfunc.data !== undefined ? [`    data: ${scalar(pyfunc.data)}`] : []),
    ...(pyfunc.pythonVersion !== undefined ? [`    python_version: ${scalar(pyfunc.pythonVersion)}`] : []),
    ...(input.mlflowVersion ? [`mlflow_version: ${scalar(input.mlflowVersion)}`] : []),
    `model_uuid: ${scalar(input.modelId ?? crypto.randomUUID().replaceAll("-", ""))}`,
    ...(input.modelId ? [`model_id: ${scalar(input.modelId)}`] : []),
    `run_id: ${scalar(input.runId)}`,
    `utc_time_created: ${scalar(created)}`,
  ];
  if (input.signature) {
    lines.push("signature:", `  inputs: ${scalar(JSON.stringify(input.signature.inputs.map(toMlflowField)))}`);
    if (input.signature.outputs?.length) lines.push(`  outputs: ${scalar(JSON.stringify(input.signature.outputs.map(toMlflowField)))}`);
    lines.push("  params: null");
  }
  return `${lines.join("\n")}\n`;
}
