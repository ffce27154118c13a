/**
 * modelreg's pages over Azure's. Azure decides its own page size (`$top` caps the whole listing, it does not size a
 * page) and hands out `nextLink`s, so a modelreg page is a slice of an Azure page: the token names the Azure page
 * (its link, or the first) and how far into it the slice starts. Each modelreg page costs at most one request.
 *
 * @module
 */

import { InvalidInputError } from "../../core/errors.js";
import { PROVIDER } from "./azureml-names.js";
import { nextPath } from "./azureml-read.js";
import type { ArmTransport } from "./azureml-transport.js";

/** Where a page starts: an Azure page (`""` = the first) and an offset into it. */
interface Cursor {
  link: string;
  skip: number;
}

/** Encodes a cursor as a page token. */
function encode(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.link, cursor.skip]), "utf8").toString("base64url");
}

/**
 * Decodes and checks a page token: a link must be on this client's Resource Manager host (the token goes with it).
 *
 * @throws InvalidInputError for anything else.
 */
export function decodePageToken(t: ArmTransport, token: string, operation: string): Cursor {
  const bad = () => new InvalidInputError("pageToken is not a page token of this registry", { provider: PROVIDER, operation, field: "pageToken" });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "string" || !Number.isInteger(parsed[1]) || (parsed[1] as number) < 0) throw bad();
  const [link, skip] = parsed as [string, number];
  if (link !== "") {
    let path: string | undefined;
    try {
      path = t.armPath(link);
    } catch {
      path = undefined;
    }
    if (path === undefined) throw bad();
  }
  return { link, skip };
}

/** One Azure page: its items and its `nextLink`. */
export interface ArmPage<T> {
  value: T[];
  nextLink?: string | null | undefined;
}

/**
 * Reads one modelreg page of at most `pageSize` items: the Azure page the token names (`first()` for the first, else
 * the link), from the token's offset.
 */
export async function slicePage<T>(
  t: ArmTransport,
  token: string | undefined,
  pageSize: number,
  operation: string,
  first: () => Promise<ArmPage<T>>,
  follow: (path: string) => Promise<ArmPage<T>>,
): Promise<{ items: T[]; nextPageToken?: string }> {
  const cursor = token === undefined ? { link: "", skip: 0 } : decodePageToken(t, token, operation);
  const page = cursor.link === "" ? await first() : await follow(t.armPath(cursor.link) as string);
  const items = page.value.slice(cursor.skip, cursor.skip + pageSize);
  const end = cursor.skip + pageSize;
  if (end < page.value.length) return { items, nextPageToken: encode({ link: cursor.link, skip: end }) };
  if (page.nextLink) nextPath(t, page.nextLink, operation);
  return { items, ...(page.nextLink && { nextPageToken: encode({ link: page.nextLink, skip: 0 }) }) };
}
