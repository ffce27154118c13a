// Interop, one way (issue 19, item 2): what modelreg writes to the Hub, huggingface_hub 2.4.0 (the official Python
// client) reads. modelreg makes three versions of acme/fraud over the loopback fake (an LFS binary with NUL bytes, a
// .safetensors file, a nested path, a small text file; metrics, params, tags, lineage, description; the alias
// champion and the stage production), then Python downloads them by tag, alias, stage and main, lists the refs, loads
// the model cards, and reads the cache downloadToHubCache wrote with no network at all.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { HuggingFaceRegistry } from "modelreg/huggingface";
import { beforeAll, describe, expect, it } from "vitest";
import { HUB } from "../support/hub-fake.js";
import { HUB_TEST_TIMEOUT_MS, useHubLoopback } from "./support/hub-official.js";
import { api, binary, digests, PY_PRELUDE, refusedSince, registryOn, safetensors, sha256 } from "./support/interop-helpers.js";

const loop = useHubLoopback();
const MODEL = "fraud";
const REPO = `acme/${MODEL}`;

/** Each version's files. v2 drops notes.txt and adds a vocabulary; v3 drops the nested config and reuses v1's binary. */
const FILES: Record<string, Record<string, Buffer>> = {
  "1": {
    "notes.txt": Buffer.from("version one: trained on May's transactions\n"),
    "config/nested/params.json": Buffer.from('{"depth": 4, "trees": 300}\n'),
    "weights/blob.bin": binary(1),
    "model.safetensors": safetensors(1),
  },
  "2": {
    "config/nested/params.json": Buffer.from('{"depth": 6, "trees": 500}\n'),
    "weights/blob.bin": binary(2),
    "model.safetensors": safetensors(2),
    "tokenizer/vocab.txt": Buffer.from("[PAD]\n[UNK]\nfraud\nlegit\n"),
  },
  "3": {
    "notes.txt": Buffer.from("version three\n"),
    "weights/blob.bin": binary(1),
    "model.safetensors": safetensors(3),
  },
};
const METRICS: Record<string, Record<string, number>> = {
  "1": { auc: 0.91, loss: 0.25 },
  "2": { auc: 0.93, f1: 0.8 },
  "3": { auc: 0.95, recall: 0.75 },
};
/** The files a version's commit holds besides its own: the card, the record, and the Hub's LFS attributes. */
const BESIDE = [".gitattributes", "README.md", "modelreg.json"];
const entries = (files: Record<string, Buffer>) => Object.entries(files).map(([path, content]) => ({ path, content }));

let registry: HuggingFaceRegistry;
/** Each version's commit, as modelreg reports it. */
const commits: Record<string, string> = {};

beforeAll(() => {
  registry = registryOn(loop);
});

describe("huggingface_hub 2.4.0 reads what modelreg writes", () => {
  it(
    "modelreg creates three versions, an alias and a stage, as tags and branches of one private repository",
    async () => {
      const mark = loop.refused().length;
      await registry.createVersion(MODEL, {
        artifacts: { entries: entries(FILES["1"] as Record<string, Buffer>) },
        description: "First fraud model",
        metrics: METRICS["1"],
        params: { depth: 4, trees: 300, balanced: true },
        tags: { team: "risk", framework: "sklearn" },
        lineage: {
          codeCommit: "0123456789abcdef0123456789abcdef01234567",
          codeRepository: "https://github.com/acme/fraud",
          dataSnapshots: [{ uri: "hf://datasets/acme/transactions@2024-05", role: "eval" }],
        },
        providerOptions: { huggingface: { license: "apache-2.0", libraryName: "sklearn", pipelineTag: "tabular-classification" } },
      });
      await registry.createVersion(MODEL, {
        artifacts: { entries: entries(FILES["2"] as Record<string, Buffer>) },
        metrics: METRICS["2"],
        aliases: ["champion"],
      });
      await registry.createVersion(MODEL, { artifacts: { entries: entries(FILES["3"] as Record<string, Buffer>) }, metrics: METRICS["3"] });
      await registry.transitionStage(`${MODEL}/1`, "production");
      for (const v of ["1", "2", "3"]) commits[v] = ((await registry.getVersion(`${MODEL}/${v}`)).raw as { commit: string }).commit;
      expect(loop.fake.refs(REPO).tags).toEqual({ v1: commits["1"], v2: commits["2"], v3: commits["3"] });
      expect(new Set(Object.values(commits)).size).toBe(3);
      const v1 = await registry.getVersion(`${MODEL}@production`);
      expect([v1.version, v1.stage, v1.params, v1.tags]).toEqual([
        "1",
        "production",
        { depth: "4", trees: "300", balanced: "true" },
        { team: "risk", framework: "sklearn" },
      ]);
      expect((await registry.getVersion(`${MODEL}@champion`)).version).toBe("2");
      // Expected probes: the first create asks for the repository (404 RepoNotFound), then for a record on the Hub's
      // initial commit; the first state change reads state.json on the empty state branch it just made.
      const initial = [...(loop.fake.repo(REPO)?.commits.values() ?? [])].find((c) => c.parents.length === 0 && c.tree.has(".gitattributes"));
      const emptyState = loop.fake.commitAt(REPO, "modelreg")?.parents[0];
      expect(refusedSince(loop, mark)).toEqual([
        `GET ${api(REPO, "refs")} 404`,
        `GET ${HUB}/${REPO}/resolve/${initial?.oid}/modelreg.json 404`,
        `GET ${HUB}/${REPO}/resolve/${emptyState}/state.json 404`,
      ]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "hf_hub_download at revision v1 gives every file byte for byte, and snapshot_download at v2 exactly v2's tree",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(
        `${PY_PRELUDE}
from huggingface_hub import hf_hub_download, snapshot_download
names = json.loads(sys.argv[1])
v1 = {n: sha(hf_hub_download("${REPO}", n, revision="v1")) for n in names}
record = json.load(open(hf_hub_download("${REPO}", "modelreg.json", revision="v1")))
snap = snapshot_download("${REPO}", revision="v2")
print(json.dumps({"v1": dict(sorted(v1.items())), "record": {k: record[k] for k in ("model", "version", "metrics", "description")},
  "v2": tree(snap), "v2dir": os.path.basename(snap)}))
`,
        JSON.stringify(Object.keys(FILES["1"] as object)),
      )) as { v1: Record<string, string>; record: unknown; v2: Record<string, string>; v2dir: string };
      expect(out.v1).toEqual(digests(FILES["1"] as Record<string, Buffer>));
      expect(out.record).toEqual({ model: MODEL, version: "1", metrics: METRICS["1"], description: "First fraud model" });
      expect(Object.keys(out.v2).sort()).toEqual([...Object.keys(FILES["2"] as object), ...BESIDE].sort());
      for (const [path, digest] of Object.entries(digests(FILES["2"] as Record<string, Buffer>))) expect(out.v2[path], path).toBe(digest);
      expect(out.v2dir).toBe(commits["2"]);
      expect(refusedSince(loop, mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "the alias and the stage are branches Python resolves to their versions' commits, and main is the newest version",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(`${PY_PRELUDE}
from huggingface_hub import HfApi, snapshot_download
api = HfApi()
snaps = {rev: snapshot_download("${REPO}", revision=rev) for rev in ("champion", "production")}
main = snapshot_download("${REPO}")
print(json.dumps({
  "dirs": {rev: os.path.basename(p) for rev, p in snaps.items()},
  "info": {rev: api.model_info("${REPO}", revision=rev).sha for rev in ("champion", "production", "main")},
  "champion": tree(snaps["champion"]), "production": tree(snaps["production"]),
  "main": tree(main), "maindir": os.path.basename(main),
}))
`)) as Record<string, Record<string, string>> & { maindir: string };
      expect(out.dirs).toEqual({ champion: commits["2"], production: commits["1"] });
      expect(out.info).toEqual({ champion: commits["2"], production: commits["1"], main: commits["3"] });
      const own = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([p]) => !BESIDE.includes(p)));
      expect(own(out.champion as Record<string, string>)).toEqual(digests(FILES["2"] as Record<string, Buffer>));
      expect(own(out.production as Record<string, string>)).toEqual(digests(FILES["1"] as Record<string, Buffer>));
      expect(Object.keys(out.main as object).sort()).toEqual([...Object.keys(FILES["3"] as object), ...BESIDE].sort());
      expect(own(out.main as Record<string, string>)).toEqual(digests(FILES["3"] as Record<string, Buffer>));
      expect(out.maindir).toBe(commits["3"]);
      expect(refusedSince(loop, mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "list_repo_refs shows the version tags and the main, alias, stage and state branches; the repository is private",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(`${PY_PRELUDE}
from huggingface_hub import HfApi
api = HfApi()
refs = api.list_repo_refs("${REPO}")
print(json.dumps({
  "tags": sorted([t.name, t.ref, t.target_commit] for t in refs.tags),
  "branches": sorted([b.name, b.target_commit] for b in refs.branches),
  "private": api.model_info("${REPO}").private,
}))
`)) as { tags: string[][]; branches: string[][]; private: boolean };
      expect(out.tags).toEqual(["1", "2", "3"].map((v) => [`v${v}`, `refs/tags/v${v}`, commits[v]]));
      const state = loop.fake.refs(REPO).branches.modelreg;
      expect(state).toMatch(/^[0-9a-f]{40}$/);
      expect(out.branches).toEqual([
        ["champion", commits["2"]],
        ["main", commits["3"]],
        ["modelreg", state],
        ["production", commits["1"]],
      ]);
      expect(out.private).toBe(true);
      expect(refusedSince(loop, mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "ModelCard reads each version's metrics, task, dataset and license as eval results",
    async () => {
      const mark = loop.refused().length;
      const out = (await loop.python(`${PY_PRELUDE}
from huggingface_hub import ModelCard, hf_hub_download
def results(card):
    return sorted([r.metric_type, r.metric_value, r.task_type, r.dataset_type, r.dataset_revision] for r in (card.data.eval_results or []))
main = ModelCard.load("${REPO}")
v1 = ModelCard.load(hf_hub_download("${REPO}", "README.md", revision="v1"))
print(json.dumps({"main": results(main), "v1": results(v1), "license": v1.data.license, "library": v1.data.library_name,
  "pipeline": v1.data.pipeline_tag, "tags": v1.data.tags, "datasets": v1.data.datasets, "model_name": v1.data.model_name}))
`)) as Record<string, unknown>;
      const rows = (v: string, task: string, dataset: string, revision: string | null) =>
        Object.entries(METRICS[v] as object)
          .map(([name, value]) => [name, value, task, dataset, revision])
          .sort();
      expect(out.main).toEqual(rows("3", "other", "custom", null));
      expect(out.v1).toEqual(rows("1", "tabular-classification", "acme/transactions", "2024-05"));
      expect(out).toMatchObject({ license: "apache-2.0", library: "sklearn", pipeline: "tabular-classification", model_name: MODEL });
      expect(out.tags).toContain("modelreg");
      expect(refusedSince(loop, mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "downloadToHubCache writes a cache Python reads with HF_HUB_OFFLINE=1 and no request, and scan_cache_dir finds no fault",
    async () => {
      const cacheDir = join(loop.home, "modelreg-cache");
      const byTag = await registry.downloadToHubCache(`${MODEL}/1`, { cacheDir });
      const byAlias = await registry.downloadToHubCache(`${MODEL}@champion`, { cacheDir });
      expect([byTag.commit, byTag.revisions, byAlias.commit, byAlias.revisions]).toEqual([commits["1"], ["v1"], commits["2"], ["v2", "champion"]]);
      // Digests, not bytes: vitest's deep equality walks a Buffer element by element (seconds per MiB).
      expect(sha256(await readFile(join(byTag.snapshotDir, "weights/blob.bin")))).toBe(sha256(FILES["1"]?.["weights/blob.bin"] as Buffer));
      const mark = loop.refused().length;
      const before = loop.fake.requests.length;
      const out = (await loop.pythonWith(
        { HF_HUB_OFFLINE: "1" },
        `${PY_PRELUDE}
from huggingface_hub import hf_hub_download, snapshot_download, scan_cache_dir
cache = sys.argv[1]
names = json.loads(sys.argv[2])
paths = {n: hf_hub_download("${REPO}", n, revision="v1", cache_dir=cache) for n in names}
snap = snapshot_download("${REPO}", revision="champion", cache_dir=cache)
info = scan_cache_dir(cache)
print(json.dumps({
  "v1": {n: sha(p) for n, p in sorted(paths.items())},
  "v1paths": paths,
  "champion": tree(snap), "championdir": snap,
  "warnings": [str(w) for w in info.warnings],
  "repos": [[r.repo_id, r.repo_type, sorted([rev.commit_hash, sorted(rev.refs), rev.nb_files] for rev in r.revisions)] for r in info.repos],
}))
`,
        cacheDir,
        JSON.stringify(Object.keys(FILES["1"] as object)),
      )) as Record<string, unknown>;
      expect(out.v1).toEqual(digests(FILES["1"] as Record<string, Buffer>));
      expect(out.v1paths).toEqual(Object.fromEntries(Object.keys(FILES["1"] as object).map((n) => [n, join(byTag.snapshotDir, n)])));
      expect(out.championdir).toBe(byAlias.snapshotDir);
      const champion = out.champion as Record<string, string>;
      expect(Object.keys(champion).sort()).toEqual([...Object.keys(FILES["2"] as object), ...BESIDE].sort());
      for (const [path, digest] of Object.entries(digests(FILES["2"] as Record<string, Buffer>))) expect(champion[path], path).toBe(digest);
      expect(out.warnings).toEqual([]);
      const fileCount = (v: string) => Object.keys(FILES[v] as object).length + BESIDE.length;
      expect(out.repos).toEqual([
        [
          REPO,
          "model",
          [
            [commits["1"], ["v1"], fileCount("1")],
            [commits["2"], ["champion", "v2"], fileCount("2")],
          ].sort(),
        ],
      ]);
      // Offline means offline: not one request reached the Hub or its storage.
      expect(loop.fake.requests.length).toBe(before);
      expect(refusedSince(loop, mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "Python and modelreg share one cache: each reuses the blobs the other wrote, and scan_cache_dir finds no fault",
    async () => {
      const mark = loop.refused().length;
      const cacheDir = join(loop.home, "shared-cache");
      const download = (code: string) =>
        loop.python(
          `${PY_PRELUDE}
from huggingface_hub import hf_hub_download, snapshot_download, scan_cache_dir
cache = sys.argv[1]
${code}
info = scan_cache_dir(cache)
print(json.dumps({"path": path, "warnings": [str(w) for w in info.warnings],
  "refs": sorted([rev.commit_hash, sorted(rev.refs)] for r in info.repos for rev in r.revisions)}))
`,
          cacheDir,
        ) as Promise<{ path: string; warnings: string[]; refs: unknown[] }>;
      // Python first: modelreg finds every blob of version 2 in place and writes none.
      const first = await download(`path = snapshot_download("${REPO}", revision="v2", cache_dir=cache)`);
      expect(first.path).toBe(join(cacheDir, "models--acme--fraud", "snapshots", commits["2"] as string));
      const reusing = await registry.downloadToHubCache(`${MODEL}/2`, { cacheDir });
      expect([reusing.written, reusing.reused]).toEqual([0, Object.keys(FILES["2"] as object).length + BESIDE.length]);
      // modelreg first: Python downloads no byte of version 1 again (a HEAD for the metadata, no GET of the file).
      await registry.downloadToHubCache(`${MODEL}/1`, { cacheDir });
      const before = loop.fake.requests.length;
      const second = await download(`path = hf_hub_download("${REPO}", "weights/blob.bin", revision="v1", cache_dir=cache)`);
      expect(sha256(await readFile(second.path))).toBe(sha256(FILES["1"]?.["weights/blob.bin"] as Buffer));
      expect(loop.fake.requests.slice(before).filter((r) => r.method !== "HEAD")).toEqual([]);
      expect(second.warnings).toEqual([]);
      expect(second.refs).toEqual(
        [
          [commits["1"], ["v1"]],
          [commits["2"], ["v2"]],
        ].sort(),
      );
      expect(refusedSince(loop, mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "a version deleted with modelreg is gone from the tags Python lists, and its tag no longer resolves",
    async () => {
      const mark = loop.refused().length;
      await registry.deleteVersion(`${MODEL}/3`);
      const out = (await loop.python(`${PY_PRELUDE}
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import RevisionNotFoundError
api = HfApi()
refs = api.list_repo_refs("${REPO}")
try:
    hf_hub_download("${REPO}", "notes.txt", revision="v3")
    gone = None
except RevisionNotFoundError as e:
    gone = e.response.status_code
print(json.dumps({"tags": sorted([t.name, t.target_commit] for t in refs.tags), "branches": sorted(b.name for b in refs.branches), "gone": gone}))
`)) as { tags: string[][]; branches: string[]; gone: number | null };
      expect(out.tags).toEqual([
        ["v1", commits["1"]],
        ["v2", commits["2"]],
      ]);
      // main keeps the deleted version's files (reference §7: deleting frees nothing, and main is not rewritten).
      expect(out.branches).toEqual(["champion", "main", "modelreg", "production"]);
      expect(out.gone).toBe(404);
      expect((await registry.listVersions(MODEL).toArray()).map((v) => v.version)).toEqual(["2", "1"]);
      expect(sha256(loop.fake.fileAt(REPO, "main", "notes.txt") ?? "")).toBe(sha256(FILES["3"]?.["notes.txt"] as Buffer));
      expect(refusedSince(loop, mark)).toEqual([`HEAD ${HUB}/${REPO}/resolve/v3/notes.txt 404`]);
    },
    HUB_TEST_TIMEOUT_MS,
  );
});
