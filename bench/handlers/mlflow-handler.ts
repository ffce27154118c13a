// A one-adapter serverless handler, bundled by bench/cold-start.ts to measure what modelreg/mlflow adds to a function.
import { createMlflowRegistry } from "modelreg/mlflow";

export async function handler(): Promise<string> {
  const r = createMlflowRegistry({ trackingUri: process.env.MLFLOW_TRACKING_URI });
  return (await r.getVersion("fraud@champion")).version;
}
