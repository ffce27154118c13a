/**
 * Lock files: one writer per model, and one appender to the audit log. A lock is a file created whole with `link`
 * (which fails with `EEXIST` instead of replacing, so exactly one process wins) and carrying its owner's pid and
 * host. It is taken over when its owner is provably gone (same host, process no longer running), or when it has not
 * been refreshed for `staleMs`: a holder refreshes its lock's time while it works, so only a dead or frozen owner
 * leaves a lock that old.
 *
 * @module
 */

import { join } from "node:path";
import { AbortedError, ConflictError } from "../../core/errors.js";
import { errorCode } from "./local-errors.js";
import { tempName } from "./local-paths.js";
import { nodeCrypto, nodeFs, nodeOs } from "../../runtime/builtins.js";

/** Settings for {@link withLock}. */
export interface LockOptions {
  /** Give up after waiting this long. */
  timeoutMs: number;
  /** A lock not refreshed for this long is stale. */
  staleMs: number;
  /** The caller's signal. */
  signal?: AbortSignal;
  /** The operation, for errors. */
  operation: string;
  /** What is locked, for errors: `model "fraud"`. */
  what: string;
  /** A directory on the same file system for the lock's temp file. */
  tmp: string;
}

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  /** The holder's process id. */
  pid: number;
  /** The holder's host name. */
  host: string;
  /** When it took the lock. */
  at: string;
  /** A token of this one taking: several registries in one process share the pid, host and even the millisecond. */
  id?: string;
}

/** This machine's name, read on first use (not at import: `node:os` is loaded by the first lock). */
let host: string | undefined;
const thisHost = (): string => {
  host ??= nodeOs().hostname();
  return host;
};

/**
 * Runs `work` while holding the lock file `file`. `work` gets `held()`, which says whether the lock is still this
 * holder's: a holder frozen for longer than `staleMs` (a starved machine, a suspended laptop) may have lost it to a
 * waiter, and must not commit after that.
 */
export async function withLock<T>(file: string, options: LockOptions, work: (held: () => Promise<boolean>) => Promise<T>): Promise<T> {
  const mine = await acquire(file, options);
  const held = async () => (await readOwner(file))?.id === mine.id;
  // Refreshing the lock's time tells waiters on other hosts, who cannot check the pid, that its owner is alive.
  const beat = setInterval(
    () =>
      void nodeFs()
        .utimes(file, new Date(), new Date())
        .catch(() => undefined),
    Math.max(10, Math.floor(options.staleMs / 3)),
  );
  beat.unref();
  try {
    return await work(held);
  } finally {
    clearInterval(beat);
    // Only our own lock: one taken over from us meanwhile is its new holder's.
    if (await held()) await nodeFs().rm(file, { force: true });
  }
}

/**
 * Tries once to take the lock without waiting.
 *
 * @returns a release function, or `undefined` when another live owner holds it.
 */
export async function tryLock(file: string, options: Pick<LockOptions, "staleMs" | "tmp">): Promise<(() => Promise<void>) | undefined> {
  if (await create(file, options.tmp)) return () => nodeFs().rm(file, { force: true });
  if ((await breakIfAbandoned(file, options)) && (await create(file, options.tmp))) return () => nodeFs().rm(file, { force: true });
  return undefined;
}

async function acquire(file: string, options: LockOptions): Promise<LockOwner> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) {
      throw new AbortedError(`aborted while waiting for the lock of ${options.what}`, {
        provider: "local",
        operation: options.operation,
        cause: options.signal.reason,
      });
    }
    let mine = await create(file, options.tmp);
    if (mine) return mine;
    // Checked on every turn, and once more after the deadline below: a waiter whose timeout equals the stale time
    // must still get the lock it has waited out, not give up a moment before it may take it over.
    if ((await breakIfAbandoned(file, options)) && (mine = await create(file, options.tmp))) return mine;
    if (Date.now() - started >= options.timeoutMs) {
      if ((await breakIfAbandoned(file, options)) && (mine = await create(file, options.tmp))) return mine;
      const owner = await readOwner(file);
      throw new ConflictError(
        `${options.what} stayed locked by another writer${owner ? ` (pid ${owner.pid} on ${owner.host})` : ""} for ${options.timeoutMs} ms (${file})`,
        { provider: "local", operation: options.operation, isRetryable: true },
      );
    }
    // Short random waits: two writers that collide do not keep colliding in step.
    await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt) + Math.random() * 10));
  }
}

/**
 * Creates the lock file whole: written to a temp file, then linked into place, so a reader never sees it empty.
 *
 * @returns the owner record written, or `undefined` when another holds the lock.
 */
async function create(file: string, tmp: string): Promise<LockOwner | undefined> {
  const temp = join(tmp, tempName("lock"));
  const owner: LockOwner = { pid: process.pid, host: thisHost(), at: new Date().toISOString(), id: nodeCrypto().randomUUID() };
  try {
    // Inside the try: on a full disk the write fails after creating the file, which must not stay behind.
    await nodeFs().writeFile(temp, JSON.stringify(owner), { flag: "wx" });
    await nodeFs().link(temp, file);
    return owner;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined;
    throw error;
  } finally {
    await nodeFs().rm(temp, { force: true });
  }
}

/** Reads a lock's owner, or `undefined` when the file is gone or unreadable (an older format, or damaged). */
export async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await nodeFs().readFile(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { pid, host, at, id } = parsed as Record<string, unknown>;
    return typeof pid === "number" && typeof host === "string"
      ? { pid, host, at: typeof at === "string" ? at : "", ...(typeof id === "string" && { id }) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** True when the process `pid` on `host` is provably no longer running. Only this host's processes can be checked. */
export function ownerIsGone(owner: Pick<LockOwner, "pid" | "host">): boolean {
  return owner.host === thisHost() && processIsGone(owner.pid);
}

/** True when this host's process `pid` is no longer running (never for this process). */
export function processIsGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return errorCode(error) === "ESRCH";
  }
}

/**
 * Removes the lock when its owner is gone or it has not been refreshed for `staleMs`.
 *
 * @returns true when the lock was removed (by us or meanwhile by someone else).
 */
async function breakIfAbandoned(file: string, options: Pick<LockOptions, "staleMs" | "tmp">): Promise<boolean> {
  let info;
  try {
    info = await nodeFs().stat(file);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return true;
    throw error;
  }
  const owner = await readOwner(file);
  const abandoned = (owner !== undefined && ownerIsGone(owner)) || Date.now() - info.mtimeMs >= options.staleMs;
  if (!abandoned) return false;
  // Rename first: of two processes that both find the lock abandoned, only one rename succeeds. The renamed file is
  // checked again, because between our look and the rename its owner may have released it and another taken it.
  const trash = join(options.tmp, tempName("stale-lock"));
  try {
    await nodeFs().rename(file, trash);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return true;
    throw error;
  }
  const taken = await readOwner(trash);
  if (owner && taken && (taken.pid !== owner.pid || taken.host !== owner.host || taken.at !== owner.at || taken.id !== owner.id)) {
    // We moved a fresh lock of a live owner: put it back if nobody has taken the place meanwhile.
    try {
      await nodeFs().link(trash, file);
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    await nodeFs().rm(trash, { force: true });
    return false;
  }
  await nodeFs().rm(trash, { force: true });
  return true;
}
