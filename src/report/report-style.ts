/**
 * The report's stylesheet, inlined into the page: system fonts, a light theme, one column that narrows with the
 * window. Nothing is loaded from anywhere (no web fonts, no images): the file must render offline, as it is.
 *
 * @module
 */

/** The CSS of the report page. */
export const REPORT_CSS = `
:root {
  color-scheme: light;
  --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --paper: #ffffff; --wash: #f8fafc; --accent: #2563eb;
  --draft: #6b7280; --staging: #d97706; --production: #15803d; --archived: #9ca3af;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 72px; }
header.report-head { margin-bottom: 8px; }
h1 { font-size: 28px; margin: 0 0 4px; word-break: break-word; }
h2 { font-size: 19px; margin: 0 0 12px; }
h4 { font-size: 13px; margin: 12px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.description { margin: 6px 0; white-space: pre-wrap; word-break: break-word; }
nav.sections { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 12px 0 20px; }
nav.sections a { color: var(--accent); text-decoration: none; }
nav.sections a:hover { text-decoration: underline; }
section.panel {
  background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin: 0 0 18px;
  box-shadow: 0 1px 2px rgba(0,0,0,.03);
}
.note { color: var(--muted); font-style: italic; margin: 4px 0; }
.warning { background: #fffbeb; border: 1px solid #fde68a; color: #92400e; padding: 8px 12px; border-radius: 8px; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 10px; margin: 12px 0; }
.summary .tile { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.summary .tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.summary .tile .value { font-size: 17px; font-weight: 600; word-break: break-word; }
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff;
  background: var(--draft);
}
.badge.stage-staging { background: var(--staging); }
.badge.stage-production { background: var(--production); }
.badge.stage-archived { background: var(--archived); }
.alias {
  display: inline-block; padding: 0 7px; border-radius: 6px; font-size: 12px; background: #eef2ff; color: #3730a3;
  border: 1px solid #c7d2fe; word-break: break-all;
}
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); word-break: break-word; }
th { font-weight: 600; }
table.kv th { width: 32%; color: var(--muted); font-weight: 500; }
table.kv td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; white-space: pre-wrap; }
.scroll { overflow-x: auto; }
.chart-controls { margin: 0 0 8px; }
.chart-controls select { font: inherit; padding: 3px 6px; border-radius: 6px; border: 1px solid var(--line); background: var(--paper); }
.chart-panel { margin: 0 0 12px; overflow-x: auto; }
.chart-panel figcaption { color: var(--muted); font-size: 13px; }
/* Narrow windows scroll the chart and the graph sideways rather than shrink their text below reading size. */
svg.chart { width: 100%; min-width: 540px; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .tick { fill: var(--muted); font-size: 12px; }
svg .axis-label { fill: var(--muted); font-size: 12px; }
svg .series { fill: none; stroke: #94a3b8; stroke-width: 2; }
svg .point { fill: var(--draft); stroke: #fff; stroke-width: 2; cursor: pointer; }
svg .point.stage-staging { fill: var(--staging); }
svg .point.stage-production { fill: var(--production); }
svg .point.stage-archived { fill: var(--archived); }
svg .point.is-selected, svg .point:focus { stroke: var(--ink); stroke-width: 3; r: 8; outline: none; }
svg .alias-label { fill: #3730a3; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; color: var(--muted); font-size: 13px; margin-top: 6px; }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px; vertical-align: baseline; }
.swatch.stage-draft { background: var(--draft); } .swatch.stage-staging { background: var(--staging); }
.swatch.stage-production { background: var(--production); } .swatch.stage-archived { background: var(--archived); }
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 18px; border-left: 2px solid var(--line); }
ol.timeline > li { position: relative; padding: 8px 12px; margin: 0 0 10px; border-radius: 8px; cursor: pointer; }
ol.timeline > li::before {
  content: ""; position: absolute; left: -26px; top: 14px; width: 12px; height: 12px; border-radius: 50%;
  background: var(--draft); border: 2px solid var(--paper); box-shadow: 0 0 0 1px var(--line);
}
ol.timeline > li.stage-staging::before { background: var(--staging); }
ol.timeline > li.stage-production::before { background: var(--production); }
ol.timeline > li.stage-archived::before { background: var(--archived); }
ol.timeline > li.is-selected, ol.timeline > li:focus { background: #eff6ff; outline: 2px solid #bfdbfe; }
.version-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 10px; }
.version-id { font-weight: 700; font-size: 16px; }
.version-head time, .by { color: var(--muted); font-size: 13px; }
.metrics { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0; font-variant-numeric: tabular-nums; }
.metric-name { color: var(--muted); }
ul.approvals { list-style: none; padding: 0; margin: 4px 0; color: var(--production); font-size: 14px; }
ul.approvals q { color: var(--ink); }
.approvals.unreadable { color: #b45309; font-size: 14px; margin: 4px 0; }
details summary { color: var(--accent); cursor: pointer; font-size: 13px; margin-top: 4px; }
.files { font-size: 13px; word-break: break-all; margin: 0; }
.lineage-wrap { overflow-x: auto; }
svg.lineage { max-width: 100%; min-width: 900px; height: auto; display: block; }
svg .column-heading { fill: var(--muted); font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
svg .edge { fill: none; stroke: #94a3b8; stroke-width: 1.5; }
/* Edges take their source's colour: one that passes behind a nearer column's node is not read as leaving it. */
svg .edge-data { stroke: #60a5fa; }
svg .edge-commit { stroke: #a78bfa; }
svg .edge-run { stroke: #2dd4bf; }
svg .edge-origin { stroke: #fb923c; }
svg .edge-parent { stroke: #64748b; stroke-dasharray: 5 3; }
svg marker path { fill: #64748b; }
svg .node rect { fill: #f1f5f9; stroke: #94a3b8; stroke-width: 1.2; }
svg .node text { font-size: 12px; fill: var(--ink); }
svg .node text.caption { font-size: 10.5px; fill: var(--muted); }
svg .node-data rect { fill: #dbeafe; stroke: #3b82f6; }
svg .node-commit rect { fill: #ede9fe; stroke: #8b5cf6; }
svg .node-run rect { fill: #ccfbf1; stroke: #14b8a6; }
svg .node-origin rect { fill: #ffedd5; stroke: #f97316; }
svg .node-parent rect { fill: #f3f4f6; stroke: #9ca3af; stroke-dasharray: 4 3; }
svg .node-version rect { fill: #fff; stroke: var(--draft); stroke-width: 2; }
svg .node-version.stage-staging rect { stroke: var(--staging); }
svg .node-version.stage-production rect { stroke: var(--production); }
svg .node-version.stage-archived rect { stroke: var(--archived); }
svg .node-version { cursor: pointer; }
svg .node-version text.label { font-weight: 600; }
svg .node-version.is-selected rect, svg .node-version:focus rect { fill: #eff6ff; stroke-width: 3.5; }
svg .node-version:focus { outline: none; }
dl.card { margin: 0; display: grid; grid-template-columns: minmax(120px, 200px) 1fr; gap: 6px 16px; }
dl.card dt { color: var(--muted); font-weight: 600; }
dl.card dd { margin: 0; white-space: pre-wrap; word-break: break-word; }
ul.owners { margin: 0; padding-left: 18px; }
.card-heading { font-size: 15px; margin: 16px 0 6px; }
table.slices { font-size: 14px; }
table.slices td.num { font-variant-numeric: tabular-nums; text-align: right; }
table.slices th:not(:first-child) { text-align: right; }
table.slices th:last-child { text-align: left; }
.card-source { color: var(--muted); margin: 0 0 10px; }
.markdown h4, .markdown h5, .markdown h6 { font-size: 15px; color: var(--ink); text-transform: none; letter-spacing: 0; margin: 14px 0 6px; }
.markdown { margin-top: 14px; padding-top: 10px; border-top: 1px solid var(--line); word-break: break-word; }
.markdown pre { background: var(--wash); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto; }
.markdown blockquote { margin: 6px 0; padding-left: 10px; border-left: 3px solid var(--line); color: var(--muted); }
.markdown .link-address { color: var(--muted); word-break: break-all; }
table.audit { font-size: 13px; }
/* Short columns keep their words whole; the details (digests, gate reports) take the rest and wrap anywhere. */
table.audit td, table.audit th { word-break: normal; white-space: nowrap; }
table.audit td.details { white-space: normal; overflow-wrap: anywhere; min-width: 240px; }
table.audit tr.is-selected { background: #eff6ff; }
.event-type { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.detail { display: inline-block; margin-right: 10px; }
.detail-key { color: var(--muted); }
aside.selection {
  position: fixed; left: 50%; bottom: 14px; transform: translateX(-50%); max-width: min(92vw, 760px);
  background: var(--ink); color: #fff; border-radius: 10px; padding: 8px 14px; box-shadow: 0 4px 14px rgba(0,0,0,.2);
  display: flex; gap: 12px; align-items: center; font-size: 14px;
}
aside.selection[hidden] { display: none; }
aside.selection button { font: inherit; background: transparent; color: #fff; border: 1px solid #6b7280; border-radius: 6px; cursor: pointer; }
footer { color: var(--muted); font-size: 13px; text-align: center; margin-top: 24px; }
@media (max-width: 640px) {
  main { padding: 16px 10px 72px; }
  section.panel { padding: 14px 12px; }
  dl.card { grid-template-columns: 1fr; }
  h1 { font-size: 23px; }
}
@media print {
  body { background: #fff; }
  section.panel { box-shadow: none; break-inside: avoid; }
  aside.selection, .chart-controls { display: none; }
}
`;
