/**
 * Where a version's files are and how bytes reach them: through MLflow's artifact proxy
 * (`/api/2.0/mlflow-artifacts/artifacts/...`: streamed PUTs hashed on the way, multipart for large files when the
 * server offers it, recursive listing, streamed GETs), or in S3 directly for servers started with
 * `--no-serve-artifacts` and an `s3://` root (mlflow-s3.ts, loaded only then).
 *
 * @module
 */

import { ResponseValidationError, UnsupportedCapabilityError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ArtifactFile } from "../../core/types.js";
import { assertArtifactPath, preview } from "../../core/validation.js";
import { encodePath } from "../../http/url.js";
import { lazyModule } from "../../runtime/lazy-module.js";
import { artifactListResponse } from "./mlflow-api.js";
import type { MlflowS3 } from "./mlflow-s3.js";
import type { MlflowUploads } from "./mlflow-upload.js";
import type { MlflowRegistrySettings } from "./mlflow-settings.js";
import { callOptions, PROVIDER, type MlflowTransport } from "./mlflow-transport.js";

/** The artifact proxy's routes. */
export const PROXY = "api/2.0/mlflow-artifacts/artifacts";

/** Loaded by the first `s3://` location: users of proxied artifacts never load the S3 client. */
const s3Module = lazyModule(() => import("./mlflow-s3.js"));

/**
 * A tree of artifacts: behind the tracking server's proxy (`path` relative to its root), or in S3 (`key` without a
 * trailing slash). `uri` is the location as MLflow writes it (`mlflow-artifacts:/...`, `s3://...`).
 */
export type ArtifactLocation = { uri: string } & ({ kind: "proxy"; path: string } | { kind: "s3"; bucket: string; key: string });

/**
 * The location of an artifact URI: `mlflow-artifacts:/1/<run>/artifacts` (or the proxy's http(s) URL on the tracking
 * server) is proxied, `s3://bucket/key` is read and written directly. Other roots (a local path, `gs://`) are refused:
 * this adapter moves bytes only through the server or S3.
 */
export function locateArtifacts(uri: string, transport: MlflowTransport, operation: string): ArtifactLocation {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(uri);
  if (match) return proxied((match[1] ?? "").replace(/\/+$/, "").replace(/\/{2,}/g, "/"));
  if (/^https?:\/\//i.test(uri)) {
    const url = new URL(uri);
    const marker = `/${PROXY}/`;
    const at = url.pathname.indexOf(marker);
    if (at >= 0 && url.origin === new URL(transport.baseUrl).origin)
      return proxied(decodeURIComponent(url.pathname.slice(at + marker.length)).replace(/\/+$/, ""));
  }
  const s3 = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(uri);
  if (s3) {
    const key = (s3[2] ?? "").replace(/\/{2,}/g, "/").replace(/^\/+|\/+$/g, "");
    return { kind: "s3", bucket: s3[1] as string, key, uri: `s3://${s3[1]}${key && `/${key}`}` };
  }
  throw new UnsupportedCapabilityError(
    `artifacts at ${preview(uri)} are neither served by the tracking server nor in S3; start the server with --serve-artifacts so modelreg can reach them`,
    { provider: PROVIDER, operation, capability: "foreignFiles" },
  );
}

function proxied(path: string): ArtifactLocation {
  return { kind: "proxy", path, uri: `mlflow-artifacts:/${path}` };
}

/** The location of `sub` (a relative `/`-separated path) below `location`. */
export function below(location: ArtifactLocation, sub: string): ArtifactLocation {
  if (sub === "") return location;
  if (location.kind === "proxy") return proxied(location.path === "" ? sub : `${location.path}/${sub}`);
  const key = location.key === "" ? sub : `${location.key}/${sub}`;
  return { ...location, key, uri: `s3://${location.bucket}/${key}` };
}

/**
 * Moves a client's bytes: one per registry. It holds the S3 client of direct locations, made on first use, and the
 * uploader (mlflow-upload.ts, loaded with createVersion), which remembers what it learned about the server.
 */
export class MlflowArtifacts {
  /** The tracking server. */
  readonly transport: MlflowTransport;
  /** The registry's settings (`s3`, `multipartUpload`, `env`). */
  readonly settings: MlflowRegistrySettings;
  /** Set by the first createVersion. */
  uploads: MlflowUploads | undefined;
  #s3: Promise<MlflowS3> | undefined;

  constructor(transport: MlflowTransport, settings: MlflowRegistrySettings) {
    this.transport = transport;
    this.settings = settings;
  }

  /** The S3 side, made on the first `s3://` location. */
  direct(): Promise<MlflowS3> {
    this.#s3 ??= s3Module()
      .then(({ MlflowS3 }) => new MlflowS3(this.settings))
      .catch((error: unknown) => {
        this.#s3 = undefined;
        throw error;
      });
    return this.#s3;
  }

  /**
   * Lists every file below `location`, with paths relative to it.
   *
   * @throws ResponseValidationError when an entry's path is absolute, has `.`, `..` or empty segments, a backslash or
   *   a control character, or the tree has more than 10,000 directories.
   */
  async list(location: ArtifactLocation, options: CallOptions & { operation: string }): Promise<ArtifactFile[]> {
    if (location.kind === "s3") return (await this.direct()).list(location, options);
    return listProxied(this.transport, location.path, options);
  }

  /** Opens `<location>/<path>` as a stream. */
  async open(
    location: ArtifactLocation,
    path: string,
    options: CallOptions & { operation: string },
  ): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
    if (location.kind === "s3") return (await this.direct()).open(location, path, options);
    return openProxied(this.transport, location.path, path, options);
  }
}

/** Directories one listing may walk; far more than any model has, few enough to end a hostile endless tree. */
const MAX_LISTED_DIRECTORIES = 10_000;

/** Whether a listed path is a safe relative path. */
export function isSafeRelative(path: string): boolean {
  try {
    assertArtifactPath(path, "listArtifacts");
    return true;
  } catch {
    return false;
  }
}

/** The error for a listing that cannot be trusted. */
export function listingError(operation: string, field: string, message: string): ResponseValidationError {
  return new ResponseValidationError(message, { provider: PROVIDER, operation, field, isRetryable: false });
}

/** Lists every file below `root` behind the proxy, with paths relative to it. */
async function listProxied(transport: MlflowTransport, root: string, options: CallOptions & { operation: string }): Promise<ArtifactFile[]> {
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

/** Opens one file behind the proxy as a stream. */
async function openProxied(
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
