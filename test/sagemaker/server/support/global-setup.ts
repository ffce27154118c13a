// Starts one moto server (test/support/moto-server.ts) for the `aws` project: the SageMaker and S3 tests against a
// real AWS emulator. Each test file uses buckets and model names of its own, so they share it.
import type { TestProject } from "vitest/node";
import { startMoto } from "../../../support/moto-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    motoUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto();
  project.provide("motoUrl", moto.url);
  return () => moto.stop();
}
