/**
 * The CLI's commands: `sync`, `promote`, `rollback` and `ls`. Each returns its exit code: 0 when it did what was
 * asked, 1 when something failed (a version that did not copy, a blocked promotion), 2 for a usage error.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { invalidInput } from "../core/errors.js";
import { parseRef } from "../core/refs.js";
import type { ModelVersion } from "../core/types.js";
import { parseStage } from "../core/validation.js";
import { metricGate } from "../lifecycle/gates.js";
import { promote } from "../lifecycle/promote.js";
import { rollback } from "../lifecycle/rollback.js";
import { describeSyncItem } from "../sync/sync-describe.js";
import { syncRegistries } from "../sync/sync-registries.js";
import { errorJson, formatBytes, jsonLine, syncEventPrinter, type CliIo } from "./cli-output.js";
import { openRegistry, parseRegistryUri } from "../sync/registry-uri.js";
import { assertRegistryExists, registryIdentity } from "./cli-locations.js";

/** A usage error: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** The positional arguments, refused unless there are between `min` and `max` of them. */
function positionals(args: string[], min: number, max: number, usage: string): string[] {
  if (args.length < min) throw new UsageError(`expected ${usage}`);
  if (args.length > max) throw new UsageError(`too many arguments; expected ${usage}`);
  return args;
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${flag} takes a whole number above 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** `modelreg sync <source-uri> <target-uri> [--model NAME]... [--versions all|aliased] [--dry-run] [--json]` */
export async function syncCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: "string", multiple: true, short: "m" },
      versions: { type: "string" },
      "dry-run": { type: "boolean" },
      "no-aliases": { type: "boolean" },
      "no-stages": { type: "boolean" },
      "source-name": { type: "string" },
      concurrency: { type: "string" },
      "fail-fast": { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const [sourceUri, targetUri] = positionals(args, 2, 2, "sync <source-uri> <target-uri>");
  if (values.versions !== undefined && values.versions !== "all" && values.versions !== "aliased") throw new UsageError('--versions is "all" or "aliased"');
  const concurrency = wholeNumber(values.concurrency, "--concurrency");
  const dryRun = values["dry-run"] === true;
  const from = parseRegistryUri(sourceUri as string, io.cwd);
  const to = parseRegistryUri(targetUri as string, io.cwd);
  // Two registry objects over one place pass the engine's own check (it can only compare objects), and would tag
  // every version as a copy of itself.
  if ((await registryIdentity(from, io.env)) === (await registryIdentity(to, io.env))) {
    throw new UsageError(`source and target are the same registry (${sourceUri} and ${targetUri}); sync copies between two registries`);
  }
  // The source is only read, and so is the target of a dry run: neither may be created by looking.
  await assertRegistryExists(from, "sync");
  if (dryRun) await assertRegistryExists(to, "sync --dry-run", "sync without --dry-run creates it");
  const source = await openRegistry(sourceUri as string, { cwd: io.cwd, env: io.env });
  const target = await openRegistry(targetUri as string, { cwd: io.cwd, env: io.env });
  const printer = syncEventPrinter(io, values.json === true);
  let report;
  try {
    report = await syncRegistries({
      source,
      target,
      ...(values.model && { models: values.model }),
      ...(values.versions && { versions: values.versions as "all" | "aliased" }),
      aliases: values["no-aliases"] !== true,
      stages: values["no-stages"] !== true,
      ...(values["source-name"] && { sourceName: values["source-name"] }),
      ...(concurrency !== undefined && { concurrency }),
      dryRun,
      failFast: values["fail-fast"] === true,
      onEvent: printer.onEvent,
    });
  } finally {
    printer.done();
  }
  const failures = report.failures.map((f) => ({ model: f.model, version: f.version, error: errorJson(f.error) }));
  if (values.json) {
    const plan = report.dryRun
      ? report.plan.items.map((i) => ({
          model: i.model,
          version: i.sourceVersion,
          action: i.action,
          ...(i.action !== "create" && i.targetVersion !== undefined && { targetVersion: i.targetVersion }),
          ...("reason" in i && { reason: i.reason }),
          ...("changes" in i && { changes: i.changes }),
          warnings: i.warnings,
        }))
      : undefined;
    jsonLine(io.stdout, {
      type: "report",
      dryRun: report.dryRun,
      counts: report.counts,
      bytesCopied: report.bytesCopied,
      durationMs: report.durationMs,
      failures,
      ...(plan && { plan }),
    });
  } else if (report.dryRun) {
    for (const i of report.plan.items) {
      io.stdout.write(`${describeSyncItem(i)}\n`);
      for (const w of i.warnings) io.stdout.write(`         warning: ${w.message}\n`);
    }
    const s = report.plan.summary;
    io.stdout.write(`dry run: ${s.create} to copy, ${s.update} to update, ${s.skip} to skip, ${s.conflict} in conflict; nothing changed\n`);
  } else {
    const c = report.counts;
    io.stdout.write(
      `synced: ${c.created} copied, ${c.updated} updated, ${c.skipped} skipped, ${c.conflicts} in conflict, ${c.failed} failed; ${formatBytes(report.bytesCopied)} in ${Math.round(report.durationMs)} ms\n`,
    );
  }
  return report.failures.length > 0 || report.counts.notStarted > 0 ? 1 : 0;
}

/** `modelreg promote <uri> <model/version> --to production|staging|alias:NAME [--gate "auc >= 0.9"]...` */
export async function promoteCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: "string" },
      gate: { type: "string", multiple: true },
      "no-policy": { type: "boolean" },
      "keep-existing": { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const [uri, refText] = positionals(args, 2, 2, "promote <uri> <model>/<version> --to <stage|alias:NAME>");
  if (!values.to) throw new UsageError("promote needs --to, a stage (staging, production) or alias:NAME");
  const to = values.to.startsWith("alias:") ? { alias: values.to.slice("alias:".length) } : parseStage(values.to, "promote");
  const ref = parseRef(refText as string, "promote");
  const gates = (values.gate ?? []).map((g) => metricGate(g));
  const registry = await openRegistry(uri as string, { cwd: io.cwd, env: io.env });
  const result = await promote(registry, ref, {
    to,
    gates,
    ...(values["no-policy"] && { policy: false }),
    ...(values["keep-existing"] && { archiveExisting: false }),
  });
  const where = typeof to === "string" ? to : `alias ${to.alias}`;
  if (values.json)
    jsonLine(io.stdout, { type: "promoted", model: result.model, version: result.version, to: where, from: result.from ?? null, gates: result.gates });
  else io.stdout.write(`promoted ${result.model}/${result.version} to ${where}${result.from ? ` (was ${result.from})` : ""}\n`);
  return 0;
}

/** `modelreg rollback <uri> <model> --stage production | --alias champion` */
export async function rollbackCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { stage: { type: "string" }, alias: { type: "string" }, json: { type: "boolean" } },
  });
  const [uri, model] = positionals(args, 2, 2, "rollback <uri> <model> --stage <stage> | --alias <alias>");
  if ((values.stage === undefined) === (values.alias === undefined)) throw new UsageError("rollback needs exactly one of --stage and --alias");
  const target = values.alias !== undefined ? { alias: values.alias } : { stage: parseStage(values.stage, "rollback") };
  const registry = await openRegistry(uri as string, { cwd: io.cwd, env: io.env });
  const result = await rollback(registry, model as string, target);
  const what = typeof result.target === "string" ? result.target : `alias ${result.target.alias}`;
  if (values.json) jsonLine(io.stdout, { type: "rolledBack", model: result.model, target: what, from: result.from, to: result.to, foundIn: result.foundIn });
  else io.stdout.write(`rolled back ${what} of ${result.model}: ${result.from} -> ${result.to}\n`);
  return 0;
}

/** `modelreg ls <uri> [model]`: the models, or one model's versions. */
export async function lsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" }, prefix: { type: "string" } } });
  const [uri, model] = positionals(args, 1, 2, "ls <uri> [model]");
  if (values.prefix && model !== undefined) throw invalidInput("ls", "prefix", "--prefix lists models; leave out the model");
  await assertRegistryExists(parseRegistryUri(uri as string, io.cwd), "ls");
  const registry = await openRegistry(uri as string, { cwd: io.cwd, env: io.env });
  // Once the reader has gone (`modelreg ls | head -1`), nothing more can be shown: stop listing, and succeed.
  const readerGone = () => io.outputClosed?.aborted === true;
  if (model === undefined) {
    for await (const m of registry.listModels(values.prefix ? { namePrefix: values.prefix } : {})) {
      if (readerGone()) break;
      if (values.json)
        jsonLine(io.stdout, { type: "model", name: m.name, latestVersion: m.latestVersion ?? null, aliases: m.aliases, description: m.description ?? null });
      else
        io.stdout.write(
          `${m.name}${m.latestVersion !== undefined ? `  latest ${m.latestVersion}` : ""}${
            Object.keys(m.aliases).length > 0
              ? `  ${Object.entries(m.aliases)
                  .map(([a, v]) => `${a}=${v}`)
                  .join(" ")}`
              : ""
          }\n`,
        );
    }
    return 0;
  }
  for await (const v of registry.listVersions(model)) {
    if (readerGone()) break;
    if (values.json) jsonLine(io.stdout, { type: "version", ...versionJson(v) });
    else io.stdout.write(`${v.model}/${v.version}  ${v.stage}${v.aliases.length > 0 ? `  @${v.aliases.join(" @")}` : ""}  ${v.createdAt.toISOString()}\n`);
  }
  return 0;
}

function versionJson(v: ModelVersion): Record<string, unknown> {
  const { raw: _raw, ...rest } = v;
  return { ...rest, createdAt: v.createdAt.toISOString(), updatedAt: v.updatedAt.toISOString() };
}
