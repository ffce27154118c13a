/**
 * A SageMaker version's files, for listArtifacts, openArtifact and downloadArtifacts. The provider imports this module
 * for them, so a client that only reads versions does not load it.
 *
 * A version modelreg made lists the files of its record, under its folder. A package another tool registered lists
 * what its model data location holds: every object under an `S3Prefix` (its path is its key below the prefix), or its
 * one object (`ModelDataUrl`, such as a `model.tar.gz`, or an `S3Object` data source) under its file name, as stored:
 * an archive is not unpacked.
 *
 * @module
 */

import { NotFoundError, UnsupportedCapabilityError } from "../../core/errors.js";
import type { ProviderContext, ProviderVersionFiles } from "../../core/provider-spec.js";
import type { VersionRef } from "../../core/refs.js";
import type { ArtifactFile } from "../../core/types.js";
import { dataLocation, versionOf } from "./sagemaker-convert.js";
import { parseS3Location } from "./sagemaker-names.js";
import type { SageMakerRecords } from "./sagemaker-records.js";
import { PROVIDER } from "./sagemaker-transport.js";

/** The files of a version, and how to open each. */
export async function sageMakerVersionFiles(records: SageMakerRecords, ref: VersionRef, ctx: ProviderContext): Promise<ProviderVersionFiles> {
  const { operation: op, options } = ctx;
  const pkg = await records.resolve(ref, op, options);
  const version = versionOf(pkg);
  const label = `${ref.model}/${version}`;
  const store = records.store;
  const record = await records.record(ref.model, pkg, op, options);
  if (record) {
    const prefix = store.folderPrefix(record.model, record.folder);
    return {
      model: ref.model,
      version,
      files: record.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
      open: (file, signal) => store.storage.open(store.bucket, `${prefix}${file.path}`, { ...options, signal, operation: op }),
    };
  }
  const location = dataLocation(pkg);
  if (!location) throw new NotFoundError(`${label} has no model data location`, { provider: PROVIDER, operation: op });
  const at = parseS3Location(location.uri);
  if (!at)
    throw new UnsupportedCapabilityError(`${label} keeps its model data at ${location.uri.slice(0, 200)}, which is not an s3:// location modelreg can read`, {
      provider: PROVIDER,
      operation: op,
      capability: "foreignFiles",
    });
  const call = { ...options, operation: op };
  let files: Array<ArtifactFile & { key: string }>;
  if (location.kind === "prefix") {
    const prefix = at.prefix === "" ? "" : `${at.prefix}/`;
    files = (await store.storage.list(at.bucket, prefix, call))
      // A key ending in "/" is a folder (the console's zero-byte markers), not a file: a deploy makes it a directory.
      .filter((o) => !o.name.endsWith("/"))
      .map((o) => ({ path: o.name.slice(prefix.length), size: o.size, key: o.name }));
  } else {
    const object = (await store.storage.list(at.bucket, at.prefix, call)).find((o) => o.name === at.prefix);
    if (!object) throw new NotFoundError(`${label}'s model data ${location.uri.slice(0, 200)} does not exist`, { provider: PROVIDER, operation: op });
    files = [{ path: at.prefix.slice(at.prefix.lastIndexOf("/") + 1), size: object.size, key: object.name }];
  }
  const keys = new Map(files.map((f) => [f.path, f.key]));
  return {
    model: ref.model,
    version,
    files: files.map(({ key: _key, ...file }) => file),
    open: (file, signal) => store.storage.open(at.bucket, keys.get(file.path) ?? file.path, { ...options, signal, operation: op }),
  };
}
