/**
 * The local registry's storage: opening the root, reading checked records, locking a model, and recording events
 * in the audit log before subscribers hear of them.
 *
 * @module
 */

import { resolve } from "node:path";
import { ConflictError, CorruptDataError, NotFoundError, StorageError, throwIfAborted as abortIfAborted } from "../../core/errors.js";
import type { RegistryEvent, RegistryEventInput } from "../../core/events.js";
import type { CallOptions } from "../../core/options.js";
import type { ProviderContext } from "../../core/provider-spec.js";
import { appendAudit, auditLineEnd, type AuditLockOptions } from "./local-audit.js";
import { toStorageError } from "./local-errors.js";
import { errorCode, openRoot, pathExists, readRecord } from "./local-files.js";
import { sweepDeadWriters } from "./local-gc.js";
import { applyChange, discardChange, journaledModels, settleJournal, stageChange, type FileChanges } from "./local-journal.js";
import { tryLock, withLock } from "./local-lock.js";
import { LocalPaths } from "./local-paths.js";
import { localSchemas, type AliasesRecord, type ModelRecord, type VersionRecord } from "./local-schemas.js";
import type { LocalRegistrySettings } from "./local-settings.js";
import { nodeCrypto, nodeFs } from "../../runtime/builtins.js";

/** The provider name the local registry reports. */
export const PROVIDER = "local";

/** Storage shared by the local registry's operations. */
export class LocalStore {
  /** The root's layout. */
  readonly paths: LocalPaths;
  readonly #settings: LocalRegistrySettings;
  #opened: Promise<void> | undefined;

  /** @param settings - The registry's settings. */
  constructor(settings: LocalRegistrySettings) {
    this.#settings = settings;
    this.paths = new LocalPaths(resolve(settings.root ?? process.env.MODELREG_LOCAL_ROOT ?? ".modelreg"));
  }

  /** Checks the signal, then opens the root once (later calls reuse the first check). */
  async begin(operation: string, options: CallOptions | undefined): Promise<void> {
    throwIfAborted(options?.signal, operation);
    this.#opened ??= openRoot(this.paths, operation)
      .then(async () => {
        // Best effort: a registry on a read-only mount can still be read.
        await sweepDeadWriters(this.paths).catch(() => undefined);
      })
      .catch((error: unknown) => {
        this.#opened = undefined;
        throw error;
      });
    await this.#opened;
  }

  /** The lock timings, from the settings. */
  lockTimes(operation: string, options: CallOptions | undefined): AuditLockOptions {
    return {
      timeoutMs: this.#settings.lockTimeoutMs ?? 30_000,
      staleMs: this.#settings.staleLockMs ?? 30_000,
      ...(options?.signal !== undefined && { signal: options.signal }),
      operation,
    };
  }

  /**
   * Runs `work` holding the model's lock, after settling any change a crashed writer left unfinished on the model.
   */
  locked<T>(model: string, operation: string, options: CallOptions | undefined, work: (held: () => Promise<boolean>) => Promise<T>): Promise<T> {
    return withLock(
      this.paths.lock(model),
      { ...this.lockTimes(operation, options), what: `model ${JSON.stringify(model)}`, tmp: this.paths.tmp },
      async (held) => {
        await settleJournal(this.paths, model, operation);
        return work(held);
      },
    );
  }

  /**
   * Makes a change to a model whole: its files and its audit events land together or not at all (see
   * local-journal.ts). `change` runs under the model's lock and only reads; it returns what to write and log.
   *
   * @param beforeAppend - Runs under the audit log's lock just before the events are written; a throw cancels all.
   */
  async transact<T>(
    model: string,
    ctx: Pick<ProviderContext, "operation" | "options" | "stamp">,
    change: () => Promise<{ result: T; events: RegistryEventInput[]; files?: FileChanges; beforeAppend?: () => Promise<void> }>,
  ): Promise<{ result: T; events: RegistryEvent[] }> {
    const { operation, options } = ctx;
    return this.locked(model, operation, options, async (held) => {
      const outcome = await change();
      const events = ctx.stamp(outcome.events);
      // Under the audit log's lock, just before the commit point: a writer frozen past staleLockMs may have lost the
      // model's lock to another, whose change was read from the same state; committing now would hand out the same
      // version number twice. It gives up instead, with nothing changed.
      const beforeAppend = async () => {
        if (!(await held())) {
          throw new ConflictError(
            `the lock of model ${JSON.stringify(model)} was taken over while this writer was stalled for longer than staleLockMs; nothing was changed, try again`,
            { provider: PROVIDER, operation, isRetryable: true },
          );
        }
        await outcome.beforeAppend?.();
      };
      const first = events[0];
      const touchesFiles = (outcome.files?.writes?.length ?? 0) + (outcome.files?.removes?.length ?? 0) > 0;
      if (first === undefined) {
        if (touchesFiles) {
          throw new CorruptDataError("a change without an audit event was refused", { provider: PROVIDER, operation });
        }
        return { result: outcome.result, events };
      }
      if (!touchesFiles) {
        // Events alone (recordEvent): the append is the whole change, so there is nothing to journal.
        await appendAudit(this.paths, events, this.lockTimes(operation, options), beforeAppend);
        return { result: outcome.result, events };
      }
      // From the end of the last whole line: a torn tail is cut off before our append, which then starts there.
      const staged = await stageChange(this.paths, model, operation, outcome.files ?? {}, first.id, await auditLineEnd(this.paths));
      try {
        await appendAudit(this.paths, events, this.lockTimes(operation, options), beforeAppend);
      } catch (error) {
        await discardChange(this.paths, staged).catch(() => undefined);
        throw error;
      }
      try {
        await applyChange(this.paths, staged);
      } catch (error) {
        // The change is in the log, so it has happened: its journal stays and the next access to the model lands it.
        const cause = toStorageError(error, operation, this.paths.root);
        throw new StorageError(
          `the change is recorded in the audit log but its files could not all be put in place (${(cause as Error).message}); the next access to model ${JSON.stringify(model)} finishes it`,
          { provider: PROVIDER, operation, code: errorCode(error) ?? "EIO", isRetryable: true, cause },
        );
      }
      return { result: outcome.result, events };
    });
  }

  /**
   * Settles what crashed writers left unfinished before a read, so a reader sees the change its audit log names.
   * Takes no lock that a live writer holds: a change in progress is that writer's to finish.
   *
   * @param model - One model, or every model with a journal when omitted.
   */
  async settle(model: string | undefined, operation: string): Promise<void> {
    const names = model === undefined ? await journaledModels(this.paths) : [model];
    for (const name of names) {
      // One stat on the common path: a journal is there only after a crash or a failed landing.
      if (model !== undefined && !(await pathExists(this.paths.journal(name)))) continue;
      const release = await tryLock(this.paths.lock(name), { staleMs: this.#settings.staleLockMs ?? 30_000, tmp: this.paths.tmp });
      if (!release) continue;
      try {
        await settleJournal(this.paths, name, operation);
      } finally {
        await release();
      }
    }
  }

  /** Reads a model record, or `undefined`. */
  readModel(name: string, operation: string): Promise<ModelRecord | undefined> {
    return readRecord(this.paths, this.paths.modelRecord(name), localSchemas().model, "model record", operation);
  }

  /** Reads a model record or throws `NotFoundError`. */
  async requireModel(name: string, operation: string): Promise<ModelRecord> {
    const record = await this.readModel(name, operation);
    if (!record) throw new NotFoundError(`model ${JSON.stringify(name)} does not exist`, { provider: PROVIDER, operation });
    return record;
  }

  /** Reads a version record, or `undefined`. A record that names another version than its file is refused. */
  async readVersion(model: string, version: string, operation: string): Promise<VersionRecord | undefined> {
    const file = this.paths.version(model, version);
    const record = (await readRecord(this.paths, file, localSchemas().version, "version record", operation)) as VersionRecord | undefined;
    if (record && (record.model !== model || record.version !== version)) {
      throw new CorruptDataError(
        `models/${model}/versions/${version}.json in the local registry at ${this.paths.root} claims to be ${record.model}/${record.version}; it was changed outside modelreg or is damaged. Restore it from a backup or remove it`,
        { provider: PROVIDER, operation },
      );
    }
    return record;
  }

  /** Reads a version record or throws `NotFoundError` (naming the model when it is the model that is missing). */
  async requireVersion(model: string, version: string, operation: string): Promise<VersionRecord> {
    const record = await this.readVersion(model, version, operation);
    if (record) return record;
    await this.requireModel(model, operation);
    throw new NotFoundError(`model ${JSON.stringify(model)} has no version ${version}`, { provider: PROVIDER, operation });
  }

  /** Reads a model's aliases (none when the file does not exist yet). */
  async readAliases(model: string, operation: string): Promise<Record<string, string>> {
    const record: AliasesRecord | undefined = await readRecord(this.paths, this.paths.aliases(model), localSchemas().aliases, "alias record", operation);
    return record?.aliases ?? {};
  }

  /** The version numbers that exist, highest first. */
  async versionNumbers(model: string): Promise<number[]> {
    let names: string[];
    try {
      names = await nodeFs().readdir(this.paths.versions(model));
    } catch (error) {
      if (errorCode(error) === "ENOENT") return [];
      throw error;
    }
    return (
      names
        // Canonical numbers only: "02.json" beside "2.json" would list version 2 twice.
        .map((n) => /^(0|[1-9][0-9]{0,15})\.json$/.exec(n)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => b - a)
    );
  }

  /** The names of every model, sorted. */
  async modelNames(): Promise<string[]> {
    const entries = await nodeFs().readdir(this.paths.models, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The file name an idempotency key is stored under: hashed, so any key is a safe file name. */
  keyHash(key: string): string {
    return nodeCrypto().createHash("sha256").update(key).digest("hex");
  }
}

/** Throws `AbortedError` when the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  abortIfAborted(signal, PROVIDER, operation);
}
