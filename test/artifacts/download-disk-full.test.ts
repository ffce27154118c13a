// A download that fills the disk, through the default transport and the body pump (the path every HTTP download
// takes): the caller gets a typed StorageError naming the operation, the target directory is left as it was (no
// staging directory, no partial file), and the connection is let go instead of being read to the end.
//
// Mounts an 8 MiB tmpfs (Linux, root); skips with the reason where it cannot.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageError } from "modelreg";
import { downloadToDirectory } from "../../src/artifacts/download.js";
import { createHttpClient } from "../../src/http/http-client.js";
import { nodeFetch } from "../../src/http/node-fetch.js";
import { tmpfsProblem } from "../support/tmpfs.js";

const problem = tmpfsProblem();
if (problem) console.warn(`skipping the disk-full download test: ${problem}`);

const SIZE = 24 * 1024 * 1024;
const SMALL = 100 * 1024;
let server: Server;
let base: string;
let sent = 0;
let closedEarly: Promise<boolean>;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith("/small/")) {
      // Small files are written whole when their body ends (file-sink.ts), on the main thread.
      res.writeHead(200, { "content-length": String(SMALL) });
      res.end(new Uint8Array(SMALL).fill(3));
      return;
    }
    res.writeHead(200, { "content-length": String(SIZE) });
    const chunk = new Uint8Array(256 * 1024).fill(7);
    closedEarly = new Promise((resolve) => res.on("close", () => resolve(sent < SIZE)));
    const more = () => {
      while (sent < SIZE) {
        sent += chunk.byteLength;
        if (!res.write(chunk)) return void res.once("drain", more);
      }
      res.end();
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe.skipIf(problem !== undefined)("a download onto a full disk (8 MiB tmpfs)", () => {
  it("fails typed, naming the operation, leaves the directory as it was, and lets the connection go (one large file, then many small ones)", async () => {
    const mount = mkdtempSync(join(tmpdir(), "modelreg-dlfull-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mount], { stdio: "pipe" });
    try {
      await writeFile(join(mount, "kept.txt"), "already here");
      const client = createHttpClient({ provider: "mlflow", baseUrl: base, fetch: nodeFetch, maxRetries: 0 });
      const error = await downloadToDirectory({
        directory: mount,
        files: [{ path: "weights.bin", size: SIZE }],
        open: async (_file, signal) =>
          (await client.request({ operation: "downloadArtifacts", path: "w", responseType: "stream", signal })).data as ReadableStream<Uint8Array>,
        provider: "mlflow",
        operation: "downloadArtifacts",
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(StorageError.isInstance(error)).toBe(true);
      expect((error as StorageError).operation).toBe("downloadArtifacts");
      expect((error as Error).message).toMatch(/space|full/i);
      expect(await readdir(mount)).toEqual(["kept.txt"]);
      expect(await closedEarly).toBe(true);

      // Many small files (120 x 100 KiB into what is left of 8 MiB): each is written when its body ends, and the
      // disk fills in the middle of that write.
      const files = Array.from({ length: 120 }, (_, i) => ({ path: `part-${i}.bin`, size: SMALL }));
      const small = await downloadToDirectory({
        directory: mount,
        files,
        open: async (file, signal) =>
          (await client.request({ operation: "downloadArtifacts", path: `small/${file.path}`, responseType: "stream", signal }))
            .data as ReadableStream<Uint8Array>,
        provider: "mlflow",
        operation: "downloadArtifacts",
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(StorageError.isInstance(small)).toBe(true);
      expect((small as StorageError).operation).toBe("downloadArtifacts");
      expect((small as Error).message).toMatch(/space|full/i);
      expect(await readdir(mount)).toEqual(["kept.txt"]);
    } finally {
      try {
        execFileSync("umount", [mount], { stdio: "pipe" });
      } catch {
        execFileSync("umount", ["-l", mount], { stdio: "pipe" });
      }
      rmSync(mount, { recursive: true, force: true });
    }
  });
});
