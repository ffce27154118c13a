// Issue 13: the local registry on a full disk and with an audit log it cannot append to. Every write must either
// happen whole (the change and its audit event) or fail with a typed ModelRegistryError that names the operation and
// the file, leaving the registry exactly as it was. A torn audit line (what a disk-full append leaves) must not make
// the log unreadable.
//
// The full-disk tests mount a 32 MiB tmpfs (Linux, root); the immutable-log tests use `chattr +i` on the normal disk
// (root, a file system with the flag). Each skips with a printed reason where it cannot run.
import { execFileSync } from "node:child_process";
import { appendFileSync, closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, rmSync, statfsSync, writeFileSync, writeSync } from "node:fs";
import { chmod, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalRegistry, type LocalRegistry } from "modelreg/local";
import { ModelRegistryError, StorageError, type CallOptions } from "modelreg";
import { rejectionOf, tempDir } from "./support/helpers.js";
import { tmpfsProblem } from "../support/tmpfs.js";

const isRoot = process.getuid?.() === 0;

/** Why `chattr +i` does not make a file on the normal disk refuse appends here, or undefined when it does. */
function chattrProblem(): string | undefined {
  if (process.platform !== "linux") return "chattr is Linux only";
  const dir = mkdtempSync(join(tmpdir(), "modelreg-chattr-probe-"));
  const file = join(dir, "probe");
  writeFileSync(file, "x");
  try {
    execFileSync("chattr", ["+i", file], { stdio: "pipe" });
    try {
      appendFileSync(file, "y");
      return "chattr +i did not stop an append";
    } catch {
      return undefined;
    }
  } catch (error) {
    return `chattr +i failed (${String((error as Error).message).split("\n")[0]})`;
  } finally {
    try {
      execFileSync("chattr", ["-i", file], { stdio: "pipe" });
    } catch {
      // Never set.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const noTmpfs = tmpfsProblem();
const noChattr = chattrProblem();
if (noTmpfs) console.log(`local-disk-full: skipping the full-disk tests: ${noTmpfs}`);
if (noChattr) console.log(`local-disk-full: skipping the immutable audit log tests: ${noChattr}`);
if (isRoot) console.log("local-disk-full: skipping the read-only audit directory test: root writes through file modes");

/** A file in the registry, as an error message should name it. */
const NAMES_A_FILE = /\b(tmp|blobs|models|audit|locks)\/|modelreg\.json/;

/** What a reader sees: versions with their stages and metadata, aliases, and every audit event. */
async function snapshot(registry: LocalRegistry, model: string) {
  const versions = (await registry.listVersions(model).toArray())
    .map((v) => ({ version: v.version, stage: v.stage, tags: v.tags, metrics: v.metrics, digest: v.artifacts.digest }))
    .sort((a, b) => Number(a.version) - Number(b.version));
  const aliases = await registry.listAliases(model);
  const events = (await registry.listAuditEvents().toArray()).map((e) => ({ id: e.id, type: e.type, version: e.version, alias: e.alias, to: e.to }));
  return { versions, aliases, events };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** A model with two small versions, `champion` on 1, version 1 in production. */
async function seeded(root: string): Promise<LocalRegistry> {
  const registry = createLocalRegistry({ root, actor: "tester" });
  await registry.createVersion("alpha", { artifacts: { entries: [{ path: "model.bin", content: "one" }] } });
  await registry.createVersion("alpha", { artifacts: { entries: [{ path: "model.bin", content: "two" }] } });
  await registry.setAlias("alpha", "champion", "1");
  await registry.transitionStage("alpha/1", "production", { archiveExisting: true });
  return registry;
}

/** What one write must look like when it fails: typed, naming the operation and a file of the registry. */
function typedFailureProblems(error: unknown, operation: string): string[] {
  if (!ModelRegistryError.isInstance(error))
    return [
      `raw ${(error as Error)?.name ?? typeof error} (code ${String((error as { code?: unknown })?.code)}): ${String((error as Error)?.message ?? error)}`,
    ];
  const problems: string[] = [];
  if (!error.message.includes(operation)) problems.push(`message does not name ${operation}: ${error.message}`);
  if (!NAMES_A_FILE.test(error.message)) problems.push(`message names no file: ${error.message}`);
  return problems;
}

/** One kind of write, how to make it a real change each time, and how to tell it happened. */
interface WriteCase {
  operation: "createVersion" | "setAlias" | "transitionStage" | "recordEvent";
  /** Makes the change; returns what `happened` needs. */
  run: (registry: LocalRegistry, before: Snapshot, attempt: number) => Promise<unknown>;
  /** Whether `after` shows the change whole: the state moved and its event is in the log. */
  happened: (before: Snapshot, after: Snapshot, result: unknown, attempt: number) => boolean;
}

const otherVersion = (of: string | undefined) => (of === "1" ? "2" : "1");
const newEvents = (before: Snapshot, after: Snapshot) => after.events.filter((e) => !before.events.some((b) => b.id === e.id));

const WRITES: WriteCase[] = [
  {
    operation: "createVersion",
    // Several pages of bytes, so some free-space levels fit the blob but not the records after it.
    run: (registry, _before, attempt) =>
      registry.createVersion("alpha", { artifacts: { entries: [{ path: "model.bin", content: Buffer.alloc(10_000, attempt + 1) }] } }),
    happened: (before, after) => {
      const next = String(Math.max(...before.versions.map((v) => Number(v.version))) + 1);
      return after.versions.some((v) => v.version === next) && newEvents(before, after).some((e) => e.type === "version.created" && e.version === next);
    },
  },
  {
    operation: "setAlias",
    run: (registry, before) => registry.setAlias("alpha", "champion", otherVersion(before.aliases.find((a) => a.alias === "champion")?.version)),
    happened: (before, after) => {
      const target = otherVersion(before.aliases.find((a) => a.alias === "champion")?.version);
      return (
        after.aliases.some((a) => a.alias === "champion" && a.version === target) &&
        newEvents(before, after).some((e) => e.type === "alias.set" && e.to === target)
      );
    },
  },
  {
    operation: "transitionStage",
    run: (registry, before) =>
      registry.transitionStage({ model: "alpha", version: otherVersion(before.versions.find((v) => v.stage === "production")?.version) }, "production", {
        archiveExisting: true,
      }),
    happened: (before, after) => {
      const target = otherVersion(before.versions.find((v) => v.stage === "production")?.version);
      const production = after.versions.filter((v) => v.stage === "production").map((v) => v.version);
      return (
        production.length === 1 &&
        production[0] === target &&
        newEvents(before, after).some((e) => e.type === "stage.changed" && e.version === target && e.to === "production")
      );
    },
  },
  {
    operation: "recordEvent",
    // Larger than a page, so a nearly full disk takes part of it: the torn line a disk-full append leaves.
    run: (registry, _before, attempt) =>
      registry.recordEvent({ type: "approval.recorded", model: "alpha", version: "1", details: { by: "risk", attempt, note: "n".repeat(6_000) } }),
    happened: (before, after, result) => newEvents(before, after).some((e) => e.id === (result as { id: string }).id),
  },
];

describe.skipIf(noTmpfs)("the local registry on a full disk (32 MiB tmpfs)", () => {
  let mount: string | undefined;
  afterEach(() => {
    if (!mount) return;
    rmSync(join(mount, "filler"), { force: true });
    try {
      execFileSync("umount", [mount], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", mount], { stdio: "pipe" });
    }
    rmSync(mount, { recursive: true, force: true });
    mount = undefined;
  });

  async function mountTmpfs(): Promise<string> {
    mount = mkdtempSync(join(tmpdir(), "modelreg-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=32m", "tmpfs", mount], { stdio: "pipe" });
    return mount;
  }

  /** Fills the file system with a filler file beside the registry, then gives back `pages` pages of it. */
  function fill(dir: string, pages: number): void {
    const page = statfsSync(dir).bsize;
    const fd = openSync(join(dir, "filler"), "w");
    try {
      for (const chunk of [Buffer.alloc(1024 * 1024), Buffer.alloc(page)]) {
        for (;;) {
          try {
            if (writeSync(fd, chunk) < chunk.length) break;
          } catch (error) {
            if ((error as { code?: string }).code === "ENOSPC") break;
            throw error;
          }
        }
      }
      const full = Math.floor(fstatSync(fd).size / page) * page;
      ftruncateSync(fd, Math.max(0, full - pages * page));
    } finally {
      closeSync(fd);
    }
  }
  const free = (dir: string) => rmSync(join(dir, "filler"), { force: true });

  it.each(WRITES.map((w) => [w.operation, w] as const))(
    "%s, with 0 to 10 pages free: each attempt happens whole or fails typed and changes nothing; with space again it works",
    async (operation, write) => {
      const dir = await mountTmpfs();
      const root = join(dir, "registry");
      const registry = await seeded(root);
      const problems: string[] = [];
      let failures = 0;
      for (let pages = 0; pages <= 10; pages++) {
        const before = await snapshot(registry, "alpha");
        const tmpBefore = await readdir(join(root, "tmp"));
        fill(dir, pages);
        let result: unknown;
        let error: unknown;
        try {
          result = await write.run(registry, before, pages);
        } catch (caught) {
          error = caught ?? new Error("rejected with nothing");
        } finally {
          free(dir);
        }
        let after: Snapshot;
        try {
          after = await snapshot(createLocalRegistry({ root, actor: "reader" }), "alpha");
        } catch (readError) {
          problems.push(`${pages} pages free: after the ${error ? "failed" : "successful"} ${operation}, the registry no longer reads: ${String(readError)}`);
          break;
        }
        if (error) {
          failures++;
          for (const p of typedFailureProblems(error, operation)) problems.push(`${pages} pages free: ${p}`);
          if (JSON.stringify(after) !== JSON.stringify(before))
            problems.push(`${pages} pages free: the failed ${operation} changed the registry: ${describeChange(before, after)}`);
          const leftovers = (await readdir(join(root, "tmp"))).filter((f) => !tmpBefore.includes(f));
          if (leftovers.length > 0) problems.push(`${pages} pages free: the failed ${operation} left ${leftovers.length} temp file(s) in tmp/`);
          // A lock left behind would stall the next writer for the whole stale timeout (30 s): report it, then clear it
          // so the rest of the sweep still tests something.
          for (const lock of await readdir(join(root, "locks"))) {
            problems.push(`${pages} pages free: the failed ${operation} left locks/${lock} behind`);
            rmSync(join(root, "locks", lock), { force: true });
          }
        } else if (!write.happened(before, after, result, pages)) {
          problems.push(`${pages} pages free: ${operation} returned but the change or its audit event is missing: ${describeChange(before, after)}`);
        }
      }
      // With space again, the same write works, and its change and event are there for a new reader.
      try {
        const before = await snapshot(registry, "alpha");
        const result = await write.run(registry, before, 99);
        const after = await snapshot(createLocalRegistry({ root, actor: "reader" }), "alpha");
        if (!write.happened(before, after, result, 99)) problems.push(`with space again, ${operation} returned but did not happen whole`);
      } catch (error) {
        problems.push(`with space again, ${operation} or reading the registry failed: ${String(error)}`);
      }
      console.log(
        `local-disk-full ${operation}: ${failures} of 11 attempts failed on the full disk; ${problems.length} problem(s)${problems.map((p) => `\n  ${p}`).join("")}`,
      );
      expect(failures, "with no page free the write cannot succeed").toBeGreaterThan(0);
      expect(problems).toEqual([]);
    },
    60_000,
  );
});

function describeChange(before: Snapshot, after: Snapshot): string {
  const parts: string[] = [];
  if (JSON.stringify(before.versions) !== JSON.stringify(after.versions))
    parts.push(
      `versions ${JSON.stringify(before.versions.map((v) => `${v.version}:${v.stage}`))} -> ${JSON.stringify(after.versions.map((v) => `${v.version}:${v.stage}`))}`,
    );
  if (JSON.stringify(before.aliases) !== JSON.stringify(after.aliases))
    parts.push(`aliases ${JSON.stringify(before.aliases)} -> ${JSON.stringify(after.aliases)}`);
  const added = newEvents(before, after);
  if (added.length > 0 || after.events.length !== before.events.length)
    parts.push(
      `events +${JSON.stringify(added.map((e) => `${e.type} ${e.version ?? ""}${e.alias ? ` ${e.alias}` : ""}`))} (${before.events.length} -> ${after.events.length})`,
    );
  if (parts.length === 0 && JSON.stringify(before) !== JSON.stringify(after)) parts.push("version metadata changed");
  return parts.join("; ");
}

describe("a torn audit line, as a disk-full append leaves it", () => {
  it("keeps the events before it, and the next append and every event after it are listed", async () => {
    const root = join(await tempDir("modelreg-torn-"), "registry");
    const registry = await seeded(root);
    const before = await registry.listAuditEvents().toArray();
    // Part of an event, no newline: the append ran out of space in the middle.
    appendFileSync(join(root, "audit", "audit.jsonl"), '{"id":"0b7c1a52-torn","type":"alias.set","at":"2026-12-04T10:');
    const recorded = await registry.recordEvent({ type: "approval.recorded", model: "alpha", version: "1", details: { by: "risk" } });
    await registry.setAlias("alpha", "champion", "2");
    for (const reader of [registry, createLocalRegistry({ root, actor: "reader" })]) {
      const events = await reader.listAuditEvents().toArray();
      expect(events.slice(0, before.length)).toEqual(before);
      expect(events.slice(before.length).map((e) => e.type)).toEqual(["approval.recorded", "alias.set"]);
      expect(events[before.length]?.id).toBe(recorded.id);
    }
    expect(await registry.resolveAlias("alpha", "champion")).toBe("2");
  });
});

/** The writes that must refuse when the audit log cannot be appended to, and what must then be unchanged. */
const REFUSED_WITHOUT_LOG = [
  { operation: "setAlias", run: (r: LocalRegistry, o?: CallOptions) => r.setAlias("alpha", "champion", "2", o) },
  { operation: "deleteAlias", run: (r: LocalRegistry, o?: CallOptions) => r.deleteAlias("alpha", "champion", o) },
  { operation: "transitionStage", run: (r: LocalRegistry, o?: CallOptions) => r.transitionStage("alpha/2", "production", { archiveExisting: true, ...o }) },
  {
    operation: "recordEvent",
    run: (r: LocalRegistry, o?: CallOptions) => r.recordEvent({ type: "approval.recorded", model: "alpha", version: "2", details: { by: "risk" } }, o),
  },
  {
    operation: "createVersion",
    run: (r: LocalRegistry, o?: CallOptions) => r.createVersion("alpha", { artifacts: { entries: [{ path: "model.bin", content: "three" }] } }, o),
  },
] as const;

/**
 * Locks the log with `lock`, runs one write, unlocks, and returns what went wrong: the write must have failed typed,
 * naming the log, changing nothing; and with the log writable again it must go through with its event.
 */
async function refusesWithoutLog(
  root: string,
  lock: () => Promise<void>,
  unlock: () => Promise<void>,
  operation: (typeof REFUSED_WITHOUT_LOG)[number]["operation"],
): Promise<string[]> {
  const registry = await seeded(root);
  const write = REFUSED_WITHOUT_LOG.find((w) => w.operation === operation) as (typeof REFUSED_WITHOUT_LOG)[number];
  const before = await snapshot(registry, "alpha");
  await lock();
  let error: unknown;
  try {
    await write.run(registry);
  } catch (caught) {
    error = caught ?? new Error("rejected with nothing");
  } finally {
    await unlock();
  }
  const problems: string[] = [];
  const after = await snapshot(createLocalRegistry({ root, actor: "reader" }), "alpha");
  if (error === undefined) problems.push(`${operation} succeeded although the audit log could not be appended to`);
  else {
    problems.push(...typedFailureProblems(error, operation));
    if (!String((error as Error).message).includes("audit/audit.jsonl")) problems.push(`the message does not name audit/audit.jsonl`);
  }
  const change = describeChange(before, after);
  if (change !== "") problems.push(`the refused ${operation} was made anyway: ${change}`);
  // With the log writable again, the same write goes through, with its event (a lock left behind would stall it 30 s).
  // Only worth trying when the refused write changed nothing: otherwise it would change nothing now either.
  if (change === "") {
    const started = Date.now();
    try {
      await write.run(registry, { signal: AbortSignal.timeout(5_000) });
      const again = await snapshot(createLocalRegistry({ root, actor: "reader" }), "alpha");
      if (newEvents(after, again).length === 0) problems.push(`with the log writable again, ${operation} logged nothing`);
    } catch (retryError) {
      problems.push(`with the log writable again, ${operation} failed after ${Date.now() - started} ms: ${String(retryError)}`);
    }
  }
  if (problems.length > 0) console.log(`local-disk-full ${operation} without the log: ${problems.map((p) => `\n  ${p}`).join("")}`);
  return problems;
}

describe.skipIf(noChattr)("an immutable audit log (chattr +i)", () => {
  let locked: string | undefined;
  afterEach(() => {
    if (locked) execFileSync("chattr", ["-i", locked], { stdio: "pipe" });
    locked = undefined;
  });

  it.each(REFUSED_WITHOUT_LOG.map((w) => w.operation))("%s fails typed, naming the log, and changes nothing", async (operation) => {
    const root = join(await tempDir("modelreg-immutable-"), "registry");
    const log = join(root, "audit", "audit.jsonl");
    const problems = await refusesWithoutLog(
      root,
      async () => {
        execFileSync("chattr", ["+i", log], { stdio: "pipe" });
        locked = log;
      },
      async () => {
        execFileSync("chattr", ["-i", log], { stdio: "pipe" });
        locked = undefined;
      },
      operation,
    );
    expect(problems).toEqual([]);
  });
});

describe.skipIf(isRoot)("a read-only audit directory", () => {
  let readOnly: string | undefined;
  afterEach(async () => {
    if (readOnly) {
      await chmod(readOnly, 0o755);
      await chmod(join(readOnly, "audit.jsonl"), 0o644);
    }
    readOnly = undefined;
  });

  it.each(REFUSED_WITHOUT_LOG.map((w) => w.operation))("%s fails typed, naming the log, and changes nothing", async (operation) => {
    const root = join(await tempDir("modelreg-readonly-"), "registry");
    const audit = join(root, "audit");
    const problems = await refusesWithoutLog(
      root,
      async () => {
        await chmod(join(audit, "audit.jsonl"), 0o444);
        await chmod(audit, 0o555);
        readOnly = audit;
      },
      async () => {
        await chmod(audit, 0o755);
        await chmod(join(audit, "audit.jsonl"), 0o644);
        readOnly = undefined;
      },
      operation,
    );
    expect(problems).toEqual([]);
  });
});

describe.skipIf(noChattr)("a change logged but not put in place (an immutable model directory)", () => {
  let frozen: string | undefined;
  afterEach(() => {
    if (frozen) execFileSync("chattr", ["-i", frozen], { stdio: "pipe" });
    frozen = undefined;
  });

  it("is finished by the next access, even when the log had a torn tail before it", async () => {
    const root = join(await tempDir("modelreg-landing-"), "registry");
    const registry = createLocalRegistry({ root, actor: "tester" });
    await registry.createVersion("fraud", { artifacts: { entries: [{ path: "model.bin", content: "one" }] } });
    // A torn tail longer than an event's id prefix: the change's event is written where the tail was cut.
    await writeFile(join(root, "audit", "audit.jsonl"), `{"id":"torn","type":"alias.set","details":{"pad":"${"x".repeat(300)}`, { flag: "a" });
    // The model's directory made immutable: its files read, but the alias file cannot be put in place.
    frozen = join(root, "models", "fraud");
    execFileSync("chattr", ["+i", frozen], { stdio: "pipe" });
    const error = await rejectionOf(registry.setAlias("fraud", "champion", "1"));
    expect(StorageError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/recorded in the audit log/);
    expect(await readdir(join(root, "journal"))).toEqual(["fraud.json"]);
    execFileSync("chattr", ["-i", frozen], { stdio: "pipe" });
    frozen = undefined;
    expect(await createLocalRegistry({ root }).resolveAlias("fraud", "champion")).toBe("1");
    expect(await readdir(join(root, "journal"))).toEqual([]);
    const moves = await registry.listAuditEvents({ model: "fraud", types: ["alias.set"] }).toArray();
    expect(moves.map((e) => [e.alias, e.to])).toEqual([["champion", "1"]]);
  });
});
