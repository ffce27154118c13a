// What users reached for and did not find: approvals as a typed field on every version, listing ordered by a
// metric, and error kinds TypeScript can check a switch against.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { createLocalRegistry, type LocalRegistry } from "modelreg/local";
import * as modelreg from "modelreg";
import { APPROVALS_TAG, CorruptDataError, InvalidInputError, ModelRegistryError, approve, promote, type ModelRegistryErrorKind } from "modelreg";

let root: string;
let registry: LocalRegistry;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "modelreg-gaps-"));
  registry = createLocalRegistry({ root, actor: "creator" });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const version = (n: number, metrics: Record<string, number>) =>
  registry.createVersion("fraud", { artifacts: { entries: [{ path: "m.bin", content: `v${n}` }] }, metrics });

describe("ModelVersion.approvals", () => {
  it("is [] on a new version and lists each approval, typed, from every read and write", async () => {
    const created = await version(1, { auc: 0.9 });
    expect(created.approvals).toEqual([]);
    await approve(registry, "fraud/1", { by: "alice", role: "risk", comment: "backtest ok" });
    await approve(registry, "fraud/1", { by: "bob", role: "ml" });
    const read = await registry.getVersion("fraud/1");
    expect(read.approvals?.map((a) => [a.by, a.role])).toEqual([
      ["alice", "risk"],
      ["bob", "ml"],
    ]);
    expect(read.approvals?.[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const [listed] = await registry.listVersions("fraud").toArray();
    expect(listed?.approvals).toEqual(read.approvals);
    const updated = await registry.updateVersion("fraud/1", { description: "x" });
    expect(updated.approvals).toEqual(read.approvals);
    // The tag stays, so approvals travel with the version wherever it is copied.
    expect(JSON.parse(read.tags[APPROVALS_TAG] as string)).toEqual(read.approvals);
  });

  it("reads an unreadable tag as [] on the version, while promote refuses it", async () => {
    await version(1, { auc: 0.9 });
    await registry.updateVersion("fraud/1", { tags: { [APPROVALS_TAG]: '[{"who":"mallory"}]' } });
    expect((await registry.getVersion("fraud/1")).approvals).toEqual([]);
    await expect(promote(registry, "fraud/1", { to: "staging" })).rejects.toThrow(CorruptDataError);
  });
});

describe("listVersions orderBy a metric", () => {
  it("orders best first by default, lowest first with asc, versions without the metric last, in pages", async () => {
    await version(1, { auc: 0.91, loss: 0.3 });
    await version(2, { auc: 0.95, loss: 0.2 });
    await version(3, { loss: 0.1 });
    await version(4, { auc: 0.93, loss: 0.25 });
    await version(5, { auc: 0.93, loss: 0.4 });
    const order = async (options: modelreg.ListVersionsOptions) => (await registry.listVersions("fraud", options).toArray()).map((v) => v.version);
    expect(await order({ orderBy: { metric: "auc" } })).toEqual(["2", "5", "4", "1", "3"]);
    expect(await order({ orderBy: { metric: "auc", direction: "asc" } })).toEqual(["1", "5", "4", "2", "3"]);
    expect(await order({ orderBy: { metric: "loss", direction: "asc" } })).toEqual(["3", "2", "4", "1", "5"]);
    const pages: string[][] = [];
    for await (const page of registry.listVersions("fraud", { orderBy: { metric: "auc" }, pageSize: 2 }).pages()) pages.push(page.items.map((v) => v.version));
    expect(pages).toEqual([["2", "5"], ["4", "1"], ["3"]]);
    // Filters apply before the order.
    await registry.transitionStage("fraud/1", "staging");
    await registry.transitionStage("fraud/4", "staging");
    expect(await order({ stage: "staging", orderBy: { metric: "auc" } })).toEqual(["4", "1"]);
  });

  it("refuses a bad orderBy, and a pageToken with it, before any read", async () => {
    for (const orderBy of [{}, { metric: "" }, { metric: "auc", direction: "up" }, "auc"]) {
      expect(() => registry.listVersions("fraud", { orderBy } as never), JSON.stringify(orderBy)).toThrow(InvalidInputError);
    }
    expect(() => registry.listVersions("fraud", { orderBy: { metric: "auc" }, pageToken: "2" })).toThrow(/takes no pageToken/);
  });
});

describe("ModelRegistryError.kind", () => {
  it("is a union of every error class's name, and each error carries its own", () => {
    expectTypeOf<ModelRegistryError["kind"]>().toEqualTypeOf<ModelRegistryErrorKind>();
    expectTypeOf<"NotFoundError">().toExtend<ModelRegistryErrorKind>();
    expectTypeOf<"NoSuchError">().not.toExtend<ModelRegistryErrorKind>();
    const classes = Object.values(modelreg).filter(
      (value): value is typeof ModelRegistryError =>
        typeof value === "function" && (value === ModelRegistryError || value.prototype instanceof ModelRegistryError),
    );
    expect(classes.length).toBeGreaterThanOrEqual(15);
    for (const ErrorClass of classes) {
      const error = new (ErrorClass as new (message: string, options: object) => ModelRegistryError)("x", { provider: "core", operation: "t", code: "EIO" });
      expect(error.kind).toBe(ErrorClass.errorName);
      expect(error.name).toBe(error.kind);
    }
  });
});
