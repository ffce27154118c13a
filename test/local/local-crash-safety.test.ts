// The local registry's promise that a change and its audit event land together or not at all, that a crashed
// writer's leftovers are settled, and that file-system failures come back typed. Each case here reproduces a report
// of issue 13 and failed before the journal, the audit lock and StorageError existed.
import { spawn } from "node:child_process";
import { mkdir, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptDataError, NotFoundError, StorageError } from "modelreg";
import { createLocalRegistry } from "modelreg/local";
import { freshRegistry, rejectionOf, tempDir } from "./support/helpers.js";

const bytes = (text: string) => ({ entries: [{ path: "model.bin", content: text }] });

/** A pid that certainly belonged to a process and is certainly gone now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid as number;
  await new Promise((r) => child.once("exit", r));
  return pid;
}

async function stateOf(registry: ReturnType<typeof createLocalRegistry>, model: string) {
  const versions = await registry.listVersions(model).toArray();
  return {
    versions: versions.map((v) => ({ version: v.version, stage: v.stage, aliases: v.aliases })),
    aliases: await registry.listAliases(model),
    events: (await registry.listAuditEvents({ model }).toArray()).map((e) => e.id),
  };
}

describe("local registry: a change and its audit event land together or not at all", () => {
  it("changes nothing when the audit log cannot be appended to, and says which file and why", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { ...{ artifacts: bytes("one") }, aliases: ["champion"] });
    await registry.createVersion("fraud", { artifacts: bytes("two") });
    await registry.transitionStage("fraud/1", "production");
    const before = await stateOf(registry, "fraud");
    // A directory where the log should be: every append fails, as with an immutable or unwritable log.
    const log = join(root, "audit", "audit.jsonl");
    const saved = await readFile(log);
    await rm(log);
    await mkdir(log);
    for (const attempt of [
      () => registry.setAlias("fraud", "champion", "2"),
      () => registry.deleteAlias("fraud", "champion"),
      () => registry.transitionStage("fraud/2", "production", { archiveExisting: true }),
      () => registry.updateVersion("fraud/2", { metrics: { auc: 0.9 } }),
      () => registry.deleteVersion("fraud/2"),
      () => registry.createVersion("fraud", { artifacts: bytes("three") }),
    ]) {
      const error = await rejectionOf(attempt());
      expect(StorageError.isInstance(error), String(error)).toBe(true);
      expect((error as StorageError).code).toBe("EISDIR");
      expect((error as Error).message).toMatch(/audit[\\/]audit\.jsonl/);
    }
    await rm(log, { recursive: true });
    await writeFile(log, saved);
    expect(await stateOf(registry, "fraud")).toEqual(before);
    expect(await readdir(join(root, "journal"))).toEqual([]);
    // The number the failed create would have had is still the next one.
    expect((await registry.createVersion("fraud", { artifacts: bytes("three") })).version).toBe("3");
  });

  it("moves a stage and archives the old holder in one change, with both events", async () => {
    const { registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    await registry.createVersion("fraud", { artifacts: bytes("two") });
    await registry.transitionStage("fraud/1", "production");
    await registry.transitionStage("fraud/2", "production", { archiveExisting: true });
    const stages = (await registry.listVersions("fraud").toArray()).map((v) => [v.version, v.stage]);
    expect(stages).toEqual([
      ["2", "production"],
      ["1", "archived"],
    ]);
    const moves = (await registry.listAuditEvents({ model: "fraud", types: ["stage.changed"] }).toArray()).map((e) => [e.version, e.to]);
    expect(moves).toEqual([
      ["1", "production"],
      ["1", "archived"],
      ["2", "production"],
    ]);
  });
});

describe("local registry: what a crashed writer leaves is settled by the next access", () => {
  async function crashedChange(logged: boolean) {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    await registry.createVersion("fraud", { artifacts: bytes("two") });
    // A stage move staged exactly as a writer does it, then "killed" before (or after) its event reached the log.
    const record = JSON.parse(await readFile(join(root, "models", "fraud", "versions", "2.json"), "utf8"));
    const temp = join(root, "tmp", "txn-1.ffffffff-00000000-0000-0000-0000-000000000000.json");
    await writeFile(temp, JSON.stringify({ ...record, stage: "production" }));
    const eventId = "00000000-dead-4bee-8000-000000000001";
    const log = join(root, "audit", "audit.jsonl");
    const offset = (await readFile(log)).length;
    await writeFile(
      join(root, "journal", "fraud.json"),
      JSON.stringify({
        journal: 1,
        id: "j",
        model: "fraud",
        operation: "transitionStage",
        auditOffset: offset,
        eventId,
        steps: [{ file: "models/fraud/versions/2.json", temp: temp.slice(root.length + 1) }],
      }),
    );
    if (logged) {
      const event = {
        id: eventId,
        type: "stage.changed",
        at: new Date().toISOString(),
        actor: "t",
        provider: "local",
        model: "fraud",
        version: "2",
        stage: "production",
        from: "draft",
        to: "production",
      };
      await writeFile(log, `${JSON.stringify(event)}\n`, { flag: "a" });
    }
    return { root, registry: createLocalRegistry({ root }) };
  }

  it("finishes a change whose event is in the log, on the next read", async () => {
    const { root, registry } = await crashedChange(true);
    expect((await registry.getVersion("fraud/2")).stage).toBe("production");
    expect(await readdir(join(root, "journal"))).toEqual([]);
    expect(await readdir(join(root, "tmp"))).toEqual([]);
  });

  it("undoes a change whose event never reached the log", async () => {
    const { root, registry } = await crashedChange(false);
    expect((await registry.getVersion("fraud/2")).stage).toBe("draft");
    expect(await registry.listAuditEvents({ model: "fraud", types: ["stage.changed"] }).toArray()).toEqual([]);
    expect(await readdir(join(root, "journal"))).toEqual([]);
    expect(await readdir(join(root, "tmp"))).toEqual([]);
  });
});

describe("local registry: a torn audit line", () => {
  it("is cut off by the next append, and no event before or after it is lost", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    const log = join(root, "audit", "audit.jsonl");
    const before = await registry.listAuditEvents().toArray();
    // What a full disk leaves mid-append: part of a line, no newline.
    await writeFile(log, '{"id":"torn","type":"alias.se', { flag: "a" });
    expect(await registry.listAuditEvents().toArray()).toEqual(before);
    await registry.setAlias("fraud", "champion", "1");
    await registry.recordEvent({ type: "approval.recorded", model: "fraud", version: "1" });
    const after = await registry.listAuditEvents().toArray();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => e.type)).toEqual(["alias.set", "approval.recorded"]);
    expect((await readFile(log, "utf8")).includes('"torn"')).toBe(false);
  });

  it("keeps the events of a log damaged by an older writer that glued an event onto a torn line", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    await registry.setAlias("fraud", "champion", "1");
    const log = join(root, "audit", "audit.jsonl");
    const all = await registry.listAuditEvents().toArray();
    const lines = (await readFile(log, "utf8")).split("\n");
    await writeFile(log, `${(lines[0] as string).slice(0, 30)}${lines.slice(1).join("\n")}`);
    expect((await registry.listAuditEvents().toArray()).map((e) => e.id)).toEqual(all.slice(1).map((e) => e.id));
    const report = await registry.verify();
    expect(report.problems.some((p) => p.kind === "damaged-audit-line")).toBe(false);
  });

  it("reports a line that is not an event through verify, and reads the rest", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createModel({ name: "fraud" });
    await writeFile(join(root, "audit", "audit.jsonl"), "{not json\n", { flag: "a" });
    await registry.createModel({ name: "risk" });
    expect((await registry.listAuditEvents().toArray()).map((e) => e.model)).toEqual(["fraud", "risk"]);
    const report = await registry.verify();
    expect(report.ok).toBe(false);
    expect(report.problems.find((p) => p.kind === "damaged-audit-line")?.message).toMatch(/line 2/);
  });
});

describe("local registry: locks", () => {
  it("takes over at once a lock whose owner process is gone", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    await writeFile(join(root, "locks", "fraud.lock"), JSON.stringify({ pid: await deadPid(), host: hostname(), at: new Date().toISOString() }));
    const started = Date.now();
    await registry.setAlias("fraud", "champion", "1");
    // The stale timeout is 30 s; a dead owner is known at once.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("lets a waiter whose timeout equals the stale time take over instead of timing out", async () => {
    const { root, registry } = await freshRegistry({ lockTimeoutMs: 400, staleLockMs: 400 });
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    // A live owner (this process) whose lock stopped being refreshed: only its age can free it.
    const lock = join(root, "locks", "fraud.lock");
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), at: "2026-01-01T00:00:00.000Z", frozen: true }));
    const old = new Date(Date.now() - 200);
    await utimes(lock, old, old);
    await registry.setAlias("fraud", "champion", "1");
    expect(await registry.resolveAlias("fraud", "champion")).toBe("1");
  });

  it("still times out, typed, on a lock a live writer keeps fresh", async () => {
    const { root, registry } = await freshRegistry({ lockTimeoutMs: 300, staleLockMs: 10_000 });
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    await writeFile(join(root, "locks", "fraud.lock"), JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
    const error = await rejectionOf(registry.setAlias("fraud", "champion", "1"));
    expect((error as Error).name).toBe("ConflictError");
    expect((error as Error).message).toMatch(/pid \d+/);
  });
});

describe("local registry: records that lie", () => {
  it("refuses a version record that names another version than its file", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    const one = await readFile(join(root, "models", "fraud", "versions", "1.json"), "utf8");
    await writeFile(join(root, "models", "fraud", "versions", "2.json"), one);
    const error = await rejectionOf(registry.listVersions("fraud").toArray());
    expect(CorruptDataError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/versions[\\/]2\.json.*claims to be fraud\/1/);
    expect(CorruptDataError.isInstance(await rejectionOf(registry.getVersion("fraud/2")))).toBe(true);
    expect((await registry.verify()).problems.map((p) => p.kind)).toContain("damaged-record");
  });

  it("does not list 02.json beside 2.json", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("one") });
    await registry.createVersion("fraud", { artifacts: bytes("two") });
    const two = await readFile(join(root, "models", "fraud", "versions", "2.json"), "utf8");
    await writeFile(join(root, "models", "fraud", "versions", "02.json"), two);
    expect((await registry.listVersions("fraud").toArray()).map((v) => v.version)).toEqual(["2", "1"]);
  });
});

describe("local registry: keys that are Object.prototype's names are plain data", () => {
  const names = ["constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "toLocaleString"];

  it("does not resolve or delete an alias that was never set", async () => {
    const { registry } = await freshRegistry();
    await registry.createVersion("m", { artifacts: bytes("one") });
    for (const name of names) {
      expect(NotFoundError.isInstance(await rejectionOf(registry.resolveAlias("m", name))), name).toBe(true);
      expect(NotFoundError.isInstance(await rejectionOf(registry.getVersion({ model: "m", alias: name }))), name).toBe(true);
      expect(NotFoundError.isInstance(await rejectionOf(registry.deleteAlias("m", name))), name).toBe(true);
    }
    expect(await registry.listAliases("m")).toEqual([]);
    expect(await registry.listAuditEvents({ model: "m", types: ["alias.deleted"] }).toArray()).toEqual([]);
  });

  it("round-trips them as aliases, tags, params and metrics", async () => {
    const { root, registry } = await freshRegistry();
    // "__proto__" is refused by the core's checks before any write, so only names that pass them are tried here.
    const map = Object.fromEntries(names.map((n) => [n, `v-${n}`]));
    // Metric names are checked by the core (no "__proto__"); the rest are free-form.
    const metrics = Object.fromEntries(names.map((n, i) => [n, i]));
    await registry.createVersion("m", { artifacts: bytes("one"), tags: map, params: map, metrics });
    for (const name of names) await registry.setAlias("m", name, "1");
    const again = createLocalRegistry({ root });
    const v = await again.getVersion("m/1");
    expect(Object.entries(v.tags).sort()).toEqual(Object.entries(map).sort());
    expect(Object.entries(v.params).sort()).toEqual(Object.entries(map).sort());
    expect(Object.entries(v.metrics).sort()).toEqual(Object.entries(metrics).sort());
    expect((await again.listAliases("m")).map((a) => a.alias).sort()).toEqual([...names].sort());
    await again.updateVersion("m/1", { tags: { toString: "changed", valueOf: null } });
    const updated = await again.getVersion("m/1");
    expect(updated.tags.toString).toBe("changed");
    expect(Object.hasOwn(updated.tags, "valueOf")).toBe(false);
  });
});

describe("local registry: verify and gc", () => {
  it("finds and reclaims what a crashed writer left, and leaves every version whole", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts: bytes("kept") });
    const dead = await deadPid();
    // A crashed create: its temp blob, and a blob it stored whose version never came to be.
    await writeFile(join(root, "tmp", `blob-${dead}.${await hostTag()}-00000000-0000-0000-0000-000000000001`), "x".repeat(1000));
    const orphan = "a".repeat(64);
    await mkdir(join(root, "blobs", "sha256", "aa"), { recursive: true });
    await writeFile(join(root, "blobs", "sha256", "aa", orphan), "orphan bytes");
    await writeFile(join(root, "locks", "risk.lock"), JSON.stringify({ pid: dead, host: hostname(), at: new Date().toISOString() }));

    const report = await registry.verify();
    expect(report.ok).toBe(true);
    expect(report.problems.map((p) => p.kind).sort()).toEqual(["abandoned-lock", "leftover-temp", "unreferenced-blob"]);

    const dry = await registry.gc({ dryRun: true });
    expect(dry.items.map((i) => i.kind).sort()).toEqual(["blob", "lock", "temp"]);
    expect((await registry.verify()).problems).toHaveLength(3);

    const done = await registry.gc();
    expect(done.bytes).toBe(1000 + "orphan bytes".length);
    expect((await registry.verify({ deep: true })).problems).toEqual([]);
    const out = await tempDir();
    await registry.downloadArtifacts("fraud/1", out);
    expect(await readFile(join(out, "model.bin"), "utf8")).toBe("kept");
  });

  it("never removes the blobs of a create that is running while gc runs", async () => {
    const { registry } = await freshRegistry();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield new TextEncoder().encode("part one ");
      await gate;
      yield new TextEncoder().encode("part two");
    }
    await registry.createVersion("fraud", { artifacts: bytes("first") });
    // The second file's bytes are already stored (a reuse of v1's blob) while the first is still streaming.
    const creating = registry.createVersion(
      "fraud",
      {
        artifacts: {
          entries: [
            { path: "reused.bin", content: "first" },
            { path: "slow.bin", open: () => slow() },
          ],
        },
      },
      { concurrency: 1 },
    );
    await registry.deleteVersion("fraud/1");
    await new Promise((r) => setTimeout(r, 100));
    const collected = await registry.gc({ graceMs: 0 });
    release();
    const v2 = await creating;
    expect(collected.items.filter((i) => i.kind === "blob")).toEqual([]);
    const out = await tempDir();
    await registry.downloadArtifacts(`fraud/${v2.version}`, out);
    expect(await readFile(join(out, "reused.bin"), "utf8")).toBe("first");
    expect((await registry.verify({ deep: true })).ok).toBe(true);
  });
});

/** The host tag tmp file names carry (see tempName in local-paths.ts). */
async function hostTag(): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
}
