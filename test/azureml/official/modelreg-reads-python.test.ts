// Interop, the other way: what Azure's official Python client (azure-ai-ml 1.35.2, MLClient) writes, modelreg's Azure
// ML adapter reads. In a workspace MLClient uploads a folder (version 1), a single file (version 2, stage Production)
// and another folder as version 5 (a number of its choosing), and archives version 1; in a registry it uploads a folder
// and a single file. modelreg then lists and reads them (numbers, tags, description, stage, archive) and downloads
// every file byte for byte through downloadArtifacts, and makes the next version of each model, numbered from the
// container's nextVersion as MLClient numbers them. One Python run makes everything (the import is the slow part).
// How the two clients share the fake and Azurite: support/mlclient-loopback.ts and support/modelreg-side.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AzureMlRegistry } from "modelreg/azureml";
import type { ModelVersion } from "modelreg";
import { beforeAll, describe, expect, it } from "vitest";
import { binary, digests, folderDigests, writeFolder } from "./support/interop.js";
import { GROUP, MLCLIENT_TEST_TIMEOUT_MS, SUBSCRIPTION, useMlClientLoopback, WORKSPACE } from "./support/mlclient-loopback.js";
import { modelregOn, useModelregTransport } from "./support/modelreg-side.js";

const loop = useMlClientLoopback();
useModelregTransport(loop);

/** The folder MLClient uploads as version 1 (and, in the registry, 1): NUL bytes, nesting, a space, an empty file. */
const FIRST: Record<string, Buffer> = {
  "model.pkl": binary(7),
  "config/nested/params.json": Buffer.from('{"depth": 5}\n'),
  "docs/read me.txt": Buffer.from("uploaded by azure-ai-ml\n"),
  "empty.txt": Buffer.alloc(0),
};
/** The single file of version 2. */
const SINGLE = { "scorer.py": Buffer.from("def score(x):\n    return x > 0.7\n") };
/** The folder of version 5. */
const FIFTH: Record<string, Buffer> = { "model.pkl": binary(8), "labels.txt": Buffer.from("fraud\nlegit\n") };
/** What modelreg adds on top. */
const NEXT: Record<string, Buffer> = { "model.pkl": binary(9), "notes.txt": Buffer.from("made by modelreg after azure-ai-ml\n") };

const LONG = `azureml://subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/${WORKSPACE}/datastores/workspaceblobstore/paths/`;

/** What the Python run made: each version's number and path, as MLClient reported them. */
let made: { workspace: Record<string, string>; registry: Record<string, string> };
let workspace: AzureMlRegistry;
let registry: AzureMlRegistry;

const entries = (files: Record<string, Buffer>) => Object.entries(files).map(([path, content]) => ({ path, content }));

/** Downloads a version with modelreg into a fresh folder and gives its files' digests. */
async function downloadWith(reg: AzureMlRegistry, ref: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(loop.home, "modelreg-download-"));
  try {
    await reg.downloadArtifacts(ref, dir);
    return await folderDigests(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const summary = (v: ModelVersion) => ({ version: v.version, tags: v.tags, description: v.description, stage: v.stage });

beforeAll(async () => {
  workspace = modelregOn(loop, "workspace");
  registry = modelregOn(loop, "registry");
  const first = join(loop.home, "first");
  const fifth = join(loop.home, "fifth");
  await writeFolder(first, FIRST);
  await writeFolder(fifth, FIFTH);
  await writeFolder(loop.home, SINGLE);
  made = (await loop.python(
    `
from azure.ai.ml.entities import Model
first, single, fifth = sys.argv[1], sys.argv[2], sys.argv[3]
ws = workspace_client()
out = {"workspace": {}, "registry": {}}
def keep(where, m):
    out[where][m.version] = m.path
keep("workspace", ws.models.create_or_update(Model(name="pyfraud", path=first, description="a folder", tags={"team": "risk", "n": 1})))
keep("workspace", ws.models.create_or_update(Model(name="pyfraud", path=single, stage="Production", tags={"kind": "file"})))
keep("workspace", ws.models.create_or_update(Model(name="pyfraud", version="5", path=fifth, description="fifth")))
ws.models.archive("pyfraud", "1")
reg = registry_client()
keep("registry", reg.models.create_or_update(Model(name="pyreg", path=first, description="shared", tags={"team": "risk"}, stage="Production")))
keep("registry", reg.models.create_or_update(Model(name="pyreg", path=single)))
emit(out)
`,
    first,
    join(loop.home, "scorer.py"),
    fifth,
  )) as typeof made;
}, MLCLIENT_TEST_TIMEOUT_MS);

describe("modelreg reads what azure-ai-ml 1.35.2 writes: a workspace", () => {
  it("lists MLClient's versions with their numbers, tags, description and stages (the archived one archived)", async () => {
    expect(Object.keys(made.workspace)).toEqual(["1", "2", "5"]);
    expect(made.workspace["1"]).toMatch(new RegExp(`^${LONG}LocalUpload/[0-9a-f]{64}/first$`));
    expect(made.workspace["2"]).toMatch(new RegExp(`^${LONG}LocalUpload/[0-9a-f]{64}/scorer\\.py$`));
    const mark = loop.arm.requests.length;
    const listed = [];
    for await (const v of workspace.listVersions("pyfraud")) listed.push(v);
    expect(listed.map(summary).sort((a, b) => Number(a.version) - Number(b.version))).toEqual([
      // MLClient's archive drops the stage (its PUT leaves it out); the version is archived either way.
      { version: "1", tags: { team: "risk", n: "1" }, description: "a folder", stage: "archived" },
      { version: "2", tags: { kind: "file" }, description: undefined, stage: "production" },
      { version: "5", tags: {}, description: "fifth", stage: "draft" },
    ]);
    const v2 = await workspace.getVersion("pyfraud/2");
    expect([v2.artifacts.uri, v2.aliases, v2.params, v2.metrics]).toEqual([made.workspace["2"], [], {}, {}]);
    expect((await workspace.getVersion("pyfraud@latest")).version).toBe("5");
    expect((await workspace.getModel("pyfraud")).latestVersion).toBe("5");
    // Nothing modelreg asked was refused, all at its own api-version.
    const reads = loop.arm.requests.slice(mark);
    expect(reads.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.operation} ${r.status}`)).toEqual([]);
    expect(new Set(reads.map((r) => r.query["api-version"]))).toEqual(new Set(["2025-12-01"]));
  });

  it("downloads each version's files byte for byte: a folder's relative to it, a single file by its name", async () => {
    expect(await downloadWith(workspace, "pyfraud/1")).toEqual(digests(FIRST));
    expect(await downloadWith(workspace, "pyfraud/2")).toEqual(digests(SINGLE));
    expect(await downloadWith(workspace, "pyfraud/5")).toEqual(digests(FIFTH));
    const files = await workspace.listArtifacts("pyfraud/1");
    expect(Object.fromEntries(files.map((f) => [f.path, f.size]))).toEqual(Object.fromEntries(Object.entries(FIRST).map(([p, b]) => [p, b.length])));
  });

  it("makes the next version as MLClient numbers it, from the container's nextVersion (6 after MLClient's 5)", async () => {
    // Azure's count, not modelreg's: three versions exist, the next number is 6.
    const container = (await workspace.getModel("pyfraud")).raw as { properties: { nextVersion: string } };
    expect(container.properties.nextVersion).toBe("6");
    const next = await workspace.createVersion("pyfraud", { artifacts: { entries: entries(NEXT) }, tags: { by: "modelreg" } });
    expect(next.version).toBe("6");
    expect(await downloadWith(workspace, "pyfraud/6")).toEqual(digests(NEXT));
    // MLClient's versions are as they were.
    expect(loop.arm.state.workspace?.containers.get("pyfraud")?.versions.get("5")?.properties.modelUri).toBe(made.workspace["5"]);
  });
});

describe("modelreg reads what azure-ai-ml 1.35.2 writes: a registry", () => {
  it("lists MLClient's registry versions, downloads them byte for byte, and makes the next one", async () => {
    expect(Object.keys(made.registry)).toEqual(["1", "2"]);
    // Host-style blob URLs of the containers the temporary data references handed out.
    for (const path of Object.values(made.registry)) expect(path).toMatch(/^https:\/\/devstoreaccount1\.blob\.core\.localhost:\d+\/pending-[0-9a-f]+\//);
    const listed = [];
    for await (const v of registry.listVersions("pyreg")) listed.push(v);
    expect(listed.map(summary).sort((a, b) => Number(a.version) - Number(b.version))).toEqual([
      { version: "1", tags: { team: "risk" }, description: "shared", stage: "production" },
      { version: "2", tags: {}, description: undefined, stage: "draft" },
    ]);
    expect(await downloadWith(registry, "pyreg/1")).toEqual(digests(FIRST));
    expect(await downloadWith(registry, "pyreg/2")).toEqual(digests(SINGLE));
    const next = await registry.createVersion("pyreg", { artifacts: { entries: entries(NEXT) } });
    expect(next.version).toBe("3");
    expect(await downloadWith(registry, "pyreg/3")).toEqual(digests(NEXT));
  });
});
