/**
 * The `modelreg` command line: `sync`, `promote`, `rollback` and `ls` over registries named by URI, and `verify` and
 * `gc` for the local registry.
 *
 * @module
 */

import { ADAPTERS } from "../adapters/adapters.js";
import { InvalidInputError, ModelRegistryError } from "../core/errors.js";
import { ownValue } from "../core/own-keys.js";
import { lsCommand, promoteCommand, rollbackCommand, syncCommand, UsageError } from "./cli-commands.js";
import { gcCommand, verifyCommand } from "./cli-maintenance.js";
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

/** The usage text `modelreg --help` prints. */
export const USAGE = `usage: modelreg <command> [options]

commands:
  sync <source-uri> <target-uri>    copy model versions, with their metadata, aliases and stages
      --model, -m NAME                a model to sync (repeat for more; default: every model)
      --versions all|aliased          which versions travel (default all)
      --no-aliases, --no-stages       leave aliases or stages behind
      --source-name NAME              the origin recorded on copies (default: the source's provider)
      --concurrency N                 models copied at once (default 2)
      --fail-fast                     stop at the first failed version
      --dry-run                       print the plan, change nothing
  promote <uri> <model>/<version> --to <stage|alias:NAME> [--gate "auc >= 0.9"]... [--no-policy] [--keep-existing]
  rollback <uri> <model> --stage <stage> | --alias <alias>
  ls <uri> [model] [--prefix P]     list models, or one model's versions
  verify file:<dir> [--deep]        check every record, blob and audit line of a local registry (exit 1: damaged)
  gc file:<dir> [--dry-run]         remove temp files, locks and blobs that crashed writers left behind

every command takes --json (JSON lines on stdout). Exit codes: 0 done, 1 failed, 2 usage.

${registryUriHelp()}`;

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  sync: syncCommand,
  promote: promoteCommand,
  rollback: rollbackCommand,
  ls: lsCommand,
  verify: verifyCommand,
  gc: gcCommand,
};

/**
 * Runs the CLI and returns its exit code. `io` is where it reads and writes, so it can run inside a process that
 * has other work (a test, a pipeline step written in Node).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  // Own keys only: `modelreg constructor` must be an unknown command, not a call of `Object`.
  const run = ownValue(COMMANDS, command);
  const json = rest.includes("--json");
  if (!run) {
    io.stderr.write(`modelreg: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options; a bad URI, ref or
    // stage is refused by modelreg's own checks (provider "core") before anything is sent.
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError && String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) ||
      (InvalidInputError.isInstance(error) && error.provider === "core");
    if (json) jsonLine(io.stdout, { type: "error", usage, error: errorJson(error) });
    else io.stderr.write(`modelreg ${command}: ${error instanceof Error ? error.message : String(error)}\n${usage ? `\n${USAGE}` : ""}`);
    if (usage) return 2;
    if (!ModelRegistryError.isInstance(error) && !json) io.stderr.write("(unexpected error; please report it)\n");
    return 1;
  }
}
