// Shared pieces for the hostile-server tests: temp directories with a sentinel sibling, lazily generated bodies that
// are never held whole, and memory measurement.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, expect } from "vitest";
import { ModelRegistryError } from "../../src/core/errors.js";

/** The path tricks every listing test feeds to every adapter. Each must be refused before a byte is written. */
export const ESCAPING_PATHS: readonly string[] = [
  "../x",
  "a/../../x",
  "/etc/x",
  "C:\\x",
  "C:/x",
  "a\\..\\x",
  "a/./b",
  "./a",
  "a//b",
  "a/",
  "..",
  "a/..",
  "\u0000x",
  "a/b\u0000.txt",
];

/**
 * Paths that look like traversal only once decoded. They are literal names, so they may be written, but only inside
 * the target directory; a client that URL-decoded them would escape.
 */
export const ENCODED_PATHS: readonly string[] = ["%2e%2e/x", "%2e%2e%2fx", "..%2fx", "%2fetc%2fx"];

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A workspace with a download target and an empty sentinel sibling that no download may touch. */
export interface Workspace {
  /** The temp root holding both. */
  root: string;
  /** Where downloads go (not created: the download creates it). */
  target: string;
  /** A sibling of `target` that must stay empty. */
  outside: string;
}

/** A fresh workspace, removed after the test. */
export async function workspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), "modelreg-hostile-"));
  made.push(root);
  const outside = join(root, "outside");
  await mkdir(outside);
  return { root, target: join(root, "target"), outside };
}

/** Every file and symlink under `dir` (directories left out), relative and sorted; `[]` when it does not exist. */
export async function tree(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => !e.isDirectory())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Everything in the workspace root except the two known directories: a file written by `../x` lands here. */
export async function strays(ws: Workspace): Promise<string[]> {
  return (await readdir(ws.root)).filter((e) => e !== "target" && e !== "outside");
}

/** Asserts a refused download left nothing behind: not in the target, not beside it, not in the workspace root. */
export async function expectNothingWritten(ws: Workspace): Promise<void> {
  expect(await tree(ws.target)).toEqual([]);
  expect(await tree(ws.outside)).toEqual([]);
  expect(await strays(ws)).toEqual([]);
}

/**
 * Asserts the error is a {@link ModelRegistryError} of exactly one of the given kinds and returns it.
 *
 * @param kinds - The acceptable `kind` values, for example `["InvalidInputError"]`.
 */
export function expectKind(error: unknown, kinds: readonly string[]): ModelRegistryError {
  expect(ModelRegistryError.isInstance(error), `not a ModelRegistryError: ${String(error)}`).toBe(true);
  const e = error as ModelRegistryError;
  expect(kinds, `${e.kind}: ${e.message}`).toContain(e.kind);
  return e;
}

/** Bytes the generated bodies have handed out so far, per stream. */
export interface Meter {
  /** Bytes pulled by the client. */
  pulled: number;
  /** True once the client cancelled the stream. */
  cancelled: boolean;
}

/**
 * A body of `total` bytes (or endless with `Infinity`) made one chunk per pull, so it is never in memory whole.
 * `prefix` goes first, so a JSON body can open an array that then never closes.
 */
export function lazyBody(total: number, options: { chunk?: number; prefix?: string; fill?: number; meter?: Meter } = {}): ReadableStream<Uint8Array> {
  const size = options.chunk ?? 1024 * 1024;
  // One shared chunk: the generator must not be what uses the memory being measured.
  const block = new Uint8Array(size).fill(options.fill ?? 0x20);
  const meter = options.meter ?? { pulled: 0, cancelled: false };
  let prefix: Uint8Array | undefined = options.prefix === undefined ? undefined : new TextEncoder().encode(options.prefix);
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (prefix) {
          controller.enqueue(prefix);
          sent += prefix.byteLength;
          meter.pulled = sent;
          prefix = undefined;
          return;
        }
        if (sent >= total) return controller.close();
        const n = Math.min(size, total - sent);
        controller.enqueue(n === size ? block : block.subarray(0, n));
        sent += n;
        meter.pulled = sent;
      },
      cancel() {
        meter.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
}

/** A body that sends `first` (possibly nothing) and then never another byte, nor its end. */
export function stalledBody(first?: string): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (first !== undefined) controller.enqueue(new TextEncoder().encode(first));
    },
  });
}

/** Process memory now, after a collection when the process allows one (`--expose-gc`). */
export function memoryNow(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

/** One MiB. */
export const MiB = 1024 * 1024;

/** Runs `run` and returns its rejection with the peak RSS growth seen while it ran (sampled every 20 ms). */
export async function peakGrowth(run: () => Promise<unknown>): Promise<{ error: unknown; growth: number }> {
  const before = memoryNow();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  let error: unknown;
  try {
    await run();
    error = new Error("expected a rejection");
  } catch (e) {
    error = e;
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { error, growth: peak - before };
}

/** The request headers as a plain object, for assertions that print what leaked. */
export function headersOf(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/**
 * Asserts no canary secret appears in a request a foreign host saw: not in any header (Basic or not, base64 or not),
 * not in the URL (raw or percent-encoded), and that no credential header is present at all.
 */
export function expectNoCredentials(seen: { url: string; headers: Record<string, string> }, canaries: readonly string[]): void {
  for (const name of ["authorization", "proxy-authorization", "cookie", "x-goog-user-project", "x-api-key", "x-goog-api-key", "api-key"]) {
    expect(seen.headers[name], `${name} reached ${seen.url}`).toBeUndefined();
  }
  const text = `${seen.url}\n${JSON.stringify(seen.headers)}`;
  const decoded = Object.values(seen.headers)
    .flatMap((v) => v.split(/[\s,]+/))
    .map((token) => {
      try {
        return Buffer.from(token, "base64").toString("latin1");
      } catch {
        return "";
      }
    })
    .join("\n");
  for (const canary of canaries) {
    expect(text).not.toContain(canary);
    expect(text).not.toContain(encodeURIComponent(canary));
    expect(text).not.toContain(Buffer.from(canary).toString("base64"));
    expect(decoded).not.toContain(canary);
  }
}
