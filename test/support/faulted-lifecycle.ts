// The scripted lifecycle the fault tests run through a faulting proxy: models, versions with artifacts from 1 KiB up,
// aliases, stage moves, a promotion, a rollback and a sync to a local registry. It records what it did; `checkLifecycle`
// then reads the registry through a clean connection and compares.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { once } from "node:events";
import type { ModelRegistry } from "../../src/core/model-registry.js";
import type { Stage } from "../../src/core/types.js";
import { metricGate, promote, rollback } from "../../src/lifecycle/index.js";
import { syncRegistries } from "../../src/sync/index.js";

/** The artifact sizes the script cycles through: 1 KiB to 64 MiB, each step four times the last. */
export const SIZE_LADDER = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536].map((k) => k * 1024);

/** What the script made, to check against. */
export interface LifecycleRecord {
  models: Array<{
    name: string;
    /** Version ids in creation order, with the sha256 of each file. */
    versions: Array<{ version: string; k: number; files: Record<string, string> }>;
    /** Alias to the script's version number `k` it ends on. */
    aliases: Record<string, number>;
    /** Stage of each version, by `k`. */
    stages: Record<number, Stage>;
  }>;
  /** Bytes of artifacts uploaded. */
  bytes: number;
}

/** Settings for {@link runLifecycle}. */
export interface LifecycleOptions {
  /** The registry under test, reached through the fault proxy. */
  registry: ModelRegistry;
  /** A local registry the models are synced into at the end. */
  syncTarget?: ModelRegistry;
  /** Model name prefix; three models get `-a`, `-b`, `-c`. */
  prefix: string;
  /** A temp directory for the generated artifacts. */
  workDir: string;
  /** Versions per model. Default 10. */
  versionsPerModel?: number;
  /** Sizes to cycle through. Default {@link SIZE_LADDER}; the two largest are used once each per run. */
  sizes?: readonly number[];
  /** Whether the provider has stages. Default true. */
  stages?: boolean;
}

async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path);
  let left = size;
  while (left > 0) {
    const chunk = randomBytes(Math.min(left, 1024 * 1024));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return hash.digest("hex");
}

/** The sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The sha256 of every file below a directory, by `/`-separated relative path. */
export async function digestTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if ((await stat(full)).isFile()) out[relative(dir, full).split("\\").join("/")] = await sha256File(full);
    }
  };
  await walk(dir);
  return out;
}

/** Runs the script. Models run side by side; each model's steps run in order. */
export async function runLifecycle(options: LifecycleOptions): Promise<LifecycleRecord> {
  const { registry, prefix, workDir } = options;
  const perModel = options.versionsPerModel ?? 10;
  const sizes = options.sizes ?? SIZE_LADDER;
  const withStages = options.stages ?? true;
  const record: LifecycleRecord = { models: [], bytes: 0 };
  const big = new Set([sizes.length - 1, sizes.length - 2]);
  const sizeFor = (n: number) => {
    const step = n % sizes.length;
    // The largest sizes once each: the range is covered without the run being all 64 MiB uploads.
    return n >= sizes.length && big.has(step) ? (sizes[Math.min(5, sizes.length - 1)] ?? 1024) : (sizes[step] ?? 1024);
  };

  const names = ["a", "b", "c"].map((s) => `${prefix}-${s}`);
  await Promise.all(
    names.map(async (name, m) => {
      const entry: LifecycleRecord["models"][number] = { name, versions: [], aliases: {}, stages: {} };
      record.models.push(entry);
      // Where models exist only with a version (Vertex, W&B), the first createVersion makes it.
      if (registry.capabilities.emptyModels) await registry.createModel({ name, description: `fault test model ${name}`, tags: { suite: "faults" } });
      for (let k = 0; k < perModel; k++) {
        const n = m * perModel + k;
        const dir = join(workDir, name, String(k));
        await mkdir(join(dir, "meta"), { recursive: true });
        const size = sizeFor(n);
        const weights = await writeRandomFile(join(dir, "model.bin"), size);
        const meta = await writeRandomFile(join(dir, "meta", "info.bin"), 100 + k);
        record.bytes += size + 100 + k;
        const v = await registry.createVersion(name, {
          artifacts: { directory: dir },
          description: `version ${k} of ${name}`,
          params: { k, size },
          metrics: { auc: 0.5 + k / 100 },
          tags: { "script.k": String(k) },
          lineage: { codeCommit: `c0ffee${k}` },
        });
        entry.versions.push({ version: v.version, k, files: { "model.bin": weights, "meta/info.bin": meta } });
      }
      const v = (k: number) => entry.versions[k]?.version ?? "";
      await registry.setAlias(name, "champion", v(2));
      await registry.setAlias(name, "challenger", v(perModel - 1));
      await registry.setAlias(name, "temp", v(0));
      await registry.setAlias(name, "champion", v(6));
      await registry.deleteAlias(name, "temp");
      entry.aliases = { champion: 6, challenger: perModel - 1 };
      if (withStages) {
        await registry.transitionStage({ model: name, version: v(1) }, "staging", { archiveExisting: false });
        await registry.transitionStage({ model: name, version: v(4) }, "staging", { archiveExisting: false });
        await registry.transitionStage({ model: name, version: v(4) }, "production", { archiveExisting: false });
        // The promotion archives v4 (default for production); the rollback brings v4 back and archives v7.
        await promote(registry, { model: name, version: v(7) }, { to: "production", policy: false, gates: [metricGate("auc >= 0.5")] });
        const back = await rollback(registry, name, { stage: "production" });
        if (back.to !== v(4) || back.from !== v(7)) throw new Error(`rollback of ${name} went ${back.from} -> ${back.to}, expected ${v(7)} -> ${v(4)}`);
        entry.stages = { 1: "staging", 4: "production", 7: "archived" };
      }
    }),
  );
  record.models.sort((a, b) => a.name.localeCompare(b.name));
  if (options.syncTarget) {
    const report = await syncRegistries({ source: registry, target: options.syncTarget, models: names, concurrency: 3 });
    if (report.failures.length > 0) throw new Error(`sync failed: ${report.failures.map((f) => `${f.model}/${f.version}: ${f.error.message}`).join("; ")}`);
  }
  return record;
}

/**
 * What {@link checkLifecycle} found wrong; empty when the registry holds exactly what the script made. Versions are
 * matched by the script's `script.k` tag, so a sync target, which numbers its copies itself, is checked the same way.
 */
export async function checkLifecycle(registry: ModelRegistry, record: LifecycleRecord, workDir: string, options: { stages?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  for (const model of record.models) {
    const byK = new Map<number, string>();
    for await (const v of registry.listVersions(model.name)) {
      const k = Number(v.tags["script.k"]);
      if (!model.versions.some((w) => w.k === k)) problems.push(`${model.name}/${v.version}: not made by the script (script.k ${v.tags["script.k"]})`);
      else if (byK.has(k)) problems.push(`${model.name}: versions ${byK.get(k)} and ${v.version} are both k=${k} (duplicated)`);
      else byK.set(k, v.version);
      if (options.stages !== false && v.stage !== (model.stages[k] ?? "draft"))
        problems.push(`${model.name}/${v.version} (k=${k}): stage ${v.stage}, expected ${model.stages[k] ?? "draft"}`);
    }
    for (const want of model.versions) {
      const version = byK.get(want.k);
      if (version === undefined) {
        problems.push(`${model.name}: k=${want.k} is missing`);
        continue;
      }
      const out = join(workDir, "check", registry.provider, model.name, version);
      await registry.downloadArtifacts({ model: model.name, version }, out);
      const files = await digestTree(out);
      for (const [path, digest] of Object.entries(want.files)) {
        if (files[path] !== digest) problems.push(`${model.name}/${version}: ${path} ${files[path] ? "differs" : "is missing"}`);
      }
    }
    const aliases = Object.fromEntries((await registry.listAliases(model.name)).map((a) => [a.alias, a.version]));
    for (const [alias, k] of Object.entries(model.aliases)) {
      if (aliases[alias] !== byK.get(k)) problems.push(`${model.name}: alias ${alias} on ${aliases[alias] ?? "nothing"}, expected ${byK.get(k)} (k=${k})`);
    }
    if (aliases.temp !== undefined) problems.push(`${model.name}: deleted alias temp is on ${aliases.temp}`);
  }
  return problems;
}
