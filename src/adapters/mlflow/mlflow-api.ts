/**
 * MLflow's wire shapes: only the fields this adapter reads, so additive server changes never break it. Built on first
 * use (building zod schemas at import slows serverless cold starts).
 *
 * @module
 */

import * as z from "zod";
import { lazySchema } from "../../http/schema.js";

const tags = () => z.array(z.object({ key: z.string(), value: z.string().optional() })).optional();

/** A model version as MLflow returns it. */
export const mlflowModelVersionSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    version: z.string(),
    creation_timestamp: z.number().optional(),
    last_updated_timestamp: z.number().optional(),
    user_id: z.string().optional(),
    current_stage: z.string().optional(),
    description: z.string().optional(),
    source: z.string().optional(),
    run_id: z.string().optional(),
    status: z.string().optional(),
    status_message: z.string().optional(),
    tags: tags(),
    aliases: z.array(z.string()).optional(),
    model_id: z.string().optional(),
  }),
);

/** A model version in MLflow's JSON. */
export type MlflowModelVersion = z.output<ReturnType<typeof mlflowModelVersionSchema>>;

/** A registered model as MLflow returns it. */
export const mlflowRegisteredModelSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    creation_timestamp: z.number().optional(),
    last_updated_timestamp: z.number().optional(),
    description: z.string().optional(),
    latest_versions: z.array(mlflowModelVersionSchema()).optional(),
    tags: tags(),
    aliases: z.array(z.object({ alias: z.string(), version: z.string() })).optional(),
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
  z.object({ registered_models: z.array(mlflowRegisteredModelSchema()).optional(), next_page_token: z.string().optional() }),
);
/** `model-versions/search`. */
export const searchVersionsResponse = lazySchema(() =>
  z.object({ model_versions: z.array(mlflowModelVersionSchema()).optional(), next_page_token: z.string().optional() }),
);
/** `model-versions/get-download-uri`. */
export const downloadUriResponse = lazySchema(() => z.object({ artifact_uri: z.string() }));

/** An experiment. */
export const experimentResponse = lazySchema(() =>
  z.object({ experiment: z.object({ experiment_id: z.string(), lifecycle_stage: z.string().optional(), artifact_location: z.string().optional() }) }),
);
/** `experiments/create`. */
export const createExperimentResponse = lazySchema(() => z.object({ experiment_id: z.string() }));

const metric = () => z.object({ key: z.string(), value: z.number(), timestamp: z.number().optional(), step: z.number().optional() });
const param = () => z.object({ key: z.string(), value: z.string().optional() });

/** A run. */
export const runResponse = lazySchema(() =>
  z.object({
    run: z.object({
      info: z.object({ run_id: z.string(), experiment_id: z.string().optional(), artifact_uri: z.string().optional() }),
      data: z.object({ metrics: z.array(metric()).optional(), params: z.array(param()).optional(), tags: tags() }).optional(),
    }),
  }),
);

/** A logged model (MLflow 3). */
export const loggedModelResponse = lazySchema(() =>
  z.object({
    model: z.object({
      info: z.object({ model_id: z.string(), artifact_uri: z.string().optional(), source_run_id: z.string().optional(), status: z.string().optional() }),
      data: z.object({ params: z.array(param()).optional(), metrics: z.array(metric()).optional() }).optional(),
    }),
  }),
);

/** `runs/search`: the runs a lost `runs/create` may have made, found by their client token. */
export const searchRunsResponse = lazySchema(() => z.object({ runs: z.array(runResponse().shape.run).optional() }));

/** `logged-models/search`: the logged models a lost create may have made, found by their client token. */
export const searchLoggedModelsResponse = lazySchema(() => z.object({ models: z.array(loggedModelResponse().shape.model).optional() }));

/** An artifact proxy directory listing. */
export const artifactListResponse = lazySchema(() =>
  z.object({
    files: z.array(z.object({ path: z.string(), is_dir: z.boolean().optional(), file_size: z.union([z.number(), z.string()]).optional() })).optional(),
  }),
);
