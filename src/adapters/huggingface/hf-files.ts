/**
 * A version's files: listed from its record (SHA-256 and size of each) or, for a version another tool tagged, from
 * its commit's tree (where only LFS files have a SHA-256; regular ones have git's blob SHA-1). Each file is read
 * through the resolver at the version's commit, never at a moving ref, and checked as it streams: the Hub's CDN is
 * reached by a redirect that carries no token.
 *
 * @module
 */

import { IntegrityError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ProviderFileStream } from "../../core/provider-spec.js";
import type { ArtifactFile } from "../../core/types.js";
import { callOptions } from "../../http/call-options.js";
import { nodeCrypto } from "../../runtime/builtins.js";
import type { HubTreeEntry } from "./hf-api.js";
import { CARD_FILE, GITATTRIBUTES, RECORD_FILE } from "./hf-names.js";
import type { VersionRecord } from "./hf-records.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";

/** A file of a version, with the id the Hub gives it (what its cache names the blob by). */
export interface HubFile extends ArtifactFile {
  /** SHA-256 for LFS files, git's blob SHA-1 for regular ones: the resolver's `X-Linked-Etag`/`ETag`. */
  etag?: string;
  /** Git's blob SHA-1, for regular files whose SHA-256 is not recorded. */
  gitSha1?: string;
}

/** The files of a version: the record's where modelreg made it, else the tree's (without `.gitattributes`). */
export function versionFiles(record: VersionRecord | undefined, tree: readonly HubTreeEntry[] | undefined): HubFile[] {
  if (record) return record.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
  return (tree ?? [])
    .filter((e) => e.path !== GITATTRIBUTES)
    .map((e) =>
      e.lfs
        ? { path: e.path, size: e.lfs.size, sha256: e.lfs.oid, etag: e.lfs.oid }
        : { path: e.path, ...(e.size !== undefined && { size: e.size }), ...(e.oid && { gitSha1: e.oid, etag: e.oid }) },
    );
}

/** Every file of a commit as the Hub's cache holds it (card and record included), with its etag. */
export function cacheFiles(tree: readonly HubTreeEntry[]): Array<{ path: string; etag: string; size: number | undefined }> {
  return tree.filter((e) => e.lfs || e.oid).map((e) => ({ path: e.path, etag: e.lfs ? e.lfs.oid : (e.oid as string), size: e.lfs ? e.lfs.size : e.size }));
}

/** Files modelreg writes beside a version's own in its commit. */
export const WRITTEN_BY_MODELREG: ReadonlySet<string> = new Set([CARD_FILE, RECORD_FILE]);

/**
 * Opens a file of a commit through the resolver. Regular files are checked against git's blob SHA-1 here, since no
 * SHA-256 is recorded for them; SHA-256 and sizes are checked by the caller (the facade's downloads).
 */
export async function openFile(
  t: HubTransport,
  model: string,
  commit: string,
  file: HubFile,
  operation: string,
  options: CallOptions | undefined,
): Promise<ProviderFileStream> {
  const res = await t.http.request({ operation, path: t.resolvePath(model, commit, file.path), responseType: "stream", ...callOptions(options) });
  const stream = file.sha256 === undefined && file.gitSha1 !== undefined && file.size !== undefined ? checkedByGitSha1(res.data, file, operation) : res.data;
  return { stream, ...(file.size !== undefined && { size: file.size }) };
}

/** Passes the bytes through, failing the stream at its end when they are not the blob git's id names. */
function checkedByGitSha1(stream: ReadableStream<Uint8Array>, file: HubFile, operation: string): ReadableStream<Uint8Array> {
  const hash = nodeCrypto().createHash("sha1").update(`blob ${file.size}\0`);
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      flush(controller) {
        const got = hash.digest("hex");
        if (got !== file.gitSha1)
          controller.error(
            new IntegrityError(`${JSON.stringify(file.path)} arrived with git id ${got}, not ${file.gitSha1}`, { provider: PROVIDER, operation }),
          );
      },
    }),
  );
}
