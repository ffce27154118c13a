/**
 * Downloading a version's files into a directory: streamed, verified, and all-or-nothing.
 *
 * @module
 */

import { DEFAULT_TRANSFER_CONCURRENCY, transferConcurrency } from "../core/options.js";
import type { Stats } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { nodeCrypto, nodeFs } from "../runtime/builtins.js";
import type { ByteStream, TransferProgress } from "../core/artifact-source.js";
import { AbortedError, ConflictError, IntegrityError, InvalidInputError, ModelRegistryError, throwIfAborted } from "../core/errors.js";
import { toStorageError } from "../runtime/system-error.js";
import type { ArtifactFile } from "../core/types.js";
import { mapLimit } from "../core/concurrency.js";
import { writeBodyToFile } from "./file-sink.js";
import { SelectedDigest, digestMismatch, type SomeDigests } from "./hashing.js";
import { transferProgress } from "./progress.js";
import { safeJoin } from "./safe-path.js";

/** What {@link downloadToDirectory} needs. */
export interface DownloadToDirectoryOptions {
  /** Where the files go; created if missing. */
  directory: string;
  /** The files, with whatever the provider knows of their size and digests (checked after download). */
  files: ReadonlyArray<ArtifactFile>;
  /** Opens one file's bytes from the provider. */
  open: (file: ArtifactFile, signal: AbortSignal) => Promise<ByteStream>;
  /** Replace existing files. Default `false`: an existing file is a `ConflictError`, before anything is written. */
  overwrite?: boolean;
  /** Files in flight at once. Default {@link DEFAULT_TRANSFER_CONCURRENCY}, or 16 for small files (see `transferConcurrency`). */
  concurrency?: number;
  /** Aborts the download; nothing is left in the directory. */
  signal?: AbortSignal;
  /** Called as bytes arrive. */
  onProgress?: (progress: TransferProgress) => void;
  /** The provider, for errors. */
  provider: string;
  /** The operation, for errors. */
  operation: string;
}

/** What was written. */
export interface DownloadedFiles {
  /** The absolute directory. */
  directory: string;
  /** Every file with its size and the digests computed on the way: sha256 always, md5 where the provider lists one. */
  files: ArtifactFile[];
  /** Bytes written in all. */
  totalBytes: number;
}

/**
 * Downloads files into a directory. Every file streams into a staging directory inside the target (so the final
 * rename stays on one file system), is checked against the size and digests the provider gave, and only when every
 * file is whole are they renamed into place. A failure or abort removes the staging directory: the target never holds
 * a half-written file.
 *
 * Nothing is fetched when the list is unsafe: a path that escapes the directory, the same path twice, a path that is
 * also another's directory, or a directory on the way that is already a symlink (a link planted in the target could
 * lead anywhere). A body longer than its listed size is cut off at the first byte too many.
 */
export async function downloadToDirectory(options: DownloadToDirectoryOptions): Promise<DownloadedFiles> {
  const { provider, operation } = options;
  const directory = resolve(options.directory);
  const targets = options.files.map((file) => ({ file, target: safeJoin(directory, file.path, operation) }));
  refuseClashes(options.files, provider, operation);
  throwIfAborted(options.signal, provider, operation);
  // Before any byte is fetched: a symlink planted in the target must not decide where a server's file lands.
  for (const { target } of targets) await checkParents(directory, target, provider, operation);
  if (!options.overwrite)
    await refuseExisting(
      targets.map((t) => t.target),
      provider,
      operation,
    );

  await nodeFs().mkdir(directory, { recursive: true });
  const staging = join(directory, `.modelreg-download-${nodeCrypto().randomUUID()}`);
  await nodeFs().mkdir(staging);
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const progress = transferProgress(options.files, options.onProgress);
  try {
    const fetchOne = async (file: ArtifactFile, staged: string) => {
      // sha256 always (the result reports it); MD5 only where the provider lists one to check, as it costs half
      // as much again and downloads are bound by hashing on one core.
      const digest = new SelectedDigest({ sha256: true, md5: file.md5 !== undefined });
      const tick = progress(file);
      const body = await options.open(file, controller.signal);
      const signal = controller.signal;
      const check = (chunk: Uint8Array) => {
        if (signal.aborted) throw signal.reason;
        digest.update(chunk);
        // A body that runs past the listed size is wrong already; reading on would only fill the disk. Written as
        // `!(<=)` so a listed size that is not a number (NaN from a drifted listing) stops it too.
        if (file.size !== undefined && !(digest.size <= file.size)) {
          throw new IntegrityError(`${JSON.stringify(file.path)} arrived corrupted: more than the listed ${file.size} bytes`, { provider, operation });
        }
        tick(digest.size);
      };
      // The HTTP client's bodies push their chunks: hashed and queued for the file on the spot (body-pump.ts says
      // why this costs a fraction of reading a stream).
      await writeBodyToFile(body, staged, check);
      const result = digest.digest();
      verify(file, result, provider, operation);
      return {
        path: file.path,
        size: result.size,
        ...(result.sha256 !== undefined && { sha256: result.sha256 }),
        ...(result.md5 !== undefined && { md5: result.md5 }),
      };
    };
    const written = await mapLimit(targets, transferConcurrency(options.concurrency, options.files), async (item, index) => {
      try {
        return await fetchOne(item.file, join(staging, String(index)));
      } catch (error) {
        // Stop the other files in flight: the download has failed as a whole.
        controller.abort(error);
        throw error;
      }
    });
    throwIfAborted(options.signal, provider, operation);
    if (!options.overwrite)
      await refuseExisting(
        targets.map((t) => t.target),
        provider,
        operation,
      );
    for (const [index, { target }] of targets.entries()) {
      await makeParents(directory, target, provider, operation);
      await nodeFs().rename(join(staging, String(index)), target);
    }
    return { directory, files: written, totalBytes: written.reduce((n, f) => n + (f.size ?? 0), 0) };
  } catch (error) {
    if (options.signal?.aborted) throw new AbortedError("download aborted by the caller's signal", { provider, operation, cause: options.signal.reason });
    if (ModelRegistryError.isInstance(error)) throw error;
    // A full disk or a missing permission in the download directory: typed, with the system's code.
    const typed = toStorageError(error, { provider, operation, describe: (path) => path ?? directory });
    if (ModelRegistryError.isInstance(typed)) throw typed;
    // A stream failure that no adapter classified: keep its message, mark the type as ours.
    throw new ModelRegistryError(`could not download into ${directory}: ${(error as Error).message}`, { provider, operation, cause: error });
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await nodeFs().rm(staging, { recursive: true, force: true });
  }
}

function verify(file: ArtifactFile, got: SomeDigests, provider: string, operation: string): void {
  const problem = digestMismatch(file, got);
  if (problem) throw new IntegrityError(`${JSON.stringify(file.path)} arrived corrupted: ${problem}`, { provider, operation });
}

/**
 * Refuses files that cannot all be written: the same path twice (one would silently replace the other), or a path
 * that is also another's directory (`a` and `a/b`), which would fail half-way through the renames.
 */
function refuseClashes(files: ReadonlyArray<ArtifactFile>, provider: string, operation: string): void {
  const paths = new Set<string>();
  for (const file of files) {
    if (paths.has(file.path)) throw clash(`the file list has ${JSON.stringify(file.path)} twice`, provider, operation);
    paths.add(file.path);
  }
  for (const path of paths) {
    for (let at = path.indexOf("/"); at >= 0; at = path.indexOf("/", at + 1)) {
      const parent = path.slice(0, at);
      if (paths.has(parent))
        throw clash(`the file list has ${JSON.stringify(parent)} both as a file and as the directory of ${JSON.stringify(path)}`, provider, operation);
    }
  }
}

function clash(message: string, provider: string, operation: string): InvalidInputError {
  return new InvalidInputError(message, { provider, operation, field: "path" });
}

/** The directories between `directory` (exclusive) and the file `target`. */
function parentsInside(directory: string, target: string): string[] {
  const segments = relative(directory, target).split(sep).slice(0, -1);
  return segments.map((_, i) => join(directory, ...segments.slice(0, i + 1)));
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await nodeFs().lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function refuseNonDirectory(path: string, stats: Stats, provider: string, operation: string): void {
  if (stats.isSymbolicLink()) {
    throw new InvalidInputError(`${path} is a symbolic link; downloads do not write through links, which could lead outside the directory`, {
      provider,
      operation,
      field: "directory",
    });
  }
  if (!stats.isDirectory()) throw new ConflictError(`${path} exists and is not a directory`, { provider, operation });
}

/**
 * Checks what already exists on the way to `target`: every directory inside `directory` must be a real directory
 * (not a symlink, which could lead anywhere), and the target must not be a directory. The directory itself may be
 * a link: the caller chose it.
 */
async function checkParents(directory: string, target: string, provider: string, operation: string): Promise<void> {
  for (const parent of parentsInside(directory, target)) {
    const stats = await lstatOrUndefined(parent);
    if (stats === undefined) return;
    refuseNonDirectory(parent, stats, provider, operation);
  }
  if ((await lstatOrUndefined(target))?.isDirectory()) throw new ConflictError(`${target} exists and is a directory`, { provider, operation });
}

/** Creates the directories to `target` one by one, refusing any that turned into a link since they were checked. */
async function makeParents(directory: string, target: string, provider: string, operation: string): Promise<void> {
  for (const parent of parentsInside(directory, target)) {
    let stats = await lstatOrUndefined(parent);
    if (stats === undefined) {
      await nodeFs()
        .mkdir(parent)
        .catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        });
      stats = await nodeFs().lstat(parent);
    }
    refuseNonDirectory(parent, stats, provider, operation);
  }
}

async function refuseExisting(paths: string[], provider: string, operation: string): Promise<void> {
  for (const path of paths) {
    // lstat, not access: a dangling symlink is something that exists too.
    const exists = (await lstatOrUndefined(path)) !== undefined;
    if (exists) {
      throw new ConflictError(`${path} already exists; pass overwrite: true to replace it`, { provider, operation });
    }
  }
}
