// Interop, the other way (issue 19, item 2): what huggingface_hub 2.4.0 (the official Python client) writes to the
// Hub, modelreg reads. Python uploads a folder with a model card it made (ModelCardData with eval results), commits
// again, tags both commits v1 and v2 and branches champion; modelreg lists, reads and downloads them byte for byte,
// then makes version 3 on top, and its alias and stage moves show in Python's refs. A repository Python uploaded
// without tags holds no version for modelreg until it is tagged (versions are found only through v<n> tags).
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError } from "modelreg";
import type { HuggingFaceRegistry } from "modelreg/huggingface";
import { beforeAll, describe, expect, it } from "vitest";
import { HUB } from "../support/hub-fake.js";
import { HUB_TEST_TIMEOUT_MS, useHubLoopback } from "./support/hub-official.js";
import {
  binary,
  digests,
  folderDigests,
  PY_CARD,
  PY_PRELUDE,
  refusedSince,
  registryOn,
  safetensors,
  sha256,
  streamDigest,
  writeFolder,
} from "./support/interop-helpers.js";

const loop = useHubLoopback();
const MODEL = "pyfraud";
const REPO = `acme/${MODEL}`;

/** What Python's first upload_folder sends besides the card it writes itself. */
const FIRST: Record<string, Buffer> = {
  "notes.txt": Buffer.from("uploaded by huggingface_hub\n"),
  "config/nested/config.json": Buffer.from('{"model_type": "gbdt", "depth": 5}\n'),
  "weights/model.bin": binary(11),
  "model.safetensors": safetensors(11),
};
/** What Python's second commit adds (and it deletes notes.txt and writes a new card). */
const SECOND: Record<string, Buffer> = {
  "weights/model.bin": binary(12),
  "extra/labels.txt": Buffer.from("fraud\nlegit\n"),
};
/** modelreg's version 3: one of Python's files again, and files of its own. */
const THIRD: Record<string, Buffer> = {
  "model.safetensors": safetensors(11),
  "weights/model.bin": binary(13),
  "modelreg-notes.txt": Buffer.from("made by modelreg on top of Python's versions\n"),
};

/** The card of each Python commit: ModelCardData with eval results, written by the card's own save(). */
const WRITE_CARD = `${PY_CARD}
from huggingface_hub import ModelCardData, EvalResult
def write_card(path, accuracy):
    results = [
        EvalResult(task_type="tabular-classification", dataset_type="acme/transactions", dataset_name="Transactions",
                   metric_type="accuracy", metric_value=accuracy),
        EvalResult(task_type="tabular-classification", dataset_type="acme/transactions", dataset_name="Transactions",
                   metric_type="f1", metric_value=0.61, metric_name="F1"),
    ]
    data = ModelCardData(license="mit", library_name="sklearn", tags=["fraud", "tabular"], model_name="${MODEL}", eval_results=results)
    card_from(data, "${MODEL}").save(path)
`;

let registry: HuggingFaceRegistry;
/** The tree of each Python version (path to SHA-256, README.md included, .gitattributes not). */
const trees: Record<string, Record<string, string>> = {};
/** The commits of v1 and v2. */
const commits: Record<string, string> = {};
/** modelreg's probe for its record in a commit another tool made. */
const probe = (commit: string | undefined) => `GET ${HUB}/${REPO}/resolve/${commit}/modelreg.json 404`;

beforeAll(async () => {
  registry = registryOn(loop);
  await writeFolder(join(loop.home, "first"), FIRST);
  await writeFolder(join(loop.home, "second"), SECOND);
});

describe("modelreg reads what huggingface_hub 2.4.0 writes", () => {
  it(
    "Python uploads, commits, tags v1 and v2 and branches champion; modelreg lists 2 and 1 and reads metrics from the cards",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(
        `${PY_PRELUDE}${WRITE_CARD}
from huggingface_hub import HfApi, CommitOperationAdd, CommitOperationDelete
api = HfApi()
first, second = sys.argv[1], sys.argv[2]
api.create_repo("${REPO}", private=True)
write_card(os.path.join(first, "README.md"), 0.87)
v1 = api.upload_folder(repo_id="${REPO}", folder_path=first, commit_message="First model")
api.create_tag("${REPO}", tag="v1")
write_card(os.path.join(second, "README.md"), 0.9)
ops = [CommitOperationAdd(p, os.path.join(second, p)) for p in tree(second)] + [CommitOperationDelete("notes.txt")]
v2 = api.create_commit("${REPO}", operations=ops, commit_message="Second model", parent_commit=v1.oid)
api.create_tag("${REPO}", tag="v2", revision=v2.oid)
api.create_branch("${REPO}", branch="champion", revision="v1")
print(json.dumps({"v1": v1.oid, "v2": v2.oid}))
`,
        join(loop.home, "first"),
        join(loop.home, "second"),
      )) as { v1: string; v2: string };
      Object.assign(commits, out);
      trees["1"] = await folderDigests(join(loop.home, "first"));
      const second = await folderDigests(join(loop.home, "second"));
      trees["2"] = Object.fromEntries(Object.entries({ ...trees["1"], ...second }).filter(([path]) => path !== "notes.txt"));
      expect(Object.keys(trees["2"]).sort()).toEqual(["README.md", "config/nested/config.json", "extra/labels.txt", "model.safetensors", "weights/model.bin"]);
      expect(loop.fake.refs(REPO)).toEqual({ branches: { main: out.v2, champion: out.v1 }, tags: { v1: out.v1, v2: out.v2 } });

      const listed = await registry.listVersions(MODEL).toArray();
      expect(listed.map((v) => v.version)).toEqual(["2", "1"]);
      const v1 = await registry.getVersion(`${MODEL}/1`);
      expect(v1).toMatchObject({
        version: "1",
        description: "First model",
        metrics: { accuracy: 0.87, F1: 0.61 },
        tags: { fraud: "", tabular: "" },
        stage: "draft",
      });
      expect(v1.aliases).toEqual(["champion"]);
      expect(v1.artifacts).toMatchObject({
        fileCount: 5,
        totalBytes: Object.values(FIRST).reduce((n, b) => n + b.length, 0) + (await stat(join(loop.home, "first", "README.md"))).size,
      });
      expect((v1.raw as { commit: string }).commit).toBe(out.v1);
      expect(listed[0]).toMatchObject({ version: "2", description: "Second model", metrics: { accuracy: 0.9, F1: 0.61 } });
      expect((await registry.getVersion(`${MODEL}@champion`)).version).toBe("1");
      expect((await registry.getVersion(`${MODEL}@latest`)).version).toBe("2");
      // modelreg looks for its record (modelreg.json) in each commit; Python's commits have none.
      expect(new Set(refusedSince(loop, mark))).toEqual(new Set([probe(out.v1), probe(out.v2)]));
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "downloadArtifacts gives exactly each tagged tree's files (README.md in, .gitattributes out) and openArtifact streams them",
    async () => {
      const mark = loop.refused().length;
      for (const v of ["1", "2"]) {
        const dir = join(loop.home, `download-${v}`);
        const result = await registry.downloadArtifacts(`${MODEL}/${v}`, dir);
        expect(await folderDigests(dir), `version ${v}`).toEqual(trees[v]);
        expect(result.files.map((f) => f.path).sort()).toEqual(Object.keys(trees[v] as object).sort());
      }
      expect((await registry.listArtifacts(`${MODEL}/2`)).map((f) => [f.path, f.sha256 ?? null]).sort()).toEqual(
        Object.keys(trees["2"] as object)
          .sort()
          .map((path) => [path, path === "weights/model.bin" || path === "model.safetensors" ? trees["2"]?.[path] : null]),
      );
      const opened = await registry.openArtifact(`${MODEL}/2`, "weights/model.bin");
      expect(await streamDigest(opened.stream)).toEqual({ sha256: sha256(SECOND["weights/model.bin"] as Buffer), size: SECOND["weights/model.bin"]?.length });
      const card = await registry.openArtifact(`${MODEL}@champion`, "README.md");
      expect((await streamDigest(card.stream)).sha256).toBe(trees["1"]?.["README.md"]);
      // And into the Hugging Face cache, where Python finds Python's own version offline, .gitattributes included.
      const cacheDir = join(loop.home, "cache-of-python-version");
      const cached = await registry.downloadToHubCache(`${MODEL}@champion`, { cacheDir });
      expect([cached.version, cached.commit, cached.revisions]).toEqual(["1", commits.v1, ["v1", "champion"]]);
      const before = loop.fake.requests.length;
      const offline = (await loop.pythonWith(
        { HF_HUB_OFFLINE: "1" },
        `${PY_PRELUDE}
from huggingface_hub import snapshot_download
print(json.dumps(tree(snapshot_download("${REPO}", revision="champion", cache_dir=sys.argv[1]))))
`,
        cacheDir,
      )) as Record<string, string>;
      expect(loop.fake.requests.length).toBe(before);
      expect(Object.fromEntries(Object.entries(offline).filter(([p]) => p !== ".gitattributes"))).toEqual(trees["1"]);
      expect(offline[".gitattributes"]).toBe(sha256(loop.fake.fileAt(REPO, commits.v1 as string, ".gitattributes") ?? ""));
      expect(new Set(refusedSince(loop, mark))).toEqual(new Set([probe(commits.v1), probe(commits.v2)]));
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "modelreg makes version 3 on top: main's tree is replaced, Python's v1 and v2 stay readable by both, and its branch moves show in list_repo_refs",
    async () => {
      const mark = loop.refused().length;
      const v3 = await registry.createVersion(MODEL, {
        artifacts: { entries: Object.entries(THIRD).map(([path, content]) => ({ path, content })) },
        metrics: { accuracy: 0.93 },
      });
      expect(v3.version).toBe("3");
      await registry.setAlias(MODEL, "champion", "3");
      await registry.transitionStage(`${MODEL}/2`, "staging");
      const c3 = (v3.raw as { commit: string }).commit;
      const out = (await loop.python(
        `${PY_PRELUDE}
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
api = HfApi()
refs = api.list_repo_refs("${REPO}")
v1 = {p: sha(hf_hub_download("${REPO}", p, revision="v1")) for p in json.loads(sys.argv[1])}
print(json.dumps({
  "v3files": sorted(api.list_repo_files("${REPO}", revision="v3")),
  "main": api.model_info("${REPO}").sha,
  "v3": tree(snapshot_download("${REPO}", revision="v3")),
  "v2": tree(snapshot_download("${REPO}", revision="v2")),
  "v1": dict(sorted(v1.items())),
  "tags": sorted([t.name, t.target_commit] for t in refs.tags),
  "branches": sorted([b.name, b.target_commit] for b in refs.branches),
}))
`,
        JSON.stringify(Object.keys(trees["1"] as object)),
      )) as Record<string, unknown>;
      expect(out.v3files).toEqual([".gitattributes", "README.md", "modelreg.json", ...Object.keys(THIRD)].sort());
      expect(out.main).toBe(c3);
      const own = (tree: Record<string, string>) =>
        Object.fromEntries(Object.entries(tree).filter(([p]) => !["README.md", "modelreg.json", ".gitattributes"].includes(p)));
      expect(own(out.v3 as Record<string, string>)).toEqual(digests(THIRD));
      expect(own(out.v2 as Record<string, string>)).toEqual(own(trees["2"] as Record<string, string>));
      expect(out.v1).toEqual(trees["1"]);
      expect(out.tags).toEqual([
        ["v1", commits.v1],
        ["v2", commits.v2],
        ["v3", c3],
      ]);
      const state = loop.fake.refs(REPO).branches.modelreg;
      expect(out.branches).toEqual([
        ["champion", c3],
        ["main", c3],
        ["modelreg", state],
        ["staging", commits.v2],
      ]);
      // And modelreg still reads Python's versions, now beside its own.
      expect((await registry.listVersions(MODEL).toArray()).map((v) => [v.version, v.stage, v.aliases])).toEqual([
        ["3", "draft", ["champion"]],
        ["2", "staging", []],
        ["1", "draft", []],
      ]);
      const again = join(loop.home, "download-1-again");
      await registry.downloadArtifacts(`${MODEL}/1`, again);
      expect(await folderDigests(again)).toEqual(trees["1"]);
      const emptyState = loop.fake.commitAt(REPO, "modelreg")?.parents[0];
      expect(new Set(refusedSince(loop, mark))).toEqual(
        new Set([probe(commits.v1), probe(commits.v2), `GET ${HUB}/${REPO}/resolve/${emptyState}/state.json 404`]),
      );
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "a repository Python uploaded without tags holds no version until Python tags it v1",
    async () => {
      const mark = loop.refused().length;
      const untagged = "untagged";
      const upload = `${PY_PRELUDE}${WRITE_CARD}
from huggingface_hub import HfApi
api = HfApi()
folder = sys.argv[1]
api.create_repo("acme/${untagged}", private=True)
write_card(os.path.join(folder, "README.md"), 0.5)
print(json.dumps({"oid": api.upload_folder(repo_id="acme/${untagged}", folder_path=folder, commit_message="No tag yet").oid}))
`;
      const folder = join(loop.home, "untagged");
      await writeFolder(folder, { "weights/model.bin": binary(21), "notes.txt": Buffer.from("untagged\n") });
      const { oid } = (await loop.python(upload, folder)) as { oid: string };
      // Documented: versions are found only through v<n> tags, so an untagged upload is a model without versions.
      expect(await registry.listVersions(untagged).toArray()).toEqual([]);
      const latest = await registry.getVersion(`${untagged}@latest`).catch((error: unknown) => error);
      expect(NotFoundError.isInstance(latest)).toBe(true);
      expect((await registry.getModel(untagged)).latestVersion).toBeUndefined();

      await loop.python(`${PY_PRELUDE}
from huggingface_hub import HfApi
HfApi().create_tag("acme/${untagged}", tag="v1")
print(json.dumps(True))
`);
      const v1 = await registry.getVersion(`${untagged}@latest`);
      expect([v1.version, (v1.raw as { commit: string }).commit, v1.metrics, v1.description]).toEqual(["1", oid, { accuracy: 0.5, F1: 0.61 }, "No tag yet"]);
      expect((await registry.listVersions(untagged).toArray()).map((v) => v.version)).toEqual(["1"]);
      const dir = join(loop.home, "untagged-download");
      await registry.downloadArtifacts(`${untagged}/1`, dir);
      expect(await folderDigests(dir)).toEqual(await folderDigests(folder));
      expect(new Set(refusedSince(loop, mark))).toEqual(new Set([`GET ${HUB}/acme/${untagged}/resolve/${oid}/modelreg.json 404`]));
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "a Python commit on top of a modelreg version, tagged v2 by Python, is version 2 with Python's files",
    async () => {
      // The commit inherits modelreg.json of version 1 (upload_file only adds), so its record names version 1 while
      // its tag says 2. Tag v1 still names version 1's own commit: the record is inherited, not a moved tag.
      const mixed = "mixed";
      const mark = loop.refused().length;
      const one = await registry.createVersion(mixed, { artifacts: { entries: [{ path: "model.bin", content: binary(51) }] }, metrics: { auc: 0.5 } });
      const out = (await loop.python(`${PY_PRELUDE}
from huggingface_hub import HfApi
api = HfApi()
c = api.upload_file(path_or_fileobj=b"added by python\\n", path_in_repo="extra.txt", repo_id="acme/${mixed}", commit_message="Python adds a file")
api.create_tag("acme/${mixed}", tag="v2", revision=c.oid)
print(json.dumps({"oid": c.oid, "files": sorted(api.list_repo_files("acme/${mixed}", revision="v2"))}))
`)) as { oid: string; files: string[] };
      expect(out.files).toEqual([".gitattributes", "README.md", "extra.txt", "model.bin", "modelreg.json"]);
      expect(loop.fake.refs(`acme/${mixed}`).tags).toEqual({ v1: (one.raw as { commit: string }).commit, v2: out.oid });
      // The first create's probes for the repository and for a record on the Hub's initial commit; nothing else.
      const initial = [...(loop.fake.repo(`acme/${mixed}`)?.commits.values() ?? [])].find((c) => c.parents.length === 0);
      expect(refusedSince(loop, mark)).toEqual([
        `GET ${HUB}/api/models/acme/${mixed}/refs 404`,
        `GET ${HUB}/acme/${mixed}/resolve/${initial?.oid}/modelreg.json 404`,
      ]);
      // ADAPTER BUG (reported): find() in src/adapters/huggingface/hf-read.ts refuses the inherited record with
      // CorruptDataError "tag v2 of acme/mixed names the commit of version 1", and listVersions fails as a whole.
      const two = await registry.getVersion(`${mixed}/2`);
      expect([two.version, (two.raw as { commit: string }).commit]).toEqual(["2", out.oid]);
      expect((await registry.listVersions(mixed).toArray()).map((v) => v.version)).toEqual(["2", "1"]);
      const dir = join(loop.home, "mixed-2");
      await registry.downloadArtifacts(`${mixed}/2`, dir);
      expect(await folderDigests(dir)).toMatchObject({ "extra.txt": sha256("added by python\n"), "model.bin": sha256(binary(51)) });
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "a modelreg version Python copied into another repository with snapshot_download and upload_folder, tagged v1 there, is its version 1",
    async () => {
      // The copy carries the original's modelreg.json, which names model "original". Another tool's upload, tagged.
      await registry.createVersion("original", { artifacts: { entries: [{ path: "model.bin", content: binary(61) }] } });
      const mark = loop.refused().length;
      const out = (await loop.python(`${PY_PRELUDE}
from huggingface_hub import HfApi, snapshot_download
api = HfApi()
api.create_repo("acme/copied", private=True)
c = api.upload_folder(repo_id="acme/copied", folder_path=snapshot_download("acme/original", revision="v1"), commit_message="A copy")
api.create_tag("acme/copied", tag="v1")
print(json.dumps({"oid": c.oid, "files": sorted(api.list_repo_files("acme/copied", revision="v1"))}))
`)) as { oid: string; files: string[] };
      expect(out.files).toEqual([".gitattributes", "README.md", "model.bin", "modelreg.json"]);
      expect(refusedSince(loop, mark)).toEqual([]);
      // ADAPTER BUG (reported): readRecord in src/adapters/huggingface/hf-records.ts refuses the copied record with
      // CorruptDataError 'modelreg.json at <commit> belongs to model "original"'; listVersions fails the same way.
      const one = await registry.getVersion("copied/1");
      expect([one.version, (one.raw as { commit: string }).commit]).toEqual(["1", out.oid]);
      expect((await registry.listVersions("copied").toArray()).map((v) => v.version)).toEqual(["1"]);
      const dir = join(loop.home, "copied-1");
      await registry.downloadArtifacts("copied/1", dir);
      expect(await folderDigests(dir)).toMatchObject({ "model.bin": sha256(binary(61)) });
    },
    HUB_TEST_TIMEOUT_MS,
  );
});
