/**
 * Request bodies: a fresh body per attempt from the caller's factory, upload progress, and `Content-Length` for
 * streams.
 *
 * @module
 */

import type { HttpBody, HttpProgress } from "./http-types.js";

/** A body ready for fetch. */
export interface PreparedBody {
  /** What fetch sends. */
  body: BodyInit | ReadableStream<Uint8Array>;
  /** True for a stream: fetch needs `duplex: "half"`, and the body cannot be replayed for a redirect. */
  streamed: boolean;
  /** The size in bytes, when known. */
  size: number | undefined;
  /** Reports the whole body as sent; for bodies fetch sends in one piece, called once the response arrives. */
  reportSent(): void;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<Uint8Array> => typeof value === "object" && value !== null && Symbol.asyncIterator in value;

/** Wraps an async iterable (a Node stream) as a web stream, pulling one chunk per read so back-pressure holds. */
export function toReadableStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function knownSize(body: BodyInit): number | undefined {
  if (typeof body === "string") return new TextEncoder().encode(body).byteLength;
  if (body instanceof Blob) return body.size;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof URLSearchParams) return new TextEncoder().encode(body.toString()).byteLength;
  return undefined;
}

/**
 * Builds the body for one attempt. A stream is passed through a counter that reports progress per chunk as fetch
 * pulls it and restarts the attempt's idle timer, so a slow but moving upload does not time out.
 *
 * @param raw - What the caller's body factory returned.
 * @param declaredSize - The caller's `bodySize`.
 * @param onProgress - The caller's upload progress callback.
 * @param onBytes - Told about every chunk (the deadline's `touch`).
 */
export function prepareBody(
  raw: HttpBody,
  declaredSize: number | undefined,
  onProgress: ((progress: HttpProgress) => void) | undefined,
  onBytes: () => void,
): PreparedBody {
  const stream = raw instanceof ReadableStream ? (raw as ReadableStream<Uint8Array>) : isAsyncIterable(raw) ? toReadableStream(raw) : undefined;
  if (stream) {
    let sent = 0;
    const counted = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(chunk);
          sent += chunk.byteLength;
          onBytes();
          onProgress?.({ transferredBytes: sent, totalBytes: declaredSize });
        },
      }),
    );
    return { body: counted, streamed: true, size: declaredSize, reportSent: () => undefined };
  }
  const body = raw as BodyInit;
  const size = declaredSize ?? knownSize(body);
  let reported = false;
  return {
    body,
    streamed: false,
    size,
    reportSent: () => {
      if (reported || !onProgress || size === undefined) return;
      reported = true;
      onProgress({ transferredBytes: size, totalBytes: size });
    },
  };
}
