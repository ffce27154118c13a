/**
 * Logging an artifact version the way W&B's own client does: a run, `createArtifact`, the manifest placeholder,
 * `createArtifactFiles` in batches with PUTs to the signed URLs, the manifest, `commitArtifact`, and the run's
 * completion. Until the commit the version is PENDING, which W&B lists nowhere, so a failure leaves nothing visible.
 *
 * @module
 */

import { createHash, randomUUID } from "node:crypto";
import { StreamingDigest } from "../../artifacts/hashing.js";
import { transferProgress } from "../../artifacts/progress.js";
import { ownValue, setOwn } from "../../core/own-keys.js";
import { checkExpected, type ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { mapLimit } from "../../core/concurrency.js";
import { IntegrityError } from "../../core/errors.js";
import type { CallOptions, TransferOptions } from "../../core/options.js";
import { DEFAULT_TRANSFER_CONCURRENCY } from "../../core/options.js";
import type { CheckedVersionMetadata } from "../../core/version-input.js";
import { callOptions } from "../../http/call-options.js";
import { responses } from "./wandb-api.js";
import { artifactDigest, buildManifest, type ManifestEntry } from "./wandb-manifest.js";
import { CREATED_BY_KEY, wandbTags, type StoredMetadata } from "./wandb-metadata.js";
import type { WandbRegistrySettings } from "./wandb-settings.js";
import { PROVIDER, type WandbTransport } from "./wandb-transport.js";
import { PartHasher, parseUploadHeaders, putParts, putSigned, type PartDigest } from "./wandb-upload.js";

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
  const minMultipart = ctx.settings.multipartMinBytes ?? 2 * 1024 ** 3;
  const partBytes = ctx.settings.multipartPartBytes ?? 100 * 1024 ** 2;
  // First pass, streamed: the artifact digest must be known before anything is created, and W&B wants the MD5 of
  // every part of a multipart file up front.
  const partDigests = new Map<string, PartDigest[]>();
  const digests = await mapLimit(files, options.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, async (file) => {
    const d = new StreamingDigest();
    const parts = file.size !== undefined && file.size >= minMultipart ? new PartHasher(partBytes) : undefined;
    for await (const chunk of file.open()) {
      d.update(chunk);
      parts?.update(chunk);
    }
    if (parts) partDigests.set(file.path, parts.finish());
    const got = d.digest();
    // Before anything is created on W&B; the upload pass that follows is checked by storage against this MD5.
    checkExpected(file, got, { provider: PROVIDER, operation: options.operation });
    return got;
  });
  const contents: Record<string, ManifestEntry> = {};
  files.forEach((f, i) => {
    // setOwn: a file at `__proto__` is a manifest entry, not the manifest's prototype.
    setOwn(contents, f.path, { digest: digests[i]?.md5 ?? "", size: digests[i]?.size ?? 0 });
  });

  const runName = randomUUID().replaceAll("-", "").slice(0, 8);
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
          artifactTypeName: ctx.settings.artifactType ?? "model",
          artifactCollectionName: model,
          runName,
          digest: artifactDigest(contents),
          digestAlgorithm: "MANIFEST_MD5",
          ...(meta.description !== undefined && { description: meta.description }),
          metadata: JSON.stringify(metadata),
          // W&B's own clients always send `latest` with a new version (`util._resolve_aliases`); the server is not
          // known to add it on create, so without it the newest version would have no `latest`.
          aliases: [...new Set(["latest", ...meta.aliases])].map((alias) => ({ alias, artifactCollectionName: model })),
          // Tags show in W&B's UI where the server has them (ARTIFACT_TAGS); they are always in the metadata too.
          ...(ctx.features.ARTIFACT_TAGS && { tags: wandbTags(meta.tags) }),
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
          artifactFiles: batch.map((f) => ({
            artifactID,
            artifactManifestID: manifestID,
            name: f.path,
            md5: ownValue(contents, f.path)?.digest ?? "",
            ...(partDigests.has(f.path) && { uploadPartsInput: partDigests.get(f.path) }),
          })),
          storageLayout: "V2",
        },
        responses.createFiles,
        { ...call, idempotent: true },
      );
      // The answer is positional: one edge per spec, in order.
      const edges = res.createArtifactFiles.files.edges;
      if (edges.length !== batch.length)
        throw new IntegrityError(`W&B answered ${edges.length} upload slots for ${batch.length} files`, { provider: PROVIDER, operation: call.operation });
      await mapLimit(batch, options.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, async (file, i) => {
        const node = edges[i]?.node;
        const entry = ownValue(contents, file.path) as ManifestEntry;
        if (node) entry.birthArtifactID = node.artifact.id;
        const tick = progress(file);
        const multipart = node?.uploadMultipartUrls;
        if (node && multipart && partDigests.has(file.path)) {
          const parts = multipart.uploadUrlParts.map((p) => ({ partNumber: Number(p.partNumber), uploadUrl: p.uploadUrl }));
          const contentType = parseUploadHeaders(node.uploadHeaders)["Content-Type"];
          const completed = await putParts(t.http, parts, partDigests.get(file.path) ?? [], contentType, file, partBytes, { ...call, onBytes: tick });
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
        await putSigned(t.http, node.uploadUrl, node.uploadHeaders, file, entry.size, { ...call, onBytes: tick });
      });
    }
    const manifestBytes = new TextEncoder().encode(JSON.stringify(buildManifest(contents), null, 4));
    const manifestMd5 = createHash("md5").update(manifestBytes).digest("base64");
    const slot = await t.gql("CreateArtifactManifest", { ...manifestVars, digest: manifestMd5, includeUpload: true }, responses.createManifest, {
      ...call,
      idempotent: true,
    });
    const upload = slot.createArtifactManifest.artifactManifest.file;
    if (!upload.uploadUrl) throw new IntegrityError("W&B gave no upload URL for the manifest", { provider: PROVIDER, operation: call.operation });
    const manifestFile = {
      path: "wandb_manifest.json",
      size: manifestBytes.byteLength,
      open: async function* () {
        yield manifestBytes;
      },
    };
    await putSigned(t.http, upload.uploadUrl, upload.uploadHeaders ?? [], manifestFile, manifestBytes.byteLength, call);
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
  while (out.length < 128) out += randomUUID().replaceAll("-", "");
  return out.slice(0, 128);
}
