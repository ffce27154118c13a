/**
 * Writing pushed chunks to a new file, for a body that is pumped (see http/body-pump.ts) rather than read.
 *
 * Chunks queue while a write is in flight and go to the file together in one `writev`, so a 1 GiB body costs a few
 * thousand thread-pool round trips rather than one per 64 KiB chunk, with no copy: a `fs.WriteStream` keeps a stream
 * state and a callback per chunk. The sink holds the body back (returns a promise) once {@link HOLD_AT} bytes wait,
 * so memory stays flat when the disk is slower than the network.
 *
 * It works on a file descriptor through `node:fs`'s callbacks, not a `FileHandle`: creating a `FileHandle` cost about
 * 0.5 ms of main-thread CPU (`openFileHandle` and `makeTransferable` in a profile of 1,000 small downloads).
 *
 * @module
 */

import type { ByteStream } from "../core/artifact-source.js";
import { pumpOf } from "../http/body-pump.js";
import { nodeFsSync, nodeStreamPromises } from "../runtime/builtins.js";
import { iterateBytes } from "./byte-streams.js";

/** Bytes queued for the file before the body is held back. */
const HOLD_AT = 4 * 1024 * 1024;

/**
 * A body smaller than this is written when it ends, with `openSync`, `writevSync` and `closeSync`: three system calls
 * that take tens of microseconds on this thread. Each thread-pool round trip instead wakes a pool thread, and with
 * 16 small downloads in flight on a loaded machine the open alone measured about 0.2 ms of main-thread time per file
 * (1,000 x 100 KiB through MLflow). Above it, the file is opened once this many bytes have come, and written as
 * they come.
 */
const SMALL_BODY = 1024 * 1024;

/** A new file that takes chunks as they come. */
export interface FileSink {
  /** Queues a chunk; returns a promise when the caller should wait before sending more. Throws after a failed write. */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Writes what is queued and closes the file; rejects with the first write's failure. */
  close(): Promise<void>;
  /** Closes the file without waiting for queued chunks (the caller removes it). Never rejects. */
  abort(): Promise<void>;
}

/** The chunks left after `written` bytes of `chunks` went out in a short write (for any `writev` loop). */
export function unwritten(chunks: Uint8Array[], written: number): Uint8Array[] {
  let skip = written;
  const rest: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (skip >= chunk.byteLength) skip -= chunk.byteLength;
    else {
      rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
  }
  return rest;
}

/**
 * Returns a sink that writes into `path`, which must not exist. The file is created by the first write that makes
 * the body {@link SMALL_BODY} bytes long, or by `close()`; creating it fails (`EEXIST`, `ENOENT`, `ENOSPC`) there.
 */
export function openFileSink(path: string): FileSink {
  const fs = nodeFsSync();
  let fd = -1;
  const writev = (chunks: Uint8Array[]) =>
    new Promise<number>((resolve, reject) => fs.writev(fd, chunks as NodeJS.ArrayBufferView[], (error, written) => (error ? reject(error) : resolve(written))));
  const closeFd = () => {
    const open = fd;
    fd = -1;
    return open < 0 ? Promise.resolve() : new Promise<void>((resolve, reject) => fs.close(open, (error) => (error ? reject(error) : resolve())));
  };
  let queue: Uint8Array[] = [];
  let queued = 0;
  let failed: { error: unknown } | undefined;
  let flushing: Promise<void> | undefined;
  /** Set once close() or abort() has run: writes are refused, and a second call does nothing (the file must not be created again). */
  let ended = false;
  /** Resolved when the queue drops under the hold mark (or a write fails): the held body may go on. */
  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;

  const writeAll = async (chunks: Uint8Array[]) => {
    // A short write (a signal, a nearly full disk): write the rest, which then succeeds or says why not.
    for (let rest = chunks; rest.length > 0; ) rest = unwritten(rest, await writev(rest));
  };
  const flush = (): Promise<void> =>
    (async () => {
      try {
        if (fd < 0) fd = await new Promise<number>((resolve, reject) => fs.open(path, "wx", (error, opened) => (error ? reject(error) : resolve(opened))));
      } catch (error) {
        failed = { error };
      }
      while (queue.length > 0 && !failed) {
        const batch = queue;
        queue = [];
        queued = 0;
        if (release) {
          release();
          release = undefined;
          held = undefined;
        }
        try {
          await writeAll(batch);
        } catch (error) {
          failed = { error };
        }
      }
      flushing = undefined;
      release?.();
    })();
  /** The whole of a small body, on this thread: create, write, close. */
  const writeSmall = () => {
    const chunks = queue;
    queue = [];
    const opened = fs.openSync(path, "wx");
    try {
      for (let rest = chunks; rest.length > 0; ) rest = unwritten(rest, fs.writevSync(opened, rest as NodeJS.ArrayBufferView[]));
    } finally {
      fs.closeSync(opened);
    }
  };

  return {
    write(chunk) {
      if (failed) throw failed.error;
      if (ended) throw new Error("write after close");
      if (chunk.byteLength === 0) return;
      queue.push(chunk);
      queued += chunk.byteLength;
      // Still small and not yet opened: wait for more, or for close().
      if (fd < 0 && !flushing && queued < SMALL_BODY) return;
      flushing ??= flush();
      if (queued < HOLD_AT) return;
      held ??= new Promise<void>((resolve) => {
        release = resolve;
      }).then(() => {
        if (failed) throw failed.error;
      });
      return held;
    },
    async close() {
      if (ended) return;
      ended = true;
      if (fd < 0 && !flushing && !failed) {
        // Nothing was written yet: the body is all in the queue, under SMALL_BODY bytes (possibly none).
        writeSmall();
        return;
      }
      while (flushing) await flushing;
      if (failed) {
        await closeFd().catch(() => undefined);
        throw failed.error;
      }
      await closeFd();
    },
    async abort() {
      ended = true;
      queue = [];
      while (flushing) await flushing.catch(() => undefined);
      await closeFd().catch(() => undefined);
    },
  };
}

/**
 * Writes a body into the new file `path`, handing each chunk to `check` first (it hashes, counts, and throws to stop
 * the body). A body the HTTP client pushes (body-pump.ts) goes through a {@link FileSink}; any other byte source is
 * read and piped into a write stream. On failure the file may be left partly written: callers write into staging
 * directories they remove.
 */
export async function writeBodyToFile(body: ByteStream, path: string, check: (chunk: Uint8Array) => void): Promise<void> {
  const pump = pumpOf(body);
  if (!pump) {
    async function* checked() {
      for await (const chunk of iterateBytes(body)) {
        check(chunk);
        yield chunk;
      }
    }
    await pipeToNewFile(checked, path);
    return;
  }
  const out = openFileSink(path);
  try {
    await pump((chunk) => {
      check(chunk);
      return out.write(chunk);
    });
    await out.close();
  } catch (error) {
    await out.abort();
    throw error;
  }
}

/**
 * Pipes a byte source into the new file `path`, which must not exist. The file is created before the first byte is
 * read: a write stream opens its file asynchronously, so a source that failed before that open had finished let the
 * file appear after the caller had already removed it (a local-registry temp file left behind by an abort, seen under
 * load). On failure it also waits for the descriptor to close, so nothing reaches the file after it rejects.
 */
export async function pipeToNewFile(source: () => AsyncIterable<Uint8Array>, path: string): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) => {
    nodeFsSync().open(path, "wx", (error, opened) => (error ? reject(error) : resolve(opened)));
  });
  const out = nodeFsSync().createWriteStream(path, { fd, highWaterMark: 1024 * 1024 });
  try {
    await nodeStreamPromises().pipeline(source, out);
  } catch (error) {
    // pipeline settles as soon as it has destroyed the stream, before the descriptor is closed.
    if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
    throw error;
  }
}
