/**
 * Removing what a failed or deleted version left in Blob storage: only the folder modelreg made for it (named by the
 * create's token), never anything else.
 *
 * @module
 */

import type { CallOptions } from "../../core/options.js";
import type { BlobPlace } from "./azureml-storage.js";

/** Deletes the blobs of a version's folder (its files and its record). */
export async function deleteFolder(place: BlobPlace, operation: string, options: CallOptions | undefined): Promise<void> {
  const store = { ...options, operation };
  const objects = await place.store.list(place.bucket, place.files, store);
  for (const o of objects) await place.store.delete(place.bucket, o.name, store).catch(() => undefined);
  if (place.record) await place.store.delete(place.bucket, place.record, store).catch(() => undefined);
}
