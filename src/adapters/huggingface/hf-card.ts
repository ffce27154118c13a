/**
 * A version's model card as the README.md of its Hub commit, and the metadata read back from any README.md.
 *
 * The front matter follows the Hub's model card metadata (reference §4; `huggingface_hub`'s `ModelCardData`):
 * `license`, `library_name`, `pipeline_tag`, `base_model`, `datasets`, `tags`, `metrics`, and a `model-index` holding
 * the version's metrics, which the Hub shows as evaluation results and `huggingface_hub` reads as `EvalResult`s.
 *
 * @module
 */

import { renderModelCard } from "../../cards/render-model-card.js";
import type { DataSnapshotRef, ModelVersion } from "../../core/types.js";
import { isHubRepoId } from "./hf-names.js";
import { emitYaml, parseFrontMatter, type YamlMap, type YamlValue } from "./hf-yaml.js";

/** What {@link renderHubCard} takes besides the version. */
export interface RenderHubCardOptions {
  /** The repository the card is for, `org/name`; its name is the `model-index` entry's name. */
  repoId: string;
  /** `base_model`: the Hub model this one derives from. Left out unless it is a Hub repository id. */
  baseModel?: string;
  /** `datasets`: the Hub datasets it was trained on. Entries that are not Hub dataset ids are left out. */
  datasets?: string[];
  /** `pipeline_tag` (`text-classification`), also the task type of the `model-index` results (`other` without it). */
  pipelineTag?: string;
  /** `license` (`apache-2.0`, `mit`, `other`). */
  license?: string;
  /** `library_name` (`transformers`, `sklearn`). */
  libraryName?: string;
  /** More `tags`; `modelreg` is always one. */
  tags?: string[];
}

/** What {@link readHubCard} found in a README.md. Every field is only what the card says; nothing is guessed. */
export interface HubCard {
  /** The whole front matter, when there is front matter this reader understands. */
  metadata?: Record<string, unknown>;
  /**
   * The metrics of `model-index`, by name: each metric's `name`, else its `type`, with a numeric `value` (a string
   * holding a number counts: PyYAML reads an unquoted `1e-3` as a string). A name reported by more than one result
   * (two datasets, two splits) is prefixed with the dataset's name, `{dataset}/{name}`, and with the split too,
   * `{dataset}/{split}/{name}`, when that is still ambiguous; what is ambiguous even then keeps its first value.
   */
  metrics: Record<string, number>;
  /** `tags`, as strings (a YAML 1.1 `yes` reads as `"true"`, as PyYAML reads it as `True`). */
  tags: string[];
  /** `license`. */
  license?: string;
  /** `library_name`. */
  libraryName?: string;
  /** `pipeline_tag`. */
  pipelineTag?: string;
  /** `base_model`: one id or several. */
  baseModel?: string | string[];
  /** `datasets`. */
  datasets?: string[];
  /** The Markdown after the front matter, without the blank lines that separate them. */
  body: string;
}

/**
 * Renders the README.md of a version's commit. The front matter carries the Hub's metadata and a `model-index` with
 * one result holding every metric: its task is `pipelineTag` (or `other`), its dataset the version's evaluation data
 * snapshot (the lineage's snapshot whose role says eval, test or validation, else its first; `hf://datasets/{id}`
 * gives the Hub dataset id), or `{type: custom, name: evaluation}` when the lineage has none. The Hub requires every
 * metric value to be a number, so a NaN or infinite metric is left out of the metadata, and the body says so. The
 * version's identity is under a `modelreg` key, which the Hub keeps as it is; its mutable state (stage, aliases) is
 * not, since a commit's README cannot follow it.
 *
 * The body is `renderModelCard`'s, or the version's own `modelCard.markdown`, as written, when it has one.
 */
export function renderHubCard(version: ModelVersion, options: RenderHubCardOptions): string {
  const names = Object.keys(version.metrics).sort();
  const finite = names.filter((name) => Number.isFinite(version.metrics[name]));
  const skipped = names.filter((name) => !Number.isFinite(version.metrics[name]));
  const datasets = (options.datasets ?? []).filter(isHubRepoId);
  const front: Record<string, YamlValue | undefined> = {
    license: options.license || undefined,
    library_name: options.libraryName || undefined,
    pipeline_tag: options.pipelineTag || undefined,
    base_model: options.baseModel && isHubRepoId(options.baseModel) ? options.baseModel : undefined,
    datasets: datasets.length > 0 ? datasets : undefined,
    tags: [...new Set(["modelreg", ...(options.tags ?? [])])],
    metrics: finite.length > 0 ? finite : undefined,
    "model-index": finite.length > 0 ? modelIndex(version, finite, options) : undefined,
    modelreg: { model: version.model, version: version.version },
  };
  const own = version.modelCard?.markdown;
  let body = own ? own : renderModelCard(version, { frontMatter: false });
  if (skipped.length > 0) {
    const list = skipped.map((name) => `\`${name.replace(/[\r\n`]+/g, " ")}\` (${version.metrics[name]})`).join(", ");
    body = `${body.replace(/\n*$/, "")}\n\nNot in the card's metadata, which holds finite numbers only: ${list}.\n`;
  }
  return `---\n${emitYaml(front)}---\n\n${body}`;
}

function modelIndex(version: ModelVersion, metrics: string[], options: RenderHubCardOptions): YamlValue {
  const name = options.repoId.split("/").pop() || version.model;
  return [
    {
      name,
      results: [
        {
          task: { type: options.pipelineTag || "other" },
          dataset: datasetOf(evaluationSnapshot(version.lineage.dataSnapshots)),
          metrics: metrics.map((metric) => ({ type: metric, value: version.metrics[metric] as number, name: metric })),
        },
      ],
    },
  ];
}

function evaluationSnapshot(snapshots: DataSnapshotRef[] | undefined): DataSnapshotRef | undefined {
  return snapshots?.find((s) => s.role !== undefined && /eval|test|valid/i.test(s.role)) ?? snapshots?.[0];
}

function datasetOf(snapshot: DataSnapshotRef | undefined): YamlMap {
  if (!snapshot) return { type: "custom", name: "evaluation" };
  const hub = /^hf:\/\/datasets\/([^@]+?)(?:@(.+))?$/.exec(snapshot.uri);
  const id = hub?.[1] && isHubRepoId(hub[1]) ? hub[1] : undefined;
  const revision = (id ? hub?.[2] : undefined) ?? snapshot.digest;
  return { type: id ?? snapshot.uri, name: snapshot.uri, ...(revision && { revision }) };
}

/**
 * Reads a README.md written by anyone (modelreg, `huggingface_hub`, a person): its metadata, and the metrics of its
 * `model-index`. Never throws: a card without front matter, or with front matter this reader does not understand,
 * gives no metadata and no metrics, and parts of `model-index` in another shape are skipped.
 */
export function readHubCard(markdown: string): HubCard {
  const { data, body } = parseFrontMatter(typeof markdown === "string" ? markdown : "");
  const card: HubCard = { metrics: metricsOf(data?.["model-index"]), tags: strings(data?.tags) ?? [], body: body.replace(/^(?:[ \t]*\r?\n)+/, "") };
  if (!data) return card;
  card.metadata = data;
  const text = (key: string) => (typeof data[key] === "string" && data[key] !== "" ? (data[key] as string) : undefined);
  const license = text("license");
  const libraryName = text("library_name");
  const pipelineTag = text("pipeline_tag");
  const datasets = strings(data.datasets);
  const baseModel = typeof data.base_model === "string" ? data.base_model : strings(data.base_model);
  if (license) card.license = license;
  if (libraryName) card.libraryName = libraryName;
  if (pipelineTag) card.pipelineTag = pipelineTag;
  if (baseModel !== undefined && baseModel !== "") card.baseModel = baseModel;
  if (datasets) card.datasets = datasets;
  return card;
}

/** A string or a list of scalars as strings; `undefined` for anything else. */
function strings(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) return undefined;
  return value.filter((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean").map(String);
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const label = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;

function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || !/^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

interface Reported {
  key: string;
  result: number;
  dataset: string | undefined;
  split: string | undefined;
  value: number;
}

function metricsOf(modelIndex: unknown): Record<string, number> {
  const reported: Reported[] = [];
  let result = 0;
  for (const entry of list(modelIndex)) {
    for (const r of list(record(entry)?.results)) {
      const dataset = record(record(r)?.dataset);
      for (const m of list(record(r)?.metrics)) {
        const metric = record(m);
        const key = label(metric?.name) ?? label(metric?.type);
        const value = numberOf(metric?.value);
        if (key === undefined || value === undefined) continue;
        reported.push({ key, result, dataset: label(dataset?.name) ?? label(dataset?.type), split: label(dataset?.split), value });
      }
      result++;
    }
  }
  // A name reported by one result keeps its name; otherwise the dataset, then the split, tells the results apart.
  const qualify = (name: (r: Reported) => string) => {
    const results = new Map<string, Set<number>>();
    for (const r of reported) results.set(name(r), (results.get(name(r)) ?? new Set()).add(r.result));
    return (r: Reported) => (results.get(name(r))?.size ?? 0) > 1;
  };
  const shared = qualify((r) => r.key);
  const withDataset = (r: Reported) => (shared(r) ? `${r.dataset ?? "unknown"}/${r.key}` : r.key);
  const stillShared = qualify(withDataset);
  const out = new Map<string, number>();
  for (const r of reported) {
    const key = stillShared(r) && r.split ? `${r.dataset ?? "unknown"}/${r.split}/${r.key}` : withDataset(r);
    if (!out.has(key)) out.set(key, r.value);
  }
  return Object.fromEntries(out);
}
