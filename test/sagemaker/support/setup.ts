// One msw server with the SageMaker registry fake and the S3 fake (test/support/s3-fake.ts), for a test file. Both
// check every request's SigV4 signature against the canary credentials the suite runs with.
import type { HttpHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createSageMakerRegistry, type SageMakerRegistrySettings } from "../../../src/adapters/sagemaker/index.js";
import { CANARY } from "../../support/canary.js";
import { S3Fake } from "../../support/s3-fake.js";
import { REGION, SageMakerFake } from "./sagemaker-fake.js";

export const BUCKET = "modelreg-test";
/** An ECR image, as a user's settings would name one. */
export const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1";

/** The credentials canary-setup.ts puts in the environment. */
export const CREDENTIALS = { accessKeyId: "AKIACANARYTESTKEY0001", secretAccessKey: CANARY.awsSecretAccessKey, sessionToken: CANARY.awsSessionToken };

/** The SageMaker and S3 fakes for a test file; `extra` handlers come first and survive the reset after each test. */
export function useSageMakerFakes(extra: HttpHandler[] = []) {
  const sagemaker = new SageMakerFake({ credentials: CREDENTIALS });
  const s3 = new S3Fake({ credentials: CREDENTIALS, buckets: [BUCKET] });
  const server = setupServer(...extra, ...sagemaker.handlers(), ...s3.handlers());
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  const registry = (settings: Partial<SageMakerRegistrySettings> = {}) =>
    createSageMakerRegistry({
      region: REGION,
      artifactRoot: `s3://${BUCKET}/models`,
      actor: "tester",
      // The canary credentials come from the environment (canary-setup.ts); no endpoint variable may redirect them.
      env: { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: CREDENTIALS.sessionToken },
      retryBaseDelayMs: 1,
      ...settings,
    });
  return { sagemaker, s3, server, registry };
}
