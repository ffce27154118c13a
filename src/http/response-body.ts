/**
 * Reading response bodies without trusting their size, and handing streams back without buffering them.
 *
 * @module
 */

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
 * @param signal - Ends a pending read with the signal's reason (see `StreamMonitor.signal` in stream-monitor.ts for why).
 * @param keepTruncated - False when a caller fails on a body over the limit without looking at it: the bytes read are
 *   then dropped instead of joined, which halves the peak memory of a hostile 64 MiB answer.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  onChunk?: (bytes: number) => void,
  signal?: AbortSignal,
  keepTruncated = true,
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
        reader.cancel().catch(() => undefined);
        if (!keepTruncated) return { bytes: new Uint8Array(0), truncated: true };
        chunks.push(value.subarray(0, limit - total));
        total = limit;
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

/** Reads one chunk, or rejects with the signal's reason once it aborts, whichever comes first. */
export function readOrAbort(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined): Promise<ReadableStreamReadResult<Uint8Array>> {
  if (!signal) return reader.read();
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([reader.read(), aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}
