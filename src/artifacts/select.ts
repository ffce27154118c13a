/**
 * Choosing which of a version's files a download takes.
 *
 * @module
 */

import { NotFoundError } from "../core/errors.js";
import type { ArtifactFile } from "../core/types.js";
import { assertArtifactPath, preview } from "../core/validation.js";

/** All files, or the ones named in `paths`; a name that is not a file of the version is `NotFoundError`. */
export function selectFiles<F extends ArtifactFile>(
  files: readonly F[],
  paths: readonly string[] | undefined,
  label: string,
  context: { provider: string; operation: string },
): F[] {
  if (paths === undefined) return [...files];
  return paths.map((path, i) => {
    assertArtifactPath(path, context.operation, `paths[${i}]`);
    const file = files.find((f) => f.path === path);
    if (!file) throw new NotFoundError(`${label} has no file ${preview(path)}`, context);
    return file;
  });
}
