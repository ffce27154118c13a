// The Hub fake's HTTP plumbing: its routes and what they are handed, the Hub's error answers (reference §3.2
// "Errors": a JSON `{error}` body, `X-Error-Message`, and `X-Error-Code` where the Hub sets one), storage errors as
// S3 writes them, Range requests, and `Link` pagination (both official clients follow `rel="next"`).
import { HttpResponse } from "msw";
import { CANARY } from "../../support/canary.js";

/** Someone a token belongs to. */
export interface HubUser {
  readonly name: string;
  readonly orgs: readonly string[];
}

/** What a route is handed: the request, its URL, the path match, the caller, and the body once checked. */
export interface Ctx {
  readonly request: Request;
  readonly url: URL;
  readonly match: RegExpExecArray;
  readonly user: HubUser | undefined;
  body: unknown;
}

/** One route of the fake; `id` is its endpoint in the contract (test/contracts/huggingface-contract.json). */
export interface Route {
  readonly id: string;
  readonly origin: "hub" | "cdn";
  readonly method: string;
  /** Matched against the raw (still percent-encoded) path, so a revision's encoded slashes stay apart. */
  readonly pattern: RegExp;
  readonly run: (ctx: Ctx) => Response | Promise<Response>;
}

/** The error codes the Hub puts in `X-Error-Code` (huggingface_hub utils/_http.py::hf_raise_for_status reads them). */
export type HubErrorCode = "RepoNotFound" | "RevisionNotFound" | "EntryNotFound" | "GatedRepo";

/** An error as the Hub answers one: `{"error": message}` and the message again in `X-Error-Message`. */
export function hubError(status: number, message: string, code?: HubErrorCode, headers: Record<string, string> = {}): Response {
  return HttpResponse.json(
    { error: message },
    { status, headers: { "X-Error-Message": message.replace(/[^\x20-\x7e]/g, "?"), ...(code && { "X-Error-Code": code }), ...headers } },
  );
}

/** An error as S3 (the Hub's LFS storage behind its signed URLs) answers one. */
export function storageError(status: number, code: string, message: string): Response {
  return new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, {
    status,
    headers: { "Content-Type": "application/xml" },
  });
}

/** The query of a signed storage URL; the signature is a canary, so a URL that leaks is caught (test/support/canary.ts). */
export function signature(): string {
  return `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=${CANARY.urlSignature}`;
}

export const signed = (url: URL) => url.searchParams.get("X-Amz-Signature") === CANARY.urlSignature;

/** A URL as the fake logs it: the signature masked, so a failing assertion that prints the log leaks nothing. */
export const logged = (url: string) => url.replaceAll(CANARY.urlSignature, "<signature>");

/** Decodes a path segment; a malformed escape is kept as sent. */
export function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Serves `bytes` honouring a single `Range: bytes=a-b | a- | -n` (206 with Content-Range, 416 when unsatisfiable),
 * with the headers given. HEAD gets the headers without a body.
 */
export function ranged(request: Request, bytes: Uint8Array, headers: Record<string, string>): Response {
  const total = bytes.length;
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("range")?.trim() ?? "");
  const body = (part: Uint8Array) => (request.method === "HEAD" ? null : part);
  const base = { "Accept-Ranges": "bytes", ...headers };
  if (!range || (range[1] === "" && range[2] === ""))
    return new HttpResponse(body(bytes), { status: 200, headers: { ...base, "Content-Length": String(total) } });
  let start: number;
  let end: number;
  if (range[1] === "") {
    start = Math.max(0, total - Number(range[2]));
    end = total - 1;
  } else {
    start = Number(range[1]);
    end = range[2] === "" ? total - 1 : Math.min(Number(range[2]), total - 1);
  }
  if (start >= total || start > end) {
    return new HttpResponse(null, { status: 416, headers: { ...base, "Content-Range": `bytes */${total}` } });
  }
  const part = bytes.subarray(start, end + 1);
  return new HttpResponse(body(part), {
    status: 206,
    headers: { ...base, "Content-Range": `bytes ${start}-${end}/${total}`, "Content-Length": String(part.length) },
  });
}

/** The JSON answer for one page of `items`, with `Link: <next>; rel="next"` when more remain (the cursor is an offset). */
export function paged<T>(ctx: Ctx, origin: string, items: T[], pageSize: number, cursorParam = "cursor", headers: Record<string, string> = {}): Response {
  const start = Number(ctx.url.searchParams.get(cursorParam) ?? 0) * (cursorParam === "p" ? pageSize : 1);
  const page = items.slice(start, start + pageSize);
  const out: Record<string, string> = { ...headers };
  if (start + pageSize < items.length) {
    const next = new URL(`${ctx.url.pathname}${ctx.url.search}`, origin);
    next.searchParams.set(cursorParam, String(cursorParam === "p" ? start / pageSize + 1 : start + pageSize));
    out.Link = `<${next.href}>; rel="next"`;
  }
  return HttpResponse.json(page, { headers: out });
}

/** `true`/`1` as the clients send booleans in queries and forms (JS `true`, httpx `true`, Python's str() `True`). */
export const truthy = (value: string | null | undefined) => value !== null && value !== undefined && /^(true|1)$/i.test(value);
