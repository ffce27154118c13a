/**
 * Contract: versions.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import { NotFoundError, UnsupportedCapabilityError } from "../core/errors.js";
import { expectError, oneFile, readAll, type ContractEnv } from "./contract-helpers.js";

/** Create with metadata, read by number, string and `latest`, list newest first across pages, update, delete. */
export function versionsContract(env: ContractEnv): void {
  describe("versions", () => {
    it(
      "creates a version with every kind of metadata and reads it back",
      async () => {
        const model = env.name("meta");
        const v = await env.registry.createVersion(model, {
          artifacts: oneFile(),
          description: "first",
          params: { lr: 0.01, depth: 6, balanced: true, optimizer: "adam" },
          metrics: { auc: 0.91, loss: 0.2 },
          tags: { team: "risk" },
          lineage: { codeCommit: "9f2c1e7", dataSnapshots: [{ uri: "s3://data/train", digest: "abc", role: "train" }], parentVersion: "fraud/1" },
          signature: { inputs: [{ name: "amount", type: "double" }], outputs: [{ name: "score", type: "double" }] },
          modelCard: { summary: "scores transactions", owners: ["risk-ml"] },
        });
        expect(v).toMatchObject({ model, description: "first", stage: "draft" });
        expect(v.version).toMatch(/^\d+$/);
        for (const got of [v, await env.registry.getVersion({ model, version: v.version }), await env.registry.getVersion(`${model}/${v.version}`)]) {
          expect(got.params).toEqual({ lr: "0.01", depth: "6", balanced: "true", optimizer: "adam" });
          expect(got.metrics).toEqual({ auc: 0.91, loss: 0.2 });
          expect(got.tags).toMatchObject({ team: "risk" });
          expect(got.lineage).toMatchObject({
            codeCommit: "9f2c1e7",
            dataSnapshots: [{ uri: "s3://data/train", digest: "abc", role: "train" }],
            parentVersion: "fraud/1",
          });
          expect(got.signature).toEqual({ inputs: [{ name: "amount", type: "double" }], outputs: [{ name: "score", type: "double" }] });
          expect(got.modelCard).toEqual({ summary: "scores transactions", owners: ["risk-ml"] });
          expect(got.createdAt).toBeInstanceOf(Date);
        }
      },
      env.timeoutMs,
    );

    it(
      "records who created a version, from the call's actor (approval policies need it: four eyes)",
      async () => {
        const model = env.name("creator");
        const v = await env.registry.createVersion(model, { artifacts: oneFile() }, { actor: "contract-creator" });
        expect(v.createdBy).toBe("contract-creator");
        expect((await env.registry.getVersion(v)).createdBy).toBe("contract-creator");
      },
      env.timeoutMs,
    );

    it(
      "numbers versions consecutively (from 1, or from 0 where the provider does, like W&B), newest first across pages, and resolves latest",
      async () => {
        const model = env.name("numbers");
        const made: string[] = [];
        for (let i = 0; i < 5; i++) made.push((await env.registry.createVersion(model, { artifacts: oneFile(`v${i}`) })).version);
        const first = Number(made[0]);
        expect([0, 1]).toContain(first);
        expect(made).toEqual([0, 1, 2, 3, 4].map((i) => String(first + i)));
        const pages: string[][] = [];
        for await (const page of env.registry.listVersions(model, { pageSize: 2 }).pages()) pages.push(page.items.map((v) => v.version));
        expect(pages.length).toBeGreaterThan(1);
        expect(pages.flat()).toEqual([...made].reverse());
        expect((await env.registry.getVersion({ model, alias: "latest" })).version).toBe(made[4]);
        expect((await env.registry.getVersion(`${model}@latest`)).version).toBe(made[4]);
      },
      env.timeoutMs * 2,
    );

    it(
      "updates metadata but never the files",
      async () => {
        const model = env.name("immutable");
        const v = await env.registry.createVersion(model, { artifacts: oneFile("original"), tags: { keep: "1", drop: "2" }, metrics: { auc: 0.8 } });
        const before = await env.registry.listArtifacts(v);
        const updated = await env.registry.updateVersion(v, {
          description: "re-evaluated",
          tags: { drop: null, added: "3" },
          modelCard: { summary: "now with a card" },
          ...(env.registry.capabilities.updateMetrics && { metrics: { auc_holdout: 0.79 } }),
        });
        expect(updated.description).toBe("re-evaluated");
        expect(updated.tags).toMatchObject({ keep: "1", added: "3" });
        expect(updated.tags.drop).toBeUndefined();
        expect(updated.modelCard?.summary).toBe("now with a card");
        if (env.registry.capabilities.updateMetrics) expect(updated.metrics).toMatchObject({ auc: 0.8, auc_holdout: 0.79 });
        expect(await env.registry.listArtifacts(v)).toEqual(before);
        const { stream } = await env.registry.openArtifact(v, "model.bin");
        expect(new TextDecoder().decode(await readAll(stream))).toBe("original");
        // The interface has no way to replace files: the type offers none and a patch with artifacts changes nothing.
        await env.registry.updateVersion(v, { artifacts: oneFile("replaced") } as never).catch(() => undefined);
        expect(new TextDecoder().decode(await readAll((await env.registry.openArtifact(v, "model.bin")).stream))).toBe("original");
      },
      env.timeoutMs,
    );

    it(
      "filters versions by tag",
      async () => {
        const model = env.name("tagfilter");
        await env.registry.createVersion(model, { artifacts: oneFile("a"), tags: { kind: "a" } });
        const b = await env.registry.createVersion(model, { artifacts: oneFile("b"), tags: { kind: "b" } });
        expect((await env.registry.listVersions(model, { tags: { kind: "b" } }).toArray()).map((v) => v.version)).toEqual([b.version]);
      },
      env.timeoutMs,
    );

    it(
      "refuses to create a version of a missing model when createModel is false",
      async () => {
        const model = env.name("nomodel");
        await expectError(env.registry.createVersion(model, { artifacts: oneFile(), createModel: false }), NotFoundError);
        await expectError(env.registry.getModel(model), NotFoundError);
      },
      env.timeoutMs,
    );

    it(
      "returns the same version for a retried create with the same idempotency key",
      async () => {
        const model = env.name("idem");
        const first = await env.registry.createVersion(model, { artifacts: oneFile(), idempotencyKey: "train-run-42" });
        const again = await env.registry.createVersion(model, { artifacts: oneFile(), idempotencyKey: "train-run-42" });
        if (env.registry.capabilities.idempotentCreate) {
          expect(again.version).toBe(first.version);
          expect(await env.registry.listVersions(model).toArray()).toHaveLength(1);
        } else {
          expect(again.version).not.toBe(first.version);
        }
      },
      env.timeoutMs,
    );

    it(
      "deletes a version and the aliases on it (or says it cannot)",
      async () => {
        const model = env.name("delversion");
        const v1 = await env.registry.createVersion(model, { artifacts: oneFile("1") });
        const v2 = await env.registry.createVersion(model, { artifacts: oneFile("2"), aliases: ["doomed"] });
        if (!env.registry.capabilities.deleteVersion) {
          await expectError(env.registry.deleteVersion(v2), UnsupportedCapabilityError);
          return;
        }
        await env.registry.deleteVersion(v2);
        await expectError(env.registry.getVersion(v2), NotFoundError);
        await expectError(env.registry.resolveAlias(model, "doomed"), NotFoundError);
        expect((await env.registry.listVersions(model).toArray()).map((v) => v.version)).toEqual([v1.version]);
      },
      env.timeoutMs,
    );
  });
}
