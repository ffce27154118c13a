/**
 * Handing a streamed response body to the caller with the client's checks on every chunk. Loaded by the first
 * streamed response (a file), not with the client: a handler that only reads metadata never needs it
 * (bench/cold-start.ts measures its bundle).
 *
 * @module
 */

import { consumeOnce, pumpBody, trackSink, withPump } from "./body-pump.js";
import type { HttpProgress } from "./http-types.js";
import { readOrAbort } from "./response-body.js";

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
