/**
 * YAML for model card front matter, without a YAML dependency: an emitter whose output no value can restructure, and a
 * reader for the subset of YAML that model cards use in practice.
 *
 * The reader resolves plain scalars as PyYAML does (YAML 1.1), because PyYAML is what `huggingface_hub` reads card
 * metadata with: `yes` and `on` are booleans, `1e3` (no dot) stays a string, `2024-05-01` stays a string here (PyYAML
 * makes it a date). It refuses what it could misread (anchors, aliases, tags, complex keys, merge keys, directives):
 * the caller gets `undefined`, never a guess and never an exception.
 *
 * @module
 */

/** A value the emitter writes: scalars, lists and maps of them. `undefined` map entries are left out. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | YamlMap;

/** A YAML mapping with string keys. */
export interface YamlMap {
  /** An entry; `undefined` is left out. */
  readonly [key: string]: YamlValue | undefined;
}

/** A Markdown document split into its YAML front matter and the text after it. */
export interface FrontMatter {
  /** The front matter as a map; `undefined` when there is none, or when it is not a YAML map this reader understands. */
  data: Record<string, unknown> | undefined;
  /** The text after the front matter's closing `---` line (the whole document when there is no front matter). */
  body: string;
}

/**
 * Characters escaped beyond JSON's own escapes: the ones YAML 1.1 readers (PyYAML) treat as line breaks or refuse
 * unescaped in a document (C1 controls, U+2028/2029, a BOM, the two non-characters U+FFFE and U+FFFF).
 */
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A YAML double-quoted scalar: JSON's string syntax is YAML's double-quoted style, so no text can change the structure. */
export function yamlQuote(value: string): string {
  return JSON.stringify(value).replace(YAML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Plain scalars a YAML 1.1 or 1.2 reader would not read as a string; a key spelled like one is quoted. */
const NOT_A_STRING = /^(?:[yYnN~]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

function yamlKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) && !NOT_A_STRING.test(key) ? key : yamlQuote(key);
}

/**
 * A number both YAML 1.1 and 1.2 read back as the same number. JavaScript writes `1e-7` and `1e+21`, which PyYAML
 * reads as strings (its floats need a dot), so an exponent gets a `.0` mantissa.
 */
function yamlNumber(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (!Number.isFinite(value)) return value > 0 ? ".inf" : "-.inf";
  const text = String(value);
  const exponent = /^(-?\d+)(e[+-]\d+)$/.exec(text);
  return exponent ? `${exponent[1]}.0${exponent[2]}` : text;
}

/** A value on one line: a scalar, or an empty collection in flow style; `undefined` for a collection with entries. */
function inline(value: YamlValue | undefined): string | undefined {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return yamlQuote(value);
  if (typeof value === "number") return yamlNumber(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "[]" : undefined;
  return Object.values(value).some((v) => v !== undefined) ? undefined : "{}";
}

function mapLines(map: YamlMap): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (value === undefined) continue;
    const one = inline(value);
    if (one !== undefined) out.push(`${yamlKey(key)}: ${one}`);
    // A list under a key starts at the key's column, as PyYAML writes it; a map is indented by two.
    else if (Array.isArray(value)) out.push(`${yamlKey(key)}:`, ...listLines(value));
    else out.push(`${yamlKey(key)}:`, ...mapLines(value as YamlMap).map((line) => `  ${line}`));
  }
  return out;
}

function listLines(list: readonly YamlValue[]): string[] {
  return list.flatMap((item) => {
    const one = inline(item);
    if (one !== undefined) return [`- ${one}`];
    const [first, ...rest] = Array.isArray(item) ? listLines(item) : mapLines(item as YamlMap);
    return [`- ${first}`, ...rest.map((line) => `  ${line}`)];
  });
}

/**
 * Writes a map as block-style YAML, ending in a line break (`{}` for an empty map). Every string is double-quoted,
 * keys that are not plain identifiers too, so a value holding `: `, `#`, `---`, a line break or `yes` stays a string.
 */
export function emitYaml(map: YamlMap): string {
  const lines = mapLines(map);
  return `${lines.length === 0 ? "{}" : lines.join("\n")}\n`;
}

/** `huggingface_hub`'s `REGEX_YAML_BLOCK` (repocard.py), so both find the same block. */
const FRONT_MATTER = /^(\s*---(?:\r\n|\r|\n))([\s\S]*?)((?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|$))/;

/**
 * Splits Markdown into its front matter and body, as `huggingface_hub`'s `RepoCard` does: a block between `---` lines
 * at the very start. Never throws; front matter that is not a YAML map this reader understands gives `data: undefined`
 * (the body is still what follows the block), and so does a document without front matter. An empty block is `{}`.
 */
export function parseFrontMatter(markdown: string): FrontMatter {
  if (typeof markdown !== "string") return { data: undefined, body: "" };
  const match = FRONT_MATTER.exec(markdown);
  if (!match) return { data: undefined, body: markdown };
  const body = markdown.slice(match[0].length);
  const value = parseYaml(match[2] ?? "");
  if (value === null) return { data: {}, body };
  const isMap = typeof value === "object" && value !== undefined && !Array.isArray(value);
  return { data: isMap ? (value as Record<string, unknown>) : undefined, body };
}

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
