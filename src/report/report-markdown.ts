/**
 * A minimal Markdown renderer for model cards: headings, paragraphs, lists, block quotes, fenced code, inline code,
 * bold and italics. It is safe by construction: every line is escaped before any markup is added, and only the
 * handful of tags written here can appear. Raw HTML in the card is shown as text, and links show their text and
 * their address as text (the report links to nothing outside itself).
 *
 * @module
 */

import { escapeHtml } from "./report-html.js";

/** Inline markup on one line of already escaped text. */
function inline(escaped: string): string {
  // Code spans first, kept aside so that `*` or `_` inside them is not read as emphasis.
  const codes: string[] = [];
  let text = escaped.replace(/`([^`]+)`/g, (_, code: string) => {
    codes.push(code);
    return `\u0000${codes.length - 1}\u0000`;
  });
  text = text
    // [text](address): the text, then the address in parentheses, neither a link.
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, address: string) => `${label} (<span class="link-address">${address}</span>)`)
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/__([^_]+)__/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?=[^*\w]|$)/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_([^_\s][^_]*)_(?=[^_\w]|$)/g, "$1<em>$2</em>");
  return text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => `<code>${codes[Number(i)]}</code>`);
}

/**
 * Renders Markdown as safe HTML.
 *
 * @param markdown - The card's Markdown.
 * @returns HTML holding only `h3`-`h6`, `p`, `ul`, `ol`, `li`, `blockquote`, `pre`, `code`, `strong`, `em`, `span`.
 */
export function renderMarkdown(markdown: string): string {
  // The NUL placeholders inline() uses cannot come from the card itself.
  const lines = markdown
    .replace(/\r\n?/g, "\n")
    .replace(/\u0000/g, "")
    .split("\n");
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { tag: "ul" | "ol"; items: string[] } | undefined;
  const flush = () => {
    if (paragraph.length > 0) out.push(`<p>${paragraph.map((l) => inline(escapeHtml(l))).join("<br>")}</p>`);
    paragraph = [];
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(escapeHtml(i))}</li>`).join("")}</${list.tag}>`);
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] as string).trimStart().startsWith(fence[1] as string); i++) code.push(lines[i] as string);
      out.push(`<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      // The card sits under the report's own h2 and h3: its headings start at h4 whatever level they were written at.
      const level = Math.min(6, (heading[1] as string).length + 3);
      out.push(`<h${level}>${inline(escapeHtml(heading[2]))}</h${level}>`);
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      const tag = item[1] ? "ul" : "ol";
      if (paragraph.length > 0 || (list && list.tag !== tag)) flush();
      list ??= { tag, items: [] };
      list.items.push(item[3] as string);
      continue;
    }
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (quote) {
      flush();
      out.push(`<blockquote>${inline(escapeHtml(quote[1]))}</blockquote>`);
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (list) flush();
    paragraph.push(line.trim());
  }
  flush();
  return out.join("\n");
}
