// Shared by the interop tests (python-reads-modelreg, modelreg-reads-python, hubjs-interop): what modelreg and the
// official clients (huggingface_hub 2.4.0, @huggingface/hub 2.17.5) write for each other over the loopback fake is
// compared by SHA-256, path by path, never by "it did not throw".
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { createHuggingFaceRegistry, type HuggingFaceRegistry } from "modelreg/huggingface";
import { HF_TOKEN, HUB } from "../../support/hub-fake.js";
import type { HubLoopback } from "./hub-official.js";

/** The org the fake's token belongs to. */
export const NAMESPACE = "acme";

/** Lowercase hex SHA-256. */
export const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

/**
 * Deterministic bytes that no text heuristic takes for text: every 7th byte is NUL, the rest depend on `seed`. 1.5 MiB
 * by default: binary and over 1 MiB, so the Hub's preupload sends it through LFS.
 */
export function binary(seed: number, size = 1536 * 1024): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = i % 7 === 0 ? 0 : (i * 31 + seed * 101 + (i >> 11)) & 0xff;
  return out;
}

/** A small file that looks like safetensors (8-byte little-endian header length, JSON header, data with NULs). */
export function safetensors(seed: number): Buffer {
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: "pt", seed: String(seed) }, w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const data = Buffer.alloc(16);
  data.writeFloatLE(seed, 0);
  return Buffer.concat([length, header, data]);
}

/** Path to SHA-256 of each file. */
export function digests(files: Record<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files)
      .map(([path, bytes]) => [path, sha256(bytes)] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** Writes `files` (paths with `/`) under `dir`. */
export async function writeFolder(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
}

/** Path (relative, `/`-separated) to SHA-256 of every file below `dir`, following symbolic links (cache snapshots are links into blobs/). */
export async function folderDigests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string) => {
    for (const name of (await readdir(at)).sort()) {
      const path = join(at, name);
      if ((await stat(path)).isDirectory()) await walk(path);
      else out[relative(dir, path).split("\\").join("/")] = sha256(await readFile(path));
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** SHA-256 and length of a stream, read to its end. */
export async function streamDigest(stream: ReadableStream<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest("hex"), size };
}

/** A modelreg registry on the loopback fake, as a user would make one (namespace, token, endpoint; nothing from the environment). */
export function registryOn(loop: HubLoopback): HuggingFaceRegistry {
  return createHuggingFaceRegistry({ namespace: NAMESPACE, token: HF_TOKEN, endpoint: loop.hub.url, env: {}, actor: "tester" });
}

/** The refused requests since `mark` (a length of `loop.refused()`): what a test expects, exactly. */
export function refusedSince(loop: HubLoopback, mark: number): string[] {
  return loop.refused().slice(mark);
}

/** The request lines of the fake since `mark` (an index into `loop.fake.requests`), `METHOD url-without-query`. */
export function requestsSince(loop: HubLoopback, mark: number): string[] {
  return loop.fake.requests.slice(mark).map((r) => `${r.method} ${r.url.replace(/\?.*$/, "")}`);
}

/** `HUB` (the fake's logged origin) plus an API path of a repository. */
export const api = (repo: string, path: string): string => `${HUB}/api/models/${repo}/${path}`;

/**
 * The Python prelude of every driver: JSON out, `sha(path)`, and `tree(dir)` (path to SHA-256 of every file below
 * `dir`, `/`-separated, following the snapshot's links as Python's own readers do).
 */
export const PY_PRELUDE = `
import hashlib, json, os, sys
def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
def tree(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root).replace(os.sep, "/")] = sha(p)
    return dict(sorted(out.items()))
`;

/**
 * A model card as ModelCard.from_template(ModelCardData(...)) writes it. from_template needs Jinja2, which
 * huggingface_hub does not depend on and the test venv (test/support/official-clients.ts) does not install; without
 * it the card is what the default template puts first, the card data's YAML between `---` lines (repocard.py
 * from_template renders `card_data=card_data.to_yaml()` into the template's front matter), and a body.
 */
export const PY_CARD = `
from huggingface_hub import ModelCard
def card_from(data, title):
    try:
        import jinja2  # noqa: F401
        return ModelCard.from_template(data, model_id=title)
    except ImportError:
        return ModelCard("---\\n" + data.to_yaml() + "\\n---\\n\\n# " + title + "\\n\\nWritten by huggingface_hub.\\n")
`;
