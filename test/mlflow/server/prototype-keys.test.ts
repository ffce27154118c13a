// Object.prototype member names as aliases, tag keys, metric names, param names and file names against a real MLflow
// server: the same checks as test/property/prototype-keys.test.ts runs on the local registry and the fakes.
import { beforeAll, describe, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { PROTOTYPE_KEYS } from "../../property/support/arbitraries.js";
import { checkAlias, checkArtifactPaths, checkVersionKey, loggingFetch, type KeyField, type KeySubject } from "../../property/support/prototype-keys.js";
import { unique } from "./support/helpers.js";

const servers = inject("mlflowServers");

describe.each(servers)("MLflow $version: prototype member names as user keys", (server) => {
  let subject: KeySubject;
  beforeAll(async () => {
    const requests: string[] = [];
    const registry = createMlflowRegistry({ trackingUri: server.url, actor: "tester", fetch: loggingFetch(requests) });
    const model = unique("protokeys");
    const first = await registry.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "first" }] } });
    subject = { registry, requests, model, version: first.version };
  });

  it.each(PROTOTYPE_KEYS)("alias %s: NotFoundError until set, then round-trips", async (alias) => {
    await checkAlias(subject, alias);
  });

  it.each(PROTOTYPE_KEYS.flatMap((key) => (["tags", "metrics", "params"] as KeyField[]).map((field) => [field, key] as const)))(
    "%s key %s round-trips or is refused before any request",
    async (field, key) => {
      await checkVersionKey(subject, field, key);
    },
  );

  it("stores files named after prototype members as files", async () => {
    await checkArtifactPaths(subject);
  });
});
