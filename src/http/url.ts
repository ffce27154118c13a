/**
 * URL building: path segments, base URLs that carry a path prefix, and query strings.
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";

/** A query parameter value. `undefined` and `null` drop the parameter; an array repeats it (`a=1&a=2`). */
export type HttpQueryValue = string | number | boolean | null | undefined;

/** Query parameters for a request. */
export type HttpQuery = Record<string, HttpQueryValue | readonly HttpQueryValue[]>;

/**
 * Encodes one URL path segment, so a model called `a/b` or `x?y` stays one segment.
 *
 * `.` and `..` are refused rather than encoded: the WHATWG URL parser treats `%2e%2e` as `..` too, so no encoding
 * stops them from climbing out of the base path.
 *
 * @param segment - One segment, unencoded.
 * @returns The percent-encoded segment.
 * @throws InvalidInputError when the segment is empty, `.` or `..`.
 */
export function encodePathSegment(segment: string | number): string {
  const text = String(segment);
  if (text === "" || text === "." || text === "..") {
    throw invalidInput("encodePathSegment", "segment", `a URL path segment cannot be ${JSON.stringify(text)}`);
  }
  return encodeURIComponent(text);
}

/**
 * Encodes a `/`-separated path segment by segment, keeping the slashes (MLflow artifact paths, GCS-style keys that
 * go into a path as-is).
 *
 * @param path - The unencoded path, without a leading slash.
 * @throws InvalidInputError when a segment is empty, `.` or `..`.
 */
export function encodePath(path: string): string {
  return path.split("/").map(encodePathSegment).join("/");
}

/**
 * Joins a base URL with a relative path, keeping the base URL's own path. `https://h/mlflow` and `https://h/mlflow/`
 * both give `https://h/mlflow/api/2.0/...` for `api/2.0/...` or `/api/2.0/...`: a leading slash would otherwise
 * drop the prefix that `--static-prefix` deployments need.
 *
 * @param baseUrl - An absolute `http(s)` URL, optionally with a path prefix. Its query parameters are kept.
 * @param path - A path relative to the base, already encoded (see {@link encodePathSegment}); it may carry a query.
 * @returns A new URL.
 * @throws InvalidInputError when the path would climb above the base path.
 */
export function joinUrl(baseUrl: string | URL, path: string): URL {
  const base = new URL(baseUrl);
  const prefix = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
  const root = new URL(`${base.origin}${prefix}`);
  // "./" keeps a first segment with a colon (Vertex `models:upload`) from being read as a URL scheme.
  const url = new URL(`./${path.replace(/^\/+/, "")}`, root);
  if (url.origin !== base.origin || !url.pathname.startsWith(prefix)) {
    throw invalidInput("joinUrl", "path", `the path ${JSON.stringify(path)} leaves the base URL's path`);
  }
  for (const [name, value] of base.searchParams) {
    if (!url.searchParams.has(name)) url.searchParams.append(name, value);
  }
  return url;
}

/**
 * Returns a copy of `url` with `query` appended. `undefined`/`null` values are dropped, arrays repeat the key, and
 * booleans become `true`/`false` (MLflow refuses any other spelling).
 */
export function withQuery(url: URL, query: HttpQuery | undefined): URL {
  const out = new URL(url);
  if (!query) return out;
  for (const [name, raw] of Object.entries(query)) {
    const values: readonly HttpQueryValue[] = Array.isArray(raw) ? raw : [raw as HttpQueryValue];
    for (const value of values) {
      if (value === undefined || value === null) continue;
      out.searchParams.append(name, String(value));
    }
  }
  return out;
}
