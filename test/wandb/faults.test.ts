// Issue 8, point 1, for W&B: the scripted lifecycle against the W&B fake, with its GraphQL API behind a faulting proxy
// per seed and the signed storage URLs it hands out pointing at one more faulting proxy. Seeds run side by side; the
// fake has one storage origin, so they share the storage proxy (seeded with the first seed).
import { afterAll, beforeAll, describe, it } from "vitest";
import type { FaultProxy } from "../support/fault-proxy.js";
import { recordFaultRun } from "../support/fault-tally.js";
import { useWandbFake } from "./support/setup.js";
import { BASE, STORAGE } from "./support/wandb-fake.js";
import { CLIENT, SEEDS, faultProxy, runAndCheck, toProxies } from "../support/faults.js";

describe("W&B fake through faulting proxies (GraphQL and signed storage URLs)", () => {
  const { fake, registry } = useWandbFake([toProxies]);
  let storage: FaultProxy;
  beforeAll(async () => {
    storage = await faultProxy(STORAGE, (SEEDS[0] ?? 1) + 1);
    fake.signedOrigin = storage.url;
  });
  afterAll(async () => {
    fake.signedOrigin = STORAGE;
    await recordFaultRun({ target: "wandb-storage", seed: (SEEDS[0] ?? 1) + 1, requests: storage.requests, faults: storage.tally(), bytes: 0, seconds: 0 });
    await storage.close();
  });
  it.concurrent.each(SEEDS)(
    "runs 30 versions, aliases, stages, a promotion, a rollback and a sync with a fifth of requests faulted, seed %i",
    async (seed) => {
      const api = await faultProxy(BASE, seed);
      try {
        // The clean reader goes around the API proxy; its downloads still use the signed URLs, which the checks
        // then read through the storage proxy, retried like any other download.
        await runAndCheck({
          seed,
          prefix: "wf",
          faulted: registry({ ...CLIENT, baseUrl: api.url }),
          clean: registry(CLIENT),
          proxies: { "wandb-api": api },
          shared: { "wandb-storage": storage },
        });
      } finally {
        await api.close();
      }
    },
    240_000,
  );
});
