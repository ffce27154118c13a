/**
 * Shared pieces of the contract suite: the registry under test, unique names, and byte helpers.
 *
 * @module
 */

import { expect } from "vitest";
import type { ModelRegistryError, ModelRegistryErrorClass } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { ArtifactSource } from "../core/artifact-source.js";
import type { RegistryContractOptions } from "./contract-types.js";

/** What every contract area gets. */
export interface ContractEnv {
  /** The registry under test (available inside tests). */
  readonly registry: ModelRegistry;
  /** A model name no other test uses; models named here are deleted after the suite when the registry can. */
  name(label: string): string;
  /** The per-test timeout. */
  timeoutMs: number;
}

/** Builds the env; `get` returns the registry once `beforeAll` has made it. */
export function contractEnv(get: () => ModelRegistry, names: string[], options: RegistryContractOptions): ContractEnv {
  const prefix = options.modelPrefix ?? "contract";
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return {
    get registry() {
      return get();
    },
    name(label) {
      const name = `${prefix}-${run}-${label}-${names.length}`;
      names.push(name);
      return name;
    },
    timeoutMs: options.timeoutMs ?? 60_000,
  };
}

/**
 * Makes a registered model the way the registry allows: `createModel` where models can be empty, otherwise a first
 * version followed by `updateModel`.
 */
export async function makeModel(env: ContractEnv, name: string, input: { description?: string; tags?: Record<string, string> } = {}): Promise<void> {
  if (env.registry.capabilities.emptyModels) {
    await env.registry.createModel({ name, ...input });
    return;
  }
  await env.registry.createVersion(name, { artifacts: oneFile() });
  const patch = {
    ...(input.description !== undefined && { description: input.description }),
    ...(input.tags && env.registry.capabilities.modelTags && { tags: input.tags }),
  };
  if (Object.keys(patch).length > 0) await env.registry.updateModel(name, patch);
}

/** Reads a stream to its end. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Asserts two byte arrays are equal, naming the first byte that differs. `toEqual` on a typed array compares it element
 * by element through vitest's generic equality: a 70 KB file took about half a second of CPU per comparison.
 */
export function expectBytes(got: Uint8Array, want: Uint8Array): void {
  const a = Buffer.from(got.buffer, got.byteOffset, got.byteLength);
  const b = Buffer.from(want.buffer, want.byteOffset, want.byteLength);
  if (a.equals(b)) return;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  expect.fail(`the bytes differ: ${a.length} bytes where ${b.length} were expected, first difference at byte ${at}`);
}

/** SHA-256 as hex, with WebCrypto. */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One small in-memory file. */
export function oneFile(content = "weights", path = "model.bin"): ArtifactSource {
  return { entries: [{ path, content }] };
}

/** Awaits a rejection and checks its class by marker (works across package copies). */
export async function expectError<T extends ModelRegistryError>(work: Promise<unknown> | (() => unknown), ErrorClass: ModelRegistryErrorClass<T>): Promise<T> {
  let caught: unknown;
  try {
    await (typeof work === "function" ? work() : work);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${ErrorClass.name}`).toBeDefined();
  expect(ErrorClass.isInstance(caught), `expected ${ErrorClass.name}, got ${String(caught)}`).toBe(true);
  return caught as T;
}
