/**
 * Creating a version: bytes first (content-addressed, outside any lock), then one short locked change that claims the
 * next number and lands the record, the model's record, the idempotency entry, the aliases and the events together
 * (local-journal.ts). A failure before that change leaves at most unreferenced blobs, which gc removes, never a
 * version; a failure within it changes nothing, so the number is free again.
 *
 * @module
 */

import { resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { computeContentDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { mapLimit } from "../../core/concurrency.js";
import { ConflictError, NotFoundError } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { TransferOptions } from "../../core/options.js";
import { transferConcurrency } from "../../core/options.js";
import type { ProviderContext, ProviderCreateVersion } from "../../core/provider-spec.js";
import type { CheckedVersionMetadata } from "../../core/version-input.js";
import { createPin, putBlob } from "./local-blobs.js";
import { readRecord } from "./local-files.js";
import type { FileChanges } from "./local-journal.js";
import { plainMap } from "./local-util.js";
import { localSchemas, type FileRecord, type ModelRecord, type VersionRecord } from "./local-schemas.js";
import { PROVIDER, throwIfAborted, type LocalStore } from "./local-store.js";
import { nodeFs } from "../../runtime/builtins.js";

const OPERATION = "createVersion";

/** Creates a version (the facade has checked the input); returns its record and the events it recorded. */
export async function createLocalVersion(
  store: LocalStore,
  model: string,
  { input, meta }: ProviderCreateVersion,
  ctx: ProviderContext<TransferOptions>,
): Promise<{ value: VersionRecord; events: RegistryEvent[] }> {
  const { options } = ctx;
  const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: OPERATION });
  await store.begin(OPERATION, options);
  const createModel = input.createModel ?? true;
  if (!createModel) await store.requireModel(model, OPERATION);
  if (meta.idempotencyKey !== undefined) {
    const existing = await findByKey(store, model, meta.idempotencyKey);
    if (existing) return { value: existing, events: [] };
  }

  const progress = transferProgress(files, options?.onProgress);
  // The pin tells a concurrent gc which blobs this create is about to reference, before any is stored or reused.
  const pin = await createPin(store.paths);
  try {
    const stored: FileRecord[] = await mapLimit(files, transferConcurrency(options?.concurrency, files), async (file) => {
      const tick = progress(file);
      const digests = await putBlob(store.paths, file, {
        signal: options?.signal,
        operation: OPERATION,
        onBytes: (_, fileBytes) => tick(fileBytes),
        beforePlace: (sha256) => pin.add(sha256),
      });
      return { path: file.path, ...digests };
    });
    throwIfAborted(options?.signal, OPERATION);
    const { result, events } = await store.transact(model, ctx, () => claimVersion(store, model, meta, stored, createModel, ctx.actor));
    return { value: result, events };
  } finally {
    await pin.release();
  }
}

/** The locked step: picks the next number and returns the version's record, its model's, and its events. */
async function claimVersion(store: LocalStore, model: string, meta: CheckedVersionMetadata, stored: FileRecord[], createModel: boolean, actor: string) {
  const now = new Date().toISOString();
  const changes: RegistryEventInput[] = [];
  let modelRecord = await store.readModel(model, OPERATION);
  if (!modelRecord) {
    if (!createModel) throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation: OPERATION });
    modelRecord = { name: model, tags: Object.create(null) as Record<string, string>, createdAt: now, updatedAt: now, lastVersion: 0 } satisfies ModelRecord;
    changes.push({ type: "model.created", model });
  }
  if (meta.idempotencyKey !== undefined) {
    // Checked again under the lock: a concurrent retry with the same key may have finished meanwhile.
    const existing = await findByKey(store, model, meta.idempotencyKey);
    if (existing) return { result: existing, events: [] };
  }
  const numbers = await store.versionNumbers(model);
  // Never a number given out before, even to a version deleted since: lastVersion remembers the highest.
  const number = String(Math.max(modelRecord.lastVersion, numbers[0] ?? 0) + 1);
  const version: VersionRecord = {
    model,
    version: number,
    ...(meta.description !== undefined && { description: meta.description }),
    params: plainMap(meta.params),
    metrics: plainMap(meta.metrics),
    tags: plainMap(meta.tags),
    lineage: meta.lineage,
    ...(meta.signature !== undefined && { signature: meta.signature }),
    ...(meta.modelCard !== undefined && { modelCard: meta.modelCard }),
    stage: "draft",
    files: stored,
    digest: computeContentDigest(stored),
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
    ...(meta.idempotencyKey !== undefined && { idempotencyKey: meta.idempotencyKey }),
  };
  const writes: NonNullable<FileChanges["writes"]> = [
    { file: store.paths.version(model, number), value: version },
    { file: store.paths.modelRecord(model), value: { ...modelRecord, lastVersion: Number(number), updatedAt: now } },
  ];
  if (meta.idempotencyKey !== undefined) writes.push({ file: store.paths.idempotency(model, store.keyHash(meta.idempotencyKey)), value: { version: number } });
  changes.push({ type: "version.created", model, version: number, to: number, details: { digest: version.digest, files: stored.length } });
  if (meta.aliases.length > 0) {
    const aliases = await store.readAliases(model, OPERATION);
    for (const alias of meta.aliases) {
      const from = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
      changes.push({ type: "alias.set", model, alias, version: number, ...(from !== undefined && { from }), to: number });
      aliases[alias] = number;
    }
    writes.push({ file: store.paths.aliases(model), value: { aliases } });
  }
  return {
    result: version,
    events: changes,
    files: { writes },
    // Under the audit log's lock, which gc also holds while it removes blobs: every blob is still there as the
    // version comes into being, so a version never lands without its bytes.
    beforeAppend: () => requireBlobs(store, stored),
  };
}

async function requireBlobs(store: LocalStore, stored: FileRecord[]): Promise<void> {
  for (const file of stored) {
    try {
      await nodeFs().access(store.paths.blob(file.sha256));
    } catch {
      throw new ConflictError(
        `the bytes of ${JSON.stringify(file.path)} were removed by a concurrent gc before the version was recorded; nothing was created, try again`,
        {
          provider: PROVIDER,
          operation: OPERATION,
          isRetryable: true,
        },
      );
    }
  }
}

async function findByKey(store: LocalStore, model: string, key: string): Promise<VersionRecord | undefined> {
  const entry = await readRecord(store.paths, store.paths.idempotency(model, store.keyHash(key)), localSchemas().idempotency, "idempotency record", OPERATION);
  if (!entry) return undefined;
  // A key whose version was deleted since no longer holds: the caller gets a new version.
  const record = await store.readVersion(model, entry.version, OPERATION);
  return record?.idempotencyKey === key ? record : undefined;
}
