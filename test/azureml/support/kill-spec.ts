// What the Azure ML kill test (test/azureml/azureml-kill.test.ts) and its writer process (kill-child.ts) share: the
// spec the parent hands the child, and the files a create of a given seed uploads, so the parent knows every byte a
// version may hold. No vitest here: the child bundles this module.
import { prng } from "../../support/prng.js";

/** The environment variable the spec travels in (JSON), not argv: the token is in it. */
export const SPEC_ENV = "MODELREG_AZURE_KILL_SPEC";

/** The block size the writer uploads with: the big file goes up in blocks of this size (Azure's floor is 1 KiB). */
export const KILL_BLOCK_BYTES = 64 * 1024;
/** Whole blocks in the big file (plus a short last one): seven Put Block requests and a Put Block List. */
export const BIG_FILE_BLOCKS = 6;

/** What the writer process is to do: one `createVersion`. */
export interface KillSpec {
  mode: "workspace" | "registry";
  /** The ARM endpoint (the proxy in front of the fake). */
  endpoint: string;
  token: string;
  subscriptionId: string;
  resourceGroup: string;
  /** The workspace or the registry, by mode. */
  scopeName: string;
  model: string;
  /** Seeds the files' bytes ({@link killFiles}). */
  seed: number;
  aliases: string[];
  idempotencyKey?: string;
}

/** The files of a create of `seed`: a small JSON file and a streamed file of several blocks, every byte from the seed. */
export function killFiles(seed: number): Record<string, Uint8Array<ArrayBuffer>> {
  const next = prng(seed);
  const big = new Uint8Array(BIG_FILE_BLOCKS * KILL_BLOCK_BYTES + 777);
  const words = new Uint32Array(big.buffer, 0, Math.floor(big.byteLength / 4));
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(next() * 2 ** 32);
  for (let i = words.length * 4; i < big.byteLength; i++) big[i] = Math.floor(next() * 256);
  return {
    "config.json": new TextEncoder().encode(JSON.stringify({ seed, layers: 4, note: `training run ${seed}` })),
    "weights/model.bin": big,
  };
}
