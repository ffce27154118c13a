/**
 * A reader for the subset of YAML that model cards use in practice, without a YAML dependency.
 *
 * It resolves plain scalars as PyYAML does (YAML 1.1), because PyYAML is what `huggingface_hub` reads card metadata
 * with: `yes` and `on` are booleans, `1e3` (no dot) stays a string, `2024-05-01` stays a string here (PyYAML makes it
 * a date). It refuses what it could misread (anchors, aliases, tags, complex keys, merge keys, directives): the caller
 * gets `undefined`, never a guess and never an exception.
 *
 * @module
 */

/**
 * Reads one YAML document of the subset model cards use: block maps and lists, flow lists and maps, plain, single- and
 * double-quoted scalars (over several lines too), literal and folded block scalars, comments. Returns `undefined` for
 * anything else (anchors, aliases, tags, malformed text) and never throws; an empty document is `null`.
 */
export function parseYaml(text: string): unknown {
  try {
    return new Reader(text).document();
  } catch {
    // Refused, malformed, or nested past the stack: all the same to a tolerant reader.
    return undefined;
  }
}

class Refused extends Error {}

function refuse(why: string): never {
  throw new Refused(why);
}

/** The deepest nesting read; model cards need a handful of levels. */
const MAX_DEPTH = 64;

const NULLS = /^(?:~|null|Null|NULL|)$/;
const TRUES = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSES = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/;

/** A plain scalar's value under PyYAML's (YAML 1.1) resolver: null, booleans, ints (0x, 0b, 0 octal, base 60), floats. */
function resolvePlain(text: string): unknown {
  if (NULLS.test(text)) return null;
  if (TRUES.test(text)) return true;
  if (FALSES.test(text)) return false;
  const sign = text.startsWith("-") ? -1 : 1;
  const digits = text.replace(/^[-+]/, "").replaceAll("_", "");
  if (/^[-+]?0b[01_]+$/.test(text)) return sign * Number.parseInt(digits.slice(2), 2);
  if (/^[-+]?0x[0-9a-fA-F_]+$/.test(text)) return sign * Number.parseInt(digits.slice(2), 16);
  if (/^[-+]?0[0-7_]+$/.test(text)) return sign * Number.parseInt(digits, 8);
  if (/^[-+]?(?:0|[1-9][0-9_]*)$/.test(text)) return sign * Number(digits);
  if (/^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/.test(text)) return sign * digits.split(":").reduce((sum, part) => sum * 60 + Number(part), 0);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return sign * Number.POSITIVE_INFINITY;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return Number.NaN;
  if (FLOAT.test(text)) return sign * Number(digits);
  return text;
}

/** One line: where its text starts in the source, its indentation, its text after the indentation, where it ends. */
interface Line {
  start: number;
  indent: number;
  text: string;
  end: number;
}

/** Characters a plain scalar cannot start with (they are YAML indicators). */
const INDICATOR_START = /^(?:[,\]}%@`]|[?:-](?:[ \t]|$))/;

/** A block sequence entry's dash. */
const DASH = /^-(?:[ \t]|$)/;

class Reader {
  readonly #src: string;
  readonly #lines: Line[] = [];
  #at = 0;

  constructor(text: string) {
    this.#src = text.replace(/\r\n?/g, "\n");
    let start = 0;
    for (const raw of this.#src.split("\n")) {
      const indent = /^ */.exec(raw)?.[0].length ?? 0;
      this.#lines.push({ start: start + indent, indent, text: raw.slice(indent), end: start + raw.length });
      start += raw.length + 1;
    }
  }

  document(): unknown {
    if (this.#peek()?.line.text.startsWith("%")) refuse("directive");
    const value = this.#node(0, 0);
    if (this.#peek()) refuse("text after the document");
    return value;
  }

  /** The next line with content (not blank, not only a comment) from the cursor, and its index; none at `...`. */
  #peek(): { i: number; line: Line } | undefined {
    for (let i = this.#at; i < this.#lines.length; i++) {
      const line = this.#lines[i] as Line;
      if (/^[ \t]*(?:#.*)?$/.test(line.text)) continue;
      if (line.text.startsWith("\t")) refuse("tab indentation");
      return line.indent === 0 && line.text === "..." ? undefined : { i, line };
    }
    return undefined;
  }

  /** The node that starts on the next content line, which must be indented at least `min`. */
  #node(min: number, depth: number): unknown {
    if (depth > MAX_DEPTH) refuse("too deep");
    const next = this.#peek();
    if (!next || next.line.indent < min) return null;
    const { i, line } = next;
    this.#at = i;
    if (DASH.test(line.text)) return this.#sequence(line.indent, depth);
    if (this.#keyOf(line.text)) return this.#map(line.indent, depth);
    this.#at = i + 1;
    return this.#value(line.text, line.start, line.indent - 1, i, false, depth);
  }

  #map(indent: number, depth: number): Record<string, unknown> {
    const entries = new Map<string, unknown>();
    for (let next = this.#peek(); next && next.line.indent >= indent; next = this.#peek()) {
      const { i, line } = next;
      if (line.indent > indent) refuse("bad indentation");
      const key = this.#keyOf(line.text) ?? refuse("expected a key");
      this.#at = i + 1;
      entries.set(key.key, this.#value(key.rest, line.start + line.text.length - key.rest.length, indent, i, true, depth + 1));
    }
    // fromEntries defines own properties, so a key named __proto__ is data, not a prototype.
    return Object.fromEntries(entries);
  }

  #sequence(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    for (let next = this.#peek(); next && next.line.indent >= indent; next = this.#peek()) {
      const { i, line } = next;
      if (line.indent > indent) refuse("bad indentation");
      if (!DASH.test(line.text)) break;
      const dash = /^-[ \t]*/.exec(line.text)?.[0] ?? "-";
      const content = line.text.slice(dash.length);
      if (content !== "" && !content.startsWith("#") && (DASH.test(content) || this.#keyOf(content))) {
        // `- key: value` or `- - item`: a map or list whose first line starts at the content's column, which a tab
        // after the dash would leave undefined.
        if (dash.includes("\t")) refuse("tab indentation");
        this.#lines[i] = { start: line.start + dash.length, indent: indent + dash.length, text: content, end: line.end };
        items.push(this.#node(indent + dash.length, depth + 1));
      } else {
        this.#at = i + 1;
        items.push(this.#value(content, line.start + dash.length, indent, i, false, depth + 1));
      }
    }
    return items;
  }

  /** `key: rest` when the text is a map entry; refuses complex keys, anchors, tags and merge keys. */
  #keyOf(text: string): { key: string; rest: string } | undefined {
    if (/^(?:[&*!]|\?(?:[ \t]|$))/.test(text)) refuse("anchor, alias, tag or complex key");
    let key: string;
    let after: number;
    if (text.startsWith('"') || text.startsWith("'")) {
      const quoted = scanQuoted(text, 0, text[0] as '"' | "'");
      const colon = quoted && /^[ \t]*:(?:[ \t]|$)/.exec(text.slice(quoted.end));
      if (!quoted || !colon) return undefined;
      [key, after] = [quoted.value, quoted.end + colon[0].length];
    } else {
      const colon = /:(?:[ \t]|$)/.exec(text);
      const comment = /(?:^|[ \t])#/.exec(text);
      if (!colon || /^[[{#|>]/.test(text) || (comment && comment.index < colon.index)) return undefined;
      [key, after] = [text.slice(0, colon.index).trimEnd(), colon.index + 1];
      if (key === "" || INDICATOR_START.test(key)) return undefined;
    }
    if (key === "<<") refuse("merge key");
    return { key, rest: text.slice(after).replace(/^[ \t]+/, "") };
  }

  /**
   * The value written after `key:` or `- ` (`rest`, at `offset` in the source) on line `row`, whose parent sits at
   * column `parent`. Nothing after the key takes the indented block below; a map key also takes a list at its own
   * column, as PyYAML writes lists.
   */
  #value(rest: string, offset: number, parent: number, row: number, inMap: boolean, depth: number): unknown {
    if (depth > MAX_DEPTH) refuse("too deep");
    if (rest === "" || rest.startsWith("#")) {
      const next = this.#peek();
      if (next && next.line.indent > parent) return this.#node(parent + 1, depth + 1);
      if (next && inMap && next.line.indent === parent && DASH.test(next.line.text)) return this.#sequence(parent, depth + 1);
      return null;
    }
    if (/^[&*!]/.test(rest)) refuse("anchor, alias or tag");
    if (/^[|>]/.test(rest)) return this.#blockScalar(rest, parent);
    if (/^[[{"']/.test(rest)) {
      const flow = readFlow(this.#src, offset, depth);
      // The rest of the line the value ended on (maybe lines below `row`) must be blank or a comment.
      let i = row;
      for (let below = this.#lines[i + 1]; below && below.start - below.indent <= flow.end; below = this.#lines[i + 1]) i++;
      if (!/^(?:[ \t]+#.*)?[ \t]*$/.test(this.#src.slice(flow.end, (this.#lines[i] as Line).end))) refuse("text after a value");
      this.#at = i + 1;
      return flow.value;
    }
    if (INDICATOR_START.test(rest)) refuse("reserved indicator");
    return this.#plain(rest, parent);
  }

  /** A plain scalar, continued on more indented lines below (joined with spaces, a blank line giving a line break). */
  #plain(first: string, parent: number): unknown {
    const cut = (text: string) => {
      const comment = /[ \t]#/.exec(text);
      const value = (comment ? text.slice(0, comment.index) : text).trim();
      if (/:(?:[ \t]|$)/.test(value)) refuse("a `: ` inside a plain value");
      return { value, commented: comment !== null };
    };
    let part = cut(first);
    let text = part.value;
    for (let i = this.#at, blanks = 0; !part.commented && i < this.#lines.length; i++) {
      const line = this.#lines[i] as Line;
      if (/^[ \t]*$/.test(line.text)) blanks++;
      else if (line.indent <= parent || line.text.startsWith("#") || line.text === "...") break;
      else {
        part = cut(line.text);
        text += (blanks > 0 ? "\n".repeat(blanks) : " ") + part.value;
        blanks = 0;
        this.#at = i + 1;
      }
    }
    return resolvePlain(text);
  }

  /** A `|` (literal) or `>` (folded) block scalar, with the chomping (`-`, `+`) and indentation indicators. */
  #blockScalar(header: string, parent: number): string {
    const [, style, first, chomp, second] = /^([|>])([1-9]?)([-+]?)([1-9]?)(?:[ \t]+#.*|[ \t]*)$/.exec(header) ?? refuse("bad block scalar header");
    let indent = first || second ? Math.max(parent, 0) + Number(first || second) : undefined;
    const lines: string[] = [];
    for (; this.#at < this.#lines.length; this.#at++) {
      const line = this.#lines[this.#at] as Line;
      if (/^[ \t]*$/.test(line.text)) lines.push("");
      else if (line.indent > parent && line.indent >= (indent ??= line.indent)) lines.push(" ".repeat(line.indent - indent) + line.text);
      else break;
    }
    // Trailing blank lines belong to the scalar only as far as chomping keeps them.
    let trailing = 0;
    for (; lines.at(-1) === ""; trailing++) lines.pop();
    // Folding joins lines with a space; a blank line gives a line break instead, and around more indented lines the
    // line breaks stay.
    let text = style === "|" ? lines.join("\n") : "";
    for (let k = 0, blanks = 0, previous: string | undefined; style === ">" && k < lines.length; k++) {
      const line = lines[k] as string;
      if (line === "") blanks++;
      else {
        const kept = /^[ \t]/.test(line) || /^[ \t]/.test(previous ?? "");
        text += (previous === undefined ? "\n".repeat(blanks) : kept ? "\n".repeat(blanks + 1) : blanks > 0 ? "\n".repeat(blanks) : " ") + line;
        [previous, blanks] = [line, 0];
      }
    }
    if (text === "" || chomp === "-") return text;
    return chomp === "+" ? `${text}\n${"\n".repeat(trailing)}` : `${text}\n`;
  }
}

/** A value read from the source, and the offset after it. */
interface Scanned<T = unknown> {
  value: T;
  end: number;
}

/** YAML's one-character escapes (`\n`, `\N`, `\_`...): the letter in the first string, its character at the same place in the second. */
const ESCAPE_NAMES = '0abt\tnvfre "/\\N_LP';
const ESCAPE_CHARS = '\0\x07\b\t\t\n\v\f\r\x1b "/\\\u0085\u00a0\u2028\u2029';

/**
 * A single- or double-quoted scalar starting at `pos` (the quote), over several lines if need be: a line break and
 * the indentation around it fold to one space, blank lines to line breaks. `undefined` when it is not closed.
 */
function scanQuoted(src: string, pos: number, quote: '"' | "'"): Scanned<string> | undefined {
  let value = "";
  let folding = 0; // raw spaces and tabs at the end of `value`, dropped if a line break follows
  for (let i = pos + 1; i < src.length; ) {
    const c = src[i] as string;
    if (c === quote && !(quote === "'" && src[i + 1] === "'")) return { value, end: i + 1 };
    if (c === quote) {
      // '' is a quote inside a single-quoted scalar.
      [value, folding, i] = [`${value}'`, 0, i + 2];
      continue;
    }
    if (c === "\n") {
      value = value.slice(0, value.length - folding);
      let breaks = 0;
      while (i < src.length && /[\n \t]/.test(src[i] as string)) breaks += src[i++] === "\n" ? 1 : 0;
      value += breaks > 1 ? "\n".repeat(breaks - 1) : " ";
      folding = 0;
      continue;
    }
    if (quote === '"' && c === "\\") {
      const e = src[i + 1];
      if (e === undefined) return undefined;
      if (e === "\n") {
        // An escaped line break joins the lines without a space.
        i += 2;
        while (i < src.length && /[ \t]/.test(src[i] as string)) i++;
        folding = 0;
        continue;
      }
      const width = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (width > 0) {
        const hex = src.slice(i + 2, i + 2 + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) refuse("bad escape");
        value += String.fromCodePoint(Number.parseInt(hex, 16));
        i += 2 + width;
      } else {
        const at = ESCAPE_NAMES.indexOf(e);
        value += at >= 0 ? ESCAPE_CHARS[at] : refuse("bad escape");
        i += 2;
      }
      folding = 0;
      continue;
    }
    value += c;
    folding = c === " " || c === "\t" ? folding + 1 : 0;
    i++;
  }
  return undefined;
}

/**
 * A flow collection (`[a, b]`, `{a: 1}`) or quoted scalar starting at `start`, over as many lines as it takes: its
 * value and the offset after it.
 */
function readFlow(src: string, start: number, depth: number): Scanned {
  let pos = start;
  /** Spaces, line breaks and comments between tokens. */
  const space = () => {
    for (let c = src[pos]; c === " " || c === "\t" || c === "\n" || c === "#"; c = src[pos]) {
      if (c === "#") while (pos < src.length && src[pos] !== "\n") pos++;
      else pos++;
    }
  };
  /** A plain scalar: it ends at `,`, a bracket, `: ` or a comment; its line breaks fold to spaces. */
  const plain = () => {
    const from = pos;
    for (; pos < src.length; pos++) {
      const c = src[pos] as string;
      if (/[,[\]{}]/.test(c) || (c === ":" && /^(?:[\s,[\]{}]|$)/.test(src[pos + 1] ?? "")) || (c === "#" && /\s/.test(src[pos - 1] ?? " "))) break;
    }
    const text = src.slice(from, pos).trim();
    return text.replace(/[ \t]*\n\s*/g, " ");
  };
  const separator = (close: string) => {
    space();
    if (src[pos] === ",") pos++;
    else if (src[pos] !== close) refuse("expected , or a closing bracket");
  };
  const node = (level: number): unknown => {
    if (level > MAX_DEPTH) refuse("too deep");
    space();
    const c = src[pos] ?? refuse("unterminated flow");
    if (c === '"' || c === "'") {
      const quoted = scanQuoted(src, pos, c) ?? refuse("unterminated quote");
      pos = quoted.end;
      return quoted.value;
    }
    if (/[&*!]/.test(c)) refuse("anchor, alias or tag");
    if (c !== "[" && c !== "{") return resolvePlain(plain());
    pos++;
    if (c === "[") {
      const items: unknown[] = [];
      for (space(); src[pos] !== "]"; space()) {
        items.push(node(level + 1));
        space();
        // `[a: 1]` is a list of one-entry maps; model cards never write it, so it is refused rather than misread.
        if (src[pos] === ":") refuse("map inside a flow list");
        separator("]");
      }
      pos++;
      return items;
    }
    const entries = new Map<string, unknown>();
    for (space(); src[pos] !== "}"; space()) {
      const k = src[pos];
      if (k === "?" || k === "[" || k === "{") refuse("complex key");
      const key = String(k === '"' || k === "'" ? node(level + 1) : plain());
      if (key === "<<") refuse("merge key");
      space();
      let value: unknown = null;
      if (src[pos] === ":") {
        pos++;
        space();
        if (src[pos] !== "," && src[pos] !== "}") value = node(level + 1);
      }
      entries.set(key, value);
      separator("}");
    }
    pos++;
    return Object.fromEntries(entries);
  };
  const value = node(depth);
  return { value, end: pos };
}
