// Issue 13: the local registry under kill -9. A writer process runs a seeded random sequence of creates (1-8 MiB),
// alias moves, stage moves with archiveExisting, approvals, recorded events and metadata updates on one registry; the
// parent kills it with SIGKILL at a seeded moment. After every kill the next process, before it writes anything,
// checks what the dead one left (test/local/support/kill-check.ts says what must hold), then creates a version of the
// model the dead writer was working on (whose lock it may have held) and times it. Anomalies are collected per kind,
// each counted once however many later checks still see it, and the test fails if there is any.
//
// MODELREG_KILL_COUNT=<n> sets the number of kills (default 24), MODELREG_KILL_SEED=<n> replays a run: the same ops,
// the same bytes and the same kill schedule (which op, and how far into it). Where exactly a kill lands inside a call
// still depends on timing, so a replay hits the same call, not always the same instruction.
import { spawn } from "node:child_process";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { CorruptDataError } from "modelreg";
import { childScript } from "../support/child-script.js";
import { prng } from "../support/prng.js";
import { ANOMALY_KINDS, checkAfterKill, type Anomaly, type CheckReport } from "./support/kill-check.js";
import { OPS_PER_WRITER, appendJournal, artifactBytes, journalPaths, roundSeed, sha256Hex } from "./support/kill-plan.js";
import { rejectionOf, tempDir } from "./support/helpers.js";

const KILLS = Number(process.env.MODELREG_KILL_COUNT ?? 24);
const SEED = Number(process.env.MODELREG_KILL_SEED ?? 1313);
const writerScript = childScript(new URL("./support/kill-writer.ts", import.meta.url));

/**
 * How far into an op the kill may land, in ms: about how long each call takes on a 2-core CI machine (a create moves
 * megabytes, a stage move with archiveExisting reads every version, the others touch one or two small records), so
 * most kills land inside the call they aim at and the rest early in the next.
 */
const KILL_WINDOW_MS: Record<string, number> = {
  createVersion: 80,
  toStaging: 15,
  toProduction: 15,
  approve: 15,
  updateVersion: 10,
  setAlias: 6,
  deleteAlias: 4,
  recordEvent: 3,
};
const DEFAULT_WINDOW_MS = 5;

interface RoundOutcome {
  /** What the process reported about the previous kill, if it checked. */
  check?: CheckReport;
  /** The op the SIGKILL was aimed at. */
  killedDuring?: string;
  killed: boolean;
  /** The model of the last op the writer started before it was killed. */
  lastModel?: string;
  /** Anomalies seen from outside: the writer's own failed calls, or its death by something else than our kill. */
  anomalies: Anomaly[];
}

/** Runs one writer process: checks (unless first), writes, and is killed during op `target` after `fraction` of its window. */
function runRound(writer: string, root: string, workDir: string, round: number, mode: string, probeModel: string | undefined): Promise<RoundOutcome> {
  const seed = roundSeed(SEED, round);
  const schedule = prng(seed ^ 0x5eed);
  const target = Math.floor(schedule() * OPS_PER_WRITER);
  const fraction = schedule();
  const outcome: RoundOutcome = { killed: false, anomalies: [] };
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [writer, root, workDir, String(seed), String(round), mode, ...(probeModel ? [probeModel] : [])], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      outcome.killed = proc.kill("SIGKILL");
    };
    // A writer that hangs must not hang the suite: the longest honest round is a check plus twelve small ops.
    const guard = setTimeout(() => {
      outcome.anomalies.push({ kind: "writer-crashed", detail: `round ${round}: still running after 120 s (${mode})` });
      kill();
    }, 120_000);
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      let newline: number;
      while ((newline = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, newline);
        out = out.slice(newline + 1);
        const [word, index, kind, model] = line.split(" ");
        // Lines printed before the signal landed count too: the op they announce had begun.
        if (word === "op") outcome.lastModel = model;
        if (word === "check") outcome.check = JSON.parse(line.slice("check ".length)) as CheckReport;
        else if (word === "fail") outcome.anomalies.push({ kind: "write-failed", detail: `round ${round}: op ${line.slice(5)}` });
        else if (word === "op" && Number(index) === target && killTimer === undefined) {
          outcome.killedDuring = kind;
          killTimer = setTimeout(kill, fraction * (KILL_WINDOW_MS[kind ?? ""] ?? DEFAULT_WINDOW_MS));
        } else if (word === "idle") kill();
      }
    });
    proc.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      const expectedExit = mode === "check" ? code === 0 : signal === "SIGKILL" && outcome.killed;
      if (!expectedExit)
        outcome.anomalies.push({
          kind: "writer-crashed",
          detail: `round ${round} (${mode}) exited with code ${code}, signal ${signal}: ${err.trim().split("\n").slice(-5).join(" | ")}`,
        });
      if (mode.includes("check") && !outcome.check) outcome.anomalies.push({ kind: "writer-crashed", detail: `round ${round}: no check report` });
      resolve(outcome);
    });
  });
}

describe("the local registry under kill -9", () => {
  it(`keeps its invariants through ${KILLS} SIGKILLs of a writer at random moments (seed ${SEED})`, async () => {
    const workDir = await tempDir("modelreg-kill-");
    const root = join(workDir, "registry");
    const started = Date.now();
    const anomalies: Anomaly[] = [];
    const seen = new Set<string>();
    const killedDuring = new Map<string, number>();
    let kills = 0;
    let lastModel: string | undefined;
    let previousKill: string | undefined;
    let versionsVerified = 0;
    let versionsListed = 0;
    let slowestFirstWrite = 0;
    console.log(`kill harness: seed ${SEED}, ${KILLS} kills (replay with MODELREG_KILL_SEED=${SEED} MODELREG_KILL_COUNT=${KILLS})`);
    for (let round = 0; round <= KILLS; round++) {
      const mode = round === KILLS ? "check" : round === 0 ? "write" : "check+write";
      const roundStarted = Date.now();
      const outcome = await runRound(await writerScript, root, workDir, round, mode, lastModel);
      lastModel = outcome.lastModel;
      if (outcome.killed) {
        kills++;
        killedDuring.set(outcome.killedDuring ?? "?", (killedDuring.get(outcome.killedDuring ?? "?") ?? 0) + 1);
      }
      const check = outcome.check;
      if (check) {
        versionsVerified += check.versionsVerified;
        versionsListed = check.versionsListed;
        slowestFirstWrite = Math.max(slowestFirstWrite, check.firstWriteMs);
      }
      // A damaged state stays damaged until something overwrites it: count each anomaly once, when first seen.
      const found: string[] = [];
      // The anomalies found now were left by the previous round's kill.
      for (const a of [...(check?.anomalies ?? []), ...outcome.anomalies]) {
        const key = `${a.kind}|${a.detail.replace(/^after-kill-[0-9]+: /, "")}`;
        if (seen.has(key)) continue;
        seen.add(key);
        anomalies.push(a);
        found.push(a.kind);
      }
      console.log(
        `  round ${round} (seed ${roundSeed(SEED, round)}, ${Date.now() - roundStarted} ms): ${check ? `checked kill ${round} (during ${previousKill}): ${check.versionsListed} versions, ${check.versionsVerified} hashed, first write ${check.firstWriteMs} ms, ` : ""}` +
          `${outcome.killed ? `killed during ${outcome.killedDuring}` : "not killed"}${found.length > 0 ? `; new anomalies: ${[...new Set(found)].map((k) => `${k} ${found.filter((f) => f === k).length}`).join(", ")}` : ""}`,
      );
      previousKill = outcome.killedDuring;
    }

    const counts = Object.fromEntries(ANOMALY_KINDS.map((kind) => [kind, anomalies.filter((a) => a.kind === kind).length]).filter(([, n]) => n !== 0));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `kill harness summary: seed ${SEED}, ${kills} kills (during ${[...killedDuring].map(([k, n]) => `${k} ${n}`).join(", ")}), ` +
        `${versionsVerified} versions verified byte for byte, ${versionsListed} versions at the end, slowest first write after a kill ${slowestFirstWrite} ms, ${seconds} s; ` +
        `distinct anomalies: ${
          anomalies.length === 0
            ? "none"
            : Object.entries(counts)
                .map(([k, n]) => `${k}=${n}`)
                .join(", ")
        }`,
    );
    for (const kind of Object.keys(counts)) {
      for (const a of anomalies.filter((x) => x.kind === kind).slice(0, 3)) console.log(`  ${kind}: ${a.detail}`);
    }

    expect(kills, "every round but the last ends in a SIGKILL").toBe(KILLS);
    expect(versionsVerified, "the harness read some versions back").toBeGreaterThan(0);
    expect(counts, `anomalies after ${kills} kills (seed ${SEED}; details above)`).toEqual({});
  }, 600_000);
});

describe("a version record that claims another number", () => {
  async function twoVersions() {
    const workDir = await tempDir("modelreg-claim-");
    const root = join(workDir, "registry");
    const registry = createLocalRegistry({ root, actor: "tester" });
    await registry.createVersion("alpha", { artifacts: { entries: [{ path: "model.bin", content: "one" }] } });
    await registry.createVersion("alpha", { artifacts: { entries: [{ path: "model.bin", content: "two" }] } });
    const file = join(root, "models", "alpha", "versions", "2.json");
    const record = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, `${JSON.stringify({ ...record, version: "1" }, null, 2)}\n`);
    return { root, workDir };
  }

  it("is refused with CorruptDataError naming the file, by getVersion and listVersions, never listed twice", async () => {
    const { root } = await twoVersions();
    const registry = createLocalRegistry({ root, actor: "reader" });
    const fromGet = await rejectionOf(registry.getVersion("alpha/2"));
    expect(CorruptDataError.isInstance(fromGet), String(fromGet)).toBe(true);
    expect((fromGet as Error).message).toContain("versions/2.json");
    const fromList = await rejectionOf(registry.listVersions("alpha").toArray());
    expect(CorruptDataError.isInstance(fromList), String(fromList)).toBe(true);
    expect((fromList as Error).message).toContain("versions/2.json");
    // The record that is where it claims to be still reads.
    expect((await registry.getVersion("alpha/1")).version).toBe("1");
  });

  it("is what the kill harness's checker reports as version-name-mismatch (so the harness can see it)", async () => {
    const { root, workDir } = await twoVersions();
    const report = await checkAfterKill({ root, workDir, label: "self-test", fullBytes: true, lockBudgetMs: 5_000, seed: 1, probeModels: ["alpha"] });
    expect(report.anomalies.map((a) => a.kind)).toContain("version-name-mismatch");
  });
});

describe("the kill harness's checker", () => {
  /** A registry made the way the writer makes one: two versions with their intents journaled, an alias, a stage. */
  async function wellFormed() {
    const workDir = await tempDir("modelreg-checker-");
    const root = join(workDir, "registry");
    const registry = createLocalRegistry({ root, actor: "tester" });
    const shas: string[] = [];
    for (const n of [1, 2]) {
      const bytes = artifactBytes(n, 4096);
      shas.push(sha256Hex(bytes));
      appendJournal(journalPaths(workDir).intents, {
        opId: `t.${n}`,
        model: "alpha",
        files: [{ path: "model.bin", sha256: sha256Hex(bytes), size: bytes.length }],
      });
      await registry.createVersion("alpha", { artifacts: { entries: [{ path: "model.bin", content: bytes }] } }, { actor: `t.${n}` });
    }
    await registry.setAlias("alpha", "champion", "1");
    await registry.transitionStage("alpha/1", "production", { archiveExisting: true });
    return { workDir, root, shas };
  }
  const check = (root: string, workDir: string) =>
    checkAfterKill({ root, workDir, label: "self-test", fullBytes: true, lockBudgetMs: 5_000, seed: 1, probeModels: ["alpha"] });
  async function editJson(file: string, edit: (json: Record<string, unknown>) => Record<string, unknown>) {
    await writeFile(file, `${JSON.stringify(edit(JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>), null, 2)}\n`);
  }

  it("finds nothing in a registry nobody killed", async () => {
    const { root, workDir } = await wellFormed();
    const report = await check(root, workDir);
    expect(report.anomalies).toEqual([]);
    expect(report.versionsVerified).toBe(2);
  });

  const tampering: Array<[string, (root: string, shas: string[]) => Promise<void>, string[]]> = [
    [
      "an alias pointing at a version that does not exist",
      (root) => editJson(join(root, "models", "alpha", "aliases.json"), () => ({ aliases: { champion: "9" } })),
      ["dangling-alias", "alias-audit-mismatch"],
    ],
    [
      "a second version in production",
      (root) => editJson(join(root, "models", "alpha", "versions", "2.json"), (v) => ({ ...v, stage: "production" })),
      ["multiple-production", "stage-audit-mismatch"],
    ],
    [
      "production archived without an event",
      (root) => editJson(join(root, "models", "alpha", "versions", "1.json"), (v) => ({ ...v, stage: "archived" })),
      ["production-vacated", "stage-audit-mismatch"],
    ],
    [
      "a blob whose bytes changed",
      async (root, shas) => {
        // Wherever the blob store keeps it, the file is named by its sha256.
        const blob = (await readdir(join(root, "blobs"), { recursive: true })).find((f) => f.endsWith(shas[1] as string));
        await writeFile(join(root, "blobs", blob as string), artifactBytes(99, 4096));
      },
      ["bytes-mismatch"],
    ],
    [
      "a version whose version.created line is gone",
      async (root) => {
        const log = join(root, "audit", "audit.jsonl");
        const lines = (await readFile(log, "utf8")).split("\n").filter((l) => !(l.includes('"version.created"') && l.includes('"version":"2"')));
        await writeFile(log, lines.join("\n"));
      },
      ["version-without-audit"],
    ],
  ];
  it.each(tampering)("reports %s", async (_name, tamper, kinds) => {
    const { root, workDir, shas } = await wellFormed();
    await tamper(root, shas);
    const found = new Set((await check(root, workDir)).anomalies.map((a) => a.kind));
    for (const kind of kinds) expect([...found]).toContain(kind);
  });
});
