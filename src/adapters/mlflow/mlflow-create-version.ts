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

import type * as z from "zod";
import { computeContentDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { mapLimit } from "../../core/concurrency.js";
import { checkExpected, resolveArtifactSource, type ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { ConflictError, ModelRegistryError, NotFoundError, ServerError, TimeoutError, invalidInput } from "../../core/errors.js";
import { isUniqueViolation } from "./mlflow-error.js";
import type { TransferOptions } from "../../core/options.js";
import { DEFAULT_TRANSFER_CONCURRENCY } from "../../core/options.js";
import { defaultSleep } from "../../http/retry.js";
import type { ProviderCreateVersion } from "../../core/provider-spec.js";
import {
  createExperimentResponse,
  experimentResponse,
  loggedModelResponse,
  modelVersionResponse,
  runResponse,
  searchLoggedModelsResponse,
  searchRunsResponse,
  searchVersionsResponse,
  type MlflowModelVersion,
} from "./mlflow-api.js";
import { proxyPath, uploadFile } from "./mlflow-artifacts.js";
import { buildMlmodel } from "./mlflow-mlmodel.js";
import type { MlflowCreateVersionOptions, MlflowPyfuncOptions } from "./mlflow-options.js";
import { TAG, filesTags, tagList, tagValueMax } from "./mlflow-convert.js";
import { PROVIDER, type MlflowCall, type MlflowTransport } from "./mlflow-transport.js";

const OP = "createVersion";

/** What the provider passes in. */
export interface CreateContext {
  /** The tracking server. */
  transport: MlflowTransport;
  /** The experiment that holds the runs carrying files, params and metrics. */
  experimentName: string;
  /** Who acts: the `mlflow.user` of the run. */
  actor: string;
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
): Promise<MlflowModelVersion> {
  const { input, meta } = create;
  const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: OP });
  const pyfunc = create.providerOptions?.pyfunc;
  if (pyfunc) checkPyfuncFiles(pyfunc, files);
  const { transport } = ctx;
  const token = meta.idempotencyKey ?? crypto.randomUUID();

  await ensureModel(transport, model, input.createModel ?? true, options);
  if (meta.idempotencyKey !== undefined) {
    const existing = await findByToken(transport, model, token, options);
    if (existing) return existing;
  }

  const major = await transport.serverMajor(options);
  const experimentId = await ensureExperiment(transport, ctx.experimentName, options);
  const runTags: Record<string, string> = {
    "mlflow.user": ctx.actor,
    "mlflow.runName": `modelreg-${model}`,
    "mlflow.source.type": "LOCAL",
    "modelreg.model": model,
    ...(meta.lineage.codeCommit && { [TAG.gitCommit]: meta.lineage.codeCommit }),
    ...(meta.lineage.codeRepository && { [TAG.gitRepo]: meta.lineage.codeRepository }),
  };
  const runToken = `${token}.run`;
  const run = await sendOnce(
    transport,
    {
      operation: OP,
      method: "POST",
      path: "runs/create",
      body: { experiment_id: experimentId, run_name: `modelreg-${model}`, start_time: Date.now(), tags: tagList({ ...runTags, [TAG.clientToken]: runToken }) },
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
  const runId = run.run.info.run_id;
  let loggedModelId: string | undefined;
  let root: string;
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
      root = proxyPath(logged.model.info.artifact_uri ?? "", transport, OP);
      // Metrics carry the logged model's id, so MLflow 3 shows them on the model as well as on the run.
      await logParamsAndMetrics(transport, runId, meta.params, meta.metrics, loggedModelId, options);
    } else {
      await logParamsAndMetrics(transport, runId, meta.params, meta.metrics, undefined, options);
      root = `${proxyPath(run.run.info.artifact_uri ?? "", transport, OP)}/model`;
    }
    if (pyfunc) {
      const text = buildMlmodel({
        pyfunc,
        signature: meta.signature,
        artifactUri: `mlflow-artifacts:/${root}`,
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

    const stored = await uploadAll(transport, root, files, options);
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
      source: loggedModelId ? `models:/${loggedModelId}` : `mlflow-artifacts:/${root}`,
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
    return await awaitReady(transport, created, options);
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

async function ensureExperiment(transport: MlflowTransport, name: string, options: TransferOptions): Promise<string> {
  const attempts = (options.maxRetries ?? transport.maxRetries) + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const found = await transport.call({
        operation: OP,
        method: "GET",
        path: "experiments/get-by-name",
        query: { experiment_name: name },
        schema: experimentResponse,
        options,
      });
      if (found.experiment.lifecycle_stage === "deleted") {
        await transport.call({
          operation: OP,
          method: "POST",
          path: "experiments/restore",
          body: { experiment_id: found.experiment.experiment_id },
          idempotent: true,
          options,
        });
      }
      return found.experiment.experiment_id;
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
    }
    try {
      const created = await transport.call({
        operation: OP,
        method: "POST",
        path: "experiments/create",
        body: { name },
        schema: createExperimentResponse,
        options,
      });
      return created.experiment_id;
    } catch (error) {
      // Another client created it between our two calls, or our create reached the server and its answer was lost:
      // the name is unique, so looking it up again settles both.
      const maybeDone = ConflictError.isInstance(error) || (ModelRegistryError.isInstance(error) && error.isRetryable && !options.signal?.aborted);
      if (!maybeDone || attempt >= attempts) throw error;
    }
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

async function uploadAll(transport: MlflowTransport, root: string, files: Awaited<ReturnType<typeof resolveArtifactSource>>, options: TransferOptions) {
  const progress = transferProgress(files, options.onProgress);
  return mapLimit(files, options.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, async (file) => {
    const tick = progress(file);
    const digests = await uploadFile(transport, root, file, { ...options, operation: OP, onBytes: (_, fileBytes) => tick(fileBytes) });
    // Before the version exists: the caller cleans up the run and its files.
    checkExpected(file, digests, { provider: PROVIDER, operation: OP });
    return { path: file.path, ...digests };
  });
}

/** The version carrying `token`, if one exists (the oldest, if a lost create made two). */
export async function findByToken(transport: MlflowTransport, model: string, token: string, options: TransferOptions): Promise<MlflowModelVersion | undefined> {
  return (await findAllByToken(transport, model, token, options))[0];
}

/** Every version carrying `token`, oldest (lowest number) first. */
async function findAllByToken(transport: MlflowTransport, model: string, token: string, options: TransferOptions): Promise<MlflowModelVersion[]> {
  const found = await transport.call({
    operation: OP,
    method: "GET",
    path: "model-versions/search",
    query: { filter: `name = '${model}' AND tags.\`${TAG.clientToken}\` = '${token.replaceAll("'", "")}'`, max_results: 10 },
    schema: searchVersionsResponse,
    options,
  });
  return (found.model_versions ?? [])
    .filter((v) => v.tags?.some((t) => t.key === TAG.clientToken && t.value === token))
    .sort((a, b) => Number(a.version) - Number(b.version));
}

/** A search filter for the client token tag. Tokens are UUIDs the adapter makes; quotes are dropped all the same. */
function tokenFilter(token: string): string {
  return `tags.\`${TAG.clientToken}\` = '${token.replaceAll("'", "")}'`;
}

/** How to find what a create with a client token made, and how to take back a second copy. */
export interface CreateOnce<T> {
  /** Everything the token's creates made, the one to keep first (the oldest). */
  find: () => Promise<T[]>;
  /** Removes a copy made by a create that the server ran after the client had given up on it. */
  discard: (extra: T) => Promise<void>;
}

/**
 * Sends a create that is not idempotent (a run, a logged model, a version), carrying a client token, so that however
 * the network fails it makes one thing.
 *
 * - A failure that may have reached the server (a 5xx, a reset, a cut response) is followed by a search for the
 *   token: found means the earlier attempt worked and its result is returned; not found means it is safe to send again.
 * - A timeout is different: the request may still be queued or running on a slow server, so not found yet does not
 *   mean never. The search is repeated, backing off, for as long as one attempt was allowed to take (30 s at most)
 *   before the create is sent again.
 * - After any failed attempt, the token is searched once more when a create succeeds: if a request given up on landed
 *   after all, there are two copies; the oldest is kept and returned, the others (made by this call, carrying its
 *   token) are removed.
 */
export async function sendOnce<S extends z.ZodType>(
  transport: MlflowTransport,
  call: MlflowCall<S> & { schema: () => S },
  once: CreateOnce<z.output<S>>,
  options: TransferOptions,
): Promise<z.output<S>> {
  const attempts = (options.maxRetries ?? transport.maxRetries) + 1;
  let lastError: unknown;
  let uncertain = false;
  const settle = async (made: z.output<S> | undefined, found?: Array<z.output<S>>): Promise<z.output<S> | undefined> => {
    const [keep, ...extras] = found ?? (await once.find());
    // Removing is idempotent and retried; a removal that still fails leaves a copy, not a failed create.
    for (const extra of extras) await once.discard(extra).catch(() => undefined);
    return keep ?? made;
  };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let made: z.output<S>;
    try {
      made = await transport.call({ ...call, idempotent: false });
    } catch (error) {
      lastError = error;
      if (!ModelRegistryError.isInstance(error) || !error.isRetryable || options.signal?.aborted) throw error;
      uncertain = true;
      const seen = TimeoutError.isInstance(error)
        ? await waitUntilFound(once, Math.min(options.timeoutMs ?? transport.timeoutMs, 30_000), options.signal)
        : undefined;
      const found = await settle(undefined, seen);
      if (found !== undefined) return found;
      if (options.signal?.aborted) throw error;
      continue;
    }
    return uncertain ? ((await settle(made)) ?? made) : made;
  }
  throw lastError;
}

/**
 * Searches for the token until something is found or `waitMs` has passed, backing off from 100 ms. Returns the last
 * search's result; an abort ends the wait early (the caller then gives up with the timeout it had).
 */
async function waitUntilFound<T>(once: CreateOnce<T>, waitMs: number, signal: AbortSignal | undefined): Promise<T[]> {
  const deadline = Date.now() + waitMs;
  for (let delay = 100; ; delay *= 2) {
    const found = await once.find();
    const left = deadline - Date.now();
    if (found.length > 0 || left <= 0 || signal?.aborted) return found;
    await defaultSleep(Math.min(delay, left), signal).catch(() => undefined);
  }
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
