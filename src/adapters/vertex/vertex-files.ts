/**
 * A Vertex version's files, for listArtifacts, openArtifact and downloadArtifacts, which the provider imports this
 * module for, so a client that only reads versions does not load it.
 *
 * @module
 */

import { NotFoundError, UnsupportedCapabilityError } from "../../core/errors.js";
import type { ProviderContext, ProviderVersionFiles } from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { ArtifactFile } from "../../core/types.js";
import { versionIdOf } from "./vertex-convert.js";
import type { MetadataStore } from "./vertex-metadata.js";
import { LABEL, modelIdFor, parseGsUri } from "./vertex-names.js";
import type { VertexRecords } from "./vertex-records.js";
import { PROVIDER } from "./vertex-transport.js";

/** The files from the version's manifest, or, for versions made elsewhere, listed under its `artifactUri`. */
export async function vertexVersionFiles(records: VertexRecords, store: MetadataStore, ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
  const { operation: op, options } = ctx;
  const id = modelIdFor(ref.model);
  const record = await records.resolve(ref, op, options);
  const version = versionIdOf(record);
  const label = `${ref.model}/${version}`;
  if (!record.artifactUri) throw new NotFoundError(`${label} has no artifactUri`, { provider: PROVIDER, operation: op });
  const { bucket, prefix } = parseGsUri(record.artifactUri);
  if (bucket !== store.bucket)
    throw new UnsupportedCapabilityError(`${label} keeps its files in gs://${bucket}, outside this registry's artifactRoot`, {
      provider: PROVIDER,
      operation: op,
      capability: "foreignFiles",
    });
  const meta = await store.readVersion(id, record.labels?.[LABEL.token], { ...options, operation: op });
  const files: ArtifactFile[] = meta
    ? meta.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, md5: f.md5 }))
    : (await store.storage.list(bucket, `${prefix}/`, { ...options, operation: op })).map((o) => ({
        path: o.name.slice(prefix.length + 1),
        size: o.size,
        ...(o.md5 && { md5: o.md5 }),
      }));
  const open = (file: ArtifactFile, signal: AbortSignal | undefined) =>
    store.storage.open(store.bucket, `${prefix}/${file.path}`, { ...options, signal, operation: op });
  return { model: ref.model, version, files, open };
}
