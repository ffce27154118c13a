// Model cards for the Hub fake: the YAML front matter of README.md (reference §4), checked and read only as far as
// the fake needs. POST /api/validate-yaml answers from `yamlProblems` (Python's upload_folder and create_commit call
// it before committing a README.md: hf_api.py HfApi._validate_yaml); model info's `cardData` comes from `cardData`.
// The Hub parses full YAML; this reads flat `key: value` and `key:` followed by `- item` lists, which is what a
// modelreg card and the tests hold, and leaves anything nested out of cardData.

/** The front matter of a card: the text between the opening `---` line and the closing one. */
export function frontMatter(card: string): { yaml?: string; unclosed?: boolean } {
  const text = card.replace(/^\uFEFF/, "");
  if (!/^---\r?\n/.test(text)) return {};
  const rest = text.replace(/^---\r?\n/, "");
  const end = rest.search(/^---\s*$/m);
  if (end < 0) return { unclosed: true };
  return { yaml: rest.slice(0, end) };
}

/** What the Hub would refuse in a card's metadata (as `{errors: [{message}]}`), and its warnings. */
export function yamlProblems(card: string): { errors: string[]; warnings: string[] } {
  const { yaml, unclosed } = frontMatter(card);
  if (unclosed) return { errors: ["The YAML front matter is not closed with a --- line"], warnings: [] };
  // The Hub warns about a card without metadata (huggingface_hub's test_commit_modelcard_empty_metadata expects a
  // warning, not an error); the wording is the Hub's message as Python prints it.
  if (yaml === undefined || yaml.trim() === "") return { errors: [], warnings: ["empty or missing yaml metadata in repo card"] };
  const errors: string[] = [];
  for (const [i, line] of yaml.split(/\r?\n/).entries()) {
    if (!line.trim() || /^\s*#/.test(line) || /^\s/.test(line) || line.startsWith("- ")) continue;
    if (!/^("[^"]+"|'[^']+'|[^\s:#][^:]*):(\s|$)/.test(line)) errors.push(`YAML line ${i + 1} is not a "key: value" mapping entry`);
  }
  return { errors, warnings: [] };
}

function scalar(raw: string): unknown {
  const value = raw.trim();
  if (/^".*"$|^'.*'$/.test(value)) return value.slice(1, -1);
  if (value === "true" || value === "false") return value === "true";
  if (value === "null" || value === "~") return null;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (/^\[.*\]$/.test(value))
    return value
      .slice(1, -1)
      .split(",")
      .map((v) => scalar(v))
      .filter((v) => v !== "");
  return value;
}

/** The card's metadata as model info's `cardData`, or undefined when it has none. */
export function cardData(card: string): Record<string, unknown> | undefined {
  const { yaml } = frontMatter(card);
  if (!yaml?.trim()) return undefined;
  const data: Record<string, unknown> = {};
  let list: unknown[] | undefined;
  let key = "";
  for (const line of yaml.split(/\r?\n/)) {
    const item = /^\s*- (.*)$/.exec(line);
    if (item && list) list.push(scalar(item[1] as string));
    else if (/^\S/.test(line) && !line.startsWith("#")) {
      const match = /^("[^"]+"|'[^']+'|[^:]+):\s*(.*)$/.exec(line);
      if (!match) continue;
      key = (match[1] as string).replace(/^["']|["']$/g, "");
      if (match[2]) {
        data[key] = scalar(match[2]);
        list = undefined;
      } else data[key] = list = [];
    } else if (line.trim()) {
      // A nested mapping: left out (see the note at the top).
      if (list?.length === 0) delete data[key];
      list = undefined;
    }
  }
  return data;
}
