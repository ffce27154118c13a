/**
 * A second way to read a response body, for callers that consume every chunk on the spot (hash it, write it to a
 * file): the body pushes chunks into a function instead of being pulled through a web stream.
 *
 * Why: a web stream costs a few promises and objects per chunk at every layer (the transport's stream, the client's
 * progress and idle-timer wrapper, resume, the download's reader). At 16,000 chunks per GiB that garbage kept V8's
 * four GC threads busy for about 2 CPU seconds per GiB, more than the hashing (bench/transfer.ts, per-thread CPU from
 * `/proc/self/task`). Pushed chunks die where they are used and the GC threads stay idle.
 *
 * A stream that has a pump still works as a normal web stream; the pump is an alternative, chosen by the first
 * consumer. Every layer that wraps a body forwards its pump, so a download that reaches the transport's pump runs
 * the same checks (progress, idle timer, error mapping, resume) as one that reads.
 *
 * @module
 */

/**
 * Takes one chunk. Returning a promise holds the body (the socket pauses) until it settles; returning nothing lets
 * the next chunk come. Throwing or rejecting stops the body, and the pump rejects with that error.
 */
export type ChunkSink = (chunk: Uint8Array) => void | Promise<void>;

/** Pushes the whole body into `sink`; resolves once the body ended and the last chunk's promise settled. */
export type BodyPump = (sink: ChunkSink) => Promise<void>;

const PUMP = Symbol("modelreg.bodyPump");

type Pumpable = ReadableStream<Uint8Array> & { [PUMP]?: BodyPump };

/** Gives `stream` a pump. The stream must not be read once the pump is used, nor the pump used once it is read. */
export function withPump<T extends ReadableStream<Uint8Array>>(stream: T, pump: BodyPump): T {
  (stream as Pumpable)[PUMP] = pump;
  return stream;
}

/** The stream's pump, if it has one (any other byte source, such as a Node stream, has none). */
export function pumpOf(stream: object): BodyPump | undefined {
  return (stream as Pumpable)[PUMP];
}

/**
 * Pushes a body into `sink`: through its pump when it has one, else by reading it (through `reader` when the caller
 * already holds one). Either way each chunk's promise is awaited before the next is taken.
 */
export async function pumpBody(stream: ReadableStream<Uint8Array>, sink: ChunkSink, reader?: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const pump = pumpOf(stream);
  if (pump) return pump(sink);
  const own = reader ?? stream.getReader();
  try {
    for (;;) {
      const { done, value } = await own.read();
      if (done) return;
      const held = sink(value);
      if (held) await held;
    }
  } catch (error) {
    own.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    if (!reader) own.releaseLock();
  }
}

/** A guard that lets a body be consumed one way only: by reading or by its pump. */
export function consumeOnce(): (how: "read" | "pump") => void {
  let chosen: "read" | "pump" | undefined;
  return (how) => {
    if (chosen === undefined) chosen = how;
    else if (chosen !== how || how === "pump") throw new TypeError("the response body is already being read");
  };
}

/**
 * Wraps a sink so a layer can tell the sink's own failure (a full disk, a digest mismatch) from the body's: the
 * layer maps and may retry the body's failures, and must pass the sink's through unchanged.
 */
export function trackSink(sink: ChunkSink): { sink: ChunkSink; failure: () => { error: unknown } | undefined } {
  let failed: { error: unknown } | undefined;
  const fail = (error: unknown): never => {
    failed ??= { error };
    throw error;
  };
  return {
    sink: (chunk) => {
      let held: void | Promise<void>;
      try {
        held = sink(chunk);
      } catch (error) {
        return fail(error);
      }
      return held ? held.catch(fail) : undefined;
    },
    failure: () => failed,
  };
}
