/**
 * Chunked resumable uploads: open a session, send chunks, follow the offset the server says it persisted, and after a
 * failure ask the session where it stands instead of starting over.
 *
 * @module
 */

import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { AbortedError, IntegrityError, ModelRegistryError, ResponseValidationError, ServerError } from "../../core/errors.js";
import { backoffDelay, type HttpClient, parseWithSchema } from "../../http/index.js";
import { type GcsObject, encodeGcsName, gcsObjectSchema, toGcsObject } from "./gcs-api.js";
import { ChunkSource, type ChunkSourceDigests, type UploadChunk } from "./gcs-chunk-source.js";

/** What the upload functions share with the client that made them. */
export interface GcsUploadContext {
  /** The HTTP client for `baseUrl`. */
  http: HttpClient;
  /** The provider name errors carry. */
  provider: string;
  /** Billed project for requester-pays buckets. */
  userProject: string | undefined;
  /** Failed chunks (or status queries) in a row before giving up. */
  maxRetries: number;
  /** The first backoff step between chunk retries. */
  retryBaseDelayMs: number;
  /** Remembers a session URI's secret part so that errors and logs never show it. */
  hideSession(uri: URL): () => void;
}

/** What a resumable upload needs. */
export interface ResumableInput {
  bucket: string;
  name: string;
  file: ResolvedArtifact;
  contentType: string;
  chunkSize: number;
  ifGenerationMatch: string | undefined;
  signal: AbortSignal | undefined;
  onBytes: ((fileBytes: number) => void) | undefined;
}

/** The finished object, with the digests of the bytes read from the file. */
export interface UploadOutcome {
  object: GcsObject;
  digests: ChunkSourceDigests;
}

type Reply = { done: true; object: GcsObject } | { done: false; persisted: number };

const OPERATION = "uploadObject";

/**
 * Uploads `input.file` through a resumable session in chunks of `chunkSize`.
 *
 * After a dropped connection, a timeout or a retryable status the session is asked (`Content-Range: bytes *\/N`)
 * how much it holds, and the upload goes on from there. A session that is gone (404/410) is replaced by a new one
 * once, starting from the first byte. `maxRetries` failures in a row without progress end the upload.
 */
export async function resumableUpload(ctx: GcsUploadContext, input: ResumableInput): Promise<UploadOutcome> {
  const source = new ChunkSource(input.file, input.chunkSize, { provider: ctx.provider, operation: OPERATION });
  let session = await initiate(ctx, input);
  try {
    let offset = 0;
    let sentTo = 0;
    let failures = 0;
    let restarted = false;
    let askStatus = false;
    for (;;) {
      let reply: Reply;
      const queried = askStatus;
      try {
        if (askStatus) {
          reply = await queryStatus(ctx, session.uri, input);
        } else {
          const chunk = await source.chunkAt(offset);
          sentTo = Math.max(sentTo, chunk.start + chunk.bytes.byteLength);
          reply = await putChunk(ctx, session.uri, chunk, input);
        }
        askStatus = false;
      } catch (error) {
        if (isSessionGone(error) && !restarted) {
          // Sessions expire after a week, or the server lost it: one fresh start, from the first byte.
          restarted = true;
          session.forget();
          session = await initiate(ctx, input);
          offset = 0;
          sentTo = 0;
          failures = 0;
          askStatus = false;
          input.onBytes?.(0);
          continue;
        }
        if (!isRetryable(error) || ++failures > ctx.maxRetries) throw error;
        await pause(ctx, failures, input.signal);
        askStatus = true;
        continue;
      }
      if (reply.done) {
        const digests = source.digests;
        if (!digests) {
          throw new IntegrityError("the upload session reported the object complete before the last chunk was sent", {
            provider: ctx.provider,
            operation: OPERATION,
          });
        }
        input.onBytes?.(digests.size);
        return { object: reply.object, digests };
      }
      if (reply.persisted > sentTo) {
        throw new ResponseValidationError(`the upload session reports ${reply.persisted} bytes persisted, but only ${sentTo} were sent`, {
          provider: ctx.provider,
          operation: OPERATION,
        });
      }
      if (reply.persisted > offset) {
        failures = 0;
      } else if (!queried) {
        // A chunk taken in but not kept at all: count it, so a session that never moves cannot loop forever.
        if (++failures > ctx.maxRetries) {
          throw new ServerError(`the upload session kept nothing of ${failures} chunks in a row at offset ${offset}`, {
            provider: ctx.provider,
            operation: OPERATION,
            isRetryable: true,
          });
        }
        await pause(ctx, failures, input.signal);
      }
      offset = reply.persisted;
      input.onBytes?.(offset);
    }
  } finally {
    session.forget();
    await source.close();
  }
}

/** Opens a session. Opening twice only leaves an unused session behind, so the POST may be retried. */
async function initiate(ctx: GcsUploadContext, input: ResumableInput): Promise<{ uri: URL; forget: () => void }> {
  const size = input.file.size;
  const response = await ctx.http.request({
    operation: OPERATION,
    method: "POST",
    path: `upload/storage/v1/b/${encodeGcsName(input.bucket, OPERATION, "bucket")}/o`,
    query: { uploadType: "resumable", name: input.name, ifGenerationMatch: input.ifGenerationMatch, userProject: ctx.userProject },
    json: { name: input.name, contentType: input.contentType },
    headers: {
      "x-upload-content-type": input.contentType,
      ...(size === undefined ? {} : { "x-upload-content-length": String(size) }),
    },
    responseType: "none",
    idempotent: true,
    signal: input.signal,
  });
  const location = response.headers.get("location");
  let uri: URL | undefined;
  try {
    uri = location ? new URL(location, ctx.http.baseUrl) : undefined;
  } catch {
    uri = undefined;
  }
  if (!uri || (uri.protocol !== "http:" && uri.protocol !== "https:")) {
    throw new ResponseValidationError("the resumable upload was opened without a valid Location header (the session URI)", {
      provider: ctx.provider,
      operation: OPERATION,
      statusCode: response.status,
    });
  }
  return { uri, forget: ctx.hideSession(uri) };
}

/**
 * Sends one chunk. The body is the chunk's bytes, not a stream: fetch turns a 3xx answer to a streamed body into a
 * network error, and 308 is how the session says "go on". The session URI is the credential, so no headers are added.
 */
async function putChunk(ctx: GcsUploadContext, session: URL, chunk: UploadChunk, input: ResumableInput): Promise<Reply> {
  const length = chunk.bytes.byteLength;
  const total = input.file.size ?? (chunk.last ? chunk.start + length : "*");
  const range = length === 0 ? `bytes */${total}` : `bytes ${chunk.start}-${chunk.start + length - 1}/${total}`;
  const bytes = chunk.bytes;
  return sessionRequest(ctx, session, range, () => bytes, length, input.signal);
}

/** Asks the session how many bytes it holds: `PUT` with no body and `Content-Range: bytes *\/total`. */
async function queryStatus(ctx: GcsUploadContext, session: URL, input: ResumableInput): Promise<Reply> {
  const total = input.file.size ?? "*";
  return sessionRequest(ctx, session, `bytes */${total}`, () => new Uint8Array(0), 0, input.signal);
}

async function sessionRequest(
  ctx: GcsUploadContext,
  session: URL,
  contentRange: string,
  body: () => Uint8Array<ArrayBuffer>,
  size: number,
  signal: AbortSignal | undefined,
): Promise<Reply> {
  const response = await ctx.http.request({
    operation: OPERATION,
    method: "PUT",
    url: session,
    headers: { "content-range": contentRange },
    body,
    bodySize: size,
    responseType: "text",
    acceptStatus: [308],
    // Retrying here would resend the chunk blind; the upload loop asks the session first instead.
    maxRetries: 0,
    signal,
  });
  const options = { provider: ctx.provider, operation: OPERATION, statusCode: response.status };
  if (response.status === 308) return { done: false, persisted: parsePersisted(response.headers.get("range"), options) };
  let json: unknown;
  try {
    json = JSON.parse(response.data);
  } catch {
    throw new ResponseValidationError("the finished upload's response body was not JSON", options);
  }
  return { done: true, object: toGcsObject(parseWithSchema(gcsObjectSchema(), json, options)) };
}

/** `Range: bytes=0-N` means N+1 bytes are persisted; no header means none are. */
function parsePersisted(range: string | null, options: { provider: string; operation: string; statusCode: number }): number {
  if (range === null) return 0;
  const match = /^\s*bytes=0-(\d+)\s*$/.exec(range);
  if (!match) throw new ResponseValidationError(`the upload session answered with an unreadable Range header: ${JSON.stringify(range)}`, options);
  return Number(match[1]) + 1;
}

function isSessionGone(error: unknown): boolean {
  return ModelRegistryError.isInstance(error) && (error.statusCode === 404 || error.statusCode === 410);
}

function isRetryable(error: unknown): boolean {
  return ModelRegistryError.isInstance(error) && error.isRetryable && !AbortedError.isInstance(error);
}

/** Backs off before asking the session again; an abort ends the wait. */
async function pause(ctx: GcsUploadContext, failures: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = backoffDelay(failures, { baseMs: ctx.retryBaseDelayMs, maxMs: 8_000, random: Math.random });
  const aborted = () => new AbortedError("aborted by the caller's signal", { provider: ctx.provider, operation: OPERATION });
  if (signal?.aborted) throw aborted();
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
