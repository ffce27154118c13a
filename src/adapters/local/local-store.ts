/**
 * The local registry's storage: opening the root, reading checked records, locking a model, and recording events
 * in the audit log before subscribers hear of them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { resolveActor } from "../../runtime/actor.js";
import { resolve } from "node:path";
import { NotFoundError, throwIfAborted as abortIfAborted } from "../../core/errors.js";
import { RegistryEventBus, stampEvent, type RegistryEvent, type RegistryEventInput } from "../../core/events.js";
import type { CallOptions } from "../../core/options.js";
import { appendAudit } from "./local-audit.js";
import { errorCode, openRoot, readRecord } from "./local-files.js";
import { withModelLock } from "./local-lock.js";
import { LocalPaths } from "./local-paths.js";
import { localSchemas, type AliasesRecord, type ModelRecord, type VersionRecord } from "./local-schemas.js";
import type { LocalRegistrySettings } from "./local-settings.js";

/** The provider name the local registry reports. */
export const PROVIDER = "local";

/** Storage shared by the local registry's operations. */
export class LocalStore {
  /** The root's layout. */
  readonly paths: LocalPaths;
  /** Subscribers. */
  readonly bus: RegistryEventBus;
  readonly #settings: LocalRegistrySettings;
  #opened: Promise<void> | undefined;

  /** @param settings - The registry's settings. */
  constructor(settings: LocalRegistrySettings) {
    this.#settings = settings;
    this.paths = new LocalPaths(resolve(settings.root ?? process.env.MODELREG_LOCAL_ROOT ?? ".modelreg"));
    this.bus = new RegistryEventBus(settings.onEventError);
  }

  /** Checks the signal, then opens the root once (later calls reuse the first check). */
  async begin(operation: string, options: CallOptions | undefined): Promise<void> {
    throwIfAborted(options?.signal, operation);
    this.#opened ??= openRoot(this.paths, operation).catch((error: unknown) => {
      this.#opened = undefined;
      throw error;
    });
    await this.#opened;
  }

  /** Who acts: the call's `actor`, the registry's, or the OS user. */
  actor(options: CallOptions | undefined): string {
    return resolveActor(options?.actor, this.#settings.actor);
  }

  /** Runs `work` holding the model's lock. */
  locked<T>(model: string, operation: string, options: CallOptions | undefined, work: () => Promise<T>): Promise<T> {
    return withModelLock(
      this.paths,
      model,
      { timeoutMs: this.#settings.lockTimeoutMs ?? 30_000, staleMs: this.#settings.staleLockMs ?? 30_000, signal: options?.signal, operation },
      work,
    );
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

  /** Reads a version record, or `undefined`. */
  async readVersion(model: string, version: string, operation: string): Promise<VersionRecord | undefined> {
    const record = await readRecord(this.paths, this.paths.version(model, version), localSchemas().version, "version record", operation);
    return record as VersionRecord | undefined;
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
      names = await readdir(this.paths.versions(model));
    } catch (error) {
      if (errorCode(error) === "ENOENT") return [];
      throw error;
    }
    return names
      .map((n) => /^([0-9]+)\.json$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => b - a);
  }

  /** The names of every model, sorted. */
  async modelNames(): Promise<string[]> {
    const entries = await readdir(this.paths.models, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Stamps events; they are appended to the audit log by {@link LocalStore.commit}. */
  stamp(inputs: RegistryEventInput[], options: CallOptions | undefined): RegistryEvent[] {
    const actor = this.actor(options);
    return inputs.map((input) => stampEvent(input, PROVIDER, actor));
  }

  /** Appends events to the audit log. Called under the model's lock, so the log's order is the order of changes. */
  async commit(events: RegistryEvent[]): Promise<void> {
    await appendAudit(this.paths, events);
  }

  /** Tells subscribers, after the change is durable. */
  async publish(events: RegistryEvent[]): Promise<void> {
    for (const event of events) await this.bus.emit(event);
  }

  /** The file name an idempotency key is stored under: hashed, so any key is a safe file name. */
  keyHash(key: string): string {
    return createHash("sha256").update(key).digest("hex");
  }
}

/** Throws `AbortedError` when the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  abortIfAborted(signal, PROVIDER, operation);
}
