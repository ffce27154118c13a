/**
 * Sending a version's files the way the Hub's clients do (reference §3.1): each file hashed once, streamed
 * (SHA-256 for LFS, git's blob SHA-1 for regular files, and the 512-byte sample `preupload` wants), then `preupload`
 * asks the Hub which files go through LFS, and the LFS batch API hands out upload URLs for the objects it does not
 * have yet: one PUT, or parts (`chunk_size`) completed with a POST. Regular files travel inside the commit itself
 * (hf-commit.ts). Xet, the Hub's newer protocol, is not spoken: the Hub still takes LFS uploads from clients that do
 * not offer Xet (`@huggingface/hub` with `useXet: false`, git-lfs).
 *
 * @module
 */

import { splitParts } from "../../artifacts/split-parts.js";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { checkExpected } from "../../artifacts/resolve-source.js";
import { mapLimit } from "../../core/concurrency.js";
import { InvalidInputError, ServerError, throwIfAborted } from "../../core/errors.js";
import type { TransferOptions } from "../../core/options.js";
import { transferConcurrency } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import { nodeCrypto } from "../../runtime/builtins.js";
import { type LfsBatchObject, lfsBatchSchema, preuploadSchema } from "./hf-api.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";

/** One file, hashed. */
export interface HashedFile {
  /** The file as resolved. */
  file: ResolvedArtifact;
  /** Its path in the version. */
  path: string;
  /** Its size. */
  size: number;
  /** SHA-256, hex: the LFS object id, and what modelreg records for every file. */
  sha256: string;
  /** Git's blob SHA-1 (`blob <size>\0` + bytes), hex: a regular file's id on the Hub. */
  gitSha1: string;
  /** The first 512 bytes, base64, for `preupload`. */
  sample: string;
}

/** The Hub's limit for one file (reference §5: 500 GB per file, hard). */
const MAX_FILE_BYTES = 500 * 1000 ** 3;

/** `preupload` takes 100 files a call in `@huggingface/hub` (250 in Python); 100 keeps requests small. */
const PREUPLOAD_BATCH = 100;

/** The LFS batch API takes up to 100 objects a call in `@huggingface/hub`. */
const LFS_BATCH = 100;

/** Git LFS's media type, which the Hub wants as both `Accept` and `Content-Type`. */
const LFS_MEDIA_TYPE = "application/vnd.git-lfs+json";

/** Hashes every file in one streamed pass each, checking any digest the caller declared. */
export async function hashFiles(files: ResolvedArtifact[], options: TransferOptions & { operation: string }): Promise<HashedFile[]> {
  return mapLimit(files, transferConcurrency(options.concurrency, files), async (file) => {
    const crypto = nodeCrypto();
    const sha256 = crypto.createHash("sha256");
    // Git's blob header needs the size first: hash the bytes now, prefix later only when the size was declared.
    const chunks = crypto.createHash("sha1");
    const declared = file.size;
    if (declared !== undefined) chunks.update(`blob ${declared}\0`);
    let size = 0;
    const sample: Uint8Array[] = [];
    let sampled = 0;
    for await (const chunk of file.open()) {
      throwIfAborted(options.signal, PROVIDER, options.operation);
      sha256.update(chunk);
      chunks.update(chunk);
      size += chunk.byteLength;
      if (sampled < 512) {
        const take = chunk.subarray(0, 512 - sampled);
        sample.push(take);
        sampled += take.byteLength;
      }
    }
    if (size > MAX_FILE_BYTES)
      throw new InvalidInputError(`${JSON.stringify(file.path)} has ${size} bytes; the Hub stores at most 500 GB per file`, {
        provider: PROVIDER,
        operation: options.operation,
        field: "artifacts",
      });
    const digest = sha256.digest("hex");
    checkExpected(file, { size, sha256: digest }, { provider: PROVIDER, operation: options.operation });
    let gitSha1: string;
    if (declared === size) gitSha1 = chunks.digest("hex");
    else {
      // The size was not known up front (a stream): a second pass for git's id, which only regular files need.
      const again = crypto.createHash("sha1").update(`blob ${size}\0`);
      for await (const chunk of file.open()) again.update(chunk);
      gitSha1 = again.digest("hex");
    }
    return { file, path: file.path, size, sha256: digest, gitSha1, sample: Buffer.concat(sample).toString("base64") };
  });
}

/** Asks the Hub which files it wants through LFS (`preupload`); returns the paths that go as LFS objects. */
export async function lfsPaths(
  t: HubTransport,
  model: string,
  revision: string,
  files: HashedFile[],
  options: TransferOptions & { operation: string },
): Promise<Set<string>> {
  const lfs = new Set<string>();
  for (let i = 0; i < files.length; i += PREUPLOAD_BATCH) {
    const batch = files.slice(i, i + PREUPLOAD_BATCH);
    const res = await t.http.request({
      operation: options.operation,
      method: "POST",
      path: `${t.api(model)}/preupload/${encodeURIComponent(revision)}`,
      json: { files: batch.map((f) => ({ path: f.path, size: f.size, sample: f.sample })) },
      // Asks only: safe to send again.
      idempotent: true,
      schema: preuploadSchema,
      ...callOptions(options),
    });
    for (const f of res.data.files) if (f.uploadMode === "lfs") lfs.add(f.path);
  }
  return lfs;
}

/**
 * Uploads the LFS objects the Hub does not have yet. Credentials go only to the Hub (the batch call, `verify`); the
 * upload URLs are signed and get none, as with both official clients.
 */
export async function uploadLfsObjects(
  t: HubTransport,
  model: string,
  files: HashedFile[],
  onBytes: (file: HashedFile) => (bytes: number) => void,
  options: TransferOptions & { operation: string },
): Promise<void> {
  // One object per content: two paths with the same bytes are one upload.
  const unique = [...new Map(files.map((f) => [f.sha256, f])).values()];
  for (let i = 0; i < unique.length; i += LFS_BATCH) {
    const batch = unique.slice(i, i + LFS_BATCH);
    const res = await lfsBatch(t, model, batch, options);
    const bySha = new Map(batch.map((f) => [f.sha256, f]));
    await mapLimit(res.data.objects, transferConcurrency(options.concurrency, batch), async (object) => {
      const file = bySha.get(object.oid);
      if (!file)
        throw new ServerError(`the Hub answered the LFS batch with an object not asked for (${object.oid.slice(0, 12)})`, {
          provider: PROVIDER,
          operation: options.operation,
        });
      // After a lost answer to the last step, the batch API says whether the Hub holds the object after all.
      const stored = async () => (await lfsBatch(t, model, [file], options)).data.objects.every((o) => o.oid === file.sha256 && !o.actions?.upload);
      await uploadObject(t, file, object, onBytes(file), stored, options);
    });
  }
}

/** Asks the LFS batch API about objects to upload: where to send them, or nothing for those the Hub holds. */
function lfsBatch(t: HubTransport, model: string, files: readonly HashedFile[], options: TransferOptions & { operation: string }) {
  return t.http.request({
    operation: options.operation,
    method: "POST",
    path: `${encodeURIComponent(t.namespace)}/${encodeURIComponent(model)}.git/info/lfs/objects/batch`,
    headers: { accept: LFS_MEDIA_TYPE, "content-type": LFS_MEDIA_TYPE },
    body: () =>
      JSON.stringify({
        operation: "upload",
        transfers: ["basic", "multipart"],
        hash_algo: "sha256",
        ref: { name: "refs/heads/main" },
        objects: files.map((f) => ({ oid: f.sha256, size: f.size })),
      }),
    idempotent: true,
    schema: lfsBatchSchema,
    ...callOptions({ ...options, headers: undefined }),
  });
}

/** Sends one object as the batch answer says: nothing (already stored), one PUT, or parts; then `verify` if asked. */
async function uploadObject(
  t: HubTransport,
  file: HashedFile,
  object: LfsBatchObject,
  onBytes: (bytes: number) => void,
  stored: () => Promise<boolean>,
  options: TransferOptions & { operation: string },
): Promise<void> {
  const op = options.operation;
  if (object.error)
    throw new ServerError(`the Hub refused the LFS object of ${JSON.stringify(file.path)}: ${t.http.redact(object.error.message)} (${object.error.code})`, {
      provider: PROVIDER,
      operation: op,
    });
  const upload = object.actions?.upload;
  if (!upload) {
    onBytes(file.size);
    return;
  }
  const call = callOptions({ ...options, headers: undefined });
  const { chunk_size: chunkSize, ...headers } = upload.header ?? {};
  if (chunkSize !== undefined) {
    const partBytes = Number(chunkSize);
    if (!Number.isSafeInteger(partBytes) || partBytes <= 0)
      throw new ServerError(`the Hub gave an invalid chunk_size for ${JSON.stringify(file.path)}`, { provider: PROVIDER, operation: op });
    // Part URLs are the header's numeric keys ("00001", ...), in order.
    const urls = Object.entries(headers)
      .filter(([k]) => /^\d+$/.test(k))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => v);
    if (urls.length !== Math.max(1, Math.ceil(file.size / partBytes)))
      throw new ServerError(`the Hub gave ${urls.length} part URLs for ${JSON.stringify(file.path)}, which needs ${Math.ceil(file.size / partBytes)}`, {
        provider: PROVIDER,
        operation: op,
      });
    const parts: Array<{ partNumber: number; etag: string }> = [];
    let sent = 0;
    let n = 0;
    for await (const bytes of splitParts(file.file, partBytes)) {
      const url = urls[n];
      n++;
      const res = await t.http.request({
        operation: op,
        method: "PUT",
        url: url as string,
        body: () => bytes as Uint8Array<ArrayBuffer>,
        idempotent: true,
        responseType: "none",
        ...call,
      });
      parts.push({ partNumber: n, etag: res.headers.get("etag") ?? "" });
      sent += bytes.byteLength;
      onBytes(sent);
    }
    // The completion URL is the upload href; it may be on the Hub (credentials) or elsewhere (none). A resend after a
    // lost answer may find the upload already completed and gone, so a failure is checked against the batch API.
    try {
      await t.http.request({
        operation: op,
        method: "POST",
        ...target(t, upload.href),
        json: { oid: file.sha256, parts },
        idempotent: true,
        responseType: "none",
        ...call,
      });
    } catch (error) {
      if (options.signal?.aborted || !(await stored().catch(() => false))) throw error;
    }
  } else {
    await t.http.request({
      operation: op,
      method: "PUT",
      url: upload.href,
      headers,
      body: () => file.file.open(),
      bodySize: file.size,
      idempotent: true,
      responseType: "none",
      onUploadProgress: (p) => onBytes(p.transferredBytes),
      ...call,
    });
  }
  const verify = object.actions?.verify;
  if (verify)
    await t.http.request({
      operation: op,
      method: "POST",
      ...target(t, verify.href),
      headers: { accept: LFS_MEDIA_TYPE, "content-type": LFS_MEDIA_TYPE, ...verify.header },
      body: () => JSON.stringify({ oid: file.sha256, size: file.size }),
      idempotent: true,
      responseType: "none",
      ...call,
    });
}

/** How to address a URL the Hub handed out: as a path on the client (with the token) on the Hub, else with none. */
function target(t: HubTransport, href: string): { path: string } | { url: string } {
  const path = t.hubPath(href);
  return path === undefined ? { url: new URL(href, t.endpoint).toString() } : { path };
}
