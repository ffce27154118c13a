// huggingface_hub (the official Python client) and modelreg read each other's model cards: ModelCard.load and
// model_index_to_eval_results see the metrics, task, dataset, tags and license renderHubCard wrote, hostile strings
// included; and readHubCard reads the metrics of a card ModelCardData and the default template wrote.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readHubCard, renderHubCard } from "../../../src/adapters/huggingface/hf-card.js";
import type { ModelVersion } from "../../../src/core/types.js";
import { useOfflinePython } from "./support/offline-python.js";

const python = useOfflinePython("modelreg-hf-card-");
const py = python.py;

const EVAL_FIELDS = `lambda r: {"task_type": r.task_type, "dataset_type": r.dataset_type, "dataset_name": r.dataset_name,
  "dataset_revision": r.dataset_revision, "metric_type": r.metric_type, "metric_value": r.metric_value, "metric_name": r.metric_name}`;

const LOAD = `
import json, sys
from huggingface_hub import ModelCard
from huggingface_hub.repocard_data import model_index_to_eval_results
fields = ${EVAL_FIELDS}
card = ModelCard.load(sys.argv[1])
data = card.data.to_dict()
name, results = model_index_to_eval_results(data["model-index"])
print(json.dumps({"data": data, "model_name": name, "eval": [fields(r) for r in results],
  "card_eval": [fields(r) for r in card.data.eval_results], "tags": card.data.tags, "license": card.data.license,
  "library_name": card.data.library_name, "pipeline_tag": card.data.pipeline_tag, "base_model": card.data.base_model,
  "datasets": card.data.datasets, "text": card.text}))
`;

const WRITE = `
import json, re
from huggingface_hub import ModelCard, ModelCardData, EvalResult
fields = ${EVAL_FIELDS}
hostile = "loss: 'x' # \\"q\\"\\n---"
results = [
  EvalResult(task_type="image-classification", dataset_type="beans", dataset_name="Beans", dataset_split="validation", metric_type="accuracy", metric_value=0.9),
  EvalResult(task_type="image-classification", dataset_type="beans", dataset_name="Beans", dataset_split="test", metric_type="accuracy", metric_value=0.85),
  EvalResult(task_type="image-classification", dataset_type="beans", dataset_name="Beans", dataset_split="test", metric_type="f1", metric_value=0.8, metric_name="F1 score"),
  EvalResult(task_type="image-classification", dataset_type="cifar10", dataset_name="CIFAR-10", metric_type="accuracy", metric_value=0.7, source_name="Leaderboard", source_url="https://example.com"),
  EvalResult(task_type="image-classification", dataset_type="beans", dataset_name="Beans", metric_type=hostile, metric_value=1e-7),
  EvalResult(task_type="image-classification", dataset_type="beans", dataset_name="Beans", metric_type="count", metric_value=12),
]
data = ModelCardData(license="mit", library_name="timm", tags=["image-classification", "yes", "1e3", "a: b", "é"], datasets=["beans"],
  base_model="google/vit-base-patch16-224", pipeline_tag="image-classification", metrics=["accuracy"], model_name="my-cool-model",
  eval_results=results, language="en")
try:
    import jinja2  # noqa: F401
    card = ModelCard.from_template(data)
except ImportError:
    # from_template needs Jinja2; without it, its default template is rendered here the way it would render it with
    # no template arguments: the card data's YAML, and each {{ x | default("...", true) }} from the card data or default.
    values = data.to_dict()
    text = open(ModelCard.default_template_path, encoding="utf-8").read().replace("{{ card_data }}", data.to_yaml())
    text = re.sub(r'\\{\\{\\s*(\\w+)\\s*\\|\\s*default\\("((?:[^"\\\\]|\\\\.)*)",\\s*true\\)\\s*\\}\\}', lambda m: str(values.get(m.group(1)) or m.group(2)), text)
    card = ModelCard(text)
print(json.dumps({"raw": card._content, "card": str(card), "eval": [fields(r) for r in card.data.eval_results]}))
`;

const hostile = 'acc: "x" # y\n---\nyes';

function version(): ModelVersion {
  return {
    model: "fraud",
    version: "3",
    params: { depth: "6" },
    metrics: { auc: 0.93, [hostile]: 0.5, tiny: 1.5e-9, big: 3e21, count: 12, broken: Number.NaN },
    tags: {},
    lineage: { dataSnapshots: [{ uri: "hf://datasets/acme/fraud-eval@v2", role: "eval" }] },
    modelCard: { summary: "Scores card transactions.\n---\nnot: metadata" },
    aliases: [],
    stage: "draft",
    artifacts: {},
    createdAt: new Date("2026-11-30T12:00:00Z"),
    updatedAt: new Date("2026-11-30T12:00:00Z"),
  };
}

interface EvalSeen {
  task_type: string;
  dataset_type: string;
  dataset_name: string;
  dataset_revision: string | null;
  metric_type: string;
  metric_value: unknown;
  metric_name: string | null;
}

describe("huggingface_hub reads the card renderHubCard wrote", () => {
  it("loads it with ModelCard.load: the same metrics, task, dataset, tags, license and body", async () => {
    const v = version();
    const md = renderHubCard(v, {
      repoId: "acme/fraud",
      pipelineTag: "tabular-classification",
      license: "apache-2.0",
      libraryName: "sklearn",
      baseModel: "acme/fraud-base",
      datasets: ["acme/transactions"],
      tags: ["fraud", "null", "1e3"],
    });
    const path = join(python.home, "README.md");
    await writeFile(path, md);
    const seen = (await py(LOAD, path)) as {
      data: Record<string, unknown>;
      model_name: string;
      eval: EvalSeen[];
      card_eval: EvalSeen[];
      tags: string[];
      license: string;
      library_name: string;
      pipeline_tag: string;
      base_model: string;
      datasets: string[];
      text: string;
    };

    const finite = Object.keys(v.metrics)
      .filter((k) => Number.isFinite(v.metrics[k]))
      .sort();
    const expected = finite.map((name) => ({
      task_type: "tabular-classification",
      dataset_type: "acme/fraud-eval",
      dataset_name: "hf://datasets/acme/fraud-eval@v2",
      dataset_revision: "v2",
      metric_type: name,
      metric_value: v.metrics[name],
      metric_name: name,
    }));
    expect(seen.model_name).toBe("fraud");
    expect(seen.eval).toEqual(expected);
    expect(seen.card_eval).toEqual(expected);
    expect(seen.tags).toEqual(["modelreg", "fraud", "null", "1e3"]);
    expect([seen.license, seen.library_name, seen.pipeline_tag, seen.base_model, seen.datasets]).toEqual([
      "apache-2.0",
      "sklearn",
      "tabular-classification",
      "acme/fraud-base",
      ["acme/transactions"],
    ]);
    expect(seen.data.metrics).toEqual(finite);
    expect(seen.data.modelreg).toEqual({ model: "fraud", version: "3" });
    // Python's text is what follows the front matter; modelreg's reader drops the blank line before it.
    expect(seen.text.replace(/^\n+/, "")).toBe(readHubCard(md).body);
    expect(seen.text).toContain("Scores card transactions.\n---\nnot: metadata");
    expect(seen.text).toContain("`broken` (NaN)");
  });
});

describe("readHubCard reads the card huggingface_hub wrote", () => {
  it("reads ModelCardData's eval results from ModelCard.from_template's card, and from str(card)", async () => {
    const seen = (await py(WRITE)) as { raw: string; card: string; eval: EvalSeen[] };
    const hostileType = "loss: 'x' # \"q\"\n---";
    // Python's own reading of its card, keyed as readHubCard documents it (name, else type; dataset and split when shared).
    expect(seen.eval.map((e) => [e.metric_name ?? e.metric_type, e.dataset_name, e.metric_value])).toEqual([
      ["accuracy", "Beans", 0.9],
      ["accuracy", "Beans", 0.85],
      ["F1 score", "Beans", 0.8],
      ["accuracy", "CIFAR-10", 0.7],
      [hostileType, "Beans", 1e-7],
      ["count", "Beans", 12],
    ]);
    const metrics = {
      "Beans/validation/accuracy": 0.9,
      "Beans/test/accuracy": 0.85,
      "F1 score": 0.8,
      "CIFAR-10/accuracy": 0.7,
      [hostileType]: 1e-7,
      count: 12,
    };
    for (const text of [seen.raw, seen.card]) {
      const card = readHubCard(text);
      expect(card.metrics).toEqual(metrics);
      expect(card).toMatchObject({
        tags: ["image-classification", "yes", "1e3", "a: b", "é"],
        license: "mit",
        libraryName: "timm",
        pipelineTag: "image-classification",
        baseModel: "google/vit-base-patch16-224",
        datasets: ["beans"],
      });
      expect(card.metadata?.language).toBe("en");
      expect(card.body.startsWith("# Model Card for Model ID")).toBe(true);
    }
    // The template's comments are in the raw card's front matter; str(card) writes the YAML again without them.
    expect(seen.raw).toContain("\n# For reference on model card metadata");
  });
});
