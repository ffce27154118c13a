/**
 * YAML for model card front matter, without a YAML dependency: an emitter whose output no value can restructure, and
 * the split of a card into front matter and body. The reader of the YAML itself is hf-yaml-read.ts.
 *
 * @module
 */

import { parseYaml } from "./hf-yaml-read.js";

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
