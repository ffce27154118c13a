// An in-process fake of the Cloud Storage JSON API calls the Vertex adapter makes: resumable upload sessions, media
// download, list and delete. Requests are checked against the storage contract derived from the discovery document.
import { createHash } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";
import { ContractViolation, validateRequest } from "./contract-validator.js";

export const GCS = "https://storage.googleapis.com";

interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
  generation: string;
}

export class GcsFake {
  readonly objects = new Map<string, StoredObject>();
  readonly #sessions = new Map<string, { bucket: string; name: string; contentType: string }>();
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
      generation: o.generation,
      contentType: o.contentType,
    };
  }

  #fail(code: number, message: string) {
    return HttpResponse.json({ error: { code, message, errors: [{ domain: "global", reason: code === 404 ? "notFound" : "invalid", message }] } }, { status: code });
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
          this.requests.push(`POST ${url.pathname}${url.search}`);
          if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.objects.create access.");
          const body = JSON.parse((await request.text()) || "{}") as Record<string, unknown>;
          validateRequest("storage.objects.insert", { pathParams: { bucket: String(params.bucket) }, query: url.searchParams, body });
          if (url.searchParams.get("uploadType") !== "resumable") return this.#fail(400, "this fake only takes resumable uploads");
          if (!this.buckets.includes(String(params.bucket))) return this.#fail(404, "The specified bucket does not exist.");
          const name = url.searchParams.get("name") ?? (body.name as string | undefined);
          if (!name) return this.#fail(400, "Required: name");
          const id = `s${this.#sessions.size + 1}${Math.random().toString(36).slice(2)}`;
          this.#sessions.set(id, { bucket: String(params.bucket), name, contentType: (body.contentType as string | undefined) ?? "application/octet-stream" });
          return new HttpResponse(null, { status: 200, headers: { location: `${GCS}/upload/storage/v1/b/${String(params.bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}` } });
        }),
      ),
      http.put(`${GCS}/upload/storage/v1/b/:bucket/o`, ({ request }) =>
        guard(async () => {
          const url = new URL(request.url);
          this.requests.push(`PUT ${url.pathname}?upload_id`);
          // The session URI is the credential: a client must not send its bearer token here.
          if (request.headers.get("authorization")) return this.#fail(400, "The session URI carries its own credential; do not send Authorization.");
          const session = this.#sessions.get(url.searchParams.get("upload_id") ?? "");
          if (!session) return this.#fail(404, "No such upload session.");
          const bytes = new Uint8Array(await request.arrayBuffer());
          const declared = request.headers.get("content-length");
          if (declared !== null && Number(declared) !== bytes.byteLength) return this.#fail(400, "Content-Length does not match the body.");
          const stored = { bytes, contentType: session.contentType, generation: String(this.#generation++) };
          this.objects.set(this.key(session.bucket, session.name), stored);
          return HttpResponse.json(this.#view(session.bucket, session.name, stored));
        }),
      ),
      http.get(`${GCS}/storage/v1/b/:bucket/o/:name`, ({ request, params }) =>
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
          if (url.searchParams.get("alt") === "media") return new HttpResponse(o.bytes, { headers: { "content-type": o.contentType, "content-length": String(o.bytes.byteLength) } });
          return HttpResponse.json(this.#view(String(params.bucket), String(params.name), o));
        }),
      ),
      http.get(`${GCS}/storage/v1/b/:bucket/o`, ({ request, params }) =>
        guard(() => {
          const url = new URL(request.url);
          this.requests.push(`GET ${url.pathname}${url.search}`);
          if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.objects.list access.");
          validateRequest("storage.objects.list", { pathParams: { bucket: String(params.bucket) }, query: url.searchParams, body: undefined });
          const prefix = `${String(params.bucket)}/${url.searchParams.get("prefix") ?? ""}`;
          const items = [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([k, o]) => this.#view(String(params.bucket), k.slice(String(params.bucket).length + 1), o));
          return HttpResponse.json({ kind: "storage#objects", ...(items.length > 0 && { items }) });
        }),
      ),
      http.delete(`${GCS}/storage/v1/b/:bucket/o/:name`, ({ request, params }) =>
        guard(() => {
          if (!authed(request)) return this.#fail(401, "Anonymous caller does not have storage.objects.delete access.");
          validateRequest("storage.objects.delete", { pathParams: { bucket: String(params.bucket), object: String(params.name) }, query: new URL(request.url).searchParams, body: undefined });
          if (!this.objects.delete(this.key(String(params.bucket), String(params.name)))) return this.#fail(404, "No such object.");
          return new HttpResponse(null, { status: 204 });
        }),
      ),
    ];
  }
}
