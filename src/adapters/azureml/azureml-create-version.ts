/**
 * `createVersion` on Azure ML, the way Azure's own client makes a version, with what it lacks for safety:
 *
 * 1. the number is the container's `nextVersion` (a missing container is made first, and `1` is the first number);
 * 2. the files go to a folder of this attempt's own (a datastore folder named by a fresh id in a workspace, the
 *    container `startPendingUpload` hands out in a registry), each blob written with `If-None-Match: *`, then the
 *    record beside them;
 * 3. the version is PUT with `modelUri` naming that folder. Azure refuses a PUT that would change an existing
 *    version's `modelUri`, so when another writer took the number first, the PUT fails, the version found there is
 *    not ours, and the next number is tried with the same files. A PUT whose answer was lost is recognised by the
 *    token in the version's properties, and a retried PUT of our own body is only an update to the same thing.
 * 4. aliases asked for are set on the container; if that fails the version is deleted again. A retry with the same
 *    idempotency key that finds the version sets the aliases it asked for that are not there (a create killed between
 *    its version and its aliases left them unset).
 *
 * On any failure before the version exists, the folder is removed (best effort), and a container this call made is
 * deleted. The idempotency key's digest is the token, so a retried call finds the version the first one made.
 *
 * @module
 */

import { transferProgress } from "../../artifacts/progress.js";
import { checkExpected, resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { mapLimit } from "../../core/concurrency.js";
import { AbortedError, ConflictError, ModelRegistryError, NotFoundError, ResponseValidationError } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import { ownValue } from "../../core/own-keys.js";
import { transferConcurrency, type TransferOptions } from "../../core/options.js";
import type { CallOptions } from "../../core/options.js";
import type { ProviderChange, ProviderContext, ProviderCreateVersion } from "../../core/provider-spec.js";
import type { ModelVersion } from "../../core/types.js";
import { type ArmModelVersion, versionPageSchema } from "./azureml-api.js";
import { aliasesOf, stringEntries } from "./azureml-convert.js";
import { aliasTag, azureStage, PROP, PROVIDER, RECORD_FILE, RECORD_FORMAT } from "./azureml-names.js";
import type { AzureMlCreateVersionOptions } from "./azureml-options.js";
import { containerPath, findArmVersion, findContainer, listAll, versionPath } from "./azureml-read.js";
import type { VersionRecord } from "./azureml-records.js";
import { type ArmTransport, isEndedOperationError } from "./azureml-transport.js";
import { containerBody, deleteResource, putResource, readVersion, type WriteParts } from "./azureml-writes.js";

/** How many numbers a create tries when other writers keep taking the one it chose. */
const MAX_NUMBER_RACES = 8;

/** Creates a version, whole or not at all. */
export async function createAzureVersion(
  p: WriteParts,
  model: string,
  { input, meta, providerOptions }: ProviderCreateVersion<AzureMlCreateVersionOptions>,
  ctx: ProviderContext<TransferOptions>,
): Promise<ProviderChange<ModelVersion>> {
  const { operation: op, options } = ctx;
  const t = p.transport;
  const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: op });
  throwIfAborted(options.signal, op);
  const token = meta.idempotencyKey === undefined ? crypto.randomUUID() : await tokenFor(meta.idempotencyKey);
  let container = await findContainer(t, model, op, options);
  if (!container && input.createModel === false)
    throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation: op });
  if (container && meta.idempotencyKey !== undefined) {
    const found = await findByToken(p, model, token, op, options);
    if (found) {
      // A retry completes what the first call asked for, as the MLflow adapter's does: a create killed between its
      // version and its aliases left them unset, and this call's caller is told they are set.
      const events = await setAliases(t, model, found.name, meta.aliases, op, options);
      return { readBack: () => readVersion(p, model, found.name, ctx), events: ctx.stamp(events) };
    }
  }
  let madeContainer = false;
  if (!container) {
    await putResource(t, containerPath(model), { properties: { tags: {}, properties: {}, isArchived: false } }, op, options);
    madeContainer = true;
    container = await findContainer(t, model, op, options);
  }
  let version = numberOf(container?.properties.nextVersion ?? "1", op);
  const place = await p.storage.newPlace(model, version, attemptId(), op, options).catch(async (error: unknown) => {
    if (madeContainer) await deleteResource(t, containerPath(model), op, options).catch(() => undefined);
    throw error;
  });
  const call = { ...options, operation: op };
  let made: string | undefined;
  const put: PutState = { maybeMade: false };
  try {
    const progress = transferProgress(files, options.onProgress);
    const stored = await mapLimit(files, transferConcurrency(options.concurrency, files), async (file) => {
      const digests = await place.store.upload(place.bucket, `${place.files}${file.path}`, file, { ...call, onBytes: progress(file) });
      checkExpected(file, digests, { provider: PROVIDER, operation: op });
      return { path: file.path, size: digests.size, sha256: digests.sha256 };
    });
    const record: VersionRecord = {
      format: RECORD_FORMAT,
      model,
      token,
      params: meta.params,
      metrics: meta.metrics,
      lineage: meta.lineage as Record<string, unknown>,
      ...(meta.signature && { signature: meta.signature as unknown as Record<string, unknown> }),
      ...(meta.modelCard && { modelCard: meta.modelCard as Record<string, unknown> }),
      files: stored,
      createdBy: ctx.actor,
      createdAt: new Date().toISOString(),
    };
    // Written like the files, with If-None-Match: * (the folder is this attempt's own; nothing is ever replaced).
    const [recordFile] = await resolveArtifactSource(
      { entries: [{ path: RECORD_FILE, content: JSON.stringify(record) }] },
      { provider: PROVIDER, operation: op },
    );
    await place.store.upload(place.bucket, place.record, recordFile as (typeof files)[number], { ...call, contentType: "application/json" });
    throwIfAborted(options.signal, op);
    const body = {
      properties: {
        ...(meta.description && { description: meta.description }),
        tags: meta.tags,
        properties: { [PROP.format]: RECORD_FORMAT, [PROP.token]: token, [PROP.record]: place.record },
        modelUri: place.modelUri,
        modelType: providerOptions?.modelType ?? (files.some((f) => f.path === "MLmodel") ? "mlflow_model" : "custom_model"),
        flavors: providerOptions?.flavors ? Object.fromEntries(Object.entries(providerOptions.flavors).map(([k, v]) => [k, { data: v }])) : {},
        ...(providerOptions?.jobName && { jobName: providerOptions.jobName }),
        stage: azureStage("draft"),
        isAnonymous: false,
        isArchived: false,
      },
    };
    for (let race = 0; made === undefined; race++) {
      const taken = await findArmVersion(t, model, version, op, options);
      if (!taken) made = await putOnce(p, model, version, token, body, op, options, put);
      else if (ownedBy(taken, token)) made = version;
      if (made !== undefined) break;
      if (race + 1 >= MAX_NUMBER_RACES)
        throw new ConflictError(`other writers kept taking the next version number of ${JSON.stringify(model)}; try again`, {
          provider: PROVIDER,
          operation: op,
        });
      const fresh = await findContainer(t, model, op, options);
      const next = numberOf(fresh?.properties.nextVersion ?? "0", op);
      version = String(BigInt(next) > BigInt(version) ? BigInt(next) : BigInt(version) + 1n);
    }
  } catch (error) {
    if (made === undefined && !put.maybeMade) {
      // No version points at the folder: it goes, and a container this call made goes with it (if still empty). When
      // Azure may still be making the version (a PUT whose outcome is unknown), both stay: a retry with the same
      // idempotency key finds it.
      const { deleteFolder, deleteIfEmpty } = await import("./azureml-cleanup.js");
      await deleteFolder(place, op, options).catch(() => undefined);
      if (madeContainer) await deleteIfEmpty(t, model, op, options).catch(() => undefined);
    }
    throw error;
  }
  const events: RegistryEventInput[] = [{ type: "version.created", model, version: made, to: made }];
  if (meta.aliases.length > 0) {
    try {
      events.push(...(await setAliases(t, model, made, meta.aliases, op, options)));
    } catch (error) {
      // The version must not exist without the aliases asked for: it goes again (its number is spent), with its files
      // and the container this call made, if nothing else is in it.
      const gone = await deleteResource(t, versionPath(model, made), op, options).then(
        () => true,
        () => false,
      );
      if (gone) {
        const { deleteFolder, deleteIfEmpty } = await import("./azureml-cleanup.js");
        await deleteFolder(place, op, options).catch(() => undefined);
        if (madeContainer) await deleteIfEmpty(t, model, op, options).catch(() => undefined);
      }
      throw error;
    }
  }
  const version_ = made;
  return { readBack: () => readVersion(p, model, version_, ctx), events: ctx.stamp(events) };
}

/**
 * Points `aliases` at `version` (tags on the model's container: one read and one PUT of it, when any alias moves) and
 * returns an `alias.set` event for each that moved. Aliases already there are left alone and told to nobody.
 */
async function setAliases(
  t: ArmTransport,
  model: string,
  version: string,
  aliases: readonly string[],
  op: string,
  options: CallOptions | undefined,
): Promise<RegistryEventInput[]> {
  if (aliases.length === 0) return [];
  const now = await findContainer(t, model, op, options);
  const before = aliasesOf(now);
  const moving = aliases.filter((alias) => ownValue(before, alias) !== version);
  if (moving.length === 0) return [];
  const tags = stringEntries(now?.properties.tags);
  for (const alias of moving) tags[aliasTag(alias)] = version;
  await putResource(t, containerPath(model), containerBody(now, now?.properties.description ?? undefined, tags), op, options);
  return moving.map((alias) => {
    const from = ownValue(before, alias);
    return { type: "alias.set", model, alias, version, ...(from !== undefined && { from }), to: version };
  });
}

/** A `nextVersion` as a version number, or `ResponseValidationError`: modelreg's versions are numbers, as Azure's client makes them. */
function numberOf(value: string, operation: string): string {
  if (/^(0|[1-9]\d{0,17})$/.test(value)) return value;
  throw new ResponseValidationError(`Azure gave the next version number as ${JSON.stringify(value.slice(0, 40))}, which is no number`, {
    provider: PROVIDER,
    operation,
    field: "properties.nextVersion",
  });
}

/** Whether a version is the one this create's token made. */
function ownedBy(v: ArmModelVersion, token: string): boolean {
  return v.properties.properties?.[PROP.token] === token;
}

/** Whether a failed PUT may still have made the version (then its files must stay: it would point at them). */
interface PutState {
  maybeMade: boolean;
}

/**
 * PUTs the version; returns its number, or `undefined` when another writer holds the number (Azure refused to change
 * its `modelUri`). After a failure that may have reached Azure (no answer, a 5xx, a registry's 409 for an operation
 * still running from a PUT whose answer was lost), the version is read again, a few times, to see whether ours landed.
 */
async function putOnce(
  p: WriteParts,
  model: string,
  version: string,
  token: string,
  body: unknown,
  op: string,
  options: CallOptions | undefined,
  state: PutState,
): Promise<string | undefined> {
  try {
    await putResource(p.transport, versionPath(model, version), body, op, options);
    return version;
  } catch (error) {
    if (!ModelRegistryError.isInstance(error) || options?.signal?.aborted) throw error;
    // Answered with an error (Azure's front door failed or refused the PUT): not made. No answer at all, or a 409 for
    // an operation still running (a resent PUT whose first answer was lost), may mean Azure is making it.
    const ended = isEndedOperationError(error);
    const answered = ended || (error.statusCode !== undefined && error.statusCode !== 409);
    const refused = ended || (answered && error.statusCode !== undefined && error.statusCode < 500 && error.statusCode !== 429);
    if (!answered) state.maybeMade = true;
    let delay = p.settings.pollIntervalMs ?? 1000;
    for (let look = 0; ; look++) {
      // Up to about a minute in all (from pollIntervalMs, doubling): long enough for Azure to finish what it took.
      const there = await findArmVersion(p.transport, model, version, op, options);
      if (there && ownedBy(there, token)) return version;
      // Refused because the number is someone else's: the caller moves on to the next one.
      if (there) return undefined;
      if (refused || (answered && look >= 1) || look >= 7) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }
}

/** The version a token made, among every version of the model (Azure's `properties` filter, checked here too). */
async function findByToken(p: WriteParts, model: string, token: string, op: string, options: CallOptions | undefined): Promise<ArmModelVersion | undefined> {
  const t = p.transport;
  const versions = await listAll(
    t,
    async () =>
      (
        await t.send({
          operation: op,
          path: `${containerPath(model)}/versions`,
          query: { properties: `${PROP.token}=${token}`, listViewType: "All" },
          schema: versionPageSchema,
          options,
        })
      ).data,
    async (path) => (await t.http.request({ operation: op, path, schema: versionPageSchema, ...options })).data,
    op,
  );
  return versions.find((v) => ownedBy(v, token));
}

function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new AbortedError("aborted by the caller's signal", { provider: PROVIDER, operation, cause: signal.reason });
}

/** A fresh id for one attempt's folder: 16 hex digits. */
function attemptId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The token of an idempotency key: `k` and the first 32 hex digits of its SHA-256 (the key itself is never stored). */
async function tokenFor(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `k${Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
