// An in-process Cloud Storage JSON API for msw, with the resumable protocol as GCS runs it: the session persists
// only what its policy keeps (never more than it received), answers 308 + Range, answers the `bytes */N` status
// query without committing, and can drop a connection after it has taken in a chunk.
import { createHash } from "node:crypto";
import { http, HttpResponse } from "msw";

export const GRANULE = 256 * 1024;

/** CRC32C bit by bit: slow, but independent of the table implementation under test. */
export function referenceCrc32c(bytes: Uint8Array): string {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}

export const md5Of = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("base64");

export interface StoredObject {
  bytes: Uint8Array;
  generation: number;
  contentType: string;
}

/** One request the fake saw on a session. `start`/`end` are inclusive; a status query has neither. */
export interface SessionEvent {
  kind: "chunk" | "status";
  session: string;
  contentRange: string;
  start?: number;
  length: number;
  /** Bytes persisted after the request was handled. */
  persisted: number;
}

interface Session {
  id: string;
  bucket: string;
  name: string;
  contentType: string;
  data: Uint8Array[];
  persisted: number;
  total: number | undefined;
  done: StoredObject | undefined;
}

export interface FakeGcsOptions {
  /** How many of the received bytes (from the session's start) to keep. Default: all. Must be whole granules unless final. */
  persist?: (chunk: { index: number; persisted: number; receivedEnd: number; final: boolean }) => number;
  /** 1-based index of the chunk PUT after which the connection drops (the chunk is still handled). */
  dropAfterChunk?: number;
  /** 1-based indexes of chunk PUTs to answer with 410 Gone, as an expired session does. */
  goneAtChunk?: number[];
  /** Report a wrong md5Hash for objects finished through a resumable session. */
  corruptMd5?: boolean;
  /** Serve downloads with the last byte flipped (the headers still describe the stored bytes). */
  corruptDownload?: boolean;
  /** Items per list page when the request does not say. */
  pageSize?: number;
}

export class FakeGcs {
  readonly objects = new Map<string, StoredObject>();
  readonly events: SessionEvent[] = [];
  readonly requests: Array<{ method: string; url: string }> = [];
  readonly multipartMetadata: Array<Record<string, unknown>> = [];
  readonly #sessions = new Map<string, Session>();
  #generation = 1000;
  #chunkPuts = 0;
  #sessionCount = 0;

  constructor(
    readonly base: string,
    readonly options: FakeGcsOptions = {},
  ) {}

  handlers() {
    return [http.all(`${this.base}*`, ({ request }) => this.#route(request))];
  }

  #route(request: Request): Promise<Response> | Response {
    const url = new URL(request.url);
    this.requests.push({ method: request.method, url: request.url });
    const rest = url.pathname.slice(new URL(this.base).pathname.length);
    const upload = /^upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(rest);
    if (upload && request.method === "POST") return this.#startUpload(request, url, decodeURIComponent(upload[1] as string));
    if (upload && request.method === "PUT") return this.#sessionPut(request, url);
    const object = /^storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(rest);
    if (object) {
      const key = `${decodeURIComponent(object[1] as string)}/${decodeURIComponent(object[2] as string)}`;
      if (request.method === "GET") return this.#get(key, url);
      if (request.method === "DELETE") return this.#delete(key, url);
    }
    const list = /^storage\/v1\/b\/([^/]+)\/o$/.exec(rest);
    if (list && request.method === "GET") return this.#list(decodeURIComponent(list[1] as string), url);
    return error(400, `the fake does not serve ${request.method} ${rest}`);
  }

  async #startUpload(request: Request, url: URL, bucket: string): Promise<Response> {
    const type = url.searchParams.get("uploadType");
    if (type === "resumable") {
      const name = url.searchParams.get("name");
      if (!name) return error(400, "name is required");
      const metadata = (await request.json().catch(() => ({}))) as { contentType?: string };
      const id = `session-${++this.#sessionCount}`;
      this.#sessions.set(id, {
        id,
        bucket,
        name,
        contentType: request.headers.get("x-upload-content-type") ?? metadata.contentType ?? "application/octet-stream",
        data: [],
        persisted: 0,
        total: undefined,
        done: undefined,
      });
      const location = `${this.base}upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}`;
      return new HttpResponse(null, { status: 200, headers: { location } });
    }
    if (type === "multipart") return this.#multipart(request, bucket);
    return error(400, `uploadType ${type} is not supported by the fake`);
  }

  async #multipart(request: Request, bucket: string): Promise<Response> {
    const boundary = /boundary=([^;]+)/.exec(request.headers.get("content-type") ?? "")?.[1];
    if (!boundary) return error(400, "multipart/related needs a boundary");
    const body = Buffer.from(await request.arrayBuffer());
    const parts = splitMultipart(body, boundary);
    if (parts.length !== 2) return error(400, `expected 2 parts, got ${parts.length}`);
    const metadata = JSON.parse((parts[0] as Buffer).toString("utf8")) as Record<string, unknown>;
    this.multipartMetadata.push(metadata);
    const media = new Uint8Array(parts[1] as Buffer);
    if (metadata.md5Hash !== undefined && metadata.md5Hash !== md5Of(media)) return error(400, "Provided MD5 hash doesn't match");
    if (metadata.crc32c !== undefined && metadata.crc32c !== referenceCrc32c(media)) return error(400, "Provided CRC32C doesn't match");
    const stored = this.#store(bucket, String(metadata.name), media, String(metadata.contentType ?? "application/octet-stream"));
    return HttpResponse.json(this.#resource(bucket, String(metadata.name), stored, false));
  }

  async #sessionPut(request: Request, url: URL): Promise<Response> {
    const session = this.#sessions.get(url.searchParams.get("upload_id") ?? "");
    const body = new Uint8Array(await request.arrayBuffer());
    if (!session) return error(404, "No such upload session");
    const contentRange = request.headers.get("content-range") ?? "";
    const status = /^bytes \*\/(\d+|\*)$/.exec(contentRange);
    if (status) {
      if (body.byteLength !== 0) return error(400, "a status query has no body");
      this.events.push({ kind: "status", session: session.id, contentRange, length: 0, persisted: session.persisted });
      if (session.done) return HttpResponse.json(this.#resource(session.bucket, session.name, session.done, this.options.corruptMd5 === true));
      return this.#incomplete(session);
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
    if (!range) return error(400, `bad Content-Range ${JSON.stringify(contentRange)}`);
    const index = ++this.#chunkPuts;
    if (this.options.goneAtChunk?.includes(index)) {
      this.#sessions.delete(session.id);
      return error(410, "The upload session has expired");
    }
    const start = Number(range[1]);
    const end = Number(range[2]);
    const total = range[3] === "*" ? undefined : Number(range[3]);
    if (end - start + 1 !== body.byteLength) return error(400, "Content-Range does not match the body length");
    if (start > session.persisted) return error(400, `chunk starts at ${start} but only ${session.persisted} bytes are persisted`);
    if (total !== undefined && session.total !== undefined && total !== session.total) return error(400, "the total changed");
    const final = total !== undefined && end + 1 === total;
    if (!final && body.byteLength % GRANULE !== 0) return error(400, "a non-final chunk must be a multiple of 256 KiB");
    if (session.done) return HttpResponse.json(this.#resource(session.bucket, session.name, session.done, false));
    session.total = total;
    // Bytes before `persisted` were already kept; GCS ignores the overlap, so does the fake.
    const fresh = body.subarray(session.persisted - start);
    const keep = final ? end + 1 : (this.options.persist?.({ index, persisted: session.persisted, receivedEnd: end + 1, final }) ?? end + 1);
    if (keep < session.persisted || keep > end + 1 || (!final && keep % GRANULE !== 0)) throw new Error(`bad persist policy: ${keep}`);
    session.data.push(fresh.slice(0, keep - session.persisted));
    session.persisted = keep;
    if (final) {
      session.done = this.#store(session.bucket, session.name, concat(session.data), session.contentType);
    }
    this.events.push({ kind: "chunk", session: session.id, contentRange, start, length: body.byteLength, persisted: session.persisted });
    if (this.options.dropAfterChunk === index) return HttpResponse.error();
    if (session.done) return HttpResponse.json(this.#resource(session.bucket, session.name, session.done, this.options.corruptMd5 === true));
    return this.#incomplete(session);
  }

  #incomplete(session: Session): Response {
    const headers: Record<string, string> = {};
    if (session.persisted > 0) headers.range = `bytes=0-${session.persisted - 1}`;
    return new HttpResponse(null, { status: 308, headers });
  }

  #store(bucket: string, name: string, bytes: Uint8Array, contentType: string): StoredObject {
    const stored = { bytes, generation: ++this.#generation, contentType };
    this.objects.set(`${bucket}/${name}`, stored);
    return stored;
  }

  #resource(bucket: string, name: string, stored: StoredObject, corruptMd5: boolean) {
    return {
      kind: "storage#object",
      bucket,
      name,
      size: String(stored.bytes.byteLength),
      generation: String(stored.generation),
      contentType: stored.contentType,
      md5Hash: corruptMd5 ? md5Of(new TextEncoder().encode("something else")) : md5Of(stored.bytes),
      crc32c: referenceCrc32c(stored.bytes),
    };
  }

  #get(key: string, url: URL): Response {
    const stored = this.objects.get(key);
    if (!stored) return error(404, "No such object");
    const [bucket, ...rest] = key.split("/");
    const name = rest.join("/");
    if (url.searchParams.get("alt") !== "media") return HttpResponse.json(this.#resource(bucket as string, name, stored, false));
    const served = stored.bytes.slice();
    if (this.options.corruptDownload && served.length > 0) served[served.length - 1] = (served[served.length - 1] as number) ^ 0xff;
    return new HttpResponse(served, {
      status: 200,
      headers: {
        "content-type": stored.contentType,
        "content-length": String(served.byteLength),
        "x-goog-generation": String(stored.generation),
        "x-goog-stored-content-length": String(stored.bytes.byteLength),
        "x-goog-hash": `crc32c=${referenceCrc32c(stored.bytes)},md5=${md5Of(stored.bytes)}`,
      },
    });
  }

  #delete(key: string, url: URL): Response {
    const stored = this.objects.get(key);
    if (!stored) return error(404, "No such object");
    const match = url.searchParams.get("ifGenerationMatch");
    if (match !== null && match !== String(stored.generation)) return error(412, "Precondition Failed");
    this.objects.delete(key);
    return new HttpResponse(null, { status: 204 });
  }

  #list(bucket: string, url: URL): Response {
    const prefix = url.searchParams.get("prefix") ?? "";
    const pageSize = Number(url.searchParams.get("maxResults") ?? this.options.pageSize ?? 1000);
    const from = Number(url.searchParams.get("pageToken") ?? 0);
    const names = [...this.objects.keys()]
      .filter((key) => key.startsWith(`${bucket}/${prefix}`))
      .map((key) => key.slice(bucket.length + 1))
      .sort();
    const page = names.slice(from, from + pageSize);
    const body: Record<string, unknown> = { kind: "storage#objects" };
    // GCS leaves `items` out of an empty page.
    if (page.length > 0) body.items = page.map((name) => this.#resource(bucket, name, this.objects.get(`${bucket}/${name}`) as StoredObject, false));
    if (from + pageSize < names.length) body.nextPageToken = String(from + pageSize);
    return HttpResponse.json(body);
  }
}

function error(code: number, message: string): Response {
  return HttpResponse.json({ error: { code, message, errors: [{ message, reason: "fake" }] } }, { status: code });
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Splits a multipart/related body into the payloads of its parts (headers dropped). */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(at + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    parts.push(part.subarray(headerEnd + 4));
    at = next;
  }
  return parts;
}
