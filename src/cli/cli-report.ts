/**
 * `modelreg report`: one self-contained HTML page about a model (src/report), written to a file.
 *
 * The file appears whole or not at all: the page is written to a temporary file beside it, flushed to disk, and then
 * given its name in one step, so a crash, a full disk or a killed process never leaves half a report under the name a
 * reader (or a CI artifact upload) looks for. An existing file is never replaced unless `--force` says so.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { link, lstat, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConflictError } from "../core/errors.js";
import { collectReport } from "../report/collect-report.js";
import { renderReport } from "../report/render-report.js";
import { errorCode, toStorageError } from "../runtime/system-error.js";
import { openCliRegistry, positionals, UsageError, wholeNumber } from "./cli-args.js";
import { formatBytes, jsonLine, type CliIo } from "./cli-output.js";

/** The command's lines for `modelreg --help`, in the layout of the other commands there. */
export const REPORT_USAGE = `  report <uri> <model> -o FILE      one self-contained HTML page: versions, metrics chart, lineage, model card, audit trail
      --output, -o FILE               where to write it (required)
      --force                         replace FILE if it exists (by default an existing file is left alone)
      --max-versions N                read at most the newest N versions (default 500)`;

const OPERATION = "report";
const EXPECTED = "report <uri> <model> -o <file>";

/** `modelreg report <uri> <model> -o FILE [--force] [--max-versions N] [--json]` */
export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      force: { type: "boolean" },
      "max-versions": { type: "string" },
      json: { type: "boolean" },
    },
  });
  const [uri, model] = positionals(args, 2, 2, EXPECTED) as [string, string];
  if (values.output === undefined || values.output === "") throw new UsageError("report needs --output (-o) FILE: where to write the page");
  const maxVersions = wholeNumber(values["max-versions"], "--max-versions");
  const output = resolve(io.cwd, values.output);
  const force = values.force === true;
  // Checked before any request, so a mistake costs nothing; checked again, atomically, when the file is put in place.
  if (!force && (await exists(output))) throw alreadyExists(output);
  // A report only reads: a mistyped path is reported, not turned into an empty registry with an empty report.
  const registry = await openCliRegistry(uri, io, OPERATION, true);
  const data = await collectReport(registry, model, maxVersions !== undefined ? { maxVersions } : {});
  const html = renderReport(data);
  await writeWhole(output, html, force);
  const bytes = Buffer.byteLength(html);
  if (values.json) {
    jsonLine(io.stdout, {
      type: "report",
      path: output,
      versions: data.versions.length,
      versionsCapped: data.versionsCapped,
      audit: data.audit.kept,
      bytes,
    });
  } else {
    const capped = data.versionsCapped ? ` (the newest ${data.maxVersions}; the model has more)` : "";
    io.stdout.write(`wrote ${output}: ${data.versions.length} version${data.versions.length === 1 ? "" : "s"}${capped}, ${formatBytes(bytes)}\n`);
  }
  return 0;
}

function alreadyExists(path: string): ConflictError {
  return new ConflictError(`${path} already exists; pass --force to replace it`, { provider: "core", operation: OPERATION });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw storageError(error, path);
  }
}

function storageError(error: unknown, path: string): unknown {
  return toStorageError(error, { provider: "core", operation: OPERATION, describe: (p) => `the report ${p ?? path}` });
}

/** Errors of `link()` that mean the file system cannot make hard links, rather than that the name is taken. */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV", "EMLINK"]);

/**
 * Writes `text` to `path` whole or not at all: into a temporary file in the same directory (so the final rename
 * stays on one file system and is atomic), flushed, then renamed over `path` when `replace`, else hard-linked to
 * `path`, which fails if the name was taken meanwhile instead of replacing what another process just wrote.
 */
async function writeWhole(path: string, text: string, replace: boolean): Promise<void> {
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
      if (code === "EEXIST") throw alreadyExists(path);
      if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
      // No hard links here (some network and FUSE file systems): check, then rename. Only a file created in the
      // instant between the two could be replaced.
      if (await exists(path)) throw alreadyExists(path);
      await rename(temp, path);
    }
  } catch (error) {
    throw storageError(error, path);
  } finally {
    // After a rename there is nothing left to remove; after a link or a failure the temporary name goes.
    await rm(temp, { force: true });
  }
}
