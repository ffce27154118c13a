/**
 * The XML Azure Blob Storage speaks, read and written with the small reader S3 uses (s3-xml.ts): error documents,
 * List Blobs pages and Put Block List bodies. Only the fields modelreg reads are read.
 *
 * @module
 */

import { ResponseValidationError } from "../core/errors.js";
import { childElement, childText, escapeXml, parseXml, type XmlElement, XmlSyntaxError } from "./s3-xml.js";

/** An Azure `<Error>` document. */
export interface AzureErrorBody {
  /** `BlobNotFound`, `BlobAlreadyExists`, `AuthenticationFailed`... */
  code: string;
  /** The message's first line (Azure appends `RequestId:` and `Time:` lines, which are dropped). */
  message: string | undefined;
}

/** Azure's documents may start with a byte-order mark. */
const withoutBom = (text: string) => text.replace(/^\uFEFF/, "");

/** Reads an `<Error>` document, or `undefined` when the text is not one (an empty body, a proxy's HTML page). */
export function readAzureErrorXml(text: string): AzureErrorBody | undefined {
  const body = withoutBom(text);
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<Error[\s>]/.test(body)) return undefined;
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch {
    return undefined;
  }
  const code = childText(root, "Code")?.trim();
  if (!code) return undefined;
  const message = childText(root, "Message")?.trim().split(/\r?\n/)[0];
  return { code, message: message || undefined };
}

/** What a read of a response names in its errors. */
export interface AzureXmlContext {
  /** The provider. */
  provider: string;
  /** The operation. */
  operation: string;
}

/** One page of a List Blobs answer. */
export interface AzureListPage {
  /** The blobs: name and size, and the Content-MD5 when the blob has one. */
  blobs: Array<{ name: string; size: number; md5: string | undefined }>;
  /** The marker of the next page, when there is one. */
  nextMarker: string | undefined;
}

/**
 * Names that XML 1.0 cannot carry come percent-encoded, marked `<Name Encoded="true">` (doc "List Blobs"). The
 * reader keeps no attributes, so the marked element is renamed first and decoded after.
 */
const ENCODED_NAME = /<Name\s+Encoded\s*=\s*["']true["']\s*>([^<]*)<\/Name>/g;

/** Reads an `<EnumerationResults>` page of List Blobs. */
export function readBlobListPage(text: string, context: AzureXmlContext): AzureListPage {
  const invalid = (message: string, field?: string) =>
    new ResponseValidationError(message, { ...context, ...(field !== undefined && { field }), isRetryable: false });
  let root: XmlElement;
  try {
    root = parseXml(withoutBom(text).replace(ENCODED_NAME, "<EncodedName>$1</EncodedName>"));
  } catch (error) {
    const reason = error instanceof XmlSyntaxError ? error.message : String(error);
    throw invalid(`Azure answered List Blobs with a body that is not XML (${reason})`);
  }
  if (root.name !== "EnumerationResults") throw invalid(`Azure answered List Blobs with <${root.name}>, expected <EnumerationResults>`);
  const entries = childElement(root, "Blobs")?.children.filter((c) => c.name === "Blob") ?? [];
  const blobs = entries.map((entry, i) => {
    const encoded = childText(entry, "EncodedName");
    let name = childText(entry, "Name");
    if (encoded !== undefined) {
      try {
        name = decodeURIComponent(encoded);
      } catch {
        name = undefined;
      }
    }
    const properties = childElement(entry, "Properties");
    const length = properties ? childText(properties, "Content-Length")?.trim() : undefined;
    // Number("") is 0: a missing length must not read as an empty blob.
    const size = length ? Number(length) : Number.NaN;
    if (name === undefined || name === "" || !Number.isSafeInteger(size) || size < 0)
      throw invalid(`Azure listed a blob without a name or a size (Blobs.Blob[${i}])`, `Blobs.Blob[${i}]`);
    const md5 = properties ? childText(properties, "Content-MD5")?.trim() : undefined;
    return { name, size, md5: md5 || undefined };
  });
  return { blobs, nextMarker: childText(root, "NextMarker")?.trim() || undefined };
}

/** The Put Block List body: every block by id, from the uncommitted (or committed) blocks, newest first. */
export function blockListXml(ids: readonly string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${escapeXml(id)}</Latest>`).join("")}</BlockList>`;
}
