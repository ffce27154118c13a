/**
 * A version's model card as Markdown with YAML front matter, laid out like a Hugging Face model card (the sections of
 * `huggingface_hub`'s default template), so it can be published as a repository's README.md or read as a document.
 *
 * @module
 */

import type { SignatureField } from "../core/signature.js";
import type { ModelVersion } from "../core/types.js";

/** What {@link renderModelCard} takes besides the version. */
export interface RenderModelCardOptions {
  /** Extra `tags` for the front matter (Hugging Face shows them as filters). `modelreg` is always one. */
  tags?: string[];
  /** A `license` for the front matter, as Hugging Face names licenses (`apache-2.0`, `mit`, `other`). */
  license?: string;
  /** A `library_name` for the front matter (`sklearn`, `transformers`, `pytorch`). */
  libraryName?: string;
  /**
   * `false` leaves the front matter out and returns the body alone, for a caller that writes its own metadata (the
   * Hugging Face adapter adds a `model-index`). Default `true`.
   */
  frontMatter?: boolean;
}

/**
 * Renders a version's model card: the card's own fields (summary, intended use, limitations, ethical considerations,
 * training, evaluation, owners, fairness slices, and its free Markdown, kept as written) and what the version knows
 * (metrics, params, lineage, signature, stage, aliases, approvals). Sections with nothing to say are left out.
 *
 * The front matter is YAML in Hugging Face's model card metadata: `tags`, `metrics` (the metric names), and
 * optionally `license` and `library_name`; the version's identity is under a `modelreg` key, which the Hub keeps as
 * it is. Every string in it is a double-quoted scalar, so no value can change the YAML's structure.
 *
 * @example
 * ```ts
 * const md = renderModelCard(await registry.getVersion("fraud@champion"));
 * await writeFile("README.md", md);
 * ```
 */
export function renderModelCard(version: ModelVersion, options: RenderModelCardOptions = {}): string {
  const card = version.modelCard ?? {};
  const metricNames = Object.keys(version.metrics).sort();
  const front = [
    "---",
    ...yamlList("tags", unique(["modelreg", ...(options.tags ?? [])])),
    ...(metricNames.length > 0 ? yamlList("metrics", metricNames) : []),
    ...(options.license ? [`license: ${yamlString(options.license)}`] : []),
    ...(options.libraryName ? [`library_name: ${yamlString(options.libraryName)}`] : []),
    "modelreg:",
    `  model: ${yamlString(version.model)}`,
    `  version: ${yamlString(version.version)}`,
    `  stage: ${yamlString(version.stage)}`,
    ...(version.aliases.length > 0 ? [`  aliases: [${version.aliases.map(yamlString).join(", ")}]`] : []),
    ...(version.artifacts.digest ? [`  digest: ${yamlString(version.artifacts.digest)}`] : []),
    `  created: ${yamlString(version.createdAt.toISOString())}`,
    "---",
  ];

  const sections: string[] = [`# Model Card for ${inline(version.model)} (version ${inline(version.version)})`];
  if (card.summary) sections.push(card.summary.trim());

  const details = [
    ...(version.description ? [version.description.trim(), ""] : []),
    `- **Model:** ${inline(version.model)}, version ${inline(version.version)}`,
    `- **Stage:** ${version.stage}${version.aliases.length > 0 ? `; aliases: ${version.aliases.map((a) => `\`${inline(a)}\``).join(", ")}` : ""}`,
    `- **Created:** ${version.createdAt.toISOString()}${version.createdBy ? ` by ${inline(version.createdBy)}` : ""}`,
    ...(card.owners && card.owners.length > 0 ? [`- **Developed by:** ${card.owners.map(inline).join(", ")}`] : []),
    ...(version.artifacts.digest ? [`- **Files digest:** \`${inline(version.artifacts.digest)}\``] : []),
  ];
  sections.push(`## Model Details\n\n### Model Description\n\n${details.join("\n")}`);

  if (card.intendedUse) sections.push(`## Uses\n\n### Direct Use\n\n${card.intendedUse.trim()}`);
  const risks = [
    ...(card.limitations ? [card.limitations.trim()] : []),
    ...(card.ethicalConsiderations ? [`### Ethical Considerations\n\n${card.ethicalConsiderations.trim()}`] : []),
  ];
  if (risks.length > 0) sections.push(`## Bias, Risks, and Limitations\n\n${risks.join("\n\n")}`);

  const training = [
    ...(card.training ? [`### Training Procedure\n\n${card.training.trim()}`] : []),
    ...(version.lineage.dataSnapshots && version.lineage.dataSnapshots.length > 0
      ? [
          `### Training Data\n\n${version.lineage.dataSnapshots
            .map((d) => `- \`${inline(d.uri)}\`${d.role ? ` (${inline(d.role)})` : ""}${d.digest ? `, digest \`${inline(d.digest)}\`` : ""}`)
            .join("\n")}`,
        ]
      : []),
    ...(Object.keys(version.params).length > 0
      ? [
          `#### Training Hyperparameters\n\n${table(
            ["Parameter", "Value"],
            Object.keys(version.params)
              .sort()
              .map((k) => [k, version.params[k] as string]),
          )}`,
        ]
      : []),
  ];
  if (training.length > 0) sections.push(`## Training Details\n\n${training.join("\n\n")}`);

  const evaluation = [
    ...(card.evaluation ? [card.evaluation.trim()] : []),
    ...(metricNames.length > 0
      ? [
          `### Results\n\n${table(
            ["Metric", "Value"],
            metricNames.map((k) => [k, formatNumber(version.metrics[k] as number)]),
          )}`,
        ]
      : []),
    ...(card.fairness && card.fairness.length > 0 ? [`### Results by Slice\n\n${sliceTable(card.fairness)}`] : []),
  ];
  if (evaluation.length > 0) sections.push(`## Evaluation\n\n${evaluation.join("\n\n")}`);

  if (version.signature) {
    const sides = [
      `#### Inputs\n\n${signatureTable(version.signature.inputs)}`,
      ...(version.signature.outputs && version.signature.outputs.length > 0 ? [`#### Outputs\n\n${signatureTable(version.signature.outputs)}`] : []),
    ];
    sections.push(`## Technical Specifications\n\n### Signature\n\n${sides.join("\n\n")}`);
  }

  const l = version.lineage;
  const lineage = [
    ...(l.codeRepository ? [`- **Code repository:** ${inline(l.codeRepository)}`] : []),
    ...(l.codeCommit ? [`- **Code commit:** \`${inline(l.codeCommit)}\``] : []),
    ...(l.sourceRun ? [`- **Training run:** ${inline(l.sourceRun)}`] : []),
    ...(l.parentVersion ? [`- **Parent version:** ${inline(version.model)} version ${inline(l.parentVersion)}`] : []),
    ...(l.syncedFrom ? [`- **Copied from:** ${inline(l.syncedFrom.registry)}, ${inline(l.syncedFrom.model)} version ${inline(l.syncedFrom.version)}`] : []),
  ];
  if (lineage.length > 0) sections.push(`## Lineage\n\n${lineage.join("\n")}`);

  if (version.approvals && version.approvals.length > 0) {
    sections.push(
      `## Approvals\n\n${table(
        ["By", "Role", "When", "Comment"],
        version.approvals.map((a) => [a.by, a.role ?? "", a.at, a.comment ?? ""]),
      )}`,
    );
  }
  if (card.markdown) sections.push(`## More Information\n\n${card.markdown.trim()}`);
  if (card.owners && card.owners.length > 0) sections.push(`## Model Card Contact\n\n${card.owners.map((o) => `- ${inline(o)}`).join("\n")}`);

  const body = `${sections.join("\n\n")}\n`;
  return options.frontMatter === false ? body : `${front.join("\n")}\n\n${body}`;
}

/**
 * A YAML double-quoted scalar. JSON's string syntax is YAML's double-quoted style; the characters YAML 1.1 readers
 * (PyYAML, which `huggingface_hub` uses) treat as line breaks or refuse unescaped are escaped as well.
 */
function yamlString(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function yamlList(key: string, values: string[]): string[] {
  return [`${key}:`, ...values.map((v) => `- ${yamlString(v)}`)];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Text for one line of Markdown: line breaks become spaces (a name must not start a new block). */
function inline(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

/** A Markdown table; `|` and line breaks in cells are escaped so a value cannot add columns or rows. */
function table(header: string[], rows: string[][]): string {
  const cell = (text: string) => inline(text).replaceAll("\\", "\\\\").replaceAll("|", "\\|");
  return [`| ${header.map(cell).join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

function sliceTable(slices: NonNullable<NonNullable<ModelVersion["modelCard"]>["fairness"]>): string {
  const metrics = unique(slices.flatMap((s) => Object.keys(s.metrics))).sort();
  const withSize = slices.some((s) => s.size !== undefined);
  const withNote = slices.some((s) => s.note);
  return table(
    ["Slice", ...(withSize ? ["Examples"] : []), ...metrics, ...(withNote ? ["Note"] : [])],
    slices.map((s) => [
      s.slice,
      ...(withSize ? [s.size === undefined ? "" : String(s.size)] : []),
      ...metrics.map((m) => (s.metrics[m] === undefined ? "" : formatNumber(s.metrics[m] as number))),
      ...(withNote ? [s.note ?? ""] : []),
    ]),
  );
}

function signatureTable(fields: SignatureField[]): string {
  return table(
    ["Name", "Type", "Shape", "Optional"],
    fields.map((f) => [
      f.name ?? "(unnamed)",
      f.type === "tensor" && f.dtype ? `tensor (${f.dtype})` : f.type,
      f.shape ? `[${f.shape.join(", ")}]` : "",
      f.optional ? "yes" : "",
    ]),
  );
}

/** Numbers as people read them: up to 6 significant digits, no exponent for ordinary values. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
