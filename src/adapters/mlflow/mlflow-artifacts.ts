/**
 * Files through MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/...`): streamed PUTs hashed on the
 * way, recursive listing, streamed GETs.
 *
 * @module
 */

import { SelectedDigest } from "../../artifacts/hashing.js";
import { toWebStream } from "../../artifacts/byte-streams.js";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { ResponseValidationError, UnsupportedCapabilityError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ArtifactFile } from "../../core/types.js";
import { assertArtifactPath, preview } from "../../core/validation.js";
import { encodePath } from "../../http/url.js";
import { artifactListResponse } from "./mlflow-api.js";
import { callOptions, PROVIDER, type MlflowTransport } from "./mlflow-transport.js";

const PROXY = "api/2.0/mlflow-artifacts/artifacts";

/**
 * The proxy path of an artifact URI: `mlflow-artifacts:/1/<run>/artifacts` gives `1/<run>/artifacts`. Roots the
 * server does not proxy (`s3://`, a local path) are refused: this adapter moves bytes only through the server.
 */
export function proxyPath(uri: string, transport: MlflowTransport, operation: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(uri);
  if (match) return (match[1] ?? "").replace(/\/+$/, "").replace(/\/{2,}/g, "/");
  if (/^https?:\/\//i.test(uri)) {
    const url = new URL(uri);
    const marker = `/${PROXY}/`;
    const at = url.pathname.indexOf(marker);
    if (at >= 0 && url.origin === new URL(transport.baseUrl).origin) return decodeURIComponent(url.pathname.slice(at + marker.length)).replace(/\/+$/, "");
  }
  throw new UnsupportedCapabilityError(
    `artifacts at ${JSON.stringify(uri)} are not served by the tracking server; start it with --serve-artifacts so modelreg can reach them`,
    { provider: PROVIDER, operation, capability: "foreignFiles" },
  );
}

/** Uploads one file with a streamed PUT and returns its digests (from the attempt that succeeded). */
export async function uploadFile(
  transport: MlflowTransport,
  root: string,
  file: ResolvedArtifact,
  options: CallOptions & { operation: string; onBytes?: (bytes: number, fileBytes: number) => void },
): Promise<{ size: number; sha256: string }> {
  // sha256 only: it is what MLflow versions record and check; MD5 would cost half as much again on every byte sent.
  let digest = new SelectedDigest({ sha256: true, md5: false });
  await transport.http.request({
    operation: options.operation,
    method: "PUT",
    path: `${PROXY}/${encodePath(`${root}/${file.path}`)}`,
    body: () => {
      // Each attempt hashes afresh, so a retried upload reports the bytes actually sent.
      digest = new SelectedDigest({ sha256: true, md5: false });
      const current = digest;
      async function* hashed() {
        for await (const chunk of file.open()) {
          current.update(chunk);
          options.onBytes?.(chunk.byteLength, current.size);
          yield chunk;
        }
      }
      return toWebStream(hashed());
    },
    ...(file.size !== undefined && { bodySize: file.size }),
    headers: { "content-type": "application/octet-stream", ...options.headers },
    idempotent: true,
    responseType: "none",
    ...callOptions({ ...options, headers: undefined } as CallOptions),
  });
  const got = digest.digest();
  return { size: got.size, sha256: got.sha256 as string };
}

/** Directories one listing may walk; far more than any model has, few enough to end a hostile endless tree. */
const MAX_LISTED_DIRECTORIES = 10_000;

function isSafeRelative(path: string): boolean {
  try {
    assertArtifactPath(path, "listArtifacts");
    return true;
  } catch {
    return false;
  }
}

function listingError(operation: string, field: string, message: string): ResponseValidationError {
  return new ResponseValidationError(message, { provider: PROVIDER, operation, field, isRetryable: false });
}

/**
 * Lists every file below `root`, with paths relative to it.
 *
 * @throws ResponseValidationError when an entry's path is absolute, has `.`, `..` or empty segments, a backslash or
 *   a control character, or the tree has more than 10,000 directories.
 */
export async function listFiles(transport: MlflowTransport, root: string, options: CallOptions & { operation: string }): Promise<ArtifactFile[]> {
  const out: ArtifactFile[] = [];
  let directories = 0;
  const walk = async (rel: string): Promise<void> => {
    // A server that lists a directory inside itself, or an endless tree, would otherwise be walked forever.
    if (++directories > MAX_LISTED_DIRECTORIES)
      throw listingError(options.operation, "files", `the artifact listing has more than ${MAX_LISTED_DIRECTORIES} directories`);
    const { data } = await transport.http.request({
      operation: options.operation,
      path: PROXY,
      query: { path: rel ? `${root}/${rel}` : root },
      schema: artifactListResponse,
      ...callOptions(options),
    });
    for (const [i, entry] of (data.files ?? []).entries()) {
      const field = `files[${i}].path`;
      // Checked whole before the last segment is taken: `../../x` must be refused, not quietly become `x`.
      if (!isSafeRelative(entry.path)) throw listingError(options.operation, field, `the artifact listing has an unsafe path ${preview(entry.path)}`);
      // The proxy returns base names; older servers return paths relative to the root: keep the last segment.
      const name = entry.path.split("/").pop() ?? entry.path;
      const path = rel ? `${rel}/${name}` : name;
      if (!isSafeRelative(path)) throw listingError(options.operation, field, `the artifact listing has an unsafe path ${preview(path)}`);
      if (entry.is_dir) await walk(path);
      else out.push({ path, ...(entry.file_size !== undefined && { size: Number(entry.file_size) }) });
    }
  };
  await walk("");
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Opens one file as a stream. */
export async function openFile(
  transport: MlflowTransport,
  root: string,
  path: string,
  options: CallOptions & { operation: string },
): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
  const res = await transport.http.request({
    operation: options.operation,
    path: `${PROXY}/${encodePath(`${root}/${path}`)}`,
    responseType: "stream",
    ...callOptions(options),
  });
  const length = res.headers.get("content-length");
  return { stream: res.data, size: length === null ? undefined : Number(length) };
}

/** Deletes a tree of uploaded files; used to clean up after a failed create. */
export async function deleteTree(transport: MlflowTransport, root: string, options: CallOptions & { operation: string }): Promise<void> {
  await transport.http.request({
    operation: options.operation,
    method: "DELETE",
    path: `${PROXY}/${encodePath(root)}`,
    responseType: "none",
    ...callOptions(options),
  });
}
