// Interrupt a sync at a random byte, then run it again: the job finishes with no duplicate and no half-copied version.
// Set MODELREG_SYNC_SEED to replay one case; the seed is in every test name.
import { describe, expect, it } from "vitest";
import { AbortedError, type ModelRegistry } from "modelreg";
import { SYNC_TAGS, syncRegistries } from "modelreg/sync";
import { cuttingSource, expectSameFiles, prng, randomBytes, rejectionOf, seedVersion, twoRegistries, wrap } from "./support/helpers.js";

const base = process.env.MODELREG_SYNC_SEED ? Number(process.env.MODELREG_SYNC_SEED) : Date.now() % 1_000_000;
const seeds = process.env.MODELREG_SYNC_SEED ? [base] : [base, base + 1, base + 2, base + 3];

/** Three versions of two or three files each, sizes drawn from the seed; returns the total byte count. */
async function seed(source: ModelRegistry, random: () => number): Promise<number> {
  let total = 0;
  for (let v = 0; v < 3; v++) {
    const files: Record<string, Uint8Array> = {};
    const count = 2 + Math.floor(random() * 2);
    for (let f = 0; f < count; f++) {
      const bytes = randomBytes(random, 1 + Math.floor(random() * 200_000));
      files[`part-${f}.bin`] = bytes;
      total += bytes.byteLength;
    }
    await seedVersion(source, "fraud", files, { aliases: v === 1 ? ["champion"] : [] });
  }
  return total;
}

/** What a target must look like at any moment: every version whole, none twice. */
async function expectConsistent(source: ModelRegistry, target: ModelRegistry): Promise<string[]> {
  const copies = await target
    .listVersions("fraud")
    .toArray()
    .catch(() => []);
  const origins = copies.map((c) => c.tags[SYNC_TAGS.version] as string);
  expect(new Set(origins).size, `duplicate copies: ${origins.join(",")}`).toBe(origins.length);
  for (const copy of copies) await expectSameFiles(source, `fraud/${copy.tags[SYNC_TAGS.version]}`, target, { model: "fraud", version: copy.version });
  return origins;
}

async function expectFinished(source: ModelRegistry, target: ModelRegistry): Promise<void> {
  expect((await expectConsistent(source, target)).sort()).toEqual(["1", "2", "3"]);
  const champion = await target.resolveAlias("fraud", "champion");
  expect((await target.getVersion({ model: "fraud", version: champion })).tags[SYNC_TAGS.version]).toBe("2");
}

describe("interrupted sync", () => {
  for (const s of seeds) {
    it(`a stream cut at a random byte, then a rerun, finishes the job (seed ${s})`, async () => {
      const random = prng(s);
      const { source, target } = await twoRegistries();
      const total = await seed(source, random);
      const cutAt = 1 + Math.floor(random() * (total - 1));
      const { registry: cutting, state } = cuttingSource(source, cutAt);

      const first = await syncRegistries({ source: cutting, target, models: ["fraud"], concurrency: 1 });
      expect(state.cut, `cut at byte ${cutAt} of ${total}`).toBe(true);
      expect(first.counts.failed, `cut at byte ${cutAt} of ${total}`).toBeGreaterThanOrEqual(1);
      const partial = await expectConsistent(source, target);
      expect(partial.length).toBe(first.counts.created);

      const second = await syncRegistries({ source, target, models: ["fraud"] });
      expect(second.counts.failed).toBe(0);
      expect(second.counts.created).toBe(3 - partial.length);
      await expectFinished(source, target);
      expect((await syncRegistries({ source, target, models: ["fraud"] })).counts.skipped).toBe(3);
    });

    it(`an abort signal fired after a random number of bytes, then a rerun, finishes the job (seed ${s})`, async () => {
      const random = prng(s * 31 + 1);
      const { source, target } = await twoRegistries();
      const total = await seed(source, random);
      const abortAt = 1 + Math.floor(random() * (total - 1));
      const controller = new AbortController();
      let moved = 0;
      const done = new Map<string, number>();
      const error = await rejectionOf(
        syncRegistries({
          source,
          target,
          models: ["fraud"],
          concurrency: 1,
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type !== "bytes") return;
            done.set(e.version, e.bytes);
            moved = [...done.values()].reduce((a, b) => a + b, 0);
            if (moved >= abortAt) controller.abort(new Error(`killed at byte ${moved}`));
          },
        }),
      );
      expect(AbortedError.isInstance(error), `abort at byte ${abortAt} of ${total}: ${String(error)}`).toBe(true);
      await expectConsistent(source, target);

      await syncRegistries({ source, target, models: ["fraud"] });
      await expectFinished(source, target);
    });
  }

  it("a crash after the copy but before its alias is finished by the next run as an update", async () => {
    const { source, target } = await twoRegistries();
    await seed(source, prng(base));
    let failures = 1;
    const flaky = wrap(target, {
      setAlias: async (model: string, alias: string, version: string) => {
        if (failures-- > 0) throw new Error("process killed");
        return target.setAlias(model, alias, version);
      },
    });
    const first = await syncRegistries({ source, target: flaky, models: ["fraud"] });
    expect(first.counts).toMatchObject({ created: 2, failed: 1 });
    expect(first.failures[0]?.version).toBe("2");
    expect(first.results[1]?.targetVersion).toBeDefined();

    const plan = (await syncRegistries({ source, target, models: ["fraud"], dryRun: true })).plan;
    expect(plan.items.map((i) => i.action)).toEqual(["skip", "update", "skip"]);
    await syncRegistries({ source, target, models: ["fraud"] });
    await expectFinished(source, target);
  });
});
