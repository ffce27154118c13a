/**
 * Creates that MLflow does not make idempotent (a run, a logged model, a version), made to happen once: each carries
 * a client token tag, and after a failure that may have reached the server the adapter looks for the token before
 * sending again.
 *
 * @module
 */

import type * as z from "zod/mini";
import { ModelRegistryError, TimeoutError } from "../../core/errors.js";
import type { TransferOptions } from "../../core/options.js";
import { defaultSleep } from "../../http/retry.js";
import { searchVersionsResponse, type MlflowModelVersion } from "./mlflow-api.js";
import { TAG } from "./mlflow-convert.js";
import type { MlflowCall, MlflowTransport } from "./mlflow-transport.js";

const OP = "createVersion";

/** The version carrying `token`, if one exists (the oldest, if a lost create made two). */
export async function findByToken(transport: MlflowTransport, model: string, token: string, options: TransferOptions): Promise<MlflowModelVersion | undefined> {
  return (await findAllByToken(transport, model, token, options))[0];
}

/** Every version carrying `token`, oldest (lowest number) first. */
export async function findAllByToken(transport: MlflowTransport, model: string, token: string, options: TransferOptions): Promise<MlflowModelVersion[]> {
  const found = await transport.call({
    operation: OP,
    method: "GET",
    path: "model-versions/search",
    query: { filter: `name = '${model}' AND tags.\`${TAG.clientToken}\` = '${token.replaceAll("'", "")}'`, max_results: 10 },
    schema: searchVersionsResponse,
    options,
  });
  return (found.model_versions ?? [])
    .filter((v) => v.tags?.some((t) => t.key === TAG.clientToken && t.value === token))
    .sort((a, b) => Number(a.version) - Number(b.version));
}

/** A search filter for the client token tag. Tokens are UUIDs the adapter makes; quotes are dropped all the same. */
export function tokenFilter(token: string): string {
  return `tags.\`${TAG.clientToken}\` = '${token.replaceAll("'", "")}'`;
}

/** How to find what a create with a client token made, and how to take back a second copy. */
export interface CreateOnce<T> {
  /** Everything the token's creates made, the one to keep first (the oldest). */
  find: () => Promise<T[]>;
  /** Removes a copy made by a create that the server ran after the client had given up on it. */
  discard: (extra: T) => Promise<void>;
}

/**
 * Sends a create that is not idempotent (a run, a logged model, a version), carrying a client token, so that however
 * the network fails it makes one thing.
 *
 * - A failure that may have reached the server (a 5xx, a reset, a cut response) is followed by a search for the
 *   token: found means the earlier attempt worked and its result is returned; not found means it is safe to send again.
 * - A timeout is different: the request may still be queued or running on a slow server, so not found yet does not
 *   mean never. The search is repeated, backing off, for as long as one attempt was allowed to take, at least 10 s
 *   and at most 30 s ({@link searchWindowMs}), before the create is sent again.
 * - After any failed attempt, the token is searched once more when a create succeeds: if a request given up on landed
 *   after all, there are two copies; the oldest is kept and returned, the others (made by this call, carrying its
 *   token) are removed.
 */
export async function sendOnce<S extends z.ZodMiniType>(
  transport: MlflowTransport,
  call: MlflowCall<S> & { schema: () => S },
  once: CreateOnce<z.output<S>>,
  options: TransferOptions,
): Promise<z.output<S>> {
  const attempts = (options.maxRetries ?? transport.maxRetries) + 1;
  let lastError: unknown;
  let uncertain = false;
  const settle = async (made: z.output<S> | undefined, found?: Array<z.output<S>>): Promise<z.output<S> | undefined> => {
    const [keep, ...extras] = found ?? (await once.find());
    // Removing is idempotent and retried; a removal that still fails leaves a copy, not a failed create.
    for (const extra of extras) await once.discard(extra).catch(() => undefined);
    return keep ?? made;
  };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let made: z.output<S>;
    try {
      made = await transport.call({ ...call, idempotent: false });
    } catch (error) {
      lastError = error;
      if (!ModelRegistryError.isInstance(error) || !error.isRetryable || options.signal?.aborted) throw error;
      uncertain = true;
      const seen = TimeoutError.isInstance(error)
        ? await waitUntilFound(once, searchWindowMs(options.timeoutMs ?? transport.timeoutMs), options.signal)
        : undefined;
      const found = await settle(undefined, seen);
      if (found !== undefined) return found;
      if (options.signal?.aborted) throw error;
      continue;
    }
    return uncertain ? ((await settle(made)) ?? made) : made;
  }
  throw lastError;
}

/**
 * How long to look for a timed-out create before sending it again: as long as one attempt was allowed, but at least
 * 10 s, at most 30 s. A loaded server runs a request it has queued later than its client's timeout: with a 1.5 s
 * timeout and a window as long, a CI run whose machine was also building made two versions of the first create of
 * every model, as nine creates reached a cold server at once. A create the server never received costs the window.
 */
function searchWindowMs(timeoutMs: number): number {
  return Math.min(Math.max(timeoutMs, 10_000), 30_000);
}

/**
 * Searches for the token until something is found or `waitMs` has passed, backing off from 100 ms. Returns the last
 * search's result; an abort ends the wait early (the caller then gives up with the timeout it had).
 */
async function waitUntilFound<T>(once: CreateOnce<T>, waitMs: number, signal: AbortSignal | undefined): Promise<T[]> {
  const deadline = Date.now() + waitMs;
  for (let delay = 100; ; delay *= 2) {
    const found = await once.find();
    const left = deadline - Date.now();
    if (found.length > 0 || left <= 0 || signal?.aborted) return found;
    await defaultSleep(Math.min(delay, left), signal).catch(() => undefined);
  }
}
