// The MLflow example runs as documented against the real server: first version becomes champion, a worse one is
// refused, a better one is promoted.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";

const run = promisify(execFile);
const [server] = inject("mlflowServers");

describe("examples/mlflow-training-script.ts", () => {
  it("registers a challenger and promotes it only when it beats the champion", async () => {
    if (!server) throw new Error("no MLflow server");
    const model = `example-${Date.now().toString(36)}`;
    const script = async (auc: string) =>
      (
        await run(process.execPath, ["--import", "tsx", "examples/mlflow-training-script.ts", model, auc], {
          env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
        })
      ).stdout;
    expect(await script("0.9")).toMatch(/promoted .*\/1 to champion\n/);
    expect(await script("0.85")).toMatch(/champion stays: auc 0.85 is worse than 0.9 of the current version 1/);
    expect(await script("0.95")).toMatch(/promoted .*\/3 to champion \(was 1\)/);
    const registry = createMlflowRegistry({ trackingUri: server.url });
    expect(await registry.resolveAlias(model, "champion")).toBe("3");
    expect(await registry.resolveAlias(model, "challenger")).toBe("3");
  }, 120_000);
});
