// One writer process of the kill harness, killed with SIGKILL by the parent (test/local/local-kill.test.ts).
//
//   node --import tsx kill-writer.ts <root> <workDir> <seed> <round> <check|write|check+write> [model]
//
// check: first checks what the previous writer's death left (kill-check.ts) and prints `check <report as JSON>`. Its
// first write goes to `model`, the one the killed writer was working on (whose lock it may have held).
// write: then runs a seeded random sequence of ops on the registry, printing `op <i> <kind> <model>` before each call and
// `done <i>` after it, and `fail <i> <kind> <message>` when one throws; after the last op it idles until killed.
// Nothing it prints or journals depends on timing: the same seed and round make the same ops with the same bytes.
import { createLocalRegistry } from "../../../src/adapters/local/index.js";
import type { ModelVersion } from "../../../src/core/types.js";
import { approve } from "../../../src/lifecycle/approvals.js";
import { prng } from "../../support/prng.js";
import { checkAfterKill } from "./kill-check.js";
import { ALIASES, MODELS, OPS_PER_WRITER, appendJournal, artifactBytes, artifactSize, journalPaths, sha256Hex, type OpKind } from "./kill-plan.js";

const [root, workDir, seedText, roundText, mode, probeModel] = process.argv.slice(2);
if (!root || !workDir || !seedText || !roundText || !mode)
  throw new Error("usage: kill-writer <root> <workDir> <seed> <round> <check|write|check+write> [model]");
const seed = Number(seedText);
const round = Number(roundText);
const say = (line: string) => process.stdout.write(`${line}\n`);

if (mode.includes("check")) {
  const full = mode === "check";
  const report = await checkAfterKill({
    root,
    workDir,
    label: `after-kill-${round}`,
    probeModels: probeModel ? [probeModel] : [...MODELS],
    fullBytes: full,
    lockBudgetMs: Number(process.env.MODELREG_KILL_LOCK_BUDGET_MS ?? 5_000),
    seed: seed + round * 7919,
  });
  say(`check ${JSON.stringify(report)}`);
}
if (mode.includes("write")) await write();

/** Makes a create's files and journals their digests: the checker accepts a version only if it is one of these. */
function prepareCreate(model: string, opId: string, contentSeed: number, size: number) {
  const bytes = artifactBytes(contentSeed, size);
  const meta = Buffer.from(JSON.stringify({ opId }));
  appendJournal(journalPaths(workDir as string).intents, {
    opId,
    model,
    files: [
      { path: "model.bin", sha256: sha256Hex(bytes), size: bytes.length },
      { path: "meta.json", sha256: sha256Hex(meta), size: meta.length },
    ],
  });
  return [
    { path: "model.bin", content: bytes },
    { path: "meta.json", content: meta },
  ];
}

async function write(): Promise<never> {
  const registry = createLocalRegistry({ root: root as string, actor: `writer-${round}` });
  const journals = journalPaths(workDir as string);
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  for (let i = 0; i < OPS_PER_WRITER; i++) {
    const model = pick(MODELS);
    const opId = `w${round}.${i}`;
    // State is read before the op is chosen; this process is the only writer, so it stays true until the op.
    const versions: ModelVersion[] = await registry
      .listVersions(model)
      .toArray()
      .catch(() => []);
    const roll = random();
    const kind: OpKind =
      versions.length === 0 || roll < 0.22
        ? "createVersion"
        : roll < 0.38
          ? "setAlias"
          : roll < 0.46
            ? "deleteAlias"
            : roll < 0.58
              ? "toStaging"
              : roll < 0.74
                ? "toProduction"
                : roll < 0.84
                  ? "approve"
                  : roll < 0.92
                    ? "recordEvent"
                    : "updateVersion";
    // Drawn whatever the kind, so one op's choices never shift the next op's.
    const target = versions.length === 0 ? undefined : (pick(versions) as ModelVersion);
    const alias = pick(ALIASES);
    const size = artifactSize(random);
    const contentSeed = Math.floor(random() * 0x1_0000_0000);
    const reviewer = pick(["ana", "bo", "cy"]);
    // A create's bytes are made and journaled before the op is announced, so the kill window covers the call alone.
    const prepared = kind === "createVersion" ? prepareCreate(model, opId, contentSeed, size) : undefined;
    say(`op ${i} ${kind} ${model}`);
    try {
      const audited = await run(kind);
      appendJournal(journals.done, { opId, kind, model, ...(audited.version !== undefined && { version: audited.version }), audited: audited.changed });
      say(`done ${i}`);
    } catch (error) {
      say(`fail ${i} ${kind} ${(error instanceof Error ? `${error.name}: ${error.message}` : String(error)).replace(/\n/g, " ")}`);
    }

    async function run(op: OpKind): Promise<{ changed: boolean; version?: string }> {
      const actor = opId;
      const ref = { model, version: target?.version ?? "1" };
      switch (op) {
        case "createVersion": {
          const created = await registry.createVersion(model, { artifacts: { entries: prepared ?? [] }, tags: { op: opId } }, { actor });
          return { changed: true, version: created.version };
        }
        case "setAlias": {
          const { previous } = await registry.setAlias(model, alias, ref.version, { actor });
          return { changed: previous !== ref.version, version: ref.version };
        }
        case "deleteAlias": {
          const aliases = await registry.listAliases(model);
          const existing = aliases.find((a) => a.alias === alias) ?? aliases[0];
          if (!existing) return { changed: false };
          await registry.deleteAlias(model, existing.alias, { actor });
          return { changed: true, version: existing.version };
        }
        case "toStaging":
        case "toProduction": {
          const stage = op === "toStaging" ? "staging" : "production";
          const others = versions.filter((v) => v.stage === stage && v.version !== ref.version);
          await registry.transitionStage(ref, stage, { archiveExisting: true, actor });
          return { changed: target?.stage !== stage || others.length > 0, version: ref.version };
        }
        case "approve":
          await approve(registry, ref, { by: reviewer, role: "risk", actor });
          return { changed: true, version: ref.version };
        case "recordEvent":
          await registry.recordEvent({ type: "promotion.blocked", model, version: ref.version, details: { reason: "kill harness", op: opId } }, { actor });
          return { changed: true, version: ref.version };
        case "updateVersion":
          await registry.updateVersion(ref, { metrics: { step: i }, tags: { touched: opId } }, { actor });
          return { changed: true, version: ref.version };
      }
    }
  }
  say("idle");
  // Nothing more to do: wait for the SIGKILL.
  return new Promise<never>(() => setInterval(() => {}, 60_000));
}
