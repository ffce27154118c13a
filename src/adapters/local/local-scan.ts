/**
 * Walking a local registry's files for `verify` and `gc`: every model's records, the blobs they reference, the blobs
 * on disk, and what sits in tmp.
 *
 * @module
 */

import { join } from "node:path";
import { throwIfAborted } from "../../core/errors.js";
import { errorCode } from "./local-errors.js";
import { journaledModels, journalTemps, readJournal } from "./local-journal.js";
import type { LocalPaths } from "./local-paths.js";
import { nodeFs } from "../../runtime/builtins.js";

/** Names in a directory, or none when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await nodeFs().readdir(dir)).sort();
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
}

/** Every blob on disk: sha256 → size and modification time. */
export async function blobsOnDisk(paths: LocalPaths, signal?: AbortSignal): Promise<Map<string, { size: number; path: string }>> {
  const out = new Map<string, { size: number; path: string }>();
  const base = join(paths.root, "blobs", "sha256");
  for (const prefix of await listDir(base)) {
    throwIfAborted(signal, "local", "scan");
    for (const name of await listDir(join(base, prefix))) {
      const path = join(base, prefix, name);
      try {
        out.set(name, { size: (await nodeFs().stat(path)).size, path });
      } catch (error) {
        if (errorCode(error) !== "ENOENT") throw error;
      }
    }
  }
  return out;
}

/** The sha256s a version record file lists, or none when it is gone or unreadable (verify reports those). */
export async function blobsOfRecordFile(file: string): Promise<string[]> {
  try {
    const parsed = JSON.parse(await nodeFs().readFile(file, "utf8")) as { files?: Array<{ sha256?: unknown }> };
    return (parsed.files ?? []).map((f) => f.sha256).filter((s): s is string => typeof s === "string");
  } catch {
    return [];
  }
}

/** The sha256s every version record and every pending journal references. */
export async function referencedBlobs(paths: LocalPaths, signal?: AbortSignal): Promise<Set<string>> {
  // Journals before records: a change lands by renaming its record into place before removing its journal, so a
  // version being created while we look is seen in one or the other.
  const out = new Set<string>(await journalBlobs(paths));
  for (const model of await listDir(paths.models)) {
    throwIfAborted(signal, "local", "scan");
    for (const name of await listDir(paths.versions(model))) {
      if (!name.endsWith(".json")) continue;
      for (const sha of await blobsOfRecordFile(join(paths.versions(model), name))) out.add(sha);
    }
  }
  return out;
}

/** The sha256s the version records staged by pending journals reference (a change being made right now). */
export async function journalBlobs(paths: LocalPaths, model?: string): Promise<string[]> {
  const out: string[] = [];
  const names = model === undefined ? await journaledModels(paths) : [model];
  for (const name of names) {
    let staged;
    try {
      staged = await readJournal(paths, name, "gc");
    } catch {
      continue;
    }
    if (!staged) continue;
    for (const temp of journalTemps(staged)) out.push(...(await blobsOfRecordFile(join(paths.root, temp))));
  }
  return out;
}
