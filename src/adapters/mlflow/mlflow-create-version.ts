/**
 * Creating a version on MLflow the way its own client does: a run (2.x) or a logged model (3.x) holds the files,
 * params and metrics; the files go up through the artifact proxy; then `model-versions/create` points at them.
 *
 * `model-versions/create` is not idempotent: a lost response retried blindly makes a second version. The create
 * carries a client token tag, and after a failure that may have reached the server the adapter looks for that token
 * before trying again.
 *
 * @module
 */

import { computeContentDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { mapLimit } from "../../core/concurrency.js";
import { checkExpected, resolveArtifactSource, type ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { ConflictError, ServerError, invalidInput } from "../../core/errors.js";
import { isUniqueViolation } from "./mlflow-error.js";
import type { TransferOptions } from "../../core/options.js";
import { transferConcurrency } from "../../core/options.js";
import type { ProviderCreateVersion } from "../../core/provider-spec.js";
import {
  loggedModelResponse,
  modelVersionResponse,
  runResponse,
  searchLoggedModelsResponse,
  searchRunsResponse,
  type MlflowModelVersion,
} from "./mlflow-api.js";
import { type ArtifactLocation, below, locateArtifacts, type MlflowArtifacts } from "./mlflow-artifacts.js";
import { MlflowUploads } from "./mlflow-upload.js";
import { buildMlmodel } from "./mlflow-mlmodel.js";
import type { MlflowCreateVersionOptions, MlflowPyfuncOptions } from "./mlflow-options.js";
import { TAG, filesTags, tagList, tagValueMax } from "./mlflow-convert.js";
import { findAllByToken, findByToken, sendOnce, tokenFilter } from "./mlflow-create-once.js";
import type { MlflowExperiment } from "./mlflow-experiment.js";
import { PROVIDER, type MlflowTransport } from "./mlflow-transport.js";

const OP = "createVersion";

/** What the provider passes in. */
export interface CreateContext {
  /** The tracking server. */
  transport: MlflowTransport;
  /** Moves the files: through the server's proxy, or to S3 directly. */
  artifacts: MlflowArtifacts;
  /** The experiment that holds the runs carrying files, params and metrics. */
  experiment: MlflowExperiment;
  /** Who acts: the `mlflow.user` of the run. */
  actor: string;
}

/** What {@link createMlflowVersion} made, or found. */
export interface CreatedVersion {
  /** MLflow's record of the version. */
  record: MlflowModelVersion;
  /**
   * Whether this call made it from its input, so the run holds exactly the input's params and metrics. A version found
   * by its idempotency key was made by an earlier call, whose input may have differed: read it back.
   */
  fresh: boolean;
}

/**
 * Creates a version and returns MLflow's record of it (aliases are set by the caller). The input was checked by the
 * facade; what is checked here needs the files (a pyfunc loader module must be among them), before anything is sent.
 */
export async function createMlflowVersion(
  ctx: CreateContext,
  model: string,
  create: ProviderCreateVersion<MlflowCreateVersionOptions>,
  options: TransferOptions = {},
): Promise<CreatedVersion> {
  const { input, meta } = create;
  const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: OP });
  const pyfunc = create.providerOptions?.pyfunc;
  if (pyfunc) checkPyfuncFiles(pyfunc, files);
  const { transport } = ctx;
  const token = meta.idempotencyKey ?? crypto.randomUUID();

  await ensureModel(transport, model, input.createModel ?? true, options);
  if (meta.idempotencyKey !== undefined) {
    const existing = await findByToken(transport, model, token, options);
    if (existing) return { record: existing, fresh: false };
  }

  const major = await transport.serverMajor(options);
  const runTags: Record<string, string> = {
    "mlflow.user": ctx.actor,
    "mlflow.runName": `modelreg-${model}`,
    "mlflow.source.type": "LOCAL",
    "modelreg.model": model,
    ...(meta.lineage.codeCommit && { [TAG.gitCommit]: meta.lineage.codeCommit }),
    ...(meta.lineage.codeRepository && { [TAG.gitRepo]: meta.lineage.codeRepository }),
  };
  const runToken = `${token}.run`;
  // The run is where a remembered experiment id that went stale shows: withId looks it up again and retries.
  const { experimentId, run } = await ctx.experiment.withId(async (experimentId) => {
    const run = await sendOnce(
      transport,
      {
        operation: OP,
        method: "POST",
        path: "runs/create",
        body: {
          experiment_id: experimentId,
          run_name: `modelreg-${model}`,
          start_time: Date.now(),
          tags: tagList({ ...runTags, [TAG.clientToken]: runToken }),
        },
        schema: runResponse,
        options,
      },
      {
        find: async () => {
          const found = await transport.call({
            operation: OP,
            method: "POST",
            path: "runs/search",
            body: { experiment_ids: [experimentId], filter: tokenFilter(runToken), max_results: 10, order_by: ["attributes.start_time ASC"] },
            schema: searchRunsResponse,
            idempotent: true,
            options,
          });
          return (found.runs ?? []).map((run) => ({ run }));
        },
        // A run nobody will log to: deleted, as MLflow's UI deletes one (it stays restorable there).
        discard: (extra) =>
          transport
            .call({ operation: OP, method: "POST", path: "runs/delete", body: { run_id: extra.run.info.run_id }, idempotent: true, options })
            .then(() => undefined),
      },
      options,
    );
    return { experimentId, run };
  }, options);
  const runId = run.run.info.run_id;
  let loggedModelId: string | undefined;
  let root: ArtifactLocation;
  try {
    if (major >= 3) {
      const modelToken = `${token}.model`;
      const logged = await sendOnce(
        transport,
        {
          operation: OP,
          method: "POST",
          path: "logged-models",
          body: {
            experiment_id: experimentId,
            name: model,
            source_run_id: runId,
            params: tagList(meta.params),
            tags: tagList({ "modelreg.model": model, [TAG.clientToken]: modelToken }),
          },
          schema: loggedModelResponse,
          options,
        },
        {
          find: async () => {
            const found = await transport.call({
              operation: OP,
              method: "POST",
              path: "logged-models/search",
              body: {
                experiment_ids: [experimentId],
                filter: tokenFilter(modelToken),
                max_results: 10,
                order_by: [{ field_name: "creation_time", ascending: true }],
              },
              schema: searchLoggedModelsResponse,
              idempotent: true,
              options,
            });
            return (found.models ?? []).map((model) => ({ model }));
          },
          discard: (extra) =>
            transport
              .call({ operation: OP, method: "DELETE", path: `logged-models/${extra.model.info.model_id}`, idempotent: true, options })
              .then(() => undefined),
        },
        options,
      );
      loggedModelId = logged.model.info.model_id;
      root = locateArtifacts(logged.model.info.artifact_uri ?? "", transport, OP);
      // Metrics carry the logged model's id, so MLflow 3 shows them on the model as well as on the run.
      await logParamsAndMetrics(transport, runId, meta.params, meta.metrics, loggedModelId, options);
    } else {
      await logParamsAndMetrics(transport, runId, meta.params, meta.metrics, undefined, options);
      root = below(locateArtifacts(run.run.info.artifact_uri ?? "", transport, OP), "model");
    }
    if (pyfunc) {
      const text = buildMlmodel({
        pyfunc,
        signature: meta.signature,
        artifactUri: root.uri,
        runId,
        modelId: loggedModelId,
        mlflowVersion: await transport.serverVersion(options),
      });
      const bytes = new TextEncoder().encode(text);
      files.push({
        path: "MLmodel",
        size: bytes.byteLength,
        open: async function* () {
          yield bytes;
        },
      });
      files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }

    const stored = await uploadAll(ctx.artifacts, root, files, options);
    const digest = computeContentDigest(stored);
    if (loggedModelId) {
      // Marking it ready twice is harmless.
      await transport.call({
        operation: OP,
        method: "PATCH",
        path: `logged-models/${loggedModelId}`,
        body: { model_id: loggedModelId, status: "LOGGED_MODEL_READY" },
        idempotent: true,
        options,
      });
    }
    await transport.call({
      operation: OP,
      method: "POST",
      path: "runs/update",
      body: { run_id: runId, status: "FINISHED", end_time: Date.now() },
      idempotent: true,
      options,
    });

    const versionTags: Record<string, string> = {
      ...meta.tags,
      [TAG.clientToken]: token,
      [TAG.lineage]: JSON.stringify(meta.lineage),
      ...filesTags(stored, tagValueMax(major)),
      [TAG.digest]: digest,
      ...(meta.lineage.codeCommit && { [TAG.gitCommit]: meta.lineage.codeCommit }),
      ...(meta.signature && { [TAG.signature]: JSON.stringify(meta.signature) }),
      ...(meta.modelCard && { [TAG.modelCard]: JSON.stringify(meta.modelCard) }),
    };
    const body = {
      name: model,
      source: loggedModelId ? `models:/${loggedModelId}` : root.uri,
      run_id: runId,
      ...(loggedModelId && { model_id: loggedModelId }),
      tags: tagList(versionTags),
      ...(meta.description !== undefined && { description: meta.description }),
    };
    const created = await sendOnce(
      transport,
      { operation: OP, method: "POST", path: "model-versions/create", body, schema: modelVersionResponse, options },
      {
        find: async () => (await findAllByToken(transport, model, token, options)).map((v) => ({ model_version: v })),
        discard: (extra) =>
          transport
            .call({
              operation: OP,
              method: "DELETE",
              path: "model-versions/delete",
              body: { name: model, version: extra.model_version.version },
              idempotent: true,
              options,
            })
            .then(() => undefined),
      },
      options,
    ).then((res) => res.model_version);
    return { record: await awaitReady(transport, created, options), fresh: true };
  } catch (error) {
    // The version does not exist; leave no half-made run or logged model that looks usable.
    await cleanup(transport, runId, loggedModelId, options).catch(() => undefined);
    throw error;
  }
}

/** Refuses a pyfunc request that cannot load: an MLmodel already among the files, or no loader module in `code`. */
function checkPyfuncFiles(pyfunc: MlflowPyfuncOptions, files: ResolvedArtifact[]): void {
  const field = "providerOptions.mlflow.pyfunc";
  if (files.some((f) => f.path === "MLmodel")) {
    throw invalidInput(OP, field, "the files already contain an MLmodel; pass either the file or providerOptions.mlflow.pyfunc", PROVIDER);
  }
  const module = `${pyfunc.code ?? "code"}/${pyfunc.loaderModule.replaceAll(".", "/")}`;
  if (!files.some((f) => f.path === `${module}.py` || f.path === `${module}/__init__.py`)) {
    throw invalidInput(OP, `${field}.loaderModule`, `no ${module}.py among the files: MLflow could not import ${pyfunc.loaderModule}`, PROVIDER);
  }
  if (pyfunc.data !== undefined && !files.some((f) => f.path === pyfunc.data || f.path.startsWith(`${pyfunc.data}/`))) {
    throw invalidInput(OP, `${field}.data`, `no file or folder ${pyfunc.data} among the files`, PROVIDER);
  }
}

async function ensureModel(transport: MlflowTransport, model: string, create: boolean, options: TransferOptions): Promise<void> {
  if (!create) {
    await transport.call({ operation: OP, method: "GET", path: "registered-models/get", query: { name: model }, options });
    return;
  }
  try {
    await transport.call({ operation: OP, method: "POST", path: "registered-models/create", body: { name: model }, idempotent: true, options });
  } catch (error) {
    // Already there is what we wanted; MLflow's client swallows this too.
    if (!ConflictError.isInstance(error)) throw error;
  }
}

/** Logs params and metrics in batches within MLflow's limits (100 params, 1000 metrics per call). */
export async function logParamsAndMetrics(
  transport: MlflowTransport,
  runId: string,
  params: Record<string, string>,
  metrics: Record<string, number>,
  modelId: string | undefined,
  options: TransferOptions,
): Promise<void> {
  const paramList = tagList(params);
  const now = Date.now();
  const metricList = Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0, ...(modelId && { model_id: modelId }) }));
  for (let i = 0; i < Math.max(paramList.length, metricList.length); i += 100) {
    const batch = { run_id: runId, params: paramList.slice(i, i + 100), metrics: metricList.slice(i, i + 100) };
    if (batch.params.length + batch.metrics.length === 0) continue;
    // Logging the same values twice is harmless, so a lost response may be retried. A retry that races the attempt
    // whose answer was lost (a timeout while the server was still writing) fails on the params' unique key, as a 400;
    // by then the params are there and the same batch goes through (a CI run's faulted lifecycle hit this).
    for (let attempt = 1; ; attempt++) {
      try {
        await transport.call({ operation: OP, method: "POST", path: "runs/log-batch", body: batch, idempotent: true, options });
        break;
      } catch (error) {
        if (attempt >= 3 || !isUniqueViolation(error)) throw error;
      }
    }
  }
}

async function uploadAll(artifacts: MlflowArtifacts, root: ArtifactLocation, files: ResolvedArtifact[], options: TransferOptions) {
  artifacts.uploads ??= new MlflowUploads(artifacts);
  const uploads = artifacts.uploads;
  const progress = transferProgress(files, options.onProgress);
  return mapLimit(files, transferConcurrency(options.concurrency, files), async (file) => {
    const tick = progress(file);
    const digests = await uploads.upload(root, file, { ...options, operation: OP, onBytes: tick });
    // Before the version exists: the caller cleans up the run and its files.
    checkExpected(file, digests, { provider: PROVIDER, operation: OP });
    return { path: file.path, ...digests };
  });
}

async function awaitReady(transport: MlflowTransport, version: MlflowModelVersion, options: TransferOptions): Promise<MlflowModelVersion> {
  let current = version;
  const deadline = Date.now() + 300_000;
  while (current.status === "PENDING_REGISTRATION" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const res = await transport.call({
      operation: OP,
      method: "GET",
      path: "model-versions/get",
      query: { name: current.name, version: current.version },
      schema: modelVersionResponse,
      options,
    });
    current = res.model_version;
  }
  if (current.status && current.status !== "READY") {
    throw new ServerError(`MLflow did not finish registering ${current.name}/${current.version}: ${current.status} ${current.status_message ?? ""}`.trim(), {
      provider: PROVIDER,
      operation: OP,
    });
  }
  return current;
}

async function cleanup(transport: MlflowTransport, runId: string, loggedModelId: string | undefined, options: TransferOptions): Promise<void> {
  const quiet = { ...options, signal: undefined, maxRetries: 0 };
  if (loggedModelId) {
    await transport
      .call({
        operation: OP,
        method: "PATCH",
        path: `logged-models/${loggedModelId}`,
        body: { model_id: loggedModelId, status: "LOGGED_MODEL_UPLOAD_FAILED" },
        options: quiet,
      })
      .catch(() => undefined);
  }
  await transport.call({ operation: OP, method: "POST", path: "runs/update", body: { run_id: runId, status: "FAILED", end_time: Date.now() }, options: quiet });
}
