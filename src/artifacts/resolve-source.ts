/**
 * Turning an {@link ArtifactSource} (a directory, a list of files, or entries) into a sorted list of files that can
 * each be opened as a stream, as often as needed (hash first, upload after, retry).
 *
 * @module
 */

import type { Stats } from "node:fs";
import { nodeFs, nodeFsSync } from "../runtime/builtins.js";
import { basename, join } from "node:path";
import type { ArtifactEntry, ArtifactSource } from "../core/artifact-source.js";
import { IntegrityError, InvalidInputError, NotFoundError } from "../core/errors.js";
import { assertArtifactPath, preview } from "../core/validation.js";
import { iterateBytes } from "./byte-streams.js";
import { compareBytes, digestMismatch } from "./hashing.js";
import { errorCode } from "../runtime/system-error.js";

/** One file of a source, ready to read. */
export interface ResolvedArtifact {
  /** The path inside the version. */
  path: string;
  /** The size in bytes, when known before reading. */
  size: number | undefined;
  /** Opens a fresh stream of the file's bytes. */
  open(): AsyncIterable<Uint8Array>;
  /** The SHA-256 the caller expects, checked by the adapter against what it stored. */
  sha256?: string;
  /**
   * A file modelreg wrote itself (sync's spool), with the MD5 (base64) it computed over the bytes as it wrote them;
   * the entry's `sha256` was computed (or checked) on the same pass. A store on the same file system may hard-link
   * it instead of copying and hashing it again; otherwise it may record this MD5 once its own SHA-256 of what it
   * stored equals `sha256`. Never taken from user input: see {@link SPOOLED}.
   */
  spooled?: SpooledFile;
}

/** See {@link ResolvedArtifact.spooled}. */
export interface SpooledFile {
  /** The absolute path of the spool file; it stays until the operation that made it ends. */
  file: string;
  /** Its MD5, base64. */
  md5: string;
}

/**
 * Where sync puts the {@link SpooledFile} of an entry it builds. A symbol no caller can spell, so what a user passes
 * is never trusted this way.
 */
export const SPOOLED: unique symbol = Symbol("modelreg.spooled");

/**
 * Throws `IntegrityError` when a file's bytes did not have the SHA-256 (or size) its source declared. Adapters call it
 * with the digests they computed while storing the file, before the version exists.
 */
export function checkExpected(file: ResolvedArtifact, got: { size: number; sha256: string }, context: Context): void {
  const problem = digestMismatch(file, got);
  if (problem) throw new IntegrityError(`${JSON.stringify(file.path)} did not arrive as declared: ${problem}`, context);
}

interface Context {
  provider: string;
  operation: string;
}

/**
 * Checks and lists a source's files, sorted by path. Refuses, before any byte is read: an empty source, an unsafe or
 * duplicate path, a special file, a missing file, and a symbolic link (named in `files`, as the `directory`, or met
 * while walking it) unless the source says `followSymlinks: true`; then links to regular files and directories are
 * followed, a dangling one is `NotFoundError` and one leading back into the walk is refused as a cycle.
 *
 * @param source - What the caller gave as `artifacts`.
 * @param context - The provider and operation, for errors.
 */
export async function resolveArtifactSource(source: ArtifactSource, context: Context): Promise<ResolvedArtifact[]> {
  const invalid = (field: string, message: string) => new InvalidInputError(message, { ...context, field });
  if (typeof source !== "object" || source === null) throw invalid("artifacts", "artifacts must be { directory }, { files } or { entries }");
  let files: ResolvedArtifact[];
  if ("directory" in source) {
    if (typeof source.directory !== "string" || source.directory === "") throw invalid("artifacts.directory", "artifacts.directory must be a path");
    files = await walkDirectory(source.directory, followOf(source, context), context);
  } else if ("files" in source) {
    if (!Array.isArray(source.files)) throw invalid("artifacts.files", "artifacts.files must be an array");
    const follow = followOf(source, context);
    files = await Promise.all(source.files.map((spec, i) => fromFile(spec, i, follow, context)));
  } else if ("entries" in source) {
    if (!Array.isArray(source.entries)) throw invalid("artifacts.entries", "artifacts.entries must be an array");
    files = source.entries.map((entry, i) => fromEntry(entry, i, context));
  } else {
    throw invalid("artifacts", "artifacts must be { directory }, { files } or { entries }");
  }
  if (files.length === 0) throw invalid("artifacts", "a version needs at least one file");
  files.sort((a, b) => compareBytes(a.path, b.path));
  for (let i = 1; i < files.length; i++) {
    if (files[i]?.path === files[i - 1]?.path) throw invalid("artifacts", `two files have the path ${preview(files[i]?.path)}`);
  }
  return files;
}

/** The source's `followSymlinks`, refused unless it is a boolean (a string "false" must not mean yes). */
function followOf(source: { followSymlinks?: unknown }, context: Context): boolean {
  const follow = source.followSymlinks ?? false;
  if (typeof follow !== "boolean")
    throw new InvalidInputError("artifacts.followSymlinks must be true or false", { ...context, field: "artifacts.followSymlinks" });
  return follow;
}

function fromEntry(entry: ArtifactEntry, index: number, context: Context): ResolvedArtifact {
  const field = `artifacts.entries[${index}]`;
  if (typeof entry !== "object" || entry === null) throw new InvalidInputError(`${field} must be an object`, { ...context, field });
  const path = assertArtifactPath(entry.path, context.operation, `${field}.path`);
  if ("content" in entry) {
    const { content } = entry;
    if (typeof content !== "string" && !(content instanceof Uint8Array)) {
      throw new InvalidInputError(`${field}.content must be a string or a Uint8Array`, { ...context, field: `${field}.content` });
    }
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    return { path, size: bytes.byteLength, open: () => single(bytes) };
  }
  if (typeof entry.open !== "function") {
    throw new InvalidInputError(`${field} needs \`content\` or an \`open\` function`, { ...context, field });
  }
  if (entry.size !== undefined && !(Number.isSafeInteger(entry.size) && entry.size >= 0)) {
    throw new InvalidInputError(`${field}.size must be a whole number of bytes`, { ...context, field: `${field}.size` });
  }
  if (entry.sha256 !== undefined && (typeof entry.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(entry.sha256))) {
    throw new InvalidInputError(`${field}.sha256 must be 64 lowercase hex digits`, { ...context, field: `${field}.sha256` });
  }
  const open = entry.open;
  const spooled = (entry as { [SPOOLED]?: SpooledFile })[SPOOLED];
  return {
    path,
    size: entry.size,
    ...(entry.sha256 !== undefined && { sha256: entry.sha256 }),
    ...(entry.sha256 !== undefined && entry.size !== undefined && spooled !== undefined && { spooled }),
    async *open() {
      yield* iterateBytes(await open());
    },
  };
}

/** Why a link was refused, and how to ask for it to be followed. */
const FOLLOW_HINT = "pass followSymlinks: true on the artifact source to upload what it points to";

// The open itself refuses a link, so a file swapped for a link after it was checked is not read through it. Windows
// has no such flag; there the check before the open is what holds.
const noFollow = () => nodeFs().constants.O_RDONLY | (nodeFs().constants.O_NOFOLLOW ?? 0);

/**
 * What a path on disk is, links resolved only when `follow` is set. A link is refused without `follow`; with it, a
 * dangling link is `NotFoundError` and a link loop (`ELOOP`) is refused as a cycle.
 */
async function inspect(full: string, shown: string, follow: boolean, context: Context, field: string): Promise<Stats> {
  let info: Stats;
  try {
    info = await nodeFs().lstat(full);
  } catch {
    throw new NotFoundError(`${shown} does not exist or cannot be read`, context);
  }
  if (!info.isSymbolicLink()) return info;
  if (!follow) throw new InvalidInputError(`${shown} is a symbolic link, which is not uploaded by default; ${FOLLOW_HINT}`, { ...context, field });
  try {
    return await nodeFs().stat(full);
  } catch (error) {
    if (errorCode(error) === "ELOOP") throw new InvalidInputError(`${shown} is a symbolic link that leads back to itself (a cycle)`, { ...context, field });
    throw new NotFoundError(`${shown} is a symbolic link to something that does not exist or cannot be read`, context);
  }
}

async function fromFile(spec: string | { file: string; path?: string }, index: number, follow: boolean, context: Context): Promise<ResolvedArtifact> {
  const field = `artifacts.files[${index}]`;
  const file = typeof spec === "string" ? spec : spec?.file;
  if (typeof file !== "string" || file === "") throw new InvalidInputError(`${field} must be a path or { file, path }`, { ...context, field });
  const path = assertArtifactPath(typeof spec === "string" || spec.path === undefined ? basename(file) : spec.path, context.operation, `${field}.path`);
  const info = await inspect(file, `the file ${preview(file)}`, follow, context, field);
  if (!info.isFile()) throw new InvalidInputError(`${preview(file)} is not a regular file`, { ...context, field });
  return { path, size: info.size, open: () => readFile(file, follow, context) };
}

async function walkDirectory(directory: string, follow: boolean, context: Context): Promise<ResolvedArtifact[]> {
  const field = "artifacts.directory";
  const info = await inspect(directory, `the directory ${preview(directory)}`, follow, context, field);
  if (!info.isDirectory()) throw new InvalidInputError(`${preview(directory)} is not a directory`, { ...context, field });
  const out: ResolvedArtifact[] = [];
  // The directories being walked, by device and inode: a followed link to one of them would make the walk endless.
  async function walk(dir: string, prefix: string, ancestors: ReadonlySet<string>): Promise<void> {
    for await (const entry of await nodeFs().opendir(dir)) {
      const full = join(dir, entry.name);
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      const shown = `${preview(path)} in the artifact directory`;
      // Without following, a link never gets this far: inspect refuses it, whatever it points at.
      const target = entry.isSymbolicLink() ? await inspect(full, shown, follow, context, field) : undefined;
      if (target ? target.isDirectory() : entry.isDirectory()) {
        const here = target ?? (await nodeFs().stat(full));
        const id = `${here.dev}:${here.ino}`;
        if (ancestors.has(id)) throw new InvalidInputError(`${shown} is a symbolic link to a directory that contains it (a cycle)`, { ...context, field });
        await walk(full, path, new Set([...ancestors, id]));
      } else if (target ? target.isFile() : entry.isFile()) {
        const checked = assertArtifactPath(path, context.operation, field);
        const { size } = target ?? (await nodeFs().lstat(full));
        out.push({ path: checked, size, open: () => readFile(full, follow, context) });
      } else {
        // A device, socket or pipe (or a link to one) has no fixed content to register; refusing says so.
        throw new InvalidInputError(`${shown} is not a regular file; only regular files can be registered`, { ...context, field });
      }
    }
  }
  await walk(directory, "", new Set([`${info.dev}:${info.ino}`]));
  return out;
}

async function* readFile(file: string, follow: boolean, context: Context): AsyncGenerator<Uint8Array> {
  const fs = nodeFsSync();
  let fd: number;
  try {
    // A descriptor from the callback API, not a FileHandle: creating a FileHandle cost about 0.5 ms of CPU, a
    // sizeable share of a small file's upload (bench/transfer.ts, 1,000 x 100 KiB, `node --cpu-prof`).
    fd = await new Promise<number>((resolve, reject) =>
      fs.open(file, follow ? fs.constants.O_RDONLY : noFollow(), (error, opened) => (error ? reject(error) : resolve(opened))),
    );
  } catch (error) {
    // ELOOP from O_NOFOLLOW: the file was replaced by a link between the check and the read.
    if (errorCode(error) === "ELOOP")
      throw new InvalidInputError(`${preview(file)} became a symbolic link after it was checked; ${FOLLOW_HINT}`, { ...context, field: "artifacts" });
    throw error;
  }
  // 1 MiB reads: fewer syscalls than the 64 KiB default, still a flat memory profile. The stream closes the handle.
  yield* fs.createReadStream("", { fd, highWaterMark: 1024 * 1024 });
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
