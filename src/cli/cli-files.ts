/**
 * Files the CLI writes for the user (a model card, a report): whole or not at all.
 *
 * @module
 */

import { writeFile } from "node:fs/promises";
import { ConflictError } from "../core/errors.js";
import { errorCode, toStorageError } from "../runtime/system-error.js";

/** Writes `text` to `path`; an existing file is a `ConflictError` unless `replace`. */
export async function writeFileAtomically(path: string, text: string, replace: boolean, operation: string): Promise<void> {
  try {
    await writeFile(path, text, { flag: replace ? "w" : "wx" });
  } catch (error) {
    if (errorCode(error) === "EEXIST") throw new ConflictError(`${path} exists; pass --force to replace it`, { provider: "cli", operation });
    throw toStorageError(error, { provider: "cli", operation, describe: () => path });
  }
}
