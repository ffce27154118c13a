// The report in a real browser: headless Chromium opens the file `modelreg report` wrote (file://, no server) and the
// test reads the DOM after the page's script ran: a chart point per version with the metric, the lineage graph's
// nodes, the timeline, the model card, the audit trail, the metric menu the script fills, a version highlighted from
// the URL, and no console error (the page's Content-Security-Policy reports anything it blocks there too). A screenshot
// is kept in test-artifacts/report.png.
//
// Chromium comes from Debian's package (test/support/chromium.ts installs it when missing and this runs as root).
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { reportCommand } from "../../src/cli/cli-report.js";
import { io, tempDir } from "../cli/support/helpers.js";
import { chromiumSkipReason, consoleMessages, ensureChromium, runChromium } from "../support/chromium.js";
import { CARD_SUMMARY, EVAL, TRAIN, XSS, seedReportRegistry } from "./support/report-fixture.js";

const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");
const skip = chromiumSkipReason();
if (skip) console.warn(`skipping the report's browser test: ${skip}`);

let chromium: string;
let reportUrl: string;
let dom: string;
let log: string;

/** The element that starts at `open` (its opening tag up to the matching close of `tag`; no nesting of `tag`). */
function element(html: string, open: RegExp, tag: string): string {
  const match = open.exec(html);
  expect(match, `an element matching ${open}`).not.toBeNull();
  const start = match?.index as number;
  return html.slice(start, html.indexOf(`</${tag}>`, start) + tag.length + 3);
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, "g"))].length;
}

describe.skipIf(skip !== undefined)("the report in headless Chromium", () => {
  beforeAll(async () => {
    // First: installing Chromium (when it must) takes a minute or two; the hook's timeout allows for it.
    chromium = await ensureChromium();
    const dir = await tempDir("modelreg-report-browser-");
    await seedReportRegistry(join(dir, "registry"));
    const path = join(dir, "report.html");
    expect(await reportCommand([`file:${join(dir, "registry")}`, "fraud", "-o", path], io().io)).toBe(0);
    reportUrl = pathToFileURL(path).href;
    const run = await runChromium(chromium, ["--dump-dom"], reportUrl);
    expect(run.code, run.stderr).toBe(0);
    dom = run.stdout;
    log = run.stderr;
  }, 900_000);

  it("runs its script with no console error (no console message at all: Chromium's log does not tell levels apart)", () => {
    expect(consoleMessages(log), log).toEqual([]);
    expect(dom).toMatch(/<body data-ready="true">/);
  });

  it("draws a chart point per version that has the metric, and shows one metric's chart with a menu for the rest", () => {
    const auc = element(dom, /<figure class="chart-panel" data-metric="auc"/, "figure");
    const loss = element(dom, /<figure class="chart-panel" data-metric="loss"/, "figure");
    expect(count(auc, /<circle class="point[^"]*"[^>]*data-version="\d+"/)).toBe(5);
    expect(count(loss, /<circle class="point[^"]*"[^>]*data-version="\d+"/)).toBe(4);
    expect(loss).not.toMatch(/data-version="4"/);
    expect(auc).toMatch(/<title>v3: auc = 0.9 \(production, @champion\)<\/title>/);
    // The script chose auc (on every version) and hid the other chart; it revealed and filled the menu.
    expect(auc).not.toMatch(/^<figure[^>]*hidden/);
    expect(loss).toMatch(/^<figure[^>]*hidden=""/);
    expect(dom).toMatch(/<div class="chart-controls">/);
    const menu = element(dom, /<select id="metric-select">/, "select");
    expect([...menu.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1])).toEqual(["auc", "loss"]);
  });

  it("draws the lineage graph's nodes and edges", () => {
    const lineage = element(dom, /<svg class="lineage"/, "svg");
    const nodes = [...lineage.matchAll(/data-node="([^"]+)"/g)].map((m) => m[1]);
    expect(nodes.sort()).toEqual(
      [
        ...[1, 2, 3, 4, 5].map((n) => `version:${n}`),
        `data:${TRAIN}`,
        `data:${EVAL}`,
        "commit:https://github.com/acme/fraud.git@a1b2c3d4e5f60718293a",
        "commit:https://github.com/acme/fraud.git@b2c3d4e5f60718293a4b",
        "commit:https://github.com/acme/fraud.git@c3d4e5f60718293a4b5c",
        "run:run-001",
        "run:run-002",
        "run:run-003",
        "run:run-004",
        "origin:mlflow+https://mlflow.acme.example fraud/12",
      ].sort(),
    );
    // Inputs: 4 + 5 (train to 1-4, eval to 2), 4 commits, 4 runs, 1 origin; parents: 1->2, 2->3, 3->4, 3->5.
    expect(count(lineage, /<path class="edge /)).toBe(5 + 4 + 4 + 1 + 4);
    expect(count(lineage, /<path class="edge edge-parent"/)).toBe(4);
  });

  it("lists the versions on the timeline with their stages and aliases, the card and the audit trail", () => {
    const timeline = element(dom, /<ol class="timeline">/, "ol");
    expect([...timeline.matchAll(/<li class="version stage-([a-z]+)" id="v(\d)"/g)].map((m) => `${m[2]}:${m[1]}`)).toEqual([
      "5:draft",
      "4:staging",
      "3:production",
      "2:archived",
      "1:draft",
    ]);
    expect(timeline).toMatch(/id="v3".*?@champion/s);
    expect(timeline).toMatch(/approved by <strong>bob<\/strong>/);
    expect(dom).toContain(`<dd class="card-text" data-field="summary">${CARD_SUMMARY}</dd>`);
    expect(dom).toMatch(/From version 3 \(production\)/);
    expect(dom).toMatch(/<table class="audit">/);
    expect(count(dom, /<tr data-event="approval.recorded"/)).toBe(1);
    // The markup in user strings is text in the DOM, never elements.
    expect(dom).not.toMatch(/<img/i);
    expect(dom).toContain("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(dom).not.toContain(XSS);
  });

  it("highlights the version a link names (#v3) in the chart, the timeline and the lineage graph", async () => {
    const run = await runChromium(chromium, ["--dump-dom"], `${reportUrl}#v3`);
    expect(consoleMessages(run.stderr), run.stderr).toEqual([]);
    const selected = [...run.stdout.matchAll(/<(\w+) class="([^"]*\bis-selected\b[^"]*)"[^>]*data-version="([^"]+)"/g)];
    expect(new Set(selected.map((m) => m[3]))).toEqual(new Set(["3"]));
    expect(selected.filter((m) => m[1] === "circle")).toHaveLength(2);
    expect(selected.some((m) => m[1] === "li")).toBe(true);
    expect(run.stdout).toMatch(/<g class="node node-version stage-production is-selected" data-node="version:3"/);
    expect(run.stdout).toMatch(
      /<aside class="selection" id="selection" aria-live="polite"><span class="selection-text">v3 · production · @champion · created [^<]* by alice · auc 0.9, loss 0.37<\/span>/,
    );
  }, 120_000);

  it("renders a screenshot (kept in test-artifacts/report.png)", async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, "report.png");
    await writeFile(png, "");
    const run = await runChromium(chromium, [`--screenshot=${png}`, "--window-size=1280,2000", "--hide-scrollbars"], reportUrl);
    expect(run.code, run.stderr).toBe(0);
    expect(consoleMessages(run.stderr), run.stderr).toEqual([]);
    const bytes = await readFile(png);
    expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    // 1280 x 2000 of text, charts and a graph; a blank page is a few kilobytes.
    expect((await stat(png)).size).toBeGreaterThan(50_000);
    console.log(`report screenshot: ${png}`);
  }, 120_000);

  it("catches a page that throws, logs or breaks its Content-Security-Policy (the console check works)", async () => {
    const dir = await tempDir("modelreg-report-browser-");
    const page = join(dir, "broken.html");
    await writeFile(
      page,
      `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'"></head>` +
        '<body><img src="x"><script>console.log("just a log"); console.error("logged error"); throw new Error("deliberate");</script></body></html>',
    );
    const run = await runChromium(chromium, ["--dump-dom"], pathToFileURL(page).href);
    const messages = consoleMessages(run.stderr);
    expect(
      messages.some((line) => line.includes('"logged error"')),
      run.stderr,
    ).toBe(true);
    expect(
      messages.some((line) => line.includes('"Uncaught Error: deliberate"')),
      run.stderr,
    ).toBe(true);
    expect(
      messages.some((line) => /Loading the image .* violates the following Content Security Policy/.test(line)),
      run.stderr,
    ).toBe(true);
    expect(
      messages.some((line) => line.includes('"just a log"')),
      run.stderr,
    ).toBe(true);
    // Chromium's own noise (D-Bus, GPU) is not the page's.
    expect(messages.every((line) => /CONSOLE/.test(line))).toBe(true);
  }, 120_000);
});
