/**
 * Best-effort removal of objects from the artifact bucket, for the calls that create or delete versions and models
 * (a failed createVersion's files, a deleted version's or model's). Only those calls' modules import it.
 *
 * @module
 */

import { mapLimit } from "../../core/concurrency.js";
import { NotFoundError } from "../../core/errors.js";
import type { RecordStore } from "./sagemaker-metadata.js";

/**
 * Deletes every object under a prefix (which ends in `/`) of the artifact bucket. True when nothing is left, false
 * when a listing or a delete failed: callers keep what marks the folder as taken (its claim) in that case.
 */
export async function deletePrefix(store: RecordStore, prefix: string, op: string): Promise<boolean> {
  try {
    const objects = await store.storage.list(store.bucket, prefix, { operation: op });
    const results = await mapLimit(objects, 8, (o) => deleteOne(store, o.name, op));
    return results.every(Boolean);
  } catch {
    return false;
  }
}

/** Deletes the named objects of the artifact bucket; true when all are gone (one already gone counts as gone). */
export async function deleteObjects(store: RecordStore, names: string[], op: string): Promise<boolean> {
  const results = await mapLimit(names, 8, (name) => deleteOne(store, name, op));
  return results.every(Boolean);
}

async function deleteOne(store: RecordStore, name: string, op: string): Promise<boolean> {
  try {
    await store.storage.delete(store.bucket, name, { operation: op });
    return true;
  } catch (error) {
    return NotFoundError.isInstance(error);
  }
}
