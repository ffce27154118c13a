// Issue 8, point 1, for the Hugging Face Hub: the scripted lifecycle against the Hub fake, with its API behind a
// faulting proxy per seed and the signed storage URLs it hands out pointing at one more faulting proxy. A fifth of
// the requests fail, some after the fake acted (the answer lost): parentCommit and the token in each version's record,
// the tag that makes a version exist, and the state branch redone on 412 must still leave exactly the versions,
// aliases and stages the script asked for. Seeds run one after another: the fake writes its own address into the LFS
// verify and multipart completion URLs it hands out, and those must name the proxy the faulted client talks to.
import { afterAll, beforeAll, describe, it } from "vitest";
import type { FaultProxy } from "../support/fault-proxy.js";
import { recordFaultRun } from "../support/fault-tally.js";
import { CLIENT, SEEDS, faultProxy, runAndCheck, toProxies } from "../support/faults.js";
import { CDN, HUB } from "./support/hub-fake.js";
import { useHubFake } from "./support/setup.js";

describe("Hub fake through faulting proxies (API and signed storage URLs)", () => {
  const { fake, registry } = useHubFake([toProxies]);
  let storage: FaultProxy;
  beforeAll(async () => {
    storage = await faultProxy(CDN, (SEEDS[0] ?? 1) + 1);
    fake.signedOrigin = storage.url;
    // Files of 1 MiB and up go in parts, so part uploads and their completion are faulted too.
    fake.multipartThreshold = 1024 * 1024 - 1;
    fake.multipartChunkSize = 512 * 1024;
  });
  afterAll(async () => {
    fake.signedOrigin = CDN;
    fake.multipartThreshold = Number.POSITIVE_INFINITY;
    await recordFaultRun({
      target: "huggingface-storage",
      seed: (SEEDS[0] ?? 1) + 1,
      requests: storage.requests,
      faults: storage.tally(),
      bytes: 0,
      seconds: 0,
    });
    await storage.close();
  });
  // CI runs one seed (npm test's): a Hub lifecycle makes about three times the requests of W&B's, so each seed waits
  // out three times the stalls (110 s), and seeds run one after another. MODELREG_FAULT_SEEDS runs more by hand.
  it.each(SEEDS)(
    "runs 30 versions, aliases, stages, a promotion, a rollback and a sync with a fifth of requests faulted, seed %i",
    async (seed) => {
      const api = await faultProxy(HUB, seed);
      fake.hubOrigin = api.url;
      try {
        // The clean reader goes around the API proxy; its downloads of LFS files still use the signed URLs, which the
        // checks then read through the storage proxy, retried like any other download.
        await runAndCheck({
          seed,
          prefix: "hf",
          faulted: registry({ ...CLIENT, endpoint: api.url }),
          clean: registry(CLIENT),
          proxies: { "huggingface-api": api },
          shared: { "huggingface-storage": storage },
        });
      } finally {
        fake.hubOrigin = HUB;
        await api.close();
      }
    },
    240_000,
  );
});
