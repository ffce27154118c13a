/**
 * Best-effort removal of objects from the artifact bucket, for the calls that create, change or delete versions (a
 * failed createVersion's files, a deleted version's or model's). Only those calls' modules import it.
 *
 * @module
 */

import { mapLimit } from "../../core/concurrency.js";
import type { MetadataStore } from "./vertex-metadata.js";

/** Deletes every object under a prefix of the artifact bucket, best effort. */
export async function deletePrefix(meta: MetadataStore, prefix: string, op: string): Promise<void> {
  try {
    const objects = await meta.storage.list(meta.bucket, prefix, { operation: op });
    await mapLimit(objects, 8, (o) => meta.storage.delete(meta.bucket, o.name, { operation: op }));
  } catch {
    // Cleanup is best effort: leftover files are unreferenced, never a half-made version.
  }
}

/** Deletes the named objects of the artifact bucket, best effort (one that is already gone is no failure). */
export async function deleteObjects(meta: MetadataStore, names: string[], op: string): Promise<void> {
  await mapLimit(names, 8, (name) => meta.storage.delete(meta.bucket, name, { operation: op }).catch(() => undefined));
}

/** Deletes a version's metadata file, best effort. */
export async function deleteVersionMeta(meta: MetadataStore, id: string, token: string, op: string): Promise<void> {
  await deleteObjects(meta, [`${meta.modelDir(id)}/meta/${token}.json`], op);
}
