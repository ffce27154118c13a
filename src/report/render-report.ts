/**
 * The report's render step: {@link ReportData} to one self-contained HTML page. Styles, the script and every chart are
 * inline and nothing refers to anything outside the file, so it can be mailed, attached to a ticket or archived and
 * still open, offline, years later. The charts and the lineage graph are drawn here, not in the browser, so the page
 * is whole with scripts off; the script only adds choosing a metric and highlighting a version.
 *
 * @module
 */

import { STAGES } from "../core/types.js";
import { renderAudit } from "./report-audit.js";
import { renderCard } from "./report-card.js";
import { metricNames, renderMetricChart } from "./report-chart.js";
import { compareVersionIds, escapeHtml, formatDate, isoDate, jsonForScript } from "./report-html.js";
import { renderLineage } from "./report-lineage.js";
import { REPORT_SCRIPT, REPORT_SCRIPT_SHA256 } from "./report-script.js";
import { REPORT_CSS } from "./report-style.js";
import { renderTimeline } from "./report-timeline.js";
import type { RenderReportOptions, ReportData, ReportVersion } from "./report-types.js";

/**
 * What the page may do: nothing from anywhere (`default-src 'none'`), its own inline styles, and only the one script
 * whose hash it names. A report is opened from disk, from mail, from a ticket: if a value ever slipped past the
 * escaping, the browser would still refuse to run or load anything it brought.
 */
const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${REPORT_SCRIPT_SHA256}'; base-uri 'none'; form-action 'none'`;

function time(date: Date | string): number {
  const t = new Date(date).getTime();
  return Number.isNaN(t) ? 0 : t;
}

/** Newest first by creation time; versions created in the same millisecond by their number. */
function newestFirst(versions: readonly ReportVersion[]): ReportVersion[] {
  return [...versions].sort((a, b) => time(b.createdAt) - time(a.createdAt) || compareVersionIds(b.version, a.version));
}

function section(id: string, title: string, body: string): string {
  return `<section class="panel" id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${title}</h2>${body}</section>`;
}

function header(data: ReportData, versions: readonly ReportVersion[]): string {
  const model = data.model;
  const holders = (["production", "staging"] as const).map((stage) => {
    const holding = versions.filter((v) => v.stage === stage).map((v) => `v${escapeHtml(v.version)}`);
    return `<div class="tile" data-stage="${stage}"><div class="label">${stage}</div><div class="value">${holding.length > 0 ? holding.join(", ") : "—"}</div></div>`;
  });
  const aliasEntries = Object.entries(model.aliases ?? {});
  const aliases =
    aliasEntries.length > 0
      ? aliasEntries.map(([alias, version]) => `<span class="alias">@${escapeHtml(alias)}</span> v${escapeHtml(version)}`).join("<br>")
      : "—";
  const tags = Object.entries(model.tags ?? {});
  const count = `${versions.length} version${versions.length === 1 ? "" : "s"}`;
  return [
    '<header class="report-head">',
    `<h1>${escapeHtml(model.name)}</h1>`,
    `<p class="meta">Model report · ${escapeHtml(data.provider)} registry · ${count} · generated ${escapeHtml(formatDate(data.generatedAt))}</p>`,
    model.description ? `<p class="description">${escapeHtml(model.description)}</p>` : "",
    data.versionsCapped
      ? `<p class="warning capped">This model has more than ${data.maxVersions} versions: the report shows the newest ${data.maxVersions}.</p>`
      : "",
    '<div class="summary">',
    ...holders,
    `<div class="tile"><div class="label">aliases</div><div class="value">${aliases}</div></div>`,
    `<div class="tile"><div class="label">latest</div><div class="value">${versions[0] ? `v${escapeHtml(versions[0].version)}` : "—"}</div></div>`,
    "</div>",
    tags.length > 0
      ? `<details class="model-tags"><summary>${tags.length} model tag${tags.length === 1 ? "" : "s"}</summary><table class="kv"><tbody>${tags
          .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
          .join("")}</tbody></table></details>`
      : "",
    "</header>",
  ].join("");
}

function chartSection(oldestFirst: readonly ReportVersion[], metrics: readonly string[], first: string | undefined): string {
  if (first === undefined) return '<p class="note">No version records a metric.</p>';
  // The default metric first: with scripts off every chart is shown, and the one asked for leads.
  const ordered = [first, ...metrics.filter((m) => m !== first)];
  const panels = ordered.map((metric, i) => {
    const count = oldestFirst.filter((v) => Object.hasOwn(v.metrics ?? {}, metric) && Number.isFinite(v.metrics[metric])).length;
    return (
      `<figure class="chart-panel" data-metric="${escapeHtml(metric)}">${renderMetricChart(oldestFirst, metric, i)}` +
      `<figcaption><strong>${escapeHtml(metric)}</strong>: ${count} of ${oldestFirst.length} versions record it.</figcaption></figure>`
    );
  });
  const legend = STAGES.map((s) => `<span><span class="swatch stage-${s}"></span>${s}</span>`).join("");
  // Hidden until the script fills it: with scripts off a menu that does nothing would only confuse.
  return [
    '<div class="chart-controls" hidden><label for="metric-select">Metric </label><select id="metric-select"></select></div>',
    ...panels,
    `<div class="legend">${legend}<span>click a point, a version or a node to highlight it everywhere</span></div>`,
  ].join("");
}

/**
 * Renders a report as one self-contained HTML page.
 *
 * Every value from the registry is escaped (names, descriptions, tags, params, card text, approval and audit
 * comments), the model card's Markdown is rendered by a renderer that emits only a few fixed tags, and the data the
 * script reads is embedded as JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped. The page loads nothing: its
 * Content-Security-Policy allows no source at all besides its own styles and its one script, named by hash.
 *
 * @param data - What {@link collectReport} read.
 * @param options - The title and the metric the chart shows first.
 * @returns The HTML, a complete document.
 */
export function renderReport(data: ReportData, options: RenderReportOptions = {}): string {
  const versions = newestFirst(data.versions);
  const oldestFirst = [...versions].reverse();
  const metrics = metricNames(oldestFirst);
  const first = options.metric !== undefined && metrics.includes(options.metric) ? options.metric : metrics[0];
  const title = options.title ?? `${data.model.name} — model report`;
  const script = {
    model: data.model.name,
    metrics,
    defaultMetric: first ?? null,
    versions: oldestFirst.map((v) => ({
      version: v.version,
      stage: v.stage,
      aliases: v.aliases,
      createdAt: isoDate(v.createdAt),
      createdBy: v.createdBy ?? null,
      metrics: v.metrics,
    })),
  };
  const lineage = versions.length > 0 ? `<div class="lineage-wrap">${renderLineage(oldestFirst)}</div>` : '<p class="note">This model has no versions.</p>';
  const noLineage = versions.every((v) => {
    const l = v.lineage ?? {};
    return !l.parentVersion && !l.codeCommit && !l.codeRepository && !l.sourceRun && !l.syncedFrom && !(l.dataSnapshots && l.dataSnapshots.length > 0);
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="generator" content="modelreg">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
${header(data, versions)}
<nav class="sections" aria-label="Sections"><a href="#metrics">Metrics</a><a href="#versions">Versions</a><a href="#lineage">Lineage</a><a href="#card">Model card</a><a href="#audit">Audit trail</a></nav>
${section("metrics", "Metrics across versions", chartSection(oldestFirst, metrics, first))}
${section("versions", "Versions", renderTimeline(versions))}
${section("lineage", "Lineage", `${noLineage && versions.length > 0 ? '<p class="note">No version records its lineage (data, code, runs or parents).</p>' : ""}${lineage}`)}
${section("card", "Model card", renderCard(versions))}
${section("audit", "Audit trail", renderAudit(data.audit))}
<footer>Generated by modelreg on ${escapeHtml(formatDate(data.generatedAt))}. This page is one self-contained file: it loads nothing and needs no server.</footer>
</main>
<aside class="selection" id="selection" hidden aria-live="polite"><span class="selection-text"></span><button type="button">clear</button></aside>
<script type="application/json" id="report-data">${jsonForScript(script)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
