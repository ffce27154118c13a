/**
 * The CLI's governance commands: `alias set|rm`, `approve` and `audit`. Each change goes through the registry, which
 * records its audit event where the provider keeps a trail.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseRef } from "../core/refs.js";
import { approve } from "../lifecycle/approvals.js";
import { openCliRegistry, positionals, UsageError } from "./cli-args.js";
import { jsonLine, type CliIo } from "./cli-output.js";

/** `modelreg alias set <uri> <model> <alias> <version>` or `modelreg alias rm <uri> <model> <alias>`. */
export async function aliasCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" } } });
  const [action, ...rest] = args;
  if (action === "set") {
    const [uri, model, alias, version] = positionals(rest, 4, 4, "alias set <uri> <model> <alias> <version>");
    const registry = await openCliRegistry(uri as string, io, "alias set", false);
    const { previous } = await registry.setAlias(model as string, alias as string, version as string);
    if (values.json) jsonLine(io.stdout, { type: "aliasSet", model, alias, version, previous: previous ?? null });
    else io.stdout.write(`${model}@${alias} -> ${version}${previous !== undefined && previous !== version ? ` (was ${previous})` : ""}\n`);
    return 0;
  }
  if (action === "rm") {
    const [uri, model, alias] = positionals(rest, 3, 3, "alias rm <uri> <model> <alias>");
    const registry = await openCliRegistry(uri as string, io, "alias rm", true);
    await registry.deleteAlias(model as string, alias as string);
    if (values.json) jsonLine(io.stdout, { type: "aliasRemoved", model, alias });
    else io.stdout.write(`removed ${model}@${alias}\n`);
    return 0;
  }
  throw new UsageError(action === undefined ? "alias needs set or rm" : `alias takes set or rm, not ${JSON.stringify(action)}`);
}

/**
 * `modelreg approve <uri> <ref> [--role R] [--comment C] [--by NAME]`: records an approval on the version and in the
 * audit trail. `--by` defaults to `MODELREG_ACTOR`, else the OS user.
 */
export async function approveCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: "string" }, comment: { type: "string" }, by: { type: "string" }, json: { type: "boolean" } },
  });
  const [uri, refText] = positionals(args, 2, 2, "approve <uri> <model>/<version>|<model>@<alias> [--role R] [--comment C]");
  const ref = parseRef(refText as string, "approve");
  const by = values.by ?? io.env.MODELREG_ACTOR ?? (await import("../runtime/actor.js")).resolveActor(undefined, undefined);
  const registry = await openCliRegistry(uri as string, io, "approve", true);
  // An alias is resolved once, before approving: the output names the version approved even if the alias moves.
  const version = await registry.getVersion(ref);
  const approvals = await approve(
    registry,
    { model: version.model, version: version.version },
    {
      by,
      ...(values.role !== undefined && { role: values.role }),
      ...(values.comment !== undefined && { comment: values.comment }),
    },
  );
  if (values.json) jsonLine(io.stdout, { type: "approved", model: version.model, version: version.version, by, approvals });
  else
    io.stdout.write(
      `approved ${version.model}/${version.version} as ${by}${values.role ? ` (${values.role})` : ""}; ${approvals.length} approval${approvals.length === 1 ? "" : "s"} now\n`,
    );
  return 0;
}

/** `modelreg audit <uri> [model] [--since ISO] [--limit N]`: the registry's audit trail, oldest first. */
export async function auditCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { since: { type: "string" }, json: { type: "boolean" } },
  });
  const [uri, model] = positionals(args, 1, 2, "audit <uri> [model]");
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime()))
    throw new UsageError(`--since takes a date (2026-12-01 or an ISO 8601 time), got ${JSON.stringify(values.since)}`);
  const registry = await openCliRegistry(uri as string, io, "audit", true);
  const readerGone = () => io.outputClosed?.aborted === true;
  for await (const e of registry.listAuditEvents({ ...(model !== undefined && { model }), ...(since && { since }) })) {
    if (readerGone()) break;
    if (values.json) {
      jsonLine(io.stdout, { ...e, type: "event", event: e.type });
      continue;
    }
    const what = [
      e.version !== undefined ? `${e.model}/${e.version}` : e.model,
      ...(e.alias !== undefined ? [`@${e.alias}`] : []),
      ...(e.stage !== undefined ? [`stage ${e.stage}`] : []),
      ...(e.from !== undefined || e.to !== undefined ? [`${e.from ?? "(none)"} -> ${e.to ?? "(none)"}`] : []),
    ].join(" ");
    io.stdout.write(`${e.at}  ${e.type.padEnd(18)} ${what}  by ${e.actor}\n`);
  }
  return 0;
}
