/**
 * Contract: artifacts.
 *
 * @module
 */

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConflictError, IntegrityError, InvalidInputError, NotFoundError } from "../core/errors.js";
import { expectBytes, expectError, readAll, sha256Hex, type ContractEnv } from "./contract-helpers.js";

/** List, open, download; content, nested paths, streamed entries, overwrite rules. */
export function artifactsContract(env: ContractEnv): void {
  describe("artifacts", () => {
    const dirs: string[] = [];
    const tempDir = async () => {
      const dir = await mkdtemp(join(tmpdir(), "modelreg-contract-"));
      dirs.push(dir);
      return dir;
    };
    afterAll(async () => {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    const binary = new Uint8Array(70_000).map((_, i) => (i * 31) % 251);
    const streamed = "streamed ".repeat(1000);
    const source = () => ({
      entries: [
        { path: "MLmodel", content: "flavors: {}\n" },
        { path: "sub/dir/weights.bin", content: binary },
        {
          path: "streamed.txt",
          size: streamed.length,
          open: () =>
            new ReadableStream<Uint8Array>({
              start(controller) {
                const bytes = new TextEncoder().encode(streamed);
                controller.enqueue(bytes.subarray(0, 100));
                controller.enqueue(bytes.subarray(100));
                controller.close();
              },
            }),
        },
      ],
    });

    it(
      "lists every file with its size, and sha256 when recorded",
      async () => {
        const model = env.name("files");
        const v = await env.registry.createVersion(model, { artifacts: source() });
        const files = await env.registry.listArtifacts(v);
        expect(files.map((f) => f.path).sort()).toEqual(["MLmodel", "streamed.txt", "sub/dir/weights.bin"]);
        const weights = files.find((f) => f.path === "sub/dir/weights.bin");
        expect(weights?.size).toBe(binary.byteLength);
        if (weights?.sha256) expect(weights.sha256).toBe(await sha256Hex(binary));
      },
      env.timeoutMs,
    );

    it(
      "refuses a version whose streamed bytes differ from the sha256 the entry declares, and creates nothing",
      async () => {
        const model = env.name("expected");
        const first = await env.registry.createVersion(model, { artifacts: { entries: [{ path: "a.bin", content: "kept" }] } });
        const declared = await sha256Hex(new TextEncoder().encode("what the source promised"));
        const lying = {
          path: "a.bin",
          size: 8,
          sha256: declared,
          open: async function* () {
            yield new TextEncoder().encode("tampered");
          },
        };
        await expectError(env.registry.createVersion(model, { artifacts: { entries: [lying] } }), IntegrityError);
        expect((await env.registry.listVersions(model).toArray()).map((v) => v.version)).toEqual([first.version]);
        const honest = { ...lying, sha256: await sha256Hex(new TextEncoder().encode("tampered")) };
        const second = await env.registry.createVersion(model, { artifacts: { entries: [honest] } });
        expectBytes(await readAll((await env.registry.openArtifact(second, "a.bin")).stream), new TextEncoder().encode("tampered"));
        await expectError(env.registry.createVersion(model, { artifacts: { entries: [{ ...honest, sha256: "not-hex" }] } }), InvalidInputError);
      },
      env.timeoutMs,
    );

    it(
      "streams one file's exact bytes",
      async () => {
        const model = env.name("open");
        const v = await env.registry.createVersion(model, { artifacts: source() });
        expectBytes(await readAll((await env.registry.openArtifact(v, "sub/dir/weights.bin")).stream), binary);
        expect(new TextDecoder().decode(await readAll((await env.registry.openArtifact(v, "streamed.txt")).stream))).toBe(streamed);
        await expectError(env.registry.openArtifact(v, "missing.bin"), NotFoundError);
        await expectError(env.registry.openArtifact(v, "../escape"), InvalidInputError);
      },
      env.timeoutMs,
    );

    it(
      "downloads every file into a directory, and replaces files only when asked",
      async () => {
        const model = env.name("download");
        const v = await env.registry.createVersion(model, { artifacts: source() });
        const dir = await tempDir();
        const result = await env.registry.downloadArtifacts(v, dir);
        expect(result.files.map((f) => f.path).sort()).toEqual(["MLmodel", "streamed.txt", "sub/dir/weights.bin"]);
        expectBytes(new Uint8Array(await readFile(join(dir, "sub", "dir", "weights.bin"))), binary);
        expect(await readFile(join(dir, "streamed.txt"), "utf8")).toBe(streamed);
        await writeFile(join(dir, "MLmodel"), "changed locally");
        await expectError(env.registry.downloadArtifacts(v, dir), ConflictError);
        expect(await readFile(join(dir, "MLmodel"), "utf8")).toBe("changed locally");
        await env.registry.downloadArtifacts(v, dir, { overwrite: true });
        expect(await readFile(join(dir, "MLmodel"), "utf8")).toBe("flavors: {}\n");
      },
      env.timeoutMs,
    );
  });
}
