/**
 * The timeline: every version, newest first, with its stage, aliases, creator, metrics and approvals, and its params,
 * tags and files a click away.
 *
 * @module
 */

import { APPROVALS_TAG } from "../lifecycle/approvals.js";
import { renderApprovals } from "./report-approvals.js";
import { escapeHtml, formatDate, formatNumber, isoDate } from "./report-html.js";
import type { ReportVersion } from "./report-types.js";

function table(rows: ReadonlyArray<[string, string]>, className: string): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("");
  return `<table class="kv ${className}"><tbody>${body}</tbody></table>`;
}

function files(version: ReportVersion): string {
  const a = version.artifacts ?? {};
  const parts: string[] = [];
  if (a.fileCount !== undefined) parts.push(`${a.fileCount} file${a.fileCount === 1 ? "" : "s"}`);
  if (a.totalBytes !== undefined) parts.push(`${a.totalBytes.toLocaleString("en-US")} bytes`);
  if (a.digest) parts.push(`digest ${a.digest}`);
  if (a.uri) parts.push(a.uri);
  return parts.join(", ");
}

/** One version's entry. */
function entry(v: ReportVersion): string {
  const aliases = v.aliases.map((a) => `<span class="alias">@${escapeHtml(a)}</span>`).join(" ");
  const metrics = Object.entries(v.metrics ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, value]) => `<span class="metric"><span class="metric-name">${escapeHtml(k)}</span> ${escapeHtml(formatNumber(value))}</span>`)
    .join("");
  const params = Object.entries(v.params ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // The approvals tag is shown above as approvals; listing its JSON again among the tags would only repeat it.
  const tags = Object.entries(v.tags ?? {})
    .filter(([k]) => k !== APPROVALS_TAG)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fileText = files(v);
  const more: string[] = [];
  if (params.length > 0) more.push(`<h4>Params</h4>${table(params, "params")}`);
  if (tags.length > 0) more.push(`<h4>Tags</h4>${table(tags, "tags")}`);
  if (fileText) more.push(`<h4>Files</h4><p class="files">${escapeHtml(fileText)}</p>`);
  const shown = [
    params.length > 0 ? `${params.length} param${params.length === 1 ? "" : "s"}` : "",
    tags.length > 0 ? `${tags.length} tag${tags.length === 1 ? "" : "s"}` : "",
    fileText ? "files" : "",
  ];
  const summary = `Show ${shown.filter(Boolean).join(", ")}`;
  return [
    `<li class="version stage-${escapeHtml(v.stage)}" id="v${escapeHtml(v.version)}" data-version="${escapeHtml(v.version)}" tabindex="0">`,
    '<div class="version-head">',
    `<span class="version-id">v${escapeHtml(v.version)}</span>`,
    `<span class="badge stage-${escapeHtml(v.stage)}">${escapeHtml(v.stage)}</span>`,
    aliases,
    `<time datetime="${escapeHtml(isoDate(v.createdAt))}">${escapeHtml(formatDate(v.createdAt))}</time>`,
    v.createdBy ? `<span class="by">by ${escapeHtml(v.createdBy)}</span>` : "",
    "</div>",
    v.description ? `<p class="description">${escapeHtml(v.description)}</p>` : "",
    metrics ? `<div class="metrics">${metrics}</div>` : "",
    renderApprovals(v),
    more.length > 0 ? `<details><summary>${escapeHtml(summary)}</summary>${more.join("")}</details>` : "",
    "</li>",
  ].join("");
}

/**
 * The timeline's content.
 *
 * @param newestFirst - The versions, newest first.
 */
export function renderTimeline(newestFirst: readonly ReportVersion[]): string {
  if (newestFirst.length === 0) return '<p class="note">This model has no versions.</p>';
  return `<ol class="timeline">${newestFirst.map(entry).join("")}</ol>`;
}
