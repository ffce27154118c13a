/**
 * `createVersion` on Vertex: metadata and files to Cloud Storage first, then `models.upload` (a new model, or a new
 * version with `parentModel`), then the long-running operation, then the version read back. A token label on the
 * version makes a retried or lost upload find the version it made instead of making a second one.
 *
 * @module
 */

import { computeContentDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { checkExpected, resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { mapLimit } from "../../core/concurrency.js";
import { AbortedError, ModelRegistryError, NotFoundError } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import { transferConcurrency, type TransferOptions } from "../../core/options.js";
import type { ProviderChange, ProviderContext, ProviderCreateVersion } from "../../core/provider-spec.js";
import type { ModelVersion } from "../../core/types.js";
import { operationSchema } from "./vertex-api.js";
import { deletePrefix, deleteVersionMeta } from "./vertex-cleanup.js";
import { versionIdOf } from "./vertex-convert.js";
import type { VersionMetadata } from "./vertex-metadata.js";
import { LABEL, fitsLabel, modelIdFor } from "./vertex-names.js";
import { checkPrebuiltFiles, containerSpec, resolveImage } from "./vertex-containers.js";
import type { VertexCreateVersionOptions } from "./vertex-options.js";
import type { VertexRecords } from "./vertex-records.js";
import type { VertexRegistrySettings } from "./vertex-settings.js";
import { PROVIDER, isFinishedOperationError } from "./vertex-transport.js";

/** What `createVersion` needs from the settings. */
export type CreateVersionSettings = Pick<VertexRegistrySettings, "containerImageUri" | "isDefaultVersion" | "maxRetries">;

/**
 * Creates a version, whole or not at all: when storing the files or `models.upload` fails, what this call uploaded is
 * removed (unless Vertex may still be making the version that points at it).
 */
export async function createVertexVersion(
  records: VertexRecords,
  settings: CreateVersionSettings,
  model: string,
  { input, meta, providerOptions }: ProviderCreateVersion<VertexCreateVersionOptions>,
  ctx: ProviderContext<TransferOptions>,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const store = records.meta;
  // Before any request: Vertex refuses a version without a serving image, and one with a prebuilt image whose model
  // file is missing; Vertex would say so only after every file was stored.
  const image = resolveImage(providerOptions?.container, settings.containerImageUri, op);
  const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: op });
  checkPrebuiltFiles(
    image.imageUri,
    image.source,
    files.map((f) => f.path),
    op,
  );
  const makeDefault = providerOptions?.isDefaultVersion ?? settings.isDefaultVersion ?? false;
  const call = { ...options, operation: op };
  if (options.signal?.aborted) throw abortError(op, options.signal);
  const id = modelIdFor(model);
  const existing = await records.model(id, undefined, op, options).catch((error: unknown) => {
    if (NotFoundError.isInstance(error)) return undefined;
    throw error;
  });
  if (!existing && input.createModel === false) throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation: op });
  // The token label finds the version again after a lost response, and names its metadata file.
  const token = meta.idempotencyKey === undefined ? crypto.randomUUID() : await tokenFor(meta.idempotencyKey);
  const versions = existing ? await records.allVersions(id, op, options) : [];
  const found = versions.find((v) => v.labels?.[LABEL.token] === token);
  if (found) return { value: await records.toVersion(model, id, found, op, options), events: [] };

  // A folder of this attempt's own: a retry of the same call (same token) never writes into, or mixes with, the
  // folder of an attempt that failed half-way, and the token in its name marks it as modelreg's for deleteVersion.
  const dir = store.artifactDir(id, token, attemptId());
  const labels: Record<string, string> = { [LABEL.token]: token, [LABEL.managed]: "true" };
  for (const [k, v] of Object.entries(meta.tags)) if (fitsLabel(k, v) && Object.keys(labels).length < 60) labels[k] = v;
  // `default` goes in with the upload, as python-aiplatform's is_default_version does: Vertex moves it in the same
  // step that makes the version, so no moment exists where the new version is made but `default` not yet moved.
  const aliases = makeDefault ? [...meta.aliases, "default"] : meta.aliases;
  const body = {
    ...(existing ? { parentModel: records.modelPath(id) } : { modelId: id }),
    model: {
      displayName: model,
      ...(meta.description !== undefined && { versionDescription: meta.description.slice(0, 2000) }),
      ...(aliases.length > 0 && { versionAliases: aliases }),
      labels,
      artifactUri: `gs://${store.bucket}/${dir}/`,
      containerSpec: containerSpec(providerOptions?.container, image.imageUri),
    },
  };
  const progress = transferProgress(files, options.onProgress);
  const upload: UploadState = { maybeMade: false };
  let response: { modelVersionId?: unknown };
  try {
    const stored = await mapLimit(files, transferConcurrency(options.concurrency, files), async (file) => {
      const tick = progress(file);
      const digests = await store.storage.upload(store.bucket, `${dir}/${file.path}`, file, { ...call, onBytes: tick });
      checkExpected(file, digests, { provider: PROVIDER, operation: op });
      return { path: file.path, ...digests };
    });
    const record: VersionMetadata = {
      format: "modelreg-vertex/1",
      model,
      ...(meta.description !== undefined && { description: meta.description }),
      params: meta.params,
      metrics: meta.metrics,
      tags: meta.tags,
      lineage: meta.lineage as Record<string, unknown>,
      ...(meta.signature && { signature: meta.signature as unknown as Record<string, unknown> }),
      ...(meta.modelCard && { modelCard: meta.modelCard as Record<string, unknown> }),
      files: stored,
      digest: computeContentDigest(stored),
      createdBy: ctx.actor,
      ...(meta.idempotencyKey !== undefined && { idempotencyKey: meta.idempotencyKey }),
    };
    await store.writeVersion(id, token, record, call);
    if (!existing) await store.writeModel(id, { format: "modelreg-vertex/1", name: model, tags: {} }, call);
    if (options.signal?.aborted) throw abortError(op, options.signal);
    // models.upload is inside this block: a refused upload must not leave the files behind either.
    response = await uploadOnce(records, settings, id, token, body, options, upload);
  } catch (error) {
    // Vertex made no version: remove what this attempt stored for it. When Vertex may still be making it (an
    // accepted upload whose operation was not seen to end), the files stay: that version would point at them, and
    // a retry with the same idempotency key finds it by its token.
    if (!upload.maybeMade) {
      await deletePrefix(records.meta, `${dir}/`, op);
      await deleteVersionMeta(records.meta, id, token, op);
    }
    throw error;
  }
  const versionId = String(response.modelVersionId ?? "");
  const created = await records.model(id, versionId, op, options);
  const events: RegistryEventInput[] = [{ type: "version.created", model, version: versionId, to: versionId }];
  // Alias moves are reported as setAlias reports them, with the version that held the alias before. `default` is
  // reported only when this call moved it: a new model's first version gets it from Vertex whatever was asked.
  const holderOf = (alias: string) => {
    const held = versions.find((v) => v.versionAliases?.includes(alias));
    return held === undefined ? undefined : versionIdOf(held);
  };
  for (const alias of existing ? aliases : meta.aliases) {
    const from = holderOf(alias);
    events.push({ type: "alias.set", model, alias, version: versionId, ...(from !== undefined && { from }), to: versionId });
  }
  return { events: ctx.stamp(events), readBack: () => records.toVersion(model, id, created, op, options) };
}

/** Whether a failed `models.upload` may still have made the version. */
interface UploadState {
  /** Set when Vertex accepted an upload not seen to end, or a request got no answer at all. */
  maybeMade: boolean;
}

/** Sends `models.upload`. After a failure that may have reached Vertex, looks for the token label before resending. */
async function uploadOnce(
  records: VertexRecords,
  settings: CreateVersionSettings,
  id: string,
  token: string,
  body: unknown,
  options: TransferOptions,
  state: UploadState,
): Promise<{ modelVersionId?: unknown }> {
  const op = "createVersion";
  const { transport } = records;
  const attempts = (options.maxRetries ?? settings.maxRetries ?? 2) + 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let accepted = false;
    try {
      const first = await transport.call({
        operation: op,
        method: "POST",
        path: `${transport.parent}/models:upload`,
        body,
        schema: operationSchema,
        idempotent: false,
        options,
      });
      accepted = true;
      return (await transport.waitForOperation(first, op, options)) as { modelVersionId?: unknown };
    } catch (error) {
      lastError = error;
      // A 4xx answer to the POST is a refusal (a 5xx may come after Vertex took it), and a finished operation's error
      // means no version; anything else (no answer, an operation left running) may still end in a version.
      const refused = ModelRegistryError.isInstance(error) && error.statusCode !== undefined && error.statusCode < 500;
      if (accepted ? !isFinishedOperationError(error) : !refused) state.maybeMade = true;
      if (!ModelRegistryError.isInstance(error) || !error.isRetryable || options.signal?.aborted) throw error;
      const versions = await records.allVersions(id, op, options).catch(() => []);
      const found = versions.find((v) => v.labels?.[LABEL.token] === token);
      if (found) return { modelVersionId: versionIdOf(found) };
    }
  }
  throw lastError;
}

function abortError(operation: string, signal: AbortSignal): ModelRegistryError {
  return new AbortedError("aborted by the caller's signal", { provider: PROVIDER, operation, cause: signal.reason });
}

/** A fresh id for one attempt's artifact folder: 16 hex digits. */
function attemptId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A label-safe token for an idempotency key: the first 32 hex digits of its sha256. */
async function tokenFor(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `k${Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
