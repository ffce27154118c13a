/**
 * Writing an `MLmodel` file for a version registered from plain files, so `mlflow.pyfunc.load_model` can load it.
 *
 * The flavour is `python_function` with a loader module shipped in the version's own files: MLflow adds the `code`
 * folder to `sys.path`, imports the module and calls its `_load_pyfunc(data_path)`, which returns an object with
 * `predict(model_input, params=None)`. Nothing beyond MLflow itself has to be installed to load it.
 *
 * @module
 */

import { invalidInput } from "../../core/errors.js";
import type { ModelSignature, SignatureField } from "../../core/signature.js";
import { assertArtifactPath } from "../../core/validation.js";
import { PROVIDER } from "./mlflow-transport.js";

/** `providerOptions.mlflow.pyfunc`: how MLflow loads the files. */
export interface MlflowPyfuncOptions {
  /** The Python module (in `code`) whose `_load_pyfunc(data_path)` returns the model. */
  loaderModule: string;
  /** The folder, inside the version, added to `sys.path`. Default `code`. */
  code?: string;
  /** The file or folder, inside the version, passed to `_load_pyfunc`. Default: the version's root. */
  data?: string;
  /** The Python version the model was built with; MLflow warns on a mismatch. */
  pythonVersion?: string;
}

/** Reads and checks `providerOptions.mlflow.pyfunc`, before anything is sent. */
export function readPyfuncOptions(providerOptions: Record<string, Record<string, unknown>> | undefined, operation: string): MlflowPyfuncOptions | undefined {
  const raw = providerOptions?.mlflow?.pyfunc;
  if (raw === undefined) return undefined;
  const field = "providerOptions.mlflow.pyfunc";
  if (typeof raw !== "object" || raw === null) throw invalidInput(operation, field, `${field} must be { loaderModule, code?, data? }`, PROVIDER);
  const options = raw as Record<string, unknown>;
  if (typeof options.loaderModule !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(options.loaderModule)) {
    throw invalidInput(operation, `${field}.loaderModule`, "loaderModule must be a Python module name such as fraud_loader", PROVIDER);
  }
  for (const key of ["code", "data"] as const) if (options[key] !== undefined) assertArtifactPath(options[key], operation, `${field}.${key}`);
  if (options.pythonVersion !== undefined && (typeof options.pythonVersion !== "string" || !/^\d+\.\d+(\.\d+)?$/.test(options.pythonVersion))) {
    throw invalidInput(operation, `${field}.pythonVersion`, "pythonVersion looks like 3.11.7", PROVIDER);
  }
  return {
    loaderModule: options.loaderModule,
    code: (options.code as string | undefined) ?? "code",
    ...(options.data !== undefined && { data: options.data as string }),
    ...(options.pythonVersion !== undefined && { pythonVersion: options.pythonVersion as string }),
  };
}

/** One field in MLflow's schema JSON (`ColSpec` or `TensorSpec`). */
function toMlflowField(field: SignatureField): Record<string, unknown> {
  if (field.type === "tensor") {
    return { type: "tensor", "tensor-spec": { dtype: field.dtype ?? "float32", shape: field.shape ?? [-1] }, ...(field.name !== undefined && { name: field.name }) };
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
