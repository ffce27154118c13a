/**
 * The lineage graph, drawn on the server as one SVG: a column of versions (oldest at the top) and, to their left, what
 * each came from: data snapshots, code commits, and runs, sync origins and parents outside the report. Arrows run from
 * an input to the versions made from it; a version derived from another (`lineage.parentVersion`) gets an arc on the
 * right from its parent. A node shared by several versions (one data snapshot, one commit) is drawn once.
 *
 * Every node is a `<g>` with `data-node="<kind>:<key>"` (versions also carry `data-version`), every edge a `<path>`
 * with `data-edge="<from> -> <to>"`, so tests and the page's script can find them.
 *
 * @module
 */

import type { Lineage, Stage } from "../core/types.js";
import { escapeHtml, shorten } from "./report-html.js";

/** What the graph needs of a version. */
export interface LineageVersion {
  /** The model it belongs to, to tell its own parents from other models'. */
  model: string;
  /** The version identifier. */
  version: string;
  /** Its stage, shown on its node. */
  stage: Stage;
  /** Its aliases, shown on its node. */
  aliases: string[];
  /** Where it came from. */
  lineage: Lineage;
}

/** The kinds of node. `parent` is a parent version that is not in the report (another model's, or not read). */
export type LineageNodeKind = "version" | "data" | "commit" | "run" | "origin" | "parent";

/** One node of the graph, before layout. */
export interface LineageNode {
  /** `<kind>:<key>`: what `data-node` holds. */
  id: string;
  /** What kind of thing it is. */
  kind: LineageNodeKind;
  /** The node's main text: the version, the data's URI, the commit, the run (shortened when drawn). */
  label: string;
  /** A smaller line above it: what kind of thing this is, and its role or place (shortened when drawn). */
  caption: string;
  /** The tooltip: the full text and what else is known. */
  detail: string;
  /** For version nodes, the version. */
  version?: string;
  /** For version nodes, the version's stage, which colours the node. */
  stage?: Stage;
}

/** One edge, from an input to the version made from it. */
export interface LineageEdge {
  /** The input node's id. */
  from: string;
  /** The version node's id. */
  to: string;
}

/** The graph: nodes and edges, before layout. */
export interface LineageGraph {
  /** Every node, versions first in the order given. */
  nodes: LineageNode[];
  /** Every edge. */
  edges: LineageEdge[];
}

/**
 * Splits a parent reference into model and version. `lineage.parentVersion` is documented as `model/version`; a bare
 * `3` is read as a version of the same model, since that is what anyone writing it would mean.
 */
function parseParent(text: string, model: string): { model: string; version: string } {
  const slash = text.lastIndexOf("/");
  return slash === -1 ? { model, version: text } : { model: text.slice(0, slash), version: text.slice(slash + 1) };
}

/** Builds the graph's nodes and edges from the versions' lineage, sharing the nodes of inputs several versions have. */
export function lineageGraph(versions: readonly LineageVersion[]): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const seenEdges = new Set<string>();
  const present = new Set(versions.map((v) => v.version));
  for (const v of versions) {
    const aliases = v.aliases.length > 0 ? ` @${v.aliases.join(" @")}` : "";
    nodes.set(`version:${v.version}`, {
      id: `version:${v.version}`,
      kind: "version",
      label: `v${v.version}${aliases}`,
      caption: v.stage,
      detail: `${v.model}/${v.version} (${v.stage})${aliases}`,
      version: v.version,
      stage: v.stage,
    });
  }
  const link = (node: LineageNode, to: string) => {
    const existing = nodes.get(node.id);
    if (!existing) nodes.set(node.id, node);
    const key = `${node.id}\n${to}`;
    if (!seenEdges.has(key)) {
      seenEdges.add(key);
      edges.push({ from: node.id, to });
    }
  };
  for (const v of versions) {
    const to = `version:${v.version}`;
    const lineage = v.lineage ?? {};
    for (const snapshot of Array.isArray(lineage.dataSnapshots) ? lineage.dataSnapshots : []) {
      if (typeof snapshot?.uri !== "string" || snapshot.uri === "") continue;
      link(
        {
          id: `data:${snapshot.uri}`,
          kind: "data",
          label: snapshot.uri,
          caption: snapshot.role ? `data · ${snapshot.role}` : "data",
          detail: `data snapshot ${snapshot.uri}${snapshot.role ? ` (${snapshot.role})` : ""}${snapshot.digest ? `, digest ${snapshot.digest}` : ""}`,
        },
        to,
      );
    }
    if (lineage.codeCommit || lineage.codeRepository) {
      const commit = lineage.codeCommit ?? "";
      const repository = lineage.codeRepository ?? "";
      const repoName =
        repository
          .replace(/\.git$/, "")
          .split(/[/:]/)
          .filter(Boolean)
          .at(-1) ?? repository;
      link(
        {
          id: `commit:${repository}@${commit}`,
          kind: "commit",
          label: commit ? commit.slice(0, 12) : repoName,
          caption: repoName ? `code · ${repoName}` : "code",
          detail: `code ${commit ? `commit ${commit}` : "(no commit recorded)"}${repository ? ` in ${repository}` : ""}`,
        },
        to,
      );
    }
    if (lineage.sourceRun) {
      link({ id: `run:${lineage.sourceRun}`, kind: "run", label: lineage.sourceRun, caption: "source run", detail: `source run ${lineage.sourceRun}` }, to);
    }
    const origin = lineage.syncedFrom;
    if (origin && typeof origin === "object") {
      const where = `${origin.registry} ${origin.model}/${origin.version}`;
      link(
        {
          id: `origin:${where}`,
          kind: "origin",
          label: `${origin.model}/${origin.version}`,
          caption: `synced from ${origin.registry}`,
          detail: `synced from ${where}, digest ${origin.digest}`,
        },
        to,
      );
    }
    if (lineage.parentVersion) {
      const parent = parseParent(lineage.parentVersion, v.model);
      if (parent.model === v.model && present.has(parent.version) && parent.version !== v.version) {
        link(nodes.get(`version:${parent.version}`) as LineageNode, to);
      } else {
        const text = `${parent.model}/${parent.version}`;
        const outside = parent.model === v.model ? " (not in this report)" : "";
        link({ id: `parent:${text}`, kind: "parent", label: text, caption: `parent${outside}`, detail: `parent version ${text}${outside}` }, to);
      }
    }
  }
  return { nodes: [...nodes.values()], edges };
}

const ROW = 52;
const NODE_HEIGHT = 40;
const INPUT_WIDTH = 230;
const VERSION_WIDTH = 220;
const GAP = 40;
const TOP = 40;
const LEFT = 8;
/** Room on the right of the version column for the arcs from parent to child. */
const ARC_ROOM = 96;
/** Characters that fit on a node at the report's font size. */
const INPUT_CHARS = 31;
const VERSION_CHARS = 28;

/** The input columns, left to right, and their headings. */
const COLUMNS: ReadonlyArray<{ kinds: LineageNodeKind[]; heading: string }> = [
  { kinds: ["data"], heading: "Data" },
  { kinds: ["commit"], heading: "Code" },
  { kinds: ["run", "origin", "parent"], heading: "Runs, origins, parents" },
];

interface Placed extends LineageNode {
  x: number;
  y: number;
  width: number;
}

/**
 * The lineage graph as an SVG element.
 *
 * @param versions - Every version in the report, oldest first: the rows of the version column.
 */
export function renderLineage(versions: readonly LineageVersion[]): string {
  const graph = lineageGraph(versions);
  const columns = COLUMNS.map((c) => ({ ...c, nodes: graph.nodes.filter((n) => c.kinds.includes(n.kind)) })).filter((c) => c.nodes.length > 0);
  const versionX = LEFT + columns.length * (INPUT_WIDTH + GAP);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const placed = new Map<string, Placed>();
  versions.forEach((v, i) => {
    const node = byId.get(`version:${v.version}`) as LineageNode;
    placed.set(node.id, { ...node, x: versionX, y: TOP + i * ROW, width: VERSION_WIDTH });
  });
  const consumers = new Map<string, number[]>();
  for (const e of graph.edges) {
    const to = placed.get(e.to);
    if (!to) continue;
    const ys = consumers.get(e.from);
    if (ys) ys.push(to.y);
    else consumers.set(e.from, [to.y]);
  }
  let bottom = TOP + Math.max(1, versions.length) * ROW;
  columns.forEach((column, c) => {
    // Each input sits level with the middle of the versions made from it, then is pushed down past the one above so
    // that none overlap: short edges, and a shared snapshot between the versions that share it.
    const wanted = column.nodes
      .map((n) => {
        const ys = consumers.get(n.id) ?? [TOP];
        return { n, y: ys.reduce((a, b) => a + b, 0) / ys.length };
      })
      .sort((a, b) => a.y - b.y);
    let next = TOP;
    for (const { n, y } of wanted) {
      const at = Math.max(next, Math.round(y));
      placed.set(n.id, { ...n, x: LEFT + c * (INPUT_WIDTH + GAP), y: at, width: INPUT_WIDTH });
      next = at + ROW;
    }
    bottom = Math.max(bottom, next);
  });
  const width = versionX + VERSION_WIDTH + ARC_ROOM;
  const height = bottom + 8;
  const parts: string[] = [
    `<svg class="lineage" viewBox="0 0 ${width} ${height}" width="${width}" role="group" aria-labelledby="lineage-title">`,
    `<title id="lineage-title">Lineage of ${versions.length} versions: ${graph.nodes.length} nodes, ${graph.edges.length} edges</title>`,
    '<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs>',
  ];
  columns.forEach((column, c) => {
    parts.push(`<text class="column-heading" x="${LEFT + c * (INPUT_WIDTH + GAP)}" y="${TOP - 16}">${escapeHtml(column.heading)}</text>`);
  });
  parts.push(`<text class="column-heading" x="${versionX}" y="${TOP - 16}">Versions</text>`, '<g class="edges">');
  const mid = NODE_HEIGHT / 2;
  for (const e of graph.edges) {
    const from = placed.get(e.from) as Placed;
    const to = placed.get(e.to) as Placed;
    let d: string;
    let kind: string;
    if (from.kind === "version") {
      // Parent to child, both in the version column: an arc on its right, wider the further apart they are.
      const x = to.x + to.width;
      const bulge = 28 + Math.min(ARC_ROOM - 36, Math.abs(to.y - from.y) / 4);
      d = `M${x},${from.y + mid} C${x + bulge},${from.y + mid} ${x + bulge},${to.y + mid} ${x + 2},${to.y + mid}`;
      kind = "edge-parent";
    } else {
      const x1 = from.x + from.width;
      const x2 = to.x - 2;
      const bend = Math.max(24, (x2 - x1) / 2);
      d = `M${x1},${from.y + mid} C${x1 + bend},${from.y + mid} ${x2 - bend},${to.y + mid} ${x2},${to.y + mid}`;
      kind = `edge-${from.kind}`;
    }
    parts.push(`<path class="edge ${kind}" d="${d}" marker-end="url(#lineage-arrow)" data-edge="${escapeHtml(`${e.from} -> ${e.to}`)}"></path>`);
  }
  parts.push("</g>", '<g class="nodes">');
  for (const node of placed.values()) {
    const chars = node.kind === "version" ? VERSION_CHARS : INPUT_CHARS;
    const version = node.version !== undefined ? ` data-version="${escapeHtml(node.version)}" tabindex="0"` : "";
    parts.push(
      `<g class="node node-${node.kind}${node.stage ? ` stage-${escapeHtml(node.stage)}` : ""}" data-node="${escapeHtml(node.id)}"${version}>`,
      `<title>${escapeHtml(node.detail)}</title>`,
      `<rect x="${node.x}" y="${node.y}" width="${node.width}" height="${NODE_HEIGHT}" rx="6"></rect>`,
      `<text class="caption" x="${node.x + 10}" y="${node.y + 14}">${escapeHtml(shorten(node.caption, chars + 4))}</text>`,
      `<text class="label" x="${node.x + 10}" y="${node.y + 31}">${escapeHtml(shorten(node.label, chars))}</text>`,
      "</g>",
    );
  }
  parts.push("</g></svg>");
  return parts.join("");
}
