// An in-process fake of the Cloud Storage JSON API calls the Vertex adapter makes: resumable upload sessions, media
// download, list and delete. Requests are checked against the storage contract derived from the discovery document.
import { createHash } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";
import { Crc32c } from "../../../src/storage/gcs-crc32c.js";
import { ContractViolation, validateRequest } from "./contract-validator.js";
import { PROJECT_NUMBER } from "./vertex-fake.js";

function crc32cOf(bytes: Uint8Array): string {
  const c = new Crc32c();
  c.update(bytes);
  return c.base64();
}

export const GCS = "https://storage.googleapis.com";

interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
  generation: string;
}

export class GcsFake {
  readonly objects = new Map<string, StoredObject>();
  readonly #sessions = new Map<
    string,
    { bucket: string; name: string; contentType: string; chunks: Uint8Array[]; size: number; done?: Record<string, unknown> }
  >();
  readonly #faults: { dropNext: boolean; persistAtMost?: number } = { dropNext: false };
  /** Stored md5/crc32c to lie about, to show the client checks them. */
  corruptNextHash = false;

  /** Loses the connection after the next chunk is persisted. */
  dropNextChunkResponse(): void {
    this.#faults.dropNext = true;
  }

  /** Persists at most `bytes` of each chunk but the last (undefined: all). */
  persistAtMost(bytes: number | undefined): void {
    if (bytes === undefined) delete this.#faults.persistAtMost;
    else this.#faults.persistAtMost = bytes;
  }
  readonly requests: string[] = [];
  #generation = 1;

  constructor(readonly buckets: string[]) {}

  key(bucket: string, name: string): string {
    return `${bucket}/${name}`;
  }

  #view(bucket: string, name: string, o: StoredObject) {
    return {
      kind: "storage#object",
      bucket,
      name,
      size: String(o.bytes.byteLength),
      md5Hash: createHash("md5").update(o.bytes).digest("base64"),
      crc32c: crc32cOf(o.bytes),
      generation: o.generation,
      contentType: o.contentType,
    };
  }

  #store(bucket: string, name: string, bytes: Uint8Array, contentType: string, meta: Record<string, unknown>) {
    const md5 = createHash("md5").update(bytes).digest("base64");
    if (meta.md5Hash !== undefined && meta.md5Hash !== md5) return this.#fail(400, "Provided MD5 hash does not match the calculated MD5 hash of the data.");
    if (meta.crc32c !== undefined && meta.crc32c !== crc32cOf(bytes))
      return this.#fail(400, "Provided CRC32C does not match the calculated CRC32C of the data.");
    const stored = { bytes, contentType, generation: String(this.#generation++) };
    this.objects.set(this.key(bucket, name), stored);
    return HttpResponse.json(this.#view(bucket, name, stored));
  }

  #finish(session: { bucket: string; name: string; contentType: string; chunks: Uint8Array[]; size: number; done?: Record<string, unknown> }) {
    const bytes = new Uint8Array(Buffer.concat(session.chunks));
    const stored = { bytes, contentType: session.contentType, generation: String(this.#generation++) };
    this.objects.set(this.key(session.bucket, session.name), stored);
    const view: Record<string, unknown> = this.#view(session.bucket, session.name, stored);
    if (this.corruptNextHash) {
      this.corruptNextHash = false;
      view.md5Hash = "AAAAAAAAAAAAAAAAAAAAAA==";
    }
    // A finished session answers every later request (a status query after a lost response) with the object.
    session.done = view;
    return HttpResponse.json(view, { status: 200 });
  }

  #fail(code: number, message: string) {
    return HttpResponse.json(
      { error: { code, message, errors: [{ domain: "global", reason: code === 404 ? "notFound" : "invalid", message }] } },
      { status: code },
    );
  }

  handlers(): HttpHandler[] {
    const guard = async (run: () => Promise<Response> | Response) => {
      try {
        return await run();
      } catch (error) {
        if (error instanceof ContractViolation) return HttpResponse.json({ error: error.error }, { status: error.error.code });
        throw error;
      }
    };
    const authed = (request: Request) => /^Bearer \S+$/.test(request.headers.get("authorization") ?? "");
    return [
      http.post(`${GCS}/upload/storage/v1/b/:bucket/o`, ({ request, params }) =>
        guard(async () => {
          const url = new URL(request.url);
          const bucket = String(params.bucket);
          this.requests.push(`POST ${url.pathname}${url.search}`);
          if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.objects.create access.");
          if (!this.buckets.includes(bucket)) return this.#fail(404, "The specified bucket does not exist.");
          const type = url.searchParams.get("uploadType");
          if (type === "multipart") {
            // The boundary may be quoted (RFC 2046): google-cloud-storage sends `multipart/related; boundary="==...=="`
            // (_media/_upload.py, _RELATED_HEADER); the quotes are not part of it.
            const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/
              .exec(request.headers.get("content-type") ?? "")
              ?.slice(1)
              .find(Boolean);
            if (!boundary) return this.#fail(400, "multipart/related with a boundary is required");
            const raw = Buffer.from(await request.arrayBuffer());
            const marker = Buffer.from(`--${boundary}`);
            const parts: Buffer[] = [];
            for (let at = raw.indexOf(marker); at >= 0; ) {
              const next = raw.indexOf(marker, at + marker.length);
              if (next < 0) break;
              parts.push(raw.subarray(at + marker.length + 2, next - 2));
              at = next;
            }
            const split = (part: Buffer) => part.subarray(part.indexOf("\r\n\r\n") + 4);
            if (parts.length !== 2) return this.#fail(400, `expected 2 parts, got ${parts.length}`);
            const meta = JSON.parse(split(parts[0] as Buffer).toString("utf8")) as Record<string, unknown>;
            validateRequest("storage.objects.insert", { pathParams: { bucket }, query: url.searchParams, body: meta });
            const bytes = new Uint8Array(split(parts[1] as Buffer));
            // Without contentType in the metadata, the media part's own Content-Type is the object's (google-cloud-storage
            // sends it only there).
            const head = (parts[1] as Buffer).subarray(0, (parts[1] as Buffer).indexOf("\r\n\r\n")).toString("latin1");
            const partType = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim();
            return this.#store(bucket, String(meta.name), bytes, String(meta.contentType ?? partType ?? "application/octet-stream"), meta);
          }
          const body = JSON.parse((await request.text()) || "{}") as Record<string, unknown>;
          validateRequest("storage.objects.insert", { pathParams: { bucket }, query: url.searchParams, body });
          if (type !== "resumable") return this.#fail(400, "uploadType must be multipart or resumable here");
          const name = url.searchParams.get("name") ?? (body.name as string | undefined);
          if (!name) return this.#fail(400, "Required: name");
          const id = `s${this.#sessions.size + 1}${Math.random().toString(36).slice(2)}`;
          this.#sessions.set(id, { bucket, name, contentType: (body.contentType as string | undefined) ?? "application/octet-stream", chunks: [], size: 0 });
          return new HttpResponse(null, {
            status: 200,
            headers: { location: `${GCS}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}` },
          });
        }),
      ),
      http.put(`${GCS}/upload/storage/v1/b/:bucket/o`, ({ request }) =>
        guard(async () => {
          const url = new URL(request.url);
          // The session URI is the credential: a client must not send its bearer token here.
          if (request.headers.get("authorization")) return this.#fail(400, "The session URI carries its own credential; do not send Authorization.");
          const id = url.searchParams.get("upload_id") ?? "";
          const session = this.#sessions.get(id);
          if (!session) return this.#fail(404, "No such upload session.");
          if (session.done) return HttpResponse.json(session.done);
          const range = request.headers.get("content-range") ?? "";
          const bytes = new Uint8Array(await request.arrayBuffer());
          this.requests.push(`PUT session ${range}`);
          const persistedRange = () => (session.size > 0 ? { range: `bytes=0-${session.size - 1}` } : undefined);
          const status = /^bytes \*\/(\d+|\*)$/.exec(range);
          if (status) {
            if (bytes.byteLength > 0) return this.#fail(400, "A status query has no body.");
            if (session.done) return HttpResponse.json(session.done);
            return new HttpResponse(null, { status: 308, headers: persistedRange() });
          }
          const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
          if (!m) return this.#fail(400, `Invalid Content-Range ${range}`);
          const first = Number(m[1]);
          const last = Number(m[2]);
          if (last - first + 1 !== bytes.byteLength) return this.#fail(400, "Content-Range does not match the body.");
          if (first > session.size) return this.#fail(400, `Chunk starts at ${first}, but only ${session.size} bytes were persisted.`);
          // Bytes already persisted are skipped, as GCS does when a client resends them.
          const fresh = bytes.subarray(session.size - first);
          const total = m[3] === "*" ? undefined : Number(m[3]);
          const isLast = total !== undefined && last + 1 === total;
          if (!isLast && bytes.byteLength % (256 * 1024) !== 0) return this.#fail(400, "Chunks other than the last must be a multiple of 256 KiB.");
          // Persist at most what the fault plan allows: GCS may keep less than it was sent.
          const keep = this.#faults.persistAtMost !== undefined && !isLast ? Math.min(fresh.byteLength, this.#faults.persistAtMost) : fresh.byteLength;
          session.chunks.push(fresh.subarray(0, keep));
          session.size += keep;
          if (this.#faults.dropNext) {
            this.#faults.dropNext = false;
            // The server kept the bytes; the client never hears back.
            return HttpResponse.error();
          }
          if (isLast && session.size === total) return this.#finish(session);
          return new HttpResponse(null, { status: 308, headers: persistedRange() });
        }),
      ),
      // google-cloud-storage downloads media from /download/storage/v1/... (its Blob._get_download_url), the path
      // Google documents for media downloads; /storage/v1/... with alt=media serves the same bytes.
      ...[`${GCS}/storage/v1/b/:bucket/o/:name`, `${GCS}/download/storage/v1/b/:bucket/o/:name`].map((path) =>
        http.get(path, ({ request, params }) =>
          guard(() => {
            const url = new URL(request.url);
            this.requests.push(`GET ${url.pathname}${url.search}`);
            if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.objects.get access.");
            const query = new URLSearchParams(url.searchParams);
            // The discovery document lists alt as json only, though downloads use alt=media.
            if (query.get("alt") === "media") query.delete("alt");
            validateRequest("storage.objects.get", { pathParams: { bucket: String(params.bucket), object: String(params.name) }, query, body: undefined });
            const o = this.objects.get(this.key(String(params.bucket), String(params.name)));
            if (!o) return this.#fail(404, `No such object: ${String(params.bucket)}/${String(params.name)}`);
            if (url.searchParams.get("alt") === "media") {
              // GCS sends the stored object's hashes with media (x-goog-hash); google-cloud-storage checks the bytes it
              // read against them.
              const view = this.#view(String(params.bucket), String(params.name), o);
              return new HttpResponse(o.bytes, {
                headers: {
                  "content-type": o.contentType,
                  "content-length": String(o.bytes.byteLength),
                  "x-goog-hash": `crc32c=${view.crc32c},md5=${view.md5Hash}`,
                  "x-goog-generation": o.generation,
                  "x-goog-stored-content-length": String(o.bytes.byteLength),
                },
              });
            }
            return HttpResponse.json(this.#view(String(params.bucket), String(params.name), o));
          }),
        ),
      ),
      // storage.buckets.get: google-cloud-storage 3.x reads each bucket once in the background when first used
      // (_bucket_metadata_cache.py: GET /storage/v1/b/<bucket>?projection=noAcl), for its observability metadata.
      http.get(`${GCS}/storage/v1/b/:bucket`, ({ request, params }) =>
        guard(() => {
          const url = new URL(request.url);
          const bucket = String(params.bucket);
          this.requests.push(`GET ${url.pathname}${url.search}`);
          if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.buckets.get access.");
          validateRequest("storage.buckets.get", { pathParams: { bucket }, query: url.searchParams, body: undefined });
          if (!this.buckets.includes(bucket)) return this.#fail(404, "The specified bucket does not exist.");
          return HttpResponse.json({
            kind: "storage#bucket",
            id: bucket,
            name: bucket,
            projectNumber: PROJECT_NUMBER,
            metageneration: "1",
            location: "US-CENTRAL1",
            locationType: "region",
            storageClass: "STANDARD",
            timeCreated: "2026-11-01T00:00:00.000Z",
            updated: "2026-11-01T00:00:00.000Z",
          });
        }),
      ),
      http.get(`${GCS}/storage/v1/b/:bucket/o`, ({ request, params }) =>
        guard(() => {
          const url = new URL(request.url);
          this.requests.push(`GET ${url.pathname}${url.search}`);
          if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.objects.list access.");
          validateRequest("storage.objects.list", { pathParams: { bucket: String(params.bucket) }, query: url.searchParams, body: undefined });
          const prefix = `${String(params.bucket)}/${url.searchParams.get("prefix") ?? ""}`;
          const items = [...this.objects.entries()]
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, o]) => this.#view(String(params.bucket), k.slice(String(params.bucket).length + 1), o));
          return HttpResponse.json({ kind: "storage#objects", ...(items.length > 0 && { items }) });
        }),
      ),
      http.delete(`${GCS}/storage/v1/b/:bucket/o/:name`, ({ request, params }) =>
        guard(() => {
          if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.objects.delete access.");
          validateRequest("storage.objects.delete", {
            pathParams: { bucket: String(params.bucket), object: String(params.name) },
            query: new URL(request.url).searchParams,
            body: undefined,
          });
          if (!this.objects.delete(this.key(String(params.bucket), String(params.name)))) return this.#fail(404, "No such object.");
          return new HttpResponse(null, { status: 204 });
        }),
      ),
    ];
  }
}
