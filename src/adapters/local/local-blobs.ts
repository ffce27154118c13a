/**
 * The content-addressed blob store: each file's bytes live once under their sha256, written to a temp file while
 * hashed and renamed into place when whole. Identical files across versions and models share one blob.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { iterateBytes, toWebStream } from "../../artifacts/byte-streams.js";
import { SelectedDigest, StreamingDigest, type FileDigests } from "../../artifacts/hashing.js";
import { checkExpected, type ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { AbortedError, CorruptDataError, IntegrityError, InvalidInputError } from "../../core/errors.js";
import { pipeToNewFile } from "../../artifacts/file-sink.js";
import { pathExists } from "./local-files.js";
import { tempName, type LocalPaths } from "./local-paths.js";
import type { FileRecord } from "./local-schemas.js";
import { nodeFs, nodeFsSync } from "../../runtime/builtins.js";

/** What {@link putBlob} is told. */
interface PutBlobOptions {
  signal?: AbortSignal;
  operation: string;
  onBytes?: (bytes: number, fileBytes: number) => void;
  /** Told the blob's sha256 once it is known, before the blob is put in place or found there. */
  beforePlace?: (sha256: string) => Promise<void>;
}

/**
 * Stores one file's bytes and returns its digests. The temp file is removed on any failure, so an abort or a broken
 * stream leaves nothing behind.
 *
 * @param onBytes - Told about every chunk, for progress.
 */
export async function putBlob(paths: LocalPaths, file: ResolvedArtifact, options: PutBlobOptions): Promise<FileDigests> {
  const linked = await linkSpooled(paths, file, options);
  if (linked) return linked;
  // The pid in the name lets gc tell a dead writer's leftover from a live writer's file in progress.
  const temp = join(paths.tmp, tempName("blob"));
  // A sync copy brings the MD5 it computed while spooling; it is used only if the SHA-256 below matches the entry's,
  // which proves these are the bytes it was computed over (checkExpected). That saves an MD5 pass over every byte.
  const knownMd5 = file.spooled?.md5;
  const digest = new SelectedDigest({ sha256: true, md5: knownMd5 === undefined || file.sha256 === undefined });
  const { signal } = options;
  async function* hashed() {
    for await (const chunk of file.open()) {
      // Checked per chunk so an abort stops a large upload promptly, not at the end.
      if (signal?.aborted) throw new AbortedError("aborted by the caller's signal", { provider: "local", operation: options.operation, cause: signal.reason });
      digest.update(chunk);
      options.onBytes?.(chunk.byteLength, digest.size);
      yield chunk;
    }
  }
  try {
    await pipeToNewFile(hashed, temp);
    const got = digest.digest();
    const result: FileDigests = { size: got.size, sha256: got.sha256 as string, md5: got.md5 ?? (knownMd5 as string) };
    if (file.size !== undefined && file.size !== result.size) {
      throw new InvalidInputError(`${JSON.stringify(file.path)} was declared as ${file.size} bytes but its stream gave ${result.size}`, {
        provider: "local",
        operation: options.operation,
        field: "artifacts",
      });
    }
    checkExpected(file, result, { provider: "local", operation: options.operation });
    await place(paths, temp, result.sha256, options);
    return result;
  } finally {
    await nodeFs().rm(temp, { force: true });
  }
}

/**
 * Stores a file sync spooled (see `ResolvedArtifact.spooled`) by hard-linking it into place: no copy and no third
 * hash, because its digests were computed over these very bytes as sync wrote them, in a directory only this process
 * uses. A link shares the file, so the spool is linked into the store's own temp directory first and renamed from
 * there, as every blob is. Returns `undefined` (and the caller copies and hashes as usual) when the spool is on
 * another file system or the link fails for any other reason, or its size is not the entry's.
 */
async function linkSpooled(paths: LocalPaths, file: ResolvedArtifact, options: PutBlobOptions): Promise<FileDigests | undefined> {
  const { spooled, sha256, size } = file;
  if (spooled === undefined || sha256 === undefined || size === undefined) return undefined;
  if (options.signal?.aborted)
    throw new AbortedError("aborted by the caller's signal", { provider: "local", operation: options.operation, cause: options.signal.reason });
  const temp = join(paths.tmp, tempName("blob"));
  try {
    try {
      await nodeFs().link(spooled.file, temp);
    } catch {
      return undefined;
    }
    if ((await nodeFs().stat(temp)).size !== size) return undefined;
    options.onBytes?.(size, size);
    await place(paths, temp, sha256, options);
    return { size, sha256, md5: spooled.md5 };
  } finally {
    await nodeFs().rm(temp, { force: true });
  }
}

/** Moves a whole temp file to its content address, unless that blob is there already (then the caller removes it). */
async function place(paths: LocalPaths, temp: string, sha256: string, options: PutBlobOptions): Promise<void> {
  await options.beforePlace?.(sha256);
  const target = paths.blob(sha256);
  if (!(await pathExists(target))) {
    await nodeFs().mkdir(dirname(target), { recursive: true });
    // Two writers of the same content both rename; the second replaces an identical file, which is harmless.
    await nodeFs().rename(temp, target);
  }
}

/**
 * Opens a blob as a web stream and checks its sha256 as it is read: a blob damaged on disk errors the stream with
 * `IntegrityError` at its end instead of handing back wrong bytes silently.
 */
export async function openBlob(paths: LocalPaths, file: FileRecord, operation: string): Promise<ReadableStream<Uint8Array>> {
  const location = paths.blob(file.sha256);
  if (!(await pathExists(location))) {
    throw new CorruptDataError(`the bytes of ${JSON.stringify(file.path)} (blob ${file.sha256}) are missing from the local registry at ${paths.root}`, {
      provider: "local",
      operation,
    });
  }
  async function* verified() {
    const digest = new StreamingDigest();
    for await (const chunk of iterateBytes(nodeFsSync().createReadStream(location, { highWaterMark: 1024 * 1024 }))) {
      digest.update(chunk);
      yield chunk;
    }
    const got = digest.digest();
    if (got.sha256 !== file.sha256 || got.size !== file.size) {
      throw new IntegrityError(`${JSON.stringify(file.path)} is damaged on disk: sha256 ${got.sha256}, expected ${file.sha256}`, {
        provider: "local",
        operation,
      });
    }
  }
  return toWebStream(verified());
}

/** Blobs that a create in progress is about to reference, listed in a file gc reads before it removes anything. */
export interface BlobPin {
  /** Adds a blob, durably, before it is stored or reused. */
  add(sha256: string): Promise<void>;
  /** Removes the pin once the version has landed or the create has failed. */
  release(): Promise<void>;
}

/** Creates a pin file in tmp, named with the pid so gc ignores the pins of processes that died. */
export async function createPin(paths: LocalPaths): Promise<BlobPin> {
  const file = join(paths.tmp, tempName("pin"));
  await nodeFs().writeFile(file, "", { flag: "wx" });
  return {
    add: (sha256) => nodeFs().appendFile(file, `${sha256}\n`),
    release: () => nodeFs().rm(file, { force: true }),
  };
}
