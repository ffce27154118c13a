/**
 * The audit trail section: the registry's own record of every change to the model, where the provider keeps one.
 *
 * @module
 */

import type { RegistryEvent } from "../core/events.js";
import { escapeHtml, formatDate, shorten } from "./report-html.js";
import type { ReportAudit } from "./report-types.js";

/** The longest text shown for one detail value; the rest is cut, since a gate report can be long. */
const MAX_DETAIL = 300;

function change(e: RegistryEvent): string {
  const what = e.alias !== undefined ? `@${e.alias} ` : e.stage !== undefined ? `${e.stage} ` : "";
  if (e.from !== undefined && e.to !== undefined) return `${what}${e.from} → ${e.to}`;
  if (e.to !== undefined) return `${what}→ ${e.to}`;
  if (e.from !== undefined) return `${what}${e.from} →`;
  return what.trim();
}

function details(e: RegistryEvent): string {
  if (!e.details || typeof e.details !== "object") return "";
  return Object.entries(e.details)
    .map(([k, v]) => {
      const text = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
      return `<span class="detail"><span class="detail-key">${escapeHtml(k)}</span> ${escapeHtml(shorten(text, MAX_DETAIL))}</span>`;
    })
    .join(" ");
}

/** The audit section's content: a table of events, or a note that the provider keeps no trail. */
export function renderAudit(audit: ReportAudit): string {
  if (!audit.kept) {
    return '<p class="note no-audit">This provider keeps no audit trail: approvals are shown with each version, and changes made through it are not recorded here.</p>';
  }
  if (audit.events.length === 0) return '<p class="note">The audit trail holds no events about this model.</p>';
  const capped = audit.total > audit.events.length ? `<p class="note capped">Showing the newest ${audit.events.length} of ${audit.total} events.</p>` : "";
  const rows = audit.events.map(
    (e) =>
      `<tr data-event="${escapeHtml(e.type)}"${e.version !== undefined ? ` data-version="${escapeHtml(e.version)}"` : ""}>` +
      `<td><time datetime="${escapeHtml(e.at)}">${escapeHtml(formatDate(e.at))}</time></td>` +
      `<td><span class="event-type">${escapeHtml(e.type)}</span></td>` +
      `<td>${e.version !== undefined ? `v${escapeHtml(e.version)}` : ""}</td>` +
      `<td>${escapeHtml(change(e))}</td>` +
      `<td>${escapeHtml(e.actor)}</td>` +
      `<td class="details">${details(e)}</td></tr>`,
  );
  return `${capped}<div class="scroll"><table class="audit"><thead><tr><th>When</th><th>Event</th><th>Version</th><th>Change</th><th>Actor</th><th>Details</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}
