/**
 * `providerOptions.azureml` for `createVersion`: what only Azure ML has, typed and checked in one place.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

/**
 * The schema of `providerOptions.azureml`. Unknown keys are refused, so a misspelt option is an `InvalidInputError`
 * naming it.
 *
 * @example
 * ```ts
 * await azure.createVersion("fraud", {
 *   artifacts: { directory: "./out/model" },
 *   providerOptions: { azureml: { modelType: "mlflow_model", flavors: { python_function: { loader_module: "mlflow.sklearn" } }, jobName: "train-42" } },
 * });
 * ```
 */
export const azureMlCreateVersionOptionsSchema = lazySchema(() =>
  z.strictObject({
    /**
     * Azure ML's model type: `custom_model`, `mlflow_model` or `triton_model` (the values azure-ai-ml sends). Default
     * `mlflow_model` when the files hold an `MLmodel` at the top, else `custom_model`.
     */
    modelType: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    /** MLflow flavors, as Azure ML keeps them: flavor name to string properties. */
    flavors: z.optional(z.record(z.string(), z.record(z.string(), z.string()))),
    /** The Azure ML job that produced the model. */
    jobName: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  }),
);

/** `providerOptions.azureml`. */
export type AzureMlCreateVersionOptions = z.output<ReturnType<typeof azureMlCreateVersionOptionsSchema>>;
