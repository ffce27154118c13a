// Shared pieces of the sync tests: local registries in temp dirs, seeded bytes, and registry wrappers that fail on cue.
import { createHash } from "node:crypto";
import { expect } from "vitest";
import type { ArtifactDownload, ModelRegistry } from "../../../src/core/model-registry.js";
import type { VersionRefInput } from "../../../src/core/refs.js";
import type { CreateVersionInput, ModelVersion } from "../../../src/core/types.js";
import { SYNC_TAGS } from "../../../src/sync/index.js";
import { freshRegistry } from "../../local/support/helpers.js";

export { rejectionOf } from "../../support/rejection.js";

/** A source and a target local registry, each in its own temp directory. */
export async function twoRegistries() {
  const { registry: source } = await freshRegistry({ actor: "source" });
  const { registry: target } = await freshRegistry({ actor: "target" });
  return { source, target };
}

export { prng } from "../../support/prng.js";

/** `n` pseudo-random bytes from `random`. */
export function randomBytes(random: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Creates a version in `registry` from in-memory files. */
export async function seedVersion(
  registry: ModelRegistry,
  model: string,
  files: Record<string, string | Uint8Array>,
  extra: Omit<CreateVersionInput, "artifacts"> = {},
) {
  return registry.createVersion(model, { artifacts: { entries: Object.entries(files).map(([path, content]) => ({ path, content })) }, ...extra });
}

/** Reads one file of a version whole. */
export async function readFile(registry: ModelRegistry, ref: VersionRefInput, path: string): Promise<Uint8Array> {
  const { stream } = await registry.openArtifact(ref, path);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** sha256 of bytes, as hex. */
export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Asserts that target version `tv` holds exactly the files of source version `sv`, byte for byte. */
export async function expectSameFiles(source: ModelRegistry, sv: VersionRefInput, target: ModelRegistry, tv: VersionRefInput): Promise<void> {
  const want = (await source.listArtifacts(sv)).map((f) => f.path).sort();
  const got = (await target.listArtifacts(tv)).map((f) => f.path).sort();
  expect(got).toEqual(want);
  for (const path of want) expect(sha256(await readFile(target, tv, path)), path).toBe(sha256(await readFile(source, sv, path)));
}

/**
 * Wraps a registry, replacing some members. Everything else is the registry's own, called on the registry itself
 * (its methods use private fields, which a Proxy receiver would not have).
 */
export function wrap<T extends ModelRegistry>(registry: T, overrides: Partial<Record<keyof ModelRegistry, unknown>>): ModelRegistry {
  return new Proxy(registry, {
    get(target, key, receiver) {
      if (Object.hasOwn(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key];
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A registry whose every method call is recorded; used to prove bad input fails before any call. */
export function recording(registry: ModelRegistry): { registry: ModelRegistry; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(registry, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { registry: proxy, calls };
}

/** A stream that passes `limit` bytes of `inner` through, then errors (or calls `onCut` and stops there). */
export function cutStream(inner: ReadableStream<Uint8Array>, limit: number, fail: () => unknown): ReadableStream<Uint8Array> {
  const reader = inner.getReader();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      const room = limit - sent;
      if (value.byteLength < room) {
        sent += value.byteLength;
        return controller.enqueue(value);
      }
      if (room > 0) controller.enqueue(value.subarray(0, room));
      sent = limit;
      await reader.cancel().catch(() => undefined);
      controller.error(fail());
    },
  });
}

/** A source whose `openArtifact` streams are cut after `budget` bytes in all (across files). */
export function cuttingSource(source: ModelRegistry, budget: number, fail: () => unknown = () => new Error("connection reset mid-stream")) {
  let left = budget;
  const state = { cut: false };
  const registry = wrap(source, {
    openArtifact: async (ref: VersionRefInput, path: string, options?: object): Promise<ArtifactDownload> => {
      const download = await source.openArtifact(ref, path, options);
      if (state.cut) throw fail();
      const size = download.size ?? Infinity;
      if (size < left) {
        left -= size;
        return download;
      }
      const limit = left;
      left = 0;
      state.cut = true;
      return { ...download, stream: cutStream(download.stream, limit, fail) };
    },
  });
  return { registry, state };
}

/** The target copy of each source version, keyed by the source version it records; fails on a version without provenance. */
export async function copiesBySource(target: ModelRegistry, model: string): Promise<Map<string, ModelVersion>> {
  const out = new Map<string, ModelVersion>();
  for (const v of await target.listVersions(model).toArray()) {
    const from = v.tags[SYNC_TAGS.version];
    expect(from, `target ${model}/${v.version} carries no provenance`).toBeDefined();
    expect(out.has(from as string), `two copies of source version ${from}`).toBe(false);
    out.set(from as string, v);
  }
  return out;
}
