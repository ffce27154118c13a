// Azure Blob Storage's block blob writes, as the REST reference documents them, for the W&B fake's Azure mode (W&B on
// Azure hands out SAS URLs with `x-ms-blob-type` in the upload headers):
// - Put Blob (PUT, no `comp`): needs `x-ms-blob-type`; a body over the service's Put Blob limit is 413
//   RequestBodyTooLarge (5000 MiB since version 2019-12-12, 256 MiB before: `putBlobMaxBytes`); a Content-MD5 that
//   does not match the body is 400 Md5Mismatch.
// - Put Block (`comp=block&blockid=`): the id is base64 of at most 64 bytes, and every id of one blob's uncommitted
//   blocks has the same length, else 400; a block over the block limit is 413; a block is invisible until committed;
//   staging an id again replaces its bytes; at most 100,000 uncommitted blocks (409 BlockCountExceedsLimit).
// - Put Block List (`comp=blocklist`): an XML <BlockList> of <Latest>, <Uncommitted> or <Committed> ids; an id not
//   found where its element says is 400 InvalidBlockList, more than 50,000 blocks too. Committing makes the blob the
//   blocks in list order and drops the other uncommitted blocks. `x-ms-blob-content-md5` is stored, not checked
//   (Azure checked each block's own Content-MD5 when it was staged).
// Success is 201 Created throughout. Only what modelreg's uploads touch is modelled (no leases, tiers or appends).
import { createHash } from "node:crypto";
import { HttpResponse } from "msw";

const MiB = 1024 * 1024;

const azureError = (status: number, code: string, message: string) =>
  new HttpResponse(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`, {
    status,
    headers: { "content-type": "application/xml", "x-ms-error-code": code },
  });

/** What one committed blob keeps besides its bytes: its block list (for a later `Committed`/`Latest`) and properties. */
interface CommittedBlob {
  blocks: Array<{ id: string; bytes: Uint8Array }>;
  contentMD5?: string;
  contentType?: string;
}

/** The block state of the blobs written through SAS URLs; the bytes of committed blobs go to `store`. */
export class AzureBlobFake {
  /** Put Blob's limit: 5000 MiB on current service versions. Tests lower it to see large files go in blocks. */
  putBlobMaxBytes = 5000 * MiB;
  /** Put Block's limit: 4000 MiB on current service versions. */
  maxBlockBytes = 4000 * MiB;
  /** Blocks one blob may commit. */
  maxBlocks = 50_000;
  /** Uncommitted blocks one blob may hold. */
  maxUncommitted = 100_000;
  /** Uncommitted blocks per blob path, by id. */
  readonly uncommitted = new Map<string, Map<string, Uint8Array>>();
  /** Committed blobs' block lists and properties, per path. */
  readonly committed = new Map<string, CommittedBlob>();
  /** Every Put Blob, Put Block and Put Block List answered, with its status, in order. */
  readonly log: Array<{ op: "putBlob" | "putBlock" | "putBlockList"; path: string; status: number; bytes: number }> = [];

  /** @param store - Where committed blobs' bytes go (the fake's storage). */
  constructor(private readonly store: (path: string, bytes: Uint8Array) => void) {}

  /** Answers one PUT to the blob at `path` (already authorised by its SAS). */
  async put(request: Request, path: string): Promise<Response> {
    const url = new URL(request.url);
    const comp = url.searchParams.get("comp");
    const body = new Uint8Array(await request.arrayBuffer());
    const answer =
      comp === "block"
        ? this.#putBlock(request, url, path, body)
        : comp === "blocklist"
          ? this.#putBlockList(request, path, body)
          : comp === null
            ? this.#putBlob(request, path, body)
            : azureError(400, "InvalidQueryParameterValue", `comp=${comp} is not a write this fake knows`);
    this.log.push({
      op: comp === "block" ? "putBlock" : comp === "blocklist" ? "putBlockList" : "putBlob",
      path,
      status: answer.status,
      bytes: body.byteLength,
    });
    return answer;
  }

  #md5Mismatch(request: Request, body: Uint8Array): Response | undefined {
    const declared = request.headers.get("content-md5");
    if (declared !== null && declared !== createHash("md5").update(body).digest("base64"))
      return azureError(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
    return undefined;
  }

  #putBlob(request: Request, path: string, body: Uint8Array): Response {
    const type = request.headers.get("x-ms-blob-type");
    if (type === null) return azureError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.");
    if (type !== "BlockBlob") return azureError(400, "InvalidHeaderValue", `x-ms-blob-type ${type} is not BlockBlob`);
    if (body.byteLength > this.putBlobMaxBytes)
      return azureError(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit.");
    const bad = this.#md5Mismatch(request, body);
    if (bad) return bad;
    const contentMD5 = request.headers.get("content-md5") ?? undefined;
    const contentType = request.headers.get("content-type") ?? undefined;
    this.committed.set(path, { blocks: [], ...(contentMD5 && { contentMD5 }), ...(contentType && { contentType }) });
    this.uncommitted.delete(path);
    this.store(path, body);
    return new HttpResponse(null, { status: 201 });
  }

  #putBlock(request: Request, url: URL, path: string, body: Uint8Array): Response {
    const id = url.searchParams.get("blockid");
    if (!id) return azureError(400, "MissingRequiredQueryParameter", "blockid is required");
    const raw = Buffer.from(id, "base64");
    if (raw.byteLength === 0 || raw.byteLength > 64 || raw.toString("base64") !== id)
      return azureError(400, "InvalidQueryParameterValue", "The value for one of the query parameters specified in the request URI is invalid: blockid.");
    const blocks = this.uncommitted.get(path) ?? new Map<string, Uint8Array>();
    const other = blocks.keys().next().value;
    if (other !== undefined && Buffer.from(other, "base64").byteLength !== raw.byteLength)
      return azureError(400, "InvalidBlobOrBlock", "The specified blob or block content is invalid: block ids of one blob must have the same length.");
    if (body.byteLength > this.maxBlockBytes)
      return azureError(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit.");
    const bad = this.#md5Mismatch(request, body);
    if (bad) return bad;
    if (!blocks.has(id) && blocks.size >= this.maxUncommitted)
      return azureError(409, "BlockCountExceedsLimit", "The uncommitted block count cannot exceed the maximum limit of 100,000 blocks.");
    blocks.set(id, body);
    this.uncommitted.set(path, blocks);
    return new HttpResponse(null, { status: 201, headers: { "content-md5": createHash("md5").update(body).digest("base64") } });
  }

  #putBlockList(request: Request, path: string, body: Uint8Array): Response {
    const bad = this.#md5Mismatch(request, body);
    if (bad) return bad;
    const xml = new TextDecoder().decode(body);
    if (!/<BlockList>[\s\S]*<\/BlockList>/.test(xml)) return azureError(400, "InvalidXmlDocument", "XML specified is not syntactically valid.");
    const wanted = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => ({ kind: m[1], id: m[2] as string }));
    if (wanted.length > this.maxBlocks) return azureError(400, "InvalidBlockList", "The specified block list is invalid: too many blocks.");
    const staged = this.uncommitted.get(path) ?? new Map<string, Uint8Array>();
    const before = new Map((this.committed.get(path)?.blocks ?? []).map((b) => [b.id, b.bytes]));
    const blocks: Array<{ id: string; bytes: Uint8Array }> = [];
    for (const { kind, id } of wanted) {
      const bytes = kind === "Uncommitted" ? staged.get(id) : kind === "Committed" ? before.get(id) : (staged.get(id) ?? before.get(id));
      if (!bytes) return azureError(400, "InvalidBlockList", "The specified block list is invalid.");
      blocks.push({ id, bytes });
    }
    const contentMD5 = request.headers.get("x-ms-blob-content-md5") ?? undefined;
    const contentType = request.headers.get("x-ms-blob-content-type") ?? undefined;
    this.committed.set(path, { blocks, ...(contentMD5 && { contentMD5 }), ...(contentType && { contentType }) });
    this.uncommitted.delete(path);
    this.store(path, new Uint8Array(Buffer.concat(blocks.map((b) => b.bytes))));
    return new HttpResponse(null, { status: 201 });
  }
}
