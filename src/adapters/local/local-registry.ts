/**
 * The local registry: the whole `ModelRegistry` spec on a directory, with no server. The primitives are in
 * local-provider.ts; this class adds what only a directory has: `root`, `verify` and `gc`.
 *
 * @module
 */

import { invalidInput } from "../../core/errors.js";
import { RegistryFacade } from "../../facade/registry-facade.js";
import { toStorageError } from "./local-errors.js";
import { collectGarbage, type GcOptions, type GcReport } from "./local-gc.js";
import { LocalProvider } from "./local-provider.js";
import type { LocalRegistrySettings } from "./local-settings.js";
import { LocalStore, PROVIDER } from "./local-store.js";
import { verifyRegistry, type VerifyOptions, type VerifyReport } from "./local-verify.js";

/** The local file-system registry. Create it with {@link createLocalRegistry}. */
export class LocalRegistry extends RegistryFacade {
  readonly #store: LocalStore;

  /** @param settings - See {@link LocalRegistrySettings}. */
  constructor(settings: LocalRegistrySettings = {}) {
    const store = new LocalStore(settings);
    super(new LocalProvider(store), {
      ...(settings.actor !== undefined && { actor: settings.actor }),
      ...(settings.onEventError && { onEventError: settings.onEventError }),
    });
    this.#store = store;
  }

  /** The absolute directory this registry lives in. */
  get root(): string {
    return this.#store.paths.root;
  }

  /**
   * Checks every record, blob and audit line, and reports what is wrong: damaged or mismatched records, missing or
   * damaged bytes, aliases pointing nowhere, several versions in production, torn audit lines, and the leftovers of
   * crashes that {@link LocalRegistry.gc} reclaims. Changes nothing, except finishing or undoing a change a crashed
   * writer left (as every access does).
   *
   * @example
   * ```ts
   * const report = await registry.verify({ deep: true });
   * if (!report.ok) for (const p of report.problems) console.error(p.kind, p.path, p.message);
   * ```
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    const op = "verify";
    if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "verify takes { deep?, signal? }", PROVIDER);
    return this.#guard(op, async () => {
      await this.#open(op, options);
      return verifyRegistry(this.#store, options);
    });
  }

  /**
   * Removes what crashes left behind: temp files of writers that are gone, locks of dead processes, and blobs no
   * version references. Safe while other processes write (see local-gc.ts); `dryRun` only reports.
   */
  async gc(options: GcOptions = {}): Promise<GcReport> {
    const op = "gc";
    if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "gc takes { dryRun?, graceMs?, signal? }", PROVIDER);
    if (options.graceMs !== undefined && !(Number.isFinite(options.graceMs) && options.graceMs >= 0))
      throw invalidInput(op, "graceMs", "graceMs must be a number of milliseconds, 0 or more", PROVIDER);
    return this.#guard(op, async () => {
      await this.#open(op, options);
      return collectGarbage(this.#store, this.#store.lockTimes(op, options), options);
    });
  }

  /** Opens the root and settles what crashed writers left on every model. */
  async #open(op: string, options: VerifyOptions | GcOptions): Promise<void> {
    await this.#store.begin(op, options);
    await this.#store.settle(undefined, op);
  }

  /** File-system failures become `StorageError`s naming the operation and file. */
  async #guard<T>(op: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStorageError(error, op, this.#store.paths.root);
    }
  }
}

/**
 * Creates a local registry in a directory: no server, works offline, safe for several processes at once.
 *
 * @example
 * ```ts
 * import { createLocalRegistry } from "modelreg/local";
 * const registry = createLocalRegistry({ root: ".modelreg" });
 * const v1 = await registry.createVersion("fraud", { artifacts: { directory: "out/model" }, metrics: { auc: 0.91 } });
 * await registry.setAlias("fraud", "champion", v1.version);
 * ```
 */
export function createLocalRegistry(settings: LocalRegistrySettings = {}): LocalRegistry {
  return new LocalRegistry(settings);
}
