// Interop, one way: what modelreg's Azure ML adapter writes, Azure's official Python client (azure-ai-ml 1.35.2,
// MLClient) reads. modelreg makes versions (files with NUL bytes, a nested path, a name with a space, an empty file;
// tags, description, params and metrics; an alias; stages, one archived) in a workspace and in a registry, over the ARM
// fake and one Azurite; MLClient then gets each version, the latest, the versions by name and by stage, the models,
// the container's tags (where the aliases are), and downloads every version byte for byte.
// How the two clients share the fake and Azurite: support/mlclient-loopback.ts and support/modelreg-side.ts.
import { join } from "node:path";
import type { AzureMlRegistry } from "modelreg/azureml";
import { beforeAll, describe, expect, it } from "vitest";
import { binary, type PyModelRead, PY_READ_MODEL, under } from "./support/interop.js";
import { GROUP, MLCLIENT_TEST_TIMEOUT_MS, REGISTRY, SUBSCRIPTION, useMlClientLoopback, WORKSPACE } from "./support/mlclient-loopback.js";
import { modelregOn, useModelregTransport } from "./support/modelreg-side.js";

const loop = useMlClientLoopback();
useModelregTransport(loop);

/** Each version's files. */
const FILES: Record<string, Record<string, Buffer>> = {
  "1": {
    "model.pkl": binary(1),
    "config/nested/params.json": Buffer.from('{"depth": 4, "trees": 300}\n'),
    "docs/read me.txt": Buffer.from("version one, trained on May's transactions\n"),
    "empty.txt": Buffer.alloc(0),
  },
  "2": {
    "model.pkl": binary(2),
    "config/nested/params.json": Buffer.from('{"depth": 6, "trees": 500}\n'),
  },
  "3": {
    "model.pkl": binary(3),
    "labels.txt": Buffer.from("fraud\nlegit\n"),
  },
};
const entries = (files: Record<string, Buffer>) => Object.entries(files).map(([path, content]) => ({ path, content }));
const files = (v: string) => FILES[v] as Record<string, Buffer>;

/** Where MLClient's download puts a version's files: `{name}/{last folder of the path}/...` (here `model/`). */
const downloaded = (model: string, v: string) => under(`${model}/model/`, files(v));

/** The long datastore URI of a workspace path, as modelreg writes it. */
const LONG = `azureml://subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/${WORKSPACE}/datastores/workspaceblobstore/paths/`;

let workspace: AzureMlRegistry;
let registry: AzureMlRegistry;

beforeAll(() => {
  workspace = modelregOn(loop, "workspace");
  registry = modelregOn(loop, "registry");
});

describe("azure-ai-ml 1.35.2 reads what modelreg writes: a workspace", () => {
  it(
    "modelreg makes three versions, an alias and stages; MLClient gets, lists and downloads them byte for byte",
    async () => {
      await workspace.createVersion("fraud", {
        artifacts: { entries: entries(files("1")) },
        description: "first fraud model",
        tags: { team: "risk", framework: "sklearn" },
        params: { depth: 4, trees: 300 },
        metrics: { auc: 0.91 },
      });
      await workspace.createVersion("fraud", { artifacts: { entries: entries(files("2")) }, tags: { team: "risk" }, aliases: ["champion"] });
      await workspace.createVersion("fraud", { artifacts: { entries: entries(files("3")) }, description: "third" });
      await workspace.transitionStage("fraud/2", "production");
      await workspace.transitionStage("fraud/3", "staging");
      await workspace.transitionStage("fraud/1", "archived");
      const made = await Promise.all(["1", "2", "3"].map((v) => workspace.getVersion(`fraud/${v}`)));
      expect(made.map((m) => [m.version, m.stage, m.aliases])).toEqual([
        ["1", "archived", []],
        ["2", "production", ["champion"]],
        ["3", "staging", []],
      ]);

      const mark = loop.arm.requests.length;
      const out = (await loop.python(PY_READ_MODEL, "workspace", "fraud", JSON.stringify(["1", "2", "3"]), join(loop.home, "ws-download"))) as PyModelRead;

      for (const m of made) {
        const got = out.get[m.version];
        expect(got?.path, m.version).toBe(m.artifacts.uri);
        expect(got?.path.startsWith(`${LONG}modelreg/fraud/`), got?.path).toBe(true);
        expect(got?.tags, m.version).toEqual(m.tags);
        expect(got?.description ?? undefined, m.version).toBe(m.description);
        expect(got?.type).toBe("custom_model");
      }
      expect(out.get["1"]?.tags).toEqual({ team: "risk", framework: "sklearn" });
      // Stages are Azure's stage field; archive is isArchived (MLClient lists it only among the archived).
      expect(Object.values(out.get).map((g) => g.stage)).toEqual(["Archived", "Production", "Staging"]);
      expect(out.listed).toEqual({ "2": "Production", "3": "Staging" });
      expect(out.archived).toEqual(["1"]);
      expect(out.production).toEqual(["2"]);
      expect(out.staging).toEqual(["3"]);
      expect(out.latest).toBe("3");
      expect(out.models).toEqual([["fraud", "3"]]);
      // Aliases are tags of the model's container.
      expect(out.containerTags).toEqual({ "modelreg.alias.champion": "2" });
      // Every version's files, byte for byte, and nothing else (modelreg's record lies beside the folder modelUri names).
      for (const v of ["1", "2", "3"]) expect(out.files[v], v).toEqual(downloaded("fraud", v));

      // MLClient's reads all succeeded at its own api-versions.
      const reads = loop.arm.requests.slice(mark);
      expect(reads.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.operation} ${r.status}`)).toEqual([]);
      expect(new Set(reads.map((r) => r.query["api-version"]))).toEqual(new Set(["2023-08-01-preview", "2024-10-01-preview"]));
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});

describe("azure-ai-ml 1.35.2 reads what modelreg writes: model names", () => {
  it(
    "MLClient downloads exactly a version's files when the model's name contains 'paths'",
    async () => {
      // Fails with modelreg's workspace layout as of this writing. azure-ai-ml finds a datastore path by splitting the
      // URI on the first "paths" (_utils/_storage_utils.py get_ds_name_and_path_prefix: asset_uri.split("paths")[1]),
      // so for .../paths/modelreg/mypaths/{id}/model/ it downloads every blob under "modelreg/my": this version's
      // record, and the files and record of the model mypaths-other too. An SDK bug, but one modelreg's folder
      // (modelreg/{model}/{id}/) walks into whenever a model's name contains "paths"; MLClient's own uploads
      // (LocalUpload/{hash}/...) never name the model.
      await workspace.createVersion("mypaths", { artifacts: { entries: entries(files("3")) } });
      await workspace.createVersion("mypaths-other", { artifacts: { entries: entries(files("2")) } });
      const out = (await loop.python(PY_READ_MODEL, "workspace", "mypaths", JSON.stringify(["1"]), join(loop.home, "paths-download"))) as PyModelRead;
      expect(out.files["1"]).toEqual(downloaded("mypaths", "3"));
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});

describe("azure-ai-ml 1.35.2 reads what modelreg writes: a registry", () => {
  it(
    "modelreg makes two versions, an alias and a stage; MLClient gets, lists and downloads them byte for byte",
    async () => {
      await registry.createVersion("regfraud", {
        artifacts: { entries: entries(files("1")) },
        description: "shared fraud model",
        tags: { team: "risk" },
      });
      await registry.createVersion("regfraud", { artifacts: { entries: entries(files("2")) }, aliases: ["champion"] });
      await registry.transitionStage("regfraud/2", "production");
      const made = await Promise.all(["1", "2"].map((v) => registry.getVersion(`regfraud/${v}`)));

      const frontMark = loop.front.length;
      const out = (await loop.python(PY_READ_MODEL, "registry", "regfraud", JSON.stringify(["1", "2"]), join(loop.home, "reg-download"))) as PyModelRead;
      for (const m of made) {
        const got = out.get[m.version];
        expect(got?.path, m.version).toBe(m.artifacts.uri);
        expect(got?.tags, m.version).toEqual(m.tags);
        expect(got?.description ?? undefined, m.version).toBe(m.description);
      }
      // MLClient sends no stage filter for a registry's versions: a user filters the list by its stage field.
      expect(out.listed).toEqual({ "1": "Development", "2": "Production" });
      expect(out.latest).toBe("2");
      expect(out.models).toEqual([["regfraud", "2"]]);
      expect(out.containerTags).toEqual({ "modelreg.alias.champion": "2" });
      // Every registry call went through discovery and the data plane, and none was refused.
      const sent = loop.front.slice(frontMark);
      expect(sent[0]?.path).toBe(`/registrymanagement/v1.0/registries/${REGISTRY}/discovery`);
      expect(sent.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([]);
      // Every version's files, byte for byte, and nothing else. Fails with modelreg's registry layout as of this
      // writing: the modelUri names the files' folder without a trailing slash (`{container}/model`), MLClient's
      // download lists blobs starting with "model" (_storage_utils.get_ds_name_and_path_prefix, then
      // BlobStorageClient.download(starts_with=...)), which takes the record beside it too, `modelreg.json`, and
      // writes it as `model/reg.json`. The workspace's modelUri ends in `model/` and downloads clean.
      for (const v of ["1", "2"]) expect(out.files[v], v).toEqual(downloaded("regfraud", v));
    },
    MLCLIENT_TEST_TIMEOUT_MS,
  );
});
