/**
 * `verify`: reads every record, blob and audit line of a local registry and reports what is wrong, without changing
 * anything except settling changes that crashed writers left unfinished (as any access does).
 *
 * @module
 */

import { join } from "node:path";
import { throwIfAborted } from "../../core/errors.js";
import { readAudit, type AuditReadNotes } from "./local-audit.js";
import { errorCode } from "./local-errors.js";
import { ownerIsGone, processIsGone, readOwner } from "./local-lock.js";
import { tempOwner } from "./local-paths.js";
import { blobsOnDisk, listDir, referencedBlobs } from "./local-scan.js";
import type { LocalStore } from "./local-store.js";
import { nodeCrypto, nodeFsSync } from "../../runtime/builtins.js";

/** What kind of problem {@link VerifyProblem} is. */
export type VerifyProblemKind =
  | "damaged-record"
  | "missing-blob"
  | "damaged-blob"
  | "dangling-alias"
  | "several-in-stage"
  | "damaged-audit-line"
  | "pending-change"
  | "leftover-temp"
  | "unreferenced-blob"
  | "abandoned-lock";

/** One thing `verify` found. */
export interface VerifyProblem {
  /** What kind of problem. */
  kind: VerifyProblemKind;
  /** `error`: data is wrong or missing; `leftover`: space a crash left behind, which `gc` reclaims. */
  severity: "error" | "leftover";
  /** The file, relative to the registry's root. */
  path: string;
  /** What is wrong, in a sentence. */
  message: string;
}

/** Options of {@link LocalRegistry.verify}. */
export interface VerifyOptions {
  /** Also hash every blob and compare it with its name (reads every byte). Default false: sizes only. */
  deep?: boolean;
  /** Stops the check. */
  signal?: AbortSignal;
}

/** How much `verify` read. */
export interface VerifyCounts {
  /** Models. */
  models: number;
  /** Version records. */
  versions: number;
  /** Blobs on disk. */
  blobs: number;
  /** Audit events that read as events. */
  auditEvents: number;
}

/** What `verify` checked and found. */
export interface VerifyReport {
  /** True when no problem of severity `error` was found. */
  ok: boolean;
  /** How much was checked. */
  checked: VerifyCounts;
  /** Everything found, errors first. */
  problems: VerifyProblem[];
}

const OP = "verify";

/** Checks a local registry. */
export async function verifyRegistry(store: LocalStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { paths } = store;
  const problems: VerifyProblem[] = [];
  const add = (kind: VerifyProblemKind, path: string, message: string, severity: VerifyProblem["severity"] = "error") =>
    problems.push({ kind, severity, path, message });
  const checked: VerifyCounts = { models: 0, versions: 0, blobs: 0, auditEvents: 0 };
  const rel = (file: string) => file.slice(paths.root.length + 1);
  const onDisk = await blobsOnDisk(paths, options.signal);

  for (const model of await store.modelNames()) {
    throwIfAborted(options.signal, "local", OP);
    checked.models++;
    const record = await guarded(
      () => store.readModel(model, OP),
      (why) => add("damaged-record", rel(paths.modelRecord(model)), why),
    );
    if (record === undefined) continue;
    if (record !== null && record.name !== model) add("damaged-record", rel(paths.modelRecord(model)), `names model ${JSON.stringify(record.name)}`);
    const numbers = new Set<string>();
    const inStage = new Map<string, string[]>();
    for (const name of await listDir(paths.versions(model))) {
      const match = /^(0|[1-9][0-9]*)\.json$/.exec(name);
      if (!match) {
        if (!name.startsWith(".")) add("damaged-record", rel(join(paths.versions(model), name)), "is not named <number>.json");
        continue;
      }
      const version = match[1] as string;
      const v = await guarded(
        () => store.readVersion(model, version, OP),
        (why) => add("damaged-record", rel(paths.version(model, version)), why),
      );
      if (!v) continue;
      checked.versions++;
      numbers.add(version);
      if (record && Number(version) > record.lastVersion) {
        add("damaged-record", rel(paths.modelRecord(model)), `lastVersion ${record.lastVersion} is below version ${version}`);
      }
      if (v.stage === "production" || v.stage === "staging") inStage.set(v.stage, [...(inStage.get(v.stage) ?? []), version]);
      for (const file of v.files) {
        const blob = onDisk.get(file.sha256);
        if (!blob) add("missing-blob", rel(paths.blob(file.sha256)), `${model}/${version} file ${JSON.stringify(file.path)} has no bytes`);
        else if (blob.size !== file.size)
          add("damaged-blob", rel(blob.path), `${file.size} bytes expected for ${model}/${version} ${JSON.stringify(file.path)}, ${blob.size} found`);
      }
    }
    for (const [stage, holders] of inStage) {
      if (stage === "production" && holders.length > 1)
        add("several-in-stage", rel(paths.versions(model)), `versions ${holders.join(", ")} of ${model} are all in production`);
    }
    const aliases = await guarded(
      () => store.readAliases(model, OP),
      (why) => add("damaged-record", rel(paths.aliases(model)), why),
    );
    for (const [alias, version] of Object.entries(aliases ?? {})) {
      if (!numbers.has(version))
        add("dangling-alias", rel(paths.aliases(model)), `alias ${JSON.stringify(alias)} of ${model} points at version ${version}, which does not exist`);
    }
  }

  const referenced = await referencedBlobs(paths, options.signal);
  for (const [sha, blob] of onDisk) {
    throwIfAborted(options.signal, "local", OP);
    checked.blobs++;
    if (!referenced.has(sha)) add("unreferenced-blob", rel(blob.path), `${blob.size} bytes no version references`, "leftover");
    else if (options.deep && (await sha256Of(blob.path)) !== sha) add("damaged-blob", rel(blob.path), "its bytes do not hash to its name");
  }

  const notes: AuditReadNotes = { skipped: [] };
  await guarded(
    async () => {
      const { events } = await readAudit(paths, { start: 0, limit: Number.MAX_SAFE_INTEGER, match: () => true, operation: OP, notes });
      checked.auditEvents = events.length;
    },
    (why) => add("damaged-audit-line", "audit/audit.jsonl", why),
  );
  for (const line of notes.skipped)
    add("damaged-audit-line", "audit/audit.jsonl", `line ${line} is not an event (torn by a crash or damaged); it is skipped when reading`);

  for (const name of await listDir(paths.journals))
    add("pending-change", `journal/${name}`, "a change is being made by a live writer, or could not be settled");
  for (const name of await listDir(paths.tmp)) {
    const owner = tempOwner(name);
    // Another host's file, or a live process's, may be a write in progress.
    if (owner && !(owner.hereHost && processIsGone(owner.pid))) continue;
    add("leftover-temp", `tmp/${name}`, owner ? `left by process ${owner.pid}, which is gone` : "left by an earlier writer", "leftover");
  }
  for (const name of await listDir(paths.locks)) {
    const owner = await readOwner(join(paths.locks, name));
    if (owner && ownerIsGone(owner))
      add("abandoned-lock", `locks/${name}`, `held by process ${owner.pid}, which is gone; the next writer takes it over`, "leftover");
  }
  problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  return { ok: problems.every((p) => p.severity !== "error"), checked, problems };
}

/** Runs a read; a damaged file is reported through `report` and read as `undefined`. */
async function guarded<T>(read: () => Promise<T>, report: (why: string) => void): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (errorCode(error) !== undefined) throw error;
    report(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = nodeCrypto().createHash("sha256");
  for await (const chunk of nodeFsSync().createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
