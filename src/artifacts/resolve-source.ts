/**
 * Turning an {@link ArtifactSource} (a directory, a list of files, or entries) into a sorted list of files that can
 * each be opened as a stream, as often as needed (hash first, upload after, retry).
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { lstat, opendir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { ArtifactEntry, ArtifactSource } from "../core/artifact-source.js";
import { IntegrityError, InvalidInputError, NotFoundError } from "../core/errors.js";
import { assertArtifactPath, preview } from "../core/validation.js";
import { iterateBytes } from "./byte-streams.js";
import { compareBytes, digestMismatch } from "./hashing.js";

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
}

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
 * duplicate path, a symbolic link or special file in a directory, and a missing file.
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
    files = await walkDirectory(source.directory, context);
  } else if ("files" in source) {
    if (!Array.isArray(source.files)) throw invalid("artifacts.files", "artifacts.files must be an array");
    files = await Promise.all(source.files.map((spec, i) => fromFile(spec, i, context)));
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
  return {
    path,
    size: entry.size,
    ...(entry.sha256 !== undefined && { sha256: entry.sha256 }),
    async *open() {
      yield* iterateBytes(await open());
    },
  };
}

async function fromFile(spec: string | { file: string; path?: string }, index: number, context: Context): Promise<ResolvedArtifact> {
  const field = `artifacts.files[${index}]`;
  const file = typeof spec === "string" ? spec : spec?.file;
  if (typeof file !== "string" || file === "") throw new InvalidInputError(`${field} must be a path or { file, path }`, { ...context, field });
  const path = assertArtifactPath(typeof spec === "string" || spec.path === undefined ? basename(file) : spec.path, context.operation, `${field}.path`);
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new NotFoundError(`the file ${preview(file)} does not exist or cannot be read`, context);
  }
  if (!info.isFile()) throw new InvalidInputError(`${preview(file)} is not a regular file`, { ...context, field });
  return { path, size: info.size, open: () => readFile(file) };
}

async function walkDirectory(directory: string, context: Context): Promise<ResolvedArtifact[]> {
  let info;
  try {
    info = await stat(directory);
  } catch {
    throw new NotFoundError(`the directory ${preview(directory)} does not exist or cannot be read`, context);
  }
  if (!info.isDirectory()) throw new InvalidInputError(`${preview(directory)} is not a directory`, { ...context, field: "artifacts.directory" });
  const out: ResolvedArtifact[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    for await (const entry of await opendir(dir)) {
      const full = join(dir, entry.name);
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await walk(full, path);
      } else if (entry.isFile()) {
        const checked = assertArtifactPath(path, context.operation, "artifacts.directory");
        const { size } = await lstat(full);
        out.push({ path: checked, size, open: () => readFile(full) });
      } else {
        // A link could point outside the directory or at a device; refusing says so instead of silently skipping.
        const what = entry.isSymbolicLink() ? "a symbolic link" : "not a regular file";
        throw new InvalidInputError(`${preview(path)} in the artifact directory is ${what}; only regular files can be registered`, {
          ...context,
          field: "artifacts.directory",
        });
      }
    }
  }
  await walk(directory, "");
  return out;
}

async function* readFile(file: string): AsyncGenerator<Uint8Array> {
  // 1 MiB reads: fewer syscalls than the 64 KiB default, still a flat memory profile.
  yield* createReadStream(file, { highWaterMark: 1024 * 1024 });
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
