/**
 * Reading a version's files: the manifest from its signed URL, the files' signed URLs in pages, and downloads whose
 * MD5 is checked as they stream (W&B's own client does not check). Signed URLs are absolute, so the W&B credentials,
 * which the transport sends to the W&B host only, never go with them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type * as z from "zod";
import { iterateBytes, toWebStream } from "../../artifacts/byte-streams.js";
import { IntegrityError, NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ArtifactFile } from "../../core/types.js";
import { callOptions } from "../../http/call-options.js";
import { responses, type WandbArtifact } from "./wandb-api.js";
import { parseManifest } from "./wandb-manifest.js";
import { PROVIDER, type WandbTransport } from "./wandb-transport.js";

/** File URLs per page when listing a whole version. */
const URL_PAGE = 1000;

type Call = CallOptions & { operation: string };
type FileUrlPage = z.output<ReturnType<typeof responses.fileUrls>>;

/** A version's files, from its manifest, with their sizes and base64 MD5s. */
export async function listManifestFiles(t: WandbTransport, a: WandbArtifact, options: Call): Promise<ArtifactFile[]> {
  if (!a.currentManifest) return [];
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
  return Object.entries(manifest.contents).map(([path, e]) => ({ path, size: e.size, md5: e.digest }));
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

/** Streams one file from its signed URL, failing with `IntegrityError` at the end if its MD5 is not the manifest's. */
export async function openVerified(t: WandbTransport, url: string | undefined, file: ArtifactFile, options: Call): Promise<ReadableStream<Uint8Array>> {
  return verifyMd5(await openSigned(t, url, file, options), file, options.operation);
}

function verifyMd5(stream: ReadableStream<Uint8Array>, file: ArtifactFile, operation: string): ReadableStream<Uint8Array> {
  const md5 = createHash("md5");
  async function* checked() {
    for await (const chunk of iterateBytes(stream)) {
      md5.update(chunk);
      yield chunk;
    }
    const got = md5.digest("base64");
    if (file.md5 && got !== file.md5)
      throw new IntegrityError(`${file.path} arrived with md5 ${got}, the manifest says ${file.md5}`, { provider: PROVIDER, operation });
  }
  return toWebStream(checked());
}
