/**
 * Creating a version: bytes first (content-addressed, outside any lock), then one short locked step that claims the
 * next number and writes the record. A failure before that step leaves at most unreferenced blobs, never a version; a
 * failure within it is undone before the lock is released, so the number is free again.
 *
 * @module
 */

import { rm } from "node:fs/promises";
import { resolveArtifactSource } from "../../artifacts/resolve-source.js";
import { computeContentDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { mapLimit } from "../../core/concurrency.js";
import { NotFoundError } from "../../core/errors.js";
import type { RegistryEventInput } from "../../core/events.js";
import type { TransferOptions } from "../../core/options.js";
import { DEFAULT_TRANSFER_CONCURRENCY } from "../../core/options.js";
import type { CreateVersionInput } from "../../core/types.js";
import { assertModelName } from "../../core/validation.js";
import { checkCreateVersionInput } from "../../core/version-input.js";
import { putBlob } from "./local-blobs.js";
import { readRecord, removeTree, writeRecord, writeRecordExclusive } from "./local-files.js";
import { localSchemas, type FileRecord, type ModelRecord, type VersionRecord } from "./local-schemas.js";
import { PROVIDER, throwIfAborted, type LocalStore } from "./local-store.js";

const OPERATION = "createVersion";

/** Creates a version; returns its record and the model's aliases after the change. */
export async function createLocalVersion(
  store: LocalStore,
  model: string,
  input: CreateVersionInput,
  options: TransferOptions | undefined,
): Promise<VersionRecord> {
  assertModelName(model, OPERATION);
  const meta = checkCreateVersionInput(input, OPERATION);
  const files = await resolveArtifactSource(input.artifacts, { provider: PROVIDER, operation: OPERATION });
  await store.begin(OPERATION, options);
  const createModel = input.createModel ?? true;
  if (!createModel) await store.requireModel(model, OPERATION);
  if (meta.idempotencyKey !== undefined) {
    const existing = await findByKey(store, model, meta.idempotencyKey);
    if (existing) return existing;
  }

  const progress = transferProgress(files, options?.onProgress);
  const stored: FileRecord[] = await mapLimit(files, options?.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, async (file) => {
    const tick = progress(file);
    const digests = await putBlob(store.paths, file, { signal: options?.signal, operation: OPERATION, onBytes: (_, fileBytes) => tick(fileBytes) });
    return { path: file.path, ...digests };
  });
  throwIfAborted(options?.signal, OPERATION);

  const { record, events } = await store.locked(model, OPERATION, options, async () => {
    const now = new Date().toISOString();
    const changes: RegistryEventInput[] = [];
    const existingModel = await store.readModel(model, OPERATION);
    let modelRecord = existingModel;
    if (!modelRecord) {
      if (!createModel) throw new NotFoundError(`model ${JSON.stringify(model)} does not exist`, { provider: PROVIDER, operation: OPERATION });
      modelRecord = { name: model, tags: {}, createdAt: now, updatedAt: now, lastVersion: 0 } satisfies ModelRecord;
      changes.push({ type: "model.created", model });
    }
    if (meta.idempotencyKey !== undefined) {
      // Checked again under the lock: a concurrent retry with the same key may have finished meanwhile.
      const existing = await findByKey(store, model, meta.idempotencyKey);
      if (existing) return { record: existing, events: [] };
    }
    const numbers = await store.versionNumbers(model);
    let number = Math.max(modelRecord.lastVersion, numbers[0] ?? 0) + 1;
    const version: VersionRecord = {
      model,
      version: "",
      ...(meta.description !== undefined && { description: meta.description }),
      params: meta.params,
      metrics: meta.metrics,
      tags: meta.tags,
      lineage: meta.lineage,
      ...(meta.signature !== undefined && { signature: meta.signature }),
      ...(meta.modelCard !== undefined && { modelCard: meta.modelCard }),
      stage: "draft",
      files: stored,
      digest: computeContentDigest(stored),
      createdBy: store.actor(options),
      createdAt: now,
      updatedAt: now,
      ...(meta.idempotencyKey !== undefined && { idempotencyKey: meta.idempotencyKey }),
    };
    // The lock makes the number ours; the exclusive link keeps it so even if a stale-lock takeover let two writers in.
    for (;;) {
      version.version = String(number);
      if (await writeRecordExclusive(store.paths, store.paths.version(model, version.version), version)) break;
      number++;
    }
    const aliasesBefore = meta.aliases.length > 0 ? await store.readAliases(model, OPERATION) : undefined;
    try {
      await writeRecord(store.paths, store.paths.modelRecord(model), { ...modelRecord, lastVersion: number, updatedAt: now });
      if (meta.idempotencyKey !== undefined) {
        await writeRecord(store.paths, store.paths.idempotency(model, store.keyHash(meta.idempotencyKey)), { version: version.version });
      }
      changes.push({ type: "version.created", model, version: version.version, to: version.version, details: { digest: version.digest, files: stored.length } });
      if (aliasesBefore) {
        const aliases = { ...aliasesBefore };
        for (const alias of meta.aliases) {
          changes.push({ type: "alias.set", model, alias, version: version.version, ...(aliases[alias] !== undefined && { from: aliases[alias] }), to: version.version });
          aliases[alias] = version.version;
        }
        await writeRecord(store.paths, store.paths.aliases(model), { aliases });
      }
      const stamped = store.stamp(changes, options);
      await store.commit(stamped);
      return { record: version, events: stamped };
    } catch (error) {
      // The caller hears that the create failed and the audit log never got its events: a version left in place would
      // exist unaccounted for, and its number, once skipped, would leave a gap. Still under the lock, so undo it all.
      await takeBack(store, model, version.version, existingModel, aliasesBefore, meta.idempotencyKey).catch(() => undefined);
      throw error;
    }
  });
  await store.publish(events);
  return record;
}

/** Removes what a create wrote after claiming its number and puts back what it replaced. */
async function takeBack(
  store: LocalStore,
  model: string,
  version: string,
  modelBefore: ModelRecord | undefined,
  aliasesBefore: Record<string, string> | undefined,
  idempotencyKey: string | undefined,
): Promise<void> {
  if (!modelBefore) {
    // The model was new with this create: nobody else could have written under it while we held the lock.
    await removeTree(store.paths, store.paths.model(model));
    return;
  }
  if (aliasesBefore) await writeRecord(store.paths, store.paths.aliases(model), { aliases: aliasesBefore });
  if (idempotencyKey !== undefined) await rm(store.paths.idempotency(model, store.keyHash(idempotencyKey)), { force: true });
  await rm(store.paths.version(model, version), { force: true });
  await writeRecord(store.paths, store.paths.modelRecord(model), modelBefore);
}

async function findByKey(store: LocalStore, model: string, key: string): Promise<VersionRecord | undefined> {
  const entry = await readRecord(store.paths, store.paths.idempotency(model, store.keyHash(key)), localSchemas().idempotency, "idempotency record", OPERATION);
  if (!entry) return undefined;
  // A key whose version was deleted since no longer holds: the caller gets a new version.
  const record = await store.readVersion(model, entry.version, OPERATION);
  return record?.idempotencyKey === key ? record : undefined;
}
