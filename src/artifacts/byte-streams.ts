/**
 * Turning the byte sources users hand us (web streams, Node streams, strings) into one shape to read.
 *
 * @module
 */

import type { ByteStream } from "../core/artifact-source.js";

/** Iterates any {@link ByteStream} chunk by chunk, whichever kind it is. */
export async function* iterateBytes(stream: ByteStream): AsyncGenerator<Uint8Array> {
  if (isWebStream(stream)) {
    const reader = stream.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        yield value;
      }
    } finally {
      // Stopped early (an abort, an error downstream): release the source instead of leaving it half-read.
      if (!finished) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  for await (const chunk of stream) yield toBytes(chunk);
}

/** Wraps an async iterable of chunks as a web stream that pulls one chunk per read. */
export function toWebStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function isWebStream(stream: ByteStream): stream is ReadableStream<Uint8Array> {
  return typeof (stream as ReadableStream<Uint8Array>).getReader === "function";
}

/** Node streams yield Buffers (Uint8Array subclasses) or, in string mode, strings. */
function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`a byte stream yielded ${typeof chunk}, not bytes`);
}
