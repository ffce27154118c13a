/**
 * A version's approvals for the page. They live in a tag anyone can edit, so a tag that is not a list of approvals is
 * shown as unreadable rather than failing the whole report (`approvalsOf` throws `CorruptDataError` for it, and
 * `version.approvals` reads it as none).
 *
 * @module
 */

import { APPROVALS_TAG, parseApprovals } from "../core/approvals-tag.js";
import type { Approval } from "../core/types.js";
import { escapeHtml, formatDate } from "./report-html.js";
import type { ReportVersion } from "./report-types.js";

/** A version's approvals, or that its approvals tag could not be read. */
export type ReadApprovals = { ok: true; approvals: Approval[] } | { ok: false };

/** Reads a version's approvals without throwing. */
export function readApprovals(version: ReportVersion): ReadApprovals {
  const text = version.tags?.[APPROVALS_TAG];
  if (text === undefined) return { ok: true, approvals: [] };
  const approvals = parseApprovals(text);
  return approvals ? { ok: true, approvals } : { ok: false };
}

/** A version's approvals as HTML: one line per approval, a note when the tag is unreadable, nothing when there are none. */
export function renderApprovals(version: ReportVersion): string {
  const read = readApprovals(version);
  if (!read.ok) return `<p class="approvals unreadable">Approvals unreadable: the <code>${APPROVALS_TAG}</code> tag is not a list of approvals.</p>`;
  if (read.approvals.length === 0) return "";
  const items = read.approvals.map((a) => {
    const role = typeof a.role === "string" ? ` <span class="role">(${escapeHtml(a.role)})</span>` : "";
    const at = typeof a.at === "string" ? ` <time>${escapeHtml(formatDate(a.at))}</time>` : "";
    const comment = typeof a.comment === "string" ? `: <q>${escapeHtml(a.comment)}</q>` : "";
    return `<li>✔ approved by <strong>${escapeHtml(a.by)}</strong>${role}${at}${comment}</li>`;
  });
  return `<ul class="approvals">${items.join("")}</ul>`;
}
