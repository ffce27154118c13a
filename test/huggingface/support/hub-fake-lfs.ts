// LFS for the Hub fake (reference §3.1 step 2): the batch endpoint on the Hub, the signed storage URLs it hands out,
// the verify call (Python lfs.py lfs_upload) and multipart completion (JS commit.ts, Python lfs._upload_multi_part).
// The batch answers `transfer: "basic"` (no Xet CAS here) and leaves `actions` out for objects the repository
// already holds. Storage behaves as S3 behind presigned URLs: the signature is in the query, and a request that also
// carries an Authorization header is refused, as S3 refuses two auth mechanisms; official clients never send the
// Hub token to storage, and neither may modelreg.
import { createHash, randomUUID } from "node:crypto";
import { HttpResponse } from "msw";
import { sha256 } from "./hub-fake-git.js";
import { type Ctx, decode, hubError, type Route, ranged, signature, signed, storageError } from "./hub-fake-http.js";
import type { HubFake, RepoState } from "./hub-fake.js";

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");
const LFS_JSON = "application/vnd.git-lfs+json";

interface MultipartUpload {
  readonly repo: RepoState;
  readonly oid: string;
  readonly size: number;
  readonly chunkSize: number;
  readonly parts: Map<number, Uint8Array>;
}

export function lfsRoutes(fake: HubFake): Route[] {
  const uploads = new Map<string, MultipartUpload>();
  return [
    { id: "lfsBatch", origin: "hub", method: "POST", pattern: /^\/([^/]+)\/([^/]+)\.git\/info\/lfs\/objects\/batch$/, run: (ctx) => batch(fake, ctx, uploads) },
    { id: "lfsVerify", origin: "hub", method: "POST", pattern: /^\/([^/]+)\/([^/]+)\.git\/info\/lfs\/objects\/verify$/, run: (ctx) => verify(fake, ctx) },
    { id: "lfsCompleteMultipart", origin: "hub", method: "POST", pattern: /^\/api\/complete_multipart$/, run: (ctx) => complete(ctx, uploads) },
    { id: "storagePut", origin: "cdn", method: "PUT", pattern: /^\/upload\/([^/]+)\/([^/]+)\/([0-9a-f]{64})$/, run: (ctx) => put(fake, ctx, uploads) },
    { id: "storageGet", origin: "cdn", method: "GET", pattern: /^\/lfs\/([^/]+)\/([^/]+)\/([0-9a-f]{64})$/, run: (ctx) => download(fake, ctx) },
  ];
}

/** Storage's own checks: one auth mechanism (the signature) and a valid signature. */
function storageRefusal(ctx: Ctx): Response | undefined {
  if (ctx.request.headers.has("authorization"))
    return storageError(
      400,
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
    );
  if (!signed(ctx.url)) return storageError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
  return undefined;
}

/** POST /{repo}.git/info/lfs/objects/batch (git-lfs batch API; Accept and Content-Type must be the LFS media type). */
function batch(fake: HubFake, ctx: Ctx, uploads: Map<string, MultipartUpload>): Response {
  if (!(ctx.request.headers.get("accept") ?? "").includes(LFS_JSON)) return hubError(406, `Accept must be ${LFS_JSON}`);
  const body = ctx.body as { operation: "upload" | "download"; transfers?: string[]; hash_algo?: string; objects: Array<{ oid: string; size: number }> };
  const repo =
    body.operation === "upload"
      ? fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string)
      : fake.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  // git-lfs: a client that offers no transfer the server has gets a 422 (only Xet, here).
  if (body.transfers && !body.transfers.some((t) => t === "basic" || t === "multipart"))
    return hubError(422, `Unsupported transfers ${body.transfers.join(", ")}: this server offers basic`);
  // git-lfs: 409 for a hash algorithm the server does not use. JS sends "sha_256", Python "sha256".
  if (body.hash_algo && !["sha256", "sha_256"].includes(body.hash_algo)) return hubError(409, `Unsupported hash algorithm ${body.hash_algo}`);
  const objects = body.objects.map(({ oid, size }) => {
    if (!/^[0-9a-f]{64}$/.test(oid) || !Number.isInteger(size) || size < 0)
      return { oid, size, error: { code: 422, message: "Invalid object: oid must be a sha256, size a whole number" } };
    const stored = repo.lfs.get(oid);
    if (body.operation === "download") {
      if (!stored) return { oid, size, error: { code: 404, message: "Object does not exist" } };
      return { oid, size, actions: { download: { href: `${fake.signedOrigin}/lfs/${repo.id}/${oid}?${signature()}` } } };
    }
    if (stored) return { oid, size };
    if (size > fake.multipartThreshold) {
      const uploadId = randomUUID();
      const count = Math.ceil(size / fake.multipartChunkSize);
      uploads.set(uploadId, { repo, oid, size, chunkSize: fake.multipartChunkSize, parts: new Map() });
      const parts = Object.fromEntries(
        Array.from({ length: count }, (_, i) => [
          String(i + 1).padStart(5, "0"),
          `${fake.signedOrigin}/upload/${repo.id}/${oid}?uploadId=${uploadId}&partNumber=${i + 1}&${signature()}`,
        ]),
      );
      const href = `${fake.hubOrigin}/api/complete_multipart?uploadId=${uploadId}&${signature()}`;
      return { oid, size, authenticated: true, actions: { upload: { href, header: { chunk_size: String(fake.multipartChunkSize), ...parts } } } };
    }
    return {
      oid,
      size,
      authenticated: true,
      actions: {
        upload: { href: `${fake.signedOrigin}/upload/${repo.id}/${oid}?size=${size}&${signature()}`, expires_in: 86400 },
        verify: { href: `${fake.hubOrigin}/${repo.id}.git/info/lfs/objects/verify` },
      },
    };
  });
  return HttpResponse.json({ transfer: "basic", objects }, { headers: { "Content-Type": LFS_JSON } });
}

/** PUT to a signed upload URL: a whole object (checked against its sha256 and size) or one part of a multipart upload. */
async function put(fake: HubFake, ctx: Ctx, uploads: Map<string, MultipartUpload>): Promise<Response> {
  const refused = storageRefusal(ctx);
  if (refused) return refused;
  // Read as it streams in: the clients send chunked bodies as well as sized ones.
  const bytes = new Uint8Array(await ctx.request.arrayBuffer());
  const oid = ctx.match[3] as string;
  const uploadId = ctx.url.searchParams.get("uploadId");
  if (uploadId !== null) {
    const upload = uploads.get(uploadId);
    const part = Number(ctx.url.searchParams.get("partNumber"));
    if (!upload || upload.oid !== oid) return storageError(404, "NoSuchUpload", "The specified upload does not exist.");
    if (!Number.isInteger(part) || part < 1 || part > Math.ceil(upload.size / upload.chunkSize))
      return storageError(400, "InvalidArgument", "Part number out of range");
    upload.parts.set(part, bytes);
    return new HttpResponse(null, { status: 200, headers: { ETag: `"${md5(bytes)}"` } });
  }
  const repo = fake.repo(`${decode(ctx.match[1] as string)}/${decode(ctx.match[2] as string)}`);
  if (!repo) return storageError(404, "NoSuchBucket", "The specified bucket does not exist");
  const size = Number(ctx.url.searchParams.get("size"));
  if (bytes.length !== size || sha256(bytes) !== oid) return storageError(400, "BadDigest", `The body is not the object ${oid} of ${size} bytes`);
  repo.lfs.set(oid, bytes);
  return new HttpResponse(null, { status: 200, headers: { ETag: `"${md5(bytes)}"` } });
}

/** POST the multipart completion URL {oid, parts: [{partNumber, etag}]}: every part, with the ETags storage gave. */
function complete(ctx: Ctx, uploads: Map<string, MultipartUpload>): Response {
  if (!signed(ctx.url)) return hubError(403, "Invalid signature");
  const uploadId = ctx.url.searchParams.get("uploadId") ?? "";
  const upload = uploads.get(uploadId);
  const body = ctx.body as { oid: string; parts: Array<{ partNumber: number; etag: string }> };
  if (!upload || upload.oid !== body.oid) return hubError(404, "No such multipart upload");
  const count = Math.ceil(upload.size / upload.chunkSize);
  const given = [...body.parts].sort((a, b) => a.partNumber - b.partNumber);
  if (
    given.length !== count ||
    given.some((p, i) => p.partNumber !== i + 1 || p.etag.replace(/"/g, "") !== md5(upload.parts.get(i + 1) ?? new Uint8Array()) || !upload.parts.has(i + 1))
  )
    return hubError(400, "The parts or their ETags do not match the upload");
  const bytes = Buffer.concat(given.map((p) => upload.parts.get(p.partNumber) as Uint8Array));
  if (bytes.length !== upload.size || sha256(bytes) !== upload.oid) return hubError(400, `The parts are not the object ${upload.oid} of ${upload.size} bytes`);
  upload.repo.lfs.set(upload.oid, new Uint8Array(bytes));
  uploads.delete(uploadId);
  return HttpResponse.json({});
}

/** POST …/objects/verify {oid, size}: 200 once storage holds the object, else 404. */
function verify(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const { oid, size } = ctx.body as { oid: string; size: number };
  const stored = repo.lfs.get(oid);
  if (!stored || stored.length !== size) return hubError(404, `Object ${oid} of ${size} bytes was not uploaded`);
  return HttpResponse.json({});
}

/** GET a signed LFS download URL (where resolve redirects an LFS file), with Range. */
function download(fake: HubFake, ctx: Ctx): Response {
  const refused = storageRefusal(ctx);
  if (refused) return refused;
  const repo = fake.repo(`${decode(ctx.match[1] as string)}/${decode(ctx.match[2] as string)}`);
  const oid = ctx.match[3] as string;
  const bytes = repo?.lfs.get(oid);
  if (!bytes) return storageError(404, "NoSuchKey", "The specified key does not exist.");
  return ranged(ctx.request, bytes, { ETag: `"${oid}"`, "Content-Type": "application/octet-stream" });
}
