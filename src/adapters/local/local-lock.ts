/**
 * One writer per model: a lock file created with `O_EXCL`, which the file system grants to exactly one process.
 * Writes under the lock are short (metadata only; artifact bytes are stored before the lock is taken), so a lock much
 * older than that belongs to a process that died, and is taken over.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { AbortedError, ConflictError } from "../../core/errors.js";
import { errorCode } from "./local-files.js";
import type { LocalPaths } from "./local-paths.js";

/** Settings for {@link withModelLock}. */
export interface LockOptions {
  /** Give up after waiting this long. */
  timeoutMs: number;
  /** A lock file older than this is stale. */
  staleMs: number;
  /** The caller's signal. */
  signal?: AbortSignal;
  /** The operation, for errors. */
  operation: string;
}

/** Runs `work` while holding the model's lock. */
export async function withModelLock<T>(paths: LocalPaths, model: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const file = paths.lock(model);
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) {
      throw new AbortedError("aborted while waiting for the model lock", { provider: "local", operation: options.operation, cause: options.signal.reason });
    }
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    await breakIfStale(paths, file, options.staleMs);
    if (Date.now() - started > options.timeoutMs) {
      throw new ConflictError(`model ${JSON.stringify(model)} stayed locked by another writer for ${options.timeoutMs} ms (${file})`, {
        provider: "local",
        operation: options.operation,
        isRetryable: true,
      });
    }
    // Short random waits: two writers that collide do not keep colliding in step.
    await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt) + Math.random() * 10));
  }
  try {
    return await work();
  } finally {
    await rm(file, { force: true });
  }
}

async function breakIfStale(paths: LocalPaths, file: string, staleMs: number): Promise<void> {
  try {
    const info = await stat(file);
    if (Date.now() - info.mtimeMs < staleMs) return;
    // Rename first: of two processes that both find the lock stale, only one rename succeeds.
    const trash = join(paths.tmp, `stale-lock-${randomUUID()}`);
    await rename(file, trash);
    await rm(trash, { force: true });
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}
