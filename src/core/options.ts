/**
 * Options every call takes, and the logger clients take.
 *
 * @module
 */

import type { TransferProgress } from "./artifact-source.js";

/** Options every registry call accepts. Nothing here is kept on the client between calls. */
export interface CallOptions {
  /** Aborts the call, including retries and transfers under way. */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds per attempt (transfers: without progress). */
  timeoutMs?: number;
  /** Retries for retryable failures (408, 429, 5xx, connection errors). `0` turns retries off. */
  maxRetries?: number;
  /** Extra HTTP headers for this call. */
  headers?: Record<string, string>;
  /** Who is acting, for audit trails. Default: the client's `actor`, then the OS user. */
  actor?: string;
}

/**
 * Files in flight at once when a call does not say. Eight keeps a server with many small files busy (the 1,000-file
 * benchmark against MLflow); each file streams, so memory does not grow with it.
 */
export const DEFAULT_TRANSFER_CONCURRENCY = 8;

/**
 * Files in flight at once when a call does not say and every file is small (sizes known, 1 MiB or less on average).
 * A small file is mostly request and response, not bytes: against MLflow with four workers, 1,000 files of 100 KiB
 * went up about 7% and down about 10% faster at 16 than at 8 (32 was no faster than 16).
 */
export const SMALL_FILES_CONCURRENCY = 16;

/**
 * How many files a transfer moves at once: what the caller asked for, else {@link SMALL_FILES_CONCURRENCY} for small
 * files and {@link DEFAULT_TRANSFER_CONCURRENCY} otherwise.
 */
export function transferConcurrency(asked: number | undefined, files: ReadonlyArray<{ size?: number | undefined }>): number {
  if (asked !== undefined) return asked;
  let total = 0;
  for (const file of files) {
    if (file.size === undefined) return DEFAULT_TRANSFER_CONCURRENCY;
    total += file.size;
  }
  return files.length > 0 && total / files.length <= 1024 * 1024 ? SMALL_FILES_CONCURRENCY : DEFAULT_TRANSFER_CONCURRENCY;
}

/** Options for calls that move artifact bytes. */
export interface TransferOptions extends CallOptions {
  /** Called as bytes move. */
  onProgress?: (progress: TransferProgress) => void;
  /**
   * How many files move at once. Default {@link DEFAULT_TRANSFER_CONCURRENCY} (8), or {@link SMALL_FILES_CONCURRENCY}
   * (16) when every file's size is known and they average 1 MiB or less.
   */
  concurrency?: number;
}

/** Options for list calls. */
export interface ListOptions extends CallOptions {
  /** Items per page. Each adapter caps it at what its provider allows. */
  pageSize?: number;
  /** Start from a page token returned by an earlier page. */
  pageToken?: string;
}

/** A minimal logger; `console` fits. Secrets are redacted before anything reaches it. */
export interface Logger {
  /** Detail: one line per HTTP attempt. */
  debug(message: string, data?: Record<string, unknown>): void;
  /** Progress worth showing. */
  info(message: string, data?: Record<string, unknown>): void;
  /** Something was off but the call went on. */
  warn(message: string, data?: Record<string, unknown>): void;
  /** A call failed. */
  error(message: string, data?: Record<string, unknown>): void;
}

/** How a client talks HTTP: what every remote adapter's settings share. */
export interface ClientSettings {
  /** The fetch to use. Default: modelreg's own transport over `node:http(s)` (see `HttpClientConfig.fetch`); pass `globalThis.fetch` to use Node's fetch instead. */
  fetch?: typeof globalThis.fetch;
  /** Gets one debug line per request; secrets are redacted first. */
  logger?: Logger;
  /** Retries for retryable failures. Default 2. */
  maxRetries?: number;
  /** Per-attempt timeout in milliseconds (transfers: without progress). */
  timeoutMs?: number;
  /**
   * The first wait before a retry; each further retry waits about twice as long, with jitter. Default 500 ms. A
   * pipeline on a flaky network may want more retries with shorter waits.
   */
  retryBaseDelayMs?: number;
  /** The longest wait between two attempts, `Retry-After` aside. Default 8 000 ms. */
  retryMaxDelayMs?: number;
}
