/**
 * File-system failures of the local registry as typed errors (src/runtime/system-error.ts), with paths shown
 * relative to the registry's root.
 *
 * @module
 */

import { relative } from "node:path";
import { errorCode, toStorageError as systemToStorageError } from "../../runtime/system-error.js";

export { errorCode };

/** Adds the file to a system error that lacks it (errors of calls on an open handle name none). */
export function namePath(error: unknown, path: string): unknown {
  if (typeof error === "object" && error !== null && errorCode(error) !== undefined && !("path" in error)) Object.assign(error, { path });
  return error;
}

/**
 * Turns a Node file-system error into a `StorageError` of the local registry; a `ModelRegistryError` passes through
 * unchanged, and so does anything that is not a system error.
 *
 * @param root - The registry's root, so paths are shown relative to it.
 */
export function toStorageError(error: unknown, operation: string, root: string): unknown {
  return systemToStorageError(error, {
    provider: "local",
    operation,
    describe: (path) => (path === undefined ? `the local registry at ${root}` : `${relative(root, path) || "."} in the local registry at ${root}`),
  });
}
