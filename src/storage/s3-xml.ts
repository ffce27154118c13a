/**
 * The XML S3 speaks, read and written by hand: S3's documents are small, flat and attribute-free, so a reader of
 * elements, text, CDATA and the five entities plus character references covers them without an XML dependency.
 * Document types are refused (no entity expansion). Only the documents modelreg sends and reads are here.
 *
 * @module
 */

import { ResponseValidationError } from "../core/errors.js";

/** An element: its local name (a namespace prefix dropped), its child elements, and its own text, decoded. */
export interface XmlElement {
  /** The local name. */
  name: string;
  /** Child elements, in order. */
  children: XmlElement[];
  /** The element's direct text (entities and CDATA decoded), whitespace kept. */
  text: string;
}

/** Why a document could not be read; callers turn it into the error of their operation. */
export class XmlSyntaxError extends Error {}

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const MAX_DEPTH = 32;

/** Decodes `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, `&#NN;` and `&#xHH;`; anything else is an error. */
export function decodeXmlText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&\s]{0,10});?/g, (whole, entity: string) => {
    if (!whole.endsWith(";")) throw new XmlSyntaxError(`an unterminated entity near ${JSON.stringify(whole)}`);
    const named = NAMED[entity];
    if (named !== undefined) return named;
    const hex = /^#x([0-9a-fA-F]{1,6})$/.exec(entity);
    const dec = /^#(\d{1,7})$/.exec(entity);
    const code = hex?.[1] !== undefined ? Number.parseInt(hex[1], 16) : dec?.[1] !== undefined ? Number(dec[1]) : undefined;
    if (code === undefined || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlSyntaxError(`an unknown entity ${JSON.stringify(whole)}`);
    return String.fromCodePoint(code);
  });
}

/** Escapes text for an element's content. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
}

/** Parses a document and returns its root element. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let at = 0;
  const addText = (raw: string) => {
    const top = stack.at(-1);
    if (top) top.text += raw;
    else if (raw.trim() !== "") throw new XmlSyntaxError("text outside the root element");
  };
  while (at < text.length) {
    const open = text.indexOf("<", at);
    if (open === -1) {
      addText(decodeXmlText(text.slice(at)));
      break;
    }
    if (open > at) addText(decodeXmlText(text.slice(at, open)));
    if (text.startsWith("<?", open)) {
      at = endOf(text, "?>", open);
    } else if (text.startsWith("<!--", open)) {
      at = endOf(text, "-->", open);
    } else if (text.startsWith("<![CDATA[", open)) {
      const end = endOf(text, "]]>", open);
      if (stack.length === 0) throw new XmlSyntaxError("CDATA outside the root element");
      addText(text.slice(open + 9, end - 3));
      at = end;
    } else if (text.startsWith("<!", open)) {
      throw new XmlSyntaxError("a document type declaration, which is not read");
    } else {
      const close = text.indexOf(">", open);
      if (close === -1) throw new XmlSyntaxError("a tag that does not end");
      const tag = text.slice(open + 1, close);
      at = close + 1;
      if (tag.startsWith("/")) {
        const name = localName(tag.slice(1).trim());
        const top = stack.pop();
        if (!top || top.name !== name) throw new XmlSyntaxError(`</${name}> does not close ${top ? `<${top.name}>` : "anything"}`);
        continue;
      }
      const selfClosing = tag.endsWith("/");
      const name = /^([A-Za-z_][\w.:-]*)(?:\s|\/|$)/.exec(tag)?.[1];
      if (name === undefined) throw new XmlSyntaxError(`a malformed tag <${tag.slice(0, 40)}>`);
      const element: XmlElement = { name: localName(name), children: [], text: "" };
      const parent = stack.at(-1);
      if (parent) parent.children.push(element);
      else if (root) throw new XmlSyntaxError("a second root element");
      else root = element;
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlSyntaxError(`elements nested deeper than ${MAX_DEPTH}`);
        stack.push(element);
      }
    }
  }
  if (stack.length > 0) throw new XmlSyntaxError(`<${stack.at(-1)?.name}> is not closed`);
  if (!root) throw new XmlSyntaxError("no root element");
  return root;
}

function endOf(text: string, marker: string, from: number): number {
  const end = text.indexOf(marker, from);
  if (end === -1) throw new XmlSyntaxError(`no ${marker} after position ${from}`);
  return end + marker.length;
}

const localName = (name: string) => name.slice(name.indexOf(":") + 1);

/** The first child element called `name`. */
export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** The text of the first child element called `name`, or `undefined` when there is none. */
export function childText(element: XmlElement, name: string): string | undefined {
  return childElement(element, name)?.text;
}

/** What an operation names in the errors of reading its response. */
export interface XmlContext {
  /** The provider. */
  provider: string;
  /** The operation. */
  operation: string;
}

/** Parses a response body, or throws `ResponseValidationError` saying what was wrong with it. */
export function parseResponseXml(text: string, what: string, context: XmlContext, expectRoot?: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    const reason = error instanceof XmlSyntaxError ? error.message : String(error);
    throw new ResponseValidationError(`S3 answered ${what} with a body that is not XML (${reason})`, { ...context, isRetryable: false });
  }
  if (expectRoot !== undefined && root.name !== expectRoot && root.name !== "Error")
    throw new ResponseValidationError(`S3 answered ${what} with <${root.name}>, expected <${expectRoot}>`, { ...context, isRetryable: false });
  return root;
}

/** An S3 `<Error>` document. */
export interface S3ErrorBody {
  /** `NoSuchKey`, `PreconditionFailed`... */
  code: string;
  /** The message, when there is one. */
  message: string | undefined;
  /** `<Endpoint>` of a `PermanentRedirect` (the bucket's regional host). */
  endpoint: string | undefined;
  /** `<Region>` of an `AuthorizationHeaderMalformed` or a redirect. */
  region: string | undefined;
}

/** Reads an `<Error>` document, or `undefined` when the text is not one (an empty body, a proxy's HTML page). */
export function readErrorXml(text: string): S3ErrorBody | undefined {
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<Error[\s>]/.test(text)) return undefined;
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch {
    return undefined;
  }
  const code = childText(root, "Code")?.trim();
  if (!code) return undefined;
  return { code, message: childText(root, "Message"), endpoint: childText(root, "Endpoint"), region: childText(root, "Region") };
}

/** One page of a ListObjectsV2 answer. */
export interface ListPage {
  /** The objects: key and size. */
  objects: Array<{ key: string; size: number }>;
  /** Whether more pages follow. */
  isTruncated: boolean;
  /** The token of the next page. */
  nextToken: string | undefined;
}

/** Reads a `<ListBucketResult>`. */
export function readListPage(text: string, context: XmlContext): ListPage {
  const root = parseResponseXml(text, "ListObjectsV2", context, "ListBucketResult");
  const objects = root.children
    .filter((c) => c.name === "Contents")
    .map((entry, i) => {
      const key = childText(entry, "Key");
      const size = Number(childText(entry, "Size") ?? "");
      if (key === undefined || !Number.isSafeInteger(size) || size < 0)
        throw new ResponseValidationError(`S3 listed an object without a key or a size (Contents[${i}])`, {
          ...context,
          field: `Contents[${i}]`,
          isRetryable: false,
        });
      return { key, size };
    });
  const truncated = childText(root, "IsTruncated")?.trim();
  return { objects, isTruncated: truncated === "true", nextToken: childText(root, "NextContinuationToken")?.trim() || undefined };
}

/** Reads the `<UploadId>` of an `<InitiateMultipartUploadResult>`. */
export function readUploadId(text: string, context: XmlContext): string {
  const root = parseResponseXml(text, "CreateMultipartUpload", context, "InitiateMultipartUploadResult");
  const id = childText(root, "UploadId")?.trim();
  if (!id) throw new ResponseValidationError("S3 started a multipart upload without an UploadId", { ...context, field: "UploadId", isRetryable: false });
  return id;
}

/** One part of a multipart upload, as CompleteMultipartUpload lists it. */
export interface CompletedPart {
  /** 1-10,000. */
  partNumber: number;
  /** The ETag UploadPart answered with, quotes included. */
  etag: string;
  /** The part's SHA-256, base64. */
  checksumSha256: string;
}

/** The `<CompleteMultipartUpload>` body. */
export function completeMultipartXml(parts: readonly CompletedPart[]): string {
  const items = parts
    .map(
      (p) =>
        `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag><ChecksumSHA256>${escapeXml(p.checksumSha256)}</ChecksumSHA256></Part>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items}</CompleteMultipartUpload>`;
}

/** What a CompleteMultipartUpload answer says: the `<Error>` S3 may send under HTTP 200, or the object's checksum. */
export type CompleteOutcome = { error: S3ErrorBody } | { checksumSha256: string | undefined };

/** Reads a CompleteMultipartUpload answer (HTTP 200). */
export function readCompleteResult(text: string, context: XmlContext): CompleteOutcome {
  // S3 sends its headers at once and may fail later, so a 200 can carry an <Error>, even after whitespace it sent
  // to keep the connection alive.
  const root = parseResponseXml(text, "CompleteMultipartUpload", context, "CompleteMultipartUploadResult");
  if (root.name === "Error") {
    const error = readErrorXml(text);
    if (error) return { error };
    return { error: { code: "InternalError", message: "an <Error> without a code", endpoint: undefined, region: undefined } };
  }
  return { checksumSha256: childText(root, "ChecksumSHA256")?.trim() || undefined };
}
