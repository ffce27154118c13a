// Issue 8, point 1, for SageMaker: the scripted lifecycle against the SageMaker and S3 fakes, each behind its own
// faulting proxy, one pair of proxies per seed. A fifth of the requests fail, half of those after the fake acted
// (the answer lost): CreateModelPackage's lookup by token and its ClientToken, the folder claims and the records
// must still make exactly the versions the script asked for. The proxies forward with another Host than the one the
// client signed, so these fakes check no signatures (the other SageMaker tests do).
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { createSageMakerRegistry, type SageMakerRegistrySettings } from "../../src/adapters/sagemaker/index.js";
import { CLIENT, SEEDS, faultProxy, runAndCheck, toProxies } from "../support/faults.js";
import { S3Fake } from "../support/s3-fake.js";
import { REGION, SAGEMAKER_URL, SageMakerFake } from "./support/sagemaker-fake.js";
import { BUCKET, CREDENTIALS, IMAGE } from "./support/setup.js";

const S3_URL = `https://s3.${REGION}.amazonaws.com`;

describe("SageMaker fake through faulting proxies (API and S3)", () => {
  const sagemaker = new SageMakerFake();
  const s3 = new S3Fake({ buckets: [BUCKET] });
  const server = setupServer(toProxies, ...sagemaker.handlers(), ...s3.handlers());
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  const registry = (settings: Partial<SageMakerRegistrySettings> = {}) =>
    createSageMakerRegistry({
      region: REGION,
      artifactRoot: `s3://${BUCKET}/faults`,
      image: IMAGE,
      credentials: CREDENTIALS,
      env: {},
      actor: "fault-test",
      ...settings,
    });

  it.concurrent.each(SEEDS)(
    "runs 30 versions, aliases, stages, a promotion, a rollback and a sync with a fifth of requests faulted, seed %i",
    async (seed) => {
      const [api, storage] = await Promise.all([faultProxy(SAGEMAKER_URL, seed), faultProxy(S3_URL, seed + 1)]);
      try {
        const faulted = registry({ ...CLIENT, endpoint: `${api.url}/`, s3Endpoint: storage.url, forcePathStyle: true });
        await runAndCheck({ seed, prefix: "sf", faulted, clean: registry(), proxies: { "sagemaker-api": api, "sagemaker-s3": storage } });
      } finally {
        await Promise.all([api.close(), storage.close()]);
      }
    },
    240_000,
  );
});
