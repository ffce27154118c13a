/**
 * The one retry loop: p-retry around an attempt, with our own delays (`Retry-After`, backoff with jitter) and an
 * injectable sleep, so tests assert the waits instead of timing them.
 *
 * @module
 */

import pRetry from "p-retry";
import { type AbortedError, type ModelRegistryError, RateLimitError } from "../core/errors.js";

/** Statuses worth another try: timeouts, throttling and server failures, except 501 (it will not start working). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Methods that HTTP defines as idempotent, and so are retried by default. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * The wait a response asks for, in milliseconds: `retry-after-ms` first (it is more precise), then `Retry-After` as
 * delta-seconds or as an HTTP date. Uncapped; a date in the past gives 0.
 *
 * @param headers - The response headers.
 * @param now - The wall clock in epoch milliseconds.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Backoff settings. */
export interface BackoffOptions {
  /** The first step. */
  baseMs: number;
  /** The largest step. */
  maxMs: number;
  /** A number in [0, 1). */
  random: () => number;
}

/**
 * The wait before retry number `retry` (1-based): an exponential step, capped, of which a random half to all is
 * taken. Jitter keeps many clients that failed together from retrying together.
 */
export function backoffDelay(retry: number, { baseMs, maxMs, random }: BackoffOptions): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step * (0.5 + random() / 2));
}

/** Waits `ms`, rejecting with the signal's reason as soon as `signal` aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * One failed attempt, as the loop sees it. Thrown through p-retry so the loop can read what the response said
 * about retrying, then unwrapped before the caller sees it.
 */
export class AttemptFailure extends Error {
  constructor(
    /** The error the caller will get. */
    readonly error: ModelRegistryError,
    /** What the server asked to wait, uncapped. */
    readonly retryAfterMs: number | undefined,
    /** True only when the server provably did not act on the request (see {@link RetryLoopOptions.idempotent}). */
    readonly notProcessed: boolean,
  ) {
    super(error.message);
  }
}

/** How the loop runs. */
export interface RetryLoopOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /**
   * Whether a retry may repeat the request's effect. When false, only failures with `notProcessed` are retried:
   * 408 and 429, 503 with a `Retry-After`, and connections that were never established.
   */
  idempotent: boolean;
  /** Longest honoured `Retry-After`. */
  maxRetryAfterMs: number;
  /** Backoff when the server gave no wait. */
  backoff: BackoffOptions;
  /** The caller's signal; checked before each attempt and during each wait. */
  signal: AbortSignal | undefined;
  /** Waits between attempts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Builds the error for a caller abort. */
  aborted: () => AbortedError;
  /** Told before each wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: ModelRegistryError }) => void;
}

/** The wait before the next attempt: the server's `Retry-After` (capped), or backoff. */
function delayFor(failure: AttemptFailure, retry: number, options: RetryLoopOptions): number {
  const asked = failure.retryAfterMs ?? (RateLimitError.isInstance(failure.error) ? failure.error.retryAfterMs : undefined);
  return asked === undefined ? backoffDelay(retry, options.backoff) : Math.min(asked, options.maxRetryAfterMs);
}

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of retries or is aborted. The error thrown is always a
 * {@link ModelRegistryError}; when more than one attempt was made its message says how many.
 */
export async function runWithRetries<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryLoopOptions): Promise<T> {
  let attempts = 0;
  // What each failed attempt was: the last error alone hides that, say, ten timeouts came before one 503.
  const failures: string[] = [];
  try {
    return await pRetry(
      async (attemptNumber) => {
        if (options.signal?.aborted) throw options.aborted();
        attempts = attemptNumber;
        try {
          return await attempt(attemptNumber);
        } catch (error) {
          if (error instanceof AttemptFailure) failures.push(failureLabel(error.error));
          throw error;
        }
      },
      {
        retries: options.maxRetries,
        // Our own waits run inside shouldRetry; p-retry's timer is turned off so the injected sleep is the only one.
        minTimeout: 0,
        maxTimeout: 0,
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!(error instanceof AttemptFailure) || !error.error.isRetryable) return false;
          if (!options.idempotent && !error.notProcessed) return false;
          const delayMs = delayFor(error, retriesConsumed + 1, options);
          options.onRetry?.({ attempt: retriesConsumed + 1, delayMs, error: error.error });
          try {
            await options.sleep(delayMs, options.signal);
          } catch (sleepError) {
            if (options.signal?.aborted) throw options.aborted();
            throw sleepError;
          }
          if (options.signal?.aborted) throw options.aborted();
          return true;
        },
      },
    );
  } catch (thrown) {
    if (thrown instanceof AttemptFailure) {
      const { error } = thrown;
      let note: string | undefined;
      if (attempts > 1) note = `(gave up after ${attempts} attempts${mixedFailures(failures)})`;
      else if (error.isRetryable && options.maxRetries > 0 && !options.idempotent && !thrown.notProcessed) {
        note = "(not retried: the request is not idempotent and the server may have acted on it)";
      }
      if (note) appendToMessage(error, note);
      throw error;
    }
    // An AbortedError from a wait, or a bug: neither is an attempt's failure, so neither gets a note.
    throw thrown;
  }
}

/** A failed attempt in a few words: its HTTP status, or the error's kind for failures without one. */
function failureLabel(error: ModelRegistryError): string {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? `HTTP ${status}` : error.kind;
}

/** `": 9 TimeoutError, 2 HTTP 503"` when the attempts failed in more than one way; empty when they all failed alike. */
function mixedFailures(failures: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const label of failures) counts.set(label, (counts.get(label) ?? 0) + 1);
  if (counts.size < 2) return "";
  return `: ${[...counts].map(([label, count]) => `${count} ${label}`).join(", ")}`;
}

/** Adds a note to an error's message (and stack header), after construction, when the loop knows how it ended. */
export function appendToMessage(error: Error, note: string): void {
  const before = error.message;
  error.message = `${before} ${note}`;
  if (typeof error.stack === "string") error.stack = error.stack.replace(before, error.message);
}
