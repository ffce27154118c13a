/**
 * The CLI's commands that move versions between registries and stages: `sync`, `promote`, `rollback` and `ls`. Each
 * returns its exit code: 0 when it did what was asked, 1 when something failed (a version that did not copy, a
 * blocked promotion), 2 for a usage error.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { invalidInput } from "../core/errors.js";
import { parseRef } from "../core/refs.js";
import { parseStage } from "../core/validation.js";
import { metricGate } from "../lifecycle/gates.js";
import { checkPromotion, promote } from "../lifecycle/promote.js";
import { rollback } from "../lifecycle/rollback.js";
import { describeSyncItem } from "../sync/sync-describe.js";
import { syncRegistries } from "../sync/sync-registries.js";
import { openCliRegistry, positionals, UsageError, versionJson, wholeNumber } from "./cli-args.js";

export { UsageError } from "./cli-args.js";
import { errorJson, formatBytes, jsonLine, syncEventPrinter, type CliIo } from "./cli-output.js";
import { openRegistry, parseRegistryUri } from "../sync/registry-uri.js";
import { assertRegistryExists, registryIdentity } from "./cli-locations.js";

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

/** `modelreg promote <uri> <model/version> --to production|staging|alias:NAME [--gate "auc >= 0.9"]... [--dry-run]` */
export async function promoteCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: "string" },
      gate: { type: "string", multiple: true },
      "no-policy": { type: "boolean" },
      "keep-existing": { type: "boolean" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const [uri, refText] = positionals(args, 2, 2, "promote <uri> <model>/<version> --to <stage|alias:NAME>");
  if (!values.to) throw new UsageError("promote needs --to, a stage (staging, production) or alias:NAME");
  const to = values.to.startsWith("alias:") ? { alias: values.to.slice("alias:".length) } : parseStage(values.to, "promote");
  const ref = parseRef(refText as string, "promote");
  const gates = (values.gate ?? []).map((g) => metricGate(g));
  const options = {
    to,
    gates,
    ...(values["no-policy"] && { policy: false as const }),
    ...(values["keep-existing"] && { archiveExisting: false }),
  };
  const where = typeof to === "string" ? to : `alias ${to.alias}`;
  if (values["dry-run"]) {
    // The gates and the policy's approvals, run against the registry as it is: nothing is written, no event recorded.
    const registry = await openCliRegistry(uri as string, io, "promote --dry-run", true);
    const check = await checkPromotion(registry, ref, options);
    if (values.json)
      jsonLine(io.stdout, {
        type: "promotionCheck",
        model: check.model,
        version: check.version,
        to: where,
        from: check.from ?? null,
        allowed: check.allowed,
        gates: check.gates,
        approvals: check.approvals,
        failures: check.failures,
      });
    else {
      io.stdout.write(
        `${check.allowed ? "would promote" : "would NOT promote"} ${check.model}/${check.version} to ${where}${check.from ? ` (now ${check.from})` : ""}\n`,
      );
      for (const g of check.gates) io.stdout.write(`  ${g.passed ? "pass" : "FAIL"}  ${g.name}${g.message ? `: ${g.message}` : ""}\n`);
      for (const f of check.failures.filter((f) => !check.gates.some((g) => g.name === f.gate))) io.stdout.write(`  FAIL  ${f.gate}: ${f.reason}\n`);
      io.stdout.write("dry run: nothing changed\n");
    }
    return check.allowed ? 0 : 1;
  }
  const registry = await openCliRegistry(uri as string, io, "promote", false);
  const result = await promote(registry, ref, options);
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
  const registry = await openCliRegistry(uri as string, io, "rollback", false);
  const result = await rollback(registry, model as string, target);
  const what = typeof result.target === "string" ? result.target : `alias ${result.target.alias}`;
  if (values.json) jsonLine(io.stdout, { type: "rolledBack", model: result.model, target: what, from: result.from, to: result.to, foundIn: result.foundIn });
  else io.stdout.write(`rolled back ${what} of ${result.model}: ${result.from} -> ${result.to}\n`);
  return 0;
}

/** Metrics `ls` shows per version when `--metric` names none: the first few by name, so rows line up. */
const HEADLINE_METRICS = 3;

/** `modelreg ls <uri> [model] [--metric auc]... [--order-by auc|loss:asc] [--stage S]`: the models, or one model's versions. */
export async function lsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      prefix: { type: "string" },
      metric: { type: "string", multiple: true },
      "order-by": { type: "string" },
      stage: { type: "string" },
    },
  });
  const [uri, model] = positionals(args, 1, 2, "ls <uri> [model]");
  if (values.prefix && model !== undefined) throw invalidInput("ls", "prefix", "--prefix lists models; leave out the model");
  if (model === undefined && (values.metric || values["order-by"] || values.stage))
    throw new UsageError("--metric, --order-by and --stage list one model's versions; name the model");
  const registry = await openCliRegistry(uri as string, io, "ls", true);
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
  const orderText = values["order-by"];
  // `auc` or `auc:desc` for highest first, `loss:asc` for lowest first.
  const [metric, direction = "desc"] = orderText === undefined ? [] : orderText.split(/:(?=(?:asc|desc)$)/);
  if (direction !== "asc" && direction !== "desc") throw new UsageError("--order-by takes NAME, NAME:asc or NAME:desc");
  const orderBy = metric === undefined ? undefined : { metric, direction: direction as "asc" | "desc" };
  const stage = values.stage === undefined ? undefined : parseStage(values.stage, "ls");
  const versions = registry.listVersions(model, { ...(orderBy && { orderBy }), ...(stage && { stage }) });
  for await (const v of versions) {
    if (readerGone()) break;
    if (values.json) {
      jsonLine(io.stdout, { type: "version", ...versionJson(v) });
      continue;
    }
    const names = values.metric ?? Object.keys(v.metrics).sort().slice(0, HEADLINE_METRICS);
    const metrics = names.filter((n) => v.metrics[n] !== undefined).map((n) => `${n}=${formatMetric(v.metrics[n] as number)}`);
    io.stdout.write(
      [
        `${v.model}/${v.version}`.padEnd(Math.max(12, v.model.length + 4)),
        v.stage.padEnd(10),
        v.createdAt.toISOString().slice(0, 19).replace("T", " "),
        ...(metrics.length > 0 ? [metrics.join(" ")] : []),
        ...(v.aliases.length > 0 ? [`@${v.aliases.join(" @")}`] : []),
      ].join("  ") + "\n",
    );
  }
  return 0;
}

/** A metric for a person: up to 4 significant digits. */
export function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
