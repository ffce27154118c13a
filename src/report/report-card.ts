/**
 * The model card section: the card of the newest production version that has one, else of the newest version that
 * has one, with the version it came from named above it: its text fields, owners, fairness slices and Markdown.
 *
 * @module
 */

import type { FairnessSlice, ModelCard } from "../core/types.js";
import { escapeHtml, formatNumber } from "./report-html.js";
import { renderMarkdown } from "./report-markdown.js";
import type { ReportVersion } from "./report-types.js";

/** The card's free-text fields, in the order a reader looks for them. */
const FIELDS: ReadonlyArray<[keyof ModelCard, string]> = [
  ["summary", "Summary"],
  ["intendedUse", "Intended use"],
  ["limitations", "Limitations"],
  ["ethicalConsiderations", "Ethical considerations"],
  ["training", "Training"],
  ["evaluation", "Evaluation"],
];

/**
 * The version whose card the report shows: production is what is serving, so its card is the one that matters; a
 * model with nothing in production shows the newest card there is.
 *
 * @param newestFirst - The versions, newest first.
 */
export function cardVersion(newestFirst: readonly ReportVersion[]): ReportVersion | undefined {
  const hasCard = (v: ReportVersion) => typeof v.modelCard === "object" && v.modelCard !== null;
  return newestFirst.find((v) => v.stage === "production" && hasCard(v)) ?? newestFirst.find(hasCard);
}

/** The model card section's content. */
export function renderCard(newestFirst: readonly ReportVersion[]): string {
  const version = cardVersion(newestFirst);
  if (!version?.modelCard) return '<p class="note">No version of this model has a model card.</p>';
  const card = version.modelCard;
  const parts: string[] = [
    `<p class="card-source" data-version="${escapeHtml(version.version)}">From version ${escapeHtml(version.version)} (${escapeHtml(version.stage)})</p>`,
    '<dl class="card">',
  ];
  for (const [key, label] of FIELDS) {
    const value = card[key];
    if (typeof value === "string" && value.trim() !== "") parts.push(`<dt>${label}</dt><dd class="card-text" data-field="${key}">${escapeHtml(value)}</dd>`);
  }
  if (Array.isArray(card.owners) && card.owners.length > 0) {
    parts.push(`<dt>Owners</dt><dd data-field="owners"><ul class="owners">${card.owners.map((o) => `<li>${escapeHtml(o)}</li>`).join("")}</ul></dd>`);
  }
  parts.push("</dl>");
  if (Array.isArray(card.fairness) && card.fairness.length > 0) parts.push(sliceTable(card.fairness));
  if (typeof card.markdown === "string" && card.markdown.trim() !== "") {
    parts.push(`<div class="markdown" data-field="markdown">${renderMarkdown(card.markdown)}</div>`);
  }
  return parts.join("");
}

/**
 * The card's fairness slices as a table: one row per slice, one column per metric any slice has, so a reader sees at
 * a glance where the model does worse than its headline metrics.
 */
function sliceTable(slices: readonly FairnessSlice[]): string {
  const names = [...new Set(slices.flatMap((s) => Object.keys(s.metrics ?? {})))].sort();
  const head = `<tr><th>Slice</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join("")}<th>Size</th><th>Note</th></tr>`;
  const rows = slices.map((s) => {
    const cells = names.map((n) => {
      const value = Object.hasOwn(s.metrics ?? {}, n) ? s.metrics[n] : undefined;
      return `<td class="num">${typeof value === "number" ? escapeHtml(formatNumber(value)) : "–"}</td>`;
    });
    const size = typeof s.size === "number" ? escapeHtml(s.size.toLocaleString("en-US")) : "";
    return `<tr><th scope="row">${escapeHtml(s.slice)}</th>${cells.join("")}<td class="num">${size}</td><td>${escapeHtml(s.note ?? "")}</td></tr>`;
  });
  return `<h3 class="card-heading">Results by slice</h3><div class="scroll"><table class="slices" data-field="fairness"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}
