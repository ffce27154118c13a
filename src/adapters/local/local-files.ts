/**
 * Reading and writing the local registry's JSON files: every write goes to a temp file and is renamed into place, so
 * a reader sees the old file or the new one, never half of one; every read is checked.
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import type * as z from "zod/mini";
import { CorruptDataError } from "../../core/errors.js";
import { errorCode, toStorageError } from "./local-errors.js";
import { tempName, type LocalPaths } from "./local-paths.js";
import { LOCAL_FORMAT, localSchemas } from "./local-schemas.js";
import { nodeFs } from "../../runtime/builtins.js";

const PROVIDER = "local";

export { errorCode } from "./local-errors.js";

/**
 * Reads and checks a JSON record. Returns `undefined` when the file does not exist.
 *
 * @throws CorruptDataError when the file is not JSON or not the expected record.
 */
export async function readRecord<S extends z.ZodMiniType>(
  paths: LocalPaths,
  file: string,
  schema: S,
  what: string,
  operation: string,
): Promise<z.output<S> | undefined> {
  let text: string;
  try {
    text = await nodeFs().readFile(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw toStorageError(error, operation, paths.root);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt(paths, file, what, "it is not valid JSON", operation);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw corrupt(paths, file, what, `${issue?.message ?? "unexpected shape"}${where}`, operation);
  }
  return parsed.data;
}

function corrupt(paths: LocalPaths, file: string, what: string, why: string, operation: string): CorruptDataError {
  return new CorruptDataError(
    `${describe(paths, file)} is not a valid ${what} (${why}); it was changed outside modelreg or is damaged. Restore it from a backup or remove it`,
    { provider: PROVIDER, operation },
  );
}

/** A path relative to the root, for messages that are useful without leaking the whole home directory layout. */
export function describe(paths: LocalPaths, file: string): string {
  return `${relative(paths.root, file) || "."} in the local registry at ${paths.root}`;
}

/**
 * Writes JSON to a path that must not exist yet. `link` fails with `EEXIST` instead of replacing, which is what makes
 * a version number a claim two processes cannot both win.
 *
 * @returns false when the path already existed.
 */
export async function writeRecordExclusive(paths: LocalPaths, file: string, value: unknown): Promise<boolean> {
  const temp = await writeTemp(paths, `${JSON.stringify(value, null, 2)}\n`);
  try {
    await nodeFs().mkdir(dirname(file), { recursive: true });
    await nodeFs().link(temp, file);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  } finally {
    await nodeFs().rm(temp, { force: true });
  }
}

/**
 * Writes text to a new temp file and flushes it to disk, so a rename of it never makes a record that a power cut
 * could leave empty. A failed write removes the file.
 */
export async function writeTemp(paths: LocalPaths, text: string, prefix = "record"): Promise<string> {
  const temp = join(paths.tmp, tempName(prefix, ".json"));
  try {
    const handle = await nodeFs().open(temp, "wx");
    try {
      await handle.writeFile(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await nodeFs()
      .rm(temp, { force: true })
      .catch(() => undefined);
    throw error;
  }
  return temp;
}

/** Removes a directory tree by first renaming it into tmp, so it vanishes from readers at once. */
export async function removeTree(paths: LocalPaths, dir: string): Promise<void> {
  const trash = join(paths.tmp, tempName("trash"));
  try {
    await nodeFs().rename(dir, trash);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  await nodeFs().rm(trash, { recursive: true, force: true });
}

/**
 * Makes sure `root` is a local registry: creates it when missing or empty, accepts it when it carries our format
 * marker, and refuses anything else so a mistyped path never fills someone's directory with our files.
 *
 * @throws CorruptDataError for a foreign directory or another format version.
 */
export async function openRoot(paths: LocalPaths, operation: string): Promise<void> {
  const { marker } = localSchemas();
  const found = await readRecord(paths, paths.marker, marker, "modelreg registry marker", operation);
  if (found === undefined) {
    let entries: string[] = [];
    try {
      entries = await nodeFs().readdir(paths.root);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    }
    // The marker is in the list: another process may have written it since we looked.
    const ours = new Set(["modelreg.json", "tmp", "models", "locks", "audit", "blobs", "journal"]);
    if (entries.some((e) => !ours.has(e))) {
      throw new CorruptDataError(`${paths.root} is not empty and is not a modelreg local registry (no modelreg.json); choose an empty or new directory`, {
        provider: PROVIDER,
        operation,
      });
    }
    for (const dir of [paths.tmp, paths.models, paths.locks, paths.journals, dirname(paths.auditLog)]) await nodeFs().mkdir(dir, { recursive: true });
    // Exclusive: when two processes initialise the same root, one writes the marker and both use it.
    if (!(await writeRecordExclusive(paths, paths.marker, LOCAL_FORMAT))) await openRoot(paths, operation);
    return;
  }
  if (found.version !== LOCAL_FORMAT.version) {
    throw new CorruptDataError(`${paths.root} holds local registry format ${found.version}; this modelreg reads format ${LOCAL_FORMAT.version}`, {
      provider: PROVIDER,
      operation,
    });
  }
  for (const dir of [paths.tmp, paths.models, paths.locks, paths.journals, dirname(paths.auditLog)]) await nodeFs().mkdir(dir, { recursive: true });
}

/** Whether a path exists; any error but "not there" is thrown. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await nodeFs().access(path);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}
