/**
 * Copying one version's files and metadata: streamed from the source into the target's `createVersion`, each file
 * checked against the digests the source lists, so a corrupted or cut transfer never becomes a version.
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { iterateBytes } from "../artifacts/byte-streams.js";
import { writeBodyToFile } from "../artifacts/file-sink.js";
import { SelectedDigest, computeContentDigest, digestMismatch, type SomeDigests } from "../artifacts/hashing.js";
import { SPOOLED, type SpooledFile } from "../artifacts/resolve-source.js";
import type { ArtifactEntry } from "../core/artifact-source.js";
import { AbortedError, ConflictError, IntegrityError, ModelRegistryError } from "../core/errors.js";
import type { ArtifactFile, ModelVersion, SyncOrigin } from "../core/types.js";
import { originKey, originOf, provenanceTags, syncIdempotencyKey, transferableTags } from "./sync-provenance.js";
import type { SyncCreateItem, SyncPlan } from "./sync-types.js";

const OP = "applySyncPlan";

/** What {@link copyVersion} needs. */
export interface CopyContext {
  /** The plan the item belongs to. */
  plan: SyncPlan;
  /** The item to copy. */
  item: SyncCreateItem;
  /** Aborts the copy. */
  signal: AbortSignal;
  /** Where spooled files go. */
  tempDirectory: string | undefined;
  /** Bytes of this version read from the source so far, and the version's size when known. */
  onBytes: (bytes: number, totalBytes: number | undefined) => void;
}

/**
 * Copies one source version into the target as a new version and returns it with the bytes read.
 *
 * Files stream straight from `source.openArtifact` into the target; nothing is held whole in memory. A file is spooled
 * to a temp file first only when it must be: its size is unknown (the entry must declare it up front, and without it
 * W&B uploads in one PUT and Vertex cannot choose a single-request upload), or the source reports no version digest
 * and lists no sha256 for it (the digest goes into the provenance tags and idempotency key, which `createVersion`
 * needs before any byte moves). The temp directory is removed afterwards, whatever happens.
 *
 * An adapter may open a file more than once (W&B and Vertex hash before uploading, every adapter on a retry); each
 * open reads the source afresh and is verified on its own.
 *
 * @throws IntegrityError when the bytes do not match the source's listed size, sha256 or md5; the target's
 *   all-or-nothing `createVersion` then creates nothing.
 */
export async function copyVersion(ctx: CopyContext): Promise<{ version: ModelVersion; bytes: number }> {
  const { plan, item, signal } = ctx;
  const { source, target } = plan;
  const ref = { model: item.model, version: item.sourceVersion };
  const files = await source.listArtifacts(ref, { signal });
  const totalBytes = files.every((f) => f.size !== undefined) ? files.reduce((n, f) => n + (f.size ?? 0), 0) : undefined;
  const seen = new Map<string, number>();
  const tick = (path: string, fileBytes: number) => {
    // A file opened twice (hash pass, retry) is counted once: its most bytes seen.
    seen.set(path, Math.max(seen.get(path) ?? 0, fileBytes));
    let sum = 0;
    for (const n of seen.values()) sum += n;
    ctx.onBytes(sum, totalBytes);
  };
  const streamed = new Map<string, SomeDigests>();
  let integrity: IntegrityError | undefined;

  /** Opens a file at the source with the checks every byte goes through: abort, digests, progress, and at the end size and digests. */
  async function openVerified(file: ArtifactFile, spooling: boolean) {
    const download = await source.openArtifact(ref, file.path, { signal });
    // A listed sha256 travels on the entry and the target checks it while storing the bytes (it hashes them anyway),
    // so sync hashes only what no one else will: the sha256 a version digest needs, or an MD5 that is all the
    // source lists. A spooled file gets its MD5 too: the spool waits on the source's network, and the target may take
    // that MD5 with the spool file (SPOOLED) instead of hashing the file a third time on the local disk.
    const digest = new SelectedDigest({
      sha256: spooling || (file.sha256 === undefined && item.digest === undefined),
      md5: spooling || (file.sha256 === undefined && file.md5 !== undefined),
    });
    return {
      stream: download.stream,
      take(chunk: Uint8Array) {
        // Checked per chunk: an abort must stop a large transfer now, not when the file ends.
        if (signal.aborted) throw new AbortedError("sync aborted by the caller's signal", { provider: "core", operation: OP, cause: signal.reason });
        digest.update(chunk);
        tick(file.path, digest.size);
      },
      end() {
        const got = digest.digest();
        const problem = digestMismatch({ ...file, size: file.size ?? download.size }, got);
        if (problem) {
          integrity = new IntegrityError(`${item.model}/${item.sourceVersion} ${JSON.stringify(file.path)} arrived corrupted: ${problem}`, {
            provider: source.provider,
            operation: OP,
          });
          throw integrity;
        }
        streamed.set(file.path, got);
      },
    };
  }

  async function* checked(opened: Awaited<ReturnType<typeof openVerified>>): AsyncGenerator<Uint8Array> {
    for await (const chunk of iterateBytes(opened.stream)) {
      opened.take(chunk);
      yield chunk;
    }
    // Thrown before the stream ends, so the target sees a failed upload, never a complete file.
    opened.end();
  }

  async function* verified(file: ArtifactFile): AsyncGenerator<Uint8Array> {
    yield* checked(await openVerified(file, false));
  }

  /** Downloads a file into the spool, checked on the way; a body the HTTP client pushes goes straight to the file. */
  async function spool(file: ArtifactFile, path: string): Promise<void> {
    const opened = await openVerified(file, true);
    await writeBodyToFile(opened.stream, path, opened.take);
    opened.end();
  }

  const needsSpool = (f: ArtifactFile) => f.size === undefined || (item.digest === undefined && f.sha256 === undefined);
  let spoolDir: string | undefined;
  try {
    const entries: ArtifactEntry[] = [];
    for (const file of files) {
      if (!needsSpool(file)) {
        entries.push({ path: file.path, size: file.size as number, ...(file.sha256 !== undefined && { sha256: file.sha256 }), open: () => verified(file) });
        continue;
      }
      spoolDir ??= await mkdtemp(join(ctx.tempDirectory ?? tmpdir(), "modelreg-sync-"));
      const spooled = join(spoolDir, String(entries.length));
      await spool(file, spooled);
      const got = streamed.get(file.path);
      const size = got?.size ?? 0;
      const sha256 = file.sha256 ?? got?.sha256;
      const entry: ArtifactEntry & { [SPOOLED]?: SpooledFile } = {
        path: file.path,
        size,
        ...(sha256 !== undefined && { sha256 }),
        open: () => createReadStream(spooled, { highWaterMark: 1024 * 1024 }),
      };
      // The digests were computed over the bytes as they went into this file (resolve-source.ts, SpooledFile).
      if (got?.md5 !== undefined) entry[SPOOLED] = { file: resolve(spooled), md5: got.md5 };
      entries.push(entry);
    }
    const digest = item.digest ?? computeContentDigest(files.map((f) => ({ path: f.path, sha256: f.sha256 ?? streamed.get(f.path)?.sha256 ?? "" })));
    const origin: SyncOrigin = { registry: plan.sourceName, model: item.model, version: item.sourceVersion, digest };
    const sv = item.source;
    let version: ModelVersion;
    try {
      version = await target.createVersion(
        item.model,
        {
          artifacts: { entries },
          ...(sv.description !== undefined && sv.description !== "" && { description: sv.description }),
          params: sv.params,
          metrics: sv.metrics,
          tags: { ...transferableTags(sv.tags).tags, ...provenanceTags(origin) },
          lineage: { ...sv.lineage, syncedFrom: origin },
          ...(sv.signature !== undefined && { signature: sv.signature }),
          ...(sv.modelCard !== undefined && { modelCard: sv.modelCard }),
          idempotencyKey: syncIdempotencyKey(origin),
        },
        { signal },
      );
    } catch (error) {
      // Adapters may wrap a failed upload body in their own error; the integrity verdict is the one that matters.
      throw integrity ?? error;
    }
    // Provenance first: a version the target answered with that is not this copy must never reach verifyTarget,
    // which deletes a bad copy.
    version = checkDeduplicated(ctx, version, origin);
    await verifyTarget(ctx, version, files, streamed);
    return { version, bytes: [...seen.values()].reduce((n, b) => n + b, 0) };
  } finally {
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
}

/**
 * A target that keeps one version per content (W&B) answers a create with identical content with the version it
 * already has, untouched. Unless that version is this copy (a retried create), this source version cannot have a
 * copy of its own there, and the version that answered is not sync's to change: whether someone else made it or it is
 * the copy of another source version, its metadata, aliases and stage stay as they are. That is a conflict, reported
 * before any alias or stage is moved (otherwise the run would report a copy that does not exist, or move this
 * version's aliases onto someone else's version).
 */
function checkDeduplicated(ctx: CopyContext, version: ModelVersion, origin: SyncOrigin): ModelVersion {
  const got = originOf(version);
  if (got && originKey(got) === originKey(origin)) return version;
  const { target } = ctx.plan;
  const whose = got ? `the copy of ${got.model}/${got.version} from ${JSON.stringify(got.registry)}` : "a version sync did not make";
  throw new ConflictError(
    `the ${target.provider} target answered with its version ${version.version}, ${whose} with identical content, instead of a new version for ${origin.model}/${origin.version}: it keeps one version per content, so this version is not copied and version ${version.version} is left as it is`,
    { provider: target.provider, operation: OP },
  );
}

/**
 * Checks what the target says it stored against what was sent (or, when the target returned an earlier copy for the
 * idempotency key and read nothing, against the source's listing): the last link of the end-to-end check. A bad copy
 * is deleted where the target allows it, then reported.
 */
async function verifyTarget(ctx: CopyContext, version: ModelVersion, files: ArtifactFile[], streamed: Map<string, SomeDigests>): Promise<void> {
  const { target } = ctx.plan;
  const ref = { model: version.model, version: version.version };
  const stored = await target.listArtifacts(ref, { signal: ctx.signal });
  const expected = new Map<string, ArtifactFile>(files.map((f) => [f.path, { ...f, ...streamed.get(f.path) }]));
  const problems: string[] = [];
  if (stored.length !== expected.size) problems.push(`${stored.length} files stored, ${expected.size} expected`);
  for (const file of stored) {
    const want = expected.get(file.path);
    if (!want) {
      problems.push(`unexpected file ${JSON.stringify(file.path)}`);
      continue;
    }
    for (const key of ["size", "sha256", "md5"] as const) {
      if (file[key] !== undefined && want[key] !== undefined && file[key] !== want[key])
        problems.push(`${JSON.stringify(file.path)}: ${key} ${file[key]}, expected ${want[key]}`);
    }
  }
  if (problems.length === 0) return;
  let removed = false;
  if (target.capabilities.deleteVersion) {
    removed = await target.deleteVersion(ref, { signal: ctx.signal }).then(
      () => true,
      () => false,
    );
  }
  throw new IntegrityError(
    `the target's copy ${ref.model}/${ref.version} does not match the source (${problems.join("; ")})${removed ? "; it was deleted" : ""}`,
    {
      provider: target.provider,
      operation: OP,
    },
  );
}

/** Wraps anything thrown during a sync as a {@link ModelRegistryError}, keeping typed errors as they are. */
export function toSyncError(error: unknown, signal: AbortSignal | undefined): ModelRegistryError {
  if (ModelRegistryError.isInstance(error)) return error;
  if (signal?.aborted) return new AbortedError("sync aborted by the caller's signal", { provider: "core", operation: OP, cause: signal.reason });
  return new ModelRegistryError(error instanceof Error ? error.message : String(error), { provider: "core", operation: OP, cause: error });
}
