/**
 * Logging an artifact version the way W&B's own client does: the digest algorithm (MD5, or XXH128 where W&B has it on
 * for the collection), a run, `createArtifact`, the manifest placeholder, `createArtifactFiles` in batches with PUTs
 * to the signed URLs (in parts on S3, in blocks on Azure), the manifest, `commitArtifact`, and the run's completion.
 * Until the commit the version is PENDING, which W&B lists nowhere, so a failure leaves nothing visible.
 *
 * @module
 */

import { nodeCrypto } from "../../runtime/builtins.js";
import { StreamingDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { ownValue, setOwn } from "../../core/own-keys.js";
import { checkExpected, type ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { mapLimit } from "../../core/concurrency.js";
import { IntegrityError, InvalidInputError } from "../../core/errors.js";
import { createXxh128, type StreamingXxh128 } from "../../artifacts/xxh128.js";
import type { CallOptions, TransferOptions } from "../../core/options.js";
import { transferConcurrency } from "../../core/options.js";
import type { CheckedVersionMetadata } from "../../core/version-input.js";
import { callOptions } from "../../http/call-options.js";
import { responses } from "./wandb-api.js";
import { isAzureUpload, putAzureBlob } from "./wandb-azure-upload.js";
import { chooseDigestAlgorithm } from "./wandb-digest-algorithm.js";
import { ALG_KEY, artifactDigestFor, buildManifest, XXH128_ALG, type ManifestEntry } from "./wandb-manifest.js";
import { CREATED_BY_KEY, wandbTags, type StoredMetadata } from "./wandb-metadata.js";
import type { WandbRegistrySettings } from "./wandb-settings.js";
import { PROVIDER, type WandbTransport } from "./wandb-transport.js";
import {
  MULTIPART_MAX_BYTES,
  MULTIPART_MIN_BYTES,
  multipartPartSize,
  PartHasher,
  parseUploadHeaders,
  putParts,
  putSigned,
  type PartDigest,
} from "./wandb-upload.js";

/** Specs per `createArtifactFiles` call: W&B's own client starts at 25 and grows; 100 keeps requests small. */
const FILE_BATCH = 100;

/** Where and how to log. */
export interface LogContext {
  transport: WandbTransport;
  settings: WandbRegistrySettings;
  entity: string;
  project: string;
  features: Record<string, boolean>;
  /** Who creates the version, kept as its `createdBy` (W&B names no creator a client can rely on). */
  actor: string;
}

/** What {@link logArtifactVersion} did. */
export interface LoggedArtifact {
  /** The artifact's id. */
  artifactID: string;
  /** True when W&B already had a version with this content and returned it. */
  deduplicated: boolean;
}

/** Logs `files` as a new version of the collection `model`, or returns the version that already has this content. */
export async function logArtifactVersion(
  ctx: LogContext,
  model: string,
  meta: CheckedVersionMetadata,
  files: ResolvedArtifact[],
  options: TransferOptions & { operation: string },
): Promise<LoggedArtifact> {
  const { transport: t, entity, project } = ctx;
  const call = options;
  const minMultipart = ctx.settings.multipartMinBytes ?? MULTIPART_MIN_BYTES;
  // Before any request: W&B's client refuses a file past S3's largest object the same way (`createMultiPartRequest`).
  for (const file of files)
    if (file.size !== undefined && file.size > MULTIPART_MAX_BYTES)
      throw new InvalidInputError(`${JSON.stringify(file.path)} has ${file.size} bytes; W&B stores at most 5 TiB per file`, {
        provider: PROVIDER,
        operation: options.operation,
        field: "artifacts",
      });
  const features = ctx.features;
  const type = ctx.settings.artifactType ?? "model";
  // Asked before hashing, so each file is read once whatever the answer; only reads, so a failure leaves nothing.
  const algorithm = await chooseDigestAlgorithm(t, features, { entity, project, type, collection: model }, call);
  const xxh128 = algorithm === "MANIFEST_XXH128";
  // First pass, streamed: the artifact digest must be known before anything is created, and W&B wants the MD5 of
  // every part of a multipart file up front.
  const parts = new Map<string, { bytes: number; digests: PartDigest[] }>();
  const digests = await mapLimit(files, transferConcurrency(options.concurrency, files), async (file) => {
    const d = new StreamingDigest();
    const partBytes = file.size !== undefined && file.size >= minMultipart ? multipartPartSize(file.size, ctx.settings.multipartPartBytes) : undefined;
    const hasher = partBytes !== undefined ? new PartHasher(partBytes) : undefined;
    const x: StreamingXxh128 | undefined = xxh128 ? await createXxh128() : undefined;
    for await (const chunk of file.open()) {
      d.update(chunk);
      hasher?.update(chunk);
      x?.update(chunk);
    }
    if (hasher && partBytes !== undefined) parts.set(file.path, { bytes: partBytes, digests: hasher.finish() });
    const got = d.digest();
    // Before anything is created on W&B; the upload pass that follows is checked by storage against this MD5.
    checkExpected(file, got, { provider: PROVIDER, operation: options.operation });
    return { ...got, ...(x && { xxh128: Buffer.from(x.digest()).toString("base64") }) };
  });
  const contents: Record<string, ManifestEntry> = {};
  files.forEach((f, i) => {
    const got = digests[i];
    // setOwn: a file at `__proto__` is a manifest entry, not the manifest's prototype. XXH128 entries are tagged, as
    // W&B's clients tag them; an untagged entry means MD5 to every reader.
    setOwn(
      contents,
      f.path,
      got?.xxh128 !== undefined ? { digest: got.xxh128, size: got.size, extra: { [ALG_KEY]: XXH128_ALG } } : { digest: got?.md5 ?? "", size: got?.size ?? 0 },
    );
  });

  const runName = nodeCrypto().randomUUID().replaceAll("-", "").slice(0, 8);
  await t.gql("UpsertBucket", { name: runName, project, entity, jobType: "modelreg" }, responses.upsertBucket, { ...call, idempotent: true });
  let exitcode = 1;
  try {
    const metadata: StoredMetadata = {
      params: meta.params,
      metrics: meta.metrics,
      tags: meta.tags,
      lineage: meta.lineage,
      ...(meta.signature && { signature: meta.signature }),
      ...(meta.modelCard && { modelCard: meta.modelCard }),
      [CREATED_BY_KEY]: ctx.actor,
    };
    const created = await t.gql(
      "CreateArtifact",
      {
        input: {
          entityName: entity,
          projectName: project,
          artifactTypeName: type,
          artifactCollectionName: model,
          runName,
          digest: await artifactDigestFor(contents, algorithm),
          digestAlgorithm: algorithm,
          ...(meta.description !== undefined && { description: meta.description }),
          metadata: JSON.stringify(metadata),
          // W&B's own clients always send `latest` with a new version (`util._resolve_aliases`); the server is not
          // known to add it on create, so without it the newest version would have no `latest`.
          aliases: [...new Set(["latest", ...meta.aliases])].map((alias) => ({ alias, artifactCollectionName: model })),
          // Tags show in W&B's UI where the server has them (ARTIFACT_TAGS); they are always in the metadata too.
          ...(features.ARTIFACT_TAGS && { tags: wandbTags(meta.tags) }),
          enableDigestDeduplication: true,
          clientID: randomId(),
          sequenceClientID: randomId(),
        },
      },
      responses.createArtifact,
      // The server knows the artifact by its clientID, so a resend after a lost answer gets the same artifact back.
      { ...call, idempotent: true },
    );
    const artifactID = created.createArtifact.artifact.id;
    if (created.createArtifact.artifact.state === "COMMITTED") {
      exitcode = 0;
      return { artifactID, deduplicated: true };
    }
    const manifestVars = {
      artifactID,
      baseArtifactID: null,
      name: "wandb_manifest.json",
      entityName: entity,
      projectName: project,
      runName,
      manifestType: "FULL",
    };
    // Manifests and file records are upserts by name, and a commit of a committed artifact changes nothing: all safe to resend.
    const placeholder = await t.gql("CreateArtifactManifest", { ...manifestVars, digest: "", includeUpload: false }, responses.createManifest, {
      ...call,
      idempotent: true,
    });
    const manifestID = placeholder.createArtifactManifest.artifactManifest.id;
    const progress = transferProgress(files, options.onProgress);
    for (let start = 0; start < files.length; start += FILE_BATCH) {
      const batch = files.slice(start, start + FILE_BATCH);
      const res = await t.gql(
        "CreateArtifactFiles",
        {
          input: {
            artifactFiles: batch.map((f, at) => {
              const entry = ownValue(contents, f.path) as ManifestEntry;
              const multipart = parts.get(f.path);
              return {
                artifactID,
                artifactManifestID: manifestID,
                name: f.path,
                // The MD5 storage checks a single PUT against, XXH128 or not. W&B's client sends "" for an XXH128 file
                // of multipart size, to spare itself an MD5 pass; this pass has the MD5 anyway, and storage that gives
                // one URL for the whole file (GCS, Azure) can then still check it.
                md5: digests[start + at]?.md5 ?? "",
                ...(features.ARTIFACT_DIGEST_ALGORITHM && { digest: entry.digest }),
                ...(multipart && { uploadPartsInput: multipart.digests }),
              };
            }),
            storageLayout: "V2",
            // Only servers with the feature know the field; W&B's client sends it there, MD5 or not.
            ...(features.ARTIFACT_DIGEST_ALGORITHM && { digestAlgorithm: algorithm }),
          },
        },
        responses.createFiles,
        { ...call, idempotent: true },
      );
      // The answer is positional: one edge per spec, in order.
      const edges = res.createArtifactFiles.files.edges;
      if (edges.length !== batch.length)
        throw new IntegrityError(`W&B answered ${edges.length} upload slots for ${batch.length} files`, { provider: PROVIDER, operation: call.operation });
      await mapLimit(batch, transferConcurrency(options.concurrency, batch), async (file, i) => {
        const node = edges[i]?.node;
        const entry = ownValue(contents, file.path) as ManifestEntry;
        if (node) entry.birthArtifactID = node.artifact.id;
        const tick = progress(file);
        const multipart = node?.uploadMultipartUrls;
        const declared = parts.get(file.path);
        if (node && multipart && declared) {
          const urls = multipart.uploadUrlParts.map((p) => ({ partNumber: Number(p.partNumber), uploadUrl: p.uploadUrl }));
          const contentType = parseUploadHeaders(node.uploadHeaders)["Content-Type"];
          const completed = await putParts(t.http, urls, declared.digests, contentType, file, declared.bytes, { ...call, onBytes: tick });
          await t.gql(
            "CompleteMultipartUpload",
            { artifactID: node.artifact.id, storagePath: node.storagePath ?? "", uploadID: multipart.uploadID, completedParts: completed },
            responses.any,
            call,
          );
          return;
        }
        // No URL: the server already has these bytes.
        if (!node?.uploadUrl) return;
        await upload(ctx, node.uploadUrl, node.uploadHeaders, file, entry.size, { ...call, onBytes: tick });
      });
    }
    const manifestBytes = new TextEncoder().encode(JSON.stringify(buildManifest(contents), null, 4));
    const manifestMd5 = nodeCrypto().createHash("md5").update(manifestBytes).digest("base64");
    const slot = await t.gql("CreateArtifactManifest", { ...manifestVars, digest: manifestMd5, includeUpload: true }, responses.createManifest, {
      ...call,
      idempotent: true,
    });
    const manifestSlot = slot.createArtifactManifest.artifactManifest.file;
    if (!manifestSlot.uploadUrl) throw new IntegrityError("W&B gave no upload URL for the manifest", { provider: PROVIDER, operation: call.operation });
    const manifestFile = {
      path: "wandb_manifest.json",
      size: manifestBytes.byteLength,
      open: async function* () {
        yield manifestBytes;
      },
    };
    await upload(ctx, manifestSlot.uploadUrl, manifestSlot.uploadHeaders ?? [], manifestFile, manifestBytes.byteLength, call);
    await t.gql("CommitArtifact", { artifactID }, responses.commit, { ...call, idempotent: true });
    exitcode = 0;
    return { artifactID, deduplicated: false };
  } finally {
    // A run left open shows as running in W&B's UI; a failed log ends it with a non-zero exit code. The user's
    // signal may be what failed, so this call goes without it. The version's fate is already decided by now, so a
    // failure here is only logged: it must neither hide the real error nor fail a committed version.
    await finishRun(t, entity, project, runName, exitcode, { ...call, signal: undefined }).catch((error: unknown) => {
      ctx.settings.logger?.warn(`could not finish W&B run ${runName}`, { error: error instanceof Error ? error.message : String(error) });
    });
  }
}

/** One PUT to a signed URL, or Azure blocks where W&B's headers say the URL is an Azure blob. */
async function upload(
  ctx: LogContext,
  url: string,
  headers: readonly string[],
  file: ResolvedArtifact,
  size: number,
  options: CallOptions & { operation: string; onBytes?: (fileBytes: number) => void },
): Promise<void> {
  if (isAzureUpload(headers)) {
    await putAzureBlob(ctx.transport.http, url, headers, file, size, {
      ...options,
      ...(ctx.settings.azureBlockBytes !== undefined && { blockBytes: ctx.settings.azureBlockBytes }),
    });
    return;
  }
  await putSigned(ctx.transport.http, url, headers, file, size, options);
}

/** Ends a run through file_stream, as W&B's clients do. */
async function finishRun(
  t: WandbTransport,
  entity: string,
  project: string,
  run: string,
  exitcode: number,
  options: CallOptions & { operation: string },
): Promise<void> {
  await t.http.request({
    operation: options.operation,
    method: "POST",
    path: `files/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/${run}/file_stream`,
    json: { complete: true, exitcode },
    idempotent: true,
    responseType: "none",
    ...callOptions(options),
  });
}

/** 128 characters over [a-z0-9], as W&B's client IDs are. */
function randomId(): string {
  let out = "";
  while (out.length < 128) out += nodeCrypto().randomUUID().replaceAll("-", "");
  return out.slice(0, 128);
}
