/**
 * Cloud Storage JSON API wire shapes: only the fields the storage layer reads, so additive API changes pass.
 *
 * @module
 */

import * as z from "zod";
import { InvalidInputError } from "../../core/errors.js";
import { lazySchema } from "../../http/index.js";

/** `Object` as the JSON API returns it. int64 fields (`size`, `generation`) arrive as strings. */
export const gcsObjectSchema = lazySchema(() =>
  z.object({
    bucket: z.string(),
    name: z.string(),
    size: z.string().regex(/^\d+$/),
    generation: z.string(),
    md5Hash: z.string().optional(),
    crc32c: z.string().optional(),
    contentType: z.string().optional(),
    updated: z.string().optional(),
  }),
);

/** One page of `objects.list`. `items` is left out when the page is empty. */
export const gcsObjectListSchema = lazySchema(() =>
  z.object({
    items: z.array(gcsObjectSchema()).optional(),
    prefixes: z.array(z.string()).optional(),
    nextPageToken: z.string().optional(),
  }),
);

/** An object's metadata, with `size` as a number. */
export interface GcsObject {
  /** The bucket. */
  bucket: string;
  /** The object name (the path after the bucket, without a leading slash). */
  name: string;
  /** The size in bytes. */
  size: number;
  /** The generation, an int64 as a decimal string; it changes whenever the object is replaced. */
  generation: string;
  /** MD5 as base64; absent for composite objects. */
  md5Hash: string | undefined;
  /** CRC32C as base64 (4 bytes, big-endian). */
  crc32c: string | undefined;
  /** The content type. */
  contentType: string | undefined;
  /** When the object was last written, as RFC 3339. */
  updated: string | undefined;
}

/** Converts a parsed wire object; `size` is a count of bytes, well within a safe integer. */
export function toGcsObject(wire: z.output<ReturnType<typeof gcsObjectSchema>>): GcsObject {
  return {
    bucket: wire.bucket,
    name: wire.name,
    size: Number(wire.size),
    generation: wire.generation,
    md5Hash: wire.md5Hash,
    crc32c: wire.crc32c,
    contentType: wire.contentType,
    updated: wire.updated,
  };
}

/**
 * Percent-encodes a bucket or object name as one path segment. `/` becomes `%2F`, because the JSON API takes the
 * whole object name as a single segment; `!'()*` are encoded too, which `encodeURIComponent` leaves alone.
 *
 * @throws InvalidInputError for an empty name, or `.` or `..` (a URL parser would resolve those as path steps).
 */
export function encodeGcsName(name: string, operation: string, field: string): string {
  if (name === "" || name === "." || name === "..") {
    throw new InvalidInputError(`${field} cannot be ${JSON.stringify(name)}`, { provider: "vertex", operation, field });
  }
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Reads an `x-goog-hash` header (`crc32c=AAAAAA==,md5=1B2M2Y8AsgTpgAmY7PhCfg==`, possibly repeated and joined with
 * commas). Values are base64, so splitting at the first `=` only.
 */
export function parseGoogHash(header: string | null): { md5: string | undefined; crc32c: string | undefined } {
  let md5: string | undefined;
  let crc32c: string | undefined;
  for (const part of (header ?? "").split(",")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    const key = part.slice(0, at).trim().toLowerCase();
    const value = part.slice(at + 1).trim();
    if (key === "md5") md5 = value;
    else if (key === "crc32c") crc32c = value;
  }
  return { md5, crc32c };
}
