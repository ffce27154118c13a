// Models that MLflow's own Python loader can load: saved by Python and registered by modelreg, and registered by
// modelreg from plain files with an MLmodel it writes.
import { describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { InvalidInputError } from "modelreg";
import { PYTHON_TEST_TIMEOUT_MS, python, tempDir, unique } from "./support/helpers.js";

const servers = inject("mlflowServers");

const LOAD_AND_PREDICT = `
import json, sys, mlflow, pandas as pd
url, uri = sys.argv[1:3]
mlflow.set_tracking_uri(url)
model = mlflow.pyfunc.load_model(uri)
out = model.predict(pd.DataFrame({"amount": [1.0, 2.5]}))
values = out.tolist() if hasattr(out, "tolist") else list(out)
print(json.dumps([float(v[0]) if isinstance(v, list) else float(v) for v in values]))
`;

const LOADER = `
import json

class _Model:
    def __init__(self, weights):
        self.weights = weights

    def predict(self, model_input, params=None):
        return [self.weights["bias"] + self.weights["scale"] * float(x) for x in model_input["amount"]]

def _load_pyfunc(path):
    with open(path) as f:
        return _Model(json.load(f))
`;

describe.each(servers)("MLflow $version pyfunc interop", (server) => {
  const registry = createMlflowRegistry({ trackingUri: server.url, actor: "tester" });

  it(
    "registers a model directory saved by mlflow.pyfunc.save_model, which then loads by alias and predicts",
    async () => {
      const saved = `${await tempDir("modelreg-pyfunc-")}/model`;
      await python(
        server.python,
        `
import json, sys, mlflow.pyfunc
class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input["amount"] * 2
# pip_requirements given: inferring them starts one more Python that loads the model, 5 s of CPU for a file this
# test does not look at.
mlflow.pyfunc.save_model(path=sys.argv[1], python_model=Doubler(), pip_requirements=["mlflow"])
print(json.dumps("saved"))
`,
        saved,
      );
      const name = unique("saved-by-python");
      const v = await registry.createVersion(name, { artifacts: { directory: saved }, metrics: { auc: 0.9 } });
      await registry.setAlias(name, "champion", v.version);
      expect(await python(server.python, LOAD_AND_PREDICT, server.url, `models:/${name}@champion`)).toEqual([2, 5]);
      // Two Python processes that import MLflow.
    },
    PYTHON_TEST_TIMEOUT_MS,
  );

  it(
    "writes an MLmodel for plain files with a loader module, and MLflow loads and predicts with it",
    async () => {
      const name = unique("plain-files");
      const v = await registry.createVersion(name, {
        artifacts: {
          entries: [
            { path: "code/fraud_loader.py", content: LOADER },
            { path: "weights.json", content: JSON.stringify({ bias: 1, scale: 10 }) },
          ],
        },
        signature: { inputs: [{ name: "amount", type: "double" }], outputs: [{ type: "double" }] },
        providerOptions: { mlflow: { pyfunc: { loaderModule: "fraud_loader", data: "weights.json" } } },
      });
      expect((await registry.listArtifacts(v)).map((f) => f.path)).toEqual(["MLmodel", "code/fraud_loader.py", "weights.json"]);
      await registry.setAlias(name, "champion", v.version);
      expect(await python(server.python, LOAD_AND_PREDICT, server.url, `models:/${name}@champion`)).toEqual([11, 26]);
    },
    PYTHON_TEST_TIMEOUT_MS,
  );

  it("refuses pyfunc options that could not load, before anything is sent", async () => {
    const name = unique("bad-pyfunc");
    const entries = [{ path: "weights.json", content: "{}" }];
    for (const pyfunc of [{ loaderModule: "not a module" }, { loaderModule: "missing_loader" }, { loaderModule: "x", code: "../up" }]) {
      await expect(registry.createVersion(name, { artifacts: { entries }, providerOptions: { mlflow: { pyfunc } } })).rejects.toThrow(InvalidInputError);
    }
    await expect(registry.getModel(name)).rejects.toThrow(/RESOURCE_DOES_NOT_EXIST|does not exist|not found/i);
  });
});
