/**
 * MLflow's wire shapes: only the fields this adapter reads, so additive server changes never break it. Built on first
 * use (building zod schemas at import slows serverless cold starts), with zod/mini: zod classic anywhere in an
 * adapter's import graph would bring all of it into the bundle.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

const tags = () => z.optional(z.array(z.object({ key: z.string(), value: z.optional(z.string()) })));

/** A model version as MLflow returns it. */
export const mlflowModelVersionSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    version: z.string(),
    creation_timestamp: z.optional(z.number()),
    last_updated_timestamp: z.optional(z.number()),
    user_id: z.optional(z.string()),
    current_stage: z.optional(z.string()),
    description: z.optional(z.string()),
    source: z.optional(z.string()),
    run_id: z.optional(z.string()),
    status: z.optional(z.string()),
    status_message: z.optional(z.string()),
    tags: tags(),
    aliases: z.optional(z.array(z.string())),
    model_id: z.optional(z.string()),
  }),
);

/** A model version in MLflow's JSON. */
export type MlflowModelVersion = z.output<ReturnType<typeof mlflowModelVersionSchema>>;

/** A registered model as MLflow returns it. */
export const mlflowRegisteredModelSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    creation_timestamp: z.optional(z.number()),
    last_updated_timestamp: z.optional(z.number()),
    description: z.optional(z.string()),
    latest_versions: z.optional(z.array(mlflowModelVersionSchema())),
    tags: tags(),
    aliases: z.optional(z.array(z.object({ alias: z.string(), version: z.string() }))),
  }),
);

/** A registered model in MLflow's JSON. */
export type MlflowRegisteredModel = z.output<ReturnType<typeof mlflowRegisteredModelSchema>>;

/** `{ registered_model }`. */
export const registeredModelResponse = lazySchema(() => z.object({ registered_model: mlflowRegisteredModelSchema() }));
/** `{ model_version }`. */
export const modelVersionResponse = lazySchema(() => z.object({ model_version: mlflowModelVersionSchema() }));
/** `registered-models/search`. */
export const searchModelsResponse = lazySchema(() =>
  z.object({ registered_models: z.optional(z.array(mlflowRegisteredModelSchema())), next_page_token: z.optional(z.string()) }),
);
/** `model-versions/search`. */
export const searchVersionsResponse = lazySchema(() =>
  z.object({ model_versions: z.optional(z.array(mlflowModelVersionSchema())), next_page_token: z.optional(z.string()) }),
);
/** `model-versions/get-download-uri`. */
export const downloadUriResponse = lazySchema(() => z.object({ artifact_uri: z.string() }));

/** An experiment. */
export const experimentResponse = lazySchema(() =>
  z.object({
    experiment: z.object({ experiment_id: z.string(), lifecycle_stage: z.optional(z.string()), artifact_location: z.optional(z.string()) }),
  }),
);
/** `experiments/create`. */
export const createExperimentResponse = lazySchema(() => z.object({ experiment_id: z.string() }));

const metric = () => z.object({ key: z.string(), value: z.number(), timestamp: z.optional(z.number()), step: z.optional(z.number()) });
const param = () => z.object({ key: z.string(), value: z.optional(z.string()) });

/** A run. */
export const runResponse = lazySchema(() =>
  z.object({
    run: z.object({
      info: z.object({ run_id: z.string(), experiment_id: z.optional(z.string()), artifact_uri: z.optional(z.string()) }),
      data: z.optional(z.object({ metrics: z.optional(z.array(metric())), params: z.optional(z.array(param())), tags: tags() })),
    }),
  }),
);

/** A logged model (MLflow 3). */
export const loggedModelResponse = lazySchema(() =>
  z.object({
    model: z.object({
      info: z.object({
        model_id: z.string(),
        artifact_uri: z.optional(z.string()),
        source_run_id: z.optional(z.string()),
        status: z.optional(z.string()),
      }),
      data: z.optional(z.object({ params: z.optional(z.array(param())), metrics: z.optional(z.array(metric())) })),
    }),
  }),
);

/** `runs/search`: the runs a lost `runs/create` may have made, found by their client token. */
export const searchRunsResponse = lazySchema(() => z.object({ runs: z.optional(z.array(runResponse().shape.run)) }));

/** `logged-models/search`: the logged models a lost create may have made, found by their client token. */
export const searchLoggedModelsResponse = lazySchema(() => z.object({ models: z.optional(z.array(loggedModelResponse().shape.model)) }));

/** An artifact proxy directory listing. */
export const artifactListResponse = lazySchema(() =>
  z.object({
    files: z.optional(z.array(z.object({ path: z.string(), is_dir: z.optional(z.boolean()), file_size: z.optional(z.union([z.number(), z.string()])) }))),
  }),
);
