/**
 * The page's only script, inlined: choosing which metric the chart shows, and highlighting one version everywhere it
 * appears (chart point, timeline entry, lineage node, audit rows) with a short summary of it. The page is complete
 * without it: the server draws every chart and graph, and with scripts off every metric's chart is shown.
 *
 * The script is a constant, never built from data: data reaches it only through the page's
 * `<script type="application/json" id="report-data">` element, read with `JSON.parse`, and is written to the page
 * only as `textContent`. That is what lets the page's Content-Security-Policy allow this one script by its hash
 * ({@link REPORT_SCRIPT_SHA256}) and no other, so even markup that slipped past the escaping could not run.
 *
 * @module
 */

/** The page's script. Kept to what every browser of the last few years runs, without a build step. */
export const REPORT_SCRIPT = `(function () {
  "use strict";
  var source = document.getElementById("report-data");
  var data = JSON.parse((source && source.textContent) || "{}");
  var metrics = Array.isArray(data.metrics) ? data.metrics : [];
  var panels = Array.prototype.slice.call(document.querySelectorAll(".chart-panel"));
  var select = document.getElementById("metric-select");
  function show(metric) {
    panels.forEach(function (panel) { panel.hidden = panel.getAttribute("data-metric") !== metric; });
  }
  if (select && panels.length > 1) {
    metrics.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    });
    select.value = data.defaultMetric;
    select.addEventListener("change", function () { show(select.value); });
    select.closest(".chart-controls").hidden = false;
    show(select.value);
  }

  var versions = {};
  (Array.isArray(data.versions) ? data.versions : []).forEach(function (v) { versions["v" + v.version] = v; });
  var panel = document.getElementById("selection");
  var text = panel && panel.querySelector(".selection-text");
  var selected = null;
  function describe(v) {
    var parts = ["v" + v.version, v.stage];
    if (v.aliases.length > 0) parts.push("@" + v.aliases.join(" @"));
    parts.push("created " + v.createdAt.slice(0, 16).replace("T", " ") + " UTC" + (v.createdBy ? " by " + v.createdBy : ""));
    var values = Object.keys(v.metrics).sort().map(function (k) { return k + " " + v.metrics[k]; });
    if (values.length > 0) parts.push(values.join(", "));
    return parts.join(" · ");
  }
  function choose(version) {
    Array.prototype.forEach.call(document.querySelectorAll(".is-selected"), function (el) { el.classList.remove("is-selected"); });
    selected = version === selected ? null : version;
    if (selected === null) {
      if (panel) panel.hidden = true;
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-version]"), function (el) {
      if (el.getAttribute("data-version") === selected) el.classList.add("is-selected");
    });
    var v = versions["v" + selected];
    if (panel && text && v) {
      text.textContent = describe(v);
      panel.hidden = false;
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || target.closest("details, button, select, a")) return;
    var owner = target.closest("[data-version]");
    if (owner) choose(owner.getAttribute("data-version"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && selected !== null) return choose(selected);
    var target = event.target;
    if ((event.key !== "Enter" && event.key !== " ") || !(target instanceof Element) || !target.hasAttribute("data-version")) return;
    event.preventDefault();
    choose(target.getAttribute("data-version"));
  });
  var clear = panel && panel.querySelector("button");
  if (clear) clear.addEventListener("click", function () { if (selected !== null) choose(selected); });
  // "report.html#v3" opens with version 3 highlighted: a link that points a colleague at one version.
  function fromHash() {
    var match = /^#v(.+)$/.exec(location.hash);
    if (!match) return;
    var version;
    try {
      version = decodeURIComponent(match[1]);
    } catch (error) {
      return;
    }
    if (versions["v" + version] && selected !== version) choose(version);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  document.body.setAttribute("data-ready", "true");
})();`;

/**
 * The base64 SHA-256 of {@link REPORT_SCRIPT}, for the page's Content-Security-Policy (`script-src 'sha256-…'`).
 * Written here rather than computed, so that rendering needs no crypto module and runs anywhere; the report's tests
 * compute it again and fail when the script changes without it.
 */
export const REPORT_SCRIPT_SHA256 = "4HvfTFAyfIR26QDe4H8WU/I5zqJu7xdBevxBnMRebnY=";
