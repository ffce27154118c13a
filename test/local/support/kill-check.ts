// The kill harness's checker: what must hold in a local registry after its writer was killed with SIGKILL at any
// moment. It runs in a fresh process (the next writer, before it writes, or the last check), so it sees the registry as
// a user who starts a program after the crash does. It reads through the public API; the raw layout is read only for
// what the API cannot show (the number a version file claims, the temp files left behind).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { createLocalRegistry } from "../../../src/adapters/local/index.js";
import { AbortedError } from "../../../src/core/errors.js";
import type { RegistryEvent } from "../../../src/core/events.js";
import type { ModelVersion } from "../../../src/core/types.js";
import { approvalsOf } from "../../../src/lifecycle/approvals.js";
import { MODELS, appendJournal, artifactBytes, journalPaths, readJournal, sha256Hex, type Done, type Intent } from "./kill-plan.js";

/** Every kind of anomaly the checker reports. The parent prints a count for each and fails on any. */
export const ANOMALY_KINDS = [
  /** listModels, listVersions, listAliases or getVersion threw. */
  "read-error",
  /** listAuditEvents threw (a torn or damaged line). */
  "audit-unreadable",
  /** listVersions returned the same number twice. */
  "duplicate-version",
  /** versions/<n>.json holds a record that claims another number. */
  "version-name-mismatch",
  /** A listed version's files are not, byte for byte, the files one create of that model meant to write. */
  "bytes-mismatch",
  /** An alias points at a version that is not listed. */
  "dangling-alias",
  /** More than one version of a model is in production. */
  "multiple-production",
  /** No version is in production, though the audit log says one is (a stage move cut in half). */
  "production-vacated",
  /** A listed version has no version.created event. */
  "version-without-audit",
  /** A version.created event names a version that is not listed. */
  "audited-version-missing",
  /** A version's stage is not the one its last stage.changed event gave it. */
  "stage-audit-mismatch",
  /** An alias is not where the last alias.set / alias.deleted event left it. */
  "alias-audit-mismatch",
  /** A version carries an approval that no approval.recorded event records. */
  "approval-without-audit",
  /** A call returned to the writer but the log has no event by it. */
  "completed-op-not-audited",
  /** The first createVersion after the kill did not get the highest listed number + 1. */
  "next-number-wrong",
  /** The first write after the kill waited longer than the budget (a dead writer's lock). */
  "lock-stall",
  /** A write after the kill failed (the checker's first write, or the next writer's ops). */
  "write-failed",
  /** Temp files of a dead writer are still in tmp/ after the next process opened the registry and wrote. */
  "tmp-leftover",
  /** The writer process died by itself, not by our SIGKILL. */
  "writer-crashed",
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface Anomaly {
  kind: AnomalyKind;
  detail: string;
}

export interface CheckReport {
  /** Who checked, e.g. `after-kill-3`. */
  label: string;
  anomalies: Anomaly[];
  /** Versions whose bytes were read back and hashed in this check. */
  versionsVerified: number;
  /** Versions listed, over all models. */
  versionsListed: number;
  /** How long the slowest first write after the kill took, in ms (the lock budget when it gave up). */
  firstWriteMs: number;
}

export interface CheckOptions {
  root: string;
  /** Where the journals are (see kill-plan.ts). */
  workDir: string;
  label: string;
  /** Hash every version's bytes, not only the ones no earlier check hashed. */
  fullBytes: boolean;
  /** How long the first write after a kill may take. The stale-lock timeout is 30 s; a dead writer's lock must not cost that. */
  lockBudgetMs: number;
  /** A seed for the probe's bytes. */
  seed: number;
  /** The models to write to once after the checks: the one the killed writer was working on, whose lock it may hold. */
  probeModels: readonly string[];
}

const message = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Checks the registry, then writes once to each model (the probe) and checks that write. */
export async function checkAfterKill(options: CheckOptions): Promise<CheckReport> {
  const { root, workDir, label } = options;
  const anomalies: Anomaly[] = [];
  const report = (kind: AnomalyKind, detail: string) => anomalies.push({ kind, detail: `${label}: ${detail}` });
  const journals = journalPaths(workDir);
  const intents = readJournal<Intent>(journals.intents);
  const done = readJournal<Done>(journals.done);
  // model/version -> the content digest of the versions an earlier check already hashed.
  const verified = new Map<string, string>(Object.entries(readVerified(journals.verified)));
  const registry = createLocalRegistry({ root, actor: `checker-${label}` });

  let events: RegistryEvent[] | undefined;
  try {
    events = await registry.listAuditEvents().toArray();
  } catch (error) {
    report("audit-unreadable", message(error));
  }

  let versionsVerified = 0;
  let versionsListed = 0;
  const highest = new Map<string, number | undefined>();
  let models: string[] = [];
  try {
    models = (await registry.listModels().toArray()).map((m) => m.name);
  } catch (error) {
    report("read-error", `listModels: ${message(error)}`);
  }
  for (const model of MODELS) {
    if (!models.includes(model)) {
      highest.set(model, 0);
      continue;
    }
    // Read from the files directly, so a record that lies is named even when the registry refuses to list it.
    for (const [file, claimed] of await claimedNumbers(root, model)) {
      if (claimed !== file) report("version-name-mismatch", `${model}: versions/${file}.json holds a record of version ${JSON.stringify(claimed)}`);
    }
    let versions: ModelVersion[];
    let aliases: Map<string, string>;
    try {
      versions = await registry.listVersions(model).toArray();
      aliases = new Map((await registry.listAliases(model)).map((a) => [a.alias, a.version]));
    } catch (error) {
      report("read-error", `${model}: ${message(error)}`);
      highest.set(model, undefined);
      continue;
    }
    versionsListed += versions.length;
    const numbers = versions.map((v) => v.version);
    highest.set(model, Math.max(0, ...numbers.map(Number)));
    const listed = new Set(numbers);

    // Numbers: each once, each record in the file of its own number.
    for (const n of listed) {
      const count = numbers.filter((x) => x === n).length;
      if (count > 1) report("duplicate-version", `${model}: listVersions returned version ${n} ${count} times (${numbers.join(",")})`);
    }

    // Bytes: every listed version holds exactly the files of one intended create of this model.
    for (const v of versions) {
      const outcome = await checkBytes(registry, v, intents, verified, options.fullBytes);
      if (outcome.problem) report("bytes-mismatch", `${model}/${v.version}: ${outcome.problem}`);
      if (outcome.hashed) versionsVerified++;
    }

    // Aliases point at listed versions; at most one version in production.
    for (const [alias, version] of aliases) {
      if (!listed.has(version)) report("dangling-alias", `${model}: alias ${alias} -> ${version}, which is not listed`);
    }
    const inProduction = versions.filter((v) => v.stage === "production").map((v) => v.version);
    if (inProduction.length > 1) report("multiple-production", `${model}: versions ${inProduction.join(", ")} are all in production`);

    // The log agrees with the state: replay it.
    if (events) {
      const replay = replayModel(events.filter((e) => e.model === model));
      for (const v of versions) {
        if (!replay.created.has(v.version)) {
          report("version-without-audit", `${model}/${v.version} is listed (stage ${v.stage}) but the log has no version.created for it`);
          continue;
        }
        const logged = replay.stages.get(v.version) ?? "draft";
        if (logged !== v.stage) report("stage-audit-mismatch", `${model}/${v.version} is ${v.stage}, the log says ${logged}`);
        const recorded = replay.approvals.get(v.version) ?? new Set<string>();
        try {
          for (const approval of approvalsOf(v)) {
            if (!recorded.has(approval.by))
              report("approval-without-audit", `${model}/${v.version} carries an approval by ${approval.by} that the log does not record`);
          }
        } catch (error) {
          report("read-error", `${model}/${v.version} approvals: ${message(error)}`);
        }
      }
      for (const version of replay.created) {
        if (!listed.has(version)) report("audited-version-missing", `${model}: the log created version ${version}, which is not listed`);
      }
      for (const alias of new Set([...aliases.keys(), ...replay.aliases.keys()])) {
        if (aliases.get(alias) !== replay.aliases.get(alias)) {
          report(
            "alias-audit-mismatch",
            `${model}: alias ${alias} -> ${aliases.get(alias) ?? "(none)"}, the log says ${replay.aliases.get(alias) ?? "(none)"}`,
          );
        }
      }
      const loggedProduction = [...replay.stages].filter(([version, stage]) => stage === "production" && listed.has(version));
      if (inProduction.length === 0 && loggedProduction.length > 0) {
        const archived = versions.filter((v) => v.stage === "archived" && replay.stages.get(v.version) !== "archived").map((v) => v.version);
        report(
          "production-vacated",
          `${model}: no version in production; the log says ${loggedProduction.map(([v]) => v).join(", ")}${archived.length > 0 ? `; archived without an event: ${archived.join(", ")}` : ""}`,
        );
      }
    }
  }

  // Every call the writer saw return left its events (they carry its op id as actor).
  if (events) {
    const actors = new Set(events.map((e) => e.actor));
    for (const entry of done) {
      if (entry.audited && !actors.has(entry.opId))
        report("completed-op-not-audited", `${entry.kind} ${entry.opId} on ${entry.model} returned, but the log has no event by it`);
    }
  }

  // The first write after the kill: the next number, promptly, even if the dead writer held the lock.
  let firstWriteMs = 0;
  for (const model of options.probeModels) {
    const opId = `${label}.probe.${model}`;
    const bytes = artifactBytes(options.seed + model.length, 64 * 1024);
    appendJournal(journals.intents, { opId, model, files: [{ path: "model.bin", sha256: sha256Hex(bytes), size: bytes.length }] });
    const create = (signal?: AbortSignal) =>
      registry.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: bytes }] } }, { actor: opId, ...(signal && { signal }) });
    const started = performance.now();
    let created: ModelVersion | undefined;
    try {
      created = await create(AbortSignal.timeout(options.lockBudgetMs));
    } catch (error) {
      const waited = Math.round(performance.now() - started);
      if (AbortedError.isInstance(error)) {
        const locks = await listDir(join(root, "locks"));
        report(
          "lock-stall",
          `the first createVersion on ${model} after the kill was still waiting after ${waited} ms (locks/: ${locks.join(", ") || "empty"})`,
        );
        // So that later rounds still test something: the dead writer's lock goes, as the stale timeout would take it.
        for (const lock of locks) await rm(join(root, "locks", lock), { force: true });
      } else {
        report("write-failed", `the first createVersion on ${model} after the kill failed after ${waited} ms: ${message(error)}`);
      }
      try {
        created = await create();
      } catch (retryError) {
        report("write-failed", `createVersion on ${model} failed again: ${message(retryError)}`);
      }
    }
    firstWriteMs = Math.max(firstWriteMs, Math.round(performance.now() - started));
    if (!created) continue;
    appendJournal(journals.done, { opId, kind: "probe", model, version: created.version, audited: true });
    const before = highest.get(model);
    if (before !== undefined && created.version !== String(before + 1)) {
      report("next-number-wrong", `${model}: the highest listed version was ${before}, the next createVersion got ${created.version}`);
    }
  }

  // No writer is alive now and this process has written: whatever is in tmp/ was left by a dead one.
  for (const name of await listDir(join(root, "tmp"))) {
    report("tmp-leftover", `tmp/${name} (${await sizeOf(join(root, "tmp", name))} bytes) was left by a dead writer`);
  }

  writeFileSync(journals.verified, JSON.stringify(Object.fromEntries(verified)));
  return { label, anomalies, versionsVerified, versionsListed, firstWriteMs };
}

/** The state the audit log describes for one model, replayed in log order. */
export function replayModel(events: RegistryEvent[]) {
  const created = new Set<string>();
  const stages = new Map<string, string>();
  const aliases = new Map<string, string>();
  const approvals = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type === "version.created" && e.version !== undefined) {
      created.add(e.version);
      stages.set(e.version, "draft");
    } else if (e.type === "version.deleted" && e.version !== undefined) {
      created.delete(e.version);
      stages.delete(e.version);
    } else if (e.type === "stage.changed" && e.version !== undefined) {
      stages.set(e.version, e.to ?? String(e.stage));
    } else if (e.type === "alias.set" && e.alias !== undefined) {
      aliases.set(e.alias, e.to ?? String(e.version));
    } else if (e.type === "alias.deleted" && e.alias !== undefined) {
      aliases.delete(e.alias);
    } else if (e.type === "approval.recorded" && e.version !== undefined && typeof e.details?.by === "string") {
      const people = approvals.get(e.version) ?? new Set<string>();
      people.add(e.details.by);
      approvals.set(e.version, people);
    }
  }
  return { created, stages, aliases, approvals };
}

/** file number -> the `version` its record claims, for every versions/<n>.json that parses. */
async function claimedNumbers(root: string, model: string): Promise<Map<string, unknown>> {
  const dir = join(root, "models", model, "versions");
  const claims = new Map<string, unknown>();
  for (const name of await listDir(dir)) {
    const n = /^([0-9]+)\.json$/.exec(name)?.[1];
    if (n === undefined) continue;
    try {
      claims.set(n, (JSON.parse(await readFile(join(dir, name), "utf8")) as { version?: unknown }).version);
    } catch {
      // Unreadable records are the API's to report (read-error).
    }
  }
  return claims;
}

async function checkBytes(
  registry: ReturnType<typeof createLocalRegistry>,
  v: ModelVersion,
  intents: Intent[],
  verified: Map<string, string>,
  fullBytes: boolean,
): Promise<{ problem?: string; hashed: boolean }> {
  const key = `${v.model}/${v.version}`;
  const seen = verified.get(key);
  // Hashed by an earlier check, and a version's files never change: the same digest is enough until the final check.
  if (!fullBytes && seen !== undefined && seen === v.artifacts.digest) return { hashed: false };
  let files;
  try {
    files = await registry.listArtifacts(v);
  } catch (error) {
    return { problem: `listArtifacts: ${message(error)}`, hashed: false };
  }
  const main = files.find((f) => f.path === "model.bin");
  const intent = intents.find((i) => i.model === v.model && i.files.some((f) => f.path === "model.bin" && f.sha256 === main?.sha256));
  if (!intent) return { problem: `model.bin (sha256 ${main?.sha256 ?? "none"}) is not the content of any create the writer made on ${v.model}`, hashed: false };
  const want = intent.files.map((f) => `${f.path}:${f.sha256}:${f.size}`).sort();
  const have = files.map((f) => `${f.path}:${f.sha256}:${f.size}`).sort();
  if (want.join("|") !== have.join("|")) return { problem: `files ${have.join(", ")} are not those of ${intent.opId}: ${want.join(", ")}`, hashed: false };
  if (seen !== undefined && seen !== v.artifacts.digest)
    return { problem: `its files changed since an earlier check (digest ${seen} -> ${v.artifacts.digest})`, hashed: false };
  for (const file of intent.files) {
    try {
      const download = await registry.openArtifact(v, file.path);
      const digest = createHash("sha256");
      let size = 0;
      const reader = download.stream.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        digest.update(next.value);
        size += next.value.byteLength;
      }
      const got = digest.digest("hex");
      if (got !== file.sha256 || size !== file.size)
        return {
          problem: `${file.path} reads back as ${size} bytes, sha256 ${got}; ${intent.opId} wrote ${file.size} bytes, sha256 ${file.sha256}`,
          hashed: true,
        };
    } catch (error) {
      return { problem: `${file.path} does not read back: ${message(error)}`, hashed: true };
    }
  }
  if (v.artifacts.digest !== undefined) verified.set(key, v.artifacts.digest);
  return { hashed: true };
}

function readVerified(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
