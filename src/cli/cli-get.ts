/**
 * `modelreg get`: download a version's files, verified, optionally through a local cache keyed by content, so a deploy
 * job that asks for the same version twice downloads it once (as `huggingface_hub`'s `snapshot_download` does).
 *
 * The cache holds one directory per content key under `<cache>/versions/<key>/`, each made whole in a temporary
 * directory and renamed into place, so a crash or a full disk never leaves a half entry that a later run would trust.
 * The key is the version's own digest where the provider records one (the local registry does), else the content
 * digest over every file's path and sha256 when the provider lists them; without either, nothing identifies the content before
 * it is read, and `get` downloads without the cache (and says so).
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir, hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConflictError, IntegrityError } from "../core/errors.js";
import type { ModelRegistry } from "../core/model-registry.js";
import { parseRef } from "../core/refs.js";
import type { ArtifactFile, ModelVersion } from "../core/types.js";
import { writeBodyToFile } from "../artifacts/file-sink.js";
import { computeContentDigest, SelectedDigest } from "../artifacts/hashing.js";
import { safeJoin } from "../artifacts/safe-path.js";
import { errorCode, toStorageError } from "../runtime/system-error.js";
import { openCliRegistry, positionals } from "./cli-args.js";
import { fileExists } from "./cli-files.js";
import { formatBytes, jsonLine, type CliIo } from "./cli-output.js";

/** What a cache entry records about its files, written last into the entry. */
interface CacheManifest {
  key: string;
  model: string;
  version: string;
  files: Array<{ path: string; size: number; sha256: string }>;
}

const MANIFEST = ".modelreg-cache.json";

/** The cache directory: `--cache-dir`, else `MODELREG_CACHE_DIR`, else `$XDG_CACHE_HOME/modelreg` or `~/.cache/modelreg`. */
export function cacheDirectory(flag: string | undefined, io: CliIo): string {
  if (flag) return resolve(io.cwd, flag);
  if (io.env.MODELREG_CACHE_DIR) return resolve(io.cwd, io.env.MODELREG_CACHE_DIR);
  return join(io.env.XDG_CACHE_HOME ? resolve(io.cwd, io.env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "modelreg");
}

/**
 * The content key of a version, or undefined when nothing identifies its content before download: the version's own
 * digest where the provider records one, else the content digest over every file's path and sha256
 * (`computeContentDigest`, the one sync compares versions by) when the provider lists them all.
 */
export function contentKey(version: ModelVersion, files: ArtifactFile[]): string | undefined {
  if (version.artifacts.digest && /^[A-Za-z0-9:_-]{16,200}$/.test(version.artifacts.digest)) return `digest-${version.artifacts.digest.replace(/:/g, "-")}`;
  if (files.length === 0 || !files.every((f) => f.sha256)) return undefined;
  return `files-${computeContentDigest(files as Array<{ path: string; sha256: string }>).replace(/:/g, "-")}`;
}

/** A file's size and sha256, in one read. */
async function sizeAndSha256(path: string): Promise<{ size: number; sha256: string }> {
  const digest = new SelectedDigest({ sha256: true, md5: false });
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) digest.update(chunk as Buffer);
  const { size, sha256 } = digest.digest();
  return { size, sha256: sha256 as string };
}

/** Reads a cache entry's manifest; undefined when the entry is missing or not whole. */
async function readEntry(entry: string, key: string): Promise<CacheManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(entry, MANIFEST), "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return undefined;
    throw error;
  }
  try {
    const manifest = JSON.parse(text) as CacheManifest;
    return manifest.key === key && Array.isArray(manifest.files) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The start of this host's staging directory names, `tmp-<host>-`; the process id and a random part follow, so
 * another run on the host can tell whether the owner still runs.
 */
function stagingPrefix(): string {
  return `tmp-${hostname().replace(/[^A-Za-z0-9.-]/g, "_")}-`;
}

/**
 * Removes the staging directories of `get` runs on this host that were killed before they could clean up (a process
 * that no longer exists). Another host's, or a live process's, are left alone: a cache on a shared disk may be
 * filled from several machines at once.
 */
async function sweepDeadStaging(cache: string): Promise<void> {
  const mine = stagingPrefix();
  for (const name of await readdir(cache)) {
    if (!name.startsWith(mine)) continue;
    const pid = Number(/^(\d+)-[0-9a-f]+$/.exec(name.slice(mine.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || processExists(pid)) continue;
    await rm(join(cache, name), { recursive: true, force: true });
  }
}

/** Whether `pid` names a process that can still write: not gone, and not a zombie waiting for its parent to reap it. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return errorCode(error) !== "ESRCH";
  }
  // A killed process stays a zombie where nothing reaps it (a container whose first process does not), and signal 0
  // still reaches it. On Linux its state says so: `Z` after the name in /proc/<pid>/stat.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Downloads into a new cache entry; returns its manifest. Another process filling the same key first is fine. */
async function fillEntry(registry: ModelRegistry, version: ModelVersion, key: string, cache: string): Promise<CacheManifest> {
  const versions = join(cache, "versions");
  await mkdir(versions, { recursive: true });
  await sweepDeadStaging(cache);
  const staging = join(cache, `${stagingPrefix()}${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    const result = await registry.downloadArtifacts({ model: version.model, version: version.version }, staging);
    const files: CacheManifest["files"] = [];
    for (const f of result.files) {
      // The download checked what the provider lists; the manifest needs every file's size and sha256 for later reads.
      const known = f.sha256 !== undefined && f.size !== undefined ? { size: f.size, sha256: f.sha256 } : await sizeAndSha256(safeJoin(staging, f.path, "get"));
      files.push({ path: f.path, ...known });
    }
    const manifest: CacheManifest = { key, model: version.model, version: version.version, files };
    await writeFile(join(staging, MANIFEST), JSON.stringify(manifest));
    try {
      await rename(staging, join(versions, key));
    } catch (error) {
      // Filled by another run meanwhile (ENOTEMPTY/EEXIST): use that one, which is as good.
      const code = errorCode(error);
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      const other = await readEntry(join(versions, key), key);
      if (!other) throw error;
      return other;
    }
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Copies a cache entry's files into `directory`, each checked against the manifest's size and sha256 as it is read
 * (a cache edited by hand or damaged on disk is an `IntegrityError`, and the entry is dropped), through a staging
 * directory, so the target gets every file or none.
 */
async function materialize(entry: string, manifest: CacheManifest, directory: string, overwrite: boolean): Promise<void> {
  await mkdir(directory, { recursive: true });
  const targets = manifest.files.map((f) => ({ file: f, target: safeJoin(directory, f.path, "get") }));
  if (!overwrite) {
    for (const { target } of targets)
      if (await fileExists(target, "get")) throw new ConflictError(`${target} exists; pass --overwrite to replace it`, { provider: "cli", operation: "get" });
  }
  const staging = join(directory, `.modelreg-get-${randomBytes(6).toString("hex")}`);
  await mkdir(staging);
  try {
    for (const [index, { file }] of targets.entries()) {
      const source = safeJoin(entry, file.path, "get");
      const staged = join(staging, String(index));
      // Copied and hashed in one read of the cached file.
      const digest = new SelectedDigest({ sha256: true, md5: false });
      await writeBodyToFile(createReadStream(source, { highWaterMark: 1024 * 1024 }), staged, (chunk) => digest.update(chunk));
      const { size, sha256 } = digest.digest();
      if (size !== file.size || sha256 !== file.sha256) {
        await rm(entry, { recursive: true, force: true });
        throw new IntegrityError(
          `the cached copy of ${file.path} does not match what was downloaded (size or sha256); the cache entry was removed, run get again`,
          {
            provider: "cli",
            operation: "get",
          },
        );
      }
    }
    for (const [index, { target }] of targets.entries()) {
      await mkdir(dirname(target), { recursive: true });
      await rename(join(staging, String(index)), target);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `modelreg get <uri> <ref> <dir> [--cache] [--cache-dir DIR] [--overwrite] [--json]` */
export async function getCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { cache: { type: "boolean" }, "cache-dir": { type: "string" }, overwrite: { type: "boolean" }, json: { type: "boolean" } },
  });
  const [uri, refText, dirText] = positionals(args, 3, 3, "get <uri> <model>/<version>|<model>@<alias> <directory>");
  const ref = parseRef(refText as string, "get");
  const directory = resolve(io.cwd, dirText as string);
  const overwrite = values.overwrite === true;
  const registry = await openCliRegistry(uri as string, io, "get", true);
  const version = await registry.getVersion(ref);
  const exact = { model: version.model, version: version.version };
  const useCache = values.cache === true || values["cache-dir"] !== undefined;
  let source: "registry" | "cache" = "registry";
  let note: string | undefined;
  let files: Array<{ path: string; size?: number; sha256?: string }>;
  if (useCache) {
    const cache = cacheDirectory(values["cache-dir"], io);
    const key = contentKey(version, await registry.listArtifacts(exact));
    if (key === undefined) {
      note = `not cached: ${registry.provider} lists no digest for ${version.model}/${version.version}, so its content is only known once downloaded`;
      files = (await registry.downloadArtifacts(exact, directory, { overwrite })).files;
    } else {
      const entry = join(cache, "versions", key);
      try {
        let manifest = await readEntry(entry, key);
        if (manifest) source = "cache";
        else manifest = await fillEntry(registry, version, key, cache);
        await materialize(entry, manifest, directory, overwrite);
        files = manifest.files;
      } catch (error) {
        throw toStorageError(error, { provider: "cli", operation: "get", describe: (p) => p ?? cache });
      }
    }
  } else files = (await registry.downloadArtifacts(exact, directory, { overwrite })).files;
  const total = files.reduce((n, f) => n + (f.size ?? 0), 0);
  if (values.json)
    jsonLine(io.stdout, {
      type: "downloaded",
      model: version.model,
      version: version.version,
      directory,
      source,
      files,
      totalBytes: total,
      ...(note && { note }),
    });
  else {
    if (note) io.stderr.write(`${note}\n`);
    io.stdout.write(
      `${source === "cache" ? "copied from the cache" : "downloaded"} ${version.model}/${version.version}: ${files.length} file${files.length === 1 ? "" : "s"}, ${formatBytes(total)} into ${directory}\n`,
    );
  }
  return 0;
}
