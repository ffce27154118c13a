// The Hub model card: renderHubCard's README.md reads back (through hf-yaml's reader) to the version's metrics, tags
// and identity whatever its names and texts hold; readHubCard reads cards as the Hub's docs and huggingface_hub write
// them; and no input, however broken, makes either reader throw.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readHubCard, renderHubCard } from "../../src/adapters/huggingface/hf-card.js";
import { emitYaml, parseFrontMatter } from "../../src/adapters/huggingface/hf-yaml.js";
import { parseYaml } from "../../src/adapters/huggingface/hf-yaml-read.js";
import type { ModelVersion } from "../../src/core/types.js";

function version(overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    model: "fraud",
    version: "7",
    params: { lr: "0.01" },
    metrics: { auc: 0.93, loss: 0.21, tiny: 1.5e-9, big: 3e21 },
    tags: {},
    lineage: {
      dataSnapshots: [
        { uri: "s3://data/train", role: "train" },
        { uri: "hf://datasets/acme/fraud-eval@v2", role: "eval" },
      ],
    },
    aliases: ["champion"],
    stage: "staging",
    artifacts: {},
    createdAt: new Date("2026-11-30T12:00:00Z"),
    updatedAt: new Date("2026-11-30T12:00:00Z"),
    ...overrides,
  };
}

/** Strings a YAML reader could take for structure, another type, or a line break. */
const HOSTILE = [
  ...['say "hi"', "it's", "line\nbreak", "---", "a: b", "# not a comment", "tail #", "yes", "no", "null", "~", "1e3", "0x1F", "1:30", ""],
  ...[" padded ", "[a, b]", "{a: 1}", "&anchor", "*alias", "!tag", "|", "> folded", "- dash", "é ✓ 模型 🚀", "back\\slash", "tab\there"],
  "\u2028\u0085\ufeff\ufffe\u007f",
];

describe("renderHubCard", () => {
  it("writes the Hub's metadata and a model-index that huggingface_hub requires, from the version and the options", () => {
    const md = renderHubCard(version(), {
      repoId: "acme/fraud",
      pipelineTag: "tabular-classification",
      license: "apache-2.0",
      libraryName: "sklearn",
      baseModel: "acme/fraud-base",
      datasets: ["acme/transactions", "s3://not-a-hub-dataset", "bad--id"],
      tags: ["fraud"],
    });
    const { data, body } = parseFrontMatter(md);
    expect(data).toEqual({
      license: "apache-2.0",
      library_name: "sklearn",
      pipeline_tag: "tabular-classification",
      base_model: "acme/fraud-base",
      datasets: ["acme/transactions"],
      tags: ["modelreg", "fraud"],
      metrics: ["auc", "big", "loss", "tiny"],
      "model-index": [
        {
          name: "fraud",
          results: [
            {
              task: { type: "tabular-classification" },
              dataset: { type: "acme/fraud-eval", name: "hf://datasets/acme/fraud-eval@v2", revision: "v2" },
              metrics: [
                { type: "auc", value: 0.93, name: "auc" },
                { type: "big", value: 3e21, name: "big" },
                { type: "loss", value: 0.21, name: "loss" },
                { type: "tiny", value: 1.5e-9, name: "tiny" },
              ],
            },
          ],
        },
      ],
      modelreg: { model: "fraud", version: "7" },
    });
    // renderModelCard's body, without its own front matter.
    expect(body.startsWith("\n# Model Card for fraud (version 7)")).toBe(true);
    expect(md.match(/^---$/gm)).toHaveLength(2);
  });

  it("fills the required task and dataset without a pipeline tag or data snapshot, and leaves base_model out unless it is a Hub id", () => {
    const md = renderHubCard(version({ lineage: {} }), { repoId: "solo", baseModel: "s3://weights/base" });
    const data = parseFrontMatter(md).data as Record<string, unknown>;
    expect(data.base_model).toBeUndefined();
    expect(data.datasets).toBeUndefined();
    expect((data["model-index"] as Array<{ name: string; results: Array<Record<string, unknown>> }>)[0]).toMatchObject({
      name: "solo",
      results: [{ task: { type: "other" }, dataset: { type: "custom", name: "evaluation" } }],
    });
    const bare = parseFrontMatter(renderHubCard(version({ metrics: {} }), { repoId: "acme/fraud" })).data as Record<string, unknown>;
    expect(bare["model-index"]).toBeUndefined();
    expect(bare.metrics).toBeUndefined();
    expect(bare.tags).toEqual(["modelreg"]);
  });

  it("leaves NaN and infinite metrics out of the metadata and says so in the body", () => {
    const md = renderHubCard(version({ metrics: { auc: 0.9, broken: Number.NaN, huge: Number.POSITIVE_INFINITY } }), { repoId: "acme/fraud" });
    const card = readHubCard(md);
    expect(card.metrics).toEqual({ auc: 0.9 });
    expect(card.metadata?.metrics).toEqual(["auc"]);
    expect(card.body).toContain("`broken` (NaN), `huge` (Infinity)");
  });

  it("uses the version's own Markdown as the body, as written", () => {
    const markdown = "# My card\n\n---\nnot: front matter\n---\n\nText.\n";
    const md = renderHubCard(version({ modelCard: { markdown, summary: "ignored" } }), { repoId: "acme/fraud" });
    const card = readHubCard(md);
    expect(card.body).toBe(markdown);
    expect(card.metrics.auc).toBe(0.93);
  });

  it("keeps every hostile string a string, in names, values, tags and options", () => {
    for (const text of HOSTILE) {
      // An empty metric name is no name: readHubCard skips it.
      const metrics = { ...(text !== "" && { [text]: 0.5 }), [`${text}!`]: -2 };
      const md = renderHubCard(version({ model: text, version: text, metrics, lineage: { dataSnapshots: [{ uri: text, digest: text }] } }), {
        repoId: "acme/fraud",
        license: text,
        libraryName: text,
        pipelineTag: text,
        tags: [text],
      });
      const card = readHubCard(md);
      expect(card.metadata, JSON.stringify(text)).toBeDefined();
      expect(card.metrics).toEqual(metrics);
      expect(card.tags).toEqual([...new Set(["modelreg", text])]);
      expect(card.metadata?.modelreg).toEqual({ model: text, version: text });
      if (text !== "") expect([card.license, card.libraryName, card.pipelineTag]).toEqual([text, text, text]);
    }
  });
});

describe("readHubCard", () => {
  it("reads a card written the way the Hub's docs show one (plain scalars, flow lists, comments)", () => {
    const md = `---
language:
- en
license: apache-2.0 # the license id
library_name: transformers
tags: [text-classification, generated_from_trainer]
datasets:
  - imdb
base_model: distilbert-base-uncased
pipeline_tag: text-classification
model-index:
- name: distilbert-imdb
  results:
  - task:
      name: Text Classification
      type: text-classification
    dataset:
      name: imdb
      type: imdb
      config: plain_text
      split: test
      args: plain_text
    metrics:
    - name: Accuracy
      type: accuracy
      value: 0.9316
    - type: f1
      value: 9.316e-01
      verified: false
    source:
      name: Open LLM Leaderboard
      url: https://huggingface.co/spaces/open-llm-leaderboard
---

# distilbert-imdb

This model is a fine-tuned version of [distilbert-base-uncased](https://huggingface.co/distilbert-base-uncased).
`;
    const card = readHubCard(md);
    expect(card).toMatchObject({
      metrics: { Accuracy: 0.9316, f1: 0.9316 },
      tags: ["text-classification", "generated_from_trainer"],
      license: "apache-2.0",
      libraryName: "transformers",
      pipelineTag: "text-classification",
      baseModel: "distilbert-base-uncased",
      datasets: ["imdb"],
    });
    expect(card.metadata?.language).toEqual(["en"]);
    expect(card.body.startsWith("# distilbert-imdb\n")).toBe(true);
  });

  it("reads what huggingface_hub's ModelCardData writes (PyYAML block style, quoted specials, the template's comments)", () => {
    const md = `---
# For reference on model card metadata, see the spec: https://github.com/huggingface/hub-docs/blob/main/modelcard.md?plain=1
# Doc / guide: https://huggingface.co/docs/hub/model-cards
base_model:
- google/vit-base-patch16-224
- google/vit-large
datasets:
- beans
license: mit
tags:
- image-classification
- 'yes'
- 1e3
- 'a: b'
weird: "a: b # c\\nd"
model-index:
- name: my-cool-model
  results:
  - task:
      type: image-classification
    dataset:
      name: Beans
      type: beans
      split: validation
    metrics:
    - type: accuracy
      value: 0.9
  - task:
      type: image-classification
    dataset:
      name: Beans
      type: beans
      split: test
    metrics:
    - type: accuracy
      value: 0.85
    - type: f1
      value: 0.8
      name: F1 score
  - task:
      type: image-classification
    dataset:
      name: CIFAR-10
      type: cifar10
    metrics:
    - type: accuracy
      value: 0.7
---

# Model Card for Model ID
`;
    const card = readHubCard(md);
    // accuracy is reported by three results: the dataset, then the split, tells them apart.
    expect(card.metrics).toEqual({ "Beans/validation/accuracy": 0.9, "Beans/test/accuracy": 0.85, "F1 score": 0.8, "CIFAR-10/accuracy": 0.7 });
    expect(card.tags).toEqual(["image-classification", "yes", "1e3", "a: b"]);
    expect(card.baseModel).toEqual(["google/vit-base-patch16-224", "google/vit-large"]);
    expect(card.metadata?.weird).toBe("a: b # c\nd");
  });

  it("skips metrics without a numeric value or a name, and model-index parts of another shape", () => {
    const md = `---
model-index:
- name: x
  results:
  - metrics:
    - {type: ok, value: 1}
    - {type: text, value: high}
    - {value: 3}
    - {type: inf, value: .inf}
    - not a map
  - "not a result"
- results: nope
---
`;
    expect(readHubCard(md).metrics).toEqual({ ok: 1 });
  });

  it("gives no metadata, and the whole text as the body, for a card without front matter or with front matter it cannot read", () => {
    expect(readHubCard("# Just text\n")).toEqual({ metrics: {}, tags: [], body: "# Just text\n" });
    for (const front of [
      "a: &x 1\nb: *x",
      "!!python/object:os.system x",
      "a: [1, 2",
      "a: b: c",
      "- just\n- a list",
      "\tkey: tab",
      "? complex\n: key",
      "<<: {a: 1}",
    ]) {
      const card = readHubCard(`---\n${front}\n---\nbody\n`);
      expect(card.metadata, front).toBeUndefined();
      expect(card.body).toBe("body\n");
    }
  });

  it("never throws, whatever it is given", () => {
    const pieces = [
      "---",
      "\n",
      " ",
      "- ",
      ": ",
      "#",
      "[",
      "]",
      "{",
      "}",
      ",",
      '"',
      "'",
      "\\",
      "|",
      ">",
      "&a",
      "*a",
      "!t",
      "?",
      "model-index",
      "metrics",
      "value: 1",
      "\t",
      "\r",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), fc.string(), (parts, noise) => {
        const text = `---\n${parts.join("")}${noise}\n---\n`;
        const card = readHubCard(text);
        expect(card.metrics).toBeTypeOf("object");
        parseYaml(parts.join(""));
      }),
      { numRuns: 2000 },
    );
    expect(() => readHubCard(undefined as unknown as string)).not.toThrow();
    expect(parseYaml(`${"[".repeat(100_000)}`)).toBeUndefined();
    expect(parseYaml(`${"- ".repeat(10_000)}x`)).toBeUndefined();
  });
});

describe("hf-yaml", () => {
  it("reads back exactly what it writes, for any strings and numbers", () => {
    const scalar = fc.oneof(fc.string({ unit: "binary" }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        scalar,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: "binary" }), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: "binary" }), value, { maxKeys: 5 }), (map) => {
        // Through JSON, -0 becomes 0: the emitter writes it as 0.
        const expected = JSON.parse(JSON.stringify(map));
        expect(parseYaml(emitYaml(map as never))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("resolves plain scalars as PyYAML does, so a Python-written card means the same here", () => {
    expect(
      parseYaml("a: yes\nb: Off\nc: ~\nd: 1e3\ne: 1.0e+3\nf: 0x1F\ng: 010\nh: 1:30\ni: .inf\nj: -.inf\nk: 2024-05-01\nl: 1_000\nm: .5\nn: -.5\no: 'x'\np:\n"),
    ).toEqual({
      a: true,
      b: false,
      c: null,
      d: "1e3",
      e: 1000,
      f: 31,
      g: 8,
      h: 90,
      i: Infinity,
      j: -Infinity,
      k: "2024-05-01",
      l: 1000,
      m: 0.5,
      n: "-.5",
      o: "x",
      p: null,
    });
  });

  it("reads block scalars, multi-line quoted and plain scalars, and flow collections over several lines", () => {
    const text = `lit: |
  one
    two

keep: |+
  k

fold: >-
  a
  b

  c
dq: "x
  y\\
  z"
sq: 'it''s
  here'
plain: first
  second
flow: {a: [1, 2], b: "c", d}
multi: [
  x, # comment
  "y",
]
`;
    expect(parseYaml(text)).toEqual({
      lit: "one\n  two\n",
      keep: "k\n\n",
      fold: "a b\nc",
      dq: "x yz",
      sq: "it's here",
      plain: "first second",
      flow: { a: [1, 2], b: "c", d: null },
      multi: ["x", "y"],
    });
  });

  it("splits front matter as huggingface_hub's RepoCard does", () => {
    expect(parseFrontMatter("---\na: 1\n---\nbody")).toEqual({ data: { a: 1 }, body: "body" });
    expect(parseFrontMatter("\n  ---\r\na: 1\r\n---  \r\nbody")).toEqual({ data: { a: 1 }, body: "body" });
    expect(parseFrontMatter("---\n\n---\nbody")).toEqual({ data: {}, body: "body" });
    expect(parseFrontMatter("text\n---\na: 1\n---\n")).toEqual({ data: undefined, body: "text\n---\na: 1\n---\n" });
    expect(parseFrontMatter("---\n__proto__: {polluted: true}\n---\n").data).toEqual(JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
