// Interop both ways with Hugging Face's official JS client, @huggingface/hub 2.17.5 (issue 19, item 2), over the
// loopback fake with Node's own fetch: it lists, downloads and snapshots a version modelreg made, by tag, alias and
// main; and modelreg reads what it commits, once the commits are tagged v<n>. The JS client cannot tag (reference
// §1.1: no createTag), so the tags are made with a plain POST to the Hub's tag endpoint, the gap the adapter fills.
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import * as hubjs from "@huggingface/hub";
import type { HuggingFaceRegistry } from "modelreg/huggingface";
import { beforeAll, describe, expect, it } from "vitest";
import { HF_TOKEN, HUB } from "../support/hub-fake.js";
import { HUB_TEST_TIMEOUT_MS, useHubLoopback } from "./support/hub-official.js";
import { binary, digests, folderDigests, refusedSince, registryOn, safetensors, sha256, streamDigest } from "./support/interop-helpers.js";

const loop = useHubLoopback({ python: false });
/** The files a version's commit holds besides its own. */
const BESIDE = [".gitattributes", "README.md", "modelreg.json"];
const own = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([p]) => !BESIDE.includes(p)));
const blob = (bytes: Buffer) => new Blob([new Uint8Array(bytes)]);

let registry: HuggingFaceRegistry;
const js = () => ({ accessToken: HF_TOKEN, hubUrl: loop.hub.url });

beforeAll(() => {
  registry = registryOn(loop);
});

describe("@huggingface/hub 2.17.5 reads what modelreg writes", () => {
  const MODEL = "forjs";
  const REPO = `acme/${MODEL}`;
  const V1: Record<string, Buffer> = {
    "notes.txt": Buffer.from("read by hub.js\n"),
    "config/nested/params.json": Buffer.from('{"depth": 3}\n'),
    "weights/blob.bin": binary(31),
    "model.safetensors": safetensors(31),
  };
  const V2: Record<string, Buffer> = { "weights/blob.bin": binary(32), "model.safetensors": safetensors(32) };
  const commits: Record<string, string> = {};

  it(
    "lists and downloads version 1 by its tag byte for byte; LFS files carry their SHA-256",
    async () => {
      const mark = loop.refused().length;
      const entries = (files: Record<string, Buffer>) => Object.entries(files).map(([path, content]) => ({ path, content }));
      const made1 = await registry.createVersion(MODEL, { artifacts: { entries: entries(V1) }, metrics: { auc: 0.81 }, aliases: ["champion"] });
      const made2 = await registry.createVersion(MODEL, { artifacts: { entries: entries(V2) }, metrics: { auc: 0.84 } });
      commits["1"] = (made1.raw as { commit: string }).commit;
      commits["2"] = (made2.raw as { commit: string }).commit;
      const listed: hubjs.ListFileEntry[] = [];
      for await (const e of hubjs.listFiles({ ...js(), repo: REPO, revision: "v1", recursive: true })) if (e.type === "file") listed.push(e);
      expect(listed.map((e) => e.path).sort()).toEqual([...Object.keys(V1), ...BESIDE].sort());
      for (const [path, bytes] of Object.entries(V1)) {
        const entry = listed.find((e) => e.path === path);
        expect(entry?.size, path).toBe(bytes.length);
        // The binary and the .safetensors file went through LFS, so the tree names their SHA-256.
        if (path === "weights/blob.bin" || path === "model.safetensors") expect(entry?.lfs?.oid, path).toBe(sha256(bytes));
        const got = await hubjs.downloadFile({ ...js(), repo: REPO, path, revision: "v1" });
        expect(sha256(new Uint8Array(await (got as Blob).arrayBuffer())), path).toBe(sha256(bytes));
      }
      const record = JSON.parse(await ((await hubjs.downloadFile({ ...js(), repo: REPO, path: "modelreg.json", revision: "v1" })) as Blob).text());
      expect([record.version, record.metrics]).toEqual(["1", { auc: 0.81 }]);
      expect(refusedSince(loop, mark)).toEqual([
        `GET ${HUB}/api/models/${REPO}/refs 404`,
        `GET ${HUB}/${REPO}/resolve/${loop.fake.repo(REPO)?.commits.keys().next().value}/modelreg.json 404`,
      ]);
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "snapshotDownload by tag and by alias writes each version's tree into the cache; modelInfo sees a private repo whose head is the newest version",
    async () => {
      const mark = loop.refused().length;
      const cacheDir = join(loop.home, "hubjs-cache");
      const byTag = await hubjs.snapshotDownload({ ...js(), repo: REPO, revision: "v1", cacheDir });
      const byAlias = await hubjs.snapshotDownload({ ...js(), repo: REPO, revision: "champion", cacheDir });
      const main = await hubjs.snapshotDownload({ ...js(), repo: REPO, cacheDir });
      expect([basename(byTag), basename(byAlias), basename(main)]).toEqual([commits["1"], commits["1"], commits["2"]]);
      expect(own(await folderDigests(byTag))).toEqual(digests(V1));
      expect(Object.keys(await folderDigests(byTag)).sort()).toEqual([...Object.keys(V1), ...BESIDE].sort());
      expect(own(await folderDigests(main))).toEqual(digests(V2));
      const repoDir = join(cacheDir, "models--acme--forjs");
      expect(await readFile(join(repoDir, "refs", "v1"), "utf8")).toBe(commits["1"]);
      expect(await readFile(join(repoDir, "refs", "champion"), "utf8")).toBe(commits["1"]);
      const info = await hubjs.modelInfo({ ...js(), name: REPO, additionalFields: ["sha"] });
      expect([info.name, info.private, info.sha]).toEqual([REPO, true, commits["2"]]);
      expect((await hubjs.modelInfo({ ...js(), name: REPO, revision: "v1", additionalFields: ["sha"] })).sha).toBe(commits["1"]);
      expect(refusedSince(loop, mark)).toEqual([]);
    },
    HUB_TEST_TIMEOUT_MS,
  );
});

describe("modelreg reads what @huggingface/hub 2.17.5 writes", () => {
  const MODEL = "fromjs";
  const REPO = `acme/${MODEL}`;
  const CARD = Buffer.from(
    "---\ntags:\n- hubjs\nmodel-index:\n- name: fromjs\n  results:\n  - task:\n      type: other\n    dataset:\n      type: custom\n      name: evaluation\n    metrics:\n    - type: accuracy\n      value: 0.77\n---\n\n# Written with hub.js\n",
  );
  const FIRST: Record<string, Buffer> = {
    "README.md": CARD,
    "config.json": Buffer.from('{"hidden": 8}\n'),
    "weights/model.bin": binary(41),
    "nested/deep/vocab.txt": Buffer.from("a\nb\nc\n"),
  };
  const SECOND: Record<string, Buffer> = { ...FIRST, "weights/model.bin": binary(42), "extra.txt": Buffer.from("second\n") };
  delete SECOND["nested/deep/vocab.txt"];
  const commits: Record<string, string> = {};
  const probe = (commit: string | undefined) => `GET ${HUB}/${REPO}/resolve/${commit}/modelreg.json 404`;

  /** The JS client has no createTag: the Hub's endpoint, called as huggingface_hub's create_tag calls it. */
  async function tag(revision: string, name: string): Promise<number> {
    const res = await fetch(`${loop.hub.url}/api/models/${REPO}/tag/${encodeURIComponent(revision)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${HF_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ tag: name }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  it(
    "hub.js commits twice and branches champion, the commits are tagged v1 and v2, and modelreg reads both byte for byte",
    async () => {
      const mark = loop.refused().length;
      await hubjs.createRepo({ ...js(), repo: REPO, private: true });
      const first = await hubjs.uploadFiles({
        ...js(),
        repo: REPO,
        useXet: false,
        commitTitle: "First from hub.js",
        files: Object.entries(FIRST).map(([path, bytes]) => ({ path, content: blob(bytes) })),
      });
      commits["1"] = first?.commit.oid as string;
      // No tag yet: no version (versions are found only through v<n> tags).
      expect(await registry.listVersions(MODEL).toArray()).toEqual([]);
      expect(await tag(commits["1"], "v1")).toBe(200);
      const second = await hubjs.commit({
        ...js(),
        repo: REPO,
        title: "Second from hub.js",
        useXet: false,
        parentCommit: commits["1"],
        operations: [
          { operation: "addOrUpdate", path: "weights/model.bin", content: blob(SECOND["weights/model.bin"] as Buffer) },
          { operation: "addOrUpdate", path: "extra.txt", content: blob(SECOND["extra.txt"] as Buffer) },
          { operation: "delete", path: "nested/deep/vocab.txt" },
        ],
      });
      commits["2"] = second?.commit.oid as string;
      expect(await tag(commits["2"], "v2")).toBe(200);
      await hubjs.createBranch({ ...js(), repo: REPO, branch: "champion", revision: commits["1"] });

      expect((await registry.listVersions(MODEL).toArray()).map((v) => [v.version, v.description, v.metrics, v.tags])).toEqual([
        ["2", "Second from hub.js", { accuracy: 0.77 }, { hubjs: "" }],
        ["1", "First from hub.js", { accuracy: 0.77 }, { hubjs: "" }],
      ]);
      expect((await registry.getVersion(`${MODEL}@champion`)).version).toBe("1");
      for (const [v, files] of [
        ["1", FIRST],
        ["2", SECOND],
      ] as const) {
        const dir = join(loop.home, `fromjs-${v}`);
        await registry.downloadArtifacts(`${MODEL}/${v}`, dir);
        expect(await folderDigests(dir), `version ${v}`).toEqual(digests(files));
      }
      const opened = await registry.openArtifact(`${MODEL}/2`, "weights/model.bin");
      expect(await streamDigest(opened.stream)).toEqual({ sha256: sha256(SECOND["weights/model.bin"] as Buffer), size: SECOND["weights/model.bin"]?.length });
      expect(new Set(refusedSince(loop, mark))).toEqual(new Set([probe(commits["1"]), probe(commits["2"])]));
    },
    HUB_TEST_TIMEOUT_MS,
  );

  it(
    "modelreg's version 3 on top is what hub.js lists at v3 and main, while hub.js's v1 still downloads",
    async () => {
      const mark = loop.refused().length;
      const three = { "weights/model.bin": binary(43), "config.json": Buffer.from('{"hidden": 16}\n') };
      const v3 = await registry.createVersion(MODEL, { artifacts: { entries: Object.entries(three).map(([path, content]) => ({ path, content })) } });
      expect(v3.version).toBe("3");
      const c3 = (v3.raw as { commit: string }).commit;
      for (const revision of ["v3", "main"]) {
        const listed: string[] = [];
        for await (const e of hubjs.listFiles({ ...js(), repo: REPO, revision, recursive: true })) if (e.type === "file") listed.push(e.path);
        expect(listed.sort(), revision).toEqual([...Object.keys(three), ...BESIDE].sort());
      }
      expect((await hubjs.modelInfo({ ...js(), name: REPO, additionalFields: ["sha"] })).sha).toBe(c3);
      const old = await hubjs.downloadFile({ ...js(), repo: REPO, path: "nested/deep/vocab.txt", revision: "v1" });
      expect(sha256(new Uint8Array(await (old as Blob).arrayBuffer()))).toBe(sha256(FIRST["nested/deep/vocab.txt"] as Buffer));
      expect(await hubjs.downloadFile({ ...js(), repo: REPO, path: "nested/deep/vocab.txt", revision: "v3" })).toBeNull();
      // main's head is version 2, tagged, so modelreg does not look for a record there; the only 404 is hub.js's.
      expect(refusedSince(loop, mark)).toEqual([`GET ${HUB}/${REPO}/resolve/v3/nested/deep/vocab.txt 404`]);
    },
    HUB_TEST_TIMEOUT_MS,
  );
});
