/**
 * The report's HTML primitives: escaping for text and attributes, JSON that is safe inside a `<script>` element, and
 * the small formatters every section shares. Everything the page shows that came from a registry (names, tags, card
 * text, params, audit comments) passes through {@link escapeHtml}; nothing user-supplied is ever written raw.
 *
 * @module
 */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escapes text for HTML: element content and double-quoted attribute values alike. Quotes are escaped too, so one
 * function is safe in both places and no caller has to know which one it is writing into.
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * JSON for a `<script type="application/json">` element. `<`, `>` and `&` become `\u003c`, `\u003e` and `\u0026`, so
 * no string can close the element (`</script>`) or open a comment (`<!--`) that changes how the parser reads what
 * follows; U+2028 and U+2029 are escaped because older JavaScript parsers end a string literal at them. `JSON.parse`
 * reads every escape back as the original character.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A date as `2026-05-01 14:03 UTC`: the same text wherever the report is generated or opened. */
export function formatDate(date: Date | string | undefined): string {
  if (date === undefined) return "";
  const d = typeof date === "string" ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) return String(date);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A date as ISO 8601 for `datetime` attributes and the script's data; empty for a date that is not one. */
export function isoDate(date: Date | string): string {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/** A metric value, short: four significant digits, or the exponent form for very large or very small numbers. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/**
 * Shortens `text` to at most `max` characters, cutting out the middle (`s3://bucket/…/train.parquet`): for URIs,
 * paths and run ids both ends say more than either alone. The full text goes in a tooltip beside it.
 */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${chars.slice(0, head).join("")}…${tail > 0 ? chars.slice(-tail).join("") : ""}`;
}

/** Compares version identifiers as numbers when both are (`"10"` after `"9"`), otherwise as text. */
export function compareVersionIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
