// Comparing a version's files across registries, and bytes to fill them with: what the sync tests between real
// servers and fakes share.
import { createHash } from "node:crypto";
import { expect } from "vitest";
import type { ModelRegistry } from "../../src/core/model-registry.js";

/** Deterministic bytes that are not a short repeating pattern (xorshift), so a misplaced chunk changes the digest. */
export function weights(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The SHA-256 (hex) of one file of a version, read through the registry. */
export async function sha256Of(registry: ModelRegistry, ref: { model: string; version: string }, path: string): Promise<string> {
  const { stream } = await registry.openArtifact(ref, path);
  return createHash("sha256")
    .update(new Uint8Array(await new Response(stream).arrayBuffer()))
    .digest("hex");
}

/** Expects two versions to hold the same paths, sizes and bytes. */
export async function expectSameFiles(
  source: ModelRegistry,
  sv: { model: string; version: string },
  target: ModelRegistry,
  tv: { model: string; version: string },
): Promise<void> {
  const want = (await source.listArtifacts(sv)).map((f) => [f.path, f.size]).sort();
  expect((await target.listArtifacts(tv)).map((f) => [f.path, f.size]).sort()).toEqual(want);
  for (const [path] of want) expect(await sha256Of(target, tv, path as string), path as string).toBe(await sha256Of(source, sv, path as string));
}
