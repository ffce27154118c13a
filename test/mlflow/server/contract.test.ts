import { inject } from "vitest";
import { createMlflowRegistry } from "../../../src/adapters/mlflow/index.js";
import { runRegistryContract } from "../../../src/testing/index.js";

for (const server of inject("mlflowServers")) {
  runRegistryContract(`mlflow ${server.version}`, () => createMlflowRegistry({ trackingUri: server.url, actor: "contract" }), { modelPrefix: "contract" });
}
