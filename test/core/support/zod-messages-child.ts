// Run as a child process (test/core/zod-mini.test.ts): parses bad input with the MLflow and local schemas in a
// process where nothing else loads zod, and prints the messages, so zod classic's English locale cannot stand in for
// the one the zod/mini schemas must register themselves.
import { mlflowCreateVersionOptionsSchema } from "../../../src/adapters/mlflow/mlflow-options.js";
import { modelVersionResponse } from "../../../src/adapters/mlflow/mlflow-api.js";
import { localSchemas } from "../../../src/adapters/local/local-schemas.js";

const message = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) => result.error?.issues[0]?.message;

console.log(
  JSON.stringify({
    mlflowResponse: message(modelVersionResponse().safeParse({ model_version: { name: "m", version: 3 } })),
    mlflowOptions: message(mlflowCreateVersionOptionsSchema().safeParse({ pyfunc: { loaderModule: "1x" } })),
    localModel: message(localSchemas().model.safeParse({ name: "m", tags: {}, createdAt: "2024-01-01", updatedAt: "2024-01-01", lastVersion: -1 })),
    localFile: message(localSchemas().version.safeParse({ stage: "gone" })),
  }),
);
