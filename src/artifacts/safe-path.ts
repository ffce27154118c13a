/**
 * Joining artifact paths to a directory without letting a path from a server escape it.
 *
 * @module
 */

import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { invalidInput } from "../core/errors.js";
import { assertArtifactPath } from "../core/validation.js";

/**
 * Resolves an artifact path inside `directory`. The path is checked (no `..`, no absolute path, no backslash) and the
 * joined result is checked again, so a path from a provider can never write outside the directory.
 *
 * @param directory - The directory files go into.
 * @param path - The `/`-separated path inside a version.
 * @param operation - The operation, for the error.
 * @throws InvalidInputError when the path is unsafe.
 */
export function safeJoin(directory: string, path: string, operation: string): string {
  const checked = assertArtifactPath(path, operation);
  const root = resolve(directory);
  const target = resolve(join(root, ...checked.split("/")));
  const rel = relative(root, target);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    // Unreachable after assertArtifactPath, kept because this check is what the security promise rests on.
    throw invalidInput(operation, "path", `artifact path ${JSON.stringify(path)} leaves the target directory`);
  }
  return target;
}
