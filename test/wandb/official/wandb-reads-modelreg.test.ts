// W&B's official Python client (wandb.Api) reads what modelreg wrote to the W&B fake, served on loopback: versions by
// alias and by number, the collection's versions with their aliases, the files byte for byte, and the registry link.
// One Python process does every read and prints what it saw as JSON; the assertions compare it with what modelreg made.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENTITY, ORG_ENTITY } from "../support/wandb-fake.js";
import { useWandbLoopback, WANDB_TEST_TIMEOUT_MS } from "./support/wandb-official.js";

const loop = useWandbLoopback();

const READ = `
import hashlib, json, os, sys, wandb
entity, project, model, registry_path, root = sys.argv[1:6]
api = wandb.Api()

def seen(a):
    return {"name": a.name, "version": a.version, "aliases": sorted(a.aliases), "type": a.type, "digest": a.digest,
            "metadata": a.metadata, "state": a.state, "entity": a.entity, "project": a.project}

def tree(path):
    out = {}
    for d, _, names in os.walk(path):
        for n in names:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, path).replace(os.sep, "/")] = hashlib.sha256(f.read()).hexdigest()
    return out

by_alias = api.artifact(f"{entity}/{project}/{model}:champion")
by_version = api.artifact(f"{entity}/{project}/{model}:v1")
collection = api.artifact_collection("model", f"{entity}/{project}/{model}")
listed = [{"version": a.version, "aliases": sorted(a.aliases)} for a in collection.artifacts()]
downloaded = {a.version: tree(a.download(root=os.path.join(root, a.version))) for a in (by_alias, by_version)}
linked = api.artifact(registry_path)
links = [{"entity": l.entity, "project": l.project, "name": l.name, "aliases": sorted(l.aliases)} for l in by_alias.linked_artifacts]
print(json.dumps({
    "by_alias": seen(by_alias), "by_version": seen(by_version), "listed": listed, "downloaded": downloaded,
    "linked": seen(linked), "linked_source": linked.source_qualified_name, "links": links,
}))
`;

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

describe("wandb (the official Python client) reads what modelreg wrote", () => {
  it(
    "gets versions by alias and number, lists them with aliases, downloads the files byte for byte and sees the registry link",
    async () => {
      const registry = loop.registry({ entity: ENTITY });
      // Bytes that a text round trip would change: every byte value, and a file under a folder.
      const weights = new Uint8Array(4096).map((_, i) => (i * 31) % 256);
      const v0Files = [
        { path: "model.bin", content: weights },
        { path: "config/params.json", content: '{"depth": 3}\n' },
      ];
      const v1Files = [{ path: "model.bin", content: weights.map((b) => 255 - b) }];
      const v0 = await registry.createVersion("fraud", { artifacts: { entries: v0Files }, aliases: ["champion"], metrics: { auc: 0.91 } });
      const v1 = await registry.createVersion("fraud", { artifacts: { entries: v1Files }, description: "retrained" });
      const link = await registry.link(v0, { registry: "model", collection: "fraud-detection", aliases: ["staging"] });
      const root = await mkdtemp(join(tmpdir(), "modelreg-wandb-dl-"));

      const seen = (await loop.python(READ, ENTITY, "models", "fraud", `${link.orgEntity}/${link.project}/fraud-detection:staging`, root)) as {
        by_alias: Record<string, unknown>;
        by_version: Record<string, unknown>;
        listed: Array<{ version: string; aliases: string[] }>;
        downloaded: Record<string, Record<string, string>>;
        linked: Record<string, unknown>;
        linked_source: string;
        links: Array<{ entity: string; project: string; name: string; aliases: string[] }>;
      };
      await rm(root, { recursive: true, force: true });

      expect(loop.refused()).toEqual([]);
      // wandb names an artifact by the path it was asked for, and gives its number as `version`.
      expect(seen.by_alias).toMatchObject({ name: "fraud:champion", version: "v0", aliases: ["champion"], type: "model", state: "COMMITTED" });
      expect(seen.by_alias.entity).toBe(ENTITY);
      expect(seen.by_alias.metadata).toMatchObject({ metrics: { auc: 0.91 } });
      expect(seen.by_version).toMatchObject({ name: "fraud:v1", version: "v1", aliases: ["latest"], type: "model" });
      expect(seen.listed).toEqual([
        { version: "v1", aliases: ["latest"] },
        { version: "v0", aliases: ["champion"] },
      ]);
      expect(seen.downloaded).toEqual({
        v0: Object.fromEntries(v0Files.map((f) => [f.path, sha256(f.content)])),
        v1: Object.fromEntries(v1Files.map((f) => [f.path, sha256(f.content)])),
      });
      expect(link).toMatchObject({ orgEntity: ORG_ENTITY, project: "wandb-registry-model", version: "0" });
      expect(seen.linked).toMatchObject({ name: "fraud-detection:staging", version: "v0", entity: ORG_ENTITY, project: "wandb-registry-model" });
      expect(seen.linked.aliases).toEqual(["latest", "staging"]);
      expect(seen.linked_source).toBe(`${ENTITY}/models/fraud:v0`);
      // wandb lists a link with its number among its aliases (Artifact._fetch_linked_artifacts adds "vN").
      expect(seen.links).toEqual([{ entity: ORG_ENTITY, project: "wandb-registry-model", name: "fraud-detection:v0", aliases: ["latest", "staging", "v0"] }]);
      expect([v0.version, v1.version]).toEqual(["0", "1"]);
    },
    WANDB_TEST_TIMEOUT_MS,
  );
});
