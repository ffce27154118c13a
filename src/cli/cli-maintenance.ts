/**
 * The local registry's upkeep from the command line: `verify` (report what is wrong) and `gc` (reclaim what crashes
 * left). Both need an existing local registry: they never create one.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createLocalRegistry } from "../adapters/local/local-registry.js";
import { parseRegistryUri } from "../sync/registry-uri.js";
import { UsageError } from "./cli-args.js";
import { assertRegistryExists } from "./cli-locations.js";
import { formatBytes, jsonLine, type CliIo } from "./cli-output.js";

async function openExistingLocal(uri: string | undefined, command: string, io: CliIo) {
  if (uri === undefined) throw new UsageError(`expected ${command} file:<directory>`);
  const location = parseRegistryUri(uri, io.cwd);
  if (location.kind !== "local")
    throw new UsageError(`${command} works on a local registry (file:<directory>); ${location.kind} registries check their own storage`);
  // Checking never creates: a mistyped path is reported, not turned into an empty registry that "verifies".
  await assertRegistryExists(location, command);
  return createLocalRegistry({ root: location.root });
}

/** `modelreg verify file:<dir> [--deep] [--json]`: exit 0 when sound, 1 when an error was found. */
export async function verifyCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { deep: { type: "boolean" }, json: { type: "boolean" } } });
  if (positionals.length > 1) throw new UsageError("too many arguments; expected verify file:<directory>");
  const registry = await openExistingLocal(positionals[0], "verify", io);
  const report = await registry.verify({ deep: values.deep === true });
  if (values.json) {
    for (const p of report.problems) jsonLine(io.stdout, { type: "problem", ...p });
    jsonLine(io.stdout, { type: "report", ok: report.ok, checked: report.checked, problems: report.problems.length });
  } else {
    for (const p of report.problems) io.stdout.write(`${p.severity.padEnd(8)} ${p.kind.padEnd(20)} ${p.path}: ${p.message}\n`);
    const c = report.checked;
    const leftovers = report.problems.filter((p) => p.severity === "leftover").length;
    io.stdout.write(
      `${report.ok ? "ok" : "damaged"}: ${c.models} models, ${c.versions} versions, ${c.blobs} blobs, ${c.auditEvents} audit events checked; ` +
        `${report.problems.length - leftovers} errors, ${leftovers} leftovers${leftovers > 0 ? " (modelreg gc reclaims them)" : ""}\n`,
    );
  }
  return report.ok ? 0 : 1;
}

/** `modelreg gc file:<dir> [--dry-run] [--json]` */
export async function gcCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { "dry-run": { type: "boolean" }, json: { type: "boolean" } } });
  if (positionals.length > 1) throw new UsageError("too many arguments; expected gc file:<directory>");
  const registry = await openExistingLocal(positionals[0], "gc", io);
  const report = await registry.gc({ dryRun: values["dry-run"] === true });
  if (values.json) {
    for (const item of report.items) jsonLine(io.stdout, { type: report.dryRun ? "wouldRemove" : "removed", ...item });
    jsonLine(io.stdout, { type: "report", dryRun: report.dryRun, items: report.items.length, bytes: report.bytes });
  } else {
    for (const item of report.items)
      io.stdout.write(
        `${report.dryRun ? "would remove" : "removed"} ${item.kind.padEnd(5)} ${item.path}${item.bytes > 0 ? ` (${formatBytes(item.bytes)})` : ""}\n`,
      );
    io.stdout.write(`${report.dryRun ? "dry run: would free" : "freed"} ${formatBytes(report.bytes)} in ${report.items.length} items\n`);
  }
  return 0;
}
