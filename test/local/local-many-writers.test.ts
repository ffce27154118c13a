import { spawn } from "node:child_process";
import { access, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { NotFoundError, type RegistryEvent } from "modelreg";
import { SHARED_ALIAS, WRITER_LOCK_TIMEOUT_MS, payload, runSteps, sha256Of, type Step, type StepKind, type StepResult } from "./support/many-writers-plan.js";
import { rejectionOf, tempDir } from "./support/helpers.js";
import { childScript } from "../support/child-script.js";

// Bundled once (test/support/child-script.ts): each child then starts in a fraction of the CPU tsx took.
let child = "";
beforeAll(async () => {
  child = await childScript(new URL("./support/many-writers-child.ts", import.meta.url));
}, 60_000);

interface Writer {
  ready: Promise<void>;
  go: () => void;
  done: Promise<StepResult[]>;
}

function startProcess(root: string, model: string, writer: string, steps: Step[]): Writer {
  const proc = spawn(process.execPath, [child, root, model, writer, JSON.stringify(steps)], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  proc.stdout.on("data", (d) => {
    out += d;
    if (out.startsWith("ready\n")) signalReady();
  });
  proc.stderr.on("data", (d) => (err += d));
  const done = new Promise<StepResult[]>((resolve, reject) => {
    proc.on("exit", (code) => {
      signalReady();
      if (code !== 0) return reject(new Error(`writer ${writer} exited ${code}: ${err}`));
      resolve(JSON.parse(out.slice("ready\n".length)) as StepResult[]);
    });
  });
  return { ready, go: () => proc.stdin.end("go\n"), done };
}

function startInProcess(root: string, model: string, writer: string, steps: Step[]): Writer {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const registry = createLocalRegistry({ root, actor: writer, lockTimeoutMs: WRITER_LOCK_TIMEOUT_MS });
  return { ready: Promise.resolve(), go: () => release(), done: gate.then(() => runSteps(registry, model, writer, steps)) };
}

/** Starts every writer, waits until each has loaded, then releases them together and collects what each reports. */
async function runAll(writers: Array<{ name: string; start: () => Writer }>): Promise<Map<string, StepResult[]>> {
  const started = writers.map((w) => ({ name: w.name, writer: w.start() }));
  await Promise.all(started.map((s) => s.writer.ready));
  for (const s of started) s.writer.go();
  const results = await Promise.all(started.map(async (s) => [s.name, await s.writer.done] as const));
  return new Map(results);
}

/**
 * Reads the registry without the lock the whole time the writers run: a reader must never meet a half-written record
 * or a torn audit line, whatever moment it reads at.
 */
function startReader(root: string, model: string) {
  const registry = createLocalRegistry({ root, actor: "reader" });
  let stop = false;
  let rounds = 0;
  const errors: unknown[] = [];
  const loop = (async () => {
    while (!stop) {
      try {
        await registry.listAuditEvents().toArray();
        for (const v of await registry.listVersions(model).toArray()) {
          const file = await registry.openArtifact(v, "meta.json");
          const meta = JSON.parse(await new Response(file.stream).text()) as { writer: string; seq: number };
          if (meta.writer !== v.tags.writer || String(meta.seq) !== v.tags.seq) errors.push(new Error(`version ${v.version} has another writer's files`));
        }
        rounds++;
      } catch (error) {
        // Before the first create the model does not exist yet.
        if (!(NotFoundError.isInstance(error) && rounds === 0)) errors.push(error);
      }
    }
  })();
  return {
    async stop() {
      stop = true;
      await loop;
      return { rounds, errors };
    },
  };
}

interface Made {
  writer: string;
  seq: number;
  alias: boolean;
}

/** Every check that does not depend on which creates were meant to fail. Returns the versions that were made. */
async function checkStore(
  root: string,
  model: string,
  plans: Map<string, Step[]>,
  results: Map<string, StepResult[]>,
  extraAliasSetters: Map<string, string> = new Map(),
) {
  const made = new Map<string, Made>();
  for (const [writer, steps] of plans) {
    const outcome = results.get(writer) ?? [];
    expect(outcome.map((r) => r.seq)).toEqual(steps.map((s) => s.seq));
    for (const r of outcome) {
      const step = steps.find((s) => s.seq === r.seq) as Step;
      if (step.kind === "ok") {
        expect(r.error, `${writer}#${r.seq}`).toBeUndefined();
        expect(made.has(r.version as string), `version ${r.version} was handed to two writers`).toBe(false);
        made.set(r.version as string, { writer, seq: r.seq, alias: step.alias === true });
      } else {
        expect(r.version, `${writer}#${r.seq} (${step.kind}) should have failed`).toBeUndefined();
      }
    }
  }
  const n = made.size;
  const consecutive = Array.from({ length: n }, (_, i) => String(i + 1));
  expect([...made.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(consecutive);

  // A registry that never saw the writes: everything it reads must come from complete, checked files.
  const fresh = createLocalRegistry({ root, actor: "auditor" });
  const versions = await fresh.listVersions(model).toArray();
  expect(versions.map((v) => v.version).sort((a, b) => Number(a) - Number(b))).toEqual(consecutive);
  for (const v of versions) {
    const who = made.get(v.version) as Made;
    expect({ tags: v.tags, params: v.params, createdBy: v.createdBy }).toEqual({
      tags: { writer: who.writer, seq: String(who.seq) },
      params: { writer: who.writer, seq: String(who.seq) },
      createdBy: who.writer,
    });
    const bin = await fresh.openArtifact(v, "model.bin");
    expect(Buffer.from(await new Response(bin.stream).arrayBuffer()).equals(Buffer.concat(payload(who.writer, who.seq))), `bytes of ${v.version}`).toBe(true);
    const meta = await fresh.openArtifact(v, "meta.json");
    expect(JSON.parse(await new Response(meta.stream).text())).toEqual({ writer: who.writer, seq: who.seq });
  }

  // Every line of the log is whole; the log holds one create per version, by the writer that made it.
  const log = await readFile(join(root, "audit", "audit.jsonl"), "utf8");
  expect(log.endsWith("\n")).toBe(true);
  const lines = log
    .slice(0, -1)
    .split("\n")
    .map((l) => JSON.parse(l) as RegistryEvent);
  const events = await fresh.listAuditEvents({ model }).toArray();
  expect(events).toEqual(lines);
  const created = events.filter((e) => e.type === "version.created");
  expect(created).toHaveLength(n);
  expect(new Map(created.map((e) => [e.version, e.actor]))).toEqual(new Map([...made].map(([v, m]) => [v, m.writer])));
  for (const e of created) expect(e.details?.digest).toBe(versions.find((v) => v.version === e.version)?.artifacts.digest);
  expect(events.filter((e) => e.type === "model.created")).toHaveLength(1);

  // The alias moves form one chain in log order (each move starts where the last ended) and end where it points.
  const setters = new Map([...[...made].filter(([, m]) => m.alias).map(([v, m]) => [v, m.writer] as const), ...extraAliasSetters]);
  const moves = events.filter((e) => e.type === "alias.set" && e.alias === SHARED_ALIAS);
  expect(moves.length).toBeGreaterThanOrEqual(setters.size);
  moves.forEach((move, i) => {
    expect(move.from).toBe(i === 0 ? undefined : moves[i - 1]?.to);
    expect(setters.get(move.to as string), `alias moved to ${move.to} by ${move.actor}`).toBe(move.actor);
  });
  const final = await fresh.resolveAlias(model, SHARED_ALIAS);
  expect(final).toBe(moves.at(-1)?.to);
  expect(setters.has(final)).toBe(true);

  // Every record file parses; nothing half-written is left in tmp, and no lock is left held.
  for (const name of await readdir(join(root, "models", model, "versions"))) {
    JSON.parse(await readFile(join(root, "models", model, "versions", name), "utf8"));
  }
  JSON.parse(await readFile(join(root, "models", model, "model.json"), "utf8"));
  JSON.parse(await readFile(join(root, "models", model, "aliases.json"), "utf8"));
  expect(await readdir(join(root, "tmp"))).toEqual([]);
  expect(await readdir(join(root, "locks"))).toEqual([]);
  return { made, fresh };
}

function plan(kinds: StepKind[], alias: (seq: number) => boolean): Step[] {
  return kinds.map((kind, seq) => ({ seq, kind, ...(alias(seq) && { alias: true }) }));
}

describe("local registry, many writers at once", () => {
  it(
    "gives 12 writers (8 processes, 4 in-process instances) making 72 versions of one new model versions 1..72, each with its own files, all audited",
    async () => {
      const root = join(await tempDir("modelreg-many-"), "registry");
      const model = "fraud";
      const plans = new Map<string, Step[]>();
      const writers: Array<{ name: string; start: () => Writer }> = [];
      const steps = () => plan(Array(6).fill("ok"), (seq) => seq % 2 === 0);
      for (let i = 0; i < 8; i++) {
        const name = `proc-${i}`;
        plans.set(name, steps());
        writers.push({ name, start: () => startProcess(root, model, name, plans.get(name) as Step[]) });
      }
      for (let i = 0; i < 4; i++) {
        const name = `inproc-${i}`;
        plans.set(name, steps());
        writers.push({ name, start: () => startInProcess(root, model, name, plans.get(name) as Step[]) });
      }
      const reader = startReader(root, model);
      const results = await runAll(writers);
      const read = await reader.stop();
      expect(read.errors).toEqual([]);
      expect(read.rounds).toBeGreaterThan(0);

      const { made } = await checkStore(root, model, plans, results);
      expect(made.size).toBe(72);
      // Longer than a writer's lock wait (WRITER_LOCK_TIMEOUT_MS): a starved writer fails its own step, typed, first.
    },
    WRITER_LOCK_TIMEOUT_MS + 60_000,
  );

  it("leaves no version, blob or gap behind writers that abort mid-upload or send bytes that do not match what they declared", async () => {
    const root = join(await tempDir("modelreg-many-fail-"), "registry");
    const model = "churn";
    const kinds: StepKind[] = ["ok", "abort-mid-upload", "ok", "wrong-sha256", "ok", "wrong-size"];
    const plans = new Map<string, Step[]>();
    const writers: Array<{ name: string; start: () => Writer }> = [];
    for (let i = 0; i < 4; i++) {
      const name = `proc-${i}`;
      plans.set(
        name,
        plan(kinds, (seq) => seq === 0 || seq === 4),
      );
      writers.push({ name, start: () => startProcess(root, model, name, plans.get(name) as Step[]) });
    }
    for (let i = 0; i < 3; i++) {
      const name = `inproc-${i}`;
      plans.set(
        name,
        plan(kinds, (seq) => seq === 0 || seq === 4),
      );
      writers.push({ name, start: () => startInProcess(root, model, name, plans.get(name) as Step[]) });
    }
    const results = await runAll(writers);

    const expectedError: Record<StepKind, string | undefined> = {
      ok: undefined,
      "abort-mid-upload": "AbortedError",
      "wrong-sha256": "IntegrityError",
      "wrong-size": "InvalidInputError",
    };
    for (const outcome of results.values()) for (const r of outcome) expect(r.error).toBe(expectedError[r.kind]);

    const { made, fresh } = await checkStore(root, model, plans, results);
    expect(made.size).toBe(7 * 3);
    // The failed creates' main files were never stored: a blob is only renamed into place once its bytes check out.
    for (const [writer, steps] of plans) {
      for (const step of steps.filter((s) => s.kind !== "ok")) {
        const blob = sha256Of(payload(writer, step.seq));
        await expect(access(join(root, "blobs", "sha256", blob.slice(0, 2), blob)), `${writer}#${step.seq}`).rejects.toThrow();
      }
    }
    // The failures claimed no number: the next create continues the run.
    const next = await fresh.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "after" }] } });
    expect(next.version).toBe(String(made.size + 1));
  }, 60_000);
});

describe("local registry, a create that fails after claiming its number", () => {
  it("takes the version back when the audit log cannot be written, so every version that exists is audited and numbers stay consecutive", async () => {
    const root = join(await tempDir("modelreg-audit-fail-"), "registry");
    const registry = createLocalRegistry({ root, actor: "writer" });
    const model = "risk";
    const first = await registry.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "one" }] }, aliases: [SHARED_ALIAS] });
    const log = join(root, "audit", "audit.jsonl");
    const kept = await readFile(log);
    // A directory where the log should be: the append fails the way a full or read-only disk makes it fail.
    await rm(log);
    await mkdir(log);
    const failed = await rejectionOf(
      registry.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "two" }] }, aliases: [SHARED_ALIAS], idempotencyKey: "retry-me" }),
    );
    expect((failed as NodeJS.ErrnoException).code).toBe("EISDIR");
    await rm(log, { recursive: true });
    await writeFile(log, kept);

    const fresh = createLocalRegistry({ root, actor: "auditor" });
    expect((await fresh.listVersions(model).toArray()).map((v) => v.version)).toEqual([first.version]);
    expect(await fresh.resolveAlias(model, SHARED_ALIAS)).toBe(first.version);
    // A retry with the same key makes the version now, under the number the failed attempt gave back.
    const retried = await fresh.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "two" }] }, idempotencyKey: "retry-me" });
    expect(retried.version).toBe("2");
    const created = await fresh.listAuditEvents({ model, types: ["version.created"] }).toArray();
    expect(created.map((e) => e.version)).toEqual(["1", "2"]);
    expect(await readdir(join(root, "tmp"))).toEqual([]);
    expect(await readdir(join(root, "locks"))).toEqual([]);
  });

  it("takes back a new model too, so a model whose first create failed does not exist half-made", async () => {
    const root = join(await tempDir("modelreg-audit-fail-"), "registry");
    const registry = createLocalRegistry({ root, actor: "writer" });
    await registry.createVersion("other", { artifacts: { entries: [{ path: "x", content: "x" }] } });
    const log = join(root, "audit", "audit.jsonl");
    const kept = await readFile(log);
    await rm(log);
    await mkdir(log);
    await rejectionOf(registry.createVersion("brand-new", { artifacts: { entries: [{ path: "model.bin", content: "one" }] } }));
    await rm(log, { recursive: true });
    await writeFile(log, kept);
    expect((await registry.listModels().toArray()).map((m) => m.name)).toEqual(["other"]);
    const v = await registry.createVersion("brand-new", { artifacts: { entries: [{ path: "model.bin", content: "one" }] } });
    expect(v.version).toBe("1");
    expect((await registry.listAuditEvents({ model: "brand-new" }).toArray()).map((e) => e.type)).toEqual(["model.created", "version.created"]);
  });
});

describe("local registry, reading the audit log while another process appends to it", () => {
  // A reader that does not take the lock can see an append half-way: on ext4 a write of a few KiB that crosses a
  // page becomes visible a page at a time, so the file briefly ends in part of a line with no newline yet.
  it("returns the complete events and leaves out a last line still being written, then reads it once whole", async () => {
    const root = join(await tempDir("modelreg-audit-tail-"), "registry");
    const registry = createLocalRegistry({ root, actor: "writer" });
    await registry.createVersion("risk", { artifacts: { entries: [{ path: "model.bin", content: "one" }] } });
    const before = await registry.listAuditEvents().toArray();
    const log = join(root, "audit", "audit.jsonl");
    const next = `${JSON.stringify({ ...before.at(-1), id: "appended-later", type: "approval.recorded" })}\n`;
    await writeFile(log, next.slice(0, 50), { flag: "a" });
    expect(await registry.listAuditEvents().toArray()).toEqual(before);
    await writeFile(log, next.slice(50), { flag: "a" });
    expect((await registry.listAuditEvents().toArray()).map((e) => e.id)).toEqual([...before.map((e) => e.id), "appended-later"]);
  });
});
