// FAILING ON PURPOSE (reported, not committed): a model whose name Azure ML refuses ("fraud.v2": Azure allows no '.')
// aborts the whole sync, so a valid model beside it is not copied either. planSync's listOrEmpty (src/sync/sync-plan.ts)
// treats only NotFoundError from target.listVersions as "no copy yet"; the adapter's InvalidInputError (field "model",
// from checkModelName) escapes planSync and syncRegistries throws before any version moves.
import { expect, it } from "vitest";
import { syncRegistries } from "modelreg/sync";
import { freshRegistry } from "../local/support/helpers.js";
import { seedVersion } from "../sync/support/helpers.js";
import { useAzureFakes } from "./support/setup.js";

const fakes = useAzureFakes();

it("a model name Azure ML refuses fails that model's versions, not the whole sync", async () => {
  const { registry: local } = await freshRegistry({ actor: "source" });
  await seedVersion(local, "ok-model", { "m.bin": "x" });
  await seedVersion(local, "fraud.v2", { "m.bin": "y" });
  const report = await syncRegistries({ source: local, target: fakes.workspace(), models: ["ok-model", "fraud.v2"] });
  expect(report.counts).toMatchObject({ created: 1, failed: 1 });
  expect(report.failures.map((f) => [f.model, f.error.name, f.error.provider])).toEqual([["fraud.v2", "InvalidInputError", "azureml"]]);
  expect(report.failures[0]?.error.message).toMatch(/no '\.'/);
  expect([...(fakes.arm.state.workspace?.containers.keys() ?? [])]).toEqual(["ok-model"]);
});
