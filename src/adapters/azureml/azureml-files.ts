/**
 * A version's files, for listArtifacts, openArtifact and downloadArtifacts (imported on first use). A version modelreg
 * made lists its files from its record (with SHA-256 and size, which downloads check); one made elsewhere is listed
 * under its `modelUri` (a folder, or a single file).
 *
 * @module
 */

import { NotFoundError, UnsupportedCapabilityError } from "../../core/errors.js";
import type { ProviderContext, ProviderVersionFiles } from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { ArtifactFile } from "../../core/types.js";
import { PROVIDER } from "./azureml-names.js";
import { findArmVersion, readRecord, resolveAlias } from "./azureml-read.js";
import type { WriteParts } from "./azureml-writes.js";

/** The files of a version and how to open each. */
export async function azureVersionFiles(p: WriteParts, ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
  const { operation: op, options } = ctx;
  const version = "version" in ref ? ref.version : await resolveAlias(p.transport, ref.model, ref.alias, op, options);
  const arm = await findArmVersion(p.transport, ref.model, version, op, options);
  if (!arm) throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no version ${version}`, { provider: PROVIDER, operation: op });
  const place = await p.storage.placeOf(ref.model, arm, op, options);
  if (!place)
    throw new UnsupportedCapabilityError(
      `${ref.model}/${version} keeps its files at ${JSON.stringify(arm.properties.modelUri ?? "")}, which is not Blob storage modelreg can reach`,
      {
        provider: PROVIDER,
        operation: op,
        capability: "foreignFiles",
      },
    );
  const record = await readRecord(p.storage, ref.model, arm, op, options);
  const call = { ...options, operation: op };
  let prefix = place.files;
  let files: ArtifactFile[];
  if (record) files = record.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
  else {
    const listed = await place.store.list(place.bucket, prefix, call);
    if (listed.length === 0 && prefix.endsWith("/")) {
      // A modelUri may name one file (`.../model.pkl`): then it is the version's only file.
      const name = prefix.slice(0, -1);
      const single = (await place.store.list(place.bucket, name, call)).find((o) => o.name === name);
      if (single) {
        prefix = name.slice(0, name.lastIndexOf("/") + 1);
        listed.push(single);
      }
    }
    files = listed
      .map((o) => ({ path: o.name.slice(prefix.length), size: o.size, ...(o.md5 && { md5: o.md5 }) }))
      // Folder markers (`dir/`) of tools that write them are not files.
      .filter((f) => f.path !== "" && !f.path.endsWith("/"));
  }
  const open = (file: ArtifactFile, signal: AbortSignal | undefined) =>
    place.store.open(place.bucket, `${prefix}${file.path}`, { ...options, signal, operation: op });
  return { model: ref.model, version, files, open };
}
