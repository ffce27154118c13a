/**
 * File-system failures of the local registry as typed errors: a full disk, a read-only mount or a missing
 * permission reaches the caller as a `StorageError` naming the operation, the file and what went wrong, never as a
 * bare `Error: ENOSPC`.
 *
 * @module
 */

import { relative } from "node:path";
import { ModelRegistryError, StorageError } from "../../core/errors.js";

/** A Node error code, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

/** Adds the file to a system error that lacks it (errors of calls on an open handle name none). */
export function namePath(error: unknown, path: string): unknown {
  if (typeof error === "object" && error !== null && errorCode(error) !== undefined && !("path" in error)) Object.assign(error, { path });
  return error;
}

const MEANING: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted (the file may be immutable or owned by someone else)",
  EIO: "the disk reported an input/output error",
  EMFILE: "too many files are open",
  ENFILE: "too many files are open on this system",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "a directory is where a file was expected",
  ENOENT: "a file or directory is missing",
  EBUSY: "the file is busy",
  EFBIG: "the file is too large for this file system",
  ENAMETOOLONG: "the path is too long",
};

/**
 * Turns a Node file-system error into a `StorageError`; a `ModelRegistryError` passes through unchanged, and so does
 * anything that is not a system error.
 *
 * @param root - The registry's root, so paths are shown relative to it.
 */
export function toStorageError(error: unknown, operation: string, root: string): unknown {
  if (ModelRegistryError.isInstance(error)) return error;
  const code = errorCode(error);
  if (code === undefined || !/^E[A-Z0-9]+$/.test(code)) return error;
  const path = typeof (error as { path?: unknown }).path === "string" ? (error as { path: string }).path : undefined;
  const where = path === undefined ? `the local registry at ${root}` : `${relative(root, path) || "."} in the local registry at ${root}`;
  const syscall = typeof (error as { syscall?: unknown }).syscall === "string" ? ` (${(error as { syscall: string }).syscall})` : "";
  return new StorageError(`cannot write or read ${where}: ${MEANING[code] ?? "a file-system call failed"} [${code}${syscall}]; nothing was changed`, {
    provider: "local",
    operation,
    code,
    ...(path !== undefined && { path }),
    // A full disk or a busy file can clear; a read-only mount or a missing permission will not by itself.
    isRetryable: code === "ENOSPC" || code === "EDQUOT" || code === "EBUSY" || code === "EMFILE" || code === "ENFILE",
    cause: error,
  });
}
