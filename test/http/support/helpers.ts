import type { Logger } from "../../../src/core/options.js";

/** A logger that keeps every line, so tests can search the output for secrets. */
export function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; data?: Record<string, unknown> }>; text(): string } {
  const lines: Array<{ level: string; message: string; data?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, data?: Record<string, unknown>) => {
    lines.push({ level, message, ...(data ? { data } : {}) });
  };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    text: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.data ?? {})}`).join("\n"),
  };
}

/** A sleep that records what it was asked to wait and returns at once. */
export function recordingSleep(): ((ms: number, signal?: AbortSignal) => Promise<void>) & { delays: number[] } {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  return Object.assign(sleep, { delays });
}

export { rejectionOf } from "../../support/rejection.js";

/** A stream of `count` chunks of `size` bytes each, filled with `fill`. */
export function chunkedStream(count: number, size: number, fill = 7): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === count) return controller.close();
      sent++;
      controller.enqueue(new Uint8Array(size).fill(fill));
    },
  });
}

/** Reads a whole stream into one byte array. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
