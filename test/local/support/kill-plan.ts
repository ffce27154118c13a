// What the kill harness's writer does and the side files it keeps, shared by the writer process and the checker.
//
// The writer tells the checker what it meant to do through two journals outside the registry root, each line
// appended (one write) BEFORE or AFTER the registry call, so a SIGKILL at any moment leaves them true:
// - intents.jsonl: written before each createVersion: the model and the sha256 and size of every file it is creating.
// - done.jsonl: written after a call returned: the op id (also the call's `actor`, so its audit events name it).
import { createCipheriv, createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Ops per writer process; the parent kills it during one of them. */
export const OPS_PER_WRITER = 10;

/** The models every round writes to. */
export const MODELS = ["alpha", "beta"] as const;
/** The aliases the writer sets and deletes. */
export const ALIASES = ["champion", "challenger", "canary"] as const;
/** Op kinds, as printed by the writer and tallied by the parent. */
export const OP_KINDS = ["createVersion", "setAlias", "deleteAlias", "toStaging", "toProduction", "approve", "recordEvent", "updateVersion"] as const;
export type OpKind = (typeof OP_KINDS)[number];

const MiB = 1024 * 1024;

/** The sizes of created files: 1 to 8 MiB (the tester used up to 50; this keeps a CI run well under a minute). */
export function artifactSize(random: () => number): number {
  return Math.floor(MiB + random() * 7 * MiB);
}

/**
 * Bytes unique to a seed, so two creates never share content (and never share a blob): AES-CTR keystream keyed by the
 * seed, which the machine makes at memory speed where a JavaScript PRNG loop would cost a second on a busy CI core.
 */
export function artifactBytes(seed: number, size: number): Buffer {
  const key = createHash("sha256")
    .update(`modelreg-kill-${seed >>> 0}`)
    .digest()
    .subarray(0, 16);
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A seed for round `round` of a run started with `seed`, for the writer's ops and the parent's kill moment. */
export function roundSeed(seed: number, round: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(round + 1, 0x85ebca6b)) >>> 0;
}

/** One intended file of a create. */
export interface IntendedFile {
  path: string;
  sha256: string;
  size: number;
}

/** One create the writer was about to make (written before the call). */
export interface Intent {
  opId: string;
  model: string;
  files: IntendedFile[];
}

/** One call that returned (written after it). `audited` is false when the call changed nothing, so logged nothing. */
export interface Done {
  opId: string;
  kind: OpKind | "probe";
  model: string;
  version?: string;
  audited: boolean;
}

export function journalPaths(workDir: string) {
  return { intents: join(workDir, "intents.jsonl"), done: join(workDir, "done.jsonl"), verified: join(workDir, "verified.json") };
}

/** Appends one line in one write, so a kill leaves the line whole or absent. */
export function appendJournal(file: string, entry: Intent | Done): void {
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

/** Reads a journal; a last line without its newline (a kill during the write) is dropped, as the writer never acted on it. */
export function readJournal<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const lines = text.split("\n");
  lines.pop();
  return lines.filter((l) => l !== "").map((l) => JSON.parse(l) as T);
}
