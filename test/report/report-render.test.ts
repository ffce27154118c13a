// renderReport on data made by hand: escaping (every string a user controls carries markup), nothing outside the file,
// a chart point per version that has the metric, lineage nodes and edges, the model card chosen, approvals read
// without failing on a corrupt tag, the audit section with and without a trail, and the script's CSP hash.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renderReport, type ModelCard, type ReportData, type ReportVersion } from "modelreg";
import { jsonForScript } from "../../src/report/report-html.js";
import { renderMarkdown } from "../../src/report/report-markdown.js";
import { REPORT_SCRIPT, REPORT_SCRIPT_SHA256 } from "../../src/report/report-script.js";
import { XSS } from "./support/report-fixture.js";

const ESCAPED = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;";

function version(n: number, extra: Partial<ReportVersion> = {}): ReportVersion {
  return {
    model: "m",
    version: String(n),
    params: {},
    metrics: {},
    tags: {},
    lineage: {},
    aliases: [],
    stage: "draft",
    artifacts: { fileCount: 1, totalBytes: 10 },
    createdAt: new Date(Date.UTC(2026, 0, n)),
    updatedAt: new Date(Date.UTC(2026, 0, n)),
    ...extra,
  };
}

function data(versions: ReportVersion[], extra: Partial<ReportData> = {}): ReportData {
  return {
    provider: "local",
    model: { name: "m", tags: {}, aliases: {}, createdAt: new Date(Date.UTC(2026, 0, 1)), updatedAt: new Date(Date.UTC(2026, 0, 9)) },
    versions: [...versions].reverse(),
    maxVersions: 500,
    versionsCapped: false,
    audit: { kept: false },
    generatedAt: new Date(Date.UTC(2026, 1, 1, 12, 30)),
    ...extra,
  };
}

/** The `<figure>` of one metric's chart. */
function panel(html: string, metric: string): string {
  const start = html.indexOf(`<figure class="chart-panel" data-metric="${metric}"`);
  expect(start, `a chart for ${metric}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</figure>", start));
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`))].length;
}

/** Data where every user-controlled string carries markup. */
function hostile(): ReportData {
  const v1 = version(1, {
    model: `m${XSS}`,
    description: XSS,
    params: { [XSS]: XSS },
    metrics: { [`auc${XSS}`]: 0.8 },
    tags: { [XSS]: XSS, "modelreg.approvals": JSON.stringify([{ by: XSS, role: XSS, comment: XSS, at: "2026-01-02T00:00:00Z" }]) },
    aliases: [XSS],
    createdBy: XSS,
    lineage: {
      codeCommit: XSS,
      codeRepository: XSS,
      sourceRun: XSS,
      parentVersion: `other${XSS}/1`,
      dataSnapshots: [{ uri: XSS, role: XSS, digest: XSS }],
      syncedFrom: { registry: XSS, model: XSS, version: XSS, digest: XSS },
    },
    stage: "production",
    modelCard: {
      summary: XSS,
      intendedUse: XSS,
      limitations: XSS,
      ethicalConsiderations: XSS,
      training: XSS,
      evaluation: XSS,
      owners: [XSS],
      fairness: [{ slice: XSS, metrics: { [XSS]: 0.5 }, size: 10, note: XSS }],
      markdown: `# ${XSS}\n\n${XSS}\n\n- ${XSS}\n\n\`${XSS}\`\n\n\`\`\`\n${XSS}\n\`\`\`\n\n[${XSS}](${XSS})`,
    },
    artifacts: { uri: XSS, digest: XSS },
  });
  return data([v1], {
    model: { name: `m${XSS}`, description: XSS, tags: { [XSS]: XSS }, aliases: { [XSS]: "1" }, createdAt: new Date(), updatedAt: new Date() },
    provider: XSS,
    audit: {
      kept: true,
      total: 1,
      events: [
        {
          id: "e1",
          type: "approval.recorded",
          at: "2026-01-02T00:00:00Z",
          actor: XSS,
          provider: "local",
          model: `m${XSS}`,
          version: "1",
          alias: XSS,
          from: XSS,
          to: XSS,
          details: { comment: XSS, [XSS]: { nested: XSS } },
        },
      ],
    },
  });
}

describe("renderReport: escaping", () => {
  it("writes every user-supplied string escaped, and only the page's own two script elements", () => {
    const html = renderReport(hostile(), { title: XSS });
    expect(html).not.toContain(XSS);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<script>alert/i);
    expect(count(html, /<script/i)).toBe(2);
    expect(count(html, /<\/script/i)).toBe(2);
    // Shown, as text: in the title, heading, card, timeline, lineage tooltips and the audit table.
    expect(count(html, new RegExp(ESCAPED.replace(/[()]/g, "\\$&")))).toBeGreaterThan(20);
    expect(html).toContain(`<title>${ESCAPED}</title>`);
  });

  it("embeds the script's data as JSON that cannot end its element, and reads back as the original", () => {
    const html = renderReport(hostile());
    const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
    expect(match).not.toBeNull();
    const json = match?.[1] as string;
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json).toContain("\\u003c/script\\u003e");
    const parsed = JSON.parse(json) as { model: string; metrics: string[]; versions: Array<{ aliases: string[] }> };
    expect(parsed.model).toBe(`m${XSS}`);
    expect(parsed.metrics).toEqual([`auc${XSS}`]);
    expect(parsed.versions[0]?.aliases).toEqual([XSS]);
  });

  it("escapes <, >, &, U+2028 and U+2029 in script JSON", () => {
    const text = jsonForScript({ s: "</script><!-- & \u2028\u2029" });
    expect(text).toBe('{"s":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029"}');
    expect(JSON.parse(text)).toEqual({ s: "</script><!-- & \u2028\u2029" });
  });

  it("renders a card's Markdown with a few fixed tags, raw HTML as text and links as text", () => {
    const html = renderMarkdown(
      "# Title\n\nSome **bold** and *it* and `co*de*`.\n\n- one\n- two\n\n1. first\n\n<script>alert(1)</script>\n\n[docs](https://example.com/x)\n\n```\n<b>x</b>\n```",
    );
    expect(html).toContain("<h4>Title</h4>");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<em>it</em>");
    expect(html).toContain("<code>co*de*</code>");
    expect(html).toContain("<ul><li>one</li><li>two</li></ul>");
    expect(html).toContain("<ol><li>first</li></ol>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('docs (<span class="link-address">https://example.com/x</span>)');
    expect(html).toContain("<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>");
    const tags = new Set([...html.matchAll(/<\/?([a-z0-9]+)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(["code", "em", "h4", "li", "ol", "p", "pre", "span", "strong", "ul"]);
  });
});

describe("renderReport: self-contained", () => {
  it("refers to nothing outside the file: no external src, href or url(), no link or import", () => {
    const v = version(1, {
      lineage: { codeRepository: "https://github.com/acme/fraud.git", dataSnapshots: [{ uri: "//cdn.example.com/x.js" }] },
      modelCard: { markdown: '[a](https://example.com) ![img](http://example.com/i.png) <img src="//evil.example/x">' },
      tags: { homepage: "https://example.com" },
      metrics: { auc: 1 },
    });
    const html = renderReport(data([v]));
    expect(html).toContain("https://github.com/acme/fraud.git");
    expect(html).not.toMatch(/\b(?:src|href|xlink:href|action|srcset|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|\/\/)(?!#)/i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(?!#)[^)]/i);
    expect(html).not.toMatch(/<(?:link|iframe|object|embed|img|base)\b/i);
    expect(html).not.toMatch(/@import/i);
    // Every href the page has is a fragment of the page itself.
    for (const m of html.matchAll(/\bhref="([^"]*)"/g)) expect(m[1]).toMatch(/^#[a-z]+$/);
  });

  it("allows only its own script by hash (the hash matches the script) and loads nothing", () => {
    const html = renderReport(data([version(1)]));
    const hash = createHash("sha256").update(REPORT_SCRIPT, "utf8").digest("base64");
    expect(REPORT_SCRIPT_SHA256, "REPORT_SCRIPT changed: put its new hash in REPORT_SCRIPT_SHA256").toBe(hash);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain(`<script>${REPORT_SCRIPT}</script>`);
  });
});

describe("renderReport: chart, lineage, timeline, card, audit", () => {
  const versions = [
    version(1, {
      metrics: { auc: 0.8, loss: 0.5 },
      lineage: { codeCommit: "aaa111", codeRepository: "git@github.com:acme/fraud.git", dataSnapshots: [{ uri: "s3://d/train" }] },
    }),
    version(2, { metrics: { auc: 0.85 }, lineage: { parentVersion: "m/1", dataSnapshots: [{ uri: "s3://d/train" }, { uri: "s3://d/eval", role: "eval" }] } }),
    version(3, { metrics: { auc: 0.9, loss: 0.3 }, stage: "production", aliases: ["champion"], lineage: { parentVersion: "m/2", sourceRun: "run-3" } }),
    version(4, { metrics: { loss: 0.2 }, lineage: { parentVersion: "other/7", syncedFrom: { registry: "mlflow", model: "m", version: "9", digest: "d" } } }),
    version(5, { lineage: { parentVersion: "m/99" } }),
  ];
  const html = renderReport(data(versions));

  it("draws a point per version that has the metric, with its version and a title, the commonest metric first", () => {
    const auc = panel(html, "auc");
    expect(count(auc, /<circle class="point/)).toBe(3);
    expect([...auc.matchAll(/<circle [^>]*data-version="([^"]+)"/g)].map((m) => m[1])).toEqual(["1", "2", "3"]);
    expect(auc).toMatch(/<circle class="point stage-production"[^>]*data-version="3"[^>]*><title>v3: auc = 0.9 \(production, @champion\)<\/title><\/circle>/);
    expect(count(panel(html, "loss"), /<circle class="point/)).toBe(3);
    expect(html.indexOf('data-metric="auc"')).toBeLessThan(html.indexOf('data-metric="loss"'));
    // The metric asked for leads instead.
    const byLoss = renderReport(data(versions), { metric: "loss" });
    expect(byLoss.indexOf('<figure class="chart-panel" data-metric="loss"')).toBeLessThan(byLoss.indexOf('<figure class="chart-panel" data-metric="auc"'));
  });

  it("labels at most 20 versions on the axis, the newest always, and the aliased points while there are few", () => {
    const many = Array.from({ length: 60 }, (_, i) => version(i + 1, { metrics: { auc: i / 100 }, aliases: i === 49 ? ["champion"] : [] }));
    const chart = panel(renderReport(data(many)), "auc");
    const labels = [...chart.matchAll(/<text class="tick" [^>]*text-anchor="middle">v(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(labels.length).toBeLessThanOrEqual(20);
    expect(labels.at(-1)).toBe(60);
    expect(labels.at(-2)).toBe(57);
    expect(count(chart, /<circle class="point/)).toBe(60);
    expect(chart).toContain('<text class="alias-label"');
    const crowded = many.map((v) => ({ ...v, aliases: [`a${v.version}`] }));
    expect(panel(renderReport(data(crowded)), "auc")).not.toContain('<text class="alias-label"');
  });

  it("says so when no version has a metric", () => {
    expect(renderReport(data([version(1)]))).toContain("No version records a metric.");
  });

  it("draws a lineage node per version and per input, shared inputs once, with an edge per link", () => {
    const nodes = [...html.matchAll(/<g class="node [^"]*" data-node="([^"]+)"/g)].map((m) => m[1]);
    expect(nodes.sort()).toEqual(
      [
        "version:1",
        "version:2",
        "version:3",
        "version:4",
        "version:5",
        "data:s3://d/train",
        "data:s3://d/eval",
        "commit:git@github.com:acme/fraud.git@aaa111",
        "run:run-3",
        "origin:mlflow m/9",
        "parent:other/7",
        "parent:m/99",
      ].sort(),
    );
    const edges = [...html.matchAll(/data-edge="([^"]+)"/g)].map((m) => (m[1] as string).replace(/&gt;/g, ">"));
    expect(edges.sort()).toEqual(
      [
        "data:s3://d/train -> version:1",
        "commit:git@github.com:acme/fraud.git@aaa111 -> version:1",
        "data:s3://d/train -> version:2",
        "data:s3://d/eval -> version:2",
        "version:1 -> version:2",
        "version:2 -> version:3",
        "run:run-3 -> version:3",
        "origin:mlflow m/9 -> version:4",
        "parent:other/7 -> version:4",
        "parent:m/99 -> version:5",
      ].sort(),
    );
  });

  it("lists every version on the timeline, newest first, with stage and aliases", () => {
    const entries = [...html.matchAll(/<li class="version stage-([a-z]+)" id="v(\d+)"/g)].map((m) => `${m[2]}:${m[1]}`);
    expect(entries).toEqual(["5:draft", "4:draft", "3:production", "2:draft", "1:draft"]);
    expect(html).toMatch(/id="v3"[^>]*>.*?<span class="alias">@champion<\/span>/s);
  });

  it("shows the production version's card, else the newest card", () => {
    const withCards = [version(1, { modelCard: { summary: "one" }, stage: "production" }), version(2, { modelCard: { summary: "two" } }), version(3)];
    expect(renderReport(data(withCards))).toMatch(/From version 1 \(production\).*<dd class="card-text" data-field="summary">one<\/dd>/s);
    const noProduction = withCards.map((v) => ({ ...v, stage: "draft" as const }));
    expect(renderReport(data(noProduction))).toMatch(/From version 2 \(draft\).*data-field="summary">two</s);
    expect(renderReport(data([version(1)]))).toContain("No version of this model has a model card.");
  });

  it("shows the card's fairness slices as a table, a column per metric", () => {
    const card: ModelCard = {
      fairness: [
        { slice: "age >= 65", metrics: { auc: 0.84, recall: 0.5 }, size: 1200, note: "fewer examples" },
        { slice: "region = EU", metrics: { auc: 0.91 } },
      ],
    };
    const table = /<table class="slices" data-field="fairness">.*?<\/table>/s.exec(renderReport(data([version(1, { modelCard: card })])))?.[0];
    expect(table).toContain("<tr><th>Slice</th><th>auc</th><th>recall</th><th>Size</th><th>Note</th></tr>");
    expect(table).toContain(
      '<tr><th scope="row">age &gt;= 65</th><td class="num">0.84</td><td class="num">0.5</td><td class="num">1,200</td><td>fewer examples</td></tr>',
    );
    expect(table).toContain('<tr><th scope="row">region = EU</th><td class="num">0.91</td><td class="num">–</td><td class="num"></td><td></td></tr>');
  });

  it("shows approvals, and a corrupt approvals tag as unreadable instead of failing", () => {
    const approved = version(1, { tags: { "modelreg.approvals": JSON.stringify([{ by: "bob", role: "risk", comment: "ok", at: "2026-01-02T03:04:05Z" }]) } });
    const corrupt = version(2, { tags: { "modelreg.approvals": "{not json" } });
    const wrongShape = version(3, { tags: { "modelreg.approvals": '[{"who":"x"}]' } });
    const html = renderReport(data([approved, corrupt, wrongShape]));
    expect(html).toContain('approved by <strong>bob</strong> <span class="role">(risk)</span> <time>2026-01-02 03:04 UTC</time>: <q>ok</q>');
    expect(count(html, /Approvals unreadable/)).toBe(2);
  });

  it("shows the audit trail where there is one, and says there is none otherwise", () => {
    expect(html).toContain("This provider keeps no audit trail");
    const event = {
      id: "1",
      type: "stage.changed" as const,
      at: "2026-01-03T00:00:00Z",
      actor: "ann",
      provider: "local",
      model: "m",
      version: "3",
      stage: "production" as const,
      from: "draft",
      to: "production",
    };
    const withTrail = renderReport(data(versions, { audit: { kept: true, events: [event], total: 7 } }));
    expect(withTrail).not.toContain("keeps no audit trail");
    expect(withTrail).toMatch(/<tr data-event="stage.changed" data-version="3">.*production draft → production.*ann/s);
    expect(withTrail).toContain("Showing the newest 1 of 7 events.");
    expect(renderReport(data(versions, { audit: { kept: true, events: [], total: 0 } }))).toContain("The audit trail holds no events about this model.");
  });

  it("says when the versions were capped", () => {
    expect(html).not.toContain("the report shows the newest");
    expect(renderReport(data(versions, { versionsCapped: true, maxVersions: 5 }))).toContain(
      "This model has more than 5 versions: the report shows the newest 5.",
    );
  });
});
