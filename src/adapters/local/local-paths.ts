/**
 * Where the local registry keeps each thing under its root. One place, so the layout is written down once.
 *
 * ```
 * <root>/modelreg.json                      format marker: refuse to write into a directory that is not ours
 * <root>/blobs/sha256/ab/<hex>              artifact bytes, content-addressed, written once
 * <root>/models/<name>/model.json           the registered model
 * <root>/models/<name>/aliases.json         alias -> version
 * <root>/models/<name>/versions/<n>.json    one immutable version (its metadata may change, its files never)
 * <root>/models/<name>/idempotency/<h>.json idempotency key hash -> version
 * <root>/locks/<name>.lock                  one writer per model at a time
 * <root>/audit/audit.jsonl                  the append-only audit log
 * <root>/audit/audit.lock                   one appender at a time, so a torn last line can be cut off first
 * <root>/journal/<name>.json                a change being made to a model: finished or undone by the next access
 * <root>/tmp/                               temp files, renamed into place when whole
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { nodeCrypto, nodeOs } from "../../runtime/builtins.js";

/** The paths of one local registry. Model names are validated before they reach here, so they are safe segments. */
export class LocalPaths {
  /** @param root - The registry's root directory. */
  constructor(readonly root: string) {}

  /** The format marker. */
  get marker(): string {
    return join(this.root, "modelreg.json");
  }
  /** Temp files. */
  get tmp(): string {
    return join(this.root, "tmp");
  }
  /** All models. */
  get models(): string {
    return join(this.root, "models");
  }
  /** Lock files. */
  get locks(): string {
    return join(this.root, "locks");
  }
  /** The audit log. */
  get auditLog(): string {
    return join(this.root, "audit", "audit.jsonl");
  }
  /** The audit log's lock. */
  get auditLock(): string {
    return join(this.root, "audit", "audit.lock");
  }
  /** Journals of changes in flight. */
  get journals(): string {
    return join(this.root, "journal");
  }
  /** The journal of a change in flight to one model. */
  journal(name: string): string {
    return join(this.journals, `${name}.json`);
  }
  /** One model's directory. */
  model(name: string): string {
    return join(this.models, name);
  }
  /** One model's record. */
  modelRecord(name: string): string {
    return join(this.model(name), "model.json");
  }
  /** One model's aliases. */
  aliases(name: string): string {
    return join(this.model(name), "aliases.json");
  }
  /** One model's versions. */
  versions(name: string): string {
    return join(this.model(name), "versions");
  }
  /** One version's record. */
  version(name: string, version: string): string {
    return join(this.versions(name), `${version}.json`);
  }
  /** The idempotency key index. */
  idempotency(name: string, keyHash: string): string {
    return join(this.model(name), "idempotency", `${keyHash}.json`);
  }
  /** One model's lock file. */
  lock(name: string): string {
    return join(this.locks, `${name}.lock`);
  }
  /** A blob by its sha256. */
  blob(sha256: string): string {
    return join(this.root, "blobs", "sha256", sha256.slice(0, 2), sha256);
  }
}

/** A short hash of this machine's name, computed on first use (not at import: it loads `node:crypto` and `node:os`). */
let hostTag: string | undefined;
const hostTagOf = (): string => {
  hostTag ??= nodeCrypto().createHash("sha256").update(nodeOs().hostname()).digest("hex").slice(0, 8);
  return hostTag;
};

/**
 * A name for a file in tmp that says who made it: `<kind>-<pid>.<host>-<random>`. gc removes such a file at once when
 * its maker is provably gone (this host, process not running), and leaves a live writer's file in progress alone.
 */
export function tempName(kind: string, suffix = ""): string {
  return `${kind}-${process.pid}.${hostTagOf()}-${nodeCrypto().randomUUID()}${suffix}`;
}

/** Who made a tmp file named by {@link tempName}, or `undefined` for another name. */
export function tempOwner(name: string): { kind: string; pid: number; hereHost: boolean } | undefined {
  const match = /^([a-z-]+?)-([0-9]+)\.([0-9a-f]{8})-[0-9a-f-]{36}/.exec(name);
  if (!match) return undefined;
  return { kind: match[1] as string, pid: Number(match[2]), hereHost: match[3] === hostTagOf() };
}
