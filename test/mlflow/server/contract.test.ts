import { inject } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { runRegistryContract } from "modelreg/testing";

for (const server of inject("mlflowServers")) {
  runRegistryContract(`mlflow ${server.version}`, () => createMlflowRegistry({ trackingUri: server.url, actor: "contract" }), { modelPrefix: "contract" });
}
