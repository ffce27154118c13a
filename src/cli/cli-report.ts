/**
 * `modelreg report`: one self-contained HTML page about a model (src/report), written to a file.
 *
 * The file appears whole or not at all: the page is written to a temporary file beside it, flushed to disk, and then
 * given its name in one step, so a crash, a full disk or a killed process never leaves half a report under the name a
 * reader (or a CI artifact upload) looks for. An existing file is never replaced unless `--force` says so.
 *
 * @module
 */

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { collectReport } from "../report/collect-report.js";
import { renderReport } from "../report/render-report.js";
import { openCliRegistry, positionals, UsageError, wholeNumber } from "./cli-args.js";
import { alreadyExists, fileExists, writeFileAtomically } from "./cli-files.js";
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
  if (!force && (await fileExists(output, OPERATION))) throw alreadyExists(output, OPERATION);
  // A report only reads: a mistyped path is reported, not turned into an empty registry with an empty report.
  const registry = await openCliRegistry(uri, io, OPERATION, true);
  const data = await collectReport(registry, model, maxVersions !== undefined ? { maxVersions } : {});
  const html = renderReport(data);
  await writeFileAtomically(output, html, force, OPERATION, "the report");
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
