/**
 * The metrics chart: one SVG per metric, drawn on the server so the page shows it with scripts off. Versions sit on
 * the x axis in the order they were created, evenly spaced (so a version keeps its place whichever metric is shown);
 * each version that has the metric is one `<circle>` with `data-version` and a `<title>` that names it.
 *
 * @module
 */

import type { Stage } from "../core/types.js";
import { escapeHtml, formatNumber } from "./report-html.js";

/** What the chart needs of a version. */
export interface ChartVersion {
  /** The version identifier. */
  version: string;
  /** Its stage, which colours its point. */
  stage: Stage;
  /** Its aliases, labelled above its point. */
  aliases: string[];
  /** Its metrics. */
  metrics: Record<string, number>;
}

const WIDTH = 760;
const HEIGHT = 280;
const MARGIN = { left: 64, right: 20, top: 24, bottom: 44 };
/** Above this many aliased versions their labels would overlap each other; the tooltips still name the aliases. */
const MAX_ALIAS_LABELS = 12;
/** The most version labels on the x axis; with more versions every n-th is labelled. */
const MAX_X_LABELS = 20;

/**
 * The metric names the versions carry, those most versions have first (the likeliest to be worth charting), then by
 * name. Values that are not finite numbers are not counted: they cannot be drawn.
 */
export function metricNames(versions: readonly ChartVersion[]): string[] {
  const counts = new Map<string, number>();
  for (const v of versions) {
    for (const [name, value] of Object.entries(v.metrics)) if (Number.isFinite(value)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([name]) => name);
}

/** Round tick values that cover [min, max]: steps of 1, 2, 2.5 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    // One value (or all equal): a band around it, so the point sits in the middle rather than on an edge.
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / (count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normal = raw / magnitude;
  const step = (normal <= 1 ? 1 : normal <= 2 ? 2 : normal <= 2.5 ? 2.5 : normal <= 5 ? 5 : 10) * magnitude;
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // toPrecision drops the float noise that repeated addition leaves (0.30000000000000004).
  for (let i = 0; first + i * step <= last + step / 2; i++) ticks.push(Number((first + i * step).toPrecision(12)));
  return ticks;
}

/**
 * One metric's chart as an SVG element.
 *
 * @param versions - Every version in the report, oldest first: the x axis.
 * @param metric - The metric to draw.
 * @param index - A number unique on the page, for the element ids the SVG's accessible name refers to.
 */
export function renderMetricChart(versions: readonly ChartVersion[], metric: string, index: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / Math.max(1, versions.length);
  const xOf = (i: number) => MARGIN.left + (i + 0.5) * slot;
  const points = versions.flatMap((v, i) => {
    const value = Object.hasOwn(v.metrics, metric) ? v.metrics[metric] : undefined;
    return value !== undefined && Number.isFinite(value) ? [{ v, i, value }] : [];
  });
  const values = points.map((p) => p.value);
  // No version has it: an empty chart with a unit axis rather than Infinity from an empty Math.min.
  const ticks = values.length > 0 ? niceTicks(Math.min(...values), Math.max(...values)) : [0, 1];
  const lo = ticks[0] as number;
  const hi = ticks.at(-1) as number;
  const yOf = (value: number) => MARGIN.top + plotHeight - ((value - lo) / (hi - lo)) * plotHeight;
  const titleId = `chart-title-${index}`;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="group" aria-labelledby="${titleId}" data-metric="${escapeHtml(metric)}">`,
    `<title id="${titleId}">${escapeHtml(metric)} across ${points.length} of ${versions.length} versions</title>`,
  );
  parts.push('<g class="axis y-axis">');
  for (const tick of ticks) {
    const y = round(yOf(tick));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}"></line>`,
      `<text class="tick" x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(formatNumber(tick))}</text>`,
    );
  }
  parts.push("</g>", '<g class="axis x-axis">');
  const every = Math.ceil(versions.length / MAX_X_LABELS);
  versions.forEach((v, i) => {
    // Counted back from the newest, which is always labelled, so the last two labels never collide.
    if ((versions.length - 1 - i) % every !== 0) return;
    parts.push(`<text class="tick" x="${round(xOf(i))}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">v${escapeHtml(v.version)}</text>`);
  });
  parts.push(`<text class="axis-label" x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 6}" text-anchor="middle">version, oldest first</text>`, "</g>");
  if (points.length > 1) {
    const line = points.map((p) => `${round(xOf(p.i))},${round(yOf(p.value))}`).join(" ");
    parts.push(`<polyline class="series" points="${line}"></polyline>`);
  }
  const labelAliases = points.filter((p) => p.v.aliases.length > 0).length <= MAX_ALIAS_LABELS;
  parts.push('<g class="points">');
  for (const { v, i, value } of points) {
    const x = round(xOf(i));
    const y = round(yOf(value));
    const aliases = v.aliases.length > 0 ? `, @${v.aliases.join(" @")}` : "";
    parts.push(
      `<circle class="point stage-${escapeHtml(v.stage)}" cx="${x}" cy="${y}" r="5.5" tabindex="0" data-version="${escapeHtml(v.version)}" data-value="${value}">` +
        `<title>v${escapeHtml(v.version)}: ${escapeHtml(metric)} = ${escapeHtml(formatNumber(value))} (${escapeHtml(v.stage)}${escapeHtml(aliases)})</title></circle>`,
    );
    if (v.aliases.length > 0 && labelAliases) {
      parts.push(`<text class="alias-label" x="${x}" y="${y - 11}" text-anchor="middle">@${escapeHtml(v.aliases.join(" @"))}</text>`);
    }
  }
  parts.push("</g></svg>");
  return parts.join("");
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
