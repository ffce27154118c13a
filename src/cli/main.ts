/**
 * The `modelreg` command line over registries named by URI: reading versions (`show`, `ls`, `get`, `diff`, `card`,
 * `report`, `audit`), writing them (`put`, `alias`, `approve`, `promote`, `rollback`, `sync`), and `verify` and `gc`
 * for the local registry. Each command has its own usage (`modelreg <command> --help`).
 *
 * @module
 */

import { ADAPTERS } from "../adapters/adapters.js";
import { AuthenticationError, InvalidInputError, ModelRegistryError, PermissionDeniedError } from "../core/errors.js";
import { ownValue } from "../core/own-keys.js";
import { UsageError } from "./cli-args.js";
import { lsCommand, promoteCommand, rollbackCommand, syncCommand } from "./cli-commands.js";
import { getCommand } from "./cli-get.js";
import { aliasCommand, approveCommand, auditCommand } from "./cli-governance.js";
import { gcCommand, verifyCommand } from "./cli-maintenance.js";
import { REPORT_USAGE, reportCommand } from "./cli-report.js";
import { cardCommand, diffCommand, putCommand, showCommand } from "./cli-version-commands.js";
import { errorJson, jsonLine, type CliIo } from "./cli-output.js";

/** Where the description of a registry URI starts in the usage text. */
const URI_COLUMN = 36;

/** Wraps `text` at `width` columns, at spaces. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line].join("\n");
}

/**
 * The usage text's registry URIs, one line per adapter from its descriptor, so a new adapter appears here by
 * being in the list.
 */
function registryUriHelp(): string {
  const lines = ADAPTERS.map((adapter) => {
    const uri = `  ${adapter.uriExample}`;
    // A long example gets its description on the next line, in the same column.
    return uri.length < URI_COLUMN ? `${uri.padEnd(URI_COLUMN)}${adapter.description}` : `${uri}\n${" ".repeat(URI_COLUMN)}${adapter.description}`;
  });
  const credentials = ADAPTERS.flatMap((adapter) => adapter.credentials).join(", ");
  return `registry URIs:\n${lines.join("\n")}\n${wrap(`credentials come from each provider's environment variables (${credentials}), never from the URI.`, 115)}\n`;
}

/** One command: what runs it, and its lines in the usage text (the first names it; the rest are its options). */
interface CliCommand {
  run: (argv: string[], io: CliIo) => Promise<number>;
  usage: string;
}

const COMMANDS: Record<string, CliCommand> = {
  show: {
    run: showCommand,
    usage: `  show <uri> <ref>                  one version: stage, aliases, metrics, params, lineage, signature, card, approvals, files`,
  },
  ls: {
    run: lsCommand,
    usage: `  ls <uri> [model]                  list models, or one model's versions with stage, headline metrics and aliases
      --prefix P                      models whose name starts with P
      --metric NAME                   the metrics to show per version (repeat; default: the first three by name)
      --order-by NAME[:asc]           versions by a metric, highest first (NAME:asc: lowest first)
      --stage STAGE                   only versions in that stage`,
  },
  get: {
    run: getCommand,
    usage: `  get <uri> <ref> <dir>             download a version's files, each checked against its digest
      --cache                         go through the local cache (keyed by content: a second get downloads nothing)
      --cache-dir DIR                 the cache (default $MODELREG_CACHE_DIR, else ~/.cache/modelreg); implies --cache
      --overwrite                     replace files that exist in <dir>`,
  },
  put: {
    run: putCommand,
    usage: `  put <uri> <model> <dir>           register the files of <dir> as a new version (the model is created if needed)
      --metric NAME=NUMBER            a metric (repeat)
      --param NAME=VALUE              a parameter (repeat)
      --tag KEY=VALUE                 a tag (repeat)
      --alias NAME                    point an alias at the new version (repeat)
      --commit SHA                    the code commit (default: git's HEAD when run inside a repository)
      --no-git                        record no commit from git
      --data-snapshot URI             a training data snapshot (repeat)
      --parent-version N              the version this one was trained from
      --card FILE                     a model card in Markdown
      --description TEXT              the version's description`,
  },
  diff: {
    run: diffCommand,
    usage: `  diff <uri> <refA> <refB>          params, metrics with deltas, files (by digest) and lineage of two versions`,
  },
  card: {
    run: cardCommand,
    usage: `  card <uri> <ref>                  the model card as Markdown with YAML front matter (a Hugging Face README)
      --output, -o FILE               write it to FILE instead of stdout (--force replaces an existing file)
      --license ID, --library-name N  front matter fields for the Hugging Face Hub
      --tag T                         a front matter tag (repeat)`,
  },
  report: { run: reportCommand, usage: REPORT_USAGE },
  alias: {
    run: aliasCommand,
    usage: `  alias set <uri> <model> <alias> <version>    point an alias at a version
  alias rm <uri> <model> <alias>               remove an alias`,
  },
  approve: {
    run: approveCommand,
    usage: `  approve <uri> <ref>               record an approval on a version (and in the audit trail)
      --role ROLE                     the role approving (policies count approvals per role)
      --comment TEXT                  what was checked
      --by NAME                       who approves (default $MODELREG_ACTOR, else the OS user)`,
  },
  promote: {
    run: promoteCommand,
    usage: `  promote <uri> <model>/<version> --to <stage|alias:NAME>
      --gate "auc >= 0.9"             a metric gate (repeat), on top of the policy's
      --no-policy                     skip the default policy's gates and approvals
      --keep-existing                 leave the stage's current holder in place
      --dry-run                       run the gates and approvals, change nothing (exit 1 when blocked)`,
  },
  rollback: { run: rollbackCommand, usage: `  rollback <uri> <model> --stage <stage> | --alias <alias>    move it back to its previous holder` },
  audit: {
    run: auditCommand,
    usage: `  audit <uri> [model]               the audit trail, oldest first (where the registry keeps one)
      --since TIME                    only events at or after TIME (2026-12-01, or ISO 8601)`,
  },
  sync: {
    run: syncCommand,
    usage: `  sync <source-uri> <target-uri>    copy model versions, with their metadata, aliases and stages
      --model, -m NAME                a model to sync (repeat for more; default: every model)
      --versions all|aliased          which versions travel (default all)
      --no-aliases, --no-stages       leave aliases or stages behind
      --source-name NAME              the origin recorded on copies (default: the source's provider)
      --concurrency N                 models copied at once (default 2)
      --fail-fast                     stop at the first failed version
      --dry-run                       print the plan, change nothing`,
  },
  verify: { run: verifyCommand, usage: `  verify file:<dir> [--deep]        check every record, blob and audit line of a local registry (exit 1: damaged)` },
  gc: { run: gcCommand, usage: `  gc file:<dir> [--dry-run]         remove temp files, locks and blobs that crashed writers left behind` },
};

const REFS = "<ref> is model/version (fraud/3) or model@alias (fraud@champion).";
const COMMON = "every command takes --json (JSON lines on stdout) and --help. Exit codes: 0 done, 1 failed, 2 usage.";

/** The usage text `modelreg --help` prints. */
export const USAGE = `usage: modelreg <command> [options]

commands:
${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join("\n")}

${REFS}
${COMMON}

${registryUriHelp()}`;

/** One command's usage, for `modelreg <command> --help` and its usage errors. */
export function commandUsage(name: string): string | undefined {
  const command = ownValue(COMMANDS, name);
  return command && `usage:\n${command.usage}\n\n${REFS}\n${COMMON}\n\n${registryUriHelp()}`;
}

/** The package's version, from the package.json beside the built CLI (dist/cli.js) or the sources (src/cli). */
async function packageVersion(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(await readFile(new URL(relative, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "modelreg" && pkg.version) return pkg.version;
    } catch {
      // Not there: try the next place.
    }
  }
  return "unknown";
}

/** For errors that mean missing or wrong credentials: which variables the failing provider reads. */
function credentialHint(error: unknown): string | undefined {
  if (!AuthenticationError.isInstance(error) && !PermissionDeniedError.isInstance(error)) return undefined;
  const adapter = ADAPTERS.find((a) => a.id === (error as ModelRegistryError).provider);
  if (!adapter || adapter.credentials.length === 0) return undefined;
  const what = AuthenticationError.isInstance(error) ? "were refused or are missing" : "lack a permission this call needs";
  return `the ${adapter.id} credentials ${what}: set ${adapter.credentials.join(" or ")} (see docs/troubleshooting.md)`;
}

/**
 * Runs the CLI and returns its exit code. `io` is where it reads and writes, so it can run inside a process that
 * has other work (a test, a pipeline step written in Node).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" ? rest[0] : undefined;
    const usage = topic === undefined ? USAGE : commandUsage(topic);
    if (usage === undefined) {
      io.stderr.write(`modelreg: unknown command ${JSON.stringify(topic)}\n\n${USAGE}`);
      return 2;
    }
    io.stdout.write(usage);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    const version = await packageVersion();
    if (rest.includes("--json")) jsonLine(io.stdout, { type: "version", version });
    else io.stdout.write(`modelreg ${version}\n`);
    return 0;
  }
  // Own keys only: `modelreg constructor` must be an unknown command, not a call of `Object`.
  const entry = ownValue(COMMANDS, command);
  const json = rest.includes("--json");
  if (!entry) {
    io.stderr.write(`modelreg: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(commandUsage(command) as string);
    return 0;
  }
  try {
    return await entry.run(rest, io);
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options; a bad URI, ref or
    // stage is refused by modelreg's own checks (provider "core") before anything is sent.
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError && String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) ||
      (InvalidInputError.isInstance(error) && error.provider === "core");
    const hint = credentialHint(error);
    if (json) jsonLine(io.stdout, { type: "error", usage, error: errorJson(error), ...(hint && { hint }) });
    else
      io.stderr.write(
        `modelreg ${command}: ${error instanceof Error ? error.message : String(error)}\n${hint ? `hint: ${hint}\n` : ""}${usage ? `\n${commandUsage(command)}` : ""}`,
      );
    if (usage) return 2;
    if (!ModelRegistryError.isInstance(error) && !json) io.stderr.write("(unexpected error; please report it)\n");
    return 1;
  }
}
