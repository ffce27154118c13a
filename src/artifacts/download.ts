/**
 * Downloading a version's files into a directory: streamed, verified, and all-or-nothing.
 *
 * @module
 */

import { DEFAULT_TRANSFER_CONCURRENCY } from "../core/options.js";
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { access, mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ByteStream, TransferProgress } from "../core/artifact-source.js";
import { AbortedError, ConflictError, IntegrityError, ModelRegistryError, throwIfAborted } from "../core/errors.js";
import type { ArtifactFile } from "../core/types.js";
import { mapLimit } from "../core/concurrency.js";
import { iterateBytes } from "./byte-streams.js";
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
  /** Files in flight at once. Default {@link DEFAULT_TRANSFER_CONCURRENCY}. */
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
 */
export async function downloadToDirectory(options: DownloadToDirectoryOptions): Promise<DownloadedFiles> {
  const { provider, operation } = options;
  const directory = resolve(options.directory);
  const targets = options.files.map((file) => ({ file, target: safeJoin(directory, file.path, operation) }));
  throwIfAborted(options.signal, provider, operation);
  if (!options.overwrite) await refuseExisting(targets.map((t) => t.target), provider, operation);

  await mkdir(directory, { recursive: true });
  const staging = join(directory, `.modelreg-download-${randomUUID()}`);
  await mkdir(staging);
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
      const source = iterateBytes(await options.open(file, controller.signal));
      const signal = controller.signal;
      async function* counted() {
        for await (const chunk of source) {
          if (signal.aborted) throw signal.reason;
          digest.update(chunk);
          tick(digest.size);
          yield chunk;
        }
      }
      await pipeline(counted, createWriteStream(staged) as Writable);
      const result = digest.digest();
      verify(file, result, provider, operation);
      return { path: file.path, size: result.size, ...(result.sha256 !== undefined && { sha256: result.sha256 }), ...(result.md5 !== undefined && { md5: result.md5 }) };
    };
    const written = await mapLimit(targets, options.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, async (item, index) => {
      try {
        return await fetchOne(item.file, join(staging, String(index)));
      } catch (error) {
        // Stop the other files in flight: the download has failed as a whole.
        controller.abort(error);
        throw error;
      }
    });
    throwIfAborted(options.signal, provider, operation);
    if (!options.overwrite) await refuseExisting(targets.map((t) => t.target), provider, operation);
    for (const [index, { target }] of targets.entries()) {
      await mkdir(dirname(target), { recursive: true });
      await rename(join(staging, String(index)), target);
    }
    return { directory, files: written, totalBytes: written.reduce((n, f) => n + (f.size ?? 0), 0) };
  } catch (error) {
    if (options.signal?.aborted) throw new AbortedError("download aborted by the caller's signal", { provider, operation, cause: options.signal.reason });
    if (ModelRegistryError.isInstance(error)) throw error;
    // A disk or stream failure that no adapter classified: keep its message, mark the type as ours.
    throw new ModelRegistryError(`could not download into ${directory}: ${(error as Error).message}`, { provider, operation, cause: error });
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await rm(staging, { recursive: true, force: true });
  }
}

function verify(file: ArtifactFile, got: SomeDigests, provider: string, operation: string): void {
  const problem = digestMismatch(file, got);
  if (problem) throw new IntegrityError(`${JSON.stringify(file.path)} arrived corrupted: ${problem}`, { provider, operation });
}

async function refuseExisting(paths: string[], provider: string, operation: string): Promise<void> {
  for (const path of paths) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new ConflictError(`${path} already exists; pass overwrite: true to replace it`, { provider, operation });
    }
  }
}

