/**
 * Reading response bodies without trusting their size, and handing streams back without buffering them.
 *
 * @module
 */

import { consumeOnce, pumpBody, trackSink, withPump } from "./body-pump.js";
import type { HttpProgress } from "./http-types.js";

/**
 * Cancels a body without waiting. Per the Streams spec, cancelling one branch of a tee settles only when every branch
 * is cancelled, and fetch interceptors (msw) and hooks tee responses, so an awaited cancel can hang forever.
 */
export function discardBody(body: ReadableStream<Uint8Array> | null | undefined, reason?: unknown): void {
  body?.cancel(reason).catch(() => undefined);
}

/** The declared `Content-Length`, when it is a valid number. */
export function contentLength(headers: Headers): number | undefined {
  const value = headers.get("content-length");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/** Bytes read from a body, and whether reading stopped at the limit. */
export interface ReadResult {
  /** The bytes read (at most the limit). */
  bytes: Uint8Array;
  /** True when the body was longer than the limit; the rest was not read. */
  truncated: boolean;
}

/**
 * Reads at most `limit` bytes, then cancels the body. Memory stays bounded whatever the server sends, which a plain
 * `response.text()` cannot promise.
 *
 * @param body - The response body.
 * @param limit - The most bytes to keep.
 * @param onChunk - Told how many bytes each chunk had.
 * @param signal - Ends a pending read with the signal's reason (see {@link StreamMonitor.signal} for why).
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  onChunk?: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<ReadResult> {
  if (!body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await readOrAbort(reader, signal);
      } catch (error) {
        // Not awaited, for the tee reason given at discardBody; the pending read is abandoned with the stream.
        reader.cancel(error).catch(() => undefined);
        throw error;
      }
      const { done, value } = result;
      if (done) break;
      onChunk?.(value.byteLength);
      if (total + value.byteLength > limit) {
        chunks.push(value.subarray(0, limit - total));
        total = limit;
        reader.cancel().catch(() => undefined);
        return { bytes: concat(chunks, total), truncated: true };
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return { bytes: concat(chunks, total), truncated: false };
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Decodes UTF-8, replacing invalid sequences rather than failing: the text is for parsing and for messages. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes);
}

/** Parses JSON; `ok: false` instead of throwing, so the caller can say what it got instead. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** What {@link monitorStream} reports to. */
export interface StreamMonitor {
  /** The response's `Content-Length`, for progress totals. */
  totalBytes: number | undefined;
  /** Told about every chunk (restarts the idle timer). */
  onBytes: () => void;
  /** The caller's progress callback. */
  onProgress: ((progress: HttpProgress) => void) | undefined;
  /** Called once when the stream ends, fails or is cancelled. */
  onDone: () => void;
  /** Turns a read failure into the error the consumer should see. */
  mapError: (error: unknown) => unknown;
  /**
   * The attempt's signal. A pending read ends when it aborts: real fetch errors the body then, but a body that does
   * not come from the network (an interceptor, a test double) would otherwise wait forever.
   */
  signal?: AbortSignal;
}

/** Reads one chunk, or rejects with the signal's reason once it aborts, whichever comes first. */
function readOrAbort(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined): Promise<ReadableStreamReadResult<Uint8Array>> {
  if (!signal) return reader.read();
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([reader.read(), aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/**
 * Wraps a response body for the caller: reports progress, keeps the idle timer alive while bytes flow, turns read
 * failures into typed errors, and releases the attempt's timer when the stream ends. Pulls one chunk per read and
 * buffers nothing.
 */
export function monitorStream(body: ReadableStream<Uint8Array>, monitor: StreamMonitor): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  let finished = false;
  const done = () => {
    if (finished) return;
    finished = true;
    monitor.onDone();
  };
  const count = (chunk: Uint8Array) => {
    received += chunk.byteLength;
    monitor.onBytes();
    monitor.onProgress?.({ transferredBytes: received, totalBytes: monitor.totalBytes });
  };
  const consume = consumeOnce();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        consume("read");
        try {
          const { done: end, value } = await readOrAbort(reader, monitor.signal);
          if (end) {
            done();
            controller.close();
            return;
          }
          count(value);
          controller.enqueue(value);
        } catch (error) {
          const mapped = monitor.mapError(error);
          done();
          reader.cancel(mapped).catch(() => undefined);
          controller.error(mapped);
        }
      },
      cancel(reason) {
        done();
        // Not awaited, for the tee reason given at discardBody.
        reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  // The same checks for a pumped body: count each chunk as it passes, map the failure, end on the signal.
  return withPump(stream, async (sink) => {
    consume("pump");
    const tracked = trackSink(sink);
    const signal = monitor.signal;
    let onAbort: () => void = () => undefined;
    try {
      if (signal?.aborted) throw signal.reason;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      aborted.catch(() => undefined);
      const pumped = pumpBody(
        body,
        (chunk) => {
          count(chunk);
          return tracked.sink(chunk);
        },
        reader,
      );
      await (signal ? Promise.race([pumped, aborted]) : pumped);
      done();
    } catch (error) {
      // The sink's own failure passes through as it is; only the body's is mapped.
      const mapped = tracked.failure()?.error ?? monitor.mapError(error);
      done();
      reader.cancel(mapped).catch(() => undefined);
      throw mapped;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  });
}
