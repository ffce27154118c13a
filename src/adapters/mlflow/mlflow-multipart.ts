/**
 * Large files through MLflow's multipart endpoints (`/api/2.0/mlflow-artifacts/mpu/{create,complete,abort}`), as MLflow's
 * own client does with `MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD`: the server starts an upload in its bucket and hands out
 * a presigned URL per part, the parts go straight to the bucket, and the server completes the upload from their
 * ETags. The file is read once, front to back, one part buffered at a time per slot (see {@link PartSlots}).
 *
 * @module
 */

import { SelectedDigest } from "../../artifacts/hashing.js";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { IntegrityError, NotFoundError, ResponseValidationError, UnsupportedCapabilityError, throwIfAborted } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import * as z from "zod/mini";
import { lazySchema, parseWithSchema } from "../../http/schema.js";
import { encodePath } from "../../http/url.js";
import { artifactListResponse } from "./mlflow-api.js";
import { callOptions, PROVIDER, type MlflowTransport } from "./mlflow-transport.js";

const MPU = "api/2.0/mlflow-artifacts/mpu";

/** `mpu/create`'s answer: the upload and a presigned URL per part. */
const multipartCreateResponse = lazySchema(() =>
  z.object({ upload_id: z.string(), credentials: z.array(z.object({ url: z.string(), part_number: z.number() })) }),
);

/** A part's URL and the headers to send with it. */
interface PartTarget {
  url: string;
  headers: Record<string, string>;
}

/**
 * The part URLs of `mpu/create`'s answer, with each part's `headers` (left out when empty; S3 gives none, other
 * stores may). Checked by hand: a record schema would weigh on every MLflow handler's bundle, not only on uploads.
 */
function partTargets(data: unknown, parts: number, operation: string): Map<number, PartTarget> {
  const fail = (field: string, message: string) => new ResponseValidationError(message, { provider: PROVIDER, operation, field, isRetryable: false });
  const checked = parseWithSchema(multipartCreateResponse(), data, { provider: PROVIDER, operation });
  // zod's copy has only the fields the schema names: the headers are read from the answer itself.
  const raw = (data as { credentials: Array<{ headers?: unknown }> }).credentials;
  const out = new Map<number, PartTarget>();
  for (const [i, credential] of checked.credentials.entries()) {
    const given = raw[i]?.headers ?? {};
    if (typeof given !== "object" || given === null || Object.values(given).some((v) => typeof v !== "string"))
      throw fail(`credentials[${i}].headers`, "mpu/create gave part headers that are not strings");
    out.set(credential.part_number, { url: credential.url, headers: { ...(given as Record<string, string>) } });
  }
  for (let n = 1; n <= parts; n++) {
    if (!/^https?:\/\//i.test(out.get(n)?.url ?? "")) throw fail("credentials", `mpu/create gave no usable URL for part ${n} of ${parts}`);
  }
  return out;
}

/** S3's bounds: parts of at least 5 MiB (but the last), at most 10,000 of them. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** The message prefix MLflow answers `mpu/create` with when its destination has no multipart (MLflow's client checks it too). */
const UNSUPPORTED = "Multipart upload is not supported";

/**
 * A budget of part buffers shared by every upload of one client, so eight large files at once hold `slots` parts in
 * memory, not eight times as many. Each upload holds at most one slot while it fills a part, so none waits on itself.
 */
export class PartSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  /** @param slots - Parts in memory at once. */
  constructor(slots: number) {
    this.#free = Math.max(1, slots);
  }
  /** Waits for a slot; the returned function gives it back (once). */
  async take(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/** What one multipart upload needs besides the file. */
export interface MultipartUploadOptions extends CallOptions {
  operation: string;
  /** Bytes per part (raised to fit 10,000 parts). */
  partBytes: number;
  /** The client's part budget. */
  slots: PartSlots;
  /** Told the file's bytes stored so far, as parts finish. */
  onBytes?: (fileBytes: number) => void;
}

/**
 * Uploads `file` (whose size is known) to `<dir>/<name>` behind the proxy in parts, and returns its digests; aborts
 * the upload on any failure, so the bucket keeps no parts and no object. Returns `undefined`, having sent nothing,
 * when the server has no multipart for its destination: the caller sends one PUT instead.
 */
export async function uploadInParts(
  transport: MlflowTransport,
  dir: string,
  name: string,
  file: ResolvedArtifact & { size: number },
  options: MultipartUploadOptions,
): Promise<{ size: number; sha256: string } | undefined> {
  const { operation } = options;
  const partBytes = Math.max(options.partBytes, MIN_PART_BYTES, Math.ceil(file.size / MAX_PARTS));
  const parts = Math.max(1, Math.ceil(file.size / partBytes));
  const route = (step: string) => `${MPU}/${step}/${encodePath(dir)}`;
  // The client's own headers go to the tracking server only; the part URLs get none of them.
  const serverCall = callOptions(options);
  let created: unknown;
  try {
    ({ data: created } = await transport.http.request({
      operation,
      method: "POST",
      path: route("create"),
      json: { path: name, num_parts: parts },
      ...serverCall,
    }));
  } catch (error) {
    // 501 with MLflow's message (a local or other non-multipart destination); 404 from a server older than the routes.
    if (
      (UnsupportedCapabilityError.isInstance(error) && (error.message.includes(UNSUPPORTED) || error.providerCode === "ENDPOINT_NOT_FOUND")) ||
      (NotFoundError.isInstance(error) && error.providerCode === undefined)
    )
      return undefined;
    throw error;
  }
  // Read before anything can fail: the abort needs the upload's id.
  const uploadId = (created as { upload_id?: unknown } | undefined)?.upload_id;
  const abort = () =>
    transport.http
      .request({
        operation,
        method: "POST",
        path: route("abort"),
        json: { path: name, upload_id: uploadId },
        responseType: "none",
        // Sent even when the caller's signal ended the upload: that is when the parts most need removing.
        ...callOptions({ ...options, signal: undefined }),
      })
      .catch(() => undefined);
  try {
    const urls = partTargets(created, parts, operation);
    const { sha256, etags } = await sendParts(transport, file, partBytes, parts, urls, options);
    const body = { path: name, upload_id: uploadId, parts: etags.map((etag, i) => ({ part_number: i + 1, etag, url: urls.get(i + 1)?.url })) };
    try {
      await transport.http.request({ operation, method: "POST", path: route("complete"), json: body, responseType: "none", ...serverCall });
    } catch (error) {
      // A completion whose answer was lost may have gone through: the object then is there, whole.
      if (!(await storedWhole(transport, dir, name, file.size, options))) throw error;
    }
    return { size: file.size, sha256 };
  } catch (error) {
    await abort();
    throw error;
  }
}

/** Reads the file once, PUTs each part to its URL, and returns the file's SHA-256 and the parts' ETags in order. */
async function sendParts(
  transport: MlflowTransport,
  file: ResolvedArtifact & { size: number },
  partBytes: number,
  parts: number,
  urls: Map<number, PartTarget>,
  options: MultipartUploadOptions,
): Promise<{ sha256: string; etags: string[] }> {
  const { operation, signal } = options;
  const digest = new SelectedDigest({ sha256: true, md5: false });
  const etags: string[] = [];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let stored = 0;
  const send = (n: number, bytes: Uint8Array<ArrayBuffer>, release: () => void) => {
    const credential = urls.get(n) as PartTarget;
    const task = transport.http
      .request({
        operation,
        method: "PUT",
        // An absolute URL: the HTTP client sends it none of the tracking server's headers or credentials.
        url: credential.url,
        headers: { ...credential.headers },
        body: () => bytes,
        bodySize: bytes.byteLength,
        idempotent: true,
        responseType: "none",
        ...callOptions({ ...options, headers: undefined }),
      })
      .then((res) => {
        const etag = res.headers.get("etag");
        if (!etag) throw new ResponseValidationError(`part ${n} was stored without an ETag`, { provider: PROVIDER, operation, field: "ETag" });
        etags[n - 1] = etag;
        stored += bytes.byteLength;
        options.onBytes?.(stored);
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        release();
        running.delete(task);
      });
    running.add(task);
  };
  let n = 0;
  let read = 0;
  let release = await options.slots.take();
  let part: Uint8Array<ArrayBuffer> = new Uint8Array(Math.min(partBytes, file.size));
  let filled = 0;
  try {
    for await (const chunk of file.open()) {
      if (failure) break;
      throwIfAborted(signal, PROVIDER, operation);
      digest.update(chunk);
      read += chunk.byteLength;
      if (read > file.size)
        throw new IntegrityError(`${JSON.stringify(file.path)} did not arrive as declared: more than its ${file.size} bytes`, {
          provider: PROVIDER,
          operation,
        });
      for (let at = 0; at < chunk.byteLength; ) {
        const take = Math.min(chunk.byteLength - at, part.byteLength - filled);
        part.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === part.byteLength) {
          send(++n, part, release);
          if (n === parts) break;
          release = await options.slots.take();
          if (failure) break;
          part = new Uint8Array(Math.min(partBytes, file.size - n * partBytes));
          filled = 0;
        }
      }
    }
    if (!failure && read !== file.size)
      throw new IntegrityError(`${JSON.stringify(file.path)} did not arrive as declared: ${read} bytes, not ${file.size}`, { provider: PROVIDER, operation });
  } finally {
    if (n < parts) release();
    await Promise.all(running);
  }
  if (failure) throw failure.error;
  return { sha256: digest.digest().sha256 as string, etags };
}

/** Whether `<dir>/<name>` is listed behind the proxy with `size` bytes. */
async function storedWhole(transport: MlflowTransport, dir: string, name: string, size: number, options: MultipartUploadOptions): Promise<boolean> {
  try {
    const { data } = await transport.http.request({
      operation: options.operation,
      path: "api/2.0/mlflow-artifacts/artifacts",
      query: { path: dir },
      schema: artifactListResponse,
      ...callOptions({ ...options, signal: undefined }),
    });
    return (data.files ?? []).some((f) => !f.is_dir && f.path.split("/").pop() === name && Number(f.file_size) === size);
  } catch {
    return false;
  }
}
