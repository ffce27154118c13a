/**
 * System (file-system) errors as typed errors: a full disk, a read-only mount or a missing permission reaches the
 * caller as a `StorageError` naming the operation, the file and what went wrong, never as a bare `Error: ENOSPC`.
 * Shared by the local registry and by downloads into a directory.
 *
 * @module
 */

import { ModelRegistryError, StorageError } from "../core/errors.js";

/** A Node error code, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
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

/** Where a failed call was, and who asks. */
export interface StorageErrorContext {
  /** The provider, for the error. */
  provider: string;
  /** The operation, for the error. */
  operation: string;
  /** How to name the place in the message, given the failed call's path when it has one. */
  describe: (path: string | undefined) => string;
}

/**
 * Turns a Node system error into a `StorageError`; a `ModelRegistryError` passes through unchanged, and so does
 * anything that is not a system error.
 */
export function toStorageError(error: unknown, context: StorageErrorContext): unknown {
  if (ModelRegistryError.isInstance(error)) return error;
  const code = errorCode(error);
  if (code === undefined || !/^E[A-Z0-9]+$/.test(code)) return error;
  const path = typeof (error as { path?: unknown }).path === "string" ? (error as { path: string }).path : undefined;
  const syscall = typeof (error as { syscall?: unknown }).syscall === "string" ? ` (${(error as { syscall: string }).syscall})` : "";
  return new StorageError(
    `cannot write or read ${context.describe(path)}: ${MEANING[code] ?? "a file-system call failed"} [${code}${syscall}]; nothing was changed`,
    {
      provider: context.provider,
      operation: context.operation,
      code,
      ...(path !== undefined && { path }),
      // A full disk or a busy file can clear; a read-only mount or a missing permission will not by itself.
      isRetryable: code === "ENOSPC" || code === "EDQUOT" || code === "EBUSY" || code === "EMFILE" || code === "ENFILE",
      cause: error,
    },
  );
}
