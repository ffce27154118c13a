// The file sink behind every pumped download (downloads and sync's spool): a body under 1 MiB is written when it
// ends, a larger one as it comes; either way the bytes land whole, an existing file is refused and left as it was,
// and an aborted body leaves at most a closed file for the caller's staging directory.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFileSink } from "../../src/artifacts/file-sink.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "modelreg-sink-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `count` chunks of `size` bytes, each filled with its own index so order and gaps show in the digest. */
function chunks(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i % 251));
}
const sha = (data: Uint8Array | Uint8Array[]) => {
  const h = createHash("sha256");
  for (const c of Array.isArray(data) ? data : [data]) h.update(c);
  return h.digest("hex");
};

describe("openFileSink", () => {
  it("writes a small body whole when it ends, creating the file only then", async () => {
    const path = join(dir, "small");
    const body = chunks(10, 10_000);
    const sink = openFileSink(path);
    for (const c of body) await sink.write(c);
    expect(existsSync(path)).toBe(false);
    await sink.close();
    expect(sha(readFileSync(path))).toBe(sha(body));
  });

  it("writes a large body as it comes: the file exists before the body ends, and holds every byte in order", async () => {
    const path = join(dir, "large");
    const body = chunks(96, 64 * 1024); // 6 MiB: past the small-body size and the 4 MiB hold mark
    const sink = openFileSink(path);
    let seenBeforeEnd = false;
    for (const [i, c] of body.entries()) {
      await sink.write(c);
      if (i === 80) {
        // Give the thread pool a turn: the open and the first writes run there.
        await new Promise((resolve) => setTimeout(resolve, 20));
        seenBeforeEnd = existsSync(path);
      }
    }
    await sink.close();
    expect(seenBeforeEnd).toBe(true);
    expect(sha(readFileSync(path))).toBe(sha(body));
  });

  it("creates an empty file for an empty body", async () => {
    const path = join(dir, "empty");
    const sink = openFileSink(path);
    await sink.close();
    expect(readFileSync(path).byteLength).toBe(0);
  });

  it.each([
    ["small", 3, 1000],
    ["large", 40, 64 * 1024],
  ])("refuses a %s body over an existing file and leaves that file as it was", async (_name, count, size) => {
    const path = join(dir, "taken");
    writeFileSync(path, "already here");
    const sink = openFileSink(path);
    const outcome = await (async () => {
      for (const c of chunks(count, size)) await sink.write(c);
      await sink.close();
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((outcome as NodeJS.ErrnoException | undefined)?.code).toBe("EEXIST");
    await sink.abort();
    expect(readFileSync(path, "utf8")).toBe("already here");
  });

  it("leaves no file when a small body is aborted, and a closed one when a large body is", async () => {
    const small = openFileSink(join(dir, "a"));
    await small.write(new Uint8Array(1000));
    await small.abort();
    expect(existsSync(join(dir, "a"))).toBe(false);

    const large = openFileSink(join(dir, "b"));
    for (const c of chunks(20, 64 * 1024)) await large.write(c);
    await large.abort();
    await expect(large.close()).resolves.toBeUndefined();
    // Closed: removing it (as the caller's staging cleanup does) works, and no write goes on after.
    rmSync(join(dir, "b"), { force: true });
    expect(existsSync(join(dir, "b"))).toBe(false);
    expect(() => large.write(new Uint8Array(1))).toThrow(/after close/);
  });
});
