/**
 * `providerOptions.mlflow` for `createVersion`: what only MLflow takes, typed and checked in one place (the facade
 * parses it with {@link mlflowCreateVersionOptionsSchema} before anything is sent, and its errors name the field, e.g.
 * `providerOptions.mlflow.pyfunc.loaderModule`).
 *
 * @module
 */

import * as z from "zod/mini";
import { assertArtifactPath } from "../../core/validation.js";
import { lazySchema } from "../../http/schema.js";

/** `providerOptions.mlflow.pyfunc`: how MLflow loads plain files, through an `MLmodel` that modelreg writes. */
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

/** `providerOptions.mlflow` for `createVersion`. */
export interface MlflowCreateVersionOptions {
  /**
   * Writes a `python_function` `MLmodel` next to the files, so `mlflow.pyfunc.load_model` loads them with nothing
   * else installed. Refused when the files already hold an `MLmodel`.
   */
  pyfunc?: MlflowPyfuncOptions;
}

const MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const MODULE_MESSAGE = "must be a Python module name such as fraud_loader";

const PATH_MESSAGE = 'must be a relative path inside the version (1-1024 characters; no empty, "." or ".." segments; no backslashes or control characters)';

/** Whether `path` passes the rules every artifact path does (one place for them: `assertArtifactPath`). */
function isArtifactPath(path: string): boolean {
  try {
    assertArtifactPath(path, "createVersion");
    return true;
  } catch {
    return false;
  }
}

/** A path inside the version (`code`, `data`). */
const artifactPath = () => z.string({ error: PATH_MESSAGE }).check(z.refine(isArtifactPath, { error: PATH_MESSAGE }));

/**
 * The schema of {@link MlflowCreateVersionOptions}, built on first use (building zod schemas at import slows
 * serverless cold starts). Unknown keys are dropped, as before options were typed.
 *
 * @example
 * ```ts
 * import { mlflowCreateVersionOptionsSchema } from "modelreg/mlflow";
 * const options = mlflowCreateVersionOptionsSchema().parse({ pyfunc: { loaderModule: "fraud_loader" } });
 * ```
 */
export const mlflowCreateVersionOptionsSchema: () => z.ZodMiniType<MlflowCreateVersionOptions> = lazySchema(() => {
  return z.object(
    {
      pyfunc: z.optional(
        z.object(
          {
            loaderModule: z.string({ error: MODULE_MESSAGE }).check(z.regex(MODULE, { error: MODULE_MESSAGE })),
            code: z.optional(artifactPath()),
            data: z.optional(artifactPath()),
            pythonVersion: z.optional(z.string({ error: "must look like 3.11.7" }).check(z.regex(/^\d+\.\d+(\.\d+)?$/, { error: "must look like 3.11.7" }))),
          },
          { error: "must be { loaderModule, code?, data?, pythonVersion? }" },
        ),
      ),
    },
    { error: "must be { pyfunc? }" },
  );
});
