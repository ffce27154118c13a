/**
 * Resuming a download that broke mid-body. The retry loop covers a request up to its response headers; once a stream
 * is handed to the caller, a reset or a stall would fail the whole transfer. A resumable stream asks again for the
 * rest with `Range: bytes=<received>-` (and `If-Range`, so a changed object is not spliced onto the old one) and goes
 * on where it stopped. A server that ignores the range and sends everything again is read past the bytes already
 * delivered, so the caller sees each byte once either way.
 *
 * @module
 */

import { ModelRegistryError, ServerError } from "../core/errors.js";
import { consumeOnce, pumpBody, trackSink, withPump } from "./body-pump.js";
import type { HttpProgress } from "./http-types.js";

/** Opens the body again from `offset`, with the `range` headers to send. */
export type ReopenStream = (
  offset: number,
  headers: Record<string, string>,
  onProgress: ((progress: HttpProgress) => void) | undefined,
) => Promise<{ status: number; headers: Headers; data: ReadableStream<Uint8Array> }>;

/** Settings for {@link resumableStream}. */
export interface ResumeOptions {
  /** How many times the body may be opened again. */
  maxResumes: number;
  /** The first response's headers: its `ETag` or `Last-Modified` make the resume conditional. */
  headers: Headers;
  /** The caller's progress callback; resumed bytes are counted on from where they left off. */
  onProgress: ((progress: HttpProgress) => void) | undefined;
  /** The caller's signal: an abort is never resumed. */
  signal: AbortSignal | undefined;
  /** For errors. */
  provider: string;
  operation: string;
  url: string;
}

/** True for a failure that a fresh request might not have: a reset, a cut body, a stall. */
function resumable(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted || !ModelRegistryError.isInstance(error) || !error.isRetryable) return false;
  return error.kind === "ConnectionError" || error.kind === "TimeoutError";
}

/** The first byte of a `206`'s `Content-Range: bytes <first>-<last>/<size>`, if it is one. */
function rangeStart(headers: Headers): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/i.exec(headers.get("content-range")?.trim() ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * Wraps a downloaded body so that a retryable failure mid-body reopens it from the byte where it stopped, up to
 * `maxResumes` times. Nothing is buffered beyond the chunk in hand.
 */
export function resumableStream(first: ReadableStream<Uint8Array>, reopen: ReopenStream, options: ResumeOptions): ReadableStream<Uint8Array> {
  let source = first;
  let reader = first.getReader();
  let delivered = 0;
  let resumes = 0;
  // Bytes of a full (200) re-send that were already delivered and must be dropped.
  let skip = 0;
  const validator = options.headers.get("etag") ?? options.headers.get("last-modified") ?? undefined;

  const reopenFrom = async () => {
    const headers: Record<string, string> = { range: `bytes=${delivered}-` };
    if (validator !== undefined) headers["if-range"] = validator;
    // A 206 counts on from `delivered`; a 200 starts over at 0 (set below, before any of its bytes are read).
    let base = delivered;
    const progress = options.onProgress && ((p: HttpProgress) => options.onProgress?.({ transferredBytes: base + p.transferredBytes, totalBytes: undefined }));
    const res = await reopen(delivered, headers, progress);
    if (res.status !== 206) base = 0;
    if (res.status === 206) {
      const start = rangeStart(res.headers);
      if (start !== delivered) {
        await res.data.cancel().catch(() => undefined);
        throw new ServerError(`the server resumed the download at byte ${String(start)} instead of ${delivered}`, {
          provider: options.provider,
          operation: options.operation,
          url: options.url,
          isRetryable: false,
        });
      }
      skip = 0;
    } else {
      // A 200: the whole body again. Either the server ignores ranges, or the object changed and If-Range said so;
      // only a 200 with the same validator proves the first, and splicing a changed object's tail onto the old
      // head would deliver a file that never existed.
      const again = res.headers.get("etag") ?? res.headers.get("last-modified") ?? undefined;
      if (validator !== undefined && again !== validator) {
        await res.data.cancel().catch(() => undefined);
        throw new ServerError("the file changed on the server while it was being downloaded; download it again", {
          provider: options.provider,
          operation: options.operation,
          url: options.url,
          isRetryable: false,
        });
      }
      skip = delivered;
    }
    source = res.data;
    reader = res.data.getReader();
  };

  /** Drops what a full re-send repeats; returns the bytes still to deliver (maybe none). */
  const fresh = (value: Uint8Array): Uint8Array => {
    if (skip > 0) {
      const dropped = Math.min(skip, value.byteLength);
      skip -= dropped;
      value = value.subarray(dropped);
    }
    delivered += value.byteLength;
    return value;
  };

  const consume = consumeOnce();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        consume("read");
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            if (resumes >= options.maxResumes || !resumable(error, options.signal)) {
              controller.error(error);
              return;
            }
            resumes++;
            try {
              await reopenFrom();
            } catch (reopenError) {
              controller.error(reopenError);
              return;
            }
            continue;
          }
          if (chunk.done) {
            controller.close();
            return;
          }
          const value = fresh(chunk.value);
          if (value.byteLength === 0) continue;
          controller.enqueue(value);
          return;
        }
      },
      cancel(reason) {
        return reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  // The same resumes for a pumped body: each opening is pumped in turn, from where the last one stopped.
  return withPump(stream, async (sink) => {
    consume("pump");
    const tracked = trackSink(sink);
    for (;;) {
      try {
        await pumpBody(
          source,
          (chunk) => {
            const value = fresh(chunk);
            return value.byteLength === 0 ? undefined : tracked.sink(value);
          },
          reader,
        );
        return;
      } catch (error) {
        if (tracked.failure() || resumes >= options.maxResumes || !resumable(error, options.signal)) throw error;
        resumes++;
        await reopenFrom();
      }
    }
  });
}
