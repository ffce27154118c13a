/**
 * Reading a version's files: the manifest from its signed URL, the files' signed URLs in pages, and downloads whose
 * digest (MD5, or XXH128 for entries W&B's newer clients tag `extra.alg: "XXH128"`) is checked as they stream (W&B's
 * own client does not check). Signed URLs are absolute, so the W&B credentials,
 * which the transport sends to the W&B host only, never go with them.
 *
 * @module
 */

import { nodeCrypto } from "../../runtime/builtins.js";
import type * as z from "zod/mini";
import { iterateBytes, toWebStream } from "../../artifacts/byte-streams.js";
import { createXxh128 } from "../../artifacts/xxh128.js";
import { IntegrityError, NotFoundError, UnsupportedCapabilityError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ArtifactFile } from "../../core/types.js";
import { callOptions } from "../../http/call-options.js";
import { responses, type WandbArtifact } from "./wandb-api.js";
import { entryAlgorithm, parseManifest, XXH128_ALG } from "./wandb-manifest.js";
import { PROVIDER, type WandbTransport } from "./wandb-transport.js";

/** File URLs per page when listing a whole version. */
const URL_PAGE = 1000;

type Call = CallOptions & { operation: string };
type FileUrlPage = z.output<ReturnType<typeof responses.fileUrls>>;

/** What a manifest entry says a file's digest is: its algorithm (`"MD5"`, `"XXH128"`, ...) and base64 value. */
export interface EntryDigest {
  /** `"MD5"`, `"XXH128"`, or a name a newer W&B client wrote that this adapter does not know. */
  algorithm: string;
  /** Base64. */
  digest: string;
}

/** A version's files with what the facade is told (MD5 where the entry is MD5), and every entry's own digest. */
export interface ManifestFiles {
  /** The files, with their sizes, and their base64 MD5 where that is the entry's digest. */
  files: ArtifactFile[];
  /** Each file's digest as its entry gives it, by path. */
  digests: Map<string, EntryDigest>;
}

/** A version's files, from its manifest. */
export async function listManifestFiles(t: WandbTransport, a: WandbArtifact, options: Call): Promise<ManifestFiles> {
  const digests = new Map<string, EntryDigest>();
  if (!a.currentManifest) return { files: [], digests };
  const res = await t.http.request({ operation: options.operation, url: a.currentManifest.file.directUrl, responseType: "json", ...callOptions(options) });
  let manifest;
  try {
    manifest = parseManifest(res.data);
  } catch (error) {
    throw new IntegrityError(`the manifest of artifact ${a.id} is unreadable: ${(error as Error).message}`, {
      provider: PROVIDER,
      operation: options.operation,
    });
  }
  const files = Object.entries(manifest.contents).map(([path, e]) => {
    const algorithm = entryAlgorithm(e);
    digests.set(path, { algorithm, digest: e.digest });
    // `md5` is MD5 or nothing: an XXH128 digest given as one would fail every download as corrupted.
    return { path, size: e.size, ...(algorithm === "MD5" && { md5: e.digest }) };
  });
  return { files, digests };
}

/** Where a version's files are listed: the version as a member of one collection, by its number there. */
export interface FileSource {
  /** The entity of the collection's project. */
  entity: string;
  /** The collection's project. */
  project: string;
  /** The collection the version was read through. */
  collection: string;
  /** The version's number in that collection. */
  versionIndex: number;
  /** The artifact that number was read as: a membership now answering with another one is not the version read. */
  artifactID: string;
}

/**
 * The signed download URLs of a version's files, by path: of `names` only, or of every file, a page at a time. Read
 * through the membership (`artifactMembership(aliasName: "vN").files`), as W&B's Python client does
 * (GetArtifactMembershipFileUrls): W&B retired `artifact(id).files`.
 */
export async function fileUrls(t: WandbTransport, where: FileSource, names: string[] | undefined, options: Call): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  const version = `v${where.versionIndex}`;
  let after: string | null = null;
  for (;;) {
    const d: FileUrlPage = await t.gql(
      "MembershipFileUrls",
      {
        entity: where.entity,
        project: where.project,
        collection: where.collection,
        alias: version,
        names: names ?? null,
        first: names ? names.length : URL_PAGE,
        after,
      },
      responses.fileUrls,
      options,
    );
    const m = d.project?.artifactCollection?.artifactMembership;
    // Gone since it was read, or the number now names another artifact (deleted and renumbered): not the version.
    if (!m || (m.artifact && m.artifact.id !== where.artifactID))
      throw new NotFoundError(`${where.collection}:${version} not found in ${where.entity}/${where.project}`, {
        provider: PROVIDER,
        operation: options.operation,
      });
    const conn = m.files;
    // Null where W&B lists no files for the caller: the URLs found so far are all there are.
    if (!conn) return urls;
    for (const e of conn.edges) urls.set(e.node.name, e.node.directUrl);
    const page = conn.pageInfo;
    if (!page.hasNextPage || !page.endCursor || page.endCursor === after) return urls;
    options.signal?.throwIfAborted();
    after = page.endCursor;
  }
}

/** Streams one file from its signed URL, unchecked: for callers that check it themselves, as `downloadToDirectory` does. */
export async function openSigned(t: WandbTransport, url: string | undefined, file: ArtifactFile, options: Call): Promise<ReadableStream<Uint8Array>> {
  if (!url) throw new NotFoundError(`no download URL for ${file.path}`, { provider: PROVIDER, operation: options.operation });
  const res = await t.http.request({ operation: options.operation, url, responseType: "stream", ...callOptions(options) });
  return res.data;
}

/**
 * Streams one file from its signed URL, failing with `IntegrityError` at the end if its digest is not the manifest's.
 * `checkMd5: false` leaves MD5 entries unchecked, for a caller that checks the MD5 it was listed with itself (as
 * `downloadToDirectory` does); an XXH128 entry is checked here either way, since no caller knows it.
 */
export async function openVerified(
  t: WandbTransport,
  url: string | undefined,
  file: ArtifactFile,
  expected: EntryDigest | undefined,
  options: Call & { checkMd5?: boolean },
): Promise<ReadableStream<Uint8Array>> {
  const algorithm = expected?.algorithm ?? "MD5";
  // Before a byte is fetched: a digest this adapter cannot compute would let any bytes through as verified.
  if (algorithm !== "MD5" && algorithm !== XXH128_ALG)
    throw new UnsupportedCapabilityError(
      `${JSON.stringify(file.path)} has a ${JSON.stringify(algorithm)} digest, which this version of modelreg cannot verify`,
      { provider: PROVIDER, operation: options.operation, capability: "foreignVersion" },
    );
  if (algorithm === "MD5" && options.checkMd5 === false) return openSigned(t, url, file, options);
  const digest = expected?.digest ?? file.md5;
  if (digest === undefined) return openSigned(t, url, file, options);
  const hasher = algorithm === "MD5" ? md5Hasher() : await createXxh128();
  return verifyDigest(await openSigned(t, url, file, options), file, { name: algorithm.toLowerCase(), digest, hasher }, options.operation);
}

function md5Hasher() {
  const md5 = nodeCrypto().createHash("md5");
  return { update: (chunk: Uint8Array) => void md5.update(chunk), digest: () => new Uint8Array(md5.digest()) };
}

function verifyDigest(
  stream: ReadableStream<Uint8Array>,
  file: ArtifactFile,
  expected: { name: string; digest: string; hasher: { update(chunk: Uint8Array): void; digest(): Uint8Array } },
  operation: string,
): ReadableStream<Uint8Array> {
  async function* checked() {
    for await (const chunk of iterateBytes(stream)) {
      expected.hasher.update(chunk);
      yield chunk;
    }
    const got = Buffer.from(expected.hasher.digest()).toString("base64");
    if (got !== expected.digest)
      throw new IntegrityError(`${file.path} arrived with ${expected.name} ${got}, the manifest says ${expected.digest}`, { provider: PROVIDER, operation });
  }
  return toWebStream(checked());
}
