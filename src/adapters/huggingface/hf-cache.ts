/**
 * Writing files into the Hugging Face cache layout, so Python tools (`hf_hub_download` and `snapshot_download` with
 * `local_files_only=True`, transformers offline) find what modelreg downloaded.
 *
 * The layout is `huggingface_hub` 2.4.0's (file_download.py): under `<cache>/models--{org}--{name}/`,
 * `blobs/{etag}` holds each file's bytes (the etag is the sha256 for LFS files, the git blob sha1 otherwise),
 * `snapshots/{commit}/{path}` is a relative symbolic link into `../../blobs/{etag}` (one `../` more per folder of the
 * path), and `refs/{revision}` holds the commit hash, without a line break: Python reads it with `f.read()` and
 * does not strip it. A revision with `/` (`refs/pr/1`) is a file in subfolders, as Python writes it.
 *
 * Nothing half-written is ever visible: blobs are streamed into a temporary file, checked against their etag and
 * renamed into place; links and refs are made beside the blobs and renamed into place; refs are written last, so a
 * revision name never resolves to a snapshot that still lacks files.
 *
 * @module
 */

import { isHubRepoId } from "./hf-names.js";
import { dirname, join, relative, resolve } from "node:path";
import { AbortedError, IntegrityError, InvalidInputError, ModelRegistryError, throwIfAborted } from "../../core/errors.js";
import { mapLimit } from "../../core/concurrency.js";
import { iterateBytes } from "../../artifacts/byte-streams.js";
import { unwritten } from "../../artifacts/file-sink.js";
import { safeJoin } from "../../artifacts/safe-path.js";
import { assertArtifactPath } from "../../core/validation.js";
import { nodeCrypto, nodeFs, nodeFsSync, nodeOs } from "../../runtime/builtins.js";
import { errorCode, toStorageError } from "../../runtime/system-error.js";

/** One file of a snapshot: where it goes, what its bytes hash to, and how to read them. */
export interface HubCacheFile {
  /** The path inside the repository, `/`-separated. Checked: no `..`, no absolute path, no backslash. */
  path: string;
  /** The Hub's etag: a sha256 (64 hex digits) for LFS files, a git blob sha1 (40 hex digits) for regular files. */
  etag: string;
  /** The size in bytes, when known: checked against the bytes read, and spares a second read for a git sha1. */
  size?: number;
  /** Opens the bytes. Called only when the cache lacks the blob. */
  open(): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;
}

/** What {@link writeHubCacheSnapshot} takes. */
export interface WriteHubCacheSnapshotInput {
  /** The cache folder (see {@link hubCacheDir}); created when missing. */
  cacheDir: string;
  /** The model repository, `org/name` or `name`. */
  repoId: string;
  /** The commit the files belong to: 40 lowercase hex digits. */
  commit: string;
  /** Branch and tag names (`main`, `v3`, `champion`, `refs/pr/1`) to point at the commit. */
  revisions: string[];
  /** The files to place in the snapshot. Files of the snapshot not listed stay as they are. */
  files: HubCacheFile[];
  /** Stops the writing; no temporary file is left behind. */
  signal?: AbortSignal;
  /** The operation, for errors. */
  operation: string;
  /** The provider, for errors. */
  provider: string;
}

/** What {@link writeHubCacheSnapshot} did. */
export interface HubCacheSnapshotResult {
  /** `<cache>/models--{org}--{name}/snapshots/{commit}`. */
  snapshotDir: string;
  /** Files whose bytes were read and written as a new blob. */
  written: number;
  /** Files whose blob the cache already held (from an earlier download, or an earlier file of this call). */
  reused: number;
}

/** The variables {@link hubCacheDir} reads. */
export type HubCacheEnv = Readonly<Record<string, string | undefined>>;

/**
 * The cache folder, resolved as `huggingface_hub` does (constants.py): `explicit`, else `HF_HUB_CACHE`, else the
 * legacy `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
 * `~/.cache/huggingface/hub`. A leading `~` and `$VAR`/`${VAR}` are expanded as Python's `expanduser` and
 * `expandvars` do; an empty variable counts as unset.
 *
 * @param env - The environment to read; `process.env` by default.
 * @param explicit - A folder given by the caller, which wins.
 */
export function hubCacheDir(env: HubCacheEnv = process.env, explicit?: string): string {
  const set = (name: string) => {
    const value = env[name];
    return value ? expand(value, env) : undefined;
  };
  if (explicit) return resolve(expand(explicit, env));
  const hub = set("HF_HUB_CACHE") ?? set("HUGGINGFACE_HUB_CACHE");
  if (hub) return resolve(hub);
  const home = set("HF_HOME") ?? join(set("XDG_CACHE_HOME") ?? join(homeOf(env), ".cache"), "huggingface");
  return resolve(home, "hub");
}

function homeOf(env: HubCacheEnv): string {
  return env.HOME || nodeOs().homedir();
}

function expand(path: string, env: HubCacheEnv): string {
  const user = path === "~" || path.startsWith("~/") ? homeOf(env) + path.slice(1) : path;
  // expandvars leaves an unknown variable as written.
  return user.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (all, braced, bare) => env[braced ?? bare] ?? all);
}

/**
 * The folder a model repository's files go to in the cache: `models--{org}--{name}` (`models--{name}` without an org),
 * as `huggingface_hub`'s `repo_folder_name` makes it.
 *
 * @param repoId - The repository id, `org/name` or `name`.
 * @param operation - The operation, for the error.
 * @param provider - The provider, for the error.
 * @throws InvalidInputError when `repoId` is not a Hub repository id ({@link isHubRepoId}), which could name a folder
 * elsewhere.
 */
export function repoFolderName(repoId: string, operation = "repoFolderName", provider = "huggingface"): string {
  if (!isHubRepoId(repoId)) throw new InvalidInputError(`${JSON.stringify(repoId)} is not a Hub repository id`, { provider, operation, field: "repoId" });
  return ["models", ...repoId.split("/")].join("--");
}

const COMMIT = /^[0-9a-f]{40}$/;
const ETAG = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Blobs written at once: enough to overlap one file's disk work with another's reading. */
const CONCURRENCY = 2;

/** Bytes gathered before one write to the temporary file. */
const WRITE_BATCH = 1024 * 1024;

/**
 * Places files in the cache as a snapshot of `commit`, and points each of `revisions` at it.
 *
 * Each blob is streamed into a temporary file in `blobs/` and checked before it is renamed into place: its sha256
 * when the etag has 64 hex digits, its git blob sha1 (the sha1 of `blob {size}\0` and the bytes) when it has 40, and
 * its size when given. The temporary name ends in `.incomplete`, as Python's own partial downloads do, but with a
 * unique middle part, so two writers never share one, and `hf cache prune` removes what a killed process left. A blob
 * the cache already holds is reused, and its file never opened.
 *
 * Everything is checked before anything is written: the repository id, the commit, each etag, each revision name and
 * each path (through the artifact path checks, so a path from a server cannot leave the snapshot folder).
 *
 * @throws InvalidInputError for a bad repository id, commit, etag, revision name or path, or two files at one path.
 * @throws IntegrityError when a file's bytes do not match its etag or size; that blob is not kept.
 * @throws AbortedError when `signal` aborts.
 * @throws StorageError when a file-system call fails (full disk, permissions), naming the operation and the file.
 */
export async function writeHubCacheSnapshot(input: WriteHubCacheSnapshotInput): Promise<HubCacheSnapshotResult> {
  const { provider, operation, signal } = input;
  const bad = (field: string, message: string) => new InvalidInputError(message, { provider, operation, field });
  const repoDir = join(resolve(input.cacheDir), repoFolderName(input.repoId, operation, provider));
  if (!COMMIT.test(input.commit)) throw bad("commit", `commit ${JSON.stringify(input.commit)} is not 40 lowercase hex digits`);
  const snapshotDir = join(repoDir, "snapshots", input.commit);
  const blobsDir = join(repoDir, "blobs");
  const refs = checkRevisions(input.revisions, input.commit, bad, operation);
  const files = input.files.map((file) => {
    const etag = typeof file.etag === "string" ? file.etag.toLowerCase() : "";
    if (!ETAG.test(etag)) throw bad("etag", `etag ${JSON.stringify(file.etag)} of ${JSON.stringify(file.path)} is neither a sha256 nor a git sha1`);
    if (file.size !== undefined && !(Number.isSafeInteger(file.size) && file.size >= 0))
      throw bad("size", `size of ${JSON.stringify(file.path)} is not a byte count`);
    return { file, etag, target: safeJoin(snapshotDir, file.path, operation) };
  });
  checkNoClash(
    files.map((f) => f.file.path),
    (message) => bad("path", message),
  );
  throwIfAborted(signal, provider, operation);

  try {
    const fs = nodeFs();
    await fs.mkdir(blobsDir, { recursive: true });
    await tagCacheDir(resolve(input.cacheDir));
    // One blob per etag: identical files at several paths are read once.
    const byEtag = new Map<string, (typeof files)[number]>();
    for (const f of files) if (!byEtag.has(f.etag)) byEtag.set(f.etag, f);
    const fresh = await mapLimit([...byEtag.values()], CONCURRENCY, async ({ file, etag }) => {
      throwIfAborted(signal, provider, operation);
      const blob = join(blobsDir, etag);
      const existing = await fs.stat(blob).catch((error) => (errorCode(error) === "ENOENT" ? undefined : Promise.reject(error)));
      // A blob of the wrong size is damaged (a copy cut short): it is replaced, not reused.
      if (existing?.isFile() && (file.size === undefined || existing.size === file.size)) return false;
      await writeBlob(file, etag, blobsDir, signal, provider, operation);
      return true;
    });
    for (const { target, etag } of files) {
      throwIfAborted(signal, provider, operation);
      await fs.mkdir(dirname(target), { recursive: true });
      await placeLink(target, relative(dirname(target), join(blobsDir, etag)), blobsDir);
    }
    for (const ref of refs) {
      throwIfAborted(signal, provider, operation);
      await writeRef(join(repoDir, "refs", ...ref.split("/")), input.commit, blobsDir);
    }
    const written = fresh.filter(Boolean).length;
    return { snapshotDir, written, reused: files.length - written };
  } catch (error) {
    if (signal?.aborted) throw new AbortedError("aborted by the caller's signal", { provider, operation, cause: signal.reason });
    const typed = toStorageError(error, { provider, operation, describe: (path) => path ?? repoDir });
    if (ModelRegistryError.isInstance(typed)) throw typed;
    throw new ModelRegistryError(`could not write the Hugging Face cache at ${repoDir}: ${(error as Error).message}`, { provider, operation, cause: error });
  }
}

/** The revision names to write, checked like paths (a name with `/` is a file in subfolders of `refs/`). */
function checkRevisions(revisions: string[], commit: string, bad: (field: string, message: string) => InvalidInputError, operation: string): string[] {
  const names = [...new Set(revisions)].filter((name) => name !== commit);
  for (const name of names) {
    assertArtifactPath(name, operation, "revisions");
    // Python takes a 40-hex revision for a commit hash and never reads a ref of that name.
    if (COMMIT.test(name)) throw bad("revisions", `revision ${JSON.stringify(name)} looks like a commit hash but is not the commit`);
  }
  checkNoClash(names, (message) => bad("revisions", message));
  return names;
}

/** Refuses one path that is another's folder (`a` and `a/b`): both cannot exist. */
function checkNoClash(paths: string[], bad: (message: string) => InvalidInputError): void {
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) throw bad(`${JSON.stringify(path)} is given twice`);
    seen.add(path);
  }
  for (const path of paths) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join("/");
      if (seen.has(folder)) throw bad(`${JSON.stringify(folder)} is both a file and the folder of ${JSON.stringify(path)}`);
    }
  }
}

/** A name beside the blobs for something about to be renamed into place; `hf cache prune` removes leftovers. */
function tempName(blobsDir: string, stem: string): string {
  return join(blobsDir, `${stem}.modelreg-${nodeCrypto().randomBytes(8).toString("hex")}.incomplete`);
}

/** Streams one file into a temporary blob, checks it, and renames it into place. */
async function writeBlob(
  file: HubCacheFile,
  etag: string,
  blobsDir: string,
  signal: AbortSignal | undefined,
  provider: string,
  operation: string,
): Promise<void> {
  const fs = nodeFs();
  const temp = tempName(blobsDir, etag);
  const gitSha1 = etag.length === 40;
  // A git sha1 hashes a header with the size first; without the size the bytes are hashed again from the file.
  const hash = nodeCrypto().createHash(gitSha1 ? "sha1" : "sha256");
  if (gitSha1 && file.size !== undefined) hash.update(`blob ${file.size}\0`);
  let size = 0;
  const handle = await fs.open(temp, "wx");
  let kept = false;
  try {
    try {
      const source = iterateBytes(await file.open())[Symbol.asyncIterator]();
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async () => {
        // A short write (a signal, a nearly full disk) leaves the rest to write again, which then succeeds or says why.
        for (let rest = batch; rest.length > 0; ) rest = unwritten(rest, (await handle.writev(rest)).bytesWritten);
        batch = [];
        batched = 0;
      };
      for (;;) {
        const next = await untilAborted(source.next(), signal, () => void source.return(undefined).catch(() => undefined));
        if (next.done) break;
        hash.update(next.value);
        size += next.value.byteLength;
        // A body that runs past the listed size is cut off at once: a hostile or broken server cannot fill the disk.
        if (file.size !== undefined && size > file.size) {
          await source.return(undefined).catch(() => undefined);
          break;
        }
        batch.push(next.value);
        batched += next.value.byteLength;
        if (batched >= WRITE_BATCH || batch.length >= 1024) await flush();
      }
      await flush();
    } finally {
      await handle.close();
    }
    const problem = await (async () => {
      if (file.size !== undefined && size !== file.size) return `${size} bytes arrived, ${file.size} were listed`;
      const digest = gitSha1 && file.size === undefined ? await gitBlobSha1(temp, size) : hash.digest("hex");
      return digest === etag ? undefined : `its ${gitSha1 ? "git blob sha1" : "sha256"} is ${digest}, the etag says ${etag}`;
    })();
    if (problem) throw new IntegrityError(`${JSON.stringify(file.path)} arrived corrupted: ${problem}`, { provider, operation });
    throwIfAborted(signal, provider, operation);
    await fs.rename(temp, join(blobsDir, etag));
    kept = true;
  } finally {
    if (!kept) await fs.rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Resolves with `step`, or rejects as soon as `signal` aborts (a stalled read must not hold the abort up). */
function untilAborted<T>(step: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return step;
  if (signal.aborted) {
    onAbort();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolvePromise, reject) => {
    const abort = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    step.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolvePromise(value);
      },
      (error) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

/** The git blob sha1 of a file whose size was not known while it streamed: read once more. */
async function gitBlobSha1(path: string, size: number): Promise<string> {
  const hash = nodeCrypto().createHash("sha1").update(`blob ${size}\0`);
  for await (const chunk of nodeFsSync().createReadStream(path)) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

/** Points `target` at `link` (relative), replacing whatever link was there in one rename. */
async function placeLink(target: string, link: string, blobsDir: string): Promise<void> {
  const fs = nodeFs();
  const current = await fs.readlink(target).catch(() => undefined);
  if (current === link) return;
  const temp = tempName(blobsDir, "link");
  await fs.symlink(link, temp);
  try {
    // The link's text is relative to where it ends up, not to blobs/ where it was made; rename keeps the text.
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Writes a ref (the commit hash, no line break) in one rename, unless it already holds that commit. */
async function writeRef(path: string, commit: string, blobsDir: string): Promise<void> {
  const fs = nodeFs();
  if ((await fs.readFile(path, "utf8").catch(() => undefined)) === commit) return;
  await fs.mkdir(dirname(path), { recursive: true });
  const temp = tempName(blobsDir, "ref");
  try {
    await fs.writeFile(temp, commit, { flag: "wx" });
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Python's CACHEDIR.TAG, which tells backup tools to skip the cache; best effort, as Python does it. */
async function tagCacheDir(cacheDir: string): Promise<void> {
  const content =
    "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by huggingface_hub.\n# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n";
  await nodeFs()
    .writeFile(join(cacheDir, "CACHEDIR.TAG"), content, { flag: "wx" })
    .catch(() => undefined);
}
