/**
 * Files the CLI writes for the user (a model card, a report): whole or not at all, and never over a file the user
 * has unless asked to.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { link, lstat, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ConflictError } from "../core/errors.js";
import { errorCode, toStorageError } from "../runtime/system-error.js";

/** The error for a file the command would replace without `--force`. */
export function alreadyExists(path: string, operation: string): ConflictError {
  return new ConflictError(`${path} already exists; pass --force to replace it`, { provider: "core", operation });
}

/** Whether `path` exists; a failure other than "not there" is a `StorageError`. */
export async function fileExists(path: string, operation: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw toStorageError(error, { provider: "core", operation, describe: (p) => p ?? path });
  }
}

/** Errors of `link()` that mean the file system cannot make hard links, rather than that the name is taken. */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV", "EMLINK"]);

/**
 * Writes `text` to `path` whole or not at all: into a temporary file in the same directory (so the final rename
 * stays on one file system and is atomic), flushed, then renamed over `path` when `replace`, else hard-linked to
 * `path`, which fails if the name was taken meanwhile instead of replacing what another process just wrote. `what`
 * names the file in errors ("the report").
 */
export async function writeFileAtomically(path: string, text: string, replace: boolean, operation: string, what = "the file"): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(text, "utf8");
      // On disk before it gets its name: after a power cut the name must not point at an empty file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (replace) {
      await rename(temp, path);
      return;
    }
    try {
      await link(temp, path);
    } catch (error) {
      const code = errorCode(error);
      if (code === "EEXIST") throw alreadyExists(path, operation);
      if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
      // No hard links here (some network and FUSE file systems): check, then rename. Only a file created in the
      // instant between the two could be replaced.
      if (await fileExists(path, operation)) throw alreadyExists(path, operation);
      await rename(temp, path);
    }
  } catch (error) {
    throw toStorageError(error, { provider: "core", operation, describe: (p) => `${what} ${p ?? path}` });
  } finally {
    // After a rename there is nothing left to remove; after a link or a failure the temporary name goes.
    await rm(temp, { force: true });
  }
}
