// Issue 8, point 1, for Vertex: the scripted lifecycle against the Vertex and Cloud Storage fakes, each behind its own
// faulting proxy, one pair of proxies per seed. Seeds run side by side.
import { describe, it } from "vitest";
import { GCS } from "./support/gcs-fake.js";
import { useVertexFakes } from "./support/setup.js";
import { HOST } from "./support/vertex-fake.js";
import { CLIENT, SEEDS, faultProxy, runAndCheck, toProxies } from "../support/faults.js";

describe("Vertex fake through faulting proxies (API and Cloud Storage)", () => {
  const { registry } = useVertexFakes([toProxies]);
  it.concurrent.each(SEEDS)(
    "runs 30 versions, aliases, stages, a promotion, a rollback and a sync with a fifth of requests faulted, seed %i",
    async (seed) => {
      const [api, gcs] = await Promise.all([faultProxy(HOST, seed), faultProxy(GCS, seed + 1)]);
      try {
        const faulted = registry({ ...CLIENT, apiEndpoint: `${api.url}/`, storageEndpoint: `${gcs.url}/` });
        await runAndCheck({ seed, prefix: "vf", faulted, clean: registry(), proxies: { "vertex-api": api, "vertex-gcs": gcs } });
      } finally {
        await Promise.all([api.close(), gcs.close()]);
      }
    },
    240_000,
  );
});
