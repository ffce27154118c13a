// File paths inside artifact sources: refused with InvalidInputError before any request or file write, leaving no
// partial version and nothing outside the registry; or stored under exactly that path with byte-identical content.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "modelreg/local";
import { mixed, validArtifactPath } from "./support/arbitraries.js";
import { attempt, expectCleanRefusal, httpRegistries, listTree, localRegistry, propertyFile, type RecordedRegistry } from "./support/harness.js";

const property = propertyFile("artifact-paths");

/** Replaced by the canary directory's absolute path, so absolute paths aim somewhere the test watches. */
const CANARY = "\u{1F426}CANARY";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The documented path rule: relative, `/`-separated, 1-1024 characters, no empty, `.` or `..` segment, no backslash or control character. */
function pathIsValid(path: string): boolean {
  return (
    path.length >= 1 &&
    path.length <= 1024 &&
    !CONTROL.test(path) &&
    !path.includes("\\") &&
    !path.startsWith("/") &&
    !/^[A-Za-z]:/.test(path) &&
    path.split("/").every((s) => s !== "" && s !== "." && s !== "..")
  );
}

const pathArb = fc.oneof(
  { arbitrary: mixed(validArtifactPath), weight: 5 },
  { arbitrary: fc.constantFrom(`${CANARY}/evil.bin`, `${CANARY}/../escape.bin`), weight: 1 },
);
const contentArb = fc.oneof(fc.string({ unit: "grapheme", maxLength: 50 }), fc.uint8Array({ maxLength: 64 }), fc.constant(""));
const entriesArb = fc.array(fc.record({ path: pathArb, content: contentArb }), { minLength: 1, maxLength: 3 });

let local: Awaited<ReturnType<typeof localRegistry>>;
let registry: LocalRegistry;
let http: RecordedRegistry[];

const bytesOf = (content: string | Uint8Array) => (typeof content === "string" ? new TextEncoder().encode(content) : content);
const aim = (path: string) => path.replaceAll(CANARY, local.canary);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The files outside the registry's root: only the (empty) canary directory may be there. */
async function outsideRoot(): Promise<string[]> {
  return (await listTree(local.parent)).filter((f) => !f.startsWith("registry/"));
}

beforeAll(async () => {
  local = await localRegistry();
  registry = local.registry;
  await registry.createVersion("m", { artifacts: { entries: [{ path: "model.bin", content: "x" }] } });
  http = httpRegistries();
});

afterAll(async () => {
  await local.dispose();
});

describe("artifact entry paths", () => {
  it("are stored exactly with identical bytes, or refused before any write or request", async () => {
    await property.check(
      "entries",
      fc.asyncProperty(entriesArb, async (raw) => {
        property.count("entries (createVersion)");
        const entries = raw.map((e) => ({ ...e, path: aim(e.path) }));
        const paths = entries.map((e) => e.path);
        const valid = paths.every(pathIsValid) && new Set(paths).size === paths.length;

        const before = await listTree(local.root);
        const latest = (await registry.getVersion("m@latest")).version;
        const created = await attempt(() => registry.createVersion("m", { artifacts: { entries } }));
        expect(created.refused).toBe(!valid);
        expectCleanRefusal(created, undefined);
        expect(await outsideRoot()).toEqual([]);
        if (created.refused) {
          // Refused before any byte was stored: not even a blob, and no version.
          expect(await listTree(local.root)).toEqual(before);
          expect((await registry.getVersion("m@latest")).version).toBe(latest);
        } else {
          const version = (created.value as { version: string }).version;
          const listed = await registry.listArtifacts({ model: "m", version });
          expect(listed.map((f) => f.path).sort()).toEqual([...paths].sort());
          for (const entry of entries) {
            const opened = await registry.openArtifact({ model: "m", version }, entry.path);
            expect(opened.path).toBe(entry.path);
            expect(await readAll(opened.stream)).toEqual(bytesOf(entry.content));
          }
        }

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.createVersion("m", { artifacts: { entries } }));
          expect(outcome.refused, provider).toBe(!valid);
          expectCleanRefusal(outcome, requests);
          if (valid) expect(requests.length, provider).toBeGreaterThan(0);
          if (valid && provider === "vertex") {
            // The provider 404s the model lookup, so files go up next: each object name must end in the path as given.
            const names = requests.map((r) => r.url.searchParams.get("name") ?? (r.json as { name?: string } | undefined)?.name).filter(Boolean);
            if (names.length > 0) expect(paths.some((p) => names.some((n) => n!.endsWith(`/${p}`)))).toBe(true);
          }
        }
      }),
      [
        [[{ path: "../../etc/passwd", content: "x" }]],
        [[{ path: `${CANARY}/evil.bin`, content: "x" }]],
        [[{ path: "a\u0000b", content: "x" }]],
        [[{ path: "a\\b", content: "x" }]],
        [[{ path: "a//b", content: "x" }]],
      ],
    );
  });

  it("{ files } with an explicit path follow the same rule, and the file on disk is never moved", async () => {
    const file = join(local.parent, "source.bin");
    await writeFile(file, new Uint8Array([0, 1, 2, 255]));
    await property.check(
      "files",
      fc.asyncProperty(pathArb, async (rawPath) => {
        property.count("files (createVersion)");
        const path = aim(rawPath);
        const before = await listTree(local.root);
        const created = await attempt(() => registry.createVersion("m", { artifacts: { files: [{ file, path }] } }));
        expect(created.refused).toBe(!pathIsValid(path));
        expectCleanRefusal(created, undefined);
        expect((await outsideRoot()).sort()).toEqual(["source.bin"]);
        if (created.refused) expect(await listTree(local.root)).toEqual(before);
        else {
          const version = (created.value as { version: string }).version;
          expect(await readAll((await registry.openArtifact({ model: "m", version }, path)).stream)).toEqual(new Uint8Array([0, 1, 2, 255]));
        }
      }),
    );
  });

  it("openArtifact and downloadArtifacts refuse bad paths before any request", async () => {
    await property.check(
      "open",
      fc.asyncProperty(pathArb, async (rawPath) => {
        property.count("paths (openArtifact, downloadArtifacts)");
        const path = aim(rawPath);
        const valid = pathIsValid(path);
        const opened = await attempt(() => registry.openArtifact("m/1", path));
        expect(opened.refused).toBe(!valid);
        expectCleanRefusal(opened, undefined);
        if (!opened.refused) expect(opened.error?.name ?? "found").toMatch(/found|NotFoundError/);
        const target = join(local.parent, "download");
        const downloaded = await attempt(() => registry.downloadArtifacts("m/1", target, { paths: [path], overwrite: true }));
        // An invalid path can never name a stored file: refused as bad input, or reported missing; never written.
        if (!valid && !downloaded.refused) expect(downloaded.error?.name).toBe("NotFoundError");
        expectCleanRefusal(downloaded, undefined);
        expect((await outsideRoot()).filter((f) => !f.startsWith("download/") && f !== "source.bin")).toEqual([]);

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.openArtifact({ model: "m", version: "1" }, path));
          expect(outcome.refused, provider).toBe(!valid);
          expectCleanRefusal(outcome, requests);
        }
      }),
    );
  });
});
