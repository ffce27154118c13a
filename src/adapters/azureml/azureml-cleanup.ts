/**
 * Removing what a failed or deleted version left in Blob storage: only the folder modelreg made for it (named by the
 * create's token), never anything else.
 *
 * @module
 */

import type { CallOptions } from "../../core/options.js";
import { versionPageSchema } from "./azureml-api.js";
import { containerPath } from "./azureml-read.js";
import type { BlobPlace } from "./azureml-storage.js";
import type { ArmTransport } from "./azureml-transport.js";
import { deleteResource } from "./azureml-writes.js";

/** Deletes a model container this call made, unless a version landed in it meanwhile (another writer's). */
export async function deleteIfEmpty(t: ArmTransport, model: string, operation: string, options: CallOptions | undefined): Promise<void> {
  const res = await t.send({
    operation,
    path: `${containerPath(model)}/versions`,
    query: { listViewType: "All", $top: 1 },
    schema: versionPageSchema,
    options,
  });
  if (res.data.value.length === 0) await deleteResource(t, containerPath(model), operation, options);
}

/**
 * Deletes the blobs of a version's folder (its files and its record). Only in a workspace's datastore: a registry's
 * pending-upload SAS allows no deletes (read, write, list), so there the blobs stay for Azure to clean up.
 */
export async function deleteFolder(place: BlobPlace, operation: string, options: CallOptions | undefined): Promise<void> {
  if (!place.deletable) return;
  const store = { ...options, operation };
  const objects = await place.store.list(place.bucket, place.files, store);
  for (const o of objects) await place.store.delete(place.bucket, o.name, store).catch(() => undefined);
  if (place.record) await place.store.delete(place.bucket, place.record, store).catch(() => undefined);
}
